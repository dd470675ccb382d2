// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The profile model. Strings are interned, so two frames are equal when
 * their (name, module, build_id, addr, kind) are equal as pointers and
 * numbers, and a
 * stack hashes on those words without touching string bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/array.h"
#include "lib/hash.h"
#include "lib/hashmap.h"
#include "profile/profile.h"

struct stack_rec {
	size_t first_frame; /* index into frames[] */
	unsigned int nr_frames;
	uint64_t hash; /* while sorting: the old index */
};

struct profile {
	struct value_type *types;
	unsigned int nr_types;

	/* interned strings, in order of first use */
	char **strs;
	size_t nr_strs, cap_strs;
	struct hashmap *str_index;

	struct frame *frames;
	size_t nr_frames, cap_frames;

	struct stack_rec *stacks;
	int64_t *values; /* nr_types per stack */
	size_t nr_stacks, cap_stacks;

	struct hashmap *stack_index;

	const char **comments; /* interned */
	unsigned int nr_comments;

	struct counter {
		const char *name; /* interned */
		int64_t value;
	} * counters;
	unsigned int nr_counters;
};

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	return array__grow(arr, cap, need, elem, 64);
}

static bool str_equal(uint32_t id, const void *key, void *ctx)
{
	const struct profile *p = ctx;

	return !strcmp(p->strs[id], key);
}

static const char *intern(struct profile *p, const char *s)
{
	uint64_t h;
	uint32_t id;
	char *copy;

	if (!s)
		return NULL;
	h = fnv1a_str(FNV1A_SEED, s);
	if (hashmap__find(p->str_index, h, s, &id))
		return p->strs[id];
	if (p->nr_strs >= UINT32_MAX - 1 ||
	    grow((void **)&p->strs, &p->cap_strs, p->nr_strs + 1, sizeof(*p->strs)))
		return NULL;
	copy = strdup(s);
	if (!copy)
		return NULL;
	if (hashmap__add(p->str_index, h, (uint32_t)p->nr_strs)) {
		free(copy);
		return NULL;
	}
	p->strs[p->nr_strs++] = copy;
	return copy;
}

static bool stack_equal(uint32_t id, const void *key, void *ctx);

struct profile *profile__new(const struct value_type *types, unsigned int nr_types)
{
	struct profile *p;

	if (!nr_types)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->str_index = hashmap__new(str_equal, p);
	p->stack_index = hashmap__new(stack_equal, p);
	if (!p->str_index || !p->stack_index)
		goto err;
	p->types = calloc(nr_types, sizeof(*p->types));
	if (!p->types)
		goto err;
	p->nr_types = nr_types;
	for (unsigned int i = 0; i < nr_types; i++) {
		p->types[i].type = intern(p, types[i].type);
		p->types[i].unit = intern(p, types[i].unit);
		p->types[i].merge_max = types[i].merge_max;
		if (!p->types[i].type || !p->types[i].unit)
			goto err;
	}
	return p;
err:
	profile__free(p);
	return NULL;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nr_strs; i++)
		free(p->strs[i]);
	free(p->strs);
	hashmap__free(p->str_index);
	free(p->types);
	free(p->comments);
	free(p->counters);
	free(p->frames);
	free(p->stacks);
	free(p->values);
	hashmap__free(p->stack_index);
	free(p);
}

static uint64_t hash_frames(const struct frame *f, unsigned int nr)
{
	uint64_t h = FNV1A_SEED;

	for (unsigned int i = 0; i < nr; i++) {
		h = fnv1a_bytes(h, &f[i].name, sizeof(f[i].name));
		h = fnv1a_bytes(h, &f[i].module, sizeof(f[i].module));
		h = fnv1a_bytes(h, &f[i].build_id, sizeof(f[i].build_id));
		h = fnv1a_bytes(h, &f[i].addr, sizeof(f[i].addr));
		h = fnv1a_bytes(h, &f[i].kind, sizeof(f[i].kind));
	}
	return h;
}

static int frames_equal(const struct frame *a, const struct frame *b, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		if (a[i].name != b[i].name || a[i].module != b[i].module ||
		    a[i].build_id != b[i].build_id || a[i].addr != b[i].addr ||
		    a[i].kind != b[i].kind)
			return 0;
	}
	return 1;
}

