// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The merge flamegraph.pl does, on the profile model: sort the stacks by
 * their frames, then walk them keeping the path of open nodes; a stack
 * shares the prefix it has in common with the previous one, closes the
 * nodes beyond it and opens its own. Nodes come out in preorder with
 * siblings in name order, and no per-node child index is needed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "format/flamegraph_tree.h"
#include "lib/hash.h"
#include "lib/hashmap.h"

struct fg_tree {
	struct fg_node *nodes;
	size_t nr, cap;
	unsigned int max_depth;
};

static const char root_name[] = "all";

static int frame_cmp(const struct frame *a, const struct frame *b)
{
	int c;

	if (a->name != b->name) {
		c = strcmp(a->name, b->name);
		if (c)
			return c;
	}
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return 0;
}

static int cmp_stacks(const void *pa, const void *pb)
{
	const struct profile_stack *a = pa, *b = pb;
	unsigned int n = a->nr_frames < b->nr_frames ? a->nr_frames : b->nr_frames;

	for (unsigned int i = 0; i < n; i++) {
		int c = frame_cmp(&a->frames[i], &b->frames[i]);

		if (c)
			return c;
	}
	if (a->nr_frames != b->nr_frames)
		return a->nr_frames < b->nr_frames ? -1 : 1;
	return 0;
}

static bool node_is(const struct fg_node *n, const struct frame *f)
{
	return n->kind == f->kind && (n->name == f->name || strcmp(n->name, f->name) == 0);
}

static bool is_offcpu(const struct profile_stack *st)
{
	const struct frame *leaf = &st->frames[st->nr_frames - 1];

	return leaf->kind == FRAME_MARKER &&
	       (strcmp(leaf->name, "[off-cpu]") == 0 || strcmp(leaf->name, "[runnable]") == 0);
}

static struct fg_node *push_node(struct fg_tree *t)
{
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct fg_node *n;

		if (ncap > UINT32_MAX)
			return NULL;
		n = realloc(t->nodes, ncap * sizeof(*n));
		if (!n)
			return NULL;
		t->nodes = n;
		t->cap = ncap;
	}
	memset(&t->nodes[t->nr], 0, sizeof(t->nodes[0]));
	return &t->nodes[t->nr++];
}

/* A node is complete when the walk leaves it. Too narrow: everything
 * under it was narrower still and is already gone, so it is the last
 * node and dropping it is a pop. */
static void close_node(struct fg_tree *t, uint32_t i, double min_value)
{
	if ((double)t->nodes[i].value < min_value && i == t->nr - 1)
		t->nr--;
}

/* Stacks that count: at least one frame and a positive value. */
static struct profile_stack *counted_stacks(const struct profile *p, unsigned int type, size_t *nr,
					    int64_t *total)
{
	size_t n = profile__nr_stacks(p), k = 0;
	struct profile_stack *st = malloc((n ? n : 1) * sizeof(*st));

	*total = 0;
	if (!st) {
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		profile__stack(p, i, &st[k]);
		if (!st[k].nr_frames || st[k].values[type] <= 0)
			continue;
		if (st[k].values[type] > INT64_MAX - *total) {
			free(st);
			errno = EOVERFLOW;
			return NULL;
		}
		*total += st[k++].values[type];
	}
	*nr = k;
	return st;
}

struct fg_tree *fg_tree__new(const struct profile *p, unsigned int type, double min_share)
{
	struct profile_stack *st = NULL;
	struct fg_tree *t = NULL;
	uint32_t *path = NULL;
	unsigned int open = 1, path_cap = 64;
	int64_t total, pos = 0;
	double min_value;
	size_t nr;
	int err = ENOMEM;

	if (type >= profile__nr_types(p)) {
		errno = EINVAL;
		return NULL;
	}
	st = counted_stacks(p, type, &nr, &total);
	if (!st)
		return NULL;
	t = calloc(1, sizeof(*t));
	path = malloc(path_cap * sizeof(*path));
	if (!t || !path || !push_node(t))
		goto cleanup;
	t->nodes[0].name = root_name;
	t->nodes[0].value = total;
	path[0] = 0;
	min_value = min_share * (double)total;
	qsort(st, nr, sizeof(*st), cmp_stacks);

