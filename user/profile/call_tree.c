// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The merge flamegraph.pl does, on the profile model: sort the stacks by
 * their frames, then walk them keeping the path of open nodes; a stack
 * shares the prefix it has in common with the previous one, closes the
 * nodes beyond it and opens its own. Nodes come out in preorder with
 * siblings in name order, and no per-node child index is needed, so the
 * tree costs its nodes and nothing else.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "profile/call_tree.h"
#include "lib/hash.h"
#include "lib/hashmap.h"

struct call_tree {
	struct call_node *nodes;
	size_t nr, cap;
	unsigned int max_depth;
	bool by_module;
	/* opts.children: node i's children are kids[first[i] .. first[i + 1]) */
	uint32_t *first, *kids;
};

#define MAX_DEPTH ((1u << 24) - 1) /* call_node.depth's width */

static const char root_name[] = "all";

/* Text order, NULL (no module) first; interned names compare by pointer. */
static int str_cmp(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return !a ? -1 : 1;
	return strcmp(a, b);
}

static int frame_cmp(const struct frame *a, const struct frame *b, bool by_module)
{
	int c = str_cmp(a->name, b->name);

	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return by_module ? str_cmp(a->module, b->module) : 0;
}

static int stacks_cmp(const struct profile_stack *a, const struct profile_stack *b, bool by_module)
{
	unsigned int n = a->nr_frames < b->nr_frames ? a->nr_frames : b->nr_frames;

	for (unsigned int i = 0; i < n; i++) {
		int c = frame_cmp(&a->frames[i], &b->frames[i], by_module);

		if (c)
			return c;
	}
	if (a->nr_frames != b->nr_frames)
		return a->nr_frames < b->nr_frames ? -1 : 1;
	return 0;
}

static int cmp_stacks(const void *a, const void *b, void *by_module)
{
	return stacks_cmp(a, b, *(const bool *)by_module);
}

static bool node_is(const struct call_node *n, const struct frame *f, bool by_module)
{
	return n->kind == f->kind && str_cmp(n->name, f->name) == 0 &&
	       (!by_module || str_cmp(n->module, f->module) == 0);
}

static bool is_offcpu(const struct profile_stack *st)
{
	const struct frame *leaf = &st->frames[st->nr_frames - 1];

	return leaf->kind == FRAME_MARKER &&
	       (strcmp(leaf->name, "[off-cpu]") == 0 || strcmp(leaf->name, "[runnable]") == 0);
}

static struct call_node *push_node(struct call_tree *t)
{
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;
		struct call_node *n;

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
static void close_node(struct call_tree *t, uint32_t i, double min_value)
{
	if ((double)t->nodes[i].total < min_value && i == t->nr - 1)
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
		if (st[k].values[type] > INT64_MAX - *total || st[k].nr_frames > MAX_DEPTH) {
			free(st);
			errno = EOVERFLOW;
			return NULL;
		}
		*total += st[k++].values[type];
	}
	*nr = k;
	return st;
}

/* Open the nodes of stack st beyond the k frames it shares with the
 * path, at left edge pos. */
static int open_nodes(struct call_tree *t, const struct profile_stack *st, unsigned int k,
		      uint32_t *path, unsigned int *open, int64_t pos)
{
	for (; k < st->nr_frames; k++) {
		struct call_node *n = push_node(t);

		if (!n)
			return -ENOMEM;
		n->name = st->frames[k].name;
		n->module = t->by_module ? st->frames[k].module : NULL;
		n->kind = st->frames[k].kind;
		n->start = pos;
		n->parent = path[k];
		n->depth = k + 1;
		path[(*open)++] = t->nr - 1;
	}
	return 0;
}

static int merge(struct call_tree *t, struct profile_stack *st, size_t nr, unsigned int type,
		 double min_value)
{
	unsigned int open = 1, path_cap = 64;
	uint32_t *path = malloc(path_cap * sizeof(*path));
	int64_t pos = 0;

	if (!path)
		return -ENOMEM;
	path[0] = 0;
	qsort_r(st, nr, sizeof(*st), cmp_stacks, &t->by_module);
	for (size_t s = 0; s < nr; s++) {
		unsigned int k = 0, d;
		int64_t v = st[s].values[type];
		bool off = is_offcpu(&st[s]);

		/* path[1..open) holds the previous stack's frames */
		while (k + 1 < open && k < st[s].nr_frames &&
		       node_is(&t->nodes[path[k + 1]], &st[s].frames[k], t->by_module))
			k++;
		for (d = open - 1; d > k; d--)
			close_node(t, path[d], min_value);
		open = k + 1;
		if (st[s].nr_frames + 1 > path_cap) {
			uint32_t *np;

			path_cap = st[s].nr_frames + 1;
			np = realloc(path, path_cap * sizeof(*np));
			if (!np)
				goto enomem;
			path = np;
		}
		if (open_nodes(t, &st[s], k, path, &open, pos))
			goto enomem;
		for (d = 1; d < open; d++) {
			t->nodes[path[d]].total += v;
			if (off)
				t->nodes[path[d]].offcpu += v;
		}
		t->nodes[path[open - 1]].self += v;
		if (off)
			t->nodes[0].offcpu += v;
		pos += v;
	}
	for (unsigned int d = open - 1; d > 0; d--)
		close_node(t, path[d], min_value);
	free(path);
	return 0;
enomem:
	free(path);
	return -ENOMEM;
}

