/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* ember record's options: parsed and checked once, read by every part. */
#ifndef EMBER_RECORD_OPTS_H
#define EMBER_RECORD_OPTS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "profile/event.h"
#include "format/output_format.h"

struct record_opts {
	unsigned int events; /* bit per enum ember_event */
	unsigned int freq;
	double duration; /* seconds, 0 = until stopped */
	const char *output;
	enum output_format format; /* -f, else from the -o extension */
	const char *cpu_list;
	__u32 *pids;
	int nr_pids;
	__u32 tid;
	char **cmd;
	bool all, user_only, kernel_only, per_pid, stats;
	unsigned int stack_storage; /* unique stacks per collector */
	unsigned int max_entries;   /* unique (process, stacks) keys per collector */
	unsigned int unwind;	    /* enum unwind_mode */
	unsigned long unwind_memory_mb;
	/* off-CPU */
	__u64 min_block_us, max_block_us; /* max 0: no limit */
	__u32 state_mask;		  /* EMBER_STATE_* */
	bool include_preempted;
	/* allocations */
	double min_age;		 /* seconds: leak leaves out younger blocks */
	__u64 sample_bytes;	 /* 0: every allocation */
	const char **alloc_libs; /* --alloc-lib, in order given */
	int nr_alloc_libs;
	unsigned int max_live; /* live blocks the kernel can track */
	/* resource summary */
	double interval;	  /* seconds between /proc samples */
	const char *summary_path; /* --summary FILE.json */
	bool quiet;		  /* -q: no resource summary on stderr */
};

static inline bool record_opts__allocs(const struct record_opts *o)
{
	return o->events & ((1u << EVENT_ALLOC) | (1u << EVENT_LEAK));
}

/* Every option at its default (-e cpu, -F 99...): for other commands that
 * run collectors. */
void record_opts__defaults(struct record_opts *o);
/* Parses argv (argv[0] is "record"): 0; OPTIONS_HELP (1) after printing
 * --help to stdout; -EINVAL after printing the error on bad usage. */
int record_opts__parse(int argc, char **argv, struct record_opts *o);
void record_opts__free(struct record_opts *o);

/* Where one event's profile goes: "out.folded" -> "out.offcpu.folded"
 * when several events are recorded ("out.pb.gz" -> "out.offcpu.pb.gz": a
 * compression suffix stays with its extension), the path as given
 * otherwise; NULL for stdout (or no memory, when path was given). */
char *record_opts__event_path(const char *path, const char *event, bool several);
static inline bool record_opts__has(const struct record_opts *o, enum ember_event e)
{
	return o->events & (1u << e);
}

#endif
