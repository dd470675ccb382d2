/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * collector_config: everything a collector is configured from, set by
 * whoever runs it (record from its options, top from its panel) before the
 * load. A collector reads its own section and the shared scope, never a
 * command's options.
 */
#ifndef EMBER_COLLECTOR_CONFIG_H
#define EMBER_COLLECTOR_CONFIG_H

#include <stdbool.h>
#include <linux/types.h>

/* --unwind: how user stacks are walked. */
enum unwind_mode {
	UNWIND_AUTO = 0, /* the .eh_frame tables, or frame pointers when they cannot be set up */
	UNWIND_CFI,	 /* the tables, or fail */
	UNWIND_FP,	 /* frame pointers only */
};

/* The tables' memory by default: the anchor's sizing for a server with
 * big libraries mapped (a minimal machine needs ~1 MB). */
#define UNWIND_MEMORY_DEFAULT_MB 64

/* Which threads and which stacks. */
struct collector_scope {
	__u32 tid;	   /* one thread (-t), 0 for none */
	bool all;	   /* the whole machine (-a) */
	const __u32 *pids; /* processes (-p) */
	int nr_pids;
	const char *cmd;	    /* -- CMD: the program the command execs, or NULL */
	bool user_only;		    /* no kernel stacks */
	bool kernel_only;	    /* no user stacks */
	unsigned int stack_storage; /* unique stacks the stacks map holds */
	unsigned int max_entries;   /* unique (process, stacks) keys */
	/* how user stacks are walked (enum ember_unwinder): set by the
	 * session, which shares its unwind tables' maps with CFI */
	unsigned int unwinder;
};

struct cpu_config {
	unsigned int freq; /* samples per second per CPU */
};

struct offcpu_config {
	__u32 state_mask;		  /* EMBER_STATE_* of the intervals counted */
	bool record_preempted;		  /* count runnable (preempted) time too, keys marked */
	__u64 min_block_us, max_block_us; /* max 0: no limit */
};

struct alloc_config {
	bool count_allocs;     /* bytes and calls per stack */
	bool track_live;       /* live blocks, for the leak profile */
	__u64 sample_bytes;    /* 0: every allocation */
	double min_age;	       /* seconds: the leak profile leaves out younger blocks */
	unsigned int max_live; /* live blocks the kernel can track */
	const char **libs;     /* --alloc-lib, in order given */
	int nr_libs;
};

struct collector_config {
	struct collector_scope scope;
	struct cpu_config cpu;
	struct offcpu_config offcpu;
	struct alloc_config alloc;
};

/* Every field at its default: the whole machine's scope cleared, 99 Hz,
 * blocked (not runnable) intervals, map sizes by the CPU count. */
void collector_config__defaults(struct collector_config *cc);

#endif
