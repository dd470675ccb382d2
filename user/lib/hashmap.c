// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Linear probing over a power-of-two slot array, doubled whenever it would
 * be more than half full. Each slot keeps 32 bits of its hash, so growing
 * never calls back into the caller and most mismatches are settled without
 * the equality callback; 32 bits, not 64, so that a slot is 8 bytes (a
 * report of a big profile indexes millions of call-tree nodes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashmap.h"

#define HASHMAP_MIN_SLOTS 64

struct slot {
	uint32_t hash; /* fold() of the caller's hash */
	uint32_t id1;  /* id + 1; 0 = empty */
};
_Static_assert(sizeof(struct slot) == 8, "a slot is two words of 32 bits");

static uint32_t fold(uint64_t hash)
{
	return (uint32_t)(hash ^ (hash >> 32));
}

struct hashmap {
	hashmap_equal_fn equal;
	void *ctx;
	struct slot *slots;
	size_t nslots; /* a power of two, or 0 before the first add */
	uint32_t nr;
};

struct hashmap *hashmap__new(hashmap_equal_fn equal, void *ctx)
{
	struct hashmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->equal = equal;
	m->ctx = ctx;
	return m;
}

void hashmap__free(struct hashmap *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

bool hashmap__find(const struct hashmap *m, uint64_t hash64, const void *key, uint32_t *id)
{
	uint32_t hash = fold(hash64);
	size_t mask, i;

	if (!m->nslots)
		return false;
	mask = m->nslots - 1;
	for (i = hash & mask; m->slots[i].id1; i = (i + 1) & mask) {
		const struct slot *s = &m->slots[i];

		if (s->hash == hash && m->equal(s->id1 - 1, key, m->ctx)) {
			*id = s->id1 - 1;
			return true;
		}
	}
	return false;
}

static void place(struct slot *slots, size_t nslots, uint32_t hash, uint32_t id1)
{
	size_t i;

	for (i = hash & (nslots - 1); slots[i].id1; i = (i + 1) & (nslots - 1))
		;
	slots[i].hash = hash;
	slots[i].id1 = id1;
}

static int grow(struct hashmap *m)
{
	size_t nslots = m->nslots ? m->nslots * 2 : HASHMAP_MIN_SLOTS;
	struct slot *n;

	if (nslots < m->nslots)
		return -ENOMEM;
	n = calloc(nslots, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < m->nslots; i++) {
		if (m->slots[i].id1)
			place(n, nslots, m->slots[i].hash, m->slots[i].id1);
	}
	free(m->slots);
	m->slots = n;
	m->nslots = nslots;
	return 0;
}

int hashmap__add(struct hashmap *m, uint64_t hash, uint32_t id)
{
	if (id == UINT32_MAX || m->nr == UINT32_MAX)
		return -EINVAL;
	if (((size_t)m->nr + 1) * 2 > m->nslots && grow(m))
		return -ENOMEM;
	place(m->slots, m->nslots, fold(hash), id + 1);
	m->nr++;
	return 0;
}

void hashmap__clear(struct hashmap *m)
{
	if (m->nslots)
		memset(m->slots, 0, m->nslots * sizeof(*m->slots));
	m->nr = 0;
}

uint32_t hashmap__size(const struct hashmap *m)
{
	return m->nr;
}
