/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * func_stats: a profile seen per function, as pstats sees a Python run:
 * each function's self value (tottime) and total value (cumtime).
 *
 * A function is a frame name of one kind in one module: a kernel and a
 * user function of the same name are two functions (shown "name_[k]" and
 * "name", as in folded files). Over the stacks of one value type:
 *
 *  - total: the value of every stack the function is in, counted once a
 *    stack however often it recurses in it, so no total exceeds the
 *    profile's total;
 *  - self: the value of the stacks the function is the leaf of. A marker
 *    leaf ([off-cpu], [runnable]) is a state, not code: the stack's self
 *    goes to the function that blocked or was preempted (the frame before
 *    the markers), and the marker has only a total, which is the share of
 *    time spent in that state. A stack with nothing but markers below its
 *    process ("[lost stack]") keeps its self in the marker, so the selfs
 *    still add up to the total.
 *
 * Process roots are counted like functions (their total is the process's
 * share) but are not code: func_stat__is_function() leaves them out of
 * the tables unless they hold self themselves (a stack of one frame).
 */
#ifndef EMBER_FUNC_STATS_H
#define EMBER_FUNC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

struct func_stat {
	const char *name;   /* owned by the profile */
	const char *module; /* NULL when unknown */
	enum frame_kind kind;
	int64_t self;  /* value of the stacks it is the leaf of */
	int64_t total; /* value of the stacks it is in, once a stack */
	size_t stacks; /* how many (non-zero) stacks it is in */
};

enum func_order {
	FUNC_BY_SELF,  /* self, then total, largest first; then name */
	FUNC_BY_TOTAL, /* total, then self, largest first; then name */
	FUNC_BY_NAME,  /* name, kind, module: a stable key to join on */
};

struct func_stats;

/* The functions of p's value type `type`. NULL with errno set: EINVAL for
 * a bad type, EOVERFLOW when values add up beyond 2^63, ENOMEM. The
 * profile must outlive the stats (names point into it). */
struct func_stats *func_stats__new(const struct profile *p, unsigned int type);
void func_stats__free(struct func_stats *s);

size_t func_stats__nr(const struct func_stats *s);
/* In the order of the last func_stats__sort() (by self at first). */
const struct func_stat *func_stats__get(const struct func_stats *s, size_t i);
void func_stats__sort(struct func_stats *s, enum func_order by);
/* The profile's total of that type, and its stacks with a non-zero value. */
int64_t func_stats__total(const struct func_stats *s);
size_t func_stats__nr_stacks(const struct func_stats *s);
/* The function of that name and kind (any module), or NULL. */
const struct func_stat *func_stats__find(const struct func_stats *s, const char *name,
					 enum frame_kind kind);

/* false for process roots without self: they are not listed as functions */
bool func_stat__is_function(const struct func_stat *f);
/* FUNC_BY_NAME's order, for joining two profiles' functions. */
int func_stat__cmp_key(const struct func_stat *a, const struct func_stat *b);

#endif
