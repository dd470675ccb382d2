// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember top: what each process did since the last refresh, for the whole
 * machine, counted at the scheduler switch: how long its threads ran and
 * how long they stayed blocked. Exact, unlike a sampler, which a periodic
 * workload can alias with for many seconds; a process that lives less
 * than a refresh is counted at its threads' last switch-out. Both totals
 * only grow; userspace reads them once a refresh, adds the runs and blocks
 * still going on, and takes differences. No stacks here: the hot-functions
 * panel runs a collector of its own.
 *
 * Run time is the kernel's own per-thread total (se.sum_exec_runtime,
 * brought up to date by the switch before the tracepoint), taken as a
 * difference between two switches of the thread that the program saw,
 * not switch-out time less switch-in time: the difference stays right
 * across a switch the program misses (a run the kernel skips; some
 * kernels do not trace the switches out of some tasks at all, and with
 * them the switch into whatever runs next), where timestamps would lose
 * the run, or count a thread asleep as running until it next switches.
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
 * Per thread, as of its last switch seen. A hash, not task storage: the
 * switch-in side only has the next task as a plain pointer (task storage
 * wants a trusted one), and userspace reads it to count the part of a
 * long run or block that fell in each refresh. One entry per thread,
 * added at its first switch seen and kept for its life (the switch writes
 * in place; an insert and a delete per switch would cost twice the rest
 * of the program); userspace sweeps out exited threads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* tid */
	__type(value, struct ember_top_thread);
} threads SEC(".maps");

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

/* A thread seen for the first time: its run time counts from here. Its
 * process gets an entry too, so that userspace has somewhere to add a
 * first run still going on. 0 or -errno; -EEXIST when another program
 * added it first. */
static __always_inline long thread_add(__u32 tid, struct task_struct *t,
				       const struct ember_top_thread *init)
{
	long err;

	proc_of(init->tgid, t);
	err = bpf_map_update_elem(&threads, &tid, init, BPF_NOEXIST);
	if (err && (int)err != -EEXIST)
		stat_inc(EMBER_STAT_TOP_BLOCKS_FULL);
	return err;
}

static __always_inline void switch_out(struct task_struct *prev, __u32 tid, bool preempt, __u64 now)
{
	struct ember_top_thread *th = bpf_map_lookup_elem(&threads, &tid), init = {};
	__u32 state = task_state_btf(prev);
	/* Blocked (sleeping or in uninterruptible wait); a preempted thread
	 * is runnable, an exiting one never comes back. */
	bool blocks =
	    !preempt && (state & (EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE));
	__u64 run = prev->se.sum_exec_runtime;
	__u32 tgid = prev->tgid;
	struct ember_top_proc *p;

	if (!th) {
		long err;

		init.blocked_ts = blocks ? now : 0;
		init.run_ns = run;
		init.tgid = tgid;
		init.runnable = preempt || !state;
		err = thread_add(tid, prev, &init);
		if (!err && blocks)
			stat_inc(EMBER_STAT_BLOCKS);
		/* -EEXIST: the seeding added it meanwhile */
		if ((int)err != -EEXIST)
			return;
		th = bpf_map_lookup_elem(&threads, &tid);
		if (!th)
			return;
	}
	if (run > th->run_ns) {
		p = proc_of(tgid, prev);
		if (p)
			__sync_fetch_and_add(&p->oncpu_ns, run - th->run_ns);
	}
	th->run_ns = run;
	/* exec from a second thread moves it to another tid, never another
	 * tgid, but writing it costs nothing */
	th->tgid = tgid;
	th->runnable = preempt || !state;
	if (blocks) {
		th->blocked_ts = now;
		stat_inc(EMBER_STAT_BLOCKS);
	}
}

static __always_inline void switch_in(struct task_struct *next, __u32 tid, __u64 now)
{
	struct ember_top_thread *th = bpf_map_lookup_elem(&threads, &tid), init = {};
	struct ember_top_proc *p;

	if (!th) {
		init.run_ns = BPF_CORE_READ(next, se.sum_exec_runtime);
		init.tgid = BPF_CORE_READ(next, tgid);
		init.runnable = 1;
		thread_add(tid, next, &init);
		return;
	}
	th->runnable = 1;
	if (!th->blocked_ts)
		return;
	p = proc_of(th->tgid, next);
	if (p && now > th->blocked_ts)
		__sync_fetch_and_add(&p->offcpu_ns, now - th->blocked_ts);
	th->blocked_ts = 0;
	stat_inc(EMBER_STAT_WAKEUPS);
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

	stat_inc(EMBER_STAT_SWITCHES);
	/* The idle task (pid 0 on every CPU) is never counted. */
	if (prev_tid)
		switch_out(prev, prev_tid, preempt, now);
	if (next_tid)
		switch_in(next, next_tid, now);
	return 0;
}

/*
 * Run once by userspace right after top_switch is attached: the threads
 * on a CPU at that moment would otherwise not be counted until their
 * next switch, and a spinner alone on its CPU may not switch for seconds.
 * Each gets an entry as if it had just switched in. BPF_NOEXIST keeps an
 * entry top_switch wrote since the attach, which knows better.
 */
SEC("iter/task")
int top_seed(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct ember_top_thread init = {};

	if (!t || !t->pid || !t->on_cpu)
		return 0;
	init.run_ns = t->se.sum_exec_runtime;
	init.tgid = t->tgid;
	init.runnable = 1;
	thread_add(t->pid, t, &init);
	return 0;
}
