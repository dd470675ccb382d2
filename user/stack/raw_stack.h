/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * raw_stack: one stack as a collector read it back, before any name. The
 * collectors fill it, stack_builder turns it into profile frames. It is a
 * list of typed frames, leaf first: the kernel part (from the interrupted
 * instruction out), then the user part, as one thread's stack reads
 * outward; interpreter frames sit anywhere in the list and name the native
 * frame they stand for (stack_builder merges them in its place).
 */
#ifndef EMBER_RAW_STACK_H
#define EMBER_RAW_STACK_H

#include <stdbool.h>
#include <linux/types.h>

enum raw_frame_kind {
	RAW_FRAME_USER,	  /* native user-space code */
	RAW_FRAME_KERNEL, /* kernel code */
	RAW_FRAME_INTERP, /* an interpreter's frame (Python, ...), named by its walker */
	RAW_FRAME_MARKER, /* synthetic, named */
};

enum raw_frame_flags {
	/* addr is a return address (it points after the call), not the
	 * instruction the thread was at */
	RAW_FRAME_RETURN_ADDR = 1 << 0,
	/* the unwinder stopped after this frame short of the outermost one
	 * (no table or mapping for the caller, a fault, a bad rule): the
	 * frames are right, their callers missing */
	RAW_FRAME_PARTIAL = 1 << 1,
	RAW_FRAME_TRUNCATED = 1 << 2, /* the unwinder stopped after it at its depth limit */
};

/* Who walked the user stack. Kernel stacks are always the kernel's own
 * walk (bpf_get_stack). */
enum raw_unwinder {
	/* Frame pointers: bpf_get_stack's walk of user stacks, and ember's own
	 * walk from a uprobe's registers (allocations). */
	RAW_UNWIND_FP,
	/* The .eh_frame tables (bpf/unwind_walk.h), which say themselves
	 * where a walk fell short (RAW_FRAME_PARTIAL, RAW_FRAME_TRUNCATED). */
	RAW_UNWIND_CFI,
};

/* RAW_FRAME_INTERP.native: no native frame of this stack stands for it */
#define RAW_FRAME_NO_NATIVE ((__u32)-1)

struct raw_frame {
	__u64 addr;
	__u16 kind;  /* enum raw_frame_kind */
	__u16 flags; /* enum raw_frame_flags */
	/* RAW_FRAME_INTERP: the index in the stack's frames of the native
	 * frame (the interpreter's eval loop) whose run this frame belongs to */
	__u32 native;
	const char *name; /* RAW_FRAME_INTERP and RAW_FRAME_MARKER */
};

struct raw_stack {
	__u32 tgid;
	__u64 start_time; /* the process's, names its incarnation (symbolizer.h) */
	const char *comm; /* process name, the root frame */
	enum raw_unwinder unwinder;
	const struct raw_frame *frames; /* leaf first */
	unsigned int nr_frames;
	const char *marker; /* optional synthetic leaf, e.g. "[off-cpu]" */
};

/* The address to look a frame up at: a return address points after the
 * call, and the call itself may be the last instruction of its function
 * (noreturn callees), so the byte before it. */
static inline __u64 raw_frame__lookup_addr(const struct raw_frame *f)
{
	return f->flags & RAW_FRAME_RETURN_ADDR ? f->addr - 1 : f->addr;
}

static inline bool raw_stack__has(const struct raw_stack *rs, enum raw_frame_kind kind)
{
	for (unsigned int i = 0; i < rs->nr_frames; i++)
		if (rs->frames[i].kind == kind)
			return true;
	return false;
}

#endif
