// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile/profile.h"
#include "stack/stack_builder.h"
#include "symbolize/symbolizer.h"
#include "stack/unwind_fp.h"

struct stack_builder {
	struct profile *p;
	struct symbolizer *sym;
	struct stack_builder_opts opts;
	/* scratch reused across stacks: frames and their formatted names */
	struct frame *frames;
	char **names;
	bool *replaced; /* per raw frame: an interpreter run stands for it */
	unsigned int cap;
	struct stack_builder_stats st;
};

struct stack_builder *stack_builder__new(struct profile *p, struct symbolizer *sym,
					 const struct stack_builder_opts *opts)
{
	struct stack_builder *sb = calloc(1, sizeof(*sb));

	if (!sb)
		return NULL;
	sb->p = p;
	sb->sym = sym;
	if (opts)
		sb->opts = *opts;
	return sb;
}

static void free_names(struct stack_builder *sb)
{
	for (unsigned int i = 0; i < sb->cap; i++) {
		free(sb->names[i]);
		sb->names[i] = NULL;
	}
}

void stack_builder__free(struct stack_builder *sb)
{
	if (!sb)
		return;
	if (sb->names)
		free_names(sb);
	free(sb->names);
	free(sb->frames);
	free(sb->replaced);
	free(sb);
}

