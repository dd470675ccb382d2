// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Growing BPF totals to what is new since the last look. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "stack_delta.h"

static struct ember_stack_key key(__u32 tgid, __u32 ustack)
{
	struct ember_stack_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = tgid;
	k.user_stack = ustack;
	return k;
}

static void test_deltas(void **state)
{
	struct stack_delta *d = stack_delta__new();
	struct ember_stack_key a = key(1, 10), b = key(1, 11);
	__u64 delta;

	(void)state;
	assert_int_equal(stack_delta__update(d, &a, 5, &delta), 0);
	assert_int_equal(delta, 5);
	assert_int_equal(stack_delta__update(d, &a, 12, &delta), 0);
	assert_int_equal(delta, 7);
	assert_int_equal(stack_delta__update(d, &a, 12, &delta), 0);
	assert_int_equal(delta, 0);
	assert_int_equal(stack_delta__update(d, &b, 3, &delta), 0);
	assert_int_equal(delta, 3);
	/* a total that went down (a recreated map) gives nothing, then
	 * counts from there */
	assert_int_equal(stack_delta__update(d, &a, 2, &delta), 0);
	assert_int_equal(delta, 0);
	assert_int_equal(stack_delta__update(d, &a, 4, &delta), 0);
	assert_int_equal(delta, 2);
	assert_int_equal(stack_delta__nr(d), 2);
	stack_delta__free(d);
}

/* Many keys across table growth: each remembered exactly. */
static void test_growth(void **state)
{
	struct stack_delta *d = stack_delta__new();
	__u64 delta;

	(void)state;
	for (__u32 i = 0; i < 50000; i++) {
		struct ember_stack_key k = key(i % 97, i);

		assert_int_equal(stack_delta__update(d, &k, i + 1, &delta), 0);
		assert_int_equal(delta, i + 1);
	}
	for (__u32 i = 0; i < 50000; i++) {
		struct ember_stack_key k = key(i % 97, i);

		assert_int_equal(stack_delta__update(d, &k, i + 3, &delta), 0);
		assert_int_equal(delta, 2);
	}
	assert_int_equal(stack_delta__nr(d), 50000);
	stack_delta__free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deltas),
		cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
