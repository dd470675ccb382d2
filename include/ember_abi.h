/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ABI shared by ember's BPF programs and userspace. Compiles under
 * clang -target bpf (after vmlinux.h) and under gcc; only __u32-style
 * types, sizes pinned with _Static_assert so a change on one side cannot
 * silently misread the other.
 */
#ifndef EMBER_ABI_H
#define EMBER_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define EMBER_COMM_LEN 16
/* The kernel's default perf_event_max_stack; deeper stacks are cut here. */
#define EMBER_MAX_STACK_DEPTH 127

/* How the BPF side picks the threads it samples. */
enum ember_filter {
	EMBER_FILTER_ALL = 0,  /* whole machine */
	EMBER_FILTER_TGID = 1, /* processes in the targets map */
	EMBER_FILTER_TID = 2,  /* one thread: target_tid */
};

/* Aggregation key: one per (process, user stack, kernel stack). */
struct ember_stack_key {
	__u32 tgid;
	__s32 user_stack_id;   /* <0: none (-EFAULT: kernel thread / no user regs) */
	__s32 kernel_stack_id; /* <0: none (sample taken in user mode) */
	__u32 pad;
	char comm[EMBER_COMM_LEN]; /* the process's (group leader's) name */
};
_Static_assert(sizeof(struct ember_stack_key) == 32, "ember_stack_key ABI changed");

/*
 * Every BPF-side outcome that is not a clean sample gets a counter, so the
 * profile can say how far to trust it. X-macro: one list, expanded into the
 * enum here and into the names table in userspace.
 */
#define EMBER_BPF_STATS(X)                                                              \
	X(SAMPLES, "samples", "perf events that ran the program")                        \
	X(IDLE, "idle", "samples in the idle task (not recorded)")                        \
	X(FILTERED, "filtered", "samples of threads outside the target (not recorded)")   \
	X(RECORDED, "recorded", "samples aggregated into the counts map")                 \
	X(USTACK_COLLISION, "ustack_collision", "user stack dropped: stack-id hash collision") \
	X(KSTACK_COLLISION, "kstack_collision", "kernel stack dropped: stack-id hash collision") \
	X(USTACK_NONE, "ustack_none", "no user stack (kernel thread or fault)")           \
	X(KSTACK_NONE, "kstack_none", "no kernel stack (sample in user mode)")            \
	X(USTACK_ERROR, "ustack_error", "user stack lost: other bpf_get_stackid error")   \
	X(KSTACK_ERROR, "kstack_error", "kernel stack lost: other bpf_get_stackid error") \
	X(COUNTS_FULL, "counts_full", "sample dropped: counts map full")                  \
	X(TARGETS_FULL, "targets_full", "forked child not followed: targets map full")     \
	X(FORKS_FOLLOWED, "forks_followed", "child processes added to the targets")

#define EMBER_STAT_ENUM(id, name, desc) EMBER_STAT_##id,
enum ember_stat {
	EMBER_BPF_STATS(EMBER_STAT_ENUM)
	EMBER_STAT_MAX
};
#undef EMBER_STAT_ENUM

#endif
