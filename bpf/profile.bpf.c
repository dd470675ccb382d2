// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU profile: one program run per perf sample (cpu-clock or cycles) on
 * every CPU. Stacks are deduplicated in a stack-trace map and counted in a
 * hash map; userspace reads both once at the end, so nothing crosses to
 * userspace per sample.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "stacks.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u32 filter_mode = EMBER_FILTER_ALL;
const volatile __u32 target_tid = 0;
const volatile __u32 follow_forks = 0;
const volatile __u32 want_user = 1;
const volatile __u32 want_kernel = 1;

/* Processes being profiled (EMBER_FILTER_TGID). Value unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

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
	__u64 one = 1, *count;
	bool lost;
	long err;

	key.tgid = tgid;
	if (want_user) {
		key.user_stack = store_stack(ctx, SCRATCH_SAMPLE, BPF_F_USER_STACK, &lost);
		if (lost)
			key.flags |= EMBER_KEY_USER_LOST;
	}
	if (want_kernel) {
		key.kernel_stack = store_stack(ctx, SCRATCH_SAMPLE, 0, &lost);
		if (lost)
			key.flags |= EMBER_KEY_KERNEL_LOST;
	}

	/* The process name, not the thread's: threads may rename themselves. */
	task = (struct task_struct *)bpf_get_current_task();
	BPF_CORE_READ_STR_INTO(&key.comm, task, group_leader, comm);

	count = bpf_map_lookup_elem(&counts, &key);
	if (count) {
		__sync_fetch_and_add(count, 1);
	} else {
		/* Another CPU may insert the same key between lookup and
		 * update: -EEXIST then means "add to theirs". The helper's
		 * result is an int, compare it as one. */
		err = bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
		if ((int)err == -EEXIST) {
			count = bpf_map_lookup_elem(&counts, &key);
			if (count)
				__sync_fetch_and_add(count, 1);
		} else if (err) {
			stat_inc(EMBER_STAT_COUNTS_FULL);
			return 0;
		}
	}
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
	if (filter_mode == EMBER_FILTER_TGID) {
		if (!bpf_map_lookup_elem(&targets, &tgid))
			goto filtered;
	} else if (filter_mode == EMBER_FILTER_TID) {
		if (tid != target_tid)
			goto filtered;
	}
	return record_stack(ctx, tgid);
filtered:
	stat_inc(EMBER_STAT_FILTERED);
	return 0;
}

/*
 * `ember record -- CMD` follows every process CMD forks: a child of a target
 * becomes a target before it runs its first instruction.
 */
SEC("raw_tp/sched_process_fork")
int on_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (!follow_forks)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !bpf_map_lookup_elem(&targets, &ptgid))
		return 0; /* a new thread, or not ours */
	if (bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY))
		stat_inc(EMBER_STAT_TARGETS_FULL);
	else
		stat_inc(EMBER_STAT_FORKS_FOLLOWED);
	return 0;
}
