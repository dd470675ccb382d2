/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unwinder: what the .eh_frame walk needs at run time, for one session.
 * It keeps every target process's executable mappings in BPF
 * (unwind/unwind_maps), builds each file's table the first time the file
 * is seen, on a thread of its own, and places it in the walker's row and
 * index arrays (unwind/unwind_store), sized from the memory given. The
 * collectors' objects share its maps (unwinder__share) and walk with
 * them.
 */
#ifndef EMBER_UNWINDER_H
#define EMBER_UNWINDER_H

#include <linux/types.h>
#include "ember_abi.h"
#include "collect/collector.h"

struct unwinder_opts {
	enum ember_filter mode; /* as the collectors filter: ALL, TGID (targets_fd's) or TID */
	int targets_fd;
	__u32 target_tgid; /* TID: the thread's process */
	__u64 memory;	   /* bytes for rows and index */
};

struct unwinder_stats {
	__u64 files;	     /* tables asked for (files seen) */
	__u64 built;	     /* tables built and placed */
	__u64 shared;	     /* files given the table of an identical one */
	__u64 no_cfi;	     /* files without any unwind information */
	__u64 gone;	     /* files whose process went before the table was built */
	__u64 not_same;	     /* files replaced under their path (dev/ino changed) */
	__u64 failed;	     /* tables that could not be built (not ELF, broken CFI) */
	__u64 full;	     /* tables left out: the memory is used up */
	__u64 build_ns;	     /* time spent building them */
	__u64 bytes;	     /* table memory in use */
	__u64 seed_ns;	     /* scanning the processes there before */
	__u64 seed_mappings; /* executable mappings found then */
};

struct unwinder;

/* Loads and attaches the mapping hooks, seeds the processes there now,
 * starts the table builder. NULL with errno (a message printed). */
struct unwinder *unwinder__new(const struct unwinder_opts *o);
/* Stops the builder and releases everything; the collectors must be
 * gone (their objects hold the maps too, which is harmless). */
void unwinder__free(struct unwinder *u);

/* A process that became a target after unwinder__new (-p): its mappings
 * now, as seeding enters them. */
void unwinder__add_pid(struct unwinder *u, __u32 tgid);
/* The table of a file about to be run (a command's executable, by the
 * path the user gave), built and placed now: its first sample walks
 * completely. 0 or -errno. */
int unwinder__prebuild(struct unwinder *u, const char *path);
/* Adds the maps the walker's objects reuse. 0 or -E2BIG. */
int unwinder__share(const struct unwinder *u, struct shared_maps *sm);
/* Waits until every table asked for so far is placed, or timeout_ms:
 * true if none is left. */
bool unwinder__settle(struct unwinder *u, int timeout_ms);
/* Adds the mapping hooks' counters into stats[EMBER_STAT_MAX]. */
void unwinder__read_stats(const struct unwinder *u, __u64 *stats);
void unwinder__stats(struct unwinder *u, struct unwinder_stats *st);

#endif
