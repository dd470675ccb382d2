// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "sys/procfs.h"
#include "lib/sorted.h"
#include "top/top_table.h"

static const char *const sort_names[TOP_SORT_MAX] = {
	[TOP_SORT_CPU] = "CPU%",     [TOP_SORT_OFFCPU] = "OFF%", [TOP_SORT_RSS] = "RSS",
	[TOP_SORT_THREADS] = "THR",  [TOP_SORT_TIME] = "TIME",	 [TOP_SORT_PID] = "PID",
	[TOP_SORT_COMM] = "COMMAND",
};

const char *top_sort__name(enum top_sort s)
{
	return s < TOP_SORT_MAX ? sort_names[s] : "?";
}

int top_sort__parse(const char *name)
{
	for (int i = 0; i < TOP_SORT_MAX; i++) {
		size_t n = strlen(sort_names[i]);

		/* "cpu" for "CPU%", "off" for "OFF%" */
		if (strcasecmp(name, sort_names[i]) == 0 ||
		    (sort_names[i][n - 1] == '%' && strlen(name) == n - 1 &&
		     strncasecmp(name, sort_names[i], n - 1) == 0))
			return i;
	}
	return -1;
}

struct entry {
	struct top_row row;
	__u64 prev_on_ns, prev_off_ns; /* the probe's totals at the last refresh */
	bool in_proc;		       /* seen in /proc this refresh */
};

struct top_table {
	char *proc_root;
	long page_size;
	struct entry *e; /* by pid while updating; by the sort key after */
	size_t nr, cap;
	__u32 *gone;
	size_t nr_gone;
	double last, interval;
	bool baseline_done;
};

struct top_table *top_table__new(const char *proc_root)
{
	struct top_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->proc_root = strdup(proc_root ? proc_root : "/proc");
	if (!t->proc_root) {
		free(t);
		return NULL;
	}
	t->page_size = sysconf(_SC_PAGESIZE);
	if (t->page_size <= 0)
		t->page_size = 4096;
	return t;
}

void top_table__free(struct top_table *t)
{
	if (!t)
		return;
	free(t->proc_root);
	free(t->e);
	free(t->gone);
	free(t);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->row.pid < y->row.pid ? -1 : x->row.pid > y->row.pid;
}

static struct entry *find(struct top_table *t, __u32 pid)
{
	struct entry k = { .row.pid = pid };

	return sorted__find(&k, t->e, t->nr, sizeof(*t->e), cmp_pid);
}

/* Appended unsorted; the caller sorts once all are in. */
static struct entry *add(struct top_table *t, __u32 pid)
{
	struct entry *e;

	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;

		e = realloc(t->e, cap * sizeof(*e));
		if (!e)
			return NULL;
		t->e = e;
		t->cap = cap;
	}
	e = &t->e[t->nr++];
	memset(e, 0, sizeof(*e));
	e->row.pid = pid;
	return e;
}

static void fill_from_stat(struct top_table *t, struct entry *e, const struct pid_stat *ps)
{
	snprintf(e->row.comm, sizeof(e->row.comm), "%s", ps->comm);
	e->row.state = ps->state;
	e->row.threads = ps->num_threads;
	e->row.rss = ps->rss;
	e->row.vsize = ps->vsize;
	e->row.cpu_time_s = procfs__ticks_to_sec(ps->utime + ps->stime);
	e->in_proc = true;
	(void)t;
}

/* Live processes: one read of /proc/PID/stat each. */
static int scan_proc(struct top_table *t)
{
	size_t known = t->nr;
	struct dirent *d;
	DIR *dir = opendir(t->proc_root);
	int err = 0;

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		struct pid_stat ps;
		struct entry *e;
		char rel[32], *text = NULL, *end;
		unsigned long pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = strtoul(d->d_name, &end, 10);
		if (*end || !pid || pid > 0xffffffffUL)
			continue;
		snprintf(rel, sizeof(rel), "%lu/stat", pid);
		/* gone since readdir, or not a process: skip */
		if (procfs__read(t->proc_root, rel, &text))
			continue;
		if (procfs__parse_pid_stat(text, t->page_size, &ps)) {
			free(text);
			continue;
		}
		free(text);
		/* the known entries are still sorted by pid */
		{
			struct entry k = { .row.pid = (__u32)pid };

			e = sorted__find(&k, t->e, known, sizeof(*t->e), cmp_pid);
		}
		if (!e)
			e = add(t, (__u32)pid);
		if (!e) {
			err = -ENOMEM;
			break;
		}
		fill_from_stat(t, e, &ps);
	}
	closedir(dir);
	sorted__sort(t->e, t->nr, sizeof(*t->e), cmp_pid);
	return err;
}

