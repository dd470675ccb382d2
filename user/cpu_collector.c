// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* On-CPU samples: the cpu skeleton on one sampling event per CPU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "cpu.skel.h"
#include "log.h"
#include "map_batch.h"
#include "sampler.h"
#include "stack_builder.h"

struct collector {
	struct cpu_bpf *skel;
	struct sampler *sampler;
	char desc[96];
	struct drain_stack_stats ds;
	struct map_batch *taker;
};

/*
 * Maps are preallocated: on-demand allocation (BPF_F_NO_PREALLOC) cannot
 * refill its per-CPU cache from a perf interrupt and drops stacks in
 * bursts (seen at the start of whole-machine profiles).
 */
static int load_skel(struct collector *c, const struct record_opts *o, int targets_fd)
{
	struct cpu_bpf *skel = cpu_bpf__open();
	int err;

	if (!skel)
		return errno ? -errno : -ENOMEM;
	skel->rodata->filter_mode = collector__filter_mode(o);
	skel->rodata->target_tid = o->tid;
	skel->rodata->want_user = !o->kernel_only;
	skel->rodata->want_kernel = !o->user_only;
	bpf_map__set_max_entries(skel->maps.stacks, o->stack_storage);
	bpf_map__set_max_entries(skel->maps.counts, o->max_entries);
	err = bpf_map__reuse_fd(skel->maps.targets, targets_fd);
	if (!err)
		err = cpu_bpf__load(skel);
	if (err) {
		cpu_bpf__destroy(skel);
		return err;
	}
	c->skel = skel;
	return 0;
}

static struct collector *cpu_load(const struct record_opts *o, int targets_fd)
{
	return collector__new(sizeof(struct collector), load_skel, o, targets_fd);
}

static int cpu_attach(struct collector *c, const struct record_opts *o,
		      const struct attach_info *ai)
{
	c->sampler = sampler__open(ai->cpus, ai->nr_cpus, o->freq, o->kernel_only);
	if (!c->sampler)
		return -errno;
	snprintf(c->desc, sizeof(c->desc), "%s at %u Hz%s", sampler__event_name(c->sampler),
		 o->freq,
		 sampler__is_hardware(c->sampler) ? "" : " (software event; no hardware PMU)");
	return sampler__attach(c->sampler, c->skel->progs.on_sample);
}

static void cpu_stop(struct collector *c, __u64 stop_ns)
{
	(void)stop_ns;
	sampler__stop(c->sampler);
}

static int cpu_drain(struct collector *c, const struct record_opts *o, collector_sink sink,
		     void *ctx)
{
	return collector__drain_counts(SOURCE_CPU, bpf_map__fd(c->skel->maps.counts),
				       bpf_map__fd(c->skel->maps.stacks), o, sink, ctx, &c->ds);
}

static int cpu_take(struct collector *c, const struct record_opts *o, collector_sink sink,
		    void *ctx)
{
	return collector__take_counts(SOURCE_CPU, &c->taker, bpf_map__fd(c->skel->maps.counts),
				      bpf_map__fd(c->skel->maps.stacks), o, sink, ctx, &c->ds);
}

static void cpu_read_stats(struct collector *c, __u64 *stats)
{
	collector__read_stats(bpf_map__fd(c->skel->maps.stats), c->skel->obj, &c->ds, stats);
}

static const char *cpu_describe(struct collector *c)
{
	return c->desc;
}

static void cpu_free(struct collector *c)
{
	if (!c)
		return;
	sampler__free(c->sampler);
	cpu_bpf__destroy(c->skel);
	map_batch__free(c->taker);
	free(c);
}

const struct collector_ops cpu_collector_ops = {
	.name = "cpu",
	.load = cpu_load,
	.attach = cpu_attach,
	.stop = cpu_stop,
	.drain = cpu_drain,
	.take = cpu_take,
	.read_stats = cpu_read_stats,
	.describe = cpu_describe,
	.free = cpu_free,
};
