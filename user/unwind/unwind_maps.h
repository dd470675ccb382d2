/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unwind_maps: which file each user address of a target process belongs
 * to, kept in BPF (bpf/unwind_maps.bpf.c) for the .eh_frame walker. This
 * module loads and attaches the maps' owner, seeds the processes that
 * existed before (from /proc/PID/maps, through the same BPF code the
 * hooks run), hands out the map fds for the walker's objects to reuse,
 * and passes on "new file" events: the table builder opens
 * /proc/TGID/map_files/START-END and checks the opened file's dev and ino
 * against the event's (the path is the target's to change).
 */
#ifndef EMBER_UNWIND_MAPS_H
#define EMBER_UNWIND_MAPS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "ember_abi.h"

/* Defaults for the sizes left 0 in unwind_maps_opts. */
#define UNWIND_MAPS_DEF_MAPPINGS 65536 /* executable mappings, all processes */
#define UNWIND_MAPS_DEF_FILES 4096     /* file ids: the files array's size */
#define UNWIND_MAPS_DEF_PROCS 8192     /* processes with mappings */
/* Trie entries per mapping: 6 measured on average, 64 at most. */
#define UNWIND_MAPS_KEYS_PER_MAPPING 8

/* A file seen for the first time (once per dev and ino, whatever the
 * number of processes mapping it); may run inside unwind_maps__new
 * (seeding) and inside unwind_maps__poll. */
typedef void (*unwind_maps_file_fn)(void *ctx, const struct ember_unw_event *ev);

struct unwind_maps_opts {
	enum ember_filter mode; /* ALL: every process; TGID: targets_fd's; TID: target_tgid */
	int targets_fd;		/* the targets map (targets__load's), for TGID */
	__u32 target_tgid;	/* TID: the process of the thread */
	__u32 max_mappings;	/* 0: the defaults above */
	__u32 max_files;
	__u32 max_procs;
	unwind_maps_file_fn on_file; /* may be NULL */
	void *ctx;
};

/* What seeding found, for --stats and the benchmarks. */
struct unwind_maps_seed {
	__u64 procs;	/* processes scanned */
	__u64 mappings; /* executable mappings entered */
	__u64 changed;	/* refused: the process exec'd or exited since its scan */
	__u64 files;	/* file mappings of other processes registered for tables */
	__u64 failed;	/* /proc/PID/maps unreadable (gone, kernel thread) */
	__u64 ns;	/* wall time of the whole seeding */
};

/* The owner's maps, for bpf_map__reuse_fd in the walker's objects. */
struct unwind_maps_fds {
	int maps;     /* unw_maps */
	int inodes;   /* unw_inodes */
	int file_ids; /* unw_file_ids */
	int parent;   /* unw_parent */
	int events;   /* unw_events */
};

struct unwind_maps;

/* Loaded, attached, then every existing target seeded: attached first,
 * so that nothing mapped during the scan is missed. NULL with errno set
 * (message printed). */
struct unwind_maps *unwind_maps__new(const struct unwind_maps_opts *opts);
void unwind_maps__free(struct unwind_maps *m);

/* Waits up to timeout_ms for events and runs the callback on them;
 * returns how many, or a negative errno. */
int unwind_maps__poll(struct unwind_maps *m, int timeout_ms);
/* The ring's fd, to wait on beside others (epoll). */
int unwind_maps__event_fd(const struct unwind_maps *m);

void unwind_maps__fds(const struct unwind_maps *m, struct unwind_maps_fds *out);
const struct unwind_maps_seed *unwind_maps__seeding(const struct unwind_maps *m);
/* File ids given out so far (bounded by max_files). */
__u32 unwind_maps__files_used(const struct unwind_maps *m);
/* The owner's per-CPU counters (EMBER_STAT_UNW_*), as every object's
 * stats map. */
int unwind_maps__stats_fd(const struct unwind_maps *m);
/* The keys of exited processes stay while the kernel tears their address
 * space down (samples then still walk it), and at most 64 exits longer;
 * this drops those of processes now gone or zombies. Returns how many
 * processes' keys went. */
int unwind_maps__reap(struct unwind_maps *m);
/* Enters a process that became a target after unwind_maps__new (-p, a
 * live view's choice), as seeding does: its mappings now, its changes
 * from the hooks. */
void unwind_maps__seed_pid(struct unwind_maps *m, __u32 tgid);
/* A file not mapped yet (the command ember is about to start): its id,
 * given once per (dev, ino) as to a mapped file; its "new file" event
 * has tgid 0 (the caller builds the table from the file itself). The id,
 * -ENOSPC (ids or ring exhausted) or -errno. */
long unwind_maps__register_file(struct unwind_maps *m, __u64 dev, __u64 ino);
/* The BPF programs' fds and names, i-th (false past the last): for
 * bpf_stats figures. */
bool unwind_maps__prog(const struct unwind_maps *m, int i, int *fd, const char **name);

/* The kernel's encoding of a device (inode->i_sb->s_dev, as in
 * ember_unw_inode.dev): from the major and minor /proc/PID/maps prints,
 * or from a stat()'s st_dev (whose encoding differs). */
__u64 unwind_maps__kdev(__u32 major, __u32 minor);
__u64 unwind_maps__kdev_of(dev_t st_dev);

#endif
