// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The two sides' functions are sorted by key (pointer arrays, so the stats
 * keep their own order) and merged like two sorted lists.
 */
#include <errno.h>
#include <stdlib.h>
#include "profile/func_diff.h"

#define SHARE_EPSILON 1e-9

struct func_diff {
	struct func_delta *rows;
	size_t nr, nr_new, nr_gone;
	enum func_share by; /* of the last sort */
};

static int cmp_key_ptr(const void *a, const void *b)
{
	return func_stat__cmp_key(*(const struct func_stat *const *)a,
				  *(const struct func_stat *const *)b);
}

/* The functions of s, by key; *n of them. NULL on ENOMEM. */
static const struct func_stat **by_key(const struct func_stats *s, size_t *n)
{
	const struct func_stat **v = malloc((func_stats__nr(s) + 1) * sizeof(*v));

	if (!v)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < func_stats__nr(s); i++) {
		const struct func_stat *f = func_stats__get(s, i);

		if (func_stat__is_function(f))
			v[(*n)++] = f;
	}
	qsort(v, *n, sizeof(*v), cmp_key_ptr);
	return v;
}

static double share(int64_t v, int64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

static void fill(struct func_delta *r, const struct func_stat *b, const struct func_stat *a,
		 int64_t total_b, int64_t total_a)
{
	r->before = b;
	r->after = a;
	r->share_before[SHARE_SELF] = b ? share(b->self, total_b) : 0.0;
	r->share_before[SHARE_TOTAL] = b ? share(b->total, total_b) : 0.0;
	r->share_after[SHARE_SELF] = a ? share(a->self, total_a) : 0.0;
	r->share_after[SHARE_TOTAL] = a ? share(a->total, total_a) : 0.0;
}

struct func_diff *func_diff__new(const struct func_stats *before, const struct func_stats *after)
{
	int64_t tb = func_stats__total(before), ta = func_stats__total(after);
	const struct func_stat **b = NULL, **a = NULL;
	struct func_diff *d = calloc(1, sizeof(*d));
	size_t nb = 0, na = 0, i = 0, j = 0;

	if (!d)
		goto oom;
	b = by_key(before, &nb);
	a = by_key(after, &na);
	d->rows = calloc(nb + na + 1, sizeof(*d->rows));
	if (!b || !a || !d->rows)
		goto oom;
	while (i < nb || j < na) {
		int c = i == nb ? 1 : j == na ? -1 : func_stat__cmp_key(b[i], a[j]);
		struct func_delta *r = &d->rows[d->nr++];

		if (c < 0) {
			fill(r, b[i++], NULL, tb, ta);
			d->nr_gone++;
		} else if (c > 0) {
			fill(r, NULL, a[j++], tb, ta);
			d->nr_new++;
		} else {
			fill(r, b[i++], a[j++], tb, ta);
		}
	}
	free(b);
	free(a);
	func_diff__sort(d, SHARE_SELF);
	return d;
oom:
	free(b);
	free(a);
	func_diff__free(d);
	errno = ENOMEM;
	return NULL;
}

void func_diff__free(struct func_diff *d)
{
	if (!d)
		return;
	free(d->rows);
	free(d);
}

size_t func_diff__nr(const struct func_diff *d)
{
	return d->nr;
}

const struct func_delta *func_diff__get(const struct func_diff *d, size_t i)
{
	return i < d->nr ? &d->rows[i] : NULL;
}

size_t func_diff__nr_new(const struct func_diff *d)
{
	return d->nr_new;
}

size_t func_diff__nr_gone(const struct func_diff *d)
{
	return d->nr_gone;
}

double func_delta__change(const struct func_delta *d, enum func_share by)
{
	double c = d->share_after[by] - d->share_before[by];

	return c < SHARE_EPSILON && c > -SHARE_EPSILON ? 0.0 : c;
}

const struct func_stat *func_delta__func(const struct func_delta *d)
{
	return d->after ? d->after : d->before;
}

static int cmp_change(const void *x, const void *y, void *arg)
{
	const struct func_delta *a = x, *b = y;
	enum func_share by = *(const enum func_share *)arg;
	double ca = func_delta__change(a, by), cb = func_delta__change(b, by);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return func_stat__cmp_key(func_delta__func(a), func_delta__func(b));
}

void func_diff__sort(struct func_diff *d, enum func_share by)
{
	d->by = by;
	if (d->nr > 1)
		qsort_r(d->rows, d->nr, sizeof(*d->rows), cmp_change, &d->by);
}
