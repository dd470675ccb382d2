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

static const struct call_node *kid(const struct call_node *n, size_t i, const char *name,
				   int64_t total, int64_t self)
{
	const struct call_node *c;

	assert_true(i < n->nr_children);
	c = n->children[i];
	assert_string_equal(c->name, name);
	assert_int_equal(c->total, total);
	assert_int_equal(c->self, self);
	return c;
}

static void test_shape(void **state)
{
	struct profile *p = fixture_samples();
	const struct call_node *root, *a, *b, *m;
	struct call_tree *t;

	(void)state;
	fixture_add(p, "a;b;c", 60);
	fixture_add(p, "a;b", 20);
	fixture_add(p, "a;d", 20);
	fixture_add(p, "x;b;c", 5);
	fixture_add(p, "a;a;a", 1);
	fixture_add(p, "a;read;read_[k]", 2);
	fixture_add(p, "a;read;[off-cpu]", 3);
	t = call_tree__new(p, 0);
	assert_non_null(t);
	root = call_tree__root(t);
	assert_null(root->name);
	assert_int_equal(root->total, 111);
	assert_int_equal(root->self, 0);
	assert_int_equal(root->nr_children, 2);
	a = kid(root, 0, "a", 106, 0);
	kid(root, 1, "x", 5, 0);
	/* children by total, largest first */
	assert_int_equal(a->nr_children, 4);
	b = kid(a, 0, "b", 80, 20);
	kid(b, 0, "c", 60, 60);
	kid(a, 1, "d", 20, 20);
	m = kid(a, 2, "read", 5, 0);
	/* recursion is a path in the tree */
	kid(kid(a, 3, "a", 1, 0), 0, "a", 1, 1);
	/* markers stay nodes; kernel and user namesakes are two nodes */
	kid(m, 0, "[off-cpu]", 3, 3);
	assert_int_equal(m->children[0]->kind, FRAME_MARKER);
	kid(m, 1, "read", 2, 2);
	assert_int_equal(m->children[1]->kind, FRAME_KERNEL);
	/* root, a, b, c, d, read, read_[k], [off-cpu], a, a, x, b, c */
	assert_int_equal(call_tree__nr_nodes(t), 13);
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
	assert_null(call_tree__new(p, 1));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(profile__add(p, &f, 1, &big), 0);
	f.name = "b";
	assert_int_equal(profile__add(p, &f, 1, &one), 0);
	errno = 0;
	assert_null(call_tree__new(p, 0));
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

static void walk(const struct call_node *n, char *key, size_t size, struct path_count *pc,
		 size_t npc, size_t *visited)
{
	size_t len = strlen(key);
	int64_t sum = 0;

	for (size_t i = 0; i < n->nr_children; i++) {
		const struct call_node *c = n->children[i];
		struct path_count *want = NULL;

		if (i)
			assert_true(n->children[i - 1]->total >= c->total);
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
		walk(c, key, size, pc, npc, visited);
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
		t = call_tree__new(p, 0);
		assert_non_null(t);
		assert_int_equal(call_tree__root(t)->total, grand);
		key[0] = '\0';
		walk(call_tree__root(t), key, sizeof(key), pc, npc, &visited);
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
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_random_against_recount),
	};

	return cmocka_run_group_tests_name("call_tree", tests, NULL, NULL);
}
