/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * top_probe: the BPF side of ember top. Times at the scheduler switch how
 * long each process's threads run and stay blocked, both cumulative since
 * attach, for the whole machine.
 */
#ifndef EMBER_TOP_PROBE_H
#define EMBER_TOP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ember_abi.h"

struct top_probe;

/* Cumulative figures of one process since attach. */
struct top_counter {
	__u32 tgid;
	__u64 oncpu_ns;	 /* runs ended, plus the part of those going on until now */
	__u64 offcpu_ns; /* blocks ended, plus the part of open ones until now */
	char comm[EMBER_COMM_LEN + 1];
};

/* Order of counters by tgid (qsort/bsearch). */
int top_counter__cmp(const void *a, const void *b);

/* Loads and attaches. NULL with the error printed. */
struct top_probe *top_probe__new(void);
void top_probe__free(struct top_probe *p);
/* How CPU time is measured, for the title. */
const char *top_probe__describe(const struct top_probe *p);
/* Every process seen so far, as of now_ns (CLOCK_MONOTONIC), sorted by
 * tgid; the runs going on are read from /proc/TGID/task/TID/schedstat for
 * the threads left runnable. *out is owned by the probe, valid until the
 * next call. 0 or -errno. */
int top_probe__read(struct top_probe *p, __u64 now_ns, const struct top_counter **out, size_t *n);
/* A process is gone and its last figures were used: drop its entry. */
void top_probe__forget(struct top_probe *p, __u32 tgid);
/* Drop the entries of threads that no longer exist (each thread keeps
 * one for its life; no hook this program may use sees it exit). */
void top_probe__sweep(struct top_probe *p, const char *proc_root);
/* Adds the BPF counters into stats[EMBER_STAT_MAX]. */
void top_probe__stats(struct top_probe *p, __u64 *stats);

#endif
