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
#include "lib/hash.h"
#include "lib/hashmap.h"

struct call_tree {
	struct call_node *nodes; /* [0] is the root */
	size_t *parent;
	size_t nr, cap;
	struct hashmap *index;	       /* child by (parent, frame), while building */
	const struct call_node **kids; /* every node's children, in slices */
};

/* A child looked up: its parent and frame. */
struct child_key {
	size_t parent;
	const struct frame *f;
};

static uint64_t hash_key(size_t parent, const struct frame *f)
{
	uint64_t h = fnv1a_bytes(FNV1A_SEED, &parent, sizeof(parent));

	h = fnv1a_bytes(h, &f->name, sizeof(f->name));
	h = fnv1a_bytes(h, &f->module, sizeof(f->module));
	return fnv1a_bytes(h, &f->kind, sizeof(f->kind));
}

static bool child_equal(uint32_t id, const void *key, void *ctx)
{
	const struct call_tree *t = ctx;
	const struct child_key *k = key;
	const struct call_node *c = &t->nodes[id];

	return t->parent[id] == k->parent && c->name == k->f->name && c->module == k->f->module &&
	       c->kind == k->f->kind;
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
	struct child_key key = { .parent = parent, .f = f };
	uint64_t h = hash_key(parent, f);
	uint32_t id;

	if (hashmap__find(t->index, h, &key, &id))
		return (long)id;
	if (t->nr == t->cap && grow_nodes(t))
		return -1;
	if (hashmap__add(t->index, h, (uint32_t)t->nr))
		return -1;
	t->nodes[t->nr] =
	    (struct call_node){ .name = f->name, .module = f->module, .kind = f->kind };
	t->parent[t->nr] = parent;
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
	t->index = hashmap__new(child_equal, t);
	if (!t->index)
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
	hashmap__free(t->index);
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
	hashmap__free(t->index);
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
