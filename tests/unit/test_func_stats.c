// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-function self and total values, and two profiles compared by share:
 * known answers on small profiles, and random profiles checked against a
 * plain recount. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "profile/func_diff.h"
#include "profile/func_stats.h"
#include "profile/profile.h"
#include "stack_fixtures.h"

static const struct func_stat *get(const struct func_stats *s, const char *name,
				   enum frame_kind kind)
{
	const struct func_stat *f = func_stats__find(s, name, kind);

	if (!f)
		fail_msg("no function %s (kind %d)", name, kind);
	return f;
}

static void expect(const struct func_stats *s, const char *name, enum frame_kind kind, int64_t self,
		   int64_t total, size_t stacks)
{
	const struct func_stat *f = get(s, name, kind);

	if (f->self != self || f->total != total || f->stacks != stacks)
		fail_msg("%s: self %lld total %lld stacks %zu, want %lld %lld %zu", name,
			 (long long)f->self, (long long)f->total, f->stacks, (long long)self,
			 (long long)total, stacks);
}

/* a;b;c 60, a;b 20, a;d 20: c has 60% self, b 80% total. */
static void test_known_answers(void **state)
{
	struct profile *p = fixture_samples();
	struct func_stats *s;

	(void)state;
	fixture_add(p, "a;b;c", 60);
	fixture_add(p, "a;b", 20);
	fixture_add(p, "a;d", 20);
	s = func_stats__new(p, 0);
	assert_non_null(s);
	assert_int_equal(func_stats__total(s), 100);
	assert_int_equal(func_stats__nr_stacks(s), 3);
	assert_int_equal(func_stats__nr(s), 4);
	expect(s, "a", FRAME_USER, 0, 100, 3);
	expect(s, "b", FRAME_USER, 20, 80, 2);
	expect(s, "c", FRAME_USER, 60, 60, 1);
	expect(s, "d", FRAME_USER, 20, 20, 1);
	/* by self: c, then b and d tied on self and b ahead on total, then a */
	assert_string_equal(func_stats__get(s, 0)->name, "c");
	assert_string_equal(func_stats__get(s, 1)->name, "b");
	assert_string_equal(func_stats__get(s, 2)->name, "d");
	assert_string_equal(func_stats__get(s, 3)->name, "a");
	func_stats__sort(s, FUNC_BY_TOTAL);
	assert_string_equal(func_stats__get(s, 0)->name, "a");
	assert_string_equal(func_stats__get(s, 1)->name, "b");
	assert_string_equal(func_stats__get(s, 2)->name, "c");
	assert_string_equal(func_stats__get(s, 3)->name, "d");
	func_stats__sort(s, FUNC_BY_NAME);
	assert_string_equal(func_stats__get(s, 0)->name, "a");
	assert_string_equal(func_stats__get(s, 3)->name, "d");
	assert_null(func_stats__get(s, 4));
	func_stats__free(s);
	profile__free(p);
}

/* A recursing function counts once a stack in its total. */
static void test_recursion_counted_once(void **state)
{
	struct profile *p = fixture_samples();
	struct func_stats *s;

	(void)state;
	fixture_add(p, "main;fib;fib;fib;fib", 10);
	fixture_add(p, "main;fib;add;fib", 5);
	fixture_add(p, "main;a;b;a;b;c", 7);
	s = func_stats__new(p, 0);
	assert_non_null(s);
	expect(s, "fib", FRAME_USER, 15, 15, 2);
	expect(s, "add", FRAME_USER, 0, 5, 1);
	expect(s, "a", FRAME_USER, 0, 7, 1);
	expect(s, "b", FRAME_USER, 0, 7, 1);
	expect(s, "c", FRAME_USER, 7, 7, 1);
	expect(s, "main", FRAME_USER, 0, 22, 3);
	for (size_t i = 0; i < func_stats__nr(s); i++)
		assert_true(func_stats__get(s, i)->total <= func_stats__total(s));
	func_stats__free(s);
	profile__free(p);
}

/* A kernel and a user function of one name are two functions; a module
 * tells two namesakes apart too. */
