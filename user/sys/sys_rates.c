// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <string.h>
#include "sys/sys_rates.h"

/* Percent of whole that part advanced by; NaN if it went backwards. */
static double share(__u64 prev, __u64 cur, double whole)
{
	return cur >= prev ? 100.0 * (cur - prev) / whole : NAN;
}

bool sys_rates__cpu(const struct cpu_times *prev, const struct cpu_times *cur,
		    struct sys_cpu_shares *out)
{
	__u64 t0 = cpu_times__total(prev), t1 = cpu_times__total(cur);
	double all;

	if (t1 <= t0) {
		out->busy = out->user = out->system = out->idle = out->iowait = out->irq =
		    out->softirq = out->steal = NAN;
		return false;
	}
	all = t1 - t0;
	out->busy = share(cpu_times__busy(prev), cpu_times__busy(cur), all);
	/* nice is user-mode time too (at a changed priority) */
	out->user = share(prev->user + prev->nice, cur->user + cur->nice, all);
	out->system = share(prev->system, cur->system, all);
	out->idle = share(prev->idle, cur->idle, all);
	out->iowait = share(prev->iowait, cur->iowait, all);
	out->irq = share(prev->irq, cur->irq, all);
	out->softirq = share(prev->softirq, cur->softirq, all);
	out->steal = share(prev->steal, cur->steal, all);
	return true;
}

double sys_rates__per_sec(__u64 prev, __u64 cur, double dt_s)
{
	/* !(dt_s > 0) also catches a NaN interval */
	if (!(dt_s > 0) || cur < prev)
		return NAN;
	return (cur - prev) / dt_s;
}

double sys_rates__disk_busy_pct(__u64 prev_busy_ms, __u64 cur_busy_ms, double dt_s)
{
	/* ms busy per second of wall time, as a share of the 1000 in it */
	double busy = sys_rates__per_sec(prev_busy_ms, cur_busy_ms, dt_s) / 10.0;

	return busy > 100 ? 100 : busy;
}

bool sys_rates__net_counted(const char *ifname)
{
	return strcmp(ifname, "lo") != 0;
}
