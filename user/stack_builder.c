// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile.h"
#include "stack_builder.h"
#include "symbolizer.h"

struct stack_builder {
	struct profile *p;
	struct symbolizer *sym;
	struct stack_builder_opts opts;
	/* scratch reused across stacks: frames and their formatted names */
	struct frame *frames;
	char **names;
	unsigned int cap;
	struct stack_builder_stats st;
};

/* Where a complete user stack starts. A frame-pointer walk through code
 * built without frame pointers (Debian's libc, python) stops early, and
 * its outermost frame is then something else. */
static const char *const thread_entries[] = {
	"_start",
	"__libc_start_main",
	"__libc_start_call_main",
	"start_thread",
	"clone",
	"clone3",
	"__clone",
	"__clone3",
	"__GI___clone",
	"__GI___clone3",
	"thread_start",
	"_dl_start_user",
	"_dl_start",
};

/* ember's own probe sits at the leaf of a kernel stack taken from a
 * tracepoint program (bpf_prog_* <- bpf_trace_run4 <- __traceiter_...): it
 * is not where the traced thread was, so it is trimmed. */
static const char *const probe_prefixes[] = {
	"bpf_prog_",	  "bpf_trace_run", "__bpf_trace_",  "__traceiter_",
	"trace_call_bpf", "perf_trace_",   "bpf_get_stack",
};

static bool is_probe_frame(const char *name)
{
	for (size_t i = 0; i < sizeof(probe_prefixes) / sizeof(probe_prefixes[0]); i++)
		if (!strncmp(name, probe_prefixes[i], strlen(probe_prefixes[i])))
			return true;
	return false;
}

static bool is_thread_entry(const char *name)
{
	for (size_t i = 0; i < sizeof(thread_entries) / sizeof(thread_entries[0]); i++)
		if (strcmp(name, thread_entries[i]) == 0)
			return true;
	return false;
}

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
	free(sb);
}

static int reserve(struct stack_builder *sb, unsigned int n)
{
	struct frame *nf;
	char **nn;

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
	sb->cap = n;
	return 0;
}

/* "[memfd:/usr/lib/libc.so.6]" is not a path: shown whole. */
static const char *basename_of(const char *path)
{
	const char *s = path[0] == '[' ? NULL : strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Fill frame i for one address; formatted names live in names[i]. */
static int name_frame(struct stack_builder *sb, unsigned int i, __u64 ip, bool leaf, bool kernel,
		      const struct raw_stack *rs)
{
	struct frame *f = &sb->frames[i];
	struct sym_result r = {};
	/* A return address points after the call; the call itself may be the
	 * last instruction of its function (noreturn callees), so look up
	 * the byte before it. The leaf's address is the interrupted one. */
	__u64 lookup = leaf ? ip : ip - 1;

	memset(f, 0, sizeof(*f));
	f->kind = kernel ? FRAME_KERNEL : FRAME_USER;
	f->addr = ip;
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
		f->addr = r.file_offset + (leaf ? 0 : 1);
		return 0;
	case SYM_NO_SYMBOL:
		sb->st.unnamed_frames++;
		f->module = r.module;
		if (asprintf(&sb->names[i], "%s+0x%" PRIx64, basename_of(r.module ? r.module : "?"),
			     (uint64_t)r.offset + (leaf ? 0 : 1)) < 0) {
			sb->names[i] = NULL;
			return -ENOMEM;
		}
		f->name = sb->names[i];
		f->addr = r.offset + (leaf ? 0 : 1);
		return 0;
	default:
		sb->st.unknown_frames++;
		f->name = "[unknown]";
		return 0;
	}
}

int stack_builder__add(struct stack_builder *sb, const struct raw_stack *rs, const int64_t *values)
{
	unsigned int n = 0, need = 2 + rs->nr_user + rs->nr_kernel + (rs->marker ? 1 : 0);
	unsigned int kskip = 0;
	int err;

	err = reserve(sb, need);
	if (err)
		return err;
	free_names(sb);

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

	/* user frames root to leaf */
	for (unsigned int k = rs->nr_user; k-- > 0;) {
		err = name_frame(sb, n, rs->user_ips[k], k == 0 && !rs->return_leaf, false, rs);
		if (err)
			return err;
		n++;
	}
	/* A frame-pointer walk starts at the interrupted IP, then follows
	 * %rbp: if the leaf function had not pushed its frame (gcc's leaf
	 * functions, libc's syscall wrappers), the next frame found is its
	 * caller's caller. Say so rather than pass the stack off as whole. */
	if (rs->nr_user && sb->frames[n - 1].kind == FRAME_USER &&
	    symbolizer__user_frame(sb->sym, rs->tgid, rs->start_time,
				   rs->user_ips[0] - (rs->return_leaf ? 1 : 0)) == 0) {
		sb->st.leaf_caller_missing++;
		sb->st.leaf_caller_missing_value += values[0];
	}
	if (rs->nr_user) {
		if (rs->user_truncated) {
			sb->st.truncated_depth++;
		} else if (sb->frames[1].kind == FRAME_USER &&
			   !is_thread_entry(sb->frames[1].name)) {
			sb->st.truncated_unwind++;
			sb->st.truncated_unwind_value += values[0];
		}
	}
	if (rs->kernel_truncated)
		sb->st.truncated_depth++;
	while (kskip < rs->nr_kernel) {
		struct sym_result r = {};

		symbolizer__kernel(sb->sym, rs->kernel_ips[kskip] - (kskip ? 1 : 0), &r);
		if (r.status != SYM_OK || !is_probe_frame(r.name))
			break;
		kskip++;
	}
	for (unsigned int k = rs->nr_kernel; k-- > kskip;) {
		/* kernel stacks from a sample start at the interrupted IP */
		err = name_frame(sb, n, rs->kernel_ips[k], k == 0, true, rs);
		if (err)
			return err;
		n++;
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
