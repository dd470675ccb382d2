// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* On-CPU samples: the cpu skeleton on one sampling event per CPU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "cpu.skel.h"
#include "lib/log.h"
#include "collect/sampler.h"
#include "stack/stack_builder.h"

struct cpu_collector {
	struct collector base;
	struct cpu_bpf *skel;
	struct sampler *sampler;
	char desc[96];
};

static struct cpu_collector *cpu_of(struct collector *c)
{
	return (struct cpu_collector *)c;
}

/*
 * Maps are preallocated: on-demand allocation (BPF_F_NO_PREALLOC) cannot
 * refill its per-CPU cache from a perf interrupt and drops stacks in
 * bursts (seen at the start of whole-machine profiles).
 */
static int cpu_load(struct collector *c, const struct shared_maps *sm)
{
	const struct collector_scope *sc = &c->cfg.scope;
	struct cpu_bpf *skel = cpu_bpf__open();
	int err;

	if (!skel)
		return errno ? -errno : -ENOMEM;
	skel->rodata->filter_mode = collector__filter_mode(sc);
	skel->rodata->target_tid = sc->tid;
	skel->rodata->want_user = !sc->kernel_only;
	skel->rodata->want_kernel = !sc->user_only;
	bpf_map__set_max_entries(skel->maps.stacks, sc->stack_storage);
	bpf_map__set_max_entries(skel->maps.counts, sc->max_entries);
	skel->rodata->user_unwinder = sc->unwinder;
	err = shared_maps__reuse(sm, skel->obj);
	if (!err)
		err = cpu_bpf__load(skel);
	if (err) {
		cpu_bpf__destroy(skel);
		return err;
	}
	cpu_of(c)->skel = skel;
	return 0;
}

static int cpu_attach(struct collector *c, const struct attach_info *ai)
{
	struct cpu_collector *cc = cpu_of(c);
	unsigned int freq = c->cfg.cpu.freq;

	cc->sampler = sampler__open(ai->cpus, ai->nr_cpus, freq, c->cfg.scope.kernel_only);
	if (!cc->sampler)
		return -errno;
	snprintf(cc->desc, sizeof(cc->desc), "%s at %u Hz%s", sampler__event_name(cc->sampler),
		 freq,
		 sampler__is_hardware(cc->sampler) ? "" : " (software event; no hardware PMU)");
	return sampler__attach(cc->sampler, cc->skel->progs.on_sample);
}

static void cpu_stop(struct collector *c, __u64 stop_ns)
{
	(void)stop_ns;
	sampler__stop(cpu_of(c)->sampler);
}

static int cpu_drain(struct collector *c, collector_sink sink, void *ctx)
{
	struct cpu_bpf *skel = cpu_of(c)->skel;

	return collector__drain_counts(c, SOURCE_CPU, bpf_map__fd(skel->maps.counts),
				       bpf_map__fd(skel->maps.stacks), sink, ctx);
}

static int cpu_take(struct collector *c, collector_sink sink, void *ctx)
{
	struct cpu_bpf *skel = cpu_of(c)->skel;

	return collector__take_counts(c, SOURCE_CPU, bpf_map__fd(skel->maps.counts),
				      bpf_map__fd(skel->maps.stacks), sink, ctx);
}

static void cpu_read_stats(struct collector *c, __u64 *stats)
{
	struct cpu_bpf *skel = cpu_of(c)->skel;

	collector__add_bpf_stats(bpf_map__fd(skel->maps.stats), skel->obj, &c->ds, stats);
}

static const char *cpu_describe(struct collector *c)
{
	return cpu_of(c)->desc;
}

static void cpu_free(struct collector *c)
{
	sampler__free(cpu_of(c)->sampler);
	cpu_bpf__destroy(cpu_of(c)->skel);
}

const struct collector_ops cpu_collector_ops = {
	.name = "cpu",
	.size = sizeof(struct cpu_collector),
	.load = cpu_load,
	.attach = cpu_attach,
	.stop = cpu_stop,
	.drain = cpu_drain,
	.take = cpu_take,
	.read_stats = cpu_read_stats,
	.describe = cpu_describe,
	.free = cpu_free,
};
