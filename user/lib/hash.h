/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one FNV-1a: every hash table in ember keys on it, so a change of
 * function (or a fix) happens once.
 */
#ifndef EMBER_HASH_H
#define EMBER_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_SEED 0xcbf29ce484222325ULL
#define FNV1A_PRIME 0x100000001b3ULL

/* Continue hash h over len bytes of data (start with FNV1A_SEED). */
static inline uint64_t fnv1a_bytes(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= FNV1A_PRIME;
	}
	return h;
}

/* Continue hash h over a NUL-terminated string, without its NUL. */
static inline uint64_t fnv1a_str(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV1A_PRIME;
	}
	return h;
}

/* Continue hash h over the 8 bytes of v, least significant first, so the
 * result does not depend on the host's byte order. */
static inline uint64_t fnv1a_u64(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= FNV1A_PRIME;
	}
	return h;
}

#endif /* EMBER_HASH_H */
