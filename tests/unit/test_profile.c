// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The profile model: merging, interning, totals, sorting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "profile/profile.h"

static const struct value_type two_types[] = {
	{ "samples", "count", 0 },
	{ "cpu", "nanoseconds", 0 },
};

static struct frame fr(const char *name, enum frame_kind kind)
{
	struct frame f = { .name = name, .kind = kind };

	return f;
}

static void test_merge_equal_stacks(void **state)
{
	struct profile *p = profile__new(two_types, 2);
	char buf1[8], buf2[8];
	struct frame a[2], b[2];
	int64_t v1[2] = { 1, 10 }, v2[2] = { 2, 20 };
	struct profile_stack st;

	(void)state;
	assert_non_null(p);
	/* equal text in different buffers must still merge: names are interned */
	strcpy(buf1, "main");
	strcpy(buf2, "main");
	a[0] = fr("app", FRAME_PROCESS);
	a[1] = fr(buf1, FRAME_USER);
	b[0] = fr("app", FRAME_PROCESS);
	b[1] = fr(buf2, FRAME_USER);
	assert_int_equal(profile__add(p, a, 2, v1), 0);
	assert_int_equal(profile__add(p, b, 2, v2), 0);
	assert_int_equal(profile__nr_stacks(p), 1);
	profile__stack(p, 0, &st);
	assert_int_equal(st.nr_frames, 2);
	assert_string_equal(st.frames[1].name, "main");
	assert_ptr_not_equal(st.frames[1].name, buf1);
	assert_int_equal(st.values[0], 3);
	assert_int_equal(st.values[1], 30);
	assert_int_equal(profile__total(p, 0), 3);
	assert_int_equal(profile__total(p, 1), 30);
	profile__free(p);
}

static void test_kind_and_depth_distinguish(void **state)
{
	struct profile *p = profile__new(two_types, 1);
	struct frame u[2] = { fr("app", FRAME_PROCESS), fr("read", FRAME_USER) };
	struct frame k[2] = { fr("app", FRAME_PROCESS), fr("read", FRAME_KERNEL) };
	int64_t one = 1;

	(void)state;
	assert_int_equal(profile__add(p, u, 2, &one), 0);
	assert_int_equal(profile__add(p, k, 2, &one), 0);
	assert_int_equal(profile__add(p, u, 1, &one), 0);
	assert_int_equal(profile__nr_stacks(p), 3);
	assert_int_equal(profile__total(p, 0), 3);
	profile__free(p);
}

static void test_many_stacks_and_sort(void **state)
{
	struct profile *p = profile__new(two_types, 1);
	struct profile_stack st;
	char name[32];

	(void)state;
	/* enough to grow the index and string table several times */
	for (int round = 0; round < 2; round++) {
		for (int i = 4999; i >= 0; i--) {
			struct frame f[3] = { fr("app", FRAME_PROCESS), fr("main", FRAME_USER),
					      fr(name, FRAME_USER) };
			int64_t v = i + 1;

			snprintf(name, sizeof(name), "fn%05d", i);
			assert_int_equal(profile__add(p, f, 3, &v), 0);
		}
	}
	assert_int_equal(profile__nr_stacks(p), 5000);
	assert_int_equal(profile__sort(p), 0);
	for (size_t i = 0; i < 5000; i++) {
		profile__stack(p, i, &st);
		snprintf(name, sizeof(name), "fn%05zu", i);
		assert_string_equal(st.frames[2].name, name);
		assert_int_equal(st.values[0], 2 * (int64_t)(i + 1));
	}
	/* the index still finds stacks after sorting */
	{
		struct frame f[3] = { fr("app", FRAME_PROCESS), fr("main", FRAME_USER),
				      fr("fn00042", FRAME_USER) };
		int64_t v = 1000;

		assert_int_equal(profile__add(p, f, 3, &v), 0);
		assert_int_equal(profile__nr_stacks(p), 5000);
		profile__stack(p, 42, &st);
		assert_int_equal(st.values[0], 2 * 43 + 1000);
	}
	profile__free(p);
}

static void test_types(void **state)
{
	struct profile *p = profile__new(two_types, 2);

	(void)state;
	assert_int_equal(profile__nr_types(p), 2);
	assert_string_equal(profile__type(p, 1)->type, "cpu");
	assert_string_equal(profile__type(p, 1)->unit, "nanoseconds");
	assert_null(profile__type(p, 2));
	assert_null(profile__new(two_types, 0));
	profile__free(p);
	profile__free(NULL);
}

