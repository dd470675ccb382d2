// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Machine-wide latency histograms, like bcc's runqlat and biolatency, from
 * raw tracepoints only:
 *
 * - run-queue latency: from the moment a thread becomes runnable (its
 *   wakeup, or its preemption while still runnable) to the switch that
 *   puts it on a CPU;
 * - block I/O latency: from a request's issue to the driver to its
 *   completion.
 *
 * Each delta goes into a log2 histogram of microseconds in a per-CPU
 * array: no atomics, and every update of one histogram comes from one
 * program, which the kernel never runs twice at once on a CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "maps.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* include/linux/sched.h */
#define TASK_DEAD_STATE 0x80

/*
 * When each thread became runnable, by TID; 0 once it runs (or blocks:
 * a thread woken while still on its CPU keeps that time until it leaves
 * the CPU). An entry stays for the thread's life and goes at its exit, so
 * the hot path is a lookup and a plain store: no insert, delete or lock
 * but the first time a thread is seen. At most one entry per live thread.
 * Preallocated (like every map here): the scheduler's tracepoints run
 * under its locks, where allocating on demand cannot refill its cache and
 * fails.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u64);
} runq_start SEC(".maps");

/* Requests in flight by address: when they were issued. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} bio_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EMBER_LATENCY_KINDS);
	__type(key, __u32);
	__type(value, struct ember_latency_hist);
} hists SEC(".maps");

/* floor(log2(v)) for v > 0, without loops. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	return r;
}

static __always_inline void hist_add(__u32 kind, __u64 start, __u64 now)
{
	struct ember_latency_hist *h = bpf_map_lookup_elem(&hists, &kind);
	__u64 delta = now > start ? now - start : 0;
	__u64 us = delta / 1000;
	__u32 b = us ? log2_u64(us) : 0;

	if (!h)
		return;
	if (b >= EMBER_LATENCY_BUCKETS)
		b = EMBER_LATENCY_BUCKETS - 1;
	h->count++;
	h->sum_ns += delta;
	h->buckets[b]++;
}

/*
 * The scheduler serializes the events of one thread (a wakeup takes the
 * thread's run-queue lock, or comes after its switch away has finished),
 * so plain stores into its entry are enough.
 */
static __always_inline void set_start(__u32 tid, __u64 now)
{
	__u64 *ts = map_lookup_or_try_init(&runq_start, &tid, &now);

	if (ts)
		*ts = now;
	else
		stat_inc(EMBER_STAT_RUNQ_FULL);
}

static __always_inline int on_wakeup(struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid);
	__u64 zero = 0, *ts;

	if (!tid)
		return 0; /* the idle tasks */
	/* A time already there is kept: a thread preempted while it was
	 * preparing to sleep, then woken, has waited since its preemption. */
	ts = map_lookup_or_try_init(&runq_start, &tid, &zero);
	if (!ts)
		stat_inc(EMBER_STAT_RUNQ_FULL);
	else if (!*ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/sched_wakeup")
int on_sched_wakeup(struct bpf_raw_tracepoint_args *ctx)
{
	return on_wakeup((struct task_struct *)ctx->args[0]);
}

SEC("raw_tp/sched_wakeup_new")
int on_sched_wakeup_new(struct bpf_raw_tracepoint_args *ctx)
{
	return on_wakeup((struct task_struct *)ctx->args[0]);
}

/* args: bool preempt, prev, next, unsigned int prev_state (5.18+; the
 * state is read from prev instead, which older kernels also have). */
SEC("raw_tp/sched_switch")
int on_sched_switch(struct bpf_raw_tracepoint_args *ctx)
{
	bool preempt = ctx->args[0];
	struct task_struct *prev = (struct task_struct *)ctx->args[1];
	struct task_struct *next = (struct task_struct *)ctx->args[2];
	__u32 prev_tid = (__u32)bpf_get_current_pid_tgid(); /* prev is current */
	__u32 next_tid = BPF_CORE_READ(next, pid);
	__u64 now = bpf_ktime_get_ns();
	__u64 *ts;
	__u32 state;

	/*
	 * prev stays on the run queue when preempted, or when its sleep was
	 * cut short (the kernel then set it back to running): it waits for a
	 * CPU from now on. Otherwise it blocks, and a time still stored (a
	 * wakeup while it was running) must not be used when it next runs:
	 * its own wakeup comes first, as the kernel wakes a blocked thread
	 * only after this switch has finished.
	 */
	if (prev_tid) {
		state = task_state(prev);
		if (preempt || state == 0) {
			set_start(prev_tid, now);
		} else if (state & TASK_DEAD_STATE) {
			bpf_map_delete_elem(&runq_start, &prev_tid);
		} else {
			ts = bpf_map_lookup_elem(&runq_start, &prev_tid);
			if (ts && *ts)
				*ts = 0;
		}
	}

	if (!next_tid)
		return 0;
	ts = bpf_map_lookup_elem(&runq_start, &next_tid);
	if (!ts || !*ts) {
		stat_inc(EMBER_STAT_RUNQ_NO_START);
		return 0;
	}
	hist_add(EMBER_LATENCY_RUNQ, *ts, now);
	*ts = 0;
	return 0;
}

SEC("raw_tp/block_rq_issue")
int on_block_rq_issue(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 rq = ctx->args[0];
	__u64 now = bpf_ktime_get_ns();

	/* A request issued again (requeued) counts from its last issue. */
	if (bpf_map_update_elem(&bio_start, &rq, &now, BPF_ANY))
		stat_inc(EMBER_STAT_BIO_FULL);
	return 0;
}

/* args: struct request *rq, blk_status_t error, unsigned int nr_bytes */
SEC("raw_tp/block_rq_complete")
int on_block_rq_complete(struct bpf_raw_tracepoint_args *ctx)
{
	struct request *req = (struct request *)ctx->args[0];
	__u64 rq = ctx->args[0];
	unsigned int nr_bytes = ctx->args[2];
	__u64 now = bpf_ktime_get_ns();
	__u64 *ts;

	/* A partial completion (a driver finishing part of a request) leaves
	 * the rest in flight: the request ends with the completion that
	 * covers all the bytes still left. */
	if (nr_bytes < BPF_CORE_READ(req, __data_len))
		return 0;
	ts = bpf_map_lookup_elem(&bio_start, &rq);
	if (!ts) {
		stat_inc(EMBER_STAT_BIO_NO_START);
		return 0;
	}
	hist_add(EMBER_LATENCY_BIO, *ts, now);
	bpf_map_delete_elem(&bio_start, &rq);
	return 0;
}
