// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hash.h"
#include "lib/hashmap.h"
#include "collect/leak_table.h"

struct leak_table {
	struct leak_entry *entries;
	size_t nr, cap;
	struct hashmap *index; /* entry by key */
};

static bool key_equal(uint32_t id, const void *key, void *ctx)
{
	const struct leak_table *t = ctx;

	return !memcmp(&t->entries[id].key, key, sizeof(t->entries[id].key));
}

struct leak_table *leak_table__new(void)
{
	struct leak_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->index = hashmap__new(key_equal, t);
	if (!t->index) {
		free(t);
		return NULL;
	}
	return t;
}

void leak_table__free(struct leak_table *t)
{
	if (!t)
		return;
	free(t->entries);
	hashmap__free(t->index);
	free(t);
}

int leak_table__add(struct leak_table *t, const struct ember_stack_key *key, __u64 bytes,
		    __u64 count, __u64 ts)
{
	uint64_t h = fnv1a_bytes(FNV1A_SEED, key, sizeof(*key));
	struct leak_entry *e;
	uint32_t id;

	if (hashmap__find(t->index, h, key, &id)) {
		e = &t->entries[id];
		e->bytes += bytes;
		e->count += count;
		if (ts < e->oldest_ts)
			e->oldest_ts = ts;
		return 0;
	}
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct leak_entry *n = realloc(t->entries, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->entries = n;
		t->cap = ncap;
	}
	if (hashmap__add(t->index, h, (uint32_t)t->nr))
		return -ENOMEM;
	e = &t->entries[t->nr++];
	e->key = *key;
	e->bytes = bytes;
	e->count = count;
	e->oldest_ts = ts;
	return 0;
}

size_t leak_table__size(const struct leak_table *t)
{
	return t->nr;
}

const struct leak_entry *leak_table__entry(const struct leak_table *t, size_t i)
{
	return i < t->nr ? &t->entries[i] : NULL;
}
