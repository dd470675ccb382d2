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

/* The process name, not the thread's: threads may rename themselves. */
static __always_inline void read_process_name(struct task_struct *t, char comm[EMBER_COMM_LEN])
{
	BPF_CORE_READ_STR_INTO((char(*)[EMBER_COMM_LEN])comm, t, group_leader, comm);
}

#endif
