// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ember top's header figures on a fake /proc (rates exact), and its screen
 * layout: every line as wide as the screen, as many as it is high, the
 * selection kept visible, batch listing every process. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "top/top_sys.h"
#include "top/top_table.h"
#include "top/top_view.h"
#include "top_fixture.h"

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fake_proc, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* /proc/stat, meminfo... at a given point: cpu ticks, disk sectors and
 * network bytes so far. */
static void machine(unsigned long user0, unsigned long idle0, unsigned long user1,
		    unsigned long idle1, unsigned long sectors_read, unsigned long rx_bytes,
		    unsigned long ctxt)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "cpu  %lu 0 0 %lu 0 0 0 0 0 0\ncpu0 %lu 0 0 %lu 0 0 0 0 0 0\n"
		 "cpu1 %lu 0 0 %lu 0 0 0 0 0 0\nctxt %lu\nbtime 1\nprocesses 5\n"
		 "procs_running 1\nprocs_blocked 0\n",
		 user0 + user1, idle0 + idle1, user0, idle0, user1, idle1, ctxt);
	write_file("stat", text);
	write_file("meminfo", "MemTotal: 1048576 kB\nMemFree: 524288 kB\nMemAvailable: 786432 kB\n"
			      "Buffers: 0 kB\nCached: 131072 kB\nSReclaimable: 0 kB\n"
			      "SwapTotal: 0 kB\nSwapFree: 0 kB\n");
	write_file("loadavg", "0.50 0.25 0.10 2/100 1234\n");
	write_file("uptime", "3725.50 100.00\n");
	snprintf(text, sizeof(text),
		 "   8       0 nosuchdisk %lu 0 %lu 0 0 0 0 0 0 500 0 0 0 0 0 0 0\n", 10UL,
		 sectors_read);
	write_file("diskstats", text);
	snprintf(text, sizeof(text),
		 "Inter-|   Receive                            |  Transmit\n"
		 " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		 "packets errs drop fifo colls carrier compressed\n"
		 "    lo: 999999 10 0 0 0 0 0 0 999999 10 0 0 0 0 0 0\n"
		 "  eth0: %lu 20 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		 rx_bytes);
	write_file("net/dev", text);
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

static void test_sys_rates(void **state)
{
	struct top_sys *s = top_sys__new(fake_proc, fake_proc);
	const struct top_sys_view *v;

	(void)state;
	machine(100, 100, 100, 100, 0, 1000, 5000);
	assert_int_equal(top_sys__update(s, 10.0), 0);
	assert_false(top_sys__view(s)->rates);
	/* 2 s later: cpu0 busy 100 of 100 ticks, cpu1 25 of 100; 4096
	 * sectors read (2 MiB), 4000 bytes received on eth0 (lo ignored) */
	machine(200, 100, 125, 175, 4096, 5000, 9000);
	assert_int_equal(top_sys__update(s, 12.0), 0);
	v = top_sys__view(s);
	assert_true(v->rates);
	assert_true(fabs(v->busy_pct - 62.5) < 1e-9);
	assert_true(fabs(v->user_pct - 62.5) < 1e-9);
	assert_true(fabs(v->idle_pct - 37.5) < 1e-9);
	assert_int_equal(v->nr_cpu, 2);
	assert_true(fabs(v->cpu_busy_pct[0] - 100) < 1e-9);
	assert_true(fabs(v->cpu_busy_pct[1] - 25) < 1e-9);
	assert_true(fabs(v->net_rx_bps - 2000) < 1e-9);
	assert_true(fabs(v->ctxt_per_s - 2000) < 1e-9);
	assert_int_equal(v->mem.total, 1024ULL << 20);
	assert_int_equal(v->mem_used, (1024ULL - 512 - 128) << 20);
	assert_true(fabs(v->load.one - 0.5) < 1e-9);
	assert_true(fabs(v->uptime_s - 3725.5) < 1e-9);
	/* nosuchdisk is not in the fake /sys/block: not a disk */
	assert_true(v->disk_read_bps == 0);
	top_sys__free(s);
}

struct screen {
	char lines[64][600];
	enum top_attr attr[64];
	int n, width;
	int bad_width;
};

static void grab(void *ctx, int y, const char *text, enum top_attr attr)
{
	struct screen *s = ctx;

	if ((int)strlen(text) != s->width)
		s->bad_width++;
	if (y < 64) {
		snprintf(s->lines[y], sizeof(s->lines[y]), "%s", text);
		s->attr[y] = attr;
	}
	s->n++;
}

static struct top_table *table_of(int n)
{
	struct top_table *t = top_table__new(fake_proc);
	struct top_counter c[40];

	for (int i = 0; i < n; i++) {
		char comm[16];

		snprintf(comm, sizeof(comm), "proc%d", i);
		fake_proc_pid(100 + i, comm, 'S', 0, 0, 1, 4096, 10);
		c[i].tgid = 100 + i;
		c[i].oncpu_ns = 0;
		c[i].offcpu_ns = 0;
		snprintf(c[i].comm, sizeof(c[i].comm), "%s", comm);
	}
	top_table__update(t, 0, c, n);
	for (int i = 0; i < n; i++)
		c[i].oncpu_ns = i * 10000000ULL; /* i%; proc(n-1) busiest */
	top_table__update(t, 1, c, n);
	top_table__sort(t, TOP_SORT_CPU);
	return t;
}

static void test_layout_80x24(void **state)
{
	struct top_sys *s = top_sys__new(fake_proc, fake_proc);
	struct top_table *t;
	struct top_view_in in = {};
	struct screen *sc = calloc(1, sizeof(*sc));
	long scroll = 0;
	int shown, table_top = -1;

	(void)state;
	machine(100, 100, 100, 100, 0, 0, 0);
	top_sys__update(s, 0);
	machine(200, 100, 125, 175, 0, 0, 0);
	top_sys__update(s, 1);
	t = table_of(30);
	in.sys = top_sys__view(s);
	in.table = t;
	in.event = "cpu-clock at 99 Hz";
	in.interval = 1;
	in.selected = 0;
	sc->width = 80;
	shown = top_view__render(&in, 80, 24, &scroll, grab, sc);
	assert_int_equal(sc->n, 24);
	assert_int_equal(sc->bad_width, 0);
	for (int y = 0; y < 24; y++)
		if (strstr(sc->lines[y], "PID COMMAND"))
			table_top = y;
	assert_true(table_top > 0);
	assert_int_equal(sc->attr[table_top], TOP_ATTR_HEADER);
	/* the busiest first, selected */
	assert_non_null(strstr(sc->lines[table_top + 1], "proc29"));
	assert_int_equal(sc->attr[table_top + 1], TOP_ATTR_SELECTED);
	assert_true(shown > 5 && shown < 24);
	assert_non_null(strstr(sc->lines[0], "up 1:02:05"));

	/* selecting the last row scrolls it into view */
	memset(sc, 0, sizeof(*sc));
	sc->width = 80;
	in.selected = 29;
	top_view__render(&in, 80, 24, &scroll, grab, sc);
	assert_int_equal(scroll, 30 - shown);
	assert_non_null(strstr(sc->lines[table_top + shown], "proc0"));
	assert_int_equal(sc->attr[table_top + shown], TOP_ATTR_SELECTED);

	/* tiny and huge screens: no overflow, still exact */
	for (int w = 1; w < 600; w += 37) {
		memset(sc, 0, sizeof(*sc));
		sc->width = w < 20 ? 20 : w > 512 ? 512 : w;
		top_view__render(&in, w, 5, &scroll, grab, sc);
		assert_int_equal(sc->bad_width, 0);
	}

	/* help replaces the table */
	memset(sc, 0, sizeof(*sc));
	sc->width = 80;
	in.help = true;
	top_view__render(&in, 80, 24, &scroll, grab, sc);
	assert_int_equal(sc->n, 24);
	{
		bool found = false;

		for (int y = 0; y < 24; y++)
			found |= strstr(sc->lines[y], "q, Ctrl-C") != NULL;
		assert_true(found);
	}
	free(sc);
	top_table__free(t);
	top_sys__free(s);
}

static void test_batch_lists_all(void **state)
{
	struct top_sys *s = top_sys__new(fake_proc, fake_proc);
	struct top_table *t;
	struct top_view_in in = {};
	struct screen *sc = calloc(1, sizeof(*sc));
	long scroll = 0;

	(void)state;
	machine(100, 100, 100, 100, 0, 0, 0);
	top_sys__update(s, 0);
	t = table_of(35);
	in.sys = top_sys__view(s);
	in.table = t;
	in.event = "x";
	in.batch = true;
	in.selected = -1;
	sc->width = 160;
	assert_int_equal(top_view__render(&in, 160, 0, &scroll, grab, sc), 35);
	assert_int_equal(sc->bad_width, 0);
	free(sc);
	top_table__free(t);
	top_sys__free(s);
}

/* The probe's losses: on the status line (after any message), and in
 * batch on a line of their own before the table, only when given. */
static void test_losses_line(void **state)
{
	static const char losses[] = "Samples and blocked time since start: 7 lost (3 process-map "
				     "full, 4 blocked-threads-map full, 0 program runs skipped "
				     "by the kernel)";
	struct top_sys *s = top_sys__new(fake_proc, fake_proc);
	struct top_table *t;
	struct top_view_in in = {};
	struct screen *sc = calloc(1, sizeof(*sc));
	long scroll = 0;
	int head = -1, status = -1;

	(void)state;
	machine(100, 100, 100, 100, 0, 0, 0);
	top_sys__update(s, 0);
	t = table_of(3);
	in.sys = top_sys__view(s);
	in.table = t;
	in.event = "x";
	in.interval = 1;
	in.losses = losses;
	sc->width = 160;
	top_view__render(&in, 160, 24, &scroll, grab, sc);
	for (int y = 0; y < 24; y++)
		if (strstr(sc->lines[y], "PID COMMAND"))
			head = y;
	assert_true(head > 0);
	/* the status line, right above the table */
	assert_int_equal(strncmp(sc->lines[head - 1], losses, strlen(losses)), 0);

	memset(sc, 0, sizeof(*sc));
	sc->width = 160;
	in.message = "ember: error: a message";
	top_view__render(&in, 160, 24, &scroll, grab, sc);
	assert_non_null(strstr(sc->lines[head - 1], "ember: error: a message  Samples and"));

	/* batch: a line of its own in the header, before the blank line */
	in.message = NULL;
	in.batch = true;
	in.selected = -1;
	for (int pass = 0; pass < 2; pass++) {
		int n;

		memset(sc, 0, sizeof(*sc));
		sc->width = 160;
		n = top_view__render(&in, 160, 0, &scroll, grab, sc);
		assert_int_equal(n, 3);
		head = status = -1;
		for (int y = 0; y < sc->n && y < 64; y++) {
			if (strstr(sc->lines[y], "PID COMMAND"))
				head = y;
			if (strstr(sc->lines[y], "lost ("))
				status = y;
		}
		assert_true(head > 0);
		if (pass == 0) {
			assert_int_equal(status, head - 2);
			assert_non_null(strstr(sc->lines[head - 3], "Tasks "));
		} else {
			assert_int_equal(status, -1);
			assert_non_null(strstr(sc->lines[head - 2], "Tasks "));
		}
		in.losses = NULL;
	}
	free(sc);
	top_table__free(t);
	top_sys__free(s);
}

static void test_bytes(void **state)
{
	char b[16];

	(void)state;
	top_view__bytes(b, sizeof(b), 0);
	assert_string_equal(b, "0B");
	top_view__bytes(b, sizeof(b), 1023);
	assert_string_equal(b, "1023B");
	top_view__bytes(b, sizeof(b), 1536);
	assert_string_equal(b, "1.5K");
	top_view__bytes(b, sizeof(b), 200.0 * 1024 * 1024);
	assert_string_equal(b, "200M");
	top_view__bytes(b, sizeof(b), 3.0 * (1ULL << 40));
	assert_string_equal(b, "3.0T");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sys_rates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_80x24, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_lists_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_losses_line, setup, teardown),
		cmocka_unit_test(test_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
