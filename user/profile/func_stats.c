// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-function self and total values. Names are interned by the profile,
 * so within one profile a function is found by its (name, module) pointers
 * and kind, hashed as words, without touching string bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "profile/func_stats.h"

struct func_stats {
	struct func_stat *funcs;
	size_t nr, cap;
	size_t *seen;  /* per function: 1 + the last stack counted in total */
	size_t *index; /* open addressing: function index + 1, 0 = empty */
	size_t cap_index;
	int64_t total;
	size_t nr_stacks;
};

static uint64_t hash_key(const struct frame *f)
{
	uint64_t h = (uint64_t)(uintptr_t)f->name * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)(uintptr_t)f->module * 0xc2b2ae3d27d4eb4fULL;
	h ^= (uint64_t)f->kind * 0x165667b19e3779f9ULL;
	return h ^ (h >> 29);
}

static int rehash(struct func_stats *s, size_t ncap)
{
	size_t *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->nr; i++) {
		struct frame key = { .name = s->funcs[i].name,
				     .module = s->funcs[i].module,
				     .kind = s->funcs[i].kind };
		size_t j = hash_key(&key) & (ncap - 1);

		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = i + 1;
	}
	free(s->index);
	s->index = n;
	s->cap_index = ncap;
	return 0;
}

/* The index of f's function, added if new; -1 on ENOMEM. */
static long lookup(struct func_stats *s, const struct frame *f)
{
	size_t mask, j;

	if ((s->nr + 1) * 2 > s->cap_index && rehash(s, s->cap_index ? s->cap_index * 2 : 256))
		return -1;
	mask = s->cap_index - 1;
	for (j = hash_key(f) & mask; s->index[j]; j = (j + 1) & mask) {
		const struct func_stat *fs = &s->funcs[s->index[j] - 1];

		if (fs->name == f->name && fs->module == f->module && fs->kind == f->kind)
			return (long)(s->index[j] - 1);
	}
	if (s->nr == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		struct func_stat *nf = realloc(s->funcs, ncap * sizeof(*nf));
		size_t *ns;

		if (!nf)
			return -1;
		s->funcs = nf;
		ns = realloc(s->seen, ncap * sizeof(*ns));
		if (!ns)
			return -1;
		s->seen = ns;
		s->cap = ncap;
	}
	s->funcs[s->nr] =
	    (struct func_stat){ .name = f->name, .module = f->module, .kind = f->kind };
	s->seen[s->nr] = 0;
	s->index[j] = s->nr + 1;
	return (long)s->nr++;
}

/* Which frame of a stack holds its self value: the leaf, or, below trailing
 * markers, the function that blocked; the marker itself when only the
 * process is left above it. */
static unsigned int self_frame(const struct profile_stack *st)
{
	unsigned int leaf = st->nr_frames - 1, i = leaf;

	while (i > 0 && st->frames[i].kind == FRAME_MARKER)
		i--;
	if (st->frames[i].kind == FRAME_MARKER ||
	    (st->frames[i].kind == FRAME_PROCESS && i != leaf))
		return leaf;
	return i;
}

static int add_stack(struct func_stats *s, const struct profile_stack *st, int64_t v, size_t stamp)
{
	unsigned int self = self_frame(st);

	for (unsigned int i = 0; i < st->nr_frames; i++) {
		long fi = lookup(s, &st->frames[i]);
		struct func_stat *fs;

		if (fi < 0)
			return -ENOMEM;
		fs = &s->funcs[fi];
		if (i == self && __builtin_add_overflow(fs->self, v, &fs->self))
			return -EOVERFLOW;
		/* recursion: a stack counts once in a function's total */
		if (s->seen[fi] == stamp)
			continue;
		s->seen[fi] = stamp;
		fs->stacks++;
		if (__builtin_add_overflow(fs->total, v, &fs->total))
			return -EOVERFLOW;
	}
	return 0;
}

struct func_stats *func_stats__new(const struct profile *p, unsigned int type)
{
	struct func_stats *s;
	struct profile_stack st;
	int err = 0;

	if (type >= profile__nr_types(p)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < profile__nr_stacks(p); i++) {
		int64_t v;

		profile__stack(p, i, &st);
		v = st.values[type];
		if (!v)
			continue;
		if (__builtin_add_overflow(s->total, v, &s->total)) {
			err = -EOVERFLOW;
			goto cleanup;
		}
		s->nr_stacks++;
		if (!st.nr_frames)
			continue;
		err = add_stack(s, &st, v, i + 1);
		if (err)
			goto cleanup;
	}
	func_stats__sort(s, FUNC_BY_SELF);
cleanup:
	free(s->seen);
	s->seen = NULL;
	free(s->index);
	s->index = NULL;
	if (err) {
		func_stats__free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

void func_stats__free(struct func_stats *s)
{
	if (!s)
		return;
	free(s->funcs);
	free(s->seen);
	free(s->index);
	free(s);
}

size_t func_stats__nr(const struct func_stats *s)
{
	return s->nr;
}

const struct func_stat *func_stats__get(const struct func_stats *s, size_t i)
{
	return i < s->nr ? &s->funcs[i] : NULL;
}

int64_t func_stats__total(const struct func_stats *s)
{
	return s->total;
}

size_t func_stats__nr_stacks(const struct func_stats *s)
{
	return s->nr_stacks;
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return a ? 1 : -1;
	return strcmp(a, b);
}

int func_stat__cmp_key(const struct func_stat *a, const struct func_stat *b)
{
	int c = cmp_str(a->name, b->name);

	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return cmp_str(a->module, b->module);
}

#define CMP_DESC(x, y)                                                                             \
	do {                                                                                       \
		if ((x) != (y))                                                                    \
			return (x) > (y) ? -1 : 1;                                                 \
	} while (0)

static int cmp_self(const void *a, const void *b)
{
	const struct func_stat *x = a, *y = b;

	CMP_DESC(x->self, y->self);
	CMP_DESC(x->total, y->total);
	return func_stat__cmp_key(x, y);
}

static int cmp_total(const void *a, const void *b)
{
	const struct func_stat *x = a, *y = b;

	CMP_DESC(x->total, y->total);
	CMP_DESC(x->self, y->self);
	return func_stat__cmp_key(x, y);
}

static int cmp_name(const void *a, const void *b)
{
	return func_stat__cmp_key(a, b);
}

void func_stats__sort(struct func_stats *s, enum func_order by)
{
	int (*cmp)(const void *, const void *) = by == FUNC_BY_SELF    ? cmp_self
						 : by == FUNC_BY_TOTAL ? cmp_total
								       : cmp_name;

	if (s->nr > 1)
		qsort(s->funcs, s->nr, sizeof(*s->funcs), cmp);
}

const struct func_stat *func_stats__find(const struct func_stats *s, const char *name,
					 enum frame_kind kind)
{
	for (size_t i = 0; i < s->nr; i++) {
		if (s->funcs[i].kind == kind && strcmp(s->funcs[i].name, name) == 0)
			return &s->funcs[i];
	}
	return NULL;
}

bool func_stat__is_function(const struct func_stat *f)
{
	return f->kind != FRAME_PROCESS || f->self != 0;
}
