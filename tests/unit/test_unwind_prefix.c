// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the decomposition of a mapping into LPM trie keys
 * (bpf/unwind_prefix.h), built as host C. The keys are checked against
 * brute force: a key matches an address when its first prefixlen bits
 * equal the lookup key's, as the kernel's LPM trie compares them, and
 * the trie answers with the longest matching key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define EMBER_UNWIND_PREFIX_HOST
#include "unwind_prefix.h"

/* Room for a range's blocks even past UNW_PREFIX_MAX (unaligned ranges). */
#define MAX_KEYS 256

struct keyed {
	struct ember_unw_map_key key;
	int owner; /* which range it came from */
};

/* xorshift64: reproducible random ranges. */
static __u64 rng = 0x9e3779b97f4a7c15ULL;

static __u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The blocks of [start, end) for tgid into out; returns how many. */
static int decompose(__u32 tgid, __u64 start, __u64 end, struct ember_unw_map_key *out, int max)
{
	__u64 cur = start;
	int n = 0;

	if (start >= end)
		return 0;
	for (;;) {
		assert_true(n < max);
		if (unw_prefix_next(tgid, &cur, end, &out[n++]))
			return n;
		assert_true(cur < end); /* never steps over end */
	}
}

/* The key's bits as the trie sees them: tgid then address, big-endian. */
static void key_bits(const struct ember_unw_map_key *k, unsigned char b[12])
{
	memcpy(b, &k->tgid_be, 4);
	memcpy(b + 4, &k->addr_be, 8);
}

/* Does key k (its first prefixlen bits) match the full-length lookup q? */
static int matches(const struct ember_unw_map_key *k, const struct ember_unw_map_key *q)
{
	unsigned char a[12], b[12];

	key_bits(k, a);
	key_bits(q, b);
	for (__u32 i = 0; i < k->prefixlen; i++) {
		int bit = 7 - (int)(i % 8);

		if (((a[i / 8] >> bit) & 1) != ((b[i / 8] >> bit) & 1))
			return 0;
	}
	return 1;
}

/* How many of the keys match (tgid, addr). */
static int hits(const struct ember_unw_map_key *keys, int n, __u32 tgid, __u64 addr)
{
	struct ember_unw_map_key q;
	int h = 0;

	unw_prefix_lookup_key(tgid, addr, &q);
	for (int i = 0; i < n; i++)
		h += matches(&keys[i], &q);
	return h;
}

/*
 * Every address around the range's edges and a sample inside and
 * outside hits exactly one key when in [start, end), none otherwise; the
 * keys' block sizes add up to the range (so nothing outside is covered
 * by a block too big); a page-aligned range under 16 TiB fits the BPF
 * bound.
 */
static void check_range(__u64 start, __u64 end)
{
	struct ember_unw_map_key keys[MAX_KEYS];
	const __u32 tgid = 4242;
	__u64 probes[MAX_KEYS + 16], total = 0;
	int n = decompose(tgid, start, end, keys, MAX_KEYS), np = 0;

	for (int i = 0; i < n; i++) {
		__u32 bits = 96 - keys[i].prefixlen;

		assert_true(keys[i].prefixlen >= 32 && keys[i].prefixlen <= 96);
		total += bits == 64 ? 0 : 1ULL << bits;
		assert_int_equal(keys[i].tgid_be, htobe32(tgid));
	}
	assert_true(total == end - start);
	if (!(start & 4095) && !(end & 4095) && end - start < (1ULL << 44))
		assert_true(n <= UNW_PREFIX_MAX);

	probes[np++] = start;
	probes[np++] = end - 1;
	probes[np++] = end;
	if (start)
		probes[np++] = start - 1;
	if (end < UINT64_MAX)
		probes[np++] = end + 1;
	for (int i = 0; i < n; i++) { /* each block's last byte; the next one starts after it */
		__u64 a = be64toh(keys[i].addr_be), len = 1ULL << (96 - keys[i].prefixlen);

		probes[np++] = a + len - 1;
	}
	for (int i = 0; i < 8; i++)
		probes[np++] = start + rnd() % (end - start);
	for (int i = 0; i < np; i++) {
		__u64 a = probes[i];

		assert_int_equal(hits(keys, n, tgid, a), a >= start && a < end);
		/* another process's keys never match */
		assert_int_equal(hits(keys, n, tgid + 1, a), 0);
	}
}