int top_table__update(struct top_table *t, double now, const struct top_counter *c, size_t n)
{
	double dt = t->baseline_done ? now - t->last : 0;
	size_t i, kept;
	int err;

	sorted__sort(t->e, t->nr, sizeof(*t->e), cmp_pid);
	/* Exited last time and shown then: gone for good now. */
	for (i = kept = 0; i < t->nr; i++) {
		if (t->e[i].row.state == 'X')
			continue;
		t->e[i].in_proc = false;
		t->e[kept++] = t->e[i];
	}
	t->nr = kept;
	err = scan_proc(t);
	if (err)
		return err;
	/* Processes the probe saw that /proc no longer has exited since the
	 * last refresh, maybe after living less than one. */
	for (i = 0; i < n; i++) {
		struct entry *e = find(t, c[i].tgid);

		if (!e) {
			e = add(t, c[i].tgid);
			if (!e)
				return -ENOMEM;
			snprintf(e->row.comm, sizeof(e->row.comm), "%s", c[i].comm);
			sorted__sort(t->e, t->nr, sizeof(*t->e), cmp_pid);
			e = find(t, c[i].tgid);
		}
		if (!e->in_proc)
			e->row.state = 'X';
		if (dt > 0) {
			/* less than last time: a run or block open then was
			 * counted twice by the read (top_probe__read) */
			__u64 don =
			    c[i].oncpu_ns >= e->prev_on_ns ? c[i].oncpu_ns - e->prev_on_ns : 0;
			__u64 doff =
			    c[i].offcpu_ns >= e->prev_off_ns ? c[i].offcpu_ns - e->prev_off_ns : 0;

			e->row.cpu_pct = 100.0 * don / 1e9 / dt;
			e->row.offcpu_pct = 100.0 * doff / 1e9 / dt;
		}
		e->prev_on_ns = c[i].oncpu_ns;
		e->prev_off_ns = c[i].offcpu_ns;
	}
	/* Gone from /proc with nothing counted: just gone. */
	t->nr_gone = 0;
	for (i = kept = 0; i < t->nr; i++) {
		struct entry *e = &t->e[i];

		if (!e->in_proc && e->row.state != 'X')
			continue;
		if (e->row.state == 'X') {
			__u32 *g = realloc(t->gone, (t->nr_gone + 1) * sizeof(*g));

			if (!g)
				return -ENOMEM;
			t->gone = g;
			t->gone[t->nr_gone++] = e->row.pid;
			e->row.rss = e->row.vsize = 0;
			e->row.threads = 0;
		}
		t->e[kept++] = *e;
	}
	t->nr = kept;
	/* A process that did not run has no counter entry: no rate. */
	for (i = 0; i < t->nr; i++) {
		struct top_counter k = { .tgid = t->e[i].row.pid };

		if (!sorted__find(&k, c, n, sizeof(*c), top_counter__cmp))
			t->e[i].row.cpu_pct = t->e[i].row.offcpu_pct = 0;
	}
	t->interval = dt;
	t->last = now;
	t->baseline_done = true;
	return 0;
}

double top_table__interval(const struct top_table *t)
{
	return t->interval;
}

size_t top_table__gone(const struct top_table *t, const __u32 **pids)
{
	*pids = t->gone;
	return t->nr_gone;
}

static enum top_sort sort_key;

static int cmp_double(double a, double b)
{
	return a < b ? -1 : a > b;
}

/* Largest first for figures, smallest first for PID and name; ties by
 * PID so the order is stable between refreshes. */
static int cmp_rows(const void *a, const void *b)
{
	const struct top_row *x = &((const struct entry *)a)->row;
	const struct top_row *y = &((const struct entry *)b)->row;
	int c = 0;

	switch (sort_key) {
	case TOP_SORT_CPU:
		c = cmp_double(y->cpu_pct, x->cpu_pct);
		break;
	case TOP_SORT_OFFCPU:
		c = cmp_double(y->offcpu_pct, x->offcpu_pct);
		break;
	case TOP_SORT_RSS:
		c = y->rss < x->rss ? -1 : y->rss > x->rss;
		break;
	case TOP_SORT_THREADS:
		c = y->threads < x->threads ? -1 : y->threads > x->threads;
		break;
	case TOP_SORT_TIME:
		c = cmp_double(y->cpu_time_s, x->cpu_time_s);
		break;
	case TOP_SORT_COMM:
		c = strcmp(x->comm, y->comm);
		break;
	default:
		break;
	}
	return c ? c : x->pid < y->pid ? -1 : x->pid > y->pid;
}

void top_table__sort(struct top_table *t, enum top_sort s)
{
	sort_key = s;
	sorted__sort(t->e, t->nr, sizeof(*t->e), cmp_rows);
}

size_t top_table__nr(const struct top_table *t)
{
	return t->nr;
}

const struct top_row *top_table__row(const struct top_table *t, size_t i)
{
	return i < t->nr ? &t->e[i].row : NULL;
}

long top_table__find(const struct top_table *t, __u32 pid)
{
	for (size_t i = 0; i < t->nr; i++)
		if (t->e[i].row.pid == pid)
			return (long)i;
	return -1;
}

void top_table__totals(const struct top_table *t, struct top_totals *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < t->nr; i++) {
		const struct top_row *r = &t->e[i].row;

		if (r->state == 'X') {
			out->exited++;
			continue;
		}
		out->procs++;
		out->threads += r->threads;
		out->running += r->state == 'R';
	}
}
