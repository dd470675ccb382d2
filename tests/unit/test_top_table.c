// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ember top's process table on a fake /proc and made-up BPF totals: rates
 * over the interval, processes that exited between refreshes, sorting. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "sys/procfs.h"
#include "top/top_table.h"
#include "top_fixture.h"

#define MS 1000000ULL

static struct top_counter ctr(__u32 tgid, const char *comm, __u64 on_ns, __u64 off_ns)
{
	struct top_counter c = { .tgid = tgid, .oncpu_ns = on_ns, .offcpu_ns = off_ns };

	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	return c;
}

static const struct top_row *row_of(struct top_table *t, __u32 pid)
{
	long i = top_table__find(t, pid);

	assert_true(i >= 0);
	return top_table__row(t, i);
}

static int setup(void **state)
{
	(void)state;
	fake_proc_make();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_proc_cleanup();
	return 0;
}

static void test_rates_from_totals(void **state)
{
	struct top_table *t = top_table__new(fake_proc);
	struct top_counter c[3];
	long ticks = procfs__ticks_per_sec();
	const struct top_row *r;

	(void)state;
	fake_proc_pid(10, "busy", 'R', 3 * ticks, ticks, 4, 1 << 20, 256);
	fake_proc_pid(20, "sleepy thing", 'S', 0, 0, 1, 4096, 1);
	fake_proc_pid(30, "idle", 'S', 0, 0, 1, 4096, 1);
	c[0] = ctr(10, "busy", 10000 * MS, 0);
	c[1] = ctr(20, "sleepy thing", 50 * MS, 7000000000ULL);
	assert_int_equal(top_table__update(t, 100.0, c, 2), 0);
	assert_true(top_table__interval(t) == 0);
	assert_int_equal(top_table__nr(t), 3);
	/* baseline: no rates yet */
	assert_true(row_of(t, 10)->cpu_pct == 0);

	/* 2 s later: 1.5 s of thread time on CPU = 75%; 1.5 s blocked = 75%
	 * of a thread */
	c[0] = ctr(10, "busy", 11500 * MS, 0);
	c[1] = ctr(20, "sleepy thing", 50 * MS, 8500000000ULL);
	assert_int_equal(top_table__update(t, 102.0, c, 2), 0);
	assert_true(fabs(top_table__interval(t) - 2.0) < 1e-9);
	r = row_of(t, 10);
	assert_true(fabs(r->cpu_pct - 75.0) < 1e-9);
	assert_true(r->offcpu_pct == 0);
	assert_string_equal(r->comm, "busy");
	assert_int_equal(r->state, 'R');
	assert_int_equal(r->threads, 4);
	assert_int_equal(r->rss, 256 * sysconf(_SC_PAGESIZE));
	assert_int_equal(r->vsize, 1 << 20);
	assert_true(fabs(r->cpu_time_s - 4.0) < 1e-9);
	r = row_of(t, 20);
	assert_string_equal(r->comm, "sleepy thing");
	assert_true(r->cpu_pct == 0);
	assert_true(fabs(r->offcpu_pct - 75.0) < 1e-9);
	assert_true(row_of(t, 30)->cpu_pct == 0);
	top_table__free(t);
}

/* A process the probe saw that /proc no longer has: shown once as
 * exited (its CPU counted), then gone; its BPF entry may go. */
static void test_short_lived(void **state)
{
	struct top_table *t = top_table__new(fake_proc);
	struct top_counter c[2];
	const __u32 *gone;
	const struct top_row *r;

	(void)state;
	fake_proc_pid(10, "shell", 'S', 0, 0, 1, 4096, 1);
	c[0] = ctr(10, "shell", 0, 0);
	assert_int_equal(top_table__update(t, 1.0, c, 1), 0);
	assert_int_equal(top_table__gone(t, &gone), 0);

	/* pid 11 lived between the refreshes, 0.4 s on CPU */
	c[1] = ctr(11, "short", 400 * MS, 0);
	assert_int_equal(top_table__update(t, 2.0, c, 2), 0);
	r = row_of(t, 11);
	assert_int_equal(r->state, 'X');
	assert_string_equal(r->comm, "short");
	assert_true(fabs(r->cpu_pct - 40.0) < 1e-9);
	assert_int_equal(r->rss, 0);
	assert_int_equal(top_table__gone(t, &gone), 1);
	assert_int_equal(gone[0], 11);

	/* forgotten by the probe: next time it is not there */
	assert_int_equal(top_table__update(t, 3.0, c, 1), 0);
	assert_int_equal(top_table__find(t, 11), -1);
	assert_int_equal(top_table__gone(t, &gone), 0);

	/* a process that leaves /proc without ever running: just gone */
	fake_proc_remove_pid(10);
	assert_int_equal(top_table__update(t, 4.0, NULL, 0), 0);
	assert_int_equal(top_table__nr(t), 0);
	top_table__free(t);
}

