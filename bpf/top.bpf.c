// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember top: what each process did since the last refresh, for the whole
 * machine. A perf sample counts one tick of CPU for the running process
 * (so processes that live less than a refresh are seen too), and the
 * scheduler switch measures how long threads stay blocked. Both totals
 * only grow; userspace reads them once a refresh and takes differences.
 * No stacks here: the hot-functions panel runs a collector of its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "maps.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32); /* tgid */
	__type(value, struct ember_top_proc);
} procs SEC(".maps");

/*
 * Per thread: since when it has been blocked (ts 0: it is not). A hash,
 * not task storage: the switch-in side only has the next task as a plain
 * pointer (task storage wants a trusted one), and userspace reads it to
 * count the part of a long block that fell in each refresh. Entries stay
 * for the thread's life (the switch writes ts in place; an insert and a
 * delete per block cost twice the rest of the program); userspace sweeps
 * out exited threads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct ember_top_block);
} blocked SEC(".maps");

static __always_inline struct ember_top_proc *proc_of(__u32 tgid, struct task_struct *t)
{
	struct ember_top_proc *p = bpf_map_lookup_elem(&procs, &tgid), init = {};

	if (p)
		return p;
	/* the name is read once, when the process is first seen */
	read_process_name(t, init.comm);
	p = map_lookup_or_try_init(&procs, &tgid, &init);
	if (!p)
		stat_inc(EMBER_STAT_TOP_PROCS_FULL);
	return p;
}

SEC("perf_event")
int top_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ember_top_proc *p;

	stat_inc(EMBER_STAT_SAMPLES);
	if ((__u32)id == 0) {
		stat_inc(EMBER_STAT_IDLE);
		return 0;
	}
	p = proc_of(id >> 32, (struct task_struct *)bpf_get_current_task());
	if (p) {
		__sync_fetch_and_add(&p->samples, 1);
		stat_inc(EMBER_STAT_RECORDED);
	}
	return 0;
}

static __always_inline void block_starts(struct task_struct *prev, __u32 tid, __u64 now)
{
	struct ember_top_block *b = bpf_map_lookup_elem(&blocked, &tid), nb;

	if (b) {
		b->tgid = prev->tgid;
		b->ts = now;
		stat_inc(EMBER_STAT_BLOCKS);
		return;
	}
	nb.ts = now;
	nb.tgid = prev->tgid;
	nb.pad = 0;
	/* -EEXIST cannot happen: only this thread's own switch adds it */
	if (bpf_map_update_elem(&blocked, &tid, &nb, BPF_NOEXIST))
		stat_inc(EMBER_STAT_TOP_BLOCKS_FULL);
	else
		stat_inc(EMBER_STAT_BLOCKS);
}

SEC("raw_tp/sched_switch")
int top_switch(struct bpf_raw_tracepoint_args *ctx)
{
	bool preempt = (bool)ctx->args[0];
	/* The switch is traced before it happens: prev is still current,
	 * and through the trusted pointer its fields are plain loads. */
	struct task_struct *prev = bpf_get_current_task_btf();
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	__u32 prev_tid = prev->pid, next_tid = BPF_CORE_READ(next, pid);
	__u64 now = bpf_ktime_get_ns();
	struct ember_top_block *b;
	struct ember_top_proc *p;

	stat_inc(EMBER_STAT_SWITCHES);
	/* Blocked (sleeping or in uninterruptible wait); a preempted thread
	 * is runnable, an exiting one never comes back. The idle task is
	 * never counted. */
	if (prev_tid && !preempt &&
	    (task_state_btf(prev) & (EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE)))
		block_starts(prev, prev_tid, now);
	if (!next_tid)
		return 0;
	b = bpf_map_lookup_elem(&blocked, &next_tid);
	if (!b || !b->ts)
		return 0;
	p = proc_of(b->tgid, next);
	if (p && now > b->ts)
		__sync_fetch_and_add(&p->offcpu_ns, now - b->ts);
	b->ts = 0;
	stat_inc(EMBER_STAT_WAKEUPS);
	return 0;
}