static void test_namesakes(void **state)
{
	struct profile *p = fixture_samples();
	const struct func_stat *u = NULL, *k;
	struct func_stats *s;
	int libc = 0, mine = 0;

	(void)state;
	fixture_add(p, "P:app;main;read;read_[k];vfs_read_[k]", 7);
	fixture_add(p, "P:app;main;read", 3);
	fixture_add(p, "P:app;main;M=libc.so.6:init", 2);
	fixture_add(p, "P:app;main;M=/usr/bin/app:init", 1);
	s = func_stats__new(p, 0);
	assert_non_null(s);
	u = get(s, "read", FRAME_USER);
	k = get(s, "read", FRAME_KERNEL);
	assert_ptr_not_equal(u, k);
	expect(s, "read", FRAME_USER, 3, 10, 2);
	expect(s, "read", FRAME_KERNEL, 0, 7, 1);
	expect(s, "vfs_read", FRAME_KERNEL, 7, 7, 1);
	for (size_t i = 0; i < func_stats__nr(s); i++) {
		const struct func_stat *f = func_stats__get(s, i);

		if (strcmp(f->name, "init") != 0)
			continue;
		assert_non_null(f->module);
		if (strcmp(f->module, "libc.so.6") == 0)
			libc += f->self == 2 && f->total == 2;
		else if (strcmp(f->module, "/usr/bin/app") == 0)
			mine += f->self == 1 && f->total == 1;
	}
	assert_int_equal(libc, 1);
	assert_int_equal(mine, 1);
	/* the process root: counted, but no function without self */
	expect(s, "app", FRAME_PROCESS, 0, 13, 4);
	assert_false(func_stat__is_function(get(s, "app", FRAME_PROCESS)));
	assert_true(func_stat__is_function(get(s, "main", FRAME_USER)));
	func_stats__free(s);
	profile__free(p);
}

/* Markers are states: a blocked stack's self goes to the function that
 * blocked, the marker keeps its total; stacks with nothing but a marker
 * keep their self in it. Selfs add up to the total. */
static void test_markers(void **state)
{
	static const struct value_type us = { "wall", "microseconds", 0 };
	struct profile *p = profile__new(&us, 1);
	struct func_stats *s;
	int64_t self_sum = 0;

	(void)state;
	assert_non_null(p);
	fixture_add(p, "P:app;main;sleep;do_nanosleep_[k];[off-cpu]", 300);
	fixture_add(p, "P:app;main;work;[runnable]", 20);
	fixture_add(p, "P:app;main;work", 100);
	fixture_add(p, "P:app;[lost stack]", 5);
	fixture_add(p, "P:app", 2);
	fixture_add(p, "[no stack]", 1);
	s = func_stats__new(p, 0);
	assert_non_null(s);
	assert_int_equal(func_stats__total(s), 428);
	expect(s, "do_nanosleep", FRAME_KERNEL, 300, 300, 1);
	expect(s, "[off-cpu]", FRAME_MARKER, 0, 300, 1);
	expect(s, "work", FRAME_USER, 120, 120, 2);
	expect(s, "[runnable]", FRAME_MARKER, 0, 20, 1);
	expect(s, "[lost stack]", FRAME_MARKER, 5, 5, 1);
	expect(s, "[no stack]", FRAME_MARKER, 1, 1, 1);
	expect(s, "app", FRAME_PROCESS, 2, 427, 5);
	/* a process holding self itself is listed, so nothing goes missing */
	assert_true(func_stat__is_function(get(s, "app", FRAME_PROCESS)));
	assert_true(func_stat__is_function(get(s, "[off-cpu]", FRAME_MARKER)));
	for (size_t i = 0; i < func_stats__nr(s); i++)
		self_sum += func_stats__get(s, i)->self;
	assert_int_equal(self_sum, func_stats__total(s));
	func_stats__free(s);
	profile__free(p);
}

static void test_types_zero_and_errors(void **state)
{
	static const struct value_type two[] = { { "alloc_space", "bytes", 0 },
						 { "alloc_objects", "count", 0 } };
	struct profile *p = profile__new(two, 2);
	struct frame f[2] = { { .name = "a", .kind = FRAME_USER },
			      { .name = "b", .kind = FRAME_USER } };
	int64_t v1[2] = { 4096, 1 }, v2[2] = { 0, 3 }, big[2] = { INT64_MAX, 1 };
	struct func_stats *s;

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile__add(p, f, 2, v1), 0);
	assert_int_equal(profile__add(p, f, 1, v2), 0);
	s = func_stats__new(p, 0);
	assert_non_null(s);
	/* a stack with 0 of this type is not one of its stacks */
	assert_int_equal(func_stats__nr_stacks(s), 1);
	expect(s, "a", FRAME_USER, 0, 4096, 1);
	func_stats__free(s);
	s = func_stats__new(p, 1);
	assert_non_null(s);
	assert_int_equal(func_stats__nr_stacks(s), 2);
	expect(s, "a", FRAME_USER, 3, 4, 2);
	func_stats__free(s);
	errno = 0;
	assert_null(func_stats__new(p, 2));
	assert_int_equal(errno, EINVAL);
	/* values past 2^63: an error, not a wrapped total */
	assert_int_equal(profile__add(p, f, 1, big), 0);
	errno = 0;
	assert_null(func_stats__new(p, 0));
	assert_int_equal(errno, EOVERFLOW);
	profile__free(p);
}

