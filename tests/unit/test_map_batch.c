// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Whole BPF hash maps read and taken in batches, checked entry by entry
 * against what the test put in (real maps: needs CAP_BPF, skipped
 * without). Both the batch path and the per-entry walk. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include "collect/map_batch.h"

/* no padding: keys are compared byte for byte */
struct key {
	__u32 a;
	__u32 c;
	__u64 b;
};

static int new_map(__u32 max)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "test_batch", sizeof(struct key), sizeof(__u64),
				max, NULL);

	if (fd < 0 && (fd == -EPERM || fd == -EACCES))
		skip();
	assert_true(fd >= 0);
	return fd;
}

static struct key key_of(__u32 i)
{
	struct key k;

	memset(&k, 0, sizeof(k));
	k.a = i;
	k.b = (__u64)i * 0x9e3779b97f4a7c15ULL;
	k.c = ~i;
	return k;
}

static void fill(int fd, __u32 from, __u32 to)
{
	for (__u32 i = from; i < to; i++) {
		struct key k = key_of(i);
		__u64 v = (__u64)i * 3 + 1;

		assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST), 0);
	}
}

/* Every entry of [from, to) exactly once, with its value, nothing else. */
static void check_read(struct map_batch *b, long n, __u32 from, __u32 to)
{
	unsigned char *seen = calloc(to > from ? to - from : 1, 1);

	assert_non_null(seen);
	assert_int_equal(n, (long)(to - from));
	for (long i = 0; i < n; i++) {
		const struct key *k = map_batch__key(b, (size_t)i);
		const __u64 *v = map_batch__value(b, (size_t)i);
		struct key want;

		assert_true(k->a >= from && k->a < to);
		want = key_of(k->a);
		assert_memory_equal(k, &want, sizeof(want));
		assert_int_equal(*v, (__u64)k->a * 3 + 1);
		assert_int_equal(seen[k->a - from], 0);
		seen[k->a - from] = 1;
	}
	free(seen);
}

static void read_and_take(bool per_entry)
{
	int fd = new_map(70000);
	struct map_batch *b = map_batch__new(fd, sizeof(struct key), sizeof(__u64));
	struct key k;

	assert_non_null(b);
	if (per_entry)
		map_batch__per_entry(b);
	/* empty */
	assert_int_equal(map_batch__read(b, false), 0);
	assert_int_equal(map_batch__read(b, true), 0);
	/* one */
	fill(fd, 0, 1);
	check_read(b, map_batch__read(b, false), 0, 1);
	/* many more than a batch; reading twice gives the same */
	fill(fd, 1, 50000);
	check_read(b, map_batch__read(b, false), 0, 50000);
	check_read(b, map_batch__read(b, false), 0, 50000);
	/* taking reads them all and leaves the map empty */
	check_read(b, map_batch__read(b, true), 0, 50000);
	assert_int_equal(bpf_map_get_next_key(fd, NULL, &k), -ENOENT);
	assert_int_equal(map_batch__read(b, true), 0);
	/* what comes after a take is all the next take sees */
	fill(fd, 60000, 60100);
	check_read(b, map_batch__read(b, true), 60000, 60100);
	assert_int_equal(map_batch__read(b, false), 0);
	map_batch__free(b);
	close(fd);
}

static void test_batches(void **state)
{
	(void)state;
	read_and_take(false);
}

static void test_per_entry(void **state)
{
	(void)state;
	read_and_take(true);
}

/* A full map (every bucket used) reads whole. */
static void test_full_map(void **state)
{
	int fd = new_map(4096);
	struct map_batch *b = map_batch__new(fd, sizeof(struct key), sizeof(__u64));

	(void)state;
	assert_non_null(b);
	fill(fd, 0, 4096);
	check_read(b, map_batch__read(b, false), 0, 4096);
	check_read(b, map_batch__read(b, true), 0, 4096);
	map_batch__free(b);
	close(fd);
}

static void test_bad_fd(void **state)
{
	struct map_batch *b = map_batch__new(-1, sizeof(struct key), sizeof(__u64));

	(void)state;
	assert_non_null(b);
	assert_true(map_batch__read(b, false) < 0 || map_batch__read(b, false) == 0);
	map_batch__free(b);
	/* keys beyond the resume token's room are refused, not overrun */
	assert_null(map_batch__new(-1, 65, 8));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_per_entry),
		cmocka_unit_test(test_full_map),
		cmocka_unit_test(test_bad_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
