/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sysmon: the machine's and the target processes' resource figures around
 * a profile, sampled from /proc at an interval: CPU (overall and per CPU,
 * by kind), load, memory, disks, network, context switches; per process
 * CPU % (100 = one core, as psutil), memory, threads, files, I/O, context
 * switches and faults. Each figure is a series over the samples, summed up
 * as current, average, minimum and maximum.
 */
#ifndef EMBER_SYSMON_H
#define EMBER_SYSMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct json_writer;
struct sysmon;

struct sysmon_opts {
	const char *proc_root; /* NULL: /proc */
	const char *sys_root;  /* NULL: /sys */
	bool all;	       /* every process, not only roots and their descendants */
};

struct sysmon *sysmon__new(const struct sysmon_opts *o);
void sysmon__free(struct sysmon *m);
/* Follow this process and its descendants from the next sample on. */
int sysmon__add_root(struct sysmon *m, __u32 pid);
/* One sample at t seconds (a monotonic clock). The first sample is the
 * baseline of rates and totals. 0 or -errno (-ENOMEM). */
int sysmon__sample(struct sysmon *m, double t);
size_t sysmon__nr_samples(const struct sysmon *m);

/* The readable summary: system figures, then the top_n processes by
 * average CPU. */
void sysmon__print(const struct sysmon *m, FILE *out, int top_n);
/* Members "system", "processes" and "samples" of the current object. */
void sysmon__write_json(const struct sysmon *m, struct json_writer *w);

/* A figure's summary over the samples (NaN when it was never seen). */
struct sysmon_stat {
	double current, avg, min, max;
};
/* Machine figure by name ("cpu_percent", "memory_used_bytes"...). false
 * if unknown. */
bool sysmon__system_stat(const struct sysmon *m, const char *name, struct sysmon_stat *st);
/* A process's figure ("cpu_percent", "rss_bytes", "write_bytes"...). */
bool sysmon__process_stat(const struct sysmon *m, __u32 pid, const char *name,
			  struct sysmon_stat *st);

#endif
