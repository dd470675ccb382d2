// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The call tree: known shapes, and random profiles against a recount of
 * every stack prefix. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "profile/call_tree.h"
#include "profile/profile.h"
#include "stack_fixtures.h"

static const struct call_tree *tree; /* the one under test */

static size_t nr_kids(size_t n)
{
	const uint32_t *k;

	return call_tree__children(tree, n, &k);
}

/* Child i of node n by total, checked; its index. */
static size_t kid(size_t n, size_t i, const char *name, int64_t total, int64_t self)
{
	const struct call_node *c;
	const uint32_t *k;
	size_t nr = call_tree__children(tree, n, &k), id;

	assert_true(i < nr);
	id = k[i];
	c = call_tree__node(tree, id);
	assert_int_equal(c->parent, n);
	assert_int_equal(c->depth, call_tree__node(tree, n)->depth + 1);
	assert_string_equal(c->name, name);
	assert_int_equal(c->total, total);
	assert_int_equal(c->self, self);
	return id;
}

static void test_shape(void **state)
{
	struct profile *p = fixture_samples();
	const struct call_node *root;
	struct call_tree *t;
	size_t a, b, m;

	(void)state;
	fixture_add(p, "a;b;c", 60);
	fixture_add(p, "a;b", 20);
	fixture_add(p, "a;d", 20);
	fixture_add(p, "x;b;c", 5);
	fixture_add(p, "a;a;a", 1);
	fixture_add(p, "a;read;read_[k]", 2);
	fixture_add(p, "a;read;[off-cpu]", 3);
	t = call_tree__new(p, &(struct call_tree_opts){ .by_module = true, .children = true });
	assert_non_null(t);
	tree = t;
	root = call_tree__node(t, 0);
	assert_string_equal(root->name, "all");
	assert_int_equal(root->total, 111);
	assert_int_equal(call_tree__total(t), 111);
	assert_int_equal(root->self, 0);
	assert_int_equal(nr_kids(0), 2);
	a = kid(0, 0, "a", 106, 0);
	kid(0, 1, "x", 5, 0);
	/* children by total, largest first */
	assert_int_equal(nr_kids(a), 4);
	b = kid(a, 0, "b", 80, 20);
	kid(b, 0, "c", 60, 60);
	kid(a, 1, "d", 20, 20);
	m = kid(a, 2, "read", 5, 0);
	/* recursion is a path in the tree */
	kid(kid(a, 3, "a", 1, 0), 0, "a", 1, 1);
	/* markers stay nodes; kernel and user namesakes are two nodes */
	assert_int_equal(call_tree__node(t, kid(m, 0, "[off-cpu]", 3, 3))->kind, FRAME_MARKER);
	assert_int_equal(call_tree__node(t, kid(m, 1, "read", 2, 2))->kind, FRAME_KERNEL);
	/* root, a, b, c, d, read, read_[k], [off-cpu], a, a, x, b, c */
	assert_int_equal(call_tree__nr_nodes(t), 13);
	assert_int_equal(call_tree__max_depth(t), 3);
	/* preorder, siblings in name order: a's subtree, then x's */
	assert_string_equal(call_tree__node(t, 1)->name, "a");
	assert_string_equal(call_tree__node(t, 2)->name, "a");
	assert_string_equal(call_tree__node(t, 10)->name, "x");
	assert_null(call_tree__node(t, 13));
	call_tree__free(t);
	profile__free(p);
}

/* Report tells modules apart, a flame graph (names only) does not; a
 * share under min_share drops the node and all under it. */
static void test_modules_and_pruning(void **state)
{
	struct profile *p = fixture_samples();
	struct call_tree *t;

	(void)state;
	fixture_add(p, "main;M=libc.so.6:memcpy", 30);
	fixture_add(p, "main;M=libfoo.so:memcpy", 10);
	fixture_add(p, "main;tiny;deeper", 1);
	t = call_tree__new(p, &(struct call_tree_opts){ .by_module = true, .children = true });
	tree = t;
	/* all, main, memcpy (libc), memcpy (libfoo), tiny, deeper */
	assert_int_equal(call_tree__nr_nodes(t), 6);
	assert_string_equal(call_tree__node(t, kid(1, 0, "memcpy", 30, 30))->module, "libc.so.6");
	assert_string_equal(call_tree__node(t, kid(1, 1, "memcpy", 10, 10))->module, "libfoo.so");
	call_tree__free(t);
	t = call_tree__new(p, &(struct call_tree_opts){ .min_share = 0.05 });
	tree = t;
	/* all, main, memcpy: tiny (1 of 41) goes, with deeper */
	assert_int_equal(call_tree__nr_nodes(t), 3);
	assert_int_equal(call_tree__node(t, 1)->total, 41);
	assert_int_equal(call_tree__node(t, 1)->self, 0);
	assert_int_equal(call_tree__node(t, 2)->total, 40);
	assert_null(call_tree__node(t, 2)->module);
	/* no children index asked for: none given */
	assert_int_equal(nr_kids(1), 0);
	call_tree__free(t);
	profile__free(p);
}