/* ---- random profiles against a plain recount ---- */

struct ref_func {
	char name[16];
	enum frame_kind kind;
	int64_t self, total;
	size_t stacks;
	size_t last;
};

static struct ref_func *ref_find(struct ref_func *r, size_t *n, const char *name,
				 enum frame_kind kind)
{
	for (size_t i = 0; i < *n; i++)
		if (r[i].kind == kind && strcmp(r[i].name, name) == 0)
			return &r[i];
	snprintf(r[*n].name, sizeof(r[*n].name), "%s", name);
	r[*n].kind = kind;
	return &r[(*n)++];
}

static void test_random_against_recount(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "[off-cpu]" };
	unsigned int seed = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct profile *p = fixture_samples();
		struct ref_func ref[64] = { 0 };
		size_t nref = 0, nstacks = 1 + rand_r(&seed) % 30;
		struct profile_stack st;
		struct func_stats *s;
		int64_t grand = 0;

		for (size_t i = 0; i < nstacks; i++) {
			struct frame f[10];
			unsigned int n = 1 + rand_r(&seed) % 9;
			int64_t v = 1 + rand_r(&seed) % 1000;

			for (unsigned int j = 0; j < n; j++) {
				unsigned int w = rand_r(&seed) % 6;

				f[j] = (struct frame){ .name = names[w], .kind = FRAME_USER };
				if (w == 5)
					f[j].kind = FRAME_MARKER;
				else if (rand_r(&seed) % 4 == 0)
					f[j].kind = FRAME_KERNEL;
			}
			if (rand_r(&seed) % 2)
				f[0] = (struct frame){ .name = "proc", .kind = FRAME_PROCESS };
			assert_int_equal(profile__add(p, f, n, &v), 0);
		}
		/* the recount, from the merged stacks, frame by frame */
		for (size_t i = 0; i < profile__nr_stacks(p); i++) {
			unsigned int leaf, self;

			profile__stack(p, i, &st);
			grand += st.values[0];
			leaf = st.nr_frames - 1;
			self = leaf;
			while (self > 0 && st.frames[self].kind == FRAME_MARKER)
				self--;
			if (st.frames[self].kind == FRAME_MARKER ||
			    (self < leaf && st.frames[self].kind == FRAME_PROCESS))
				self = leaf;
			for (unsigned int j = 0; j < st.nr_frames; j++) {
				struct ref_func *r =
				    ref_find(ref, &nref, st.frames[j].name, st.frames[j].kind);

				if (j == self)
					r->self += st.values[0];
				if (r->last != i + 1) {
					r->last = i + 1;
					r->total += st.values[0];
					r->stacks++;
				}
			}
		}
		s = func_stats__new(p, 0);
		assert_non_null(s);
		assert_int_equal(func_stats__total(s), grand);
		assert_int_equal(func_stats__nr(s), nref);
		for (size_t i = 0; i < nref; i++)
			expect(s, ref[i].name, ref[i].kind, ref[i].self, ref[i].total,
			       ref[i].stacks);
		func_stats__free(s);
		profile__free(p);
	}
}

/* ---- diff ---- */

static const struct func_delta *row(const struct func_diff *d, const char *name)
{
	for (size_t i = 0; i < func_diff__nr(d); i++) {
		const struct func_delta *r = func_diff__get(d, i);

		if (strcmp(func_delta__func(r)->name, name) == 0)
			return r;
	}
	fail_msg("no row for %s", name);
	return NULL;
}

