/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * func_diff: two profiles' functions side by side, compared by share.
 *
 * Profiles of two runs differ in length, so absolute values do not
 * compare; shares do. A function's share is its value in percent of its
 * own profile's total, and its change is after - before in percentage
 * points. Self shares show where time moved to (the usual regression
 * signal); total (inclusive) shares also catch a caller whose callees
 * grew. Functions are joined by name, kind and module (func_stat__cmp_key);
 * one present on a single side has a share of 0 on the other.
 */
#ifndef EMBER_FUNC_DIFF_H
#define EMBER_FUNC_DIFF_H

#include <stddef.h>
#include "profile/func_stats.h"

enum func_share {
	SHARE_SELF,
	SHARE_TOTAL,
};

struct func_delta {
	const struct func_stat *before, *after; /* NULL: absent from that side */
	double share_before[2], share_after[2]; /* percent, by enum func_share */
};

struct func_diff;

/* Rows for every function (func_stat__is_function) of either side. The
 * stats must outlive the diff. NULL with errno ENOMEM. */
struct func_diff *func_diff__new(const struct func_stats *before, const struct func_stats *after);
void func_diff__free(struct func_diff *d);

size_t func_diff__nr(const struct func_diff *d);
const struct func_delta *func_diff__get(const struct func_diff *d, size_t i);
/* Largest growth first, largest shrink last; equal changes by name. */
void func_diff__sort(struct func_diff *d, enum func_share by);
/* How many rows are only in the after (new) or only in the before (gone). */
size_t func_diff__nr_new(const struct func_diff *d);
size_t func_diff__nr_gone(const struct func_diff *d);

/* after - before, in percentage points; changes within 1e-9 points (float
 * noise of equal fractions) are 0. */
double func_delta__change(const struct func_delta *d, enum func_share by);
/* The row's name, kind and module (from whichever side has it). */
const struct func_stat *func_delta__func(const struct func_delta *d);

#endif
