/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * record_summary: what ember record says of a recording besides its
 * profiles: one stderr line per event (what was measured, every loss), the
 * --stats breakdown, and the same losses as each profile's counters (JSON
 * "losses", pprof comments). The losses all come from loss_table, from
 * the counters read once at the end; no BPF here.
 */
#ifndef EMBER_RECORD_SUMMARY_H
#define EMBER_RECORD_SUMMARY_H

#include <stdio.h>
#include <linux/types.h>
#include "collect/collector.h"
#include "ember_abi.h"
#include "symbolize/mmap_tracker.h"
#include "profile/event.h"
#include "stack/stack_builder.h"
#include "symbolize/symbolizer.h"

struct profile;

struct record_summary_event {
	struct profile *prof; /* NULL: not recorded */
	struct stack_builder_stats sb;
	const char *desc; /* its collector's describe(), "?" if none ran */
};

struct record_summary {
	struct record_summary_event ev[EVENT_MAX];
	__u64 bpf[EMBER_STAT_MAX]; /* summed over the collectors */
	struct mmap_tracker_stats ts;
	struct alloc_leak_stats ls;
	struct symbolizer_stats ss;
	double secs; /* recorded for */
	unsigned int freq;
	__u64 sample_bytes;
	__u64 cpu_samples, offcpu_ns, offcpu_intervals, runnable_ns, oldest_leak_ns;
};

/* src[SRC_MAX] for event e (its own stack figures), or for EVENT_MAX:
 * the stack figures summed over the events recorded. */
void record_summary__sources(const struct record_summary *s, int e, __u64 *src);
/* Event e's summary line, without the "ember: " prefix. Like snprintf. */
int record_summary__line(const struct record_summary *s, enum ember_event e, char *buf,
			 size_t size);
/* Every recorded event's line on stderr, the largest leaks, and what to
 * raise if data was lost. */
void record_summary__print(const struct record_summary *s);
/* --stats: every source counter, then the losses by event. */
void record_summary__print_stats(const struct record_summary *s, FILE *out);
/* Each recorded event's losses as its profile's named counters. 0 or
 * -ENOMEM. */
int record_summary__set_counters(const struct record_summary *s);

#endif
