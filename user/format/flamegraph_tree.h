/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flamegraph_tree: a profile's stacks merged into the tree a flame graph
 * draws. Stacks that print alike (they differ only in addresses) merge;
 * siblings are in name order, as flamegraph.pl sorts its input, so the
 * same profile always gives the same tree. Nodes are kept in preorder:
 * a node's descendants follow it, before its next sibling.
 */
#ifndef EMBER_FLAMEGRAPH_TREE_H
#define EMBER_FLAMEGRAPH_TREE_H

#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

struct fg_node {
	const char *name;     /* "all" for the root; owned by the profile */
	int64_t start;	      /* left edge: sum of the values drawn before it */
	int64_t value;	      /* its stacks' total, children included */
	int64_t offcpu;	      /* part of value from stacks ending [off-cpu]/[runnable] */
	int64_t before;	      /* fg_tree__add_before: the other profile's value */
	uint32_t parent;      /* index of the parent; the root's is 0 */
	uint32_t depth;	      /* the root is 0 */
	enum frame_kind kind; /* meaningless for the root */
};

struct fg_tree;

/*
 * The tree of a profile's stacks by value type `type`, the root first.
 * Stacks with no frames or a value <= 0 are left out. A node worth less
 * than min_share of the total is dropped with everything under it (its
 * value still counts in its parent's). NULL with errno set: ENOMEM,
 * EINVAL (bad type), EOVERFLOW (values sum beyond INT64_MAX).
 */
struct fg_tree *fg_tree__new(const struct profile *p, unsigned int type, double min_share);
void fg_tree__free(struct fg_tree *t);

size_t fg_tree__nr_nodes(const struct fg_tree *t);
const struct fg_node *fg_tree__node(const struct fg_tree *t, size_t i);
/* The root's value: every stack's. */
int64_t fg_tree__total(const struct fg_tree *t);
/* Deepest node kept. */
unsigned int fg_tree__max_depth(const struct fg_tree *t);

/*
 * Differential: add another profile's values to the nodes of the same
 * path (names and kinds compared as text, so the profiles may come from
 * different files). Its stacks' frames not in this tree are ignored;
 * their values still count in the deepest node they share. Returns 0,
 * -ENOMEM, -EINVAL or -EOVERFLOW; the other profile's total is then
 * fg_tree__node(t, 0)->before.
 */
int fg_tree__add_before(struct fg_tree *t, const struct profile *before, unsigned int type);

#endif
