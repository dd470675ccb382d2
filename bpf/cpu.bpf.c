// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU profile: one program run per perf sample (cpu-clock or cycles) on
 * every CPU. Stacks are stored once (stacks.bpf.h) and samples counted per
 * (process, user stack, kernel stack) in a hash map; userspace reads both
 * once at the end, so nothing crosses to userspace per sample.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "stacks.bpf.h"
#include "maps.bpf.h"
#include "filter.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u32 want_user = 1;
const volatile __u32 want_kernel = 1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ember_stack_key);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int record_stack(void *ctx, __u32 tgid)
{
	struct ember_stack_key key = {};
	struct task_struct *task;
	__u64 zero = 0, *count;
	bool lost;

	key.tgid = tgid;
	if (want_user) {
		key.user_stack = store_user_stack(ctx, SCRATCH_SAMPLE, &key.flags, &lost);
		if (lost)
			key.flags |= EMBER_KEY_USER_LOST;
	}
	if (want_kernel) {
		key.kernel_stack = store_kernel_stack(ctx, SCRATCH_SAMPLE, &lost);
		if (lost)
			key.flags |= EMBER_KEY_KERNEL_LOST;
	}

	task = (struct task_struct *)bpf_get_current_task();
	read_process_name(task, key.comm);
	key.start_time = process_start(task);

	count = map_lookup_or_try_init(&counts, &key, &zero);
	if (!count) {
		stat_inc(EMBER_STAT_COUNTS_FULL);
		return 0;
	}
	__sync_fetch_and_add(count, 1);
	stat_inc(EMBER_STAT_RECORDED);
	return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;

	stat_inc(EMBER_STAT_SAMPLES);
	if (tid == 0) {
		/* swapper: the CPU was idle */
		stat_inc(EMBER_STAT_IDLE);
		return 0;
	}
	/* Filter before any stack or map work: most samples of a targeted
	 * profile belong to other processes. */
	if (!is_target(tgid, tid)) {
		stat_inc(EMBER_STAT_FILTERED);
		return 0;
	}
	return record_stack(ctx, tgid);
}
