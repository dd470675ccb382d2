/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unwind_fp: what a frame-pointer walk leaves off a stack, or on it, read
 * off one raw stack. stack_builder asks only for stacks the frame-pointer
 * unwinder took (RAW_UNWIND_FP); another unwinder has rules of its own.
 */
#ifndef EMBER_UNWIND_FP_H
#define EMBER_UNWIND_FP_H

#include "stack/raw_stack.h"

struct symbolizer;

enum unwind_fp_loss {
	/* The user leaf had not pushed its frame yet (gcc's leaf functions,
	 * libc's syscall wrappers): the walk went from it to its caller's
	 * caller, so its caller is missing. */
	UNWIND_FP_LEAF_CALLER = 1 << 0,
	/* The outermost user frame is no thread entry: the walk stopped early
	 * (code built without frame pointers), outer frames are missing. */
	UNWIND_FP_BEFORE_ENTRY = 1 << 1,
};

/* Which frames of rs may be missing, as enum unwind_fp_loss bits (0: none
 * known). A stack with no user frame loses none. */
unsigned int unwind_fp__losses(struct symbolizer *sym, const struct raw_stack *rs);

/* How many of rs's first frames (the kernel leaf) are ember's own probe,
 * not where the thread was: a kernel stack taken from a tracepoint program
 * starts in it (bpf_prog_* <- bpf_trace_run4 <- __traceiter_...). */
unsigned int unwind_fp__probe_frames(struct symbolizer *sym, const struct raw_stack *rs);

#endif