	for (size_t s = 0; s < nr; s++) {
		unsigned int k = 0, d;
		int64_t v = st[s].values[type];
		bool off = is_offcpu(&st[s]);

		/* path[1..open) holds the previous stack's frames */
		while (k + 1 < open && k < st[s].nr_frames &&
		       node_is(&t->nodes[path[k + 1]], &st[s].frames[k]))
			k++;
		for (d = open - 1; d > k; d--)
			close_node(t, path[d], min_value);
		open = k + 1;
		if (st[s].nr_frames + 1 > path_cap) {
			uint32_t *np;

			path_cap = st[s].nr_frames + 1;
			np = realloc(path, path_cap * sizeof(*np));
			if (!np)
				goto cleanup;
			path = np;
		}
		for (; k < st[s].nr_frames; k++) {
			struct fg_node *n = push_node(t);

			if (!n)
				goto cleanup;
			n->name = st[s].frames[k].name;
			n->kind = st[s].frames[k].kind;
			n->start = pos;
			n->parent = path[k];
			n->depth = k + 1;
			path[open++] = t->nr - 1;
		}
		for (d = 1; d < open; d++) {
			t->nodes[path[d]].value += v;
			if (off)
				t->nodes[path[d]].offcpu += v;
		}
		if (off)
			t->nodes[0].offcpu += v;
		pos += v;
	}
	for (unsigned int d = open - 1; d > 0; d--)
		close_node(t, path[d], min_value);
	for (size_t i = 0; i < t->nr; i++)
		if (t->nodes[i].depth > t->max_depth)
			t->max_depth = t->nodes[i].depth;
	err = 0;
cleanup:
	free(st);
	free(path);
	if (err) {
		fg_tree__free(t);
		errno = err;
		return NULL;
	}
	return t;
}

void fg_tree__free(struct fg_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t);
}

size_t fg_tree__nr_nodes(const struct fg_tree *t)
{
	return t->nr;
}

const struct fg_node *fg_tree__node(const struct fg_tree *t, size_t i)
{
	return i < t->nr ? &t->nodes[i] : NULL;
}

int64_t fg_tree__total(const struct fg_tree *t)
{
	return t->nodes[0].value;
}

unsigned int fg_tree__max_depth(const struct fg_tree *t)
{
	return t->max_depth;
}

/* ---- differential: find each of the other profile's paths by text */

/* A child looked up: its parent and the frame's text. */
struct path_key {
	uint32_t parent;
	const struct frame *f;
};

static uint64_t child_hash(uint32_t parent, const char *name, enum frame_kind kind)
{
	uint64_t h = fnv1a_bytes(FNV1A_SEED, &parent, sizeof(parent));

	h = fnv1a_bytes(h, &kind, sizeof(kind));
	return fnv1a_str(h, name);
}

static bool child_equal(uint32_t id, const void *key, void *ctx)
{
	const struct fg_node *n = &((const struct fg_tree *)ctx)->nodes[id];
	const struct path_key *k = key;

	return n->parent == k->parent && n->kind == k->f->kind && strcmp(n->name, k->f->name) == 0;
}

int fg_tree__add_before(struct fg_tree *t, const struct profile *before, unsigned int type)
{
	struct profile_stack *st;
	struct hashmap *index; /* this tree's nodes by parent and text */
	size_t nr;
	int64_t total;
	int err = -ENOMEM;

	if (type >= profile__nr_types(before))
		return -EINVAL;
	st = counted_stacks(before, type, &nr, &total);
	if (!st)
		return -errno;
	index = hashmap__new(child_equal, t);
	if (!index)
		goto cleanup;
	for (size_t i = 1; i < t->nr; i++) {
		const struct fg_node *n = &t->nodes[i];

		if (hashmap__add(index, child_hash(n->parent, n->name, n->kind), (uint32_t)i))
			goto cleanup;
	}
	for (size_t i = 0; i < t->nr; i++)
		t->nodes[i].before = 0;
	t->nodes[0].before = total;
	for (size_t s = 0; s < nr; s++) {
		struct path_key key = { .parent = 0 };

		for (unsigned int k = 0; k < st[s].nr_frames; k++) {
			uint32_t id;

			key.f = &st[s].frames[k];
			if (!hashmap__find(index, child_hash(key.parent, key.f->name, key.f->kind),
					   &key, &id))
				break;
			key.parent = id;
			t->nodes[id].before += st[s].values[type];
		}
	}
	err = 0;
cleanup:
	free(st);
	hashmap__free(index);
	return err;
}
