// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Nodes live in one array and find their children through a hash of
 * (parent, name, module, kind), the profile's interned pointers as words;
 * child lists are laid out once every stack is in, so growing the array
 * never leaves a pointer dangling.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "profile/call_tree.h"

struct call_tree {
	struct call_node *nodes; /* [0] is the root */
	size_t *parent;
	size_t nr, cap;
	size_t *index; /* open addressing: node index + 1, 0 = empty */
	size_t cap_index;
	const struct call_node **kids; /* every node's children, in slices */
};

static uint64_t hash_key(size_t parent, const struct frame *f)
{
	uint64_t h = (uint64_t)parent * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)(uintptr_t)f->name * 0xc2b2ae3d27d4eb4fULL;
	h ^= (uint64_t)(uintptr_t)f->module * 0x165667b19e3779f9ULL;
	h ^= (uint64_t)f->kind * 0x27d4eb2f165667c5ULL;
	return h ^ (h >> 31);
}

static int rehash(struct call_tree *t, size_t ncap)
{
	size_t *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 1; i < t->nr; i++) {
		const struct call_node *c = &t->nodes[i];
		struct frame key = { .name = c->name, .module = c->module, .kind = c->kind };
		size_t j = hash_key(t->parent[i], &key) & (ncap - 1);

		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = i + 1;
	}
	free(t->index);
	t->index = n;
	t->cap_index = ncap;
	return 0;
}

static int grow_nodes(struct call_tree *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 256;
	struct call_node *nn;
	size_t *np;

	nn = realloc(t->nodes, ncap * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	t->nodes = nn;
	np = realloc(t->parent, ncap * sizeof(*np));
	if (!np)
		return -ENOMEM;
	t->parent = np;
	t->cap = ncap;
	return 0;
}

/* The child of `parent` for frame f, added if new; -1 on ENOMEM. */
static long child(struct call_tree *t, size_t parent, const struct frame *f)
{
	size_t mask, j;

	if ((t->nr + 1) * 2 > t->cap_index && rehash(t, t->cap_index ? t->cap_index * 2 : 1024))
		return -1;
	mask = t->cap_index - 1;
	for (j = hash_key(parent, f) & mask; t->index[j]; j = (j + 1) & mask) {
		size_t i = t->index[j] - 1;
		const struct call_node *c = &t->nodes[i];

		if (t->parent[i] == parent && c->name == f->name && c->module == f->module &&
		    c->kind == f->kind)
			return (long)i;
	}
	if (t->nr == t->cap && grow_nodes(t))
		return -1;
	t->nodes[t->nr] =
	    (struct call_node){ .name = f->name, .module = f->module, .kind = f->kind };
	t->parent[t->nr] = parent;
	t->index[j] = t->nr + 1;
	return (long)t->nr++;
}

static int add_stack(struct call_tree *t, const struct profile_stack *st, int64_t v)
{
	size_t at = 0;

	for (unsigned int i = 0; i < st->nr_frames; i++) {
		long c = child(t, at, &st->frames[i]);

		if (c < 0)
			return -ENOMEM;
		at = (size_t)c;
		if (__builtin_add_overflow(t->nodes[at].total, v, &t->nodes[at].total))
			return -EOVERFLOW;
	}
	return __builtin_add_overflow(t->nodes[at].self, v, &t->nodes[at].self) ? -EOVERFLOW : 0;
}

static int cmp_children(const void *a, const void *b)
{
	const struct call_node *x = *(const struct call_node *const *)a;
	const struct call_node *y = *(const struct call_node *const *)b;
	int c;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->module != y->module)
		return !x->module ? -1 : !y->module ? 1 : strcmp(x->module, y->module);
	return 0;
}

/* Each node's children as a slice of one pointer array, sorted. */
static int link_children(struct call_tree *t)
{
	size_t *fill, pos = 0;

	t->kids = malloc((t->nr ? t->nr : 1) * sizeof(*t->kids));
	fill = calloc(t->nr, sizeof(*fill));
	if (!t->kids || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (size_t i = 1; i < t->nr; i++)
		t->nodes[t->parent[i]].nr_children++;
	for (size_t i = 0; i < t->nr; i++) {
		fill[i] = pos;
		t->nodes[i].children = &t->kids[pos];
		pos += t->nodes[i].nr_children;
	}
	for (size_t i = 1; i < t->nr; i++)
		t->kids[fill[t->parent[i]]++] = &t->nodes[i];
	for (size_t i = 0; i < t->nr; i++) {
		if (t->nodes[i].nr_children > 1)
			qsort((void *)t->nodes[i].children, t->nodes[i].nr_children,
			      sizeof(*t->kids), cmp_children);
	}
	free(fill);
	return 0;
}

struct call_tree *call_tree__new(const struct profile *p, unsigned int type)
{
	struct call_tree *t;
	struct profile_stack st;
	int err = -ENOMEM;

	if (type >= profile__nr_types(p)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t || grow_nodes(t))
		goto fail;
	t->nodes[0] = (struct call_node){ .kind = FRAME_PROCESS };
	t->parent[0] = 0;
	t->nr = 1;
	for (size_t i = 0; i < profile__nr_stacks(p); i++) {
		profile__stack(p, i, &st);
		if (!st.values[type])
			continue;
		if (__builtin_add_overflow(t->nodes[0].total, st.values[type],
					   &t->nodes[0].total)) {
			err = -EOVERFLOW;
			goto fail;
		}
		err = add_stack(t, &st, st.values[type]);
		if (err)
			goto fail;
	}
	err = link_children(t);
	if (err)
		goto fail;
	free(t->index);
	t->index = NULL;
	return t;
fail:
	call_tree__free(t);
	errno = -err;
	return NULL;
}

void call_tree__free(struct call_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->parent);
	free(t->index);
	free(t->kids);
	free(t);
}

const struct call_node *call_tree__root(const struct call_tree *t)
{
	return &t->nodes[0];
}

size_t call_tree__nr_nodes(const struct call_tree *t)
{
	return t->nr;
}
