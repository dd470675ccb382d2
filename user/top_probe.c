// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "cpus.h"
#include "log.h"
#include "map_batch.h"
#include "sampler.h"
#include "sorted.h"
#include "top.skel.h"
#include "top_probe.h"

struct top_probe {
	struct top_bpf *skel;
	struct sampler *sampler;
	struct bpf_link *switch_link;
	struct map_batch *procs, *blocked;
	struct top_counter *counters;
	size_t nr, cap;
	char desc[96];
};

struct top_probe *top_probe__new(unsigned int freq)
{
	struct top_probe *p = calloc(1, sizeof(*p));
	bool *cpus = NULL;
	int nr_cpus, err;

	if (!p)
		goto oom;
	nr_cpus = libbpf_num_possible_cpus();
	if (nr_cpus <= 0) {
		p_err("cannot count CPUs: %s", strerror(-nr_cpus));
		goto fail;
	}
	cpus = calloc(nr_cpus, sizeof(*cpus));
	if (!cpus)
		goto oom;
	err = cpulist__online(NULL, cpus, nr_cpus);
	if (err) {
		p_err("cannot read the online CPUs: %s", strerror(-err));
		goto fail;
	}
	p->skel = top_bpf__open_and_load();
	if (!p->skel) {
		p_err("cannot load the top BPF programs: %s: run with -v for libbpf's and the "
		      "verifier's messages",
		      strerror(errno));
		goto fail;
	}
	p->switch_link = bpf_program__attach(p->skel->progs.top_switch);
	if (!p->switch_link) {
		p_err("cannot attach to sched_switch: %s: off-CPU time needs raw tracepoints",
		      strerror(errno));
		goto fail;
	}
	p->procs = map_batch__new(bpf_map__fd(p->skel->maps.procs), sizeof(__u32),
				  sizeof(struct ember_top_proc));
	p->blocked = map_batch__new(bpf_map__fd(p->skel->maps.blocked), sizeof(__u32),
				    sizeof(struct ember_top_block));
	if (!p->procs || !p->blocked)
		goto oom;
	p->sampler = sampler__open(cpus, nr_cpus, freq, false);
	if (!p->sampler || sampler__attach(p->sampler, p->skel->progs.top_sample))
		goto fail;
	snprintf(p->desc, sizeof(p->desc), "%s at %u Hz%s", sampler__event_name(p->sampler), freq,
		 sampler__is_hardware(p->sampler) ? "" : " (software event; no hardware PMU)");
	free(cpus);
	return p;
oom:
	p_err("out of memory");
fail:
	free(cpus);
	top_probe__free(p);
	return NULL;
}

void top_probe__free(struct top_probe *p)
{
	if (!p)
		return;
	sampler__free(p->sampler);
	bpf_link__destroy(p->switch_link);
	top_bpf__destroy(p->skel);
	map_batch__free(p->procs);
	map_batch__free(p->blocked);
	free(p->counters);
	free(p);
}

const char *top_probe__describe(const struct top_probe *p)
{
	return p->desc;
}

int top_counter__cmp(const void *a, const void *b)
{
	const struct top_counter *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

int top_probe__read(struct top_probe *p, __u64 now_ns, const struct top_counter **out, size_t *n)
{
	long nr_procs, nr_blocked;

	/* Open blocks first, then the totals: a thread that wakes in
	 * between is counted twice this once (a window of microseconds);
	 * the other order would miss its whole block for a refresh. */
	nr_blocked = map_batch__read(p->blocked, false);
	if (nr_blocked < 0)
		return (int)nr_blocked;
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
		c->samples = v->samples;
		c->offcpu_ns = v->offcpu_ns;
		memcpy(c->comm, v->comm, EMBER_COMM_LEN);
		c->comm[EMBER_COMM_LEN] = '\0';
	}
	sorted__sort(p->counters, p->nr, sizeof(*p->counters), top_counter__cmp);
	for (long i = 0; i < nr_blocked; i++) {
		const struct ember_top_block *blk = map_batch__value(p->blocked, i);
		struct top_counter *c, k;

		/* ts 0: the thread runs (or waits to) */
		if (!blk->ts || blk->ts >= now_ns)
			continue;
		k.tgid = blk->tgid;
		c = sorted__find(&k, p->counters, p->nr, sizeof(*p->counters), top_counter__cmp);
		/* a process blocked since before its first sample or wakeup
		 * has no entry yet: its time shows once it wakes */
		if (c)
			c->offcpu_ns += now_ns - blk->ts;
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
	int fd = bpf_map__fd(p->skel->maps.blocked);
	long n = map_batch__read(p->blocked, false);
	char path[64];

	for (long i = 0; i < n; i++) {
		const struct ember_top_block *blk = map_batch__value(p->blocked, i);
		const __u32 *tid = map_batch__key(p->blocked, i);

		snprintf(path, sizeof(path), "%s/%u/task/%u", proc_root ? proc_root : "/proc",
			 blk->tgid, *tid);
		if (access(path, F_OK) && errno == ENOENT)
			bpf_map_delete_elem(fd, tid);
	}
}

void top_probe__stats(struct top_probe *p, __u64 *stats)
{
	struct drain_stack_stats none = {};

	collector__read_stats(bpf_map__fd(p->skel->maps.stats), p->skel->obj, &none, stats);
}
