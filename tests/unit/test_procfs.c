// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the /proc parsers and readers. The fixtures are captures
 * of a Debian 12 VM running 6.18 (2 CPUs, 24 GB, virtio disk, zram), cut
 * down, plus hand-made hostile variants; the readers run against a fake
 * proc tree in a temporary directory, and the live tests against /proc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/procfs.h"

#define U64_MAX_STR "18446744073709551615"
#define U64_OVER_STR "18446744073709551616"
#define U64_MAX (~0ULL)

/* cmocka 1.1.5's assert_float_equal compares floats. */
static void near(double got, double want, double eps)
{
	double d = got > want ? got - want : want - got;

	if (d > eps)
		fail_msg("%.17g, expected %.17g", got, want);
}

/* --- fake trees -------------------------------------------------------- */

static char *make_tree(void)
{
	char *dir = strdup("/tmp/ember-procfs-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* Create root/rel with its parent directories; text NULL: a directory. */
static void put(const char *root, const char *rel, const char *text)
{
	char path[4096], *p;
	FILE *f;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) < sizeof(path));
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	if (!text) {
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(dir);
}

/* --- /proc/stat -------------------------------------------------------- */

static void expect_times(const struct cpu_times *t, __u64 user, __u64 nice, __u64 system,
			 __u64 idle, __u64 iowait, __u64 irq, __u64 softirq, __u64 steal)
{
	assert_true(t->user == user);
	assert_true(t->nice == nice);
	assert_true(t->system == system);
	assert_true(t->idle == idle);
	assert_true(t->iowait == iowait);
	assert_true(t->irq == irq);
	assert_true(t->softirq == softirq);
	assert_true(t->steal == steal);
}

static void test_stat_real(void **state)
{
	static const char text[] =
	    "cpu  544497 0 172011 1558642 1677 0 860 156 0 0\n"
	    "cpu0 257930 0 55336 824769 219 0 480 75 0 0\n"
	    "cpu1 286566 0 116675 733872 1457 0 379 81 0 0\n"
	    "intr 13359527 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 14 0 0 0 0 "
	    "2288 4983 0 198 1 188779 0 588 421 0 4003 14538 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    "ctxt 73237051\n"
	    "btime 1795238818\n"
	    "processes 113716\n"
	    "procs_running 1\n"
	    "procs_blocked 0\n"
	    "softirq 2186470 0 488233 3 1030 188770 0 4 821830 0 686600\n";
	struct sys_stat s;

	(void)state;
	assert_int_equal(procfs__parse_stat(text, &s), 0);
	expect_times(&s.total, 544497, 0, 172011, 1558642, 1677, 0, 860, 156);
	assert_int_equal(s.nr_cpu, 2);
	assert_non_null(s.cpu);
	expect_times(&s.cpu[0], 257930, 0, 55336, 824769, 219, 0, 480, 75);
	expect_times(&s.cpu[1], 286566, 0, 116675, 733872, 1457, 0, 379, 81);
	assert_true(s.ctxt == 73237051);
	assert_true(s.btime == 1795238818);
	assert_true(s.processes == 113716);
	assert_true(s.procs_running == 1);
	assert_true(s.procs_blocked == 0);
	/* psutil: busy = total - idle - iowait */
	assert_true(cpu_times__total(&s.total) == 544497ULL + 172011 + 1558642 + 1677 + 860 + 156);
	assert_true(cpu_times__busy(&s.total) == 544497ULL + 172011 + 860 + 156);
	procfs__sys_stat_free(&s);
	assert_null(s.cpu);
	assert_int_equal(s.nr_cpu, 0);
	procfs__sys_stat_free(&s); /* twice is harmless */
	procfs__sys_stat_free(NULL);
}

static void test_stat_gaps(void **state)
{
	/* cpu1 offline: no line; no trailing newline at the end. */
	static const char text[] = "cpu  30 0 30 300 0 0 0 0 0 0\n"
				   "cpu0 10 0 10 100 0 0 0 0 0 0\n"
				   "cpu2 20 0 20 200 0 0 0 0 0 0\n"
				   "ctxt 5";
	struct sys_stat s;

	(void)state;
	assert_int_equal(procfs__parse_stat(text, &s), 0);
	assert_int_equal(s.nr_cpu, 3);
	expect_times(&s.cpu[0], 10, 0, 10, 100, 0, 0, 0, 0);
	expect_times(&s.cpu[1], 0, 0, 0, 0, 0, 0, 0, 0);
	expect_times(&s.cpu[2], 20, 0, 20, 200, 0, 0, 0, 0);
	assert_true(s.ctxt == 5);
	procfs__sys_stat_free(&s);

	/* Out of order and sparse, far past the first allocation. */
	assert_int_equal(procfs__parse_stat("cpu 1 1 1 1\ncpu511 5 5 5 5\ncpu3 3 3 3 3\n", &s), 0);
	assert_int_equal(s.nr_cpu, 512);
	expect_times(&s.cpu[511], 5, 5, 5, 5, 0, 0, 0, 0);
	expect_times(&s.cpu[3], 3, 3, 3, 3, 0, 0, 0, 0);
	expect_times(&s.cpu[200], 0, 0, 0, 0, 0, 0, 0, 0);
	procfs__sys_stat_free(&s);
}

static void test_stat_edge(void **state)
{
	struct sys_stat s;

	(void)state;
	/* 2.4: four fields; 2.6.0: seven. Missing ones are 0. */
	assert_int_equal(procfs__parse_stat("cpu  1 2 3 4\ncpu0 1 2 3 4 5 6 7\n", &s), 0);
	expect_times(&s.total, 1, 2, 3, 4, 0, 0, 0, 0);
	expect_times(&s.cpu[0], 1, 2, 3, 4, 5, 6, 7, 0);
	assert_int_equal(s.nr_cpu, 1);
	procfs__sys_stat_free(&s);

	/* 64-bit max everywhere; busy/total saturate instead of wrapping. */
	assert_int_equal(procfs__parse_stat("cpu " U64_MAX_STR " 0 " U64_MAX_STR " " U64_MAX_STR
					    " 0 0 0 0\nctxt " U64_MAX_STR "\n",
					    &s),
			 0);
	assert_true(s.total.user == U64_MAX && s.total.idle == U64_MAX);
	assert_true(s.ctxt == U64_MAX);
	assert_true(cpu_times__total(&s.total) == U64_MAX);
	procfs__sys_stat_free(&s);

	/* Bad cpuN lines are skipped: overflow, too few fields, a sign, a
	 * huge or malformed CPU number, trailing junk. */
	assert_int_equal(procfs__parse_stat("cpu  1 1 1 1\n"
					    "cpu0 " U64_OVER_STR " 1 1 1\n"
					    "cpu1 1 1 1\n"
					    "cpu2 1 -1 1 1\n"
					    "cpu99999999999999999999999 1 1 1 1\n"
					    "cpu65536 1 1 1 1\n"
					    "cpux 1 1 1 1\n"
					    "cpu3x 1 1 1 1\n"
					    "cpu4 1 1 1 1 junk\n"
					    "cpu5 1 1 1 1 1 1 1 1 1 1 1 1 1\n"
					    "ctxt abc\n"
					    "processes 12 13\n"
					    "procs_running\n"
					    "\n\n   \n"
					    "something else entirely\n",
					    &s),
			 0);
	assert_int_equal(s.nr_cpu, 6); /* only cpu5 */
	expect_times(&s.cpu[0], 0, 0, 0, 0, 0, 0, 0, 0);
	expect_times(&s.cpu[5], 1, 1, 1, 1, 1, 1, 1, 1);
	assert_true(s.ctxt == 0 && s.processes == 0 && s.procs_running == 0);
	procfs__sys_stat_free(&s);

	/* No usable "cpu " line: nothing to return. */
	s.nr_cpu = 7;
	assert_int_equal(procfs__parse_stat("", &s), -EINVAL);
	assert_null(s.cpu);
	assert_int_equal(s.nr_cpu, 0);
	assert_int_equal(procfs__parse_stat("cpu0 1 2 3 4\nctxt 5\n", &s), -EINVAL);
	assert_null(s.cpu);
	assert_int_equal(procfs__parse_stat("cpu  1 2 3\n", &s), -EINVAL);
	assert_int_equal(procfs__parse_stat("cpu  " U64_OVER_STR " 2 3 4\n", &s), -EINVAL);
	assert_int_equal(procfs__parse_stat("cpu  1 2 3 4", &s), 0); /* truncated after idle */
	procfs__sys_stat_free(&s);
	assert_int_equal(procfs__parse_stat("cpu", &s), -EINVAL);
	assert_int_equal(procfs__parse_stat(NULL, &s), -EINVAL);
	assert_int_equal(procfs__parse_stat("cpu 1 2 3 4\n", NULL), -EINVAL);
}

/* --- /proc/meminfo ----------------------------------------------------- */

static const char meminfo_real[] = "MemTotal:       24684092 kB\n"
				   "MemFree:        24211124 kB\n"
				   "MemAvailable:   24319244 kB\n"
				   "Buffers:            2040 kB\n"
				   "Cached:           293496 kB\n"
				   "SwapCached:            0 kB\n"
				   "Active:           153024 kB\n"
				   "Inactive:         138984 kB\n"
				   "Active(anon):       1528 kB\n"
				   "Inactive(anon):     3900 kB\n"
				   "Active(file):     151496 kB\n"
				   "Inactive(file):   135084 kB\n"
				   "Unevictable:       12496 kB\n"
				   "Mlocked:           11572 kB\n"
				   "SwapTotal:             0 kB\n"
				   "SwapFree:              0 kB\n"
				   "Zswap:                 0 kB\n"
				   "Zswapped:              0 kB\n"
				   "Dirty:              3688 kB\n"
				   "Writeback:             0 kB\n"
				   "AnonPages:          9168 kB\n"
				   "Mapped:            10836 kB\n"
				   "Shmem:              8856 kB\n"
				   "KReclaimable:      64636 kB\n"
				   "Slab:              87708 kB\n"
				   "SReclaimable:      64636 kB\n"
				   "SUnreclaim:        23072 kB\n"
				   "KernelStack:        1400 kB\n"
				   "PageTables:         3128 kB\n"
				   "CommitLimit:    12342044 kB\n"
				   "Committed_AS:      53004 kB\n"
				   "VmallocTotal:   34359738367 kB\n"
				   "VmallocUsed:       14332 kB\n"
				   "HugePages_Total:       0\n"
				   "HugePages_Free:        0\n"
				   "Hugepagesize:       2048 kB\n"
				   "DirectMap1G:    25165824 kB\n";

static void test_meminfo_real(void **state)
{
	struct meminfo m;

	(void)state;
	assert_int_equal(procfs__parse_meminfo(meminfo_real, &m), 0);
	assert_true(m.total == 24684092ULL * 1024);
	assert_true(m.free == 24211124ULL * 1024);
	assert_true(m.available == 24319244ULL * 1024);
	assert_true(m.buffers == 2040ULL * 1024);
	assert_true(m.cached == 293496ULL * 1024);
	assert_true(m.sreclaimable == 64636ULL * 1024);
	assert_true(m.shmem == 8856ULL * 1024);
	assert_true(m.swap_total == 0 && m.swap_free == 0 && m.swap_cached == 0);
	/*
	 * psutil virtual_memory(), by hand, in kB:
	 *   cached = Cached + SReclaimable = 293496 + 64636 = 358132
	 *   used = total - free - cached - buffers
	 *        = 24684092 - 24211124 - 358132 - 2040 = 112796
	 */
	assert_true(meminfo__used(&m) == 112796ULL * 1024);
	assert_true(meminfo__used(&m) == 115503104ULL);
}

static void test_meminfo_edge(void **state)
{
	struct meminfo m;

	(void)state;
	/* Container: cache larger than total - free, psutil falls back to
	 * total - free. Swap lines. No MemAvailable: free + Cached. */
	assert_int_equal(procfs__parse_meminfo("MemTotal: 1000 kB\nMemFree: 100 kB\n"
					       "Buffers: 10 kB\nCached: 2000 kB\n"
					       "SwapTotal: 4096 kB\nSwapFree: 1024 kB\n"
					       "SwapCached: 8 kB\n",
					       &m),
			 0);
	assert_true(meminfo__used(&m) == 900 * 1024);
	assert_true(m.available == 2100 * 1024);
	assert_true(m.swap_total == 4096 * 1024 && m.swap_free == 1024 * 1024);
	assert_true(m.swap_cached == 8 * 1024);
	/* used exactly 0 is kept, as psutil only falls back below 0. */
	assert_int_equal(procfs__parse_meminfo("MemTotal: 1000 kB\nMemFree: 400 kB\n"
					       "Buffers: 100 kB\nCached: 300 kB\n"
					       "SReclaimable: 200 kB\nMemAvailable: 0 kB\n",
					       &m),
			 0);
	assert_true(meminfo__used(&m) == 0);
	assert_true(m.available == 700 * 1024); /* zero MemAvailable: estimate */
	/* Hostile: free above total. */
	m.total = 1;
	m.free = 5;
	assert_true(meminfo__used(&m) == 0);

	/* Saturation, and the lines that are not ours or malformed. */
	assert_int_equal(procfs__parse_meminfo("MemTotal: " U64_MAX_STR " kB\n"
					       "MemFree: 1 kB\n"
					       "MemTotalX: 5 kB\n"
					       " Buffers: 7 kB\n"
					       "Cached: 9\n"
					       "Shmem: 3 MB\n"
					       "SReclaimable: 4 kB extra\n"
					       "SwapTotal:\n"
					       "HugePages_Total: 12\n"
					       "no colon here\n",
					       &m),
			 0);
	assert_true(m.total == U64_MAX);
	assert_true(m.free == 1024);
	assert_true(m.buffers == 0 && m.cached == 0 && m.shmem == 0);
	assert_true(m.sreclaimable == 0 && m.swap_total == 0);
	assert_true(meminfo__used(&m) == U64_MAX - 1024);

	/* What it must have. */
	assert_int_equal(procfs__parse_meminfo("MemFree: 1 kB\n", &m), -EINVAL);
	assert_int_equal(procfs__parse_meminfo("MemTotal: 1 kB\n", &m), -EINVAL);
	assert_int_equal(
	    procfs__parse_meminfo("MemTotal: " U64_OVER_STR " kB\nMemFree: 1 kB\n", &m), -EINVAL);
	assert_int_equal(procfs__parse_meminfo("MemTotal: 12", &m), -EINVAL);
	assert_int_equal(procfs__parse_meminfo("MemTotal:", &m), -EINVAL);
	assert_int_equal(procfs__parse_meminfo("", &m), -EINVAL);
	assert_true(m.total == 0);
	assert_int_equal(procfs__parse_meminfo(NULL, &m), -EINVAL);
	/* Truncated inside the last line. */
	assert_int_equal(procfs__parse_meminfo("MemTotal: 10 kB\nMemFree: 5 k", &m), -EINVAL);
	assert_int_equal(procfs__parse_meminfo("MemTotal: 10 kB\nMemFree: 5 kB", &m), 0);
}

/* --- /proc/loadavg ----------------------------------------------------- */

static void test_loadavg(void **state)
{
	struct loadavg l;

	(void)state;
	assert_int_equal(procfs__parse_loadavg("1.08 2.80 3.34 2/87 16331\n", &l), 0);
	near(l.one, 1.08, 1e-9);
	near(l.five, 2.80, 1e-9);
	near(l.fifteen, 3.34, 1e-9);
	assert_int_equal(l.running, 2);
	assert_int_equal(l.total, 87);
	assert_int_equal(procfs__parse_loadavg("0.00 0.00 0.00 0/1", &l), 0);
	near(l.one, 0.0, 0);
	assert_int_equal(procfs__parse_loadavg("1024.99 7 0.5 4294967295/4294967295 1\n", &l), 0);
	near(l.one, 1024.99, 1e-9);
	near(l.five, 7.0, 0);
	near(l.fifteen, 0.5, 0);
	assert_true(l.running == 0xffffffffu && l.total == 0xffffffffu);
	/* Long fraction: extra digits ignored, no overflow. */
	assert_int_equal(
	    procfs__parse_loadavg("0.1234567890123456789012345 1.5 " U64_MAX_STR ".0 1/2 3", &l),
	    0);
	near(l.one, 0.123456789012345678, 1e-12);
	near(l.fifteen, 18446744073709551615.0, 1e4);

	assert_int_equal(procfs__parse_loadavg("1.08 2.80\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1.08 2.80 3.34\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1.08 2.80 3.34 2\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1.08 2.80 3.34 2/\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1.08 2.80 3.34 2/87x 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1.08 2.80 3.34 4294967296/87 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1,08 2,80 3,34 2/87 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("-1.08 2.80 3.34 2/87 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1. 2.80 3.34 2/87 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg(".5 2.80 3.34 2/87 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("1.08\n2.80 3.34 2/87 1\n", &l), -EINVAL);
	assert_int_equal(procfs__parse_loadavg("", &l), -EINVAL);
	assert_int_equal(l.running, 0);
	assert_int_equal(procfs__parse_loadavg(NULL, &l), -EINVAL);
}

/* --- /proc/diskstats --------------------------------------------------- */

static const struct disk_stat *find_disk(const struct disk_stat *d, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	return NULL;
}

static void test_diskstats(void **state)
{
	static const char text[] =
	    /* 5.5+: 17 numbers (real capture) */
	    "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    " 254       0 vda 485293 18199 23968738 723516 52709 24474 3393624 11105 0 28876 "
	    "737991 40499 12 2783832 3206 3942 162\n"
	    " 254       1 vda1 480012 18199 23900000 720000 52000 24474 3390000 11000 0 28000 "
	    "730000 40000 12 2783832 3206 0 0\n"
	    " 253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	    /* 4.18: 15 numbers */
	    "   8       0 sda 100 2 2048 50 10 1 80 5 0 40 55 3 0 4096 7\n"
	    /* before 4.18: 11 numbers */
	    "   8      16 sdb 200 0 4000 60 20 0 160 9 1 70 69\n"
	    /* 2.6 partition: 4 numbers */
	    "   8      17 sdb1 150 3000 15 120\n"
	    /* name with '/', as cciss prints it */
	    " 104       0 cciss/c0d0 1 0 8 1 1 0 8 1 0 2 2\n"
	    /* 64-bit max sectors saturate, reads kept */
	    "   8      32 sdc " U64_MAX_STR " 0 " U64_MAX_STR " 0 " U64_MAX_STR " 0 " U64_MAX_STR
	    " 0 0 " U64_MAX_STR " 0\n"
	    /* 31-character name is fine */
	    "   9       0 abcdefghijklmnopqrstuvwxyz01234 1 0 1 0 1 0 1 0 0 1 0\n"
	    /* skipped: */
	    "   9       1 abcdefghijklmnopqrstuvwxyz012345 1 0 1 0 1 0 1 0 0 1 0\n"
	    "   3     0   8 hda 8 8 8 8 8 8 8 8 8 8 8\n"       /* 2.4 layout: 15 */
	    "   8      48 sdd 1 2 3 4 5 6 7 8 9 10\n"	       /* truncated: 10 */
	    "   8      64 sde 1 2 3 4 5 6 7 8 9 10 11 12 13\n" /* 13 */
	    "   8      80 sdf 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16x\n"
	    "   8      96 sdg 1 2 3 4 5 6 7 8 9 10 " U64_OVER_STR "\n"
	    "   8     112 sdh -1 2 3 4 5 6 7 8 9 10 11\n"
	    "   8\n"
	    "\n"
	    "garbage\n"
	    "   8     128 sdi 1 2 3 4 5 6 7 8 9 10 11"; /* last, no newline */
	const struct disk_stat *d;
	struct disk_stat *ds;
	int n;

	(void)state;
	assert_int_equal(procfs__parse_diskstats(text, &ds, &n), 0);
	assert_int_equal(n, 11);
	assert_string_equal(ds[0].name, "loop0");
	assert_string_equal(ds[1].name, "vda");
	assert_string_equal(ds[10].name, "sdi");

	d = find_disk(ds, n, "vda");
	assert_non_null(d);
	assert_true(d->reads == 485293);
	assert_true(d->read_bytes == 23968738ULL * 512);
	assert_true(d->writes == 52709);
	assert_true(d->write_bytes == 3393624ULL * 512);
	assert_true(d->busy_ms == 28876);
	d = find_disk(ds, n, "sda");
	assert_non_null(d);
	assert_true(d->reads == 100 && d->read_bytes == 2048 * 512 && d->writes == 10);
	assert_true(d->write_bytes == 80 * 512 && d->busy_ms == 40);
	d = find_disk(ds, n, "sdb");
	assert_non_null(d);
	assert_true(d->reads == 200 && d->read_bytes == 4000 * 512 && d->writes == 20);
	assert_true(d->write_bytes == 160 * 512 && d->busy_ms == 70);
	d = find_disk(ds, n, "sdb1");
	assert_non_null(d);
	assert_true(d->reads == 150 && d->read_bytes == 3000 * 512 && d->writes == 15);
	assert_true(d->write_bytes == 120 * 512 && d->busy_ms == 0);
	assert_non_null(find_disk(ds, n, "cciss/c0d0"));
	d = find_disk(ds, n, "sdc");
	assert_non_null(d);
	assert_true(d->reads == U64_MAX && d->read_bytes == U64_MAX);
	assert_true(d->writes == U64_MAX && d->write_bytes == U64_MAX && d->busy_ms == U64_MAX);
	assert_non_null(find_disk(ds, n, "abcdefghijklmnopqrstuvwxyz01234"));
	assert_null(find_disk(ds, n, "hda"));
	assert_null(find_disk(ds, n, "8"));
	assert_null(find_disk(ds, n, "sdd"));
	free(ds);

	/* No devices is not an error. */
	assert_int_equal(procfs__parse_diskstats("", &ds, &n), 0);
	assert_int_equal(n, 0);
	assert_null(ds);
	assert_int_equal(procfs__parse_diskstats("garbage\n", &ds, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(procfs__parse_diskstats(NULL, &ds, &n), -EINVAL);
	assert_int_equal(procfs__parse_diskstats(text, NULL, &n), -EINVAL);
	assert_int_equal(procfs__parse_diskstats(text, &ds, NULL), -EINVAL);
}

static void test_diskstats_many(void **state)
{
	struct disk_stat *ds;
	char *text, *p;
	int n, i;

	(void)state;
	/* Enough lines to grow the array several times. */
	text = malloc(1000 * 64);
	assert_non_null(text);
	for (p = text, i = 0; i < 1000; i++)
		p += sprintf(p, "8 %d sd%d %d 0 2 0 3 0 4 0 0 5 0\n", i, i, i);
	assert_int_equal(procfs__parse_diskstats(text, &ds, &n), 0);
	assert_int_equal(n, 1000);
	assert_string_equal(ds[999].name, "sd999");
	assert_true(ds[999].reads == 999 && ds[999].write_bytes == 4 * 512);
	free(ds);
	free(text);
}

static void test_is_disk(void **state)
{
	struct disk_stat d = { 0 };
	char *sys = make_tree();

	(void)state;
	put(sys, "block/vda", NULL);
	put(sys, "block/loop0", NULL);
	put(sys, "block/ram0", NULL);
	put(sys, "block/zram0", NULL);
	put(sys, "block/cciss!c0d0", NULL);

	strcpy(d.name, "vda");
	assert_true(procfs__is_disk(sys, &d)); /* whole disk even with no I/O */
	strcpy(d.name, "vda1");
	d.reads = 10;
	assert_false(procfs__is_disk(sys, &d)); /* partition: not in block/ */
	strcpy(d.name, "cciss/c0d0");
	assert_true(procfs__is_disk(sys, &d));

	d.reads = d.writes = 0;
	strcpy(d.name, "loop0");
	assert_false(procfs__is_disk(sys, &d));
	d.reads = 1;
	assert_true(procfs__is_disk(sys, &d));
	strcpy(d.name, "zram0");
	d.reads = 0;
	assert_false(procfs__is_disk(sys, &d));
	d.writes = 3;
	assert_true(procfs__is_disk(sys, &d));
	strcpy(d.name, "ram0");
	d.writes = 0;
	assert_false(procfs__is_disk(sys, &d));
	strcpy(d.name, "loop1"); /* did I/O but not in sysfs */
	d.reads = 5;
	assert_false(procfs__is_disk(sys, &d));
	strcpy(d.name, "..");
	assert_false(procfs__is_disk(sys, &d));
	d.name[0] = '\0';
	assert_false(procfs__is_disk(sys, &d));
	assert_false(procfs__is_disk(sys, NULL));
	strcpy(d.name, "vda");
	assert_false(procfs__is_disk("/nonexistent-sysfs", &d));
	remove_tree(sys);
}

/* --- /proc/net/dev ----------------------------------------------------- */

static const struct net_stat *find_if(const struct net_stat *s, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}

static void test_net_dev(void **state)
{
	static const char text[] =
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	    "errs drop fifo colls carrier compressed\n"
	    "    lo:    6586      59    0    0    0     0          0         0     6586      59    "
	    "0    0    0     0       0          0\n"
	    "  ifb0:       0       0    0    0    0     0          0         0        0       0    "
	    "0    0    0     0       0          0\n"
	    "  eth0: 29810919     858    1    2    0     0          0         0    40446     487   "
	    " "
	    "3    4    0     0       0          0\n"
	    /* IFNAMSIZ - 1 = 15 characters, and the old "%6s:%8lu" layout
		 * where a long name touches the first number */
	    "enp0s20f0u1u2c2: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	    "wlp0s20f3:123456789012 2 0 0 0 0 0 0 9 10 0 0 0 0 0 0\n"
	    "veth" U64_MAX_STR ": " U64_MAX_STR " " U64_MAX_STR " " U64_MAX_STR " " U64_MAX_STR
	    " 0 0 0 0 " U64_MAX_STR " " U64_MAX_STR " " U64_MAX_STR " " U64_MAX_STR " 0 0 0 0\n"
	    /* skipped: truncated, junk, overflow, bad names */
	    "  eth1: 1 2 3 4 5 6 7 8 9 10 11\n"
	    "  eth2: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n"
	    "  eth3: 1 2 3 4 5 6 7 8 " U64_OVER_STR " 10 11 12 13 14 15 16\n"
	    "a b: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	    ": 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	    "abcdefghijklmnopqrstuvwxyz0123456: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
	    "  eth4:";
	const struct net_stat *s;
	struct net_stat *ns;
	int n;

	(void)state;
	assert_int_equal(procfs__parse_net_dev(text, &ns, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(ns[0].name, "lo");
	assert_true(ns[0].rx_bytes == 6586 && ns[0].rx_packets == 59);
	assert_true(ns[0].tx_bytes == 6586 && ns[0].tx_packets == 59);
	s = find_if(ns, n, "eth0");
	assert_non_null(s);
	assert_true(s->rx_bytes == 29810919 && s->rx_packets == 858);
	assert_true(s->rx_errs == 1 && s->rx_drop == 2);
	assert_true(s->tx_bytes == 40446 && s->tx_packets == 487);
	assert_true(s->tx_errs == 3 && s->tx_drop == 4);
	s = find_if(ns, n, "enp0s20f0u1u2c2");
	assert_non_null(s);
	assert_true(s->rx_bytes == 1 && s->rx_packets == 2 && s->rx_errs == 3 && s->rx_drop == 4);
	assert_true(s->tx_bytes == 9 && s->tx_packets == 10 && s->tx_errs == 11);
	assert_true(s->tx_drop == 12);
	s = find_if(ns, n, "wlp0s20f3");
	assert_non_null(s);
	assert_true(s->rx_bytes == 123456789012ULL && s->tx_bytes == 9);
	s = find_if(ns, n, "veth" U64_MAX_STR);
	assert_non_null(s);
	assert_true(s->rx_bytes == U64_MAX && s->rx_drop == U64_MAX);
	assert_true(s->tx_bytes == U64_MAX && s->tx_drop == U64_MAX);
	assert_null(find_if(ns, n, "eth1"));
	assert_null(find_if(ns, n, "eth4"));
	free(ns);

	assert_int_equal(procfs__parse_net_dev("Inter-|   Receive |  Transmit\n"
					       " face |bytes    packets|bytes    packets\n",
					       &ns, &n),
			 0);
	assert_int_equal(n, 0);
	assert_null(ns);
	assert_int_equal(procfs__parse_net_dev("", &ns, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(procfs__parse_net_dev(NULL, &ns, &n), -EINVAL);
}

/* --- /proc/PID/stat ---------------------------------------------------- */

static const char pid_stat_real[] =
    "16334 (cat) R 15368 15368 14606 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 1144343 3133440 "
    "384 18446744073709551615 94478910455808 94478910475689 140728080517184 0 0 0 0 0 0 0 0 "
    "0 17 0 0 0 0 0 0 94478910491696 94478910493312 94479709933568 140728080521662 "
    "140728080521682 140728080521682 140728080523243 0\n";

static void test_pid_stat_real(void **state)
{
	static const char init[] =
	    "1 (process_api) S 0 0 0 0 -1 4194560 111307 73118002 0 19888 401 2055 528051 "
	    "136314 20 0 13 0 26 41750528 2878 18446744073709551615 1 1 0 0 0 0 0 4096 1256 "
	    "0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
	static const char kthread[] =
	    "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 26 0 0 "
	    "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 "
	    "0 0\n";
	struct pid_stat s;

	(void)state;
	assert_int_equal(procfs__parse_pid_stat(pid_stat_real, 4096, &s), 0);
	assert_int_equal(s.pid, 16334);
	assert_int_equal(s.ppid, 15368);
	assert_string_equal(s.comm, "cat");
	assert_int_equal(s.state, 'R');
	assert_true(s.minflt == 99 && s.majflt == 0);
	assert_true(s.utime == 0 && s.stime == 0);
	assert_int_equal(s.num_threads, 1);
	assert_true(s.starttime == 1144343);
	assert_true(s.vsize == 3133440);
	assert_true(s.rss == 384 * 4096);

	assert_int_equal(procfs__parse_pid_stat(init, 4096, &s), 0);
	assert_int_equal(s.pid, 1);
	assert_int_equal(s.ppid, 0);
	assert_string_equal(s.comm, "process_api");
	assert_int_equal(s.state, 'S');
	assert_true(s.minflt == 111307 && s.majflt == 0);
	assert_true(s.utime == 401 && s.stime == 2055);
	assert_int_equal(s.num_threads, 13);
	assert_true(s.starttime == 26 && s.vsize == 41750528);
	assert_true(s.rss == 2878ULL * 4096);
	/* 64 KiB pages (arm64, ppc64) */
	assert_int_equal(procfs__parse_pid_stat(init, 65536, &s), 0);
	assert_true(s.rss == 2878ULL * 65536);

	assert_int_equal(procfs__parse_pid_stat(kthread, 4096, &s), 0);
	assert_string_equal(s.comm, "kthreadd");
	assert_true(s.vsize == 0 && s.rss == 0);
}

static void test_pid_stat_comm(void **state)
{
	struct pid_stat s;

	(void)state;
	/* comm "a) b (c": spaces and parentheses both ways */
	assert_int_equal(procfs__parse_pid_stat("42 (a) b (c) S 7 42 42 0 -1 4194304 5 0 6 0 "
						"11 12 0 0 20 0 3 0 99 8192 2 0 0\n",
						4096, &s),
			 0);
	assert_int_equal(s.pid, 42);
	assert_string_equal(s.comm, "a) b (c");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 7);
	assert_true(s.minflt == 5 && s.majflt == 6 && s.utime == 11 && s.stime == 12);
	assert_int_equal(s.num_threads, 3);
	assert_true(s.starttime == 99 && s.vsize == 8192 && s.rss == 8192);

	/* comm that looks like the rest of a stat line */
	assert_int_equal(procfs__parse_pid_stat("43 () R 1 2 3 4 5 6 7 8 9 10) Z 9 0 0 0 -1 0 0 "
						"0 0 0 0 0 0 0 20 0 1 0 5 0 0\n",
						4096, &s),
			 0);
	assert_string_equal(s.comm, ") R 1 2 3 4 5 6 ");
	assert_int_equal(s.state, 'Z');
	assert_int_equal(s.ppid, 9);

	/* comm with a newline (prctl accepts it; stat prints it raw) */
	assert_int_equal(procfs__parse_pid_stat("44 (x\ny)) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 "
						"0 5 0 0\n",
						4096, &s),
			 0);
	assert_string_equal(s.comm, "x\ny)");
	assert_int_equal(s.ppid, 1);

	/* Empty comm; a kworker name longer than TASK_COMM_LEN (6.x shows
	 * the workqueue) is cut to what comm holds. */
	assert_int_equal(procfs__parse_pid_stat("45 () S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 "
						"0 0\n",
						4096, &s),
			 0);
	assert_string_equal(s.comm, "");
	assert_int_equal(procfs__parse_pid_stat("46 (kworker/u8:6-events_unbound) I 2 0 0 0 -1 "
						"69238880 0 0 0 0 0 52 0 0 20 0 1 0 1019 0 0 "
						"18446744073709551615 0 0\n",
						4096, &s),
			 0);
	assert_string_equal(s.comm, "kworker/u8:6-eve");
	assert_int_equal(s.state, 'I');
	assert_true(s.stime == 52);
}

static void test_pid_stat_edge(void **state)
{
	char line[512];
	struct pid_stat s;

	(void)state;
	/* 64-bit max counters; rss saturates instead of wrapping. */
	snprintf(line, sizeof(line),
		 "4294967295 (m) R 4294967295 0 0 0 -1 0 %s 0 %s 0 %s %s -5 -5 -100 -20 "
		 "4294967295 0 %s %s %s\n",
		 U64_MAX_STR, U64_MAX_STR, U64_MAX_STR, U64_MAX_STR, U64_MAX_STR, U64_MAX_STR,
		 U64_MAX_STR);
	assert_int_equal(procfs__parse_pid_stat(line, 4096, &s), 0);
	assert_true(s.pid == 0xffffffffu && s.ppid == 0xffffffffu);
	assert_true(s.minflt == U64_MAX && s.majflt == U64_MAX);
	assert_true(s.utime == U64_MAX && s.stime == U64_MAX);
	assert_true(s.num_threads == 0xffffffffu);
	assert_true(s.starttime == U64_MAX && s.vsize == U64_MAX && s.rss == U64_MAX);
	assert_int_equal(procfs__parse_pid_stat("1 (m) R 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 "
						"4503599627370496\n",
						4096, &s),
			 0);
	assert_true(s.rss == U64_MAX); /* 2^52 pages * 4096 */

	/* Truncated at every field: the 24th (rss) is needed. */
	for (size_t cut = 0; cut < sizeof(pid_stat_real) - 1; cut++) {
		char buf[sizeof(pid_stat_real)];
		int err;

		memcpy(buf, pid_stat_real, cut);
		buf[cut] = '\0';
		err = procfs__parse_pid_stat(buf, 4096, &s);
		/* rss, "384", starts at offset 87 */
		if (cut <= 87 && err != -EINVAL)
			fail_msg("cut at %zu: %d", cut, err);
		if (cut > 87)
			assert_int_equal(err, 0);
	}

	/* Out of range, signs, missing pieces. */
	assert_int_equal(procfs__parse_pid_stat("4294967296 (m) R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 "
						"0 1 0 0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m) R 4294967296 0 0 0 -1 0 0 0 0 0 0 0 0 0 "
						"20 0 1 0 0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m) R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
						"4294967296 0 0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m) R 1 0 0 0 -1 0 0 0 0 0 -3 0 0 0 20 0 1 0 "
						"0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m) R 1 0 0 0 -1 0 " U64_OVER_STR
						" 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 m R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 "
						"0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 "
						"0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m)R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 "
						"0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m) RS 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
						"0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("1 (m)\n R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
						"0 0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("x (m) R 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 "
						"0 0\n",
						4096, &s),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_stat(pid_stat_real, 0, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_stat(pid_stat_real, -4096, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("", 4096, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_stat("()", 4096, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_stat(")", 4096, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_stat(NULL, 4096, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_stat(pid_stat_real, 4096, NULL), -EINVAL);
}

/* --- /proc/PID/status, io, smaps_rollup -------------------------------- */

static void test_pid_status(void **state)
{
	static const char text[] = "Name:\tcat\n"
				   "Umask:\t0022\n"
				   "State:\tR (running)\n"
				   "Tgid:\t16335\n"
				   "Pid:\t16335\n"
				   "PPid:\t15368\n"
				   "Uid:\t0\t0\t0\t0\n"
				   "FDSize:\t256\n"
				   "Groups:\t \n"
				   "VmPeak:\t    3060 kB\n"
				   "VmSize:\t    3060 kB\n"
				   "VmLck:\t       0 kB\n"
				   "VmHWM:\t    1588 kB\n"
				   "VmRSS:\t    1588 kB\n"
				   "RssAnon:\t     112 kB\n"
				   "VmData:\t     360 kB\n"
				   "VmSwap:\t      12 kB\n"
				   "HugetlbPages:\t       0 kB\n"
				   "Threads:\t1\n"
				   "SigQ:\t0/96365\n"
				   "untag_mask:\t0xffffffffffffffff\n"
				   "Cpus_allowed_list:\t0-1\n"
				   "voluntary_ctxt_switches:\t121\n"
				   "nonvoluntary_ctxt_switches:\t9\n";
	static const char kthread[] = "Name:\tkthreadd\n"
				      "State:\tS (sleeping)\n"
				      "Kthread:\t1\n"
				      "Threads:\t1\n"
				      "voluntary_ctxt_switches:\t1403\n"
				      "nonvoluntary_ctxt_switches:\t17\n";
	struct pid_status s;

	(void)state;
	assert_int_equal(procfs__parse_pid_status(text, &s), 0);
	assert_true(s.vm_size == 3060 * 1024 && s.vm_rss == 1588 * 1024);
	assert_int_equal(s.tgid, 16335);
	assert_true(s.vm_swap == 12 * 1024);
	assert_int_equal(s.threads, 1);
	assert_true(s.vol_ctxt == 121 && s.nonvol_ctxt == 9);

	assert_int_equal(procfs__parse_pid_status(kthread, &s), 0);
	assert_int_equal(s.tgid, 0); /* no Tgid: line, none */
	assert_true(s.vm_size == 0 && s.vm_rss == 0 && s.vm_swap == 0);
	assert_true(s.vol_ctxt == 1403 && s.nonvol_ctxt == 17);

	assert_int_equal(procfs__parse_pid_status("Threads:\t4294967295\n"
						  "VmRSS:\t" U64_MAX_STR " kB\n"
						  "VmSize:\t5\n"
						  "VmSwap:\t-1 kB\n"
						  "voluntary_ctxt_switches:\t" U64_MAX_STR "\n"
						  "nonvoluntary_ctxt_switches:\t3 kB\n",
						  &s),
			 0);
	assert_true(s.threads == 0xffffffffu);
	assert_true(s.vm_rss == U64_MAX && s.vm_size == 0 && s.vm_swap == 0);
	assert_true(s.vol_ctxt == U64_MAX && s.nonvol_ctxt == 0);

	/* Truncated before Threads, or Threads unusable. */
	assert_int_equal(procfs__parse_pid_status("Name:\tcat\nVmRSS:\t1 kB\n", &s), -EINVAL);
	assert_true(s.vm_rss == 0);
	assert_int_equal(procfs__parse_pid_status("Threads:\t4294967296\n", &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_status("Threads:\n", &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_status("Threads: x\n", &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_status("", &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_status(NULL, &s), -EINVAL);
	assert_int_equal(procfs__parse_pid_status(text, NULL), -EINVAL);
}

static void test_pid_io(void **state)
{
	static const char text[] = "rchar: 6976\n"
				   "wchar: 10\n"
				   "syscr: 10\n"
				   "syscw: 1\n"
				   "read_bytes: 4096\n"
				   "write_bytes: 8192\n"
				   "cancelled_write_bytes: 512\n";
	struct pid_io io;

	(void)state;
	assert_int_equal(procfs__parse_pid_io(text, &io), 0);
	assert_true(io.rchar == 6976 && io.wchar == 10 && io.syscr == 10 && io.syscw == 1);
	assert_true(io.read_bytes == 4096 && io.write_bytes == 8192);
	assert_true(io.cancelled_write_bytes == 512);
	assert_int_equal(procfs__parse_pid_io("rchar: " U64_MAX_STR "\nwchar: 0\nsyscr: 0\n"
					      "syscw: 0\nread_bytes: 0\nwrite_bytes: 0\n"
					      "cancelled_write_bytes: " U64_MAX_STR,
					      &io),
			 0);
	assert_true(io.rchar == U64_MAX && io.cancelled_write_bytes == U64_MAX);

	/* Every line is needed: the kernel prints all seven at once. */
	assert_int_equal(procfs__parse_pid_io("rchar: 6976\nwchar: 10\nsyscr: 10\nsyscw: 1\n"
					      "read_bytes: 4096\nwrite_bytes: 8192\n",
					      &io),
			 -EINVAL);
	assert_true(io.rchar == 0);
	assert_int_equal(procfs__parse_pid_io("rchar: 6976\nwchar: 10\nsyscr: 10\nsyscw: 1\n"
					      "read_bytes: 4096\nwrite_bytes: 8192\n"
					      "cancelled_write_bytes: -512\n",
					      &io),
			 -EINVAL);
	assert_int_equal(procfs__parse_pid_io("", &io), -EINVAL);
	assert_int_equal(procfs__parse_pid_io(NULL, &io), -EINVAL);
}

static void test_schedstat(void **state)
{
	__u64 run = 1;

	(void)state;
	assert_int_equal(procfs__parse_schedstat("123456789 4242 17\n", &run), 0);
	assert_true(run == 123456789);
	assert_int_equal(procfs__parse_schedstat(U64_MAX_STR " 0 0\n", &run), 0);
	assert_true(run == U64_MAX);
	assert_int_equal(procfs__parse_schedstat("123 4242\n", &run), -EINVAL);
	assert_true(run == 0);
	assert_int_equal(procfs__parse_schedstat("-5 1 1\n", &run), -EINVAL);
	assert_int_equal(procfs__parse_schedstat("1 2 3 4\n", &run), -EINVAL);
	assert_int_equal(procfs__parse_schedstat("", &run), -EINVAL);
	assert_int_equal(procfs__parse_schedstat(NULL, &run), -EINVAL);
	assert_int_equal(procfs__parse_schedstat("1 2 3\n", NULL), -EINVAL);
}

static void test_smaps_rollup(void **state)
{
	static const char text[] =
	    "56530a649000-7fff85a9d000 ---p 00000000 00:00 0                          "
	    "[rollup]\n"
	    "Rss:                1756 kB\n"
	    "Pss:                 532 kB\n"
	    "Pss_Dirty:           116 kB\n"
	    "Pss_Anon:            116 kB\n"
	    "Pss_File:            416 kB\n"
	    "Pss_Shmem:             0 kB\n"
	    "Shared_Clean:       1576 kB\n"
	    "Private_Dirty:       116 kB\n"
	    "Swap:                  0 kB\n"
	    "SwapPss:               0 kB\n"
	    "Locked:                0 kB\n";
	__u64 pss = 1;

	(void)state;
	assert_int_equal(procfs__parse_smaps_rollup(text, &pss), 0);
	assert_true(pss == 532 * 1024);
	assert_int_equal(procfs__parse_smaps_rollup("Pss_Anon: 116 kB\nPss_File: 416 kB\n"
						    "SwapPss: 3 kB\n",
						    &pss),
			 -EINVAL);
	assert_true(pss == 0);
	assert_int_equal(procfs__parse_smaps_rollup("Pss: 532\n", &pss), -EINVAL);
	assert_int_equal(procfs__parse_smaps_rollup("Pss: " U64_MAX_STR " kB\n", &pss), 0);
	assert_true(pss == U64_MAX);
	assert_int_equal(procfs__parse_smaps_rollup("", &pss), -EINVAL); /* kernel thread */
	assert_int_equal(procfs__parse_smaps_rollup(NULL, &pss), -EINVAL);
	assert_int_equal(procfs__parse_smaps_rollup(text, NULL), -EINVAL);
}

/* --- readers on a fake tree -------------------------------------------- */

static void put_pid(const char *root, unsigned int pid, const char *comm, unsigned int ppid)
{
	char rel[64], text[512];

	snprintf(rel, sizeof(rel), "%u/stat", pid);
	snprintf(text, sizeof(text),
		 "%u (%s) S %u %u %u 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 12345 1000000 200 "
		 "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
		 pid, comm, ppid, pid, pid);
	put(root, rel, text);
}

static void expect_pids(const __u32 *got, int n, const __u32 *want, int nwant)
{
	assert_int_equal(n, nwant);
	for (int i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("descendant %d: %u, expected %u", i, got[i], want[i]);
}

static void test_read(void **state)
{
	char *root = make_tree(), *text, *big;
	size_t i;

	(void)state;
	put(root, "loadavg", "1.08 2.80 3.34 2/87 16331\n");
	put(root, "empty", "");
	put(root, "net/dev", "x");
	put(root, "dir", NULL);
	big = malloc(200001);
	assert_non_null(big);
	for (i = 0; i < 200000; i++)
		big[i] = (char)('a' + i % 26);
	big[200000] = '\0';
	put(root, "big", big);

	assert_int_equal(procfs__read(root, "loadavg", &text), 0);
	assert_string_equal(text, "1.08 2.80 3.34 2/87 16331\n");
	free(text);
	assert_int_equal(procfs__read(root, "net/dev", &text), 0);
	assert_string_equal(text, "x");
	free(text);
	assert_int_equal(procfs__read(root, "empty", &text), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(procfs__read(root, "big", &text), 0);
	assert_int_equal(strlen(text), 200000);
	assert_memory_equal(text, big, 200001);
	free(text);
	free(big);

	text = (char *)"stale";
	assert_int_equal(procfs__read(root, "missing", &text), -ENOENT);
	assert_null(text);
	assert_int_equal(procfs__read(root, "dir", &text), -EISDIR);
	assert_int_equal(procfs__read("/nonexistent-proc", "stat", &text), -ENOENT);
	assert_int_equal(procfs__read(root, NULL, &text), -EINVAL);
	assert_int_equal(procfs__read(root, "loadavg", NULL), -EINVAL);
	remove_tree(root);
}

static void test_count_fds(void **state)
{
	char *root = make_tree();

	(void)state;
	put(root, "10/fd/0", "");
	put(root, "10/fd/1", "");
	put(root, "10/fd/2", "");
	put(root, "10/fd/3", "");
	put(root, "10/fd/255", "");
	put(root, "11/fd", NULL);
	put(root, "12/stat", "");
	assert_int_equal(procfs__count_fds(root, 10), 5);
	assert_int_equal(procfs__count_fds(root, 11), 0);
	assert_int_equal(procfs__count_fds(root, 12), -ENOENT);
	assert_int_equal(procfs__count_fds(root, 13), -ENOENT);
	if (geteuid() != 0) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/10/fd", root);
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(procfs__count_fds(root, 10), -EACCES);
		assert_int_equal(chmod(path, 0755), 0);
	}
	remove_tree(root);
}

static void test_descendants(void **state)
{
	char *root = make_tree();
	__u32 *d;
	int n;

	(void)state;
	/*
	 *   1 ── 10 ─┬─ 11 ── 13
	 *      │     └─ 12 ── 30 "a) b (c"
	 *      └─ 20
	 *   2 (ppid 0) ── 3
	 *   40 (parent 99 gone); 70 <-> 71 a ppid cycle
	 */
	put_pid(root, 1, "init", 0);
	put_pid(root, 2, "kthreadd", 0);
	put_pid(root, 3, "kworker/0:0-events", 2);
	put_pid(root, 10, "sh", 1);
	put_pid(root, 12, "make", 10);
	put_pid(root, 11, "bash", 10);
	put_pid(root, 13, "sleep", 11);
	put_pid(root, 20, "sshd", 1);
	put_pid(root, 30, "a) b (c", 12);
	put_pid(root, 40, "orphan", 99);
	put_pid(root, 70, "cyc", 71);
	put_pid(root, 71, "cyc", 70);
	/* not processes, or unreadable: ignored */
	put(root, "50", NULL);			   /* exited: no stat */
	put(root, "60/stat", "60 (broken\n");	   /* garbage */
	put(root, "61/stat", "");		   /* empty */
	put(root, "self/stat", "99 (x) S 10 0\n"); /* not numeric */
	put(root, "0/stat", "0 (x) S 10 0\n");	   /* pid 0 */
	put(root, "4294967296/stat", "5 (x) S 10 0\n");
	put(root, "stat", "cpu 1 1 1 1\n");
	/* A minimal stat with only "pid (comm) state ppid" is enough. */
	put(root, "80/stat", "80 (short) S 13");

	n = procfs__descendants(root, 10, &d);
	expect_pids(d, n, (const __u32[]){ 11, 12, 13, 30, 80 }, 5);
	free(d);
	n = procfs__descendants(root, 1, &d);
	expect_pids(d, n, (const __u32[]){ 10, 20, 11, 12, 13, 30, 80 }, 7);
	free(d);
	n = procfs__descendants(root, 0, &d);
	expect_pids(d, n, (const __u32[]){ 1, 2, 10, 20, 3, 11, 12, 13, 30, 80 }, 10);
	free(d);
	n = procfs__descendants(root, 11, &d);
	expect_pids(d, n, (const __u32[]){ 13, 80 }, 2);
	free(d);
	n = procfs__descendants(root, 70, &d);
	expect_pids(d, n, (const __u32[]){ 71 }, 1);
	free(d);
	n = procfs__descendants(root, 99, &d);
	expect_pids(d, n, (const __u32[]){ 40 }, 1);
	free(d);

	d = (__u32 *)1;
	assert_int_equal(procfs__descendants(root, 30, &d), 0);
	assert_null(d);
	assert_int_equal(procfs__descendants(root, 12345, &d), 0);
	assert_null(d);
	assert_int_equal(procfs__descendants("/nonexistent-proc", 1, &d), -ENOENT);
	assert_null(d);
	assert_int_equal(procfs__descendants(root, 1, NULL), -EINVAL);
	remove_tree(root);

	/* An empty tree. */
	root = make_tree();
	assert_int_equal(procfs__descendants(root, 1, &d), 0);
	assert_null(d);
	remove_tree(root);
}

/* --- live /proc -------------------------------------------------------- */

static void test_live_self(void **state)
{
	char *text, comm[17] = { 0 };
	struct pid_status st;
	struct pid_stat s;
	struct pid_io io;
	__u64 pss;
	int err;

	(void)state;
	assert_int_equal(procfs__read(NULL, "self/stat", &text), 0);
	assert_int_equal(procfs__parse_pid_stat(text, sysconf(_SC_PAGESIZE), &s), 0);
	free(text);
	assert_int_equal(prctl(PR_GET_NAME, comm), 0);
	assert_int_equal(s.pid, getpid());
	assert_int_equal(s.ppid, getppid());
	assert_string_equal(s.comm, comm);
	assert_string_equal(s.comm, "test_procfs");
	assert_int_equal(s.state, 'R');
	assert_int_equal(s.num_threads, 1);
	assert_true(s.vsize > 0 && s.rss > 0 && s.rss % sysconf(_SC_PAGESIZE) == 0);
	assert_true(s.minflt > 0);

	assert_int_equal(procfs__read(NULL, "self/status", &text), 0);
	assert_int_equal(procfs__parse_pid_status(text, &st), 0);
	free(text);
	assert_int_equal(st.threads, 1);
	assert_true(st.vm_rss > 0 && st.vm_size >= st.vm_rss);
	assert_true(st.vm_size == s.vsize); /* both total_vm */

	err = procfs__read(NULL, "self/io", &text);
	if (!err) { /* CONFIG_TASK_IO_ACCOUNTING */
		assert_int_equal(procfs__parse_pid_io(text, &io), 0);
		free(text);
		assert_true(io.rchar > 0 && io.syscr > 0);
	}
	err = procfs__read(NULL, "self/smaps_rollup", &text);
	if (!err) { /* 4.14+ */
		assert_int_equal(procfs__parse_smaps_rollup(text, &pss), 0);
		free(text);
		assert_true(pss > 0);
	}
}

static void test_live_system(void **state)
{
	long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
	struct disk_stat *ds;
	struct net_stat *ns;
	struct sysinfo si;
	struct sys_stat s;
	struct meminfo m;
	struct loadavg l;
	char *text;
	int n;

	(void)state;
	assert_int_equal(procfs__read(NULL, "stat", &text), 0);
	assert_int_equal(procfs__parse_stat(text, &s), 0);
	free(text);
	/* Lines are for online CPUs, numbered below the configured count. */
	assert_true(s.nr_cpu >= onln);
	if (onln == conf)
		assert_int_equal(s.nr_cpu, conf);
	assert_true(s.total.idle > 0 && s.ctxt > 0 && s.processes > 0 && s.btime > 0);
	assert_true(s.procs_running >= 1);
	assert_true(s.cpu[0].user + s.cpu[0].system + s.cpu[0].idle > 0);
	procfs__sys_stat_free(&s);

	assert_int_equal(procfs__read(NULL, "meminfo", &text), 0);
	assert_int_equal(procfs__parse_meminfo(text, &m), 0);
	free(text);
	assert_int_equal(sysinfo(&si), 0);
	assert_true(m.total == (__u64)si.totalram * si.mem_unit);
	assert_true(m.free > 0 && m.free <= m.total && m.available <= m.total);
	assert_true(meminfo__used(&m) > 0 && meminfo__used(&m) < m.total);

	assert_int_equal(procfs__read(NULL, "loadavg", &text), 0);
	assert_int_equal(procfs__parse_loadavg(text, &l), 0);
	free(text);
	assert_true(l.running >= 1 && l.total >= l.running);
	assert_true(l.one >= 0 && l.five >= 0 && l.fifteen >= 0);

	assert_int_equal(procfs__read(NULL, "diskstats", &text), 0);
	assert_int_equal(procfs__parse_diskstats(text, &ds, &n), 0);
	/* Every line of the file parses. */
	{
		int lines = 0;

		for (char *p = text; *p; p++)
			lines += *p == '\n';
		assert_int_equal(n, lines);
	}
	free(text);
	free(ds);

	assert_int_equal(procfs__read(NULL, "net/dev", &text), 0);
	assert_int_equal(procfs__parse_net_dev(text, &ns, &n), 0);
	free(text);
	assert_non_null(find_if(ns, n, "lo"));
	free(ns);

	assert_int_equal(procfs__ticks_per_sec(), sysconf(_SC_CLK_TCK));
	near(procfs__ticks_to_sec((__u64)procfs__ticks_per_sec() * 3), 3.0, 1e-12);
}

static void test_live_fds(void **state)
{
	int before, fds[3];

	(void)state;
	before = procfs__count_fds(NULL, (__u32)getpid());
	assert_true(before >= 3);
	for (int i = 0; i < 3; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(procfs__count_fds(NULL, (__u32)getpid()), before + 3);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	assert_int_equal(procfs__count_fds(NULL, (__u32)getpid()), before);
	/* pid_max is at most 2^22: no such process. */
	assert_int_equal(procfs__count_fds(NULL, 4294967295u), -ENOENT);
}

static void test_live_descendants(void **state)
{
	int report[2], hold[2], status;
	pid_t child, grandchild = 0;
	__u32 *d;
	int n, found = 0;

	(void)state;
	/* child forks grandchild, reports its pid, both stay until hold is
	 * closed: grandchild reads hold to EOF, child waits for it. */
	assert_int_equal(pipe2(report, O_CLOEXEC), 0);
	assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t gc;
		char c;

		close(report[0]);
		close(hold[1]);
		gc = fork();
		if (gc == 0) {
			while (read(hold[0], &c, 1) > 0)
				;
			_exit(0);
		}
		close(hold[0]);
		if (gc < 0 || write(report[1], &gc, sizeof(gc)) != sizeof(gc))
			_exit(1);
		_exit(waitpid(gc, NULL, 0) == gc ? 0 : 1);
	}
	close(report[1]);
	close(hold[0]);
	assert_int_equal(read(report[0], &grandchild, sizeof(grandchild)), sizeof(grandchild));
	close(report[0]);

	n = procfs__descendants(NULL, (__u32)getpid(), &d);
	assert_true(n >= 2);
	for (int i = 0; i < n; i++) {
		if (d[i] == (__u32)child)
			found |= 1;
		else if (d[i] == (__u32)grandchild)
			found |= 2;
	}
	free(d);
	n = procfs__descendants(NULL, (__u32)child, &d);
	expect_pids(d, n, (const __u32[]){ (__u32)grandchild }, 1);
	free(d);

	close(hold[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(found, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_real),
		cmocka_unit_test(test_stat_gaps),
		cmocka_unit_test(test_stat_edge),
		cmocka_unit_test(test_meminfo_real),
		cmocka_unit_test(test_meminfo_edge),
		cmocka_unit_test(test_loadavg),
		cmocka_unit_test(test_diskstats),
		cmocka_unit_test(test_diskstats_many),
		cmocka_unit_test(test_is_disk),
		cmocka_unit_test(test_net_dev),
		cmocka_unit_test(test_pid_stat_real),
		cmocka_unit_test(test_pid_stat_comm),
		cmocka_unit_test(test_pid_stat_edge),
		cmocka_unit_test(test_pid_status),
		cmocka_unit_test(test_pid_io),
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_smaps_rollup),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_count_fds),
		cmocka_unit_test(test_descendants),
		cmocka_unit_test(test_live_self),
		cmocka_unit_test(test_live_system),
		cmocka_unit_test(test_live_fds),
		cmocka_unit_test(test_live_descendants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
