/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sys_rates: the one arithmetic that turns two readings of the machine's
 * /proc counters into figures over the interval between them: CPU time
 * shares from /proc/stat, per-second rates of any counter, a disk's busy
 * share from io_ticks, and which network interfaces count in a machine
 * total. ember top's header (top_sys.c) and record's resource summary
 * (sysmon.c) both use it, so the two cannot disagree.
 *
 * A figure that cannot be known is NaN, never 0: an interval of no length
 * (or of unknown length: NaN), or a counter that went backwards (a 32-bit
 * NIC counter that wrapped, a device replaced under the same name, the
 * kernel's per-CPU iowait, which may decrease). Whoever shows it decides
 * what NaN looks like ("-", a missing reading, 0).
 */
#ifndef EMBER_SYS_RATES_H
#define EMBER_SYS_RATES_H

#include <stdbool.h>
#include <linux/types.h>
#include "sys/procfs.h"

/*
 * Percent of the interval's jiffies (all eight fields of a "cpu" line) per
 * kind. irq and softirq are kept apart, as the kernel counts them and as
 * mpstat (%irq, %soft) and top(1) (hi, si) show them: both ember top and
 * record print the two separately. user includes nice (user-mode time
 * all the same); busy is all but idle and iowait, as psutil's
 * cpu_percent().
 */
struct sys_cpu_shares {
	double busy, user, system, idle, iowait, irq, softirq, steal;
};

/* The shares from prev to cur. false (every share NaN) when the total did
 * not advance (an offline CPU, the same reading twice, a reset); a single
 * kind that went backwards is NaN alone. */
bool sys_rates__cpu(const struct cpu_times *prev, const struct cpu_times *cur,
		    struct sys_cpu_shares *out);

/* (cur - prev) / dt_s: NaN if dt_s is not > 0 (zero, negative, NaN) or
 * cur < prev. */
double sys_rates__per_sec(__u64 prev, __u64 cur, double dt_s);

/* The share of dt_s a disk had I/O in flight, from its io_ticks (busy_ms)
 * at both ends, in percent; NaN as sys_rates__per_sec. Capped at 100: the
 * kernel's io_ticks and our clock are read at slightly different moments,
 * so a saturated disk can show a little over its interval. */
double sys_rates__disk_busy_pct(__u64 prev_busy_ms, __u64 cur_busy_ms, double dt_s);

/* Whether interface ifname counts in a machine's network totals: every
 * one but the loopback "lo", whose traffic never leaves the machine (and
 * each byte of which is both sent and received). Lists per interface show
 * every interface, lo too, as sar -n DEV does; they do not ask. */
bool sys_rates__net_counted(const char *ifname);

#endif