/* A stack's frames; NULL for an empty stack (a pprof sample without
 * locations), which has none in frames[], and frames[] may not exist. */
static const struct frame *stack_frames(const struct profile *p, const struct stack_rec *rec)
{
	return rec->nr_frames ? &p->frames[rec->first_frame] : NULL;
}

/* A stack being looked up: its interned frames. */
struct stack_key {
	const struct frame *frames;
	unsigned int nr_frames;
};

static bool stack_equal(uint32_t id, const void *key, void *ctx)
{
	const struct profile *p = ctx;
	const struct stack_rec *rec = &p->stacks[id];
	const struct stack_key *k = key;

	return rec->nr_frames == k->nr_frames &&
	       frames_equal(stack_frames(p, rec), k->frames, k->nr_frames);
}

static int rebuild_index(struct profile *p)
{
	hashmap__clear(p->stack_index);
	for (size_t s = 0; s < p->nr_stacks; s++) {
		if (hashmap__add(p->stack_index, p->stacks[s].hash, (uint32_t)s))
			return -ENOMEM;
	}
	return 0;
}

int profile__add(struct profile *p, const struct frame *frames, unsigned int nr_frames,
		 const int64_t *values)
{
	struct frame *tmp = NULL;
	struct stack_key key;
	size_t i, s;
	uint32_t id;
	uint64_t h;
	int err = -ENOMEM;

	tmp = malloc((nr_frames ? nr_frames : 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (i = 0; i < nr_frames; i++) {
		tmp[i] = frames[i];
		tmp[i].name = intern(p, frames[i].name ? frames[i].name : "[unknown]");
		tmp[i].module = frames[i].module ? intern(p, frames[i].module) : NULL;
		tmp[i].build_id = frames[i].build_id ? intern(p, frames[i].build_id) : NULL;
		if (!tmp[i].name || (frames[i].module && !tmp[i].module) ||
		    (frames[i].build_id && !tmp[i].build_id))
			goto out;
	}

	h = hash_frames(tmp, nr_frames);
	key = (struct stack_key){ tmp, nr_frames };
	if (hashmap__find(p->stack_index, h, &key, &id)) {
		for (unsigned int t = 0; t < p->nr_types; t++) {
			int64_t *v = &p->values[(size_t)id * p->nr_types + t];

			if (!p->types[t].merge_max)
				*v += values[t];
			else if (values[t] > *v)
				*v = values[t];
		}
		err = 0;
		goto out;
	}
	if (p->nr_stacks >= UINT32_MAX - 1)
		goto out;

	if (grow((void **)&p->frames, &p->cap_frames, p->nr_frames + nr_frames, sizeof(*p->frames)))
		goto out;
	if (p->nr_stacks + 1 > p->cap_stacks) {
		size_t ncap = p->cap_stacks ? p->cap_stacks * 2 : 256;
		struct stack_rec *ns = realloc(p->stacks, ncap * sizeof(*ns));
		int64_t *nv;

		if (!ns)
			goto out;
		p->stacks = ns;
		nv = realloc(p->values, ncap * p->nr_types * sizeof(*nv));
		if (!nv)
			goto out;
		p->values = nv;
		p->cap_stacks = ncap;
	}
	/* Index first: nothing can fail after the record is appended. */
	if (hashmap__add(p->stack_index, h, (uint32_t)p->nr_stacks))
		goto out;
	if (nr_frames) /* a profile of empty stacks has no frames array */
		memcpy(&p->frames[p->nr_frames], tmp, nr_frames * sizeof(*tmp));
	s = p->nr_stacks++;
	p->stacks[s].first_frame = p->nr_frames;
	p->stacks[s].nr_frames = nr_frames;
	p->stacks[s].hash = h;
	p->nr_frames += nr_frames;
	memcpy(&p->values[s * p->nr_types], values, p->nr_types * sizeof(*values));
	err = 0;
out:
	free(tmp);
	return err;
}

int profile__add_comment(struct profile *p, const char *text)
{
	const char **n = realloc(p->comments, (p->nr_comments + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	p->comments = n;
	n[p->nr_comments] = intern(p, text);
	if (!n[p->nr_comments])
		return -ENOMEM;
	p->nr_comments++;
	return 0;
}

unsigned int profile__nr_comments(const struct profile *p)
{
	return p->nr_comments;
}

const char *profile__comment(const struct profile *p, unsigned int i)
{
	return i < p->nr_comments ? p->comments[i] : NULL;
}

int profile__set_counter(struct profile *p, const char *name, int64_t value)
{
	const char *s = intern(p, name);
	struct counter *n;

	if (!s)
		return -ENOMEM;
	for (unsigned int i = 0; i < p->nr_counters; i++) {
		if (p->counters[i].name == s) {
			p->counters[i].value = value;
			return 0;
		}
	}
	n = realloc(p->counters, (p->nr_counters + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->counters = n;
	n[p->nr_counters].name = s;
	n[p->nr_counters++].value = value;
	return 0;
}

unsigned int profile__nr_counters(const struct profile *p)
{
	return p->nr_counters;
}

const char *profile__counter(const struct profile *p, unsigned int i, int64_t *value)
{
	if (i >= p->nr_counters)
		return NULL;
	if (value)
		*value = p->counters[i].value;
	return p->counters[i].name;
}

unsigned int profile__nr_types(const struct profile *p)
{
	return p->nr_types;
}

const struct value_type *profile__type(const struct profile *p, unsigned int i)
{
	return i < p->nr_types ? &p->types[i] : NULL;
}

size_t profile__nr_stacks(const struct profile *p)
{
	return p->nr_stacks;
}

void profile__stack(const struct profile *p, size_t i, struct profile_stack *out)
{
	const struct stack_rec *rec = &p->stacks[i];

	out->frames = stack_frames(p, rec);
	out->nr_frames = rec->nr_frames;
	out->values = &p->values[i * p->nr_types];
}

int64_t profile__total(const struct profile *p, unsigned int type)
{
	int64_t sum = 0;

	for (size_t s = 0; s < p->nr_stacks; s++)
		sum += p->values[s * p->nr_types + type];
	return sum;
}

static int cmp_stacks(const void *a, const void *b, void *arg)
{
	const struct profile *p = arg;
	const struct stack_rec *x = a, *y = b;
	const struct frame *fx = stack_frames(p, x);
	const struct frame *fy = stack_frames(p, y);
	unsigned int n = x->nr_frames < y->nr_frames ? x->nr_frames : y->nr_frames;
	int c;

	for (unsigned int i = 0; i < n; i++) {
		if (fx[i].name != fy[i].name) {
			c = strcmp(fx[i].name, fy[i].name);
			if (c)
				return c;
		}
		if (fx[i].kind != fy[i].kind)
			return fx[i].kind < fy[i].kind ? -1 : 1;
	}
	if (x->nr_frames != y->nr_frames)
		return x->nr_frames < y->nr_frames ? -1 : 1;
	return 0;
}

int profile__sort(struct profile *p)
{
	size_t n = p->nr_stacks, *order;
	struct stack_rec *recs;
	int64_t *vals;
	int err = -ENOMEM;

	if (n < 2)
		return 0;
	/* Sort records tagged with their old index, then permute values. */
	recs = malloc(n * sizeof(*recs));
	order = malloc(n * sizeof(*order));
	vals = malloc(n * p->nr_types * sizeof(*vals));
	if (!recs || !order || !vals)
		goto out;
	memcpy(recs, p->stacks, n * sizeof(*recs));
	for (size_t i = 0; i < n; i++)
		recs[i].hash = i;
	qsort_r(recs, n, sizeof(*recs), cmp_stacks, p);
	for (size_t i = 0; i < n; i++) {
		order[i] = recs[i].hash;
		memcpy(&vals[i * p->nr_types], &p->values[order[i] * p->nr_types],
		       p->nr_types * sizeof(*vals));
		recs[i].hash = p->stacks[order[i]].hash;
	}
	memcpy(p->stacks, recs, n * sizeof(*recs));
	memcpy(p->values, vals, n * p->nr_types * sizeof(*vals));
	err = rebuild_index(p);
out:
	free(recs);
	free(order);
	free(vals);
	return err;
}