static void test_edges(void **state)
{
	(void)state;
	check_range(0x1000, 0x2000);			     /* one page */
	check_range(0x1000, 0x3000);			     /* two, unaligned pair */
	check_range(0x7f0000001000, 0x7f0000200000);	     /* rises to 2 MiB alignment */
	check_range(0x555555554000, 0x555555600000);	     /* a PIE text */
	check_range(0x400000, 0x401000);		     /* a static exe's */
	check_range(0x7ffff7fc1000, 0x7ffff7fc3000);	     /* a vDSO */
	check_range(0x1000, 0x7ffffffff000);		     /* the whole user space */
	check_range(0, 1);				     /* byte 0 */
	check_range(0, 0x1000);				     /* aligned to everything */
	check_range(1, 2);				     /* odd bytes */
	check_range(3, 0x1001);				     /* unaligned both ends */
	check_range(0xfffffffffffff000, UINT64_MAX);	     /* the top of the space */
	check_range(0x8000000000000000, UINT64_MAX);	     /* a 2^63-sized start */
	check_range(0x0000100000000000, 0x0000200000000000); /* one 2^44 block */
}

static void test_random(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++) {
		/* page-aligned user-space ranges of all sizes, and raw ones */
		__u64 s, e;

		if (i & 1) {
			s = (rnd() % (1ULL << 35)) << 12;
			e = s + ((rnd() % (1ULL << (rnd() % 32 + 1))) + 1) * 4096;
		} else {
			s = rnd();
			e = s + rnd() % (1ULL << (rnd() % 64)) + 1;
			if (e <= s)
				e = UINT64_MAX;
		}
		check_range(s, e);
	}
}

/* Near the worst case for the BPF bound, and past it: the writers then
 * cover the first UNW_PREFIX_MAX blocks and count the rest. */
static void test_bound(void **state)
{
	struct ember_unw_map_key keys[MAX_KEYS];
	/* from 2^43 + 4 KiB up to 2^44 rises through 31 sizes, then falls
	 * back through 31 */
	const __u64 s = (1ULL << 43) + 0x1000, e = (1ULL << 44) + (1ULL << 43) - 0x1000;
	int n;

	(void)state;
	n = decompose(1, s, e, keys, MAX_KEYS);
	assert_int_equal(n, 62);

	assert_true(n <= UNW_PREFIX_MAX);
	assert_true(n >= 60);
	check_range(s, e);
	n = decompose(1, 0x1000, (1ULL << 47) - 0x1000, keys, MAX_KEYS);
	assert_true(n > UNW_PREFIX_MAX); /* user space whole is past the bound */
}

/*
 * Several processes' mappings in one trie: the longest matching key of
 * all, found by brute force, is the mapping that holds the address for
 * that process, or there is none. Ranges of one process are disjoint
 * (as mappings are) and may touch.
 */
static void test_trie(void **state)
{
	static struct keyed all[64 * MAX_KEYS];
	struct ember_unw_map_key keys[MAX_KEYS];
	struct {
		__u32 tgid;
		__u64 start, end;
	} r[48];
	int nall = 0, nr = 0;

	(void)state;
	for (__u32 tgid = 1; tgid <= 3; tgid++) {
		__u64 cur = 0x555555554000ULL + (rnd() % 64) * 4096;

		for (int i = 0; i < 16; i++) {
			__u64 len = ((rnd() % 4096) + 1) * 4096;

			r[nr].tgid = tgid * 0x10001; /* tgids differing in high bits too */
			r[nr].start = cur;
			r[nr].end = cur + len;
			cur += len + (rnd() % 3) * 4096 * (rnd() % 100); /* gaps, or none */
			nr++;
		}
	}
	for (int i = 0; i < nr; i++) {
		int n = decompose(r[i].tgid, r[i].start, r[i].end, keys, MAX_KEYS);

		for (int k = 0; k < n; k++) {
			all[nall].key = keys[k];
			all[nall++].owner = i;
		}
	}
	for (int t = 0; t < 20000; t++) {
		int i = rnd() % nr, best = -1, want = -1;
		__u32 tgid = r[i].tgid;
		__u64 addr = r[i].start - 0x10000 + rnd() % (r[i].end - r[i].start + 0x20000);
		struct ember_unw_map_key q;
		__u32 bestlen = 0;

		unw_prefix_lookup_key(tgid, addr, &q);
		for (int k = 0; k < nall; k++)
			if (matches(&all[k].key, &q) &&
			    (best < 0 || all[k].key.prefixlen > bestlen)) {
				best = all[k].owner;
				bestlen = all[k].key.prefixlen;
			}
		for (int j = 0; j < nr; j++)
			if (r[j].tgid == tgid && addr >= r[j].start && addr < r[j].end)
				want = j;
		assert_int_equal(best, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_trie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
