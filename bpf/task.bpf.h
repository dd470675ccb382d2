/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF-only: reading task_struct fields that differ across kernels (CO-RE). */
#ifndef EMBER_TASK_BPF_H
#define EMBER_TASK_BPF_H

#include <bpf/bpf_core_read.h>
#include "ember_abi.h"

/* task_struct::state became __state in 5.14 (commit 2f064a59a11f, "sched:
 * Change task_struct::state"); local flavours let one object read both. */
struct task_struct___pre514 {
	volatile long state;
} __attribute__((preserve_access_index));

struct task_struct___514 {
	unsigned int __state;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_state(struct task_struct *t)
{
	struct task_struct___514 *n = (void *)t;

	if (bpf_core_field_exists(n->__state))
		return BPF_CORE_READ(n, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* The same through a trusted task pointer: plain loads, no helper call. */
static __always_inline __u32 task_state_btf(struct task_struct *t)
{
	struct task_struct___514 *n = (void *)t;

	if (bpf_core_field_exists(n->__state))
		return n->__state;
	return ((struct task_struct___pre514 *)t)->state;
}

/* When the process started (boot clock, ns; the start time of
 * /proc/PID/stat): with the tgid, which process this is. */
static __always_inline __u64 process_start(struct task_struct *t)
{
	return BPF_CORE_READ(t, group_leader, start_boottime);
}

static __always_inline __u64 process_start_btf(struct task_struct *t)
{
	return t->group_leader->start_boottime;
}

/* The process name, not the thread's: threads may rename themselves. */
static __always_inline void read_process_name(struct task_struct *t, char comm[EMBER_COMM_LEN])
{
	BPF_CORE_READ_STR_INTO((char(*)[EMBER_COMM_LEN])comm, t, group_leader, comm);
}

/*
 * The same from a trusted task pointer (bpf_get_current_task_btf, in
 * programs that may use it): plain loads the verifier turns into faulting
 * loads, no helper calls; ~100 ns cheaper, which counts on every malloc.
 */
static __always_inline void read_process_name_btf(struct task_struct *t, char comm[EMBER_COMM_LEN])
{
	struct task_struct *leader = t->group_leader;
	__u64 *dst = (__u64 *)comm;

	_Static_assert(EMBER_COMM_LEN == 16, "comm is copied as two words");
	dst[0] = *(__u64 *)&leader->comm[0];
	dst[1] = *(__u64 *)&leader->comm[8];
}

#endif