static void test_sort_and_totals(void **state)
{
	struct top_table *t = top_table__new(fake_proc);
	struct top_counter c[3];
	struct top_totals tt;

	(void)state;
	fake_proc_pid(5, "b", 'R', 10, 0, 2, 4096, 300);
	fake_proc_pid(6, "a", 'S', 500, 0, 8, 4096, 100);
	fake_proc_pid(7, "c", 'R', 20, 0, 1, 4096, 200);
	c[0] = ctr(5, "b", 0, 0);
	c[1] = ctr(6, "a", 0, 0);
	c[2] = ctr(7, "c", 0, 0);
	top_table__update(t, 0, c, 3);
	c[0].oncpu_ns = 100 * MS;
	c[1].oncpu_ns = 300 * MS;
	c[1].offcpu_ns = 1;
	c[2].oncpu_ns = 100 * MS;
	c[2].offcpu_ns = 5;
	top_table__update(t, 1, c, 3);
	top_table__sort(t, TOP_SORT_CPU);
	assert_int_equal(top_table__row(t, 0)->pid, 6);
	assert_int_equal(top_table__row(t, 1)->pid, 5); /* tie: by pid */
	assert_int_equal(top_table__row(t, 2)->pid, 7);
	top_table__sort(t, TOP_SORT_OFFCPU);
	assert_int_equal(top_table__row(t, 0)->pid, 7);
	top_table__sort(t, TOP_SORT_RSS);
	assert_int_equal(top_table__row(t, 0)->pid, 5);
	top_table__sort(t, TOP_SORT_THREADS);
	assert_int_equal(top_table__row(t, 0)->pid, 6);
	top_table__sort(t, TOP_SORT_TIME);
	assert_int_equal(top_table__row(t, 0)->pid, 6);
	top_table__sort(t, TOP_SORT_COMM);
	assert_string_equal(top_table__row(t, 0)->comm, "a");
	top_table__sort(t, TOP_SORT_PID);
	assert_int_equal(top_table__row(t, 0)->pid, 5);
	top_table__totals(t, &tt);
	assert_int_equal(tt.procs, 3);
	assert_int_equal(tt.running, 2);
	assert_int_equal(tt.threads, 11);
	assert_int_equal(tt.exited, 0);

	assert_int_equal(top_sort__parse("cpu"), TOP_SORT_CPU);
	assert_int_equal(top_sort__parse("OFF%"), TOP_SORT_OFFCPU);
	assert_int_equal(top_sort__parse("command"), TOP_SORT_COMM);
	assert_int_equal(top_sort__parse("cpux"), -1);
	assert_int_equal(top_sort__parse(""), -1);
	top_table__free(t);
}

/* Garbage in /proc/PID/stat is skipped, not fatal. */
static void test_bad_stat_skipped(void **state)
{
	struct top_table *t = top_table__new(fake_proc);
	char path[128];
	FILE *f;

	(void)state;
	fake_proc_pid(40, "ok", 'S', 0, 0, 1, 4096, 1);
	snprintf(path, sizeof(path), "%s/41", fake_proc);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/41/stat", fake_proc);
	f = fopen(path, "w");
	fputs("41 (trunc", f);
	fclose(f);
	assert_int_equal(top_table__update(t, 0, NULL, 0), 0);
	assert_int_equal(top_table__nr(t), 1);
	assert_int_equal(top_table__row(t, 0)->pid, 40);
	top_table__free(t);
}

static void test_missing_proc(void **state)
{
	struct top_table *t = top_table__new("/nonexistent-proc");

	(void)state;
	assert_int_equal(top_table__update(t, 0, NULL, 0), -ENOENT);
	top_table__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rates_from_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_lived, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_and_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_stat_skipped, setup, teardown),
		cmocka_unit_test(test_missing_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
