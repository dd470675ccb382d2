/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * call_tree: a profile's stacks merged from the roots into one tree, the
 * shape a flame graph draws and `ember report --tree` prints: a node per
 * distinct path, with its total (every stack through it) and self
 * (stacks ending in it). Markers stay nodes ([off-cpu] under the function
 * that blocked), since the tree shows the stacks as they are.
 *
 * Nodes are kept in preorder (a node's descendants follow it, before its
 * next sibling), siblings in name order as flamegraph.pl sorts its input,
 * so the same profile always gives the same tree; call_tree__children
 * gives them by total instead.
 */
#ifndef EMBER_CALL_TREE_H
#define EMBER_CALL_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

struct call_node {
	const char *name;	  /* "all" for the root; owned by the profile */
	const char *module;	  /* with call_tree_opts.by_module; else NULL */
	int64_t start;		  /* left edge: the values of the stacks sorted before it */
	int64_t total;		  /* its stacks' values, children included */
	int64_t self;		  /* the values of the stacks ending in it */
	int64_t offcpu;		  /* part of total from stacks ending [off-cpu]/[runnable] */
	int64_t before;		  /* call_tree__add_before: the other profile's total */
	uint32_t parent;	  /* index of the parent; the root's is 0 */
	uint32_t depth : 24;	  /* the root is 0 */
	enum frame_kind kind : 8; /* FRAME_PROCESS for the root */
};

struct call_tree_opts {
	unsigned int type; /* the profile's value type */
	/* Frames of the same name and kind in different modules are
	 * different nodes (report); else one (a flame graph, which shows
	 * names only). */
	bool by_module;
	/* A node worth less than this share of the total is dropped with
	 * everything under it (its value still counts in its parent's). */
	double min_share;
	/* Index every node's children by total, for call_tree__children. */
	bool children;
};

struct call_tree;

/*
 * The tree of p's stacks with at least one frame and a value > 0, the
 * root first. NULL with errno: EINVAL (bad type), EOVERFLOW (values sum
 * beyond INT64_MAX, or a stack deeper than the tree counts), ENOMEM. The
 * profile must outlive the tree.
 */
struct call_tree *call_tree__new(const struct profile *p, const struct call_tree_opts *o);
void call_tree__free(struct call_tree *t);

size_t call_tree__nr_nodes(const struct call_tree *t);
/* Node i in preorder, 0 the root; NULL past the last. */
const struct call_node *call_tree__node(const struct call_tree *t, size_t i);
/* The root's total: every stack's. */
int64_t call_tree__total(const struct call_tree *t);
/* Deepest node kept. */
unsigned int call_tree__max_depth(const struct call_tree *t);

/*
 * The children of node i by total, largest first (then by name, kind and
 * module): their number, and *kids pointed at their node indexes. Only in
 * a tree built with call_tree_opts.children (else none).
 */
size_t call_tree__children(const struct call_tree *t, size_t i, const uint32_t **kids);

/*
 * Differential: add another profile's values to the nodes of the same
 * path (names, kinds and modules compared as text, so the profiles may
 * come from different files). Its stacks' frames not in this tree are
 * ignored; their values still count in the deepest node they share.
 * Returns 0, -ENOMEM, -EINVAL or -EOVERFLOW; the other profile's total is
 * then call_tree__node(t, 0)->before.
 */
int call_tree__add_before(struct call_tree *t, const struct profile *before, unsigned int type);

#endif
