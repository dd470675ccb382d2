/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * session: the parts one profiling run shares, for `ember record` and
 * `ember top` alike: the BPF targets filter (and the fork hook that grows
 * it), the symbolizer, the mmap tracker that keeps it current (and whoever
 * else listens), and the collectors, each configured by its own config.
 * Who is profiled is the session's; what each collector counts is its own.
 */
#ifndef EMBER_SESSION_H
#define EMBER_SESSION_H

#include <stdbool.h>
#include <linux/types.h>
#include "collect/collector.h"

struct session;
struct symbolizer;
struct mmap_tracker;

struct session_scope {
	const bool *cpus; /* where side-band records are read: the online CPUs */
	int nr_cpus;
	bool all;	   /* every process: the tracker follows all, and scans them now */
	bool follow_forks; /* a command's descendants become targets (the fork hook) */
	/* the tracker also follows what the BPF filter holds (the fork hook's
	 * children); else only the processes added */
	bool tracker_reads_filter;
	/* how user stacks are walked (enum unwind_mode; 0: auto) */
	unsigned int unwind;
	__u64 unwind_memory; /* bytes for the tables; 0: the default */
	__u32 tid;	     /* -t: the one thread profiled, else 0 */
};

/* How session__add_target takes a process. */
enum session_target {
	SESSION_FILTER = 1 << 0, /* into the BPF filter: the collectors count it */
	SESSION_SCAN = 1 << 1,	 /* its mappings now, into the symbolizer */
};

/* Loads the targets programs and opens the symbolizer and the tracker.
 * NULL: the error was printed. */
struct session *session__new(const struct session_scope *sc);
/* Frees the collectors still held, then the rest. */
void session__free(struct session *s);

int session__targets_fd(const struct session *s);
/* The user unwinder the collectors get (enum ember_unwinder): CFI unless
 * --unwind fp, or auto found the tables could not be set up. */
unsigned int session__unwinder(const struct session *s);
/* The tables' builder (NULL without CFI), for its figures. */
struct unwinder *session__unwind(const struct session *s);
struct symbolizer *session__symbolizer(const struct session *s);
struct mmap_tracker *session__tracker(const struct session *s);

/* Follows TGID (the tracker hears of its mappings from now on) and, as
 * HOW says, filters and scans it. 0 or a negative errno. */
int session__add_target(struct session *s, __u32 tgid, unsigned int how);
/* The unwind table of the command about to run (argv0, found as execvp
 * finds it), so that its first samples walk completely; nothing without
 * the table walk or when it cannot be found (the exec will say). */
void session__prebuild(struct session *s, const char *argv0);
/* Empties the BPF filter (a live view switching processes). */
void session__clear_filter(struct session *s);

/* Loads a collector the session then holds. NULL with errno set (the
 * caller says so: record on stderr, top in its status line). */
struct collector *session__add_collector(struct session *s, const struct collector_ops *ops,
					 const struct collector_config *cfg);
int session__nr_collectors(const struct session *s);
struct collector *session__collector(const struct session *s, int i);
/* Hands C back to the caller, who stops and frees it (top frees a
 * replaced collector on a thread: removing uprobes waits). */
struct collector *session__remove_collector(struct session *s, struct collector *c);

/* Attaches the fork hook (follow_forks) and every collector. 0 or a
 * negative errno (printed). */
int session__start(struct session *s, const struct attach_info *ai);
/* Stops every collector at STOP_NS, detaches the fork hook, and hands the
 * listeners every side-band record read so far. */
void session__stop(struct session *s, __u64 stop_ns);
/* The targets programs' counters, added to STATS. */
void session__read_stats(const struct session *s, __u64 *stats);

#endif
