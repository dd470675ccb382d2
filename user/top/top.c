// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember top: a live view of the machine. Each refresh reads the machine's
 * figures from /proc, the per-process CPU and blocked time from BPF, and
 * the hot-functions panel's collector; the terminal view redraws from
 * those, and keys only change what is shown until the next refresh.
 * Batch mode (-b) prints the same screens as plain text.
 */
#include <curses.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "sys/env_check.h"
#include "lib/log.h"
#include "collect/loss_table.h"
#include "lib/number.h"
#include "lib/options.h"
#include "collect/targets.h"
#include "sys/procfs.h"
#include "top/top.h"
#include "top/top_panel.h"
#include "top/top_probe.h"
#include "top/top_sys.h"
#include "top/top_table.h"
#include "top/top_view.h"

#define EXIT_USAGE 2
#define BATCH_WIDTH 160
#define PANEL_WINDOW_S 5.0

struct top_opts {
	double interval;
	long iterations; /* 0: until quit */
	bool batch;
	unsigned int freq; /* the CPU panel's samplers */
	__u32 pid;
	enum top_panel_kind panel;
	bool no_panel;
	enum top_sort sort;
	int panel_rows;
	unsigned int stack_storage; /* 0: record's default */
};

struct top {
	struct top_opts o;
	struct top_probe *probe;
	struct top_table *table;
	struct top_sys *sys;
	struct top_panel *panel;
	long selected, scroll;
	__u32 selected_pid, focus;
	bool help;
	char message[256];
	char losses[256]; /* the probe's, "" while none */
	/* the last message logged while the screen is ours, shown on the
	 * status line at the next refresh or panel change */
	pthread_mutex_t logged_lock;
	char logged[256];
	unsigned long refreshes;
};

static volatile sig_atomic_t quit_signal;

static void on_signal(int sig)
{
	quit_signal = sig;
}

enum {
	OPT_PANEL = OPTION_LONG_ONLY,
	OPT_NO_PANEL,
	OPT_PANEL_ROWS,
	OPT_STACK_STORAGE,
};

static const struct option_spec top_specs[] = {
	{ 'i', "interval", "SECONDS", "refresh every SECONDS (default 1; 0.1 to 3600)" },
	{ 'b', "batch", NULL, "plain-text snapshots on stdout, like top -b" },
	{ 'n', "iterations", "N", "stop after N refreshes (batch: N snapshots)" },
	{ 'p', "pid", "PID", "the panel follows this process from the start" },
	{ OPT_PANEL, "panel", "KIND", "cpu (default), offcpu or alloc (needs -p)" },
	{ OPT_NO_PANEL, "no-panel", NULL, "no hot-functions panel (no stacks collected)" },
	{ OPT_PANEL_ROWS, "panel-rows", "N", "batch: functions listed (default 10)" },
	{ OPT_STACK_STORAGE, "stack-storage", "N",
	  "distinct stacks the panel's kernel map holds before a\n"
	  "fresh one replaces it (default as ember record's)" },
	{ 's', "sort", "COLUMN", "CPU% (default), OFF%, RSS, THR, TIME, PID, COMMAND" },
	{ 'F', "freq", "HZ", "the CPU panel's samples per second per CPU (default 99)" },
	{ 'v', NULL, NULL, "libbpf's messages" },
	{ 'h', "help", NULL, NULL },
	{},
};

