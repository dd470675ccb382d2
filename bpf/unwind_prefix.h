/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A mapping [start, end) of one process as keys of the unw_maps LPM trie
 * (struct ember_unw_map_key), as BPF and as host C (like fp_walk.h): the
 * BPF writers (bpf/unwind_maps.bpf.c) and the userspace seeding insert and
 * delete the same keys for the same range, so the decomposition must be
 * one function. tests/unit/test_unwind_prefix.c checks it against a
 * brute-force membership and longest-prefix match.
 *
 * The range is cut, from start up, into the largest aligned power-of-two
 * blocks that fit: at each step the block at cur is 2^k bytes with k the
 * smaller of cur's trailing zero bits and floor(log2(end - cur)). The
 * sizes rise then fall, each size at most once on each side, so a range
 * below 2^(12 + 32) bytes of whole pages needs at most 64 blocks (6 for a
 * typical library text). Disjoint ranges give disjoint key sets, which is
 * what lets one mapping's keys be deleted without touching another's.
 */
#ifndef EMBER_UNWIND_PREFIX_H
#define EMBER_UNWIND_PREFIX_H

#ifdef EMBER_UNWIND_PREFIX_HOST
#include <endian.h>
#include "ember_abi.h"
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define unw_prefix_be32(x) htobe32(x)
#define unw_prefix_be64(x) htobe64(x)
#else
#include <bpf/bpf_endian.h>
#define unw_prefix_be32(x) bpf_htonl(x)
#define unw_prefix_be64(x) bpf_cpu_to_be64(x)
#endif

/* Blocks per mapping the writers go through; a mapping needing more is
 * covered from start for 64 blocks (and counted): never reached by a
 * page-aligned mapping under 16 TiB. */
#define UNW_PREFIX_MAX 64
/* The tgid's 32 bits come before the address in the key. */
#define UNW_PREFIX_TGID_BITS 32

/*
 * floor(log2(x)) for x > 0, without clz (BPF has none) and without
 * branches: each branch would double the states the verifier tracks
 * through the key loop. Smear the top bit down, then count the ones.
 */
static __always_inline __u32 unw_prefix_log2(__u64 x)
{
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	/* popcount, SWAR */
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((x * 0x0101010101010101ULL) >> 56) - 1;
}

/* log2 of the size of the block at cur, for cur < end. */
static __always_inline __u32 unw_prefix_bits(__u64 cur, __u64 end)
{
	__u32 fit = unw_prefix_log2(end - cur);
	/* cur's lowest set bit is its alignment; address 0 is aligned to all */
	__u32 align = cur ? unw_prefix_log2(cur & -cur) : 64;

	return align < fit ? align : fit;
}

/*
 * The key of the block at *cur, for *cur < end, and *cur moved past it.
 * Returns 1 when that was the last block (*cur == end now), else 0.
 */
static __always_inline int unw_prefix_next(__u32 tgid, __u64 *cur, __u64 end,
					   struct ember_unw_map_key *key)
{
	__u32 bits = unw_prefix_bits(*cur, end);

	key->prefixlen = UNW_PREFIX_TGID_BITS + 64 - bits;
	key->tgid_be = unw_prefix_be32(tgid);
	key->addr_be = unw_prefix_be64(*cur);
	/* bits < 64: a block of 2^64 would need end - cur >= 2^64 */
	*cur += 1ULL << bits;
	return *cur == end;
}

/* The key that finds the mapping of tgid holding addr (all 96 bits). */
static __always_inline void unw_prefix_lookup_key(__u32 tgid, __u64 addr,
						  struct ember_unw_map_key *key)
{
	key->prefixlen = UNW_PREFIX_TGID_BITS + 64;
	key->tgid_be = unw_prefix_be32(tgid);
	key->addr_be = unw_prefix_be64(addr);
}

#endif
