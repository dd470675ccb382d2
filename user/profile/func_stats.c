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
#include "lib/hash.h"
#include "lib/hashmap.h"

struct func_stats {
	struct func_stat *funcs;
	size_t nr, cap;
	size_t *seen;	       /* per function: 1 + the last stack counted in total */
	struct hashmap *index; /* function by key, while building */
	int64_t total;
	size_t nr_stacks;
};

static uint64_t hash_key(const struct frame *f)
{
	uint64_t h = fnv1a_bytes(FNV1A_SEED, &f->name, sizeof(f->name));

	h = fnv1a_bytes(h, &f->module, sizeof(f->module));
	return fnv1a_bytes(h, &f->kind, sizeof(f->kind));
}

static bool func_equal(uint32_t id, const void *key, void *ctx)
{
	const struct func_stat *fs = &((const struct func_stats *)ctx)->funcs[id];
	const struct frame *f = key;

	return fs->name == f->name && fs->module == f->module && fs->kind == f->kind;
}

/* The index of f's function, added if new; -1 on ENOMEM. */
static long lookup(struct func_stats *s, const struct frame *f)
{
	uint64_t h = hash_key(f);
	uint32_t id;

	if (hashmap__find(s->index, h, f, &id))
		return (long)id;
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
	if (hashmap__add(s->index, h, (uint32_t)s->nr))
		return -1;
	s->funcs[s->nr] =
	    (struct func_stat){ .name = f->name, .module = f->module, .kind = f->kind };
	s->seen[s->nr] = 0;
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
	s->index = hashmap__new(func_equal, s);
	if (!s->index) {
		err = -ENOMEM;
		goto cleanup;
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
	hashmap__free(s->index);
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
	hashmap__free(s->index);
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