static int top_handle(const struct options *cmd, int key, const char *arg, void *ctx)
{
	struct top_opts *o = ctx;
	unsigned long v;
	int sort;

	switch (key) {
	case 'i':
		if (number__double(arg, 0.1, 3600, &o->interval))
			return options__error(
			    cmd, "bad interval (give SECONDS from 0.1 to 3600) '%s'", arg);
		break;
	case 'b':
		o->batch = true;
		break;
	case 'n':
		if (number__ulong(arg, 1, LONG_MAX, &v))
			return options__error(
			    cmd, "bad -n (give a number of refreshes, 1 or more) '%s'", arg);
		o->iterations = (long)v;
		break;
	case 'p':
		if (number__ulong(arg, 1, 0x7fffffff, &v))
			return options__error(cmd, "bad PID '%s'", arg);
		o->pid = (__u32)v;
		break;
	case OPT_PANEL:
		if (strcmp(arg, "cpu") == 0)
			o->panel = TOP_PANEL_CPU;
		else if (strcmp(arg, "offcpu") == 0)
			o->panel = TOP_PANEL_OFFCPU;
		else if (strcmp(arg, "alloc") == 0)
			o->panel = TOP_PANEL_ALLOC;
		else
			return options__error(cmd, "bad --panel (give cpu, offcpu or alloc) '%s'",
					      arg);
		break;
	case OPT_NO_PANEL:
		o->no_panel = true;
		break;
	case OPT_PANEL_ROWS:
		if (number__ulong(arg, 1, 1000, &v))
			return options__error(cmd, "bad --panel-rows (give 1 to 1000) '%s'", arg);
		o->panel_rows = (int)v;
		break;
	case OPT_STACK_STORAGE:
		if (number__ulong(arg, 64, 1ul << 24, &v))
			return options__error(cmd, "bad --stack-storage (give 64 to 16777216) '%s'",
					      arg);
		o->stack_storage = (unsigned int)v;
		break;
	case 's':
		sort = top_sort__parse(arg);
		if (sort < 0)
			return options__error(
			    cmd,
			    "bad sort column (give CPU%%, OFF%%, RSS, THR, TIME, PID "
			    "or COMMAND) '%s'",
			    arg);
		o->sort = (enum top_sort)sort;
		break;
	case 'F':
		if (number__ulong(arg, 1, env_check__max_sample_rate(), &v))
			return options__error(cmd,
					      "bad frequency (give -F HZ, at most "
					      "kernel.perf_event_max_sample_rate) '%s'",
					      arg);
		o->freq = (unsigned int)v;
		break;
	case 'v':
		log__set_verbosity(log__verbosity() + 1);
		break;
	case 'h':
		return OPTIONS_HELP;
	}
	return 0;
}

static const struct options top_options = {
	.cmd = "top",
	.usage = "[OPTIONS]",
	.doc = "A live view: the machine's CPU, memory, disk and network; processes by CPU,\n"
	       "counted at each context switch (processes shorter than a refresh count too),\n"
	       "with their time blocked off CPU; the hottest functions of the machine or of\n"
	       "one process. Press h in the view for the keys.\n",
	.footer = "Examples: ember top;  ember top -b -n 3 -i 2 > snapshots.txt\n",
	.specs = top_specs,
	.handle = top_handle,
};

