/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mmap_tracker: follows processes' executable mappings, forks and execs
 * as they happen, from perf's side-band records (a dummy software event
 * per CPU with mmap2/comm/task records, as `perf record` does), and feeds
 * them, in time order, to its listeners: the symbolizer today, unwind
 * tables and interpreter discovery next. This is what lets a process that
 * exits before the profile ends be symbolized: its maps were seen while
 * it lived.
 */
#ifndef EMBER_MMAP_TRACKER_H
#define EMBER_MMAP_TRACKER_H

#include <stdbool.h>
#include <linux/types.h>

struct mmap_tracker;
struct sym_mmap;

/* What a listener hears of a tracked process; NULL ops are not called.
 * time: the record's stamp (mmap_tracker__now()'s clock). */
struct mmap_listener {
	void (*mmap)(void *ctx, const struct sym_mmap *m);
	void (*fork)(void *ctx, __u32 parent_tgid, __u32 child_tgid, __u64 time);
	void (*exec)(void *ctx, __u32 tgid, __u64 time);
	void (*exit)(void *ctx, __u32 tgid, __u64 time);
};

struct mmap_tracker_stats {
	__u64 mmaps, forks, execs, exits;
	__u64 lost_records; /* PERF_RECORD_LOST: the buffer overflowed */
};

/* track_all: every process; else only tgids added with
 * mmap_tracker__track(), those in the BPF targets map (targets_fd, -1 for
 * none) and, if follow_forks, their descendants. */
struct mmap_tracker *mmap_tracker__new(const bool *cpus, int nr_cpus, bool track_all,
				       bool follow_forks, int targets_fd);
void mmap_tracker__free(struct mmap_tracker *t);
/* Adds a listener (L must outlive T), heard after those added before it.
 * 0 or -ENOMEM. */
int mmap_tracker__listen(struct mmap_tracker *t, const struct mmap_listener *l, void *ctx);
void mmap_tracker__track(struct mmap_tracker *t, __u32 tgid);
/* Waits up to timeout_ms for records, then hands on, in time order, every
 * record stamped before now (less a small margin; later ones wait for the
 * next call). Returns 0 or a negative errno (-EINTR when a signal arrived). */
int mmap_tracker__poll(struct mmap_tracker *t, int timeout_ms);
/* Hands on every record read so far, once no more matter (the stop). */
void mmap_tracker__flush(struct mmap_tracker *t);
void mmap_tracker__stats(const struct mmap_tracker *t, struct mmap_tracker_stats *st);

/* CLOCK_MONOTONIC in ns: the BPF programs' clock (bpf_ktime_get_ns).
 * Records are stamped with symbolizer__now()'s. */
__u64 mmap_tracker__now(void);

#endif
