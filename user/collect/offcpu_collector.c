// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Off-CPU intervals: the offcpu skeleton on the scheduler's switch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "lib/log.h"
#include "offcpu.skel.h"
#include "stack/stack_builder.h"

struct offcpu_collector {
	struct collector base;
	struct offcpu_bpf *skel;
	struct bpf_link *link;
	__u64 stop_ns;
};

static struct offcpu_collector *offcpu_of(struct collector *c)
{
	return (struct offcpu_collector *)c;
}

/*
 * Maps are preallocated: map updates in the scheduler's switch run under
 * the runqueue lock, where on-demand allocation cannot refill its cache
 * and fails.
 */
static int offcpu_load(struct collector *c, const struct shared_maps *sm)
{
	const struct collector_scope *sc = &c->cfg.scope;
	const struct offcpu_config *oc = &c->cfg.offcpu;
	struct offcpu_bpf *skel = offcpu_bpf__open();
	int err;

	if (!skel)
		return errno ? -errno : -ENOMEM;
	skel->rodata->filter_mode = collector__filter_mode(sc);
	skel->rodata->target_tid = sc->tid;
	skel->rodata->want_user = !sc->kernel_only;
	skel->rodata->want_kernel = !sc->user_only;
	skel->rodata->state_mask = oc->state_mask;
	/* Keys carry EMBER_KEY_PREEMPTED so each view picks its own. */
	skel->rodata->record_preempted = oc->record_preempted;
	skel->rodata->min_block_ns = oc->min_block_us * 1000;
	skel->rodata->max_block_ns = oc->max_block_us ? oc->max_block_us * 1000 : ~0ULL;
	bpf_map__set_max_entries(skel->maps.stacks, sc->stack_storage);
	bpf_map__set_max_entries(skel->maps.offcpu_counts, sc->max_entries);
	skel->rodata->user_unwinder = sc->unwinder;
	err = shared_maps__reuse(sm, skel->obj);
	if (!err)
		err = offcpu_bpf__load(skel);
	if (err) {
		offcpu_bpf__destroy(skel);
		return err;
	}
	offcpu_of(c)->skel = skel;
	return 0;
}

static int offcpu_attach(struct collector *c, const struct attach_info *ai)
{
	struct offcpu_collector *oc = offcpu_of(c);

	(void)ai;
	oc->link = bpf_program__attach(oc->skel->progs.on_switch);
	if (!oc->link) {
		int err = -errno;

		p_err("cannot attach to the sched_switch raw tracepoint: %s", strerror(-err));
		return err;
	}
	return 0;
}

static void offcpu_stop(struct collector *c, __u64 stop_ns)
{
	struct offcpu_collector *oc = offcpu_of(c);

	bpf_link__destroy(oc->link);
	oc->link = NULL;
	oc->stop_ns = stop_ns;
}

/*
 * Threads still off CPU when recording stopped: their time so far is real
 * waiting (a server blocked in accept for the whole run is the point of an
 * off-CPU profile), so count it up to the stop, under the same filters.
 */
static int drain_open_intervals(struct collector *c, collector_sink sink, void *ctx)
{
	struct offcpu_collector *oc = offcpu_of(c);
	int start_fd = bpf_map__fd(oc->skel->maps.start);
	int stacks_fd = bpf_map__fd(oc->skel->maps.stacks);
	struct ember_offcpu_start s;
	struct collector_bufs *b;
	__u32 tid, next, *prev = NULL;
	int err = 0;

	b = malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	while (bpf_map_get_next_key(start_fd, prev, &next) == 0) {
		struct collected col = { .source = SOURCE_OFFCPU, .count = 1 };
		struct raw_stack rs;

		tid = next;
		prev = &tid;
		if (bpf_map_lookup_elem(start_fd, &tid, &s) || s.ts >= oc->stop_ns)
			continue;
		col.value = oc->stop_ns - s.ts;
		/* the same limits the BPF program applied */
		if (col.value < oc->skel->rodata->min_block_ns ||
		    col.value > oc->skel->rodata->max_block_ns)
			continue;
		collector__resolve(c, stacks_fd, &s.key, false, b, &rs);
		col.stack = &rs;
		col.key = &s.key;
		err = sink(ctx, &col);
		if (err)
			break;
	}
	free(b);
	return err;
}

static int offcpu_take(struct collector *c, collector_sink sink, void *ctx)
{
	struct offcpu_bpf *skel = offcpu_of(c)->skel;

	return collector__take_counts(c, SOURCE_OFFCPU, bpf_map__fd(skel->maps.offcpu_counts),
				      bpf_map__fd(skel->maps.stacks), sink, ctx);
}

static int offcpu_drain(struct collector *c, collector_sink sink, void *ctx)
{
	struct offcpu_bpf *skel = offcpu_of(c)->skel;
	int err;

	err = collector__drain_counts(c, SOURCE_OFFCPU, bpf_map__fd(skel->maps.offcpu_counts),
				      bpf_map__fd(skel->maps.stacks), sink, ctx);
	return err ? err : drain_open_intervals(c, sink, ctx);
}

static void offcpu_read_stats(struct collector *c, __u64 *stats)
{
	struct offcpu_bpf *skel = offcpu_of(c)->skel;

	collector__add_bpf_stats(bpf_map__fd(skel->maps.stats), skel->obj, &c->ds, stats);
}

static const char *offcpu_describe(struct collector *c)
{
	(void)c;
	return "sched_switch";
}

static void offcpu_free(struct collector *c)
{
	bpf_link__destroy(offcpu_of(c)->link);
	offcpu_bpf__destroy(offcpu_of(c)->skel);
}

const struct collector_ops offcpu_collector_ops = {
	.name = "offcpu",
	.size = sizeof(struct offcpu_collector),
	.load = offcpu_load,
	.attach = offcpu_attach,
	.stop = offcpu_stop,
	.drain = offcpu_drain,
	.take = offcpu_take,
	.read_stats = offcpu_read_stats,
	.describe = offcpu_describe,
	.free = offcpu_free,
};
