// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Helpers every collector uses to read its maps back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "collect/map_batch.h"
#include "stack/raw_stack.h"

int shared_maps__add(struct shared_maps *sm, const char *name, int fd)
{
	if (sm->nr == SHARED_MAPS_MAX)
		return -E2BIG;
	sm->map[sm->nr].name = name;
	sm->map[sm->nr++].fd = fd;
	return 0;
}

int shared_maps__reuse(const struct shared_maps *sm, struct bpf_object *obj)
{
	for (int i = 0; i < sm->nr; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, sm->map[i].name);
		int err;

		if (!m)
			return -ENOENT;
		err = bpf_map__reuse_fd(m, sm->map[i].fd);
		if (err)
			return err;
	}
	return 0;
}

struct collector *collector__new(const struct collector_ops *ops,
				 const struct collector_config *cfg, const struct shared_maps *sm)
{
	struct collector *c = calloc(1, ops->size);
	int err;

	if (!c)
		return NULL;
	c->ops = ops;
	c->cfg = *cfg;
	err = ops->load(c, sm);
	if (err) {
		collector__free(c);
		errno = -err;
		return NULL;
	}
	return c;
}

void collector__free(struct collector *c)
{
	if (!c)
		return;
	c->ops->free(c);
	map_batch__free(c->taker);
	free(c);
}

void collector__add_stats(int stats_fd, __u64 *stats)
{
	int nr_cpus = libbpf_num_possible_cpus();
	__u64 *vals;

	if (nr_cpus <= 0)
		return;
	vals = calloc(nr_cpus, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < EMBER_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(stats_fd, &k, vals))
			continue;
		for (int c = 0; c < nr_cpus; c++)
			stats[k] += vals[c];
	}
	free(vals);
}

void collector__add_bpf_stats(int stats_fd, const struct bpf_object *obj,
			      const struct drain_stack_stats *ds, __u64 *stats)
{
	struct bpf_program *prog;

	collector__add_stats(stats_fd, stats);
	if (ds)
		stats[EMBER_STAT_STACK_MISSING] += ds->missing_stacks;
	/* The kernel does not run a tracing program on a CPU where it is
	 * already running (an NMI sample inside a sched_switch, ...) and
	 * counts each skip; those events are lost to ember. */
	bpf_object__for_each_program(prog, obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_program__fd(prog) >= 0 &&
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
			stats[EMBER_STAT_PROG_MISSES] += info.recursion_misses;
	}
}

/* Used slots of a stored stack (zero-terminated unless full). */
static unsigned int stack_len(const __u64 *ips)
{
	unsigned int n = 0;

	while (n < EMBER_MAX_STACK_DEPTH && ips[n])
		n++;
	return n;
}

/* false if the key names no stack, or the stack has vanished. */
static bool read_stack(int fd, __u64 key, struct ember_stack *st)
{
	return key && !bpf_map_lookup_elem(fd, &key, st);
}

/* Append a stored stack's frames, leaf first. Every frame but the leaf is
 * a return address; the leaf is one too when the stack was taken at a
 * function's return. A full stack stopped at the depth limit. */
static unsigned int add_frames(struct raw_frame *out, const struct ember_stack *st,
			       enum raw_frame_kind kind, bool leaf_returns)
{
	unsigned int n = stack_len(st->ips);

	for (unsigned int i = 0; i < n; i++) {
		out[i] = (struct raw_frame){ .addr = st->ips[i], .kind = kind };
		if (i || leaf_returns)
			out[i].flags |= RAW_FRAME_RETURN_ADDR;
	}
	if (n == EMBER_MAX_STACK_DEPTH)
		out[n - 1].flags |= RAW_FRAME_TRUNCATED;
	return n;
}

