// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sysmon on a fake /proc and /sys the test writes between samples: rates,
 * percentages, totals, current/avg/min/max, process figures, descendants,
 * the JSON shape (read back by python). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/json_writer.h"
#include "sys/sysmon.h"

static char root[] = "/tmp/ember-sysmon-XXXXXX";
static char proc[300], sys[300];

static void put_file(const char *dir, const char *rel, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void mk(const char *dir, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	mkdir(path, 0755);
}

/* Sample k of the machine: CPU ticks, memory, a disk, a NIC, processes. */
static void write_state(int k)
{
	/* per sample: +100 ticks per CPU; cpu0 60 user 10 system 30 idle,
	 * cpu1 all idle (+ the totals line as the sum) */
	put_file(proc, "stat",
		 "cpu  %d 0 %d %d 0 0 0 0 0 0\n"
		 "cpu0 %d 0 %d %d 0 0 0 0 0 0\n"
		 "cpu1 0 0 0 %d 0 0 0 0 0 0\n"
		 "intr 1 2 3\nctxt %d\nbtime 1\nprocesses 10\nprocs_running 2\nprocs_blocked 0\n",
		 60 * k, 10 * k, 30 * k + 100 * k, 60 * k, 10 * k, 30 * k, 100 * k, 5000 * k);
	put_file(proc, "meminfo",
		 "MemTotal:       1000000 kB\nMemFree:         %d kB\nMemAvailable:    600000 kB\n"
		 "Buffers:          10000 kB\nCached:           100000 kB\nSwapCached: 0 kB\n"
		 "Shmem: 0 kB\nSReclaimable:      5000 kB\nSwapTotal:  0 kB\nSwapFree: 0 kB\n",
		 500000 - 1000 * k);
	put_file(proc, "loadavg", "%d.50 0.50 0.25 2/100 1234\n", k);
	/* vda: +8 sectors read, +2048 sectors written (1 MiB) a sample, 500 ms busy */
	put_file(proc, "diskstats",
		 " 254       0 vda %d 0 %d 0 %d 0 %d 0 0 %d 0 0 0 0 0 0 0\n"
		 " 254       1 vda1 %d 0 %d 0 %d 0 %d 0 0 %d 0 0 0 0 0 0 0\n",
		 k, 8 * k, 4 * k, 2048 * k, 500 * k, k, 8 * k, 4 * k, 2048 * k, 500 * k);
	put_file(proc, "net/dev",
		 "Inter-|   Receive                                                |  Transmit\n"
		 " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		 "packets errs drop fifo colls carrier compressed\n"
		 "  eth0: %d %d 0 0 0 0 0 0 %d %d 0 0 0 0 0 0\n",
		 1000 * k, 10 * k, 500 * k, 5 * k);
	/* 100 (root) -> 101 (child, from sample 1 on) -> 102 (grandchild);
	 * 200 unrelated. utime+stime: 100 burns 1 core (+100 ticks a
	 * sample at 1 s), 101 half a core */
	put_file(proc, "100/stat",
		 "100 (my (app)) R 1 100 100 0 -1 0 %d 0 2 0 %d %d 0 0 20 0 3 0 50 %d %d\n", 10 * k,
		 70 * k, 30 * k, 4096 * 1000, 256 * (k + 1));
	put_file(proc, "100/status",
		 "Name:\tmy (app)\nThreads:\t3\nvoluntary_ctxt_switches:\t%d\n"
		 "nonvoluntary_ctxt_switches:\t%d\n",
		 7 * k, k);
	put_file(proc, "100/io",
		 "rchar: %d\nwchar: %d\nsyscr: 1\nsyscw: 1\nread_bytes: 0\nwrite_bytes: %d\n"
		 "cancelled_write_bytes: 0\n",
		 100 * k, 1048576 * k, 1048576 * k);
	put_file(proc, "100/smaps_rollup", "Rss: 1024 kB\nPss:  %d kB\n", 512 + k);
	if (k >= 1) {
		put_file(proc, "101/stat",
			 "101 (child) S 100 100 100 0 -1 0 0 0 0 0 %d 0 0 0 20 0 1 0 60 1000 10\n",
			 50 * (k - 1));
		put_file(proc, "102/stat",
			 "102 (grandchild) S 101 100 100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70 1 1\n");
	}
	put_file(proc, "200/stat", "200 (other) S 1 1 1 0 -1 0 0 0 0 0 999 0 0 0 20 0 1 0 5 1 1\n");
}

static void setup_tree(void)
{
	assert_non_null(mkdtemp(root));
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	mkdir(proc, 0755);
	mkdir(sys, 0755);
	mk(sys, "block");
	mk(sys, "block/vda");
	mk(proc, "net");
	mk(proc, "100");
	mk(proc, "100/fd");
	mk(proc, "101");
	mk(proc, "102");
	mk(proc, "200");
	for (int i = 0; i < 5; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "100/fd/%d", i);
		put_file(proc, rel, "");
	}
}

static void expect(const struct sysmon *m, const char *name, double cur, double avg, double min,
		   double max)
{
	struct sysmon_stat st;

	if (!sysmon__system_stat(m, name, &st))
		fail_msg("no system figure %s", name);
	if (fabs(st.current - cur) > 1e-6 || fabs(st.avg - avg) > 1e-6 ||
	    fabs(st.min - min) > 1e-6 || fabs(st.max - max) > 1e-6)
		fail_msg("%s: got %g %g %g %g, want %g %g %g %g", name, st.current, st.avg, st.min,
			 st.max, cur, avg, min, max);
}

