/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latency: machine-wide run-queue latency (a thread's wakeup, or its
 * preemption, to its next run on a CPU) and block I/O latency (a
 * request's issue to its completion) as log2 histograms of microseconds,
 * measured in BPF on the scheduler's and the block layer's raw
 * tracepoints, like bcc's runqlat and biolatency.
 */
#ifndef EMBER_LATENCY_H
#define EMBER_LATENCY_H

#include <stdio.h>
#include <linux/types.h>
#include "ember_abi.h"

#define LATENCY_BUCKETS EMBER_LATENCY_BUCKETS

struct latency_hist {
	__u64 count;  /* events, the sum of the buckets */
	__u64 sum_ns; /* their total latency, for a mean */
	/* bucket i: [2^i, 2^(i+1)) us; bucket 0 also holds < 1 us; the last
	 * one is open-ended */
	__u64 buckets[LATENCY_BUCKETS];
};

struct latency;

/* Load and attach. NULL with errno set and an error printed when a
 * tracepoint is missing or the programs do not load: the caller goes on
 * without. */
struct latency *latency__open(void);
/* Histograms so far, cumulative since open; either may be NULL. */
int latency__read(struct latency *l, struct latency_hist *runq, struct latency_hist *bio);
/* a -= b (b an earlier read of the same histogram): a per-interval delta. */
void latency_hist__sub(struct latency_hist *a, const struct latency_hist *b);
/* The p-th percentile (p in 0..100) in microseconds, interpolated
 * linearly within its bucket (the open-ended last bucket gives its lower
 * bound); 0 for an empty histogram. */
double latency_hist__percentile(const struct latency_hist *h, double p);
/* A summary line ("<title>: N events, mean, p50, p99" or "<title>: no
 * events"), then, like runqlat, one row per bucket over the non-empty range:
 * "     usecs               : count    distribution" and stars. */
void latency_hist__print(const struct latency_hist *h, const char *title, FILE *out);
/* Add its BPF counters into stats[EMBER_STAT_MAX]. */
void latency__stats(struct latency *l, __u64 *stats);
void latency__free(struct latency *l);

#endif
