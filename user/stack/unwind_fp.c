// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <string.h>
#include "symbolize/symbolizer.h"
#include "stack/unwind_fp.h"

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

/* The frames of ember's probe at the leaf of a kernel stack taken from a
 * tracepoint program. */
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

unsigned int unwind_fp__losses(struct symbolizer *sym, const struct raw_stack *rs)
{
	const struct raw_frame *leaf = NULL, *outer = NULL;
	struct sym_result r = {};
	unsigned int lost = 0;

	for (unsigned int i = 0; i < rs->nr_frames; i++) {
		if (rs->frames[i].kind != RAW_FRAME_USER)
			continue;
		if (!leaf)
			leaf = &rs->frames[i];
		outer = &rs->frames[i];
	}
	if (!leaf)
		return 0;
	/* The walk starts at the interrupted IP, then follows %rbp: whether
	 * the leaf function had set its frame up there is in its prologue. */
	if (symbolizer__user_frame(sym, rs->tgid, rs->start_time, raw_frame__lookup_addr(leaf)) ==
	    0)
		lost |= UNWIND_FP_LEAF_CALLER;
	/* A walk cut at the depth limit stopped for that reason, not early. */
	if (!(outer->flags & RAW_FRAME_TRUNCATED)) {
		symbolizer__user(sym, rs->tgid, rs->start_time, raw_frame__lookup_addr(outer), &r);
		if (r.status != SYM_OK || !is_thread_entry(r.name))
			lost |= UNWIND_FP_BEFORE_ENTRY;
	}
	return lost;
}

unsigned int unwind_fp__probe_frames(struct symbolizer *sym, const struct raw_stack *rs)
{
	unsigned int n = 0;

	while (n < rs->nr_frames && rs->frames[n].kind == RAW_FRAME_KERNEL) {
		struct sym_result r = {};

		symbolizer__kernel(sym, raw_frame__lookup_addr(&rs->frames[n]), &r);
		if (r.status != SYM_OK || !is_probe_frame(r.name))
			break;
		n++;
	}
	return n;
}
