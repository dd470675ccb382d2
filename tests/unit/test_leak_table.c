// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Live blocks folded by stack: sums, oldest time, growth, checked against
 * a plain recomputation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/leak_table.h"

static struct ember_stack_key key(__u32 tgid, __u64 stack, const char *comm)
{
	struct ember_stack_key k = { .tgid = tgid, .user_stack = stack };

	strncpy(k.comm, comm, sizeof(k.comm));
	return k;
}

static void test_fold_by_key(void **state)
{
	struct leak_table *t = leak_table__new();
	struct ember_stack_key a = key(10, 0xaaa, "app"), b = key(10, 0xbbb, "app");
	struct ember_stack_key c = key(11, 0xaaa, "app"); /* same stack, other process */
	const struct leak_entry *e;

	(void)state;
	assert_non_null(t);
	assert_int_equal(leak_table__add(t, &a, 100, EMBER_ALLOC_ONE, 500), 0);
	assert_int_equal(leak_table__add(t, &b, 7, EMBER_ALLOC_ONE, 300), 0);
	assert_int_equal(leak_table__add(t, &a, 50, EMBER_ALLOC_ONE, 200), 0);
	assert_int_equal(leak_table__add(t, &c, 1, EMBER_ALLOC_ONE, 900), 0);
	assert_int_equal(leak_table__add(t, &a, 1, EMBER_ALLOC_ONE / 2, 800), 0);
	assert_int_equal(leak_table__size(t), 3);
	e = leak_table__entry(t, 0); /* first seen first */
	assert_memory_equal(&e->key, &a, sizeof(a));
	assert_int_equal(e->bytes, 151);
	assert_int_equal(e->count, EMBER_ALLOC_ONE * 2 + EMBER_ALLOC_ONE / 2);
	assert_int_equal(e->oldest_ts, 200);
	e = leak_table__entry(t, 1);
	assert_int_equal(e->bytes, 7);
	assert_int_equal(e->oldest_ts, 300);
	e = leak_table__entry(t, 2);
	assert_int_equal(e->key.tgid, 11);
	assert_int_equal(e->bytes, 1);
	assert_null(leak_table__entry(t, 3));
	leak_table__free(t);
}

/* Many keys (several rehashes) with a known answer per key. */
static void test_many_keys_match_recount(void **state)
{
	enum {
		KEYS = 5000,
		BLOCKS = 60000
	};
	struct leak_table *t = leak_table__new();
	__u64 *bytes = calloc(KEYS, sizeof(*bytes)), *oldest = calloc(KEYS, sizeof(*oldest));
	unsigned int *count = calloc(KEYS, sizeof(*count));
	__u32 seed = 12345;

	(void)state;
	assert_non_null(t);
	for (int i = 0; i < BLOCKS; i++) {
		unsigned int k;
		struct ember_stack_key kk;
		__u64 ts;

		seed = seed * 1103515245 + 12345;
		k = (seed >> 8) % KEYS;
		ts = 1000000 + ((seed >> 3) & 0xffff);
		kk = key(1 + k % 7, 0x1000 + k, k & 1 ? "odd" : "even");
		assert_int_equal(leak_table__add(t, &kk, k + 1, EMBER_ALLOC_ONE, ts), 0);
		bytes[k] += k + 1;
		count[k]++;
		if (!oldest[k] || ts < oldest[k])
			oldest[k] = ts;
	}
	for (size_t i = 0; i < leak_table__size(t); i++) {
		const struct leak_entry *e = leak_table__entry(t, i);
		unsigned int k = e->key.user_stack - 0x1000;

		assert_true(k < KEYS);
		assert_int_equal(e->key.tgid, 1 + k % 7);
		assert_int_equal(e->bytes, bytes[k]);
		assert_int_equal(e->count, (__u64)count[k] * EMBER_ALLOC_ONE);
		assert_int_equal(e->oldest_ts, oldest[k]);
		count[k] = 0; /* each key once */
	}
	for (int k = 0; k < KEYS; k++)
		assert_int_equal(count[k], 0);
	free(bytes);
	free(oldest);
	free(count);
	leak_table__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_by_key),
		cmocka_unit_test(test_many_keys_match_recount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