static int reserve(struct stack_builder *sb, unsigned int n)
{
	struct frame *nf;
	char **nn;
	bool *nr;

	if (n <= sb->cap)
		return 0;
	nf = realloc(sb->frames, n * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	sb->frames = nf;
	nn = realloc(sb->names, n * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	memset(nn + sb->cap, 0, (n - sb->cap) * sizeof(*nn));
	sb->names = nn;
	nr = realloc(sb->replaced, n * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	sb->replaced = nr;
	sb->cap = n;
	return 0;
}

/* "[memfd:/usr/lib/libc.so.6]" is not a path: shown whole. */
static const char *basename_of(const char *path)
{
	const char *s = path[0] == '[' ? NULL : strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Fill frame i for one native frame; formatted names live in names[i]. */
static int name_frame(struct stack_builder *sb, unsigned int i, const struct raw_frame *rf,
		      const struct raw_stack *rs)
{
	struct frame *f = &sb->frames[i];
	struct sym_result r = {};
	bool kernel = rf->kind == RAW_FRAME_KERNEL;
	__u64 lookup = raw_frame__lookup_addr(rf);
	/* the offset shown is the frame's own address, not the byte looked up */
	__u64 back = rf->addr - lookup;

	memset(f, 0, sizeof(*f));
	f->kind = kernel ? FRAME_KERNEL : FRAME_USER;
	f->addr = rf->addr;
	if (kernel)
		symbolizer__kernel(sb->sym, lookup, &r);
	else
		symbolizer__user(sb->sym, rs->tgid, rs->start_time, lookup, &r);
	sb->st.frames++;
	f->build_id = r.build_id;
	switch (r.status) {
	case SYM_OK:
		f->name = r.name;
		f->module = r.module;
		/* the same code has the same offset in every process */
		f->addr = r.file_offset + back;
		return 0;
	case SYM_NO_SYMBOL:
		sb->st.unnamed_frames++;
		f->module = r.module;
		if (asprintf(&sb->names[i], "%s+0x%" PRIx64, basename_of(r.module ? r.module : "?"),
			     (uint64_t)(r.offset + back)) < 0) {
			sb->names[i] = NULL;
			return -ENOMEM;
		}
		f->name = sb->names[i];
		f->addr = r.offset + back;
		return 0;
	default:
		sb->st.unknown_frames++;
		f->name = "[unknown]";
		return 0;
	}
}

/* Frames that are named already: an interpreter's and markers. */
static void named_frame(struct stack_builder *sb, unsigned int i, const struct raw_frame *rf)
{
	struct frame *f = &sb->frames[i];

	memset(f, 0, sizeof(*f));
	if (rf->kind == RAW_FRAME_INTERP) {
		f->kind = FRAME_INTERP;
		f->addr = rf->addr;
		sb->st.frames++;
		sb->st.interp_frames++;
	} else {
		f->kind = FRAME_MARKER;
	}
	f->name = rf->name ? rf->name : "[unknown]";
}

/*
 * The merge: an interpreter's frames replace the native frames of its eval
 * loop. Each interpreter frame names the native frame (one activation of
 * the eval loop) whose run it belongs to; that native frame gives way to
 * the run, root to leaf, and every other frame stays where it is. Frames
 * whose native frame is not in the stack (the native walk stopped first)
 * are kept, outermost, and counted: never dropped.
 */

/* Whether an interpreter frame names a native user frame of this stack to
 * stand in for. */
static bool anchored(const struct raw_stack *rs, const struct raw_frame *rf)
{
	return rf->native < rs->nr_frames && rs->frames[rf->native].kind == RAW_FRAME_USER;
}

/* The interpreter frames that stand for native frame `native` (all those
 * anchored nowhere for RAW_FRAME_NO_NATIVE), root to leaf, from slot *n on. */
static void add_interp_run(struct stack_builder *sb, const struct raw_stack *rs, __u32 native,
			   unsigned int *n)
{
	for (unsigned int k = rs->nr_frames; k-- > 0;) {
		const struct raw_frame *rf = &rs->frames[k];

		if (rf->kind != RAW_FRAME_INTERP)
			continue;
		if (native == RAW_FRAME_NO_NATIVE ? anchored(rs, rf) : rf->native != native)
			continue;
		named_frame(sb, (*n)++, rf);
	}
}

/* Mark the native frames an interpreter run stands for; count the
 * interpreter frames that name none. Whether there are any. */
static bool count_interp(struct stack_builder *sb, const struct raw_stack *rs)
{
	unsigned int unanchored = 0;
	bool any = false;

	for (unsigned int k = 0; k < rs->nr_frames; k++) {
		const struct raw_frame *rf = &rs->frames[k];

		if (rf->kind != RAW_FRAME_INTERP)
			continue;
		any = true;
		if (anchored(rs, rf))
			sb->replaced[rf->native] = true;
		else
			unanchored++;
	}
	if (unanchored) {
		sb->st.interp_unanchored += unanchored;
		sb->st.interp_mismatched++;
	}
	return any;
}

int stack_builder__add(struct stack_builder *sb, const struct raw_stack *rs, const int64_t *values)
{
	/* the outermost frame: a walk that fell short of it says so there */
	bool partial = rs->nr_frames && (rs->frames[rs->nr_frames - 1].flags & RAW_FRAME_PARTIAL);
	unsigned int n = 0, need = 3 + rs->nr_frames + (rs->marker ? 1 : 0);
	unsigned int kskip = 0, lost = 0;
	bool has_interp;
	int err;

	err = reserve(sb, need);
	if (err)
		return err;
	free_names(sb);
	memset(sb->replaced, 0, rs->nr_frames * sizeof(*sb->replaced));
	has_interp = count_interp(sb, rs);

	/* root: the process */
	memset(&sb->frames[0], 0, sizeof(sb->frames[0]));
	sb->frames[0].kind = FRAME_PROCESS;
	if (sb->opts.per_pid) {
		if (asprintf(&sb->names[0], "%s-%u", rs->comm, rs->tgid) < 0) {
			sb->names[0] = NULL;
			return -ENOMEM;
		}
		sb->frames[0].name = sb->names[0];
	} else {
		sb->frames[0].name = rs->comm;
	}
	n = 1;

	/* What the unwinder may have lost is its own business: the table
	 * walk marks it, the frame-pointer walk's is inferred. */
	if (rs->unwinder == RAW_UNWIND_FP)
		lost = unwind_fp__losses(sb->sym, rs);
	kskip = unwind_fp__probe_frames(sb->sym, rs);
	/* A stack the table walk could not finish hangs under one marker, not
	 * under whichever frame it stopped at, so a flame graph shows the
	 * incomplete stacks as such. */
	if (partial) {
		memset(&sb->frames[n], 0, sizeof(sb->frames[n]));
		sb->frames[n].kind = FRAME_MARKER;
		sb->frames[n].name = "[partial]";
		n++;
	}
	if (has_interp)
		add_interp_run(sb, rs, RAW_FRAME_NO_NATIVE, &n);
	/* frames root to leaf: the list is leaf first */
	for (unsigned int k = rs->nr_frames; k-- > 0;) {
		const struct raw_frame *rf = &rs->frames[k];

		if (rf->flags & RAW_FRAME_TRUNCATED)
			sb->st.truncated_depth++;
		if (rf->kind == RAW_FRAME_INTERP || k < kskip)
			continue;
		if (sb->replaced[k]) {
			add_interp_run(sb, rs, k, &n);
			continue;
		}
		if (rf->kind == RAW_FRAME_USER || rf->kind == RAW_FRAME_KERNEL) {
			err = name_frame(sb, n, rf, rs);
			if (err)
				return err;
		} else {
			named_frame(sb, n, rf);
		}
		n++;
	}
	if (lost & UNWIND_FP_LEAF_CALLER) {
		sb->st.leaf_caller_missing++;
		sb->st.leaf_caller_missing_value += values[0];
	}
	/* outer frames missing: inferred of a frame-pointer walk, said by
	 * the table walk */
	if ((lost & UNWIND_FP_BEFORE_ENTRY) || partial) {
		sb->st.truncated_unwind++;
		sb->st.truncated_unwind_value += values[0];
	}
	if (rs->marker) {
		memset(&sb->frames[n], 0, sizeof(sb->frames[n]));
		sb->frames[n].kind = FRAME_MARKER;
		sb->frames[n].name = rs->marker;
		n++;
	}
	sb->st.stacks++;
	return profile__add(sb->p, sb->frames, n, values);
}

void stack_builder__stats(const struct stack_builder *sb, struct stack_builder_stats *st)
{
	*st = sb->st;
}
