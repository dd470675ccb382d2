/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * collector: one BPF data source of ember record (on-CPU samples, off-CPU
 * intervals, ...). Each owns its skeleton and is driven through the same
 * steps: load (configured from the options, sharing the targets map),
 * attach, stop, then drain its maps once into raw stacks for the writers'
 * profiles. Symbolization and output are not its business.
 */
#ifndef EMBER_COLLECTOR_H
#define EMBER_COLLECTOR_H

#include <stdbool.h>
#include <linux/types.h>
#include "ember_abi.h"
#include "raw_stack.h"
#include "record_opts.h"

struct collector;

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

/* What attach needs beyond the options. */
struct attach_info {
	const bool *cpus; /* CPUs to sample, nr_cpus of them */
	int nr_cpus;
	__u32 cmd_pid; /* -- CMD: the command, stopped before its exec */
};

typedef int (*collector_sink)(void *ctx, const struct collected *c);

struct collector_ops {
	const char *name;
	/* NULL with errno set (a message printed for anything but a load
	 * failure, which the caller reports). */
	struct collector *(*load)(const struct record_opts *o, int targets_fd);
	int (*attach)(struct collector *c, const struct record_opts *o,
		      const struct attach_info *ai);
	void (*stop)(struct collector *c, __u64 stop_ns);
	int (*drain)(struct collector *c, const struct record_opts *o, collector_sink sink,
		     void *ctx);
	/* Live views: what was counted since the last take (or the attach),
	 * to the same sink, without stopping: the counts map is read and
	 * emptied in batches, so each call costs what is new, not all seen
	 * so far (no open off-CPU intervals, no live blocks). */
	int (*take)(struct collector *c, const struct record_opts *o, collector_sink sink,
		    void *ctx);
	/* Adds this collector's BPF counters into stats[EMBER_STAT_MAX]. */
	void (*read_stats)(struct collector *c, __u64 *stats);
	/* One summary phrase, e.g. "cpu-clock at 99 Hz (software ...)". */
	const char *(*describe)(struct collector *c);
	void (*free)(struct collector *c);
};

extern const struct collector_ops cpu_collector_ops;
extern const struct collector_ops offcpu_collector_ops;
extern const struct collector_ops alloc_collector_ops;

/* Live blocks the leak profile leaves out, and why. */
struct alloc_leak_stats {
	__u64 exited_blocks; /* of processes that exited (or exec'd) before the end */
	__u64 young_blocks;  /* younger than --min-age */
	__u64 young_bytes;
	__u64 munmap_untracked; /* munmaps that covered no live mapping */
};
/* Only for a collector made by alloc_collector_ops. */
void alloc_collector__leak_stats(const struct collector *c, struct alloc_leak_stats *st);

/* Allocate a collector of size bytes and fill it with load (which opens,
 * configures and loads its skeleton; 0 or -errno). NULL with errno set. */
struct collector *collector__new(size_t size,
				 int (*load)(struct collector *c, const struct record_opts *o,
					     int targets_fd),
				 const struct record_opts *o, int targets_fd);

/* How a collector that samples every thread filters: one thread (-t), the
 * targets map (-p, -- CMD), or nothing (-a). */
static inline __u32 collector__filter_mode(const struct record_opts *o)
{
	return o->tid ? EMBER_FILTER_TID : o->all ? EMBER_FILTER_ALL : EMBER_FILTER_TGID;
}

/* Sum a per-CPU stats map into stats[]. */
void collector__add_stats(int stats_fd, __u64 *stats);
struct bpf_object;
struct drain_stack_stats;
/* Adds a collector's counters into stats[]: its BPF stats map, the
 * kernel's count of skipped runs of its programs, and the stacks its drain
 * found missing. */
void collector__read_stats(int stats_fd, const struct bpf_object *obj,
			   const struct drain_stack_stats *ds, __u64 *stats);

/* Keys whose stored stack had vanished by the time they were read. */
struct drain_stack_stats {
	__u64 missing_stacks;
};

/* Scratch for turning a key into a raw_stack. */
struct collector_bufs {
	struct ember_stack stack;
	struct raw_frame frames[2 * EMBER_MAX_STACK_DEPTH]; /* kernel, then user */
	char comm[EMBER_COMM_LEN + 1];
};

/* Resolve a key's stacks from stacks_fd into rs (pointing into b).
 * user_at_return: the user stack was taken at a function's return (an
 * allocator's), so its leaf is a return address too. */
void collector__resolve(int stacks_fd, const struct ember_stack_key *key,
			const struct record_opts *o, bool user_at_return, struct collector_bufs *b,
			struct raw_stack *rs, struct drain_stack_stats *st);

/* Read a counts map keyed by ember_stack_key once (in batches) and hand every entry to
 * the sink. The value layout follows the source: a __u64 sample count for
 * SOURCE_CPU, struct ember_offcpu_value for SOURCE_OFFCPU, struct
 * ember_alloc_value for SOURCE_ALLOC. */
int collector__drain_counts(enum collector_source source, int counts_fd, int stacks_fd,
			    const struct record_opts *o, collector_sink sink, void *ctx,
			    struct drain_stack_stats *st);

struct map_batch;
/* The same as a take: entries read and deleted in batches (*taker made on
 * first use, freed by the collector). A program that looked an entry up
 * just before the take deleted it adds to an entry no longer in the map:
 * that count is lost, a window of nanoseconds per entry and take against
 * events milliseconds apart. */
int collector__take_counts(enum collector_source source, struct map_batch **taker, int counts_fd,
			   int stacks_fd, const struct record_opts *o, collector_sink sink,
			   void *ctx, struct drain_stack_stats *st);

#endif
