/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * top_table: ember top's process table. Each refresh joins the BPF
 * totals (time on CPU and blocked; they also cover processes that came
 * and went between two refreshes) with one read of /proc/PID/stat per
 * live process (state, threads, memory, CPU time), and turns totals into
 * rates over the refresh interval.
 */
#ifndef EMBER_TOP_TABLE_H
#define EMBER_TOP_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "top/top_probe.h"

enum top_sort {
	TOP_SORT_CPU,
	TOP_SORT_OFFCPU,
	TOP_SORT_RSS,
	TOP_SORT_THREADS,
	TOP_SORT_TIME,
	TOP_SORT_PID,
	TOP_SORT_COMM,
	TOP_SORT_MAX,
};

/* Column header of the sort key ("CPU%", "RSS"...). */
const char *top_sort__name(enum top_sort s);
/* By column header, case-insensitive, or -1. */
int top_sort__parse(const char *name);

struct top_row {
	__u32 pid;
	char comm[17];
	char state;	   /* from /proc; 'X': exited since the last refresh */
	double cpu_pct;	   /* thread time on CPU / interval, 100 = one CPU */
	double offcpu_pct; /* thread time blocked / interval, 100 = one thread */
	__u64 rss, vsize;  /* bytes */
	__u32 threads;
	double cpu_time_s; /* user + system since the process started */
};

struct top_totals {
	size_t procs, exited, running; /* running: state R */
	__u32 threads;
};

struct top_table;

/* proc_root NULL: /proc. */
struct top_table *top_table__new(const char *proc_root);
void top_table__free(struct top_table *t);
/* One refresh at now (seconds, monotonic) with the probe's cumulative
 * counters. The first is the baseline: rates are 0 until the second.
 * 0 or -errno (-ENOMEM; an unreadable /proc). */
int top_table__update(struct top_table *t, double now, const struct top_counter *c, size_t n);
/* Seconds the rates cover (0 before the second refresh). */
double top_table__interval(const struct top_table *t);
/* Processes shown as exited this time: their BPF entries can go. */
size_t top_table__gone(const struct top_table *t, const __u32 **pids);
void top_table__sort(struct top_table *t, enum top_sort s);
size_t top_table__nr(const struct top_table *t);
const struct top_row *top_table__row(const struct top_table *t, size_t i);
/* Row index of pid, or -1. */
long top_table__find(const struct top_table *t, __u32 pid);
void top_table__totals(const struct top_table *t, struct top_totals *out);

#endif