static double pstat(const struct sysmon *m, __u32 pid, const char *name, int which)
{
	struct sysmon_stat st;

	if (!sysmon__process_stat(m, pid, name, &st))
		return NAN;
	return which == 0 ? st.current : which == 1 ? st.avg : which == 2 ? st.min : st.max;
}

static void test_samples(void **state)
{
	struct sysmon_opts o = { .proc_root = proc, .sys_root = sys };
	struct sysmon *m = sysmon__new(&o);
	long tck = sysconf(_SC_CLK_TCK);

	(void)state;
	assert_non_null(m);
	assert_int_equal(tck, 100); /* the fixture's tick arithmetic assumes USER_HZ 100 */
	assert_int_equal(sysmon__add_root(m, 100), 0);
	for (int k = 0; k < 4; k++) {
		write_state(k);
		assert_int_equal(sysmon__sample(m, 10.0 + k), 0);
	}
	assert_int_equal(sysmon__nr_samples(m), 4);
	/* 200 ticks a sample: 70 busy of 200 = 35 % */
	expect(m, "cpu_percent", 35, 35, 35, 35);
	expect(m, "cpu_user_percent", 30, 30, 30, 30);
	expect(m, "cpu_system_percent", 5, 5, 5, 5);
	expect(m, "cpu0_percent", 70, 70, 70, 70);
	expect(m, "cpu1_percent", 0, 0, 0, 0);
	expect(m, "context_switches_per_sec", 5000, 5000, 5000, 5000);
	/* used = total - free - buffers - cached - sreclaimable (psutil) */
	expect(m, "memory_used_bytes", (1000000 - 497000 - 10000 - 100000 - 5000) * 1024.0,
	       (1000000 - 498500 - 115000) * 1024.0, (1000000 - 500000 - 115000) * 1024.0,
	       (1000000 - 497000 - 115000) * 1024.0);
	expect(m, "load_1", 3.5, 2.0, 0.5, 3.5);
	expect(m, "disk.vda.write_bytes_per_sec", 1048576, 1048576, 1048576, 1048576);
	expect(m, "disk.vda.write_bytes", 3 * 1048576.0, 1.5 * 1048576, 0, 3 * 1048576.0);
	expect(m, "disk.vda.busy_percent", 50, 50, 50, 50);
	assert_false(sysmon__system_stat(m, "disk.vda1.write_bytes", &(struct sysmon_stat){}));
	expect(m, "net.eth0.rx_bytes_per_sec", 1000, 1000, 1000, 1000);
	/* the root burns one core, its child (from sample 1) half a core */
	assert_true(fabs(pstat(m, 100, "cpu_percent", 1) - 100) < 1e-6);
	assert_true(fabs(pstat(m, 101, "cpu_percent", 1) - 50) < 1e-6);
	assert_true(fabs(pstat(m, 102, "cpu_percent", 3) - 0) < 1e-6);
	assert_true(isnan(pstat(m, 200, "cpu_percent", 1))); /* not a descendant */
	assert_true(fabs(pstat(m, 100, "rss_bytes", 0) - 256.0 * 4 * sysconf(_SC_PAGESIZE)) < 1);
	assert_true(fabs(pstat(m, 100, "write_bytes", 0) - 3 * 1048576.0) < 1e-6);
	assert_true(fabs(pstat(m, 100, "ctx_switches_voluntary", 0) - 21) < 1e-6);
	assert_true(fabs(pstat(m, 100, "minor_faults", 0) - 30) < 1e-6);
	assert_true(fabs(pstat(m, 100, "open_fds", 0) - 5) < 1e-6);
	assert_true(fabs(pstat(m, 100, "pss_bytes", 0) - 515 * 1024.0) < 1e-6);
	assert_true(fabs(pstat(m, 100, "threads", 3) - 3) < 1e-6);
	sysmon__free(m);
}

/* The JSON file has the promised shape, read back by python. */
static void test_json_shape(void **state)
{
	struct sysmon_opts o = { .proc_root = proc, .sys_root = sys };
	struct sysmon *m = sysmon__new(&o);
	char path[400], cmd[1200], line[64];
	struct json_writer *w;
	FILE *f;

	(void)state;
	sysmon__add_root(m, 100);
	for (int k = 0; k < 3; k++) {
		write_state(k);
		assert_int_equal(sysmon__sample(m, k), 0);
	}
	snprintf(path, sizeof(path), "%s/s.json", root);
	f = fopen(path, "w");
	w = json_writer__new(f, true);
	json__object_begin(w);
	sysmon__write_json(m, w);
	json__object_end(w);
	assert_int_equal(json_writer__free(w), 0);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
		 "s=d[\"system\"][\"cpu_percent\"]; p=d[\"processes\"]; "
		 "ok = set(s) == {\"current\",\"avg\",\"min\",\"max\"} and "
		 "p[0][\"pid\"] == 100 and p[0][\"comm\"] == \"my (app)\" and "
		 "p[0][\"cpu_percent\"][\"avg\"] == 100 and len(d[\"samples\"]) == 3 and "
		 "d[\"samples\"][2][\"system\"][\"cpu_percent\"] == 35; print(ok)' %s",
		 path);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	assert_string_equal(line, "True\n");
	sysmon__free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_json_shape),
	};
	int rc;
	char cmd[400];

	setup_tree();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		rc = rc ? rc : 1;
	return rc;
}
