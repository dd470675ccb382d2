/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile: the one model every collector fills and every writer reads.
 *
 * A profile is a set of unique stacks, each with one value per value type
 * (samples and cpu time; microseconds off CPU; bytes and allocations...).
 * Frames run from the root (the process) to the leaf. Strings are interned
 * in the profile, so writers never touch collector or symbolizer memory.
 */
#ifndef EMBER_PROFILE_H
#define EMBER_PROFILE_H

#include <stddef.h>
#include <stdint.h>

enum frame_kind {
	FRAME_PROCESS, /* root: process name, maybe with -PID */
	FRAME_USER,    /* native user-space function */
	FRAME_KERNEL,  /* kernel function */
	FRAME_INTERP,  /* interpreter frame (Python, ...) */
	FRAME_MARKER,  /* synthetic leaf such as [off-cpu] */
};

struct frame {
	const char *name;   /* display name: function, module+0xOFF or [unknown] */
	const char *module; /* mapped file or "[kernel.kallsyms]"-style, NULL if none */
	/* GNU build id of module in lowercase hex, NULL if unknown */
	const char *build_id;
	/* user: file offset in module (the same code in every process, whatever
	 * its load address); kernel: the address; interpreter: its walker's
	 * (e.g. a code object's); 0 for process and markers */
	uint64_t addr;
	enum frame_kind kind;
};

struct value_type {
	const char *type; /* "samples", "cpu", "offcpu", "alloc_space"... */
	const char *unit; /* "count", "nanoseconds", "microseconds", "bytes" */
	/* Equal stacks merge by keeping the larger value (an age), not by
	 * summing. */
	int merge_max;
};

struct profile_stack {
	const struct frame *frames; /* NULL when nr_frames is 0 */
	unsigned int nr_frames;
	const int64_t *values;
};

struct profile;

struct profile *profile__new(const struct value_type *types, unsigned int nr_types);
void profile__free(struct profile *p);

/* Add values to a stack (merged with an equal stack). Copies and interns
 * everything. Returns 0 or -ENOMEM. */
int profile__add(struct profile *p, const struct frame *frames, unsigned int nr_frames,
		 const int64_t *values);

unsigned int profile__nr_types(const struct profile *p);
const struct value_type *profile__type(const struct profile *p, unsigned int i);
size_t profile__nr_stacks(const struct profile *p);
/* Stacks in insertion order until profile__sort(). */
void profile__stack(const struct profile *p, size_t i, struct profile_stack *out);
int64_t profile__total(const struct profile *p, unsigned int type);
/* Free-text notes every writer carries (folded: "# " lines first; pprof:
 * comments), e.g. that values are estimates. 0 or -ENOMEM. */
int profile__add_comment(struct profile *p, const char *text);
unsigned int profile__nr_comments(const struct profile *p);
const char *profile__comment(const struct profile *p, unsigned int i);
/* Named counters every writer carries besides the stacks: what was lost
 * or left out while recording ("stacks_map_full", "truncated_stacks"...).
 * Setting a name again replaces its value. 0 or -ENOMEM. */
int profile__set_counter(struct profile *p, const char *name, int64_t value);
unsigned int profile__nr_counters(const struct profile *p);
/* The i-th counter in the order first set; NULL past the end. */
const char *profile__counter(const struct profile *p, unsigned int i, int64_t *value);
/* Sort stacks by their frame names, root first (folded order). Stacks that
 * differ only in addresses end up adjacent. Returns 0 or -ENOMEM. */
int profile__sort(struct profile *p);

#endif
