/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * collector: one BPF data source of ember record (on-CPU samples, off-CPU
 * intervals, ...). Each owns its skeleton and is driven through the same
 * steps: load (configured from its collector_config, sharing the targets map),
 * attach, stop, then drain its maps once into raw stacks for the writers'
 * profiles. Symbolization and output are not its business.
 */
#ifndef EMBER_COLLECTOR_H
#define EMBER_COLLECTOR_H

#include <stdbool.h>
#include <linux/types.h>
#include "ember_abi.h"
#include "stack/raw_stack.h"
#include "collect/collector_config.h"

struct map_batch;

enum collector_source {
	SOURCE_CPU,    /* value: samples */
	SOURCE_OFFCPU, /* value: nanoseconds; count: intervals */
	SOURCE_ALLOC,  /* value: bytes allocated; count: allocations */
	SOURCE_LEAK,   /* value: bytes live at the end; count: blocks */
};

/* One aggregated stack as read back from the kernel. */
struct collected {
	enum collector_source source;
	const struct raw_stack *stack;
	const struct ember_stack_key *key;
	__u64 value;
	__u64 count;
	__u64 oldest_ns; /* SOURCE_LEAK: age of the oldest block at the end */
};

/* Maps a collector's object shares with the session's objects, by name:
 * the targets map, and for the .eh_frame walk its tables and mappings. */
#define SHARED_MAPS_MAX 8
struct shared_maps {
	int nr;
	struct {
		const char *name;
		int fd;
	} map[SHARED_MAPS_MAX];
};

/* Add one; -E2BIG when full. */
int shared_maps__add(struct shared_maps *sm, const char *name, int fd);
struct bpf_object;
/* Before obj's load: each of its maps named in sm uses sm's fd. 0 or
 * -errno; -ENOENT for a name obj does not have. */
int shared_maps__reuse(const struct shared_maps *sm, struct bpf_object *obj);

/* What attach needs beyond the configuration. */
struct attach_info {
	const bool *cpus; /* CPUs to sample, nr_cpus of them */
	int nr_cpus;
	__u32 cmd_pid; /* -- CMD: the command, stopped before its exec */
};

typedef int (*collector_sink)(void *ctx, const struct collected *c);

/* Keys whose stored stack had vanished by the time they were read. */
struct drain_stack_stats {
	__u64 missing_stacks;
};

/* Live blocks the leak profile leaves out, and why. */
struct alloc_leak_stats {
	__u64 exited_blocks; /* of processes that exited (or exec'd) before the end */
	__u64 young_blocks;  /* younger than --min-age */
	__u64 young_bytes;
	__u64 munmap_untracked; /* munmaps that covered no live mapping */
};

/* The part every collector shares; each kind embeds it first. */
struct collector {
	const struct collector_ops *ops;
	/* a copy; what its pointers name must outlive the collector */
	struct collector_config cfg;
	struct drain_stack_stats ds;
	struct map_batch *taker; /* the live views' batch reader, made on first take */
};

struct collector_ops {
	const char *name;
	size_t size; /* of the kind's struct, which starts with struct collector */
	/* Opens, configures (from c->cfg) and loads the skeleton, sharing
	 * the session's maps: 0 or -errno (a message printed for anything
	 * but a load failure, which the caller reports). */
	int (*load)(struct collector *c, const struct shared_maps *sm);
	int (*attach)(struct collector *c, const struct attach_info *ai);
	void (*stop)(struct collector *c, __u64 stop_ns);
	/* Everything counted, once, after the stop. */
	int (*drain)(struct collector *c, collector_sink sink, void *ctx);
	/* Live views: what was counted since the last take (or the attach),
	 * to the same sink, without stopping: the counts map is read and
	 * emptied in batches, so each call costs what is new, not all seen
	 * so far (no open off-CPU intervals, no live blocks). */
	int (*take)(struct collector *c, collector_sink sink, void *ctx);
	/* Adds this collector's counters into stats[EMBER_STAT_MAX]. */
	void (*read_stats)(struct collector *c, __u64 *stats);
	/* NULL but for a collector that tracks live blocks. */
	void (*leak_stats)(const struct collector *c, struct alloc_leak_stats *st);
	/* One summary phrase, e.g. "cpu-clock at 99 Hz (software ...)". */
	const char *(*describe)(struct collector *c);
	/* Releases what the kind holds (the base is freed by collector__free). */
	void (*free)(struct collector *c);
};