static void test_errors(void **state)
{
	struct profile *p = fixture_samples();
	struct frame f = { .name = "a", .kind = FRAME_USER };
	int64_t big = INT64_MAX, one = 1;

	(void)state;
	errno = 0;
	assert_null(call_tree__new(p, &(struct call_tree_opts){ .type = 1 }));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(profile__add(p, &f, 1, &big), 0);
	f.name = "b";
	assert_int_equal(profile__add(p, &f, 1, &one), 0);
	errno = 0;
	assert_null(call_tree__new(p, &(struct call_tree_opts){ 0 }));
	assert_int_equal(errno, EOVERFLOW);
	profile__free(p);
}

/* ---- random profiles: every node is a stack prefix with its recount ---- */

#define MAX_PATHS 512

struct path_count {
	char key[128];
	int64_t total, self;
	int seen;
};

static struct path_count *path_find(struct path_count *pc, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(pc[i].key, key) == 0)
			return &pc[i];
	assert_true(*n < MAX_PATHS);
	snprintf(pc[*n].key, sizeof(pc[*n].key), "%s", key);
	return &pc[(*n)++];
}

static void frame_key(char *key, size_t size, const char *name, enum frame_kind kind)
{
	size_t len = strlen(key);

	snprintf(key + len, size - len, "%s%s/%u", len ? ";" : "", name, (unsigned int)kind);
}

static void walk(const struct call_tree *t, size_t id, char *key, size_t size,
		 struct path_count *pc, size_t npc, size_t *visited)
{
	const struct call_node *n = call_tree__node(t, id);
	size_t len = strlen(key);
	int64_t sum = 0;
	const uint32_t *kids;
	size_t nr = call_tree__children(t, id, &kids);

	for (size_t i = 0; i < nr; i++) {
		const struct call_node *c = call_tree__node(t, kids[i]);
		struct path_count *want = NULL;

		if (i)
			assert_true(call_tree__node(t, kids[i - 1])->total >= c->total);
		frame_key(key, size, c->name, c->kind);
		for (size_t j = 0; j < npc; j++)
			if (strcmp(pc[j].key, key) == 0)
				want = &pc[j];
		if (!want)
			fail_msg("node %s is no stack prefix", key);
		assert_int_equal(c->total, want->total);
		assert_int_equal(c->self, want->self);
		want->seen++;
		(*visited)++;
		sum += c->total;
		walk(t, kids[i], key, size, pc, npc, visited);
		key[len] = '\0';
	}
	assert_int_equal(n->total, n->self + sum);
}

static void test_random_against_recount(void **state)
{
	static const char *const names[] = { "a", "b", "c", "[off-cpu]" };
	unsigned int seed = 777;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct profile *p = fixture_samples();
		struct path_count *pc = calloc(MAX_PATHS, sizeof(*pc));
		size_t npc = 0, visited = 0, nstacks = 1 + rand_r(&seed) % 20;
		struct profile_stack st;
		struct call_tree *t;
		char key[128];
		int64_t grand = 0;

		assert_non_null(pc);
		for (size_t i = 0; i < nstacks; i++) {
			struct frame f[6];
			unsigned int n = 1 + rand_r(&seed) % 5;
			int64_t v = 1 + rand_r(&seed) % 100;

			for (unsigned int j = 0; j < n; j++) {
				unsigned int w = rand_r(&seed) % 4;

				f[j] = (struct frame){ .name = names[w],
						       .kind = w == 3		   ? FRAME_MARKER
							       : rand_r(&seed) % 3 ? FRAME_USER
										   : FRAME_KERNEL };
			}
			assert_int_equal(profile__add(p, f, n, &v), 0);
		}
		for (size_t i = 0; i < profile__nr_stacks(p); i++) {
			profile__stack(p, i, &st);
			grand += st.values[0];
			key[0] = '\0';
			for (unsigned int j = 0; j < st.nr_frames; j++) {
				struct path_count *c;

				frame_key(key, sizeof(key), st.frames[j].name, st.frames[j].kind);
				c = path_find(pc, &npc, key);
				c->total += st.values[0];
				if (j == st.nr_frames - 1)
					c->self += st.values[0];
			}
		}
		t = call_tree__new(p,
				   &(struct call_tree_opts){ .by_module = true, .children = true });
		assert_non_null(t);
		assert_int_equal(call_tree__total(t), grand);
		key[0] = '\0';
		walk(t, 0, key, sizeof(key), pc, npc, &visited);
		/* every prefix is exactly one node */
		assert_int_equal(visited, npc);
		assert_int_equal(call_tree__nr_nodes(t), npc + 1);
		for (size_t j = 0; j < npc; j++)
			assert_int_equal(pc[j].seen, 1);
		call_tree__free(t);
		free(pc);
		profile__free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_modules_and_pruning),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_random_against_recount),
	};

	return cmocka_run_group_tests_name("call_tree", tests, NULL, NULL);
}