void collector__resolve(struct collector *c, int stacks_fd, const struct ember_stack_key *key,
			bool user_at_return, struct collector_bufs *b, struct raw_stack *rs)
{
	struct drain_stack_stats *st = &c->ds;
	unsigned int n = 0;

	memset(rs, 0, sizeof(*rs));
	memcpy(b->comm, key->comm, EMBER_COMM_LEN);
	b->comm[EMBER_COMM_LEN] = '\0';
	rs->tgid = key->tgid;
	rs->start_time = key->start_time;
	rs->comm = b->comm[0] ? b->comm : "[unknown]";
	rs->unwinder = key->flags & EMBER_KEY_USER_CFI ? RAW_UNWIND_CFI : RAW_UNWIND_FP;
	/* kernel stacks are taken in the kernel, from the interrupted
	 * instruction (a sample) or the probe */
	if (read_stack(stacks_fd, key->kernel_stack, &b->stack))
		n += add_frames(b->frames + n, &b->stack, RAW_FRAME_KERNEL, false);
	else if (key->kernel_stack)
		st->missing_stacks++;
	if (read_stack(stacks_fd, key->user_stack, &b->stack)) {
		unsigned int u =
		    add_frames(b->frames + n, &b->stack, RAW_FRAME_USER, user_at_return);

		n += u;
		if (u && (key->flags & EMBER_KEY_USER_PARTIAL))
			b->frames[n - 1].flags |= RAW_FRAME_PARTIAL;
		if (u && (key->flags & EMBER_KEY_USER_TRUNCATED))
			b->frames[n - 1].flags |= RAW_FRAME_TRUNCATED;
	} else if (key->user_stack)
		st->missing_stacks++;
	rs->frames = b->frames;
	rs->nr_frames = n;
	/* A sample whose stack could not be stored keeps its value under a
	 * marker, so totals stay true. */
	if (key->flags & (EMBER_KEY_USER_LOST | EMBER_KEY_KERNEL_LOST))
		rs->marker = "[lost stack]";
	else if (!n)
		rs->marker = c->cfg.scope.user_only ? "[kernel]" : "[no stack]";
}

union count_value {
	__u64 samples;
	struct ember_offcpu_value offcpu;
	struct ember_alloc_value alloc;
};

static size_t value_size(enum collector_source source)
{
	return source == SOURCE_CPU	 ? sizeof(__u64)
	       : source == SOURCE_OFFCPU ? sizeof(struct ember_offcpu_value)
					 : sizeof(struct ember_alloc_value);
}

/* One counts entry, its stacks resolved, to the sink. */
static int emit(struct collector *c, enum collector_source source,
		const struct ember_stack_key *key, const union count_value *v, int stacks_fd,
		struct collector_bufs *b, collector_sink sink, void *ctx)
{
	struct collected col = { .source = source, .key = key };
	struct raw_stack rs;

	if (source == SOURCE_CPU) {
		col.value = col.count = v->samples;
	} else if (source == SOURCE_OFFCPU) {
		col.value = v->offcpu.total_ns;
		col.count = v->offcpu.count;
	} else {
		col.value = v->alloc.bytes;
		col.count = (v->alloc.count + EMBER_ALLOC_ONE / 2) / EMBER_ALLOC_ONE;
	}
	/* allocation stacks are taken at the allocator's return */
	collector__resolve(c, stacks_fd, key, source == SOURCE_ALLOC, b, &rs);
	col.stack = &rs;
	return sink(ctx, &col);
}

/* Every entry the batch reads (take: and deletes), resolved, to the sink. */
static int emit_all(struct collector *c, enum collector_source source, struct map_batch *mb,
		    bool take, int stacks_fd, collector_sink sink, void *ctx)
{
	struct collector_bufs *b;
	long n = map_batch__read(mb, take);
	int err = 0;

	if (n < 0)
		return (int)n;
	b = malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (long i = 0; i < n && !err; i++) {
		union count_value v;

		/* the batch packs values at their size, unaligned for the union */
		memcpy(&v, map_batch__value(mb, i), value_size(source));
		err = emit(c, source, map_batch__key(mb, i), &v, stacks_fd, b, sink, ctx);
	}
	free(b);
	return err;
}

int collector__drain_counts(struct collector *c, enum collector_source source, int counts_fd,
			    int stacks_fd, collector_sink sink, void *ctx)
{
	struct map_batch *mb =
	    map_batch__new(counts_fd, sizeof(struct ember_stack_key), (__u32)value_size(source));
	int err;

	if (!mb)
		return -errno;
	err = emit_all(c, source, mb, false, stacks_fd, sink, ctx);
	map_batch__free(mb);
	return err;
}

int collector__take_counts(struct collector *c, enum collector_source source, int counts_fd,
			   int stacks_fd, collector_sink sink, void *ctx)
{
	if (!c->taker) {
		c->taker = map_batch__new(counts_fd, sizeof(struct ember_stack_key),
					  (__u32)value_size(source));
		if (!c->taker)
			return -errno;
	}
	return emit_all(c, source, c->taker, true, stacks_fd, sink, ctx);
}
