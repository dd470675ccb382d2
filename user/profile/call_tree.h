/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * call_tree: a profile's stacks merged from the roots into one tree, the
 * shape a flame graph draws: a node per distinct path, with its total
 * (every stack through it) and self (stacks ending in it). Markers stay
 * nodes here ([off-cpu] under the function that blocked), since the tree
 * shows the stacks as they are.
 */
#ifndef EMBER_CALL_TREE_H
#define EMBER_CALL_TREE_H

#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

struct call_node {
	const char *name;   /* owned by the profile; NULL for the tree's root */
	const char *module; /* NULL when unknown */
	enum frame_kind kind;
	int64_t total, self;
	/* largest total first, then by name, kind and module */
	const struct call_node *const *children;
	size_t nr_children;
};

struct call_tree;

/* The tree of p's value type `type`; stacks with a value of 0 are left
 * out. NULL with errno: EINVAL (bad type), EOVERFLOW, ENOMEM. The profile
 * must outlive the tree. */
struct call_tree *call_tree__new(const struct profile *p, unsigned int type);
void call_tree__free(struct call_tree *t);
/* A root above every stack's first frame, whose total is the profile's. */
const struct call_node *call_tree__root(const struct call_tree *t);
size_t call_tree__nr_nodes(const struct call_tree *t);

#endif
