/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stack_builder: the one path from raw stacks to profile frames. Every
 * collector (CPU samples, off-CPU intervals, allocations) hands it a
 * raw_stack (raw_stack.h) however it was unwound; it names each native
 * frame, merges an interpreter's frames in place of its eval loop's native
 * frames, and adds the stack to the profile. What an unwinder may have
 * lost is asked of that unwinder's module (unwind_fp.h for frame
 * pointers); the builder itself knows no unwinder.
 */
#ifndef EMBER_STACK_BUILDER_H
#define EMBER_STACK_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "stack/raw_stack.h"

struct profile;
struct symbolizer;
struct stack_builder;

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
	__u64 interp_frames; /* interpreter frames merged in */
	__u64
	    interp_unanchored; /* of them, naming no native frame of their stack: kept outermost */
	__u64 interp_mismatched; /* stacks with such frames */
};

struct stack_builder *stack_builder__new(struct profile *p, struct symbolizer *sym,
					 const struct stack_builder_opts *opts);
void stack_builder__free(struct stack_builder *sb);
int stack_builder__add(struct stack_builder *sb, const struct raw_stack *rs, const int64_t *values);
void stack_builder__stats(const struct stack_builder *sb, struct stack_builder_stats *st);

#endif
