// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sys_rates against figures worked out by hand: CPU shares, per-second
 * rates, disk busy %, NaN for what cannot be known, the lo rule; and its
 * two users, ember top's header and record's summary, reading one fake
 * /proc to the same figures. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "sys/sys_rates.h"
#include "sys/sysmon.h"
#include "top/top_sys.h"
#include "top_fixture.h"

#define near(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* Two readings 400 jiffies apart: user 60 + nice 20, system 40, idle 240,
 * iowait 20, irq 5, softirq 15, steal 0. */
static const struct cpu_times t0 = { .user = 100,
				     .nice = 20,
				     .system = 50,
				     .idle = 700,
				     .iowait = 30,
				     .irq = 10,
				     .softirq = 40,
				     .steal = 50 };
static const struct cpu_times t1 = { .user = 160,
				     .nice = 40,
				     .system = 90,
				     .idle = 940,
				     .iowait = 50,
				     .irq = 15,
				     .softirq = 55,
				     .steal = 50 };

static void test_cpu_shares(void **state)
{
	struct sys_cpu_shares sh;

	(void)state;
	assert_true(sys_rates__cpu(&t0, &t1, &sh));
	near(sh.user, 20);	/* 80 / 400 */
	near(sh.system, 10);	/* 40 / 400 */
	near(sh.idle, 60);	/* 240 / 400 */
	near(sh.iowait, 5);	/* 20 / 400 */
	near(sh.irq, 1.25);	/* 5 / 400: hard interrupts alone */
	near(sh.softirq, 3.75); /* 15 / 400 */
	near(sh.steal, 0);
	/* all but idle and iowait: 400 - 240 - 20 = 140 */
	near(sh.busy, 35);
	near(sh.user + sh.system + sh.idle + sh.iowait + sh.irq + sh.softirq + sh.steal, 100);
}

static void test_cpu_nothing_to_share(void **state)
{
	struct sys_cpu_shares sh;

	(void)state;
	/* the same reading twice (or an offline CPU's zeros) */
	assert_false(sys_rates__cpu(&t0, &t0, &sh));
	assert_true(isnan(sh.busy) && isnan(sh.user) && isnan(sh.idle) && isnan(sh.softirq));
	/* readings the wrong way round: the total went backwards */
	assert_false(sys_rates__cpu(&t1, &t0, &sh));
	assert_true(isnan(sh.busy) && isnan(sh.steal));
}

/* The kernel's iowait may decrease: that one share is unknown, the rest
 * stand. */
static void test_cpu_one_kind_backwards(void **state)
{
	struct cpu_times cur = t1;
	struct sys_cpu_shares sh;

	(void)state;
	cur.iowait = 25; /* 5 below t0: the total advances 375 */
	assert_true(sys_rates__cpu(&t0, &cur, &sh));
	assert_true(isnan(sh.iowait));
	near(sh.user, 100.0 * 80 / 375);
	near(sh.idle, 100.0 * 240 / 375);
	/* busy 270 -> 410 (1375 - 940 - 25) */
	near(sh.busy, 100.0 * 140 / 375);
}

static void test_per_sec(void **state)
{
	(void)state;
	near(sys_rates__per_sec(1000, 5000, 2.0), 2000);
	near(sys_rates__per_sec(7, 7, 0.5), 0);
	/* no interval, a negative one, an unknown one */
	assert_true(isnan(sys_rates__per_sec(1000, 5000, 0)));
	assert_true(isnan(sys_rates__per_sec(1000, 5000, -1)));
	assert_true(isnan(sys_rates__per_sec(1000, 5000, NAN)));
	/* a 32-bit NIC counter that wrapped, a counter reset */
	assert_true(isnan(sys_rates__per_sec(4294967000ULL, 200, 1.0)));
	assert_true(isnan(sys_rates__per_sec(1, 0, 1.0)));
}

static void test_disk_busy(void **state)
{
	(void)state;
	near(sys_rates__disk_busy_pct(1000, 1500, 1.0), 50);  /* 500 ms of 1 s */
	near(sys_rates__disk_busy_pct(0, 1000, 2.0), 50);     /* 1000 ms of 2 s */
	near(sys_rates__disk_busy_pct(0, 1200, 1.0), 100);    /* capped */
	near(sys_rates__disk_busy_pct(0, 100000, 0.01), 100); /* capped */
	assert_true(isnan(sys_rates__disk_busy_pct(0, 500, 0)));
	assert_true(isnan(sys_rates__disk_busy_pct(500, 400, 1.0)));
}

static void test_net_counted(void **state)
{
	(void)state;
	assert_false(sys_rates__net_counted("lo"));
	assert_true(sys_rates__net_counted("eth0"));
	assert_true(sys_rates__net_counted("lo2")); /* not Linux's loopback */
	assert_true(sys_rates__net_counted("wlo1"));
}

