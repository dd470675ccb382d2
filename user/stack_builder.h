/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stack_builder: the one path from raw stacks to profile frames. Every
 * collector (CPU samples today; off-CPU and allocations next) hands it a
 * raw_stack of addresses however they were unwound; it names each frame
 * and adds the stack to the profile. Another unwinder only changes how the
 * addresses are obtained; interpreter frames arrive as extra frames.
 */
#ifndef EMBER_STACK_BUILDER_H
#define EMBER_STACK_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

struct profile;
struct symbolizer;
struct stack_builder;

struct raw_stack {
	__u32 tgid;
	__u64 start_time;      /* the process's, names its incarnation (symbolizer.h) */
	const char *comm;      /* process name, the root frame */
	const __u64 *user_ips; /* leaf first, as the kernel records them */
	unsigned int nr_user;
	const __u64 *kernel_ips; /* leaf first */
	unsigned int nr_kernel;
	bool user_truncated; /* the unwinder hit its depth limit */
	bool kernel_truncated;
	const char *marker; /* optional synthetic leaf, e.g. "[off-cpu]" */
	/* The user leaf is a return address (a stack taken at a function's
	 * return, as for allocations), not an interrupted instruction. */
	bool return_leaf;
};

struct stack_builder_opts {
	bool per_pid; /* root frame "comm-PID" */
};

struct stack_builder_stats {
	__u64 stacks;		      /* raw stacks added */
	__u64 frames;		      /* frames named or not */
	__u64 unnamed_frames;	      /* module+0xOFF: mapping known, no symbol */
	__u64 unknown_frames;	      /* [unknown]: no mapping at all */
	__u64 truncated_depth;	      /* stacks cut at the depth limit */
	__u64 truncated_unwind;	      /* user stacks whose walk stopped before a thread entry */
	__u64 truncated_unwind_value; /* their total value (e.g. samples) */
	__u64 leaf_caller_missing;    /* user leaf had no frame yet: its caller is skipped */
	__u64 leaf_caller_missing_value;
};

struct stack_builder *stack_builder__new(struct profile *p, struct symbolizer *sym,
					 const struct stack_builder_opts *opts);
void stack_builder__free(struct stack_builder *sb);
int stack_builder__add(struct stack_builder *sb, const struct raw_stack *rs, const int64_t *values);
void stack_builder__stats(const struct stack_builder *sb, struct stack_builder_stats *st);

#endif
