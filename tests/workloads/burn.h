/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the test workloads: functions that burn CPU in proportion to
 * their argument, and a monotonic clock.
 *
 * Every burn function runs the same loop body on a volatile accumulator
 * (the compiler cannot shorten it) and is 64-byte aligned, so an iteration
 * costs the same in each: work ratios become sample ratios. They are leaf
 * functions, so a sample in one always names it from the IP.
 */
#ifndef EMBER_WORKLOAD_BURN_H
#define EMBER_WORKLOAD_BURN_H

#include <time.h>

extern volatile unsigned long ember_sink;

#define EMBER_BURN_FN(name)                                                   \
	__attribute__((noinline, aligned(64))) void name(unsigned long n)    \
	{                                                                     \
		volatile unsigned long acc = 0;                               \
		for (unsigned long i = 0; i < n; i++)                         \
			acc = acc * 31 + i;                                   \
		ember_sink = acc;                                             \
	}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
