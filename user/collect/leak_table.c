// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "collect/leak_table.h"

struct leak_table {
	struct leak_entry *entries;
	size_t nr, cap;
	__u32 *index; /* open addressing: entry number + 1, 0 empty */
	size_t index_cap;
};

static __u64 hash_key(const struct ember_stack_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

struct leak_table *leak_table__new(void)
{
	return calloc(1, sizeof(struct leak_table));
}

void leak_table__free(struct leak_table *t)
{
	if (!t)
		return;
	free(t->entries);
	free(t->index);
	free(t);
}

static int rehash(struct leak_table *t, size_t cap)
{
	__u32 *idx = calloc(cap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	for (size_t e = 0; e < t->nr; e++) {
		size_t i = hash_key(&t->entries[e].key) & (cap - 1);

		while (idx[i])
			i = (i + 1) & (cap - 1);
		idx[i] = e + 1;
	}
	free(t->index);
	t->index = idx;
	t->index_cap = cap;
	return 0;
}

int leak_table__add(struct leak_table *t, const struct ember_stack_key *key, __u64 bytes,
		    __u64 count, __u64 ts)
{
	struct leak_entry *e;
	size_t i;

	if ((t->nr + 1) * 2 > t->index_cap && rehash(t, t->index_cap ? t->index_cap * 2 : 1024))
		return -ENOMEM;
	for (i = hash_key(key) & (t->index_cap - 1); t->index[i];
	     i = (i + 1) & (t->index_cap - 1)) {
		e = &t->entries[t->index[i] - 1];
		if (!memcmp(&e->key, key, sizeof(*key))) {
			e->bytes += bytes;
			e->count += count;
			if (ts < e->oldest_ts)
				e->oldest_ts = ts;
			return 0;
		}
	}
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct leak_entry *n = realloc(t->entries, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->entries = n;
		t->cap = ncap;
	}
	e = &t->entries[t->nr];
	e->key = *key;
	e->bytes = bytes;
	e->count = count;
	e->oldest_ts = ts;
	t->index[i] = ++t->nr;
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
