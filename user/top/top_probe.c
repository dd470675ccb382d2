// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "lib/log.h"
#include "collect/map_batch.h"
#include "sys/procfs.h"
#include "lib/sorted.h"
#include "top.skel.h"
#include "top/top_probe.h"

struct top_probe {
	struct top_bpf *skel;
	struct bpf_link *switch_link;
	struct map_batch *procs, *threads;
	struct top_counter *counters;
	size_t nr, cap;
};

/* The threads on a CPU now get an entry as if they had just switched in
 * (top_seed): without one, a thread that keeps its CPU is not counted
 * until it switches. Run after the switch program is attached, so a
 * thread switched out in between is left as that program wrote it. */
static int seed_running(struct top_probe *p)
{
	struct bpf_link *link = bpf_program__attach_iter(p->skel->progs.top_seed, NULL);
	char buf[64];
	int fd, err = 0;
	ssize_t n;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	/* the program prints nothing: one read runs it over every task */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
out:
	bpf_link__destroy(link);
	return err;
}

struct top_probe *top_probe__new(void)
{
	struct top_probe *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		goto oom;
	p->skel = top_bpf__open_and_load();
	if (!p->skel) {
		p_err("cannot load the top BPF programs: %s: run with -v for libbpf's and the "
		      "verifier's messages",
		      strerror(errno));
		goto fail;
	}
	p->switch_link = bpf_program__attach(p->skel->progs.top_switch);
	if (!p->switch_link) {
		p_err("cannot attach to sched_switch: %s: CPU and off-CPU time need raw "
		      "tracepoints",
		      strerror(errno));
		goto fail;
	}
	err = seed_running(p);
	if (err) {
		p_err("cannot run the task iterator: %s: CPU time needs BPF task iterators",
		      strerror(-err));
		goto fail;
	}
	p->procs = map_batch__new(bpf_map__fd(p->skel->maps.procs), sizeof(__u32),
				  sizeof(struct ember_top_proc));
	p->threads = map_batch__new(bpf_map__fd(p->skel->maps.threads), sizeof(__u32),
				    sizeof(struct ember_top_thread));
	if (!p->procs || !p->threads)
		goto oom;
	return p;
oom:
	p_err("out of memory");
fail:
	top_probe__free(p);
	return NULL;
}

void top_probe__free(struct top_probe *p)
{
	if (!p)
		return;
	bpf_link__destroy(p->switch_link);
	top_bpf__destroy(p->skel);
	map_batch__free(p->procs);
	map_batch__free(p->threads);
	free(p->counters);
	free(p);
}

const char *top_probe__describe(const struct top_probe *p)
{
	(void)p;
	return "CPU counted at each context switch";
}

int top_counter__cmp(const void *a, const void *b)
{
	const struct top_counter *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

/*
 * A thread's run time so far, as the program reads it at a switch
 * (se.sum_exec_runtime, up to date at the thread's last tick or switch):
 * the first figure of /proc/TGID/task/TID/schedstat. 0 when gone.
 */
static __u64 thread_run_ns(__u32 tgid, __u32 tid)
{
	char rel[64], *text;
	__u64 run = 0;

	snprintf(rel, sizeof(rel), "%u/task/%u/schedstat", tgid, tid);
	if (procfs__read(NULL, rel, &text))
		return 0;
	if (procfs__parse_schedstat(text, &run))
		run = 0;
	free(text);
	return run;
}

int top_probe__read(struct top_probe *p, __u64 now_ns, const struct top_counter **out, size_t *n)
{
	long nr_procs, nr_threads;

	/* Threads first, then the totals: a thread that switches in between
	 * has its run or block so far counted twice this once (a window of
	 * microseconds, made up for at the next refresh); the other order
	 * would miss it for a refresh. */
	nr_threads = map_batch__read(p->threads, false);
	if (nr_threads < 0)
		return (int)nr_threads;
	nr_procs = map_batch__read(p->procs, false);
	if (nr_procs < 0)
		return (int)nr_procs;
	if ((size_t)nr_procs > p->cap) {
		struct top_counter *c = realloc(p->counters, nr_procs * sizeof(*c));

		if (!c)
			return -ENOMEM;
		p->counters = c;
		p->cap = nr_procs;
	}
	p->nr = 0;
	for (long i = 0; i < nr_procs; i++) {
		const struct ember_top_proc *v = map_batch__value(p->procs, i);
		struct top_counter *c = &p->counters[p->nr++];

		c->tgid = *(const __u32 *)map_batch__key(p->procs, i);
		c->oncpu_ns = v->oncpu_ns;
		c->offcpu_ns = v->offcpu_ns;
		memcpy(c->comm, v->comm, EMBER_COMM_LEN);
		c->comm[EMBER_COMM_LEN] = '\0';
	}
	sorted__sort(p->counters, p->nr, sizeof(*p->counters), top_counter__cmp);
	/* Runs and blocks still going on count up to now, so a thread that
	 * keeps its CPU (or sleeps) for many refreshes shows in each. A run
	 * is read from /proc: the program sees no switch while the thread
	 * runs, and may have missed the one that put it back on a CPU. Only
	 * threads left runnable are read, a few a CPU. */
	for (long i = 0; i < nr_threads; i++) {
		const struct ember_top_thread *th = map_batch__value(p->threads, i);
		__u32 tid = *(const __u32 *)map_batch__key(p->threads, i);
		struct top_counter *c, k;
		__u64 run;

		if (!th->runnable && !th->blocked_ts)
			continue;
		k.tgid = th->tgid;
		c = sorted__find(&k, p->counters, p->nr, sizeof(*p->counters), top_counter__cmp);
		/* none: the process map was full, or the process has just
		 * been forgotten as exited */
		if (!c)
			continue;
		if (th->blocked_ts && th->blocked_ts < now_ns)
			c->offcpu_ns += now_ns - th->blocked_ts;
		if (th->runnable) {
			run = thread_run_ns(th->tgid, tid);
			if (run > th->run_ns)
				c->oncpu_ns += run - th->run_ns;
		}
	}
	*out = p->counters;
	*n = p->nr;
	return 0;
}

void top_probe__forget(struct top_probe *p, __u32 tgid)
{
	bpf_map_delete_elem(bpf_map__fd(p->skel->maps.procs), &tgid);
}

/* Threads keep their entry while they live; those gone are removed here
 * (the kernel has no hook this program may use to see a thread exit). */
void top_probe__sweep(struct top_probe *p, const char *proc_root)
{
	int fd = bpf_map__fd(p->skel->maps.threads);
	long n = map_batch__read(p->threads, false);
	char path[64];

	for (long i = 0; i < n; i++) {
		const struct ember_top_thread *th = map_batch__value(p->threads, i);
		const __u32 *tid = map_batch__key(p->threads, i);

		snprintf(path, sizeof(path), "%s/%u/task/%u", proc_root ? proc_root : "/proc",
			 th->tgid, *tid);
		if (access(path, F_OK) && errno == ENOENT)
			bpf_map_delete_elem(fd, tid);
	}
}

void top_probe__stats(struct top_probe *p, __u64 *stats)
{
	collector__add_bpf_stats(bpf_map__fd(p->skel->maps.stats), p->skel->obj, NULL, stats);
}
