/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * top_sys: the machine's figures for ember top's header, as rates over
 * the refresh interval: CPU busy overall, by kind and per CPU, load,
 * memory, disk and network throughput, context switches. The arithmetic
 * is sys_rates.c's, the same as record's resource summary.
 */
#ifndef EMBER_TOP_SYS_H
#define EMBER_TOP_SYS_H

#include <stdbool.h>
#include <linux/types.h>
#include "sys/procfs.h"

struct top_sys_view {
	bool rates; /* false until the second refresh */
	/* sys_rates.c's shares; an unknown one (see there) is 0 */
	double busy_pct, user_pct, system_pct, iowait_pct, irq_pct, softirq_pct, steal_pct,
	    idle_pct;
	int nr_cpu;
	const double *cpu_busy_pct; /* per CPU, nr_cpu of them */
	struct loadavg load;
	struct meminfo mem;
	__u64 mem_used;					     /* psutil's formula */
	double disk_read_bps, disk_write_bps, disk_busy_pct; /* busy: the busiest disk */
	const char *busiest_disk;
	double net_rx_bps, net_tx_bps, net_rx_pps, net_tx_pps; /* sys_rates__net_counted */
	double ctxt_per_s;
	double uptime_s;
};

struct top_sys;

/* Roots NULL: /proc and /sys. */
struct top_sys *top_sys__new(const char *proc_root, const char *sys_root);
void top_sys__free(struct top_sys *s);
/* Read everything at now (seconds, monotonic). 0 or -errno (/proc/stat
 * or /proc/meminfo unreadable); disks and network are optional. */
int top_sys__update(struct top_sys *s, double now);
/* Valid until the next update. */
const struct top_sys_view *top_sys__view(const struct top_sys *s);

#endif