extern const struct collector_ops cpu_collector_ops;
extern const struct collector_ops offcpu_collector_ops;
extern const struct collector_ops alloc_collector_ops;

/* A collector of ops's kind, configured from cfg and loaded. NULL with
 * errno set. */
struct collector *collector__new(const struct collector_ops *ops,
				 const struct collector_config *cfg, const struct shared_maps *sm);
void collector__free(struct collector *c);

static inline const char *collector__name(const struct collector *c)
{
	return c->ops->name;
}

static inline int collector__attach(struct collector *c, const struct attach_info *ai)
{
	return c->ops->attach(c, ai);
}

static inline void collector__stop(struct collector *c, __u64 stop_ns)
{
	c->ops->stop(c, stop_ns);
}

static inline int collector__drain(struct collector *c, collector_sink sink, void *ctx)
{
	return c->ops->drain(c, sink, ctx);
}

static inline int collector__take(struct collector *c, collector_sink sink, void *ctx)
{
	return c->ops->take(c, sink, ctx);
}

static inline void collector__read_stats(struct collector *c, __u64 *stats)
{
	c->ops->read_stats(c, stats);
}

static inline const char *collector__describe(struct collector *c)
{
	return c->ops->describe(c);
}

/* Adds the live blocks left out into *st: false if c tracks none. */
static inline bool collector__leak_stats(const struct collector *c, struct alloc_leak_stats *st)
{
	if (!c->ops->leak_stats)
		return false;
	c->ops->leak_stats(c, st);
	return true;
}

/* How a collector that samples every thread filters: one thread (-t), the
 * targets map (-p, -- CMD), or nothing (-a). */
static inline __u32 collector__filter_mode(const struct collector_scope *s)
{
	return s->tid ? EMBER_FILTER_TID : s->all ? EMBER_FILTER_ALL : EMBER_FILTER_TGID;
}

/* Sum a per-CPU stats map into stats[]. */
void collector__add_stats(int stats_fd, __u64 *stats);
struct bpf_object;
/* For read_stats: adds a BPF stats map, the kernel's count of skipped
 * runs of the object's programs, and the stacks a drain found missing
 * (DS may be NULL: the latency and top probes keep no stacks). */
void collector__add_bpf_stats(int stats_fd, const struct bpf_object *obj,
			      const struct drain_stack_stats *ds, __u64 *stats);

/* Scratch for turning a key into a raw_stack. */
struct collector_bufs {
	struct ember_stack stack;
	struct raw_frame frames[2 * EMBER_MAX_STACK_DEPTH]; /* kernel, then user */
	char comm[EMBER_COMM_LEN + 1];
};

/* Resolve a key's stacks from stacks_fd into rs (pointing into b).
 * user_at_return: the user stack was taken at a function's return (an
 * allocator's), so its leaf is a return address too. */
void collector__resolve(struct collector *c, int stacks_fd, const struct ember_stack_key *key,
			bool user_at_return, struct collector_bufs *b, struct raw_stack *rs);

/* Read a counts map keyed by ember_stack_key once (in batches) and hand every entry to
 * the sink. The value layout follows the source: a __u64 sample count for
 * SOURCE_CPU, struct ember_offcpu_value for SOURCE_OFFCPU, struct
 * ember_alloc_value for SOURCE_ALLOC. */
int collector__drain_counts(struct collector *c, enum collector_source source, int counts_fd,
			    int stacks_fd, collector_sink sink, void *ctx);

/* The same as a take: entries read and deleted in batches (c->taker).
 * A program that looked an entry up just before the take deleted it adds
 * to an entry no longer in the map: that count is lost, a window of
 * nanoseconds per entry and take against events milliseconds apart. */
int collector__take_counts(struct collector *c, enum collector_source source, int counts_fd,
			   int stacks_fd, collector_sink sink, void *ctx);

#endif