/* 0, OPTIONS_HELP or -EINVAL (printed). */
static int parse_opts(int argc, char **argv, struct top_opts *o)
{
	int err, first;

	o->interval = 1.0;
	o->freq = 99;
	o->panel_rows = 10;
	err = options__parse(&top_options, argc, argv, o, &first);
	if (err)
		return err;
	if (first < argc)
		return options__error(&top_options, "unexpected argument '%s'", argv[first]);
	if (o->panel == TOP_PANEL_ALLOC && !o->pid) {
		p_err("--panel alloc needs -p PID (allocations are probed per process)");
		return -EINVAL;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Keep the selection on the same process across a re-sort. */
static void follow_selection(struct top *t)
{
	long n = (long)top_table__nr(t->table), i;

	if (t->selected_pid) {
		i = top_table__find(t->table, t->selected_pid);
		if (i >= 0)
			t->selected = i;
	}
	if (t->selected >= n)
		t->selected = n - 1;
	if (t->selected < 0 && n > 0)
		t->selected = 0;
	t->selected_pid = t->selected >= 0 && n ? top_table__row(t->table, t->selected)->pid : 0;
}

/* CPU and blocked time the probe could not count, since it started: a
 * line only once there is some. */
static void read_losses(struct top *t)
{
	__u64 stats[EMBER_STAT_MAX] = {}, src[SRC_MAX];
	struct stat_inputs in = { .bpf = stats };
	int n;

	top_probe__stats(t->probe, stats);
	stat_src__fill(src, &in);
	t->losses[0] = '\0';
	if (!loss__lost(LOSS_EV_TOP, src))
		return;
	n = snprintf(t->losses, sizeof(t->losses), "CPU and blocked time since start: ");
	loss__format(t->losses + n, sizeof(t->losses) - n, LOSS_EV_TOP, src, false, NULL, 1);
}

static int refresh_data(struct top *t)
{
	const struct top_counter *c;
	const __u32 *gone;
	double now = now_s();
	size_t n;
	int err;

	err = top_sys__update(t->sys, now);
	if (err) {
		p_err("cannot read /proc: %s", strerror(-err));
		return err;
	}
	err = top_probe__read(t->probe, (__u64)(now * 1e9), &c, &n);
	if (!err)
		err = top_table__update(t->table, now, c, n);
	if (err) {
		p_err("cannot update the process table: %s", strerror(-err));
		return err;
	}
	read_losses(t);
	n = top_table__gone(t->table, &gone);
	for (size_t i = 0; i < n; i++)
		top_probe__forget(t->probe, gone[i]);
	top_table__sort(t->table, t->o.sort);
	follow_selection(t);
	if (t->panel)
		top_panel__refresh(t->panel, now);
	if (++t->refreshes % 30 == 0)
		top_probe__sweep(t->probe, NULL);
	return 0;
}

static void view_in(struct top *t, struct top_view_in *in)
{
	memset(in, 0, sizeof(*in));
	in->sys = top_sys__view(t->sys);
	in->table = t->table;
	in->panel = t->panel;
	in->event = top_probe__describe(t->probe);
	in->interval = t->o.interval;
	in->sort = t->o.sort;
	in->selected = t->o.batch ? -1 : t->selected;
	in->focus = t->focus;
	in->help = t->help;
	in->message = t->message[0] ? t->message : NULL;
	in->losses = t->losses[0] ? t->losses : NULL;
	in->batch = t->o.batch;
	in->panel_rows = t->o.panel_rows;
}

static void print_line(void *ctx, int y, const char *text, enum top_attr attr)
{
	FILE *out = ctx;
	size_t n = strlen(text);

	(void)y;
	(void)attr;
	while (n && text[n - 1] == ' ')
		n--;
	fprintf(out, "%.*s\n", (int)n, text);
}

static void curses_line(void *ctx, int y, const char *text, enum top_attr attr)
{
	int a = attr == TOP_ATTR_TITLE	    ? A_BOLD
		: attr == TOP_ATTR_HEADER   ? A_REVERSE
		: attr == TOP_ATTR_SELECTED ? A_REVERSE | A_BOLD
					    : A_NORMAL;

	(void)ctx;
	if (y >= LINES)
		return;
	attrset(a);
	/* the last column of the last line would scroll the screen */
	mvaddnstr(y, 0, text, y == LINES - 1 ? COLS - 1 : COLS);
	attrset(A_NORMAL);
}

static void draw(struct top *t)
{
	struct top_view_in in;

	view_in(t, &in);
	erase();
	top_view__render(&in, COLS, LINES, &t->scroll, curses_line, NULL);
	refresh();
}

/* The log's sink while the screen is ours: stderr would scribble over it. */
static void log_to_status(void *ctx, const char *line)
{
	struct top *t = ctx;

	pthread_mutex_lock(&t->logged_lock);
	snprintf(t->logged, sizeof(t->logged), "%s", line);
	pthread_mutex_unlock(&t->logged_lock);
}

static void pick_up_errors(struct top *t)
{
	pthread_mutex_lock(&t->logged_lock);
	if (t->logged[0]) {
		snprintf(t->message, sizeof(t->message), "%s", t->logged);
		t->logged[0] = '\0';
	}
	pthread_mutex_unlock(&t->logged_lock);
}

static void set_panel(struct top *t, enum top_panel_kind kind, __u32 pid)
{
	if (!t->panel)
		return;
	t->message[0] = '\0';
	t->focus = pid;
	top_panel__set(t->panel, kind, pid);
	pick_up_errors(t);
}

/* One key; false to quit. */
static bool handle_key(struct top *t, int ch)
{
	long n = (long)top_table__nr(t->table);
	long page = LINES / 3 > 1 ? LINES / 3 : 1;

	if (t->help && ch != ERR && ch != KEY_RESIZE) {
		t->help = false;
		return ch != 'q';
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_UP:
	case 'k':
		t->selected = t->selected > 0 ? t->selected - 1 : 0;
		break;
	case KEY_DOWN:
	case 'j':
		t->selected = t->selected < n - 1 ? t->selected + 1 : n - 1;
		break;
	case KEY_PPAGE:
		t->selected = t->selected > page ? t->selected - page : 0;
		break;
	case KEY_NPAGE:
		t->selected = t->selected + page < n ? t->selected + page : n - 1;
		break;
	case KEY_HOME:
		t->selected = 0;
		break;
	case KEY_END:
		t->selected = n - 1;
		break;
	case 's':
		t->o.sort = (t->o.sort + 1) % TOP_SORT_MAX;
		top_table__sort(t->table, t->o.sort);
		follow_selection(t);
		return true;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case 'p': {
		__u32 pid = t->selected >= 0 && n ? top_table__row(t->table, t->selected)->pid : 0;
		enum top_panel_kind k = t->panel ? top_panel__kind(t->panel) : TOP_PANEL_CPU;

		if (pid == t->focus)
			pid = 0;
		if (!pid && k == TOP_PANEL_ALLOC)
			k = TOP_PANEL_CPU;
		set_panel(t, k, pid);
		break;
	}
	case 'c':
		set_panel(t, TOP_PANEL_CPU, t->focus);
		break;
	case 'o':
		set_panel(t, TOP_PANEL_OFFCPU, t->focus);
		break;
	case 'a':
		if (!t->focus)
			snprintf(t->message, sizeof(t->message),
				 "allocations are per process: select one and press Enter first");
		else
			set_panel(t, TOP_PANEL_ALLOC, t->focus);
		break;
	case 'h':
	case '?':
		t->help = true;
		break;
	default:
		return true;
	}
	if (t->selected >= 0 && t->selected < n)
		t->selected_pid = top_table__row(t->table, t->selected)->pid;
	return true;
}

static int run_interactive(struct top *t)
{
	double next = now_s() + t->o.interval;
	int err = 0;

	if (!initscr()) {
		p_err("cannot start the terminal view: set TERM, or use -b");
		return -EINVAL;
	}
	log__set_sink(log_to_status, t);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	draw(t);
	while (!quit_signal) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		double left = next - now_s();
		bool redraw = false;
		int ch;

		if (left > 0)
			poll(&pfd, 1, (int)(left * 1000) + 1);
		while ((ch = getch()) != ERR) {
			if (ch == KEY_RESIZE)
				redraw = true;
			else if (!handle_key(t, ch))
				goto out;
			else
				redraw = true;
		}
		if (now_s() >= next) {
			err = refresh_data(t);
			if (err)
				break;
			pick_up_errors(t);
			next += t->o.interval;
			if (next < now_s())
				next = now_s() + t->o.interval;
			redraw = true;
			if (t->o.iterations && (long)t->refreshes >= t->o.iterations)
				break;
		}
		if (redraw)
			draw(t);
	}
out:
	endwin();
	log__set_sink(NULL, NULL);
	/* the screen is gone: the error that ended the view stays visible */
	pick_up_errors(t);
	if (err && t->message[0])
		fprintf(stderr, "%s\n", t->message);
	return err;
}

static int run_batch(struct top *t)
{
	double next = now_s() + t->o.interval;
	struct top_view_in in;
	long shown = 0;
	long scroll = 0;

	while (!quit_signal) {
		double left = next - now_s();

		if (left > 0) {
			struct timespec ts = { (time_t)left, (long)((left - (time_t)left) * 1e9) };

			nanosleep(&ts, NULL);
			continue; /* a signal may have come */
		}
		if (refresh_data(t))
			return -EIO;
		next += t->o.interval;
		/* late (stopped, or blocked on a full stdout): go on from now,
		 * not with a burst of empty catch-up snapshots */
		if (next < now_s())
			next = now_s() + t->o.interval;
		view_in(t, &in);
		if (shown)
			fputc('\n', stdout);
		top_view__render(&in, BATCH_WIDTH, 0, &scroll, print_line, stdout);
		fflush(stdout);
		if (++shown >= t->o.iterations && t->o.iterations)
			break;
	}
	return 0;
}

int top__main(int argc, char **argv)
{
	struct top t = { .selected = 0, .logged_lock = PTHREAD_MUTEX_INITIALIZER };
	struct sigaction sa = {};
	int exit_code = 1, err;

	err = parse_opts(argc, argv, &t.o);
	if (err)
		return err == OPTIONS_HELP ? 0 : EXIT_USAGE;
	if (!t.o.batch && (!isatty(0) || !isatty(1))) {
		p_err("the live view needs a terminal: use -b for text snapshots");
		return EXIT_USAGE;
	}
	if (env_check__caps() || env_check__btf())
		return 1;
	if (t.o.pid && !procfs__alive(t.o.pid, t.o.pid)) {
		p_err("no process with PID %u: check the PID (ps -p %u)", t.o.pid, t.o.pid);
		return 1;
	}
	log__libbpf_messages();
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	t.probe = top_probe__new();
	t.table = top_table__new(NULL);
	t.sys = top_sys__new(NULL, NULL);
	if (!t.probe || !t.table || !t.sys)
		goto cleanup;
	if (!t.o.no_panel) {
		t.panel = top_panel__new(t.o.freq, PANEL_WINDOW_S, t.o.stack_storage);
		if (!t.panel)
			goto cleanup;
		t.focus = t.o.pid;
		if (top_panel__set(t.panel, t.o.panel, t.o.pid) && t.o.batch)
			p_warn("%s", top_panel__status(t.panel));
	}
	/* the baseline every rate is measured from */
	t.refreshes = 0;
	if (refresh_data(&t))
		goto cleanup;
	t.refreshes = 0;
	err = t.o.batch ? run_batch(&t) : run_interactive(&t);
	if (!err)
		exit_code = 0;
cleanup:
	top_panel__free(t.panel);
	top_sys__free(t.sys);
	top_table__free(t.table);
	top_probe__free(t.probe);
	return exit_code;
}