static void test_diff_shares(void **state)
{
	struct profile *b = fixture_samples(), *a = fixture_samples();
	struct func_stats *sb, *sa;
	const struct func_delta *r;
	struct func_diff *d;

	(void)state;
	/* before: 100 samples */
	fixture_add(b, "P:app;a;b;c", 60);
	fixture_add(b, "P:app;a;b", 20);
	fixture_add(b, "P:app;a;d", 20);
	/* after: twice as long, b's self grows from 20% to 50%, d gone, e new */
	fixture_add(a, "P:app;a;b;c", 60);
	fixture_add(a, "P:app;a;b", 100);
	fixture_add(a, "P:app;a;e", 40);
	sb = func_stats__new(b, 0);
	sa = func_stats__new(a, 0);
	assert_non_null(sb);
	assert_non_null(sa);
	d = func_diff__new(sb, sa);
	assert_non_null(d);
	/* app is a process, not a function: a, b, c, d, e */
	assert_int_equal(func_diff__nr(d), 5);
	assert_int_equal(func_diff__nr_new(d), 1);
	assert_int_equal(func_diff__nr_gone(d), 1);

	r = row(d, "b");
	assert_float_equal(r->share_before[SHARE_SELF], 20.0, 1e-9);
	assert_float_equal(r->share_after[SHARE_SELF], 50.0, 1e-9);
	assert_float_equal(func_delta__change(r, SHARE_SELF), 30.0, 1e-9);
	assert_float_equal(func_delta__change(r, SHARE_TOTAL), 0.0, 1e-9);
	r = row(d, "c");
	assert_float_equal(func_delta__change(r, SHARE_SELF), -30.0, 1e-9);
	r = row(d, "e");
	assert_null(r->before);
	assert_non_null(r->after);
	assert_float_equal(func_delta__change(r, SHARE_SELF), 20.0, 1e-9);
	r = row(d, "d");
	assert_null(r->after);
	assert_float_equal(func_delta__change(r, SHARE_TOTAL), -20.0, 1e-9);
	/* a: 100% of both, exactly no change */
	assert_true(func_delta__change(row(d, "a"), SHARE_TOTAL) == 0.0);

	/* by self: grown first, shrunk last, unchanged between */
	func_diff__sort(d, SHARE_SELF);
	assert_string_equal(func_delta__func(func_diff__get(d, 0))->name, "b");
	assert_string_equal(func_delta__func(func_diff__get(d, 1))->name, "e");
	assert_string_equal(func_delta__func(func_diff__get(d, 2))->name, "a");
	assert_string_equal(func_delta__func(func_diff__get(d, 3))->name, "d");
	assert_string_equal(func_delta__func(func_diff__get(d, 4))->name, "c");
	func_diff__sort(d, SHARE_TOTAL);
	assert_string_equal(func_delta__func(func_diff__get(d, 0))->name, "e");
	assert_string_equal(func_delta__func(func_diff__get(d, 4))->name, "c");
	func_diff__free(d);
	func_stats__free(sa);
	func_stats__free(sb);
	profile__free(a);
	profile__free(b);
}

/* The same profile scaled: every share equal, no change at all. */
static void test_diff_same_shares(void **state)
{
	struct profile *b = fixture_samples(), *a = fixture_samples();
	struct func_stats *sb, *sa;
	struct func_diff *d;

	(void)state;
	fixture_add(b, "x;y", 1);
	fixture_add(b, "x;z", 2);
	fixture_add(b, "x;z;w_[k]", 4);
	fixture_add(a, "x;y", 3);
	fixture_add(a, "x;z", 6);
	fixture_add(a, "x;z;w_[k]", 12);
	sb = func_stats__new(b, 0);
	sa = func_stats__new(a, 0);
	d = func_diff__new(sb, sa);
	assert_non_null(d);
	assert_int_equal(func_diff__nr_new(d) + func_diff__nr_gone(d), 0);
	for (size_t i = 0; i < func_diff__nr(d); i++) {
		assert_true(func_delta__change(func_diff__get(d, i), SHARE_SELF) == 0.0);
		assert_true(func_delta__change(func_diff__get(d, i), SHARE_TOTAL) == 0.0);
	}
	func_diff__free(d);
	func_stats__free(sa);
	func_stats__free(sb);
	profile__free(a);
	profile__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answers),
		cmocka_unit_test(test_recursion_counted_once),
		cmocka_unit_test(test_namesakes),
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_types_zero_and_errors),
		cmocka_unit_test(test_random_against_recount),
		cmocka_unit_test(test_diff_shares),
		cmocka_unit_test(test_diff_same_shares),
	};

	return cmocka_run_group_tests_name("func_stats", tests, NULL, NULL);
}