/* A merge_max value (an age) keeps the largest, the others sum. */
static void test_merge_max(void **state)
{
	static const struct value_type t[] = {
		{ "inuse_space", "bytes", 0 },
		{ "oldest_age", "nanoseconds", 1 },
	};
	struct profile *p = profile__new(t, 2);
	struct frame f[2] = { fr("app", FRAME_PROCESS), fr("leak", FRAME_USER) };
	int64_t v1[2] = { 100, 7 }, v2[2] = { 50, 3 }, v3[2] = { 1, 9 };
	struct profile_stack st;

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile__add(p, f, 2, v1), 0);
	assert_int_equal(profile__add(p, f, 2, v2), 0);
	assert_int_equal(profile__add(p, f, 2, v3), 0);
	assert_int_equal(profile__nr_stacks(p), 1);
	profile__stack(p, 0, &st);
	assert_int_equal(st.values[0], 151);
	assert_int_equal(st.values[1], 9);
	assert_int_equal(profile__type(p, 1)->merge_max, 1);
	profile__free(p);
}

/* Frames differing only in build id (a file replaced while recording)
 * are different frames; equal ids are interned. */
static void test_build_id(void **state)
{
	struct profile *p = profile__new(two_types, 1);
	char id1[] = "abcd", id2[] = "abcd";
	struct frame a[2] = { fr("app", FRAME_PROCESS), fr("main", FRAME_USER) };
	struct frame b[2] = { fr("app", FRAME_PROCESS), fr("main", FRAME_USER) };
	struct profile_stack st;
	int64_t one = 1;

	(void)state;
	a[1].module = b[1].module = "/bin/app";
	a[1].build_id = id1;
	b[1].build_id = id2;
	assert_int_equal(profile__add(p, a, 2, &one), 0);
	assert_int_equal(profile__add(p, b, 2, &one), 0);
	assert_int_equal(profile__nr_stacks(p), 1);
	profile__stack(p, 0, &st);
	assert_string_equal(st.frames[1].build_id, "abcd");
	assert_ptr_not_equal(st.frames[1].build_id, id1);
	assert_null(st.frames[0].build_id);
	b[1].build_id = "ef01";
	assert_int_equal(profile__add(p, b, 2, &one), 0);
	b[1].build_id = NULL;
	assert_int_equal(profile__add(p, b, 2, &one), 0);
	assert_int_equal(profile__nr_stacks(p), 3);
	assert_int_equal(profile__total(p, 0), 4);
	profile__free(p);
}

static void test_counters(void **state)
{
	struct profile *p = profile__new(two_types, 1);
	int64_t v = 0;

	(void)state;
	assert_int_equal(profile__nr_counters(p), 0);
	assert_null(profile__counter(p, 0, &v));
	assert_int_equal(profile__set_counter(p, "stacks_map_full", 3), 0);
	assert_int_equal(profile__set_counter(p, "unnamed_frames", 0), 0);
	assert_int_equal(profile__set_counter(p, "stacks_map_full", 7), 0);
	assert_int_equal(profile__nr_counters(p), 2);
	assert_string_equal(profile__counter(p, 0, &v), "stacks_map_full");
	assert_int_equal(v, 7);
	assert_string_equal(profile__counter(p, 1, NULL), "unnamed_frames");
	profile__free(p);
}

/* A stack without frames (the pprof reader makes them) is kept. */
static void test_empty_stack(void **state)
{
	struct profile *p = profile__new(two_types, 1);
	struct profile_stack st;
	int64_t v = 2;

	(void)state;
	assert_int_equal(profile__add(p, NULL, 0, &v), 0);
	assert_int_equal(profile__add(p, NULL, 0, &v), 0);
	assert_int_equal(profile__nr_stacks(p), 1);
	profile__stack(p, 0, &st);
	assert_int_equal(st.nr_frames, 0);
	assert_int_equal(st.values[0], 4);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_max),
		cmocka_unit_test(test_merge_equal_stacks),
		cmocka_unit_test(test_kind_and_depth_distinguish),
		cmocka_unit_test(test_many_stacks_and_sort),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_empty_stack),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