static void write_file(const char *rel, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_proc, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

/* Reading k of one machine: t0 + k * (t1 - t0) jiffies, vda busy 600 ms a
 * second (its io_ticks run ahead of the clock a little), lo and eth0. */
static void machine(int k)
{
	write_file("stat",
		   "cpu  %d %d %d %d %d %d %d %d 0 0\n"
		   "cpu0 %d %d %d %d %d %d %d %d 0 0\n"
		   "ctxt %d\nbtime 1\nprocesses 5\nprocs_running 1\nprocs_blocked 0\n",
		   100 + 60 * k, 20 + 20 * k, 50 + 40 * k, 700 + 240 * k, 30 + 20 * k, 10 + 5 * k,
		   40 + 15 * k, 50, 100 + 60 * k, 20 + 20 * k, 50 + 40 * k, 700 + 240 * k,
		   30 + 20 * k, 10 + 5 * k, 40 + 15 * k, 50, 3000 * k);
	write_file("meminfo", "MemTotal: 1048576 kB\nMemFree: 524288 kB\nMemAvailable: 786432 kB\n"
			      "Buffers: 0 kB\nCached: 131072 kB\nSReclaimable: 0 kB\n"
			      "SwapTotal: 0 kB\nSwapFree: 0 kB\n");
	write_file("loadavg", "0.50 0.25 0.10 2/100 1234\n");
	write_file("uptime", "100.00 100.00\n");
	write_file("diskstats", " 254 0 vda %d 0 %d 0 0 0 0 0 0 %d 0 0 0 0 0 0 0\n", k, 8 * k,
		   1100 * k);
	write_file("net/dev",
		   "Inter-|   Receive                            |  Transmit\n"
		   " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		   "packets errs drop fifo colls carrier compressed\n"
		   "    lo: %d 10 0 0 0 0 0 0 %d 10 0 0 0 0 0 0\n"
		   "  eth0: %d 20 0 0 0 0 0 0 %d 0 0 0 0 0 0 0\n",
		   9000 * k, 9000 * k, 1000 * k, 500 * k);
}

static double summary(const struct sysmon *m, const char *name)
{
	struct sysmon_stat st;

	if (!sysmon__system_stat(m, name, &st))
		fail_msg("no system figure %s", name);
	return st.current;
}

/* ember top's header and record's summary over the same two readings. */
static void test_top_and_record_agree(void **state)
{
	struct top_sys *top = top_sys__new(fake_proc, fake_proc);
	struct sysmon_opts o = { .proc_root = fake_proc, .sys_root = fake_proc };
	struct sysmon *rec = sysmon__new(&o);
	const struct top_sys_view *v;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/block", fake_proc);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/block/vda", fake_proc);
	mkdir(path, 0755);
	assert_non_null(top);
	assert_non_null(rec);
	for (int k = 0; k < 2; k++) {
		machine(k);
		assert_int_equal(top_sys__update(top, 10.0 + k), 0);
		assert_int_equal(sysmon__sample(rec, 10.0 + k), 0);
	}
	v = top_sys__view(top);
	assert_true(v->rates);
	near(v->busy_pct, 35);
	near(summary(rec, "cpu_percent"), 35);
	near(v->user_pct, summary(rec, "cpu_user_percent"));
	near(v->system_pct, summary(rec, "cpu_system_percent"));
	near(v->idle_pct, summary(rec, "cpu_idle_percent"));
	near(v->iowait_pct, summary(rec, "cpu_iowait_percent"));
	/* irq and softirq apart in both */
	near(v->irq_pct, 1.25);
	near(summary(rec, "cpu_irq_percent"), 1.25);
	near(v->softirq_pct, 3.75);
	near(summary(rec, "cpu_softirq_percent"), 3.75);
	near(v->steal_pct, summary(rec, "cpu_steal_percent"));
	near(v->cpu_busy_pct[0], summary(rec, "cpu0_percent"));
	near(v->ctxt_per_s, 3000);
	near(summary(rec, "context_switches_per_sec"), 3000);
	/* 1100 ms busy in 1 s: capped in both */
	assert_string_equal(v->busiest_disk, "vda");
	near(v->disk_busy_pct, 100);
	near(summary(rec, "disk.vda.busy_percent"), 100);
	/* the machine total leaves lo out; the list per interface keeps it */
	near(v->net_rx_bps, 1000);
	near(v->net_tx_bps, 500);
	near(summary(rec, "net.eth0.rx_bytes_per_sec"), 1000);
	near(summary(rec, "net.lo.rx_bytes_per_sec"), 9000);
	sysmon__free(rec);
	top_sys__free(top);
}

static int setup(void **state)
{
	char path[128];

	(void)state;
	fake_proc_make();
	snprintf(path, sizeof(path), "%s/net", fake_proc);
	mkdir(path, 0755);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_proc_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_shares),
		cmocka_unit_test(test_cpu_nothing_to_share),
		cmocka_unit_test(test_cpu_one_kind_backwards),
		cmocka_unit_test(test_per_sec),
		cmocka_unit_test(test_disk_busy),
		cmocka_unit_test(test_net_counted),
		cmocka_unit_test_setup_teardown(test_top_and_record_agree, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