static int cmp_by_total(const void *a, const void *b, void *tree)
{
	const struct call_tree *t = tree;
	const struct call_node *x = &t->nodes[*(const uint32_t *)a];
	const struct call_node *y = &t->nodes[*(const uint32_t *)b];
	int c;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return str_cmp(x->module, y->module);
}

/* Every node's children as a slice of one array, sorted by total. */
static int index_children(struct call_tree *t)
{
	uint32_t *fill;

	t->first = calloc(t->nr + 1, sizeof(*t->first));
	t->kids = malloc(t->nr * sizeof(*t->kids));
	fill = malloc(t->nr * sizeof(*fill));
	if (!t->first || !t->kids || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (size_t i = 1; i < t->nr; i++)
		t->first[t->nodes[i].parent + 1]++;
	for (size_t i = 0; i < t->nr; i++) {
		t->first[i + 1] += t->first[i];
		fill[i] = t->first[i];
	}
	for (size_t i = 1; i < t->nr; i++)
		t->kids[fill[t->nodes[i].parent]++] = (uint32_t)i;
	free(fill);
	for (size_t i = 0; i < t->nr; i++) {
		size_t n = t->first[i + 1] - t->first[i];

		if (n > 1)
			qsort_r(&t->kids[t->first[i]], n, sizeof(*t->kids), cmp_by_total, t);
	}
	return 0;
}

struct call_tree *call_tree__new(const struct profile *p, const struct call_tree_opts *o)
{
	struct profile_stack *st = NULL;
	struct call_tree *t = NULL;
	int64_t total;
	size_t nr;
	int err = ENOMEM;

	if (o->type >= profile__nr_types(p)) {
		errno = EINVAL;
		return NULL;
	}
	st = counted_stacks(p, o->type, &nr, &total);
	if (!st)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t || !push_node(t))
		goto cleanup;
	t->by_module = o->by_module;
	t->nodes[0].name = root_name;
	t->nodes[0].kind = FRAME_PROCESS;
	t->nodes[0].total = total;
	if (merge(t, st, nr, o->type, o->min_share * (double)total))
		goto cleanup;
	for (size_t i = 0; i < t->nr; i++)
		if (t->nodes[i].depth > t->max_depth)
			t->max_depth = t->nodes[i].depth;
	if (o->children && index_children(t))
		goto cleanup;
	err = 0;
cleanup:
	free(st);
	if (err) {
		call_tree__free(t);
		errno = err;
		return NULL;
	}
	return t;
}

void call_tree__free(struct call_tree *t)
{
	if (!t)
		return;
	free(t->nodes);
	free(t->first);
	free(t->kids);
	free(t);
}

size_t call_tree__nr_nodes(const struct call_tree *t)
{
	return t->nr;
}

const struct call_node *call_tree__node(const struct call_tree *t, size_t i)
{
	return i < t->nr ? &t->nodes[i] : NULL;
}

int64_t call_tree__total(const struct call_tree *t)
{
	return t->nodes[0].total;
}

unsigned int call_tree__max_depth(const struct call_tree *t)
{
	return t->max_depth;
}

size_t call_tree__children(const struct call_tree *t, size_t i, const uint32_t **kids)
{
	if (!t->first || i >= t->nr) {
		*kids = NULL;
		return 0;
	}
	*kids = &t->kids[t->first[i]];
	return t->first[i + 1] - t->first[i];
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
	const struct call_tree *t = ctx;
	const struct call_node *n = &t->nodes[id];
	const struct path_key *k = key;

	return n->parent == k->parent && node_is(n, k->f, t->by_module);
}

int call_tree__add_before(struct call_tree *t, const struct profile *before, unsigned int type)
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
		const struct call_node *n = &t->nodes[i];

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
