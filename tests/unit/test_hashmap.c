// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hashmap: find/add over a caller's array, growth, colliding hashes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "lib/hash.h"
#include "lib/hashmap.h"

#define N 100000

static bool u64_equal(uint32_t id, const void *key, void *ctx)
{
	const uint64_t *arr = ctx;

	return arr[id] == *(const uint64_t *)key;
}

/* Every key in a plain array is found at its own index, across many
 * doublings of the slot array; absent keys are not found. */
static void test_many(void **state)
{
	uint64_t *arr = malloc(N * sizeof(*arr));
	struct hashmap *m = hashmap__new(u64_equal, arr);
	uint32_t id;

	(void)state;
	assert_non_null(arr);
	assert_non_null(m);
	for (uint32_t i = 0; i < N; i++) {
		uint64_t k = (uint64_t)i * 7919 + 3;
		uint64_t h = fnv1a_u64(FNV1A_SEED, k);

		assert_false(hashmap__find(m, h, &k, &id));
		arr[i] = k;
		assert_int_equal(hashmap__add(m, h, i), 0);
	}
	assert_int_equal(hashmap__size(m), N);
	for (uint32_t i = 0; i < N; i++) {
		uint64_t k = arr[i];

		assert_true(hashmap__find(m, fnv1a_u64(FNV1A_SEED, k), &k, &id));
		assert_int_equal(id, i);
	}
	for (uint64_t k = 1; k < 1000; k += 7) {
		if (k % 7919 == 3)
			continue;
		assert_false(hashmap__find(m, fnv1a_u64(FNV1A_SEED, k), &k, &id));
	}
	hashmap__free(m);
	free(arr);
}

/* Keys with one hash are told apart by the equality callback. */
static void test_collisions(void **state)
{
	uint64_t arr[300];
	struct hashmap *m = hashmap__new(u64_equal, arr);
	uint32_t id;

	(void)state;
	assert_non_null(m);
	for (uint32_t i = 0; i < 300; i++) {
		arr[i] = 1000 + i;
		assert_int_equal(hashmap__add(m, 42, i), 0);
	}
	for (uint32_t i = 0; i < 300; i++) {
		uint64_t k = 1000 + i;

		assert_true(hashmap__find(m, 42, &k, &id));
		assert_int_equal(id, i);
	}
	hashmap__clear(m);
	assert_int_equal(hashmap__size(m), 0);
	assert_false(hashmap__find(m, 42, &arr[0], &id));
	hashmap__free(m);
}

static void test_fnv(void **state)
{
	(void)state;
	/* The published FNV-1a 64 value of "a". */
	assert_true(fnv1a_str(FNV1A_SEED, "a") == 0xaf63dc4c8601ec8cULL);
	assert_true(fnv1a_bytes(FNV1A_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(fnv1a_u64(FNV1A_SEED, 0x61) == fnv1a_bytes(FNV1A_SEED, "a\0\0\0\0\0\0\0", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_fnv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
