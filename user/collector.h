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
#include "record_opts.h"

struct raw_stack;
struct collector;

enum collector_source {
	SOURCE_CPU,    /* value: samples */
	SOURCE_OFFCPU, /* value: nanoseconds; count: intervals */
};

/* One aggregated stack as read back from the kernel. */
struct collected {
	enum collector_source source;
	const struct raw_stack *stack;
	const struct ember_stack_key *key;
	__u64 value;
	__u64 count;
};

typedef int (*collector_sink)(void *ctx, const struct collected *c);

struct collector_ops {
	const char *name;
	/* NULL with errno set (a message printed for anything but a load
	 * failure, which the caller reports). */
	struct collector *(*load)(const struct record_opts *o, int targets_fd);
	int (*attach)(struct collector *c, const struct record_opts *o, const bool *cpus,
		      int nr_cpus);
	void (*stop)(struct collector *c, __u64 stop_ns);
	int (*drain)(struct collector *c, const struct record_opts *o, collector_sink sink,
		     void *ctx);
	/* Adds this collector's BPF counters into stats[EMBER_STAT_MAX]. */
	void (*read_stats)(struct collector *c, __u64 *stats);
	/* One summary phrase, e.g. "cpu-clock at 99 Hz (software ...)". */
	const char *(*describe)(struct collector *c);
	void (*free)(struct collector *c);
};

extern const struct collector_ops cpu_collector_ops;
extern const struct collector_ops offcpu_collector_ops;

/* Sum a per-CPU stats map into stats[]. */
void collector__add_stats(int stats_fd, __u64 *stats);
struct bpf_program;
struct drain_stack_stats;
/* Adds a collector's counters into stats[]: its BPF stats map, the
 * kernel's count of skipped runs of its program, and the stacks its drain
 * found missing. */
void collector__read_stats(int stats_fd, const struct bpf_program *prog,
			   const struct drain_stack_stats *ds, __u64 *stats);

/* Keys whose stored stack had vanished by the time they were read. */
struct drain_stack_stats {
	__u64 missing_stacks;
};

/* Scratch for turning a key into a raw_stack. */
struct collector_bufs {
	struct ember_stack user, kernel;
	char comm[EMBER_COMM_LEN + 1];
};

/* Resolve a key's stacks from stacks_fd into rs (pointing into b). */
void collector__resolve(int stacks_fd, const struct ember_stack_key *key,
			const struct record_opts *o, struct collector_bufs *b, struct raw_stack *rs,
			struct drain_stack_stats *st);

/* Read a counts map keyed by ember_stack_key once and hand every entry to
 * the sink. The value layout follows the source: a __u64 sample count for
 * SOURCE_CPU, struct ember_offcpu_value for SOURCE_OFFCPU. */
int collector__drain_counts(enum collector_source source, int counts_fd, int stacks_fd,
			    const struct record_opts *o, collector_sink sink, void *ctx,
			    struct drain_stack_stats *st);

#endif
