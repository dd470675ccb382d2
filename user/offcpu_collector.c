// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Off-CPU intervals: the offcpu skeleton on the scheduler's switch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "log.h"
#include "map_batch.h"
#include "offcpu.skel.h"
#include "stack_builder.h"

struct collector {
	struct offcpu_bpf *skel;
	struct bpf_link *link;
	__u64 stop_ns;
	struct drain_stack_stats ds;
	struct map_batch *taker;
};

/*
 * Maps are preallocated: map updates in the scheduler's switch run under
 * the runqueue lock, where on-demand allocation cannot refill its cache
 * and fails.
 */
static int load_skel(struct collector *c, const struct record_opts *o, int targets_fd)
{
	struct offcpu_bpf *skel = offcpu_bpf__open();
	int err;

	if (!skel)
		return errno ? -errno : -ENOMEM;
	skel->rodata->filter_mode = collector__filter_mode(o);
	skel->rodata->target_tid = o->tid;
	skel->rodata->want_user = !o->kernel_only;
	skel->rodata->want_kernel = !o->user_only;
	skel->rodata->state_mask = o->state_mask;
	/* The wall view counts runnable time too; the off-CPU view only when
	 * asked. Keys carry EMBER_KEY_PREEMPTED so each view picks its own. */
	skel->rodata->record_preempted = o->include_preempted || record_opts__has(o, EVENT_WALL);
	skel->rodata->min_block_ns = o->min_block_us * 1000;
	skel->rodata->max_block_ns = o->max_block_us ? o->max_block_us * 1000 : ~0ULL;
	bpf_map__set_max_entries(skel->maps.stacks, o->stack_storage);
	bpf_map__set_max_entries(skel->maps.offcpu_counts, o->max_entries);
	err = bpf_map__reuse_fd(skel->maps.targets, targets_fd);
	if (!err)
		err = offcpu_bpf__load(skel);
	if (err) {
		offcpu_bpf__destroy(skel);
		return err;
	}
	c->skel = skel;
	return 0;
}

static struct collector *offcpu_load(const struct record_opts *o, int targets_fd)
{
	return collector__new(sizeof(struct collector), load_skel, o, targets_fd);
}

static int offcpu_attach(struct collector *c, const struct record_opts *o,
			 const struct attach_info *ai)
{
	(void)o;
	(void)ai;
	c->link = bpf_program__attach(c->skel->progs.on_switch);
	if (!c->link) {
		int err = -errno;

		p_err("cannot attach to the sched_switch raw tracepoint: %s", strerror(-err));
		return err;
	}
	return 0;
}

static void offcpu_stop(struct collector *c, __u64 stop_ns)
{
	bpf_link__destroy(c->link);
	c->link = NULL;
	c->stop_ns = stop_ns;
}

/*
 * Threads still off CPU when recording stopped: their time so far is real
 * waiting (a server blocked in accept for the whole run is the point of an
 * off-CPU profile), so count it up to the stop, under the same filters.
 */
static int drain_open_intervals(struct collector *c, const struct record_opts *o,
				collector_sink sink, void *ctx)
{
	int start_fd = bpf_map__fd(c->skel->maps.start);
	int stacks_fd = bpf_map__fd(c->skel->maps.stacks);
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
		if (bpf_map_lookup_elem(start_fd, &tid, &s) || s.ts >= c->stop_ns)
			continue;
		col.value = c->stop_ns - s.ts;
		/* the same limits the BPF program applied */
		if (col.value < c->skel->rodata->min_block_ns ||
		    col.value > c->skel->rodata->max_block_ns)
			continue;
		collector__resolve(stacks_fd, &s.key, o, false, b, &rs, &c->ds);
		col.stack = &rs;
		col.key = &s.key;
		err = sink(ctx, &col);
		if (err)
			break;
	}
	free(b);
	return err;
}

static int offcpu_take(struct collector *c, const struct record_opts *o, collector_sink sink,
		       void *ctx)
{
	return collector__take_counts(SOURCE_OFFCPU, &c->taker,
				      bpf_map__fd(c->skel->maps.offcpu_counts),
				      bpf_map__fd(c->skel->maps.stacks), o, sink, ctx, &c->ds);
}

static int offcpu_counts(struct collector *c, const struct record_opts *o, collector_sink sink,
			 void *ctx)
{
	return collector__drain_counts(SOURCE_OFFCPU, bpf_map__fd(c->skel->maps.offcpu_counts),
				       bpf_map__fd(c->skel->maps.stacks), o, sink, ctx, &c->ds);
}

static int offcpu_drain(struct collector *c, const struct record_opts *o, collector_sink sink,
			void *ctx)
{
	int err;

	err = offcpu_counts(c, o, sink, ctx);
	return err ? err : drain_open_intervals(c, o, sink, ctx);
}

static void offcpu_read_stats(struct collector *c, __u64 *stats)
{
	collector__read_stats(bpf_map__fd(c->skel->maps.stats), c->skel->obj, &c->ds, stats);
}

static const char *offcpu_describe(struct collector *c)
{
	(void)c;
	return "sched_switch";
}

static void offcpu_free(struct collector *c)
{
	if (!c)
		return;
	bpf_link__destroy(c->link);
	offcpu_bpf__destroy(c->skel);
	map_batch__free(c->taker);
	free(c);
}

const struct collector_ops offcpu_collector_ops = {
	.name = "offcpu",
	.load = offcpu_load,
	.attach = offcpu_attach,
	.stop = offcpu_stop,
	.drain = offcpu_drain,
	.take = offcpu_take,
	.read_stats = offcpu_read_stats,
	.describe = offcpu_describe,
	.free = offcpu_free,
};
