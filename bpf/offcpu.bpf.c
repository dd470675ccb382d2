// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Off-CPU profile: time target threads spend blocked, by the stack they
 * blocked in. One raw tracepoint on the scheduler's switch: when a target
 * thread leaves the CPU blocked, remember when and where (its stacks are
 * taken then, and only then); when it next runs, add the interval to that
 * stack's total. Preemption is not blocking: a thread preempted while
 * runnable gets no stack unless asked for (--include-preempted, -e wall).
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
const volatile __u32 state_mask = EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE;
const volatile __u32 record_preempted = 0;
const volatile __u64 min_block_ns = 0;
const volatile __u64 max_block_ns = ~0ULL;

/* Threads off CPU now, by TID: at most 16384 target threads blocked at
 * once (a fixed size, no option sets it); a block beyond that is counted
 * (EMBER_STAT_START_FULL) and not timed. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct ember_offcpu_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ember_stack_key);
	__type(value, struct ember_offcpu_value);
} offcpu_counts SEC(".maps");

/* prev is the current task: its stacks are the ones bpf_get_stack sees. */
static __always_inline void left_cpu(void *ctx, struct task_struct *prev, bool preempt, __u64 now)
{
	struct ember_offcpu_start s = {};
	__u32 tid = BPF_CORE_READ(prev, pid);
	__u32 tgid = BPF_CORE_READ(prev, tgid);
	__u32 state;
	bool lost;
	long err;

	if (!is_target(tgid, tid))
		return;
	state = task_state(prev);
	/* A switch with preempt set leaves the thread runnable whatever its
	 * state field says (it may be preempted while preparing to sleep). */
	if (preempt || !(state & state_mask)) {
		if (!preempt && state != 0)
			return; /* a state not asked for (--state), stopped or exiting */
		stat_inc(EMBER_STAT_PREEMPTIONS);
		if (!record_preempted)
			return;
		s.key.flags = EMBER_KEY_PREEMPTED;
	} else {
		stat_inc(EMBER_STAT_BLOCKS);
	}
	s.ts = now;
	s.key.tgid = tgid;
	if (want_user) {
		s.key.user_stack = store_user_stack(ctx, SCRATCH_SWITCH, &s.key.flags, &lost);
		if (lost)
			s.key.flags |= EMBER_KEY_USER_LOST;
	}
	if (want_kernel) {
		s.key.kernel_stack = store_kernel_stack(ctx, SCRATCH_SWITCH, &lost);
		if (lost)
			s.key.flags |= EMBER_KEY_KERNEL_LOST;
	}
	read_process_name(prev, s.key.comm);
	s.key.start_time = process_start(prev);
	err = bpf_map_update_elem(&start, &tid, &s, BPF_NOEXIST);
	if ((int)err == -EEXIST) {
		/* The switch that brought this thread back never reached us
		 * (the kernel skips a program it is already running on this
		 * CPU): its previous interval has no end. Count it lost. */
		stat_inc(EMBER_STAT_START_STALE);
		err = bpf_map_update_elem(&start, &tid, &s, BPF_EXIST);
	}
	if (err)
		stat_inc(EMBER_STAT_START_FULL);
}

static __always_inline void back_on_cpu(struct task_struct *next, __u64 now)
{
	__u32 tid = BPF_CORE_READ(next, pid);
	struct ember_offcpu_start *s;
	struct ember_offcpu_value *v, init = {};
	__u64 delta;

	s = bpf_map_lookup_elem(&start, &tid);
	if (!s)
		return;
	delta = now - s->ts;
	if (delta < min_block_ns || delta > max_block_ns) {
		stat_inc(delta < min_block_ns ? EMBER_STAT_BLOCK_SHORT : EMBER_STAT_BLOCK_LONG);
		goto done;
	}
	v = map_lookup_or_try_init(&offcpu_counts, &s->key, &init);
	if (!v) {
		stat_inc(EMBER_STAT_COUNTS_FULL);
		goto done;
	}
	__sync_fetch_and_add(&v->total_ns, delta);
	__sync_fetch_and_add(&v->count, 1);
	stat_inc(EMBER_STAT_WAKEUPS);
done:
	bpf_map_delete_elem(&start, &tid);
}

SEC("raw_tp/sched_switch")
int on_switch(struct bpf_raw_tracepoint_args *ctx)
{
	bool preempt = ctx->args[0];
	struct task_struct *prev = (struct task_struct *)ctx->args[1];
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	__u64 now = bpf_ktime_get_ns();

	stat_inc(EMBER_STAT_SWITCHES);
	left_cpu(ctx, prev, preempt, now);
	back_on_cpu(next, now);
	return 0;
}
