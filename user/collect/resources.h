/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * resources: the machine's story around a profile, for ember record. It
 * samples /proc (sysmon) at --interval and measures run-queue and block
 * I/O latency in BPF (latency), then prints the summary on stderr (unless
 * -q) and writes --summary FILE.json.
 */
#ifndef EMBER_RESOURCES_H
#define EMBER_RESOURCES_H

#include <stdbool.h>
#include <linux/types.h>

struct resources;

/* What record's options say of the summary; the strings must outlive
 * the object. */
struct resources_config {
	bool all;		  /* the whole machine, not only the targets */
	double interval;	  /* seconds between /proc samples; 0: 1 s */
	const char *summary_path; /* --summary FILE.json, or NULL */
	bool quiet;		  /* no summary on stderr */
};

/* Opens the --summary file now (an unwritable path fails before any
 * work) and starts the latency programs (a kernel without the tracepoints
 * degrades with a warning). NULL: error printed. */
struct resources *resources__new(const struct resources_config *cfg);
void resources__free(struct resources *r);
/* Follow this process and its descendants. */
int resources__add_root(struct resources *r, __u32 pid);
/* now: seconds on a monotonic clock. Milliseconds until the next sample
 * is due (0: now). */
int resources__due_ms(const struct resources *r, double now);
/* Sample if due (the first call always does). */
void resources__tick(struct resources *r, double now);
/* The last sample, at the stop. */
void resources__finish(struct resources *r, double now);
/* Print and write what was collected. 0 or -errno (JSON not written). */
int resources__report(struct resources *r);
void resources__stats(struct resources *r, __u64 *stats);

#endif
