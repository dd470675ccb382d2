// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* munmaps replayed over live mappings: heads, tails, holes, several
 * blocks at once, other processes, earlier munmaps, unmatched ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "collect/munmap_log.h"

#define MB (1024ULL * 1024)
#define P 4096ULL

static void test_partial_unmaps(void **state)
{
	struct munmap_log *l = munmap_log__new();

	(void)state;
	assert_non_null(l);
	/* block A at 0x100000 (1 MiB, ts 10): head and tail quarters go */
	assert_int_equal(munmap_log__add(l, 7, 0x100000, MB / 4, 20), 0);
	assert_int_equal(munmap_log__add(l, 7, 0x100000 + 3 * MB / 4, MB / 4, 21), 0);
	/* block B at 0x400000 (1 MiB): a hole of 3 pages, then the same hole again */
	assert_int_equal(munmap_log__add(l, 7, 0x400000 + 8 * P, 3 * P, 22), 0);
	assert_int_equal(munmap_log__add(l, 7, 0x400000 + 8 * P, 3 * P, 23), 0);
	/* C and D adjacent, unmapped by one call; a length not page-aligned */
	assert_int_equal(munmap_log__add(l, 7, 0x800000, 2 * MB - 100, 24), 0);
	/* another process, same addresses: not ours */
	assert_int_equal(munmap_log__add(l, 8, 0x100000, MB, 25), 0);
	/* before E was mapped: does not touch it */
	assert_int_equal(munmap_log__add(l, 7, 0xc00000, MB, 5), 0);
	/* libc's own: covers nothing */
	assert_int_equal(munmap_log__add(l, 7, 0x7f0000000000, MB, 26), 0);

	assert_int_equal(munmap_log__remaining(l, 7, 0x100000, MB, 10), MB / 2);
	assert_int_equal(munmap_log__remaining(l, 7, 0x400000, MB, 10), MB - 3 * P);
	assert_int_equal(munmap_log__remaining(l, 7, 0x800000, MB, 10), 0);
	assert_int_equal(munmap_log__remaining(l, 7, 0x900000, MB, 10), 0);
	assert_int_equal(munmap_log__remaining(l, 7, 0xc00000, MB, 10), MB);
	/* a requested size that is not whole pages loses only what it had */
	assert_int_equal(munmap_log__remaining(l, 7, 0x100000, 100, 10), 0);
	/* unmatched: the repeated hole (already unmapped), the other
	 * process's, the one before E existed, and libc's */
	assert_int_equal(munmap_log__unmatched(l), 4);
	munmap_log__free(l);
}

static void test_many_holes_bounded(void **state)
{
	struct munmap_log *l = munmap_log__new();
	__u64 expect = 64 * MB;

	(void)state;
	/* 200 separate one-page holes: more pieces than a block keeps; the
	 * result may only err towards more bytes left, never fewer */
	for (int i = 0; i < 200; i++)
		assert_int_equal(munmap_log__add(l, 1, 0x10000000 + (2 * i + 1) * P, P, 2), 0);
	{
		__u64 left = munmap_log__remaining(l, 1, 0x10000000, 64 * MB, 1);

		assert_true(left >= expect - 200 * P);
		assert_true(left <= expect);
	}
	munmap_log__free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_unmaps),
		cmocka_unit_test(test_many_holes_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
