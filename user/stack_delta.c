// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stack_delta.h"

struct slot {
	struct ember_stack_key key;
	__u64 total;
	bool used;
};

/* Open addressing, linear probing, at most half full. */
struct stack_delta {
	struct slot *slots;
	size_t cap, nr;
};

struct stack_delta *stack_delta__new(void)
{
	return calloc(1, sizeof(struct stack_delta));
}

void stack_delta__free(struct stack_delta *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d);
}

static uint64_t hash_key(const struct ember_stack_key *k)
{
	const unsigned char *b = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static struct slot *lookup(struct slot *slots, size_t cap, const struct ember_stack_key *k)
{
	size_t i = hash_key(k) & (cap - 1);

	while (slots[i].used && memcmp(&slots[i].key, k, sizeof(*k)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct stack_delta *d)
{
	size_t cap = d->cap ? d->cap * 2 : 1024;
	struct slot *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < d->cap; i++)
		if (d->slots[i].used)
			*lookup(n, cap, &d->slots[i].key) = d->slots[i];
	free(d->slots);
	d->slots = n;
	d->cap = cap;
	return 0;
}

int stack_delta__update(struct stack_delta *d, const struct ember_stack_key *key, __u64 value,
			__u64 *delta)
{
	struct slot *s;

	if ((d->nr + 1) * 2 > d->cap && grow(d))
		return -ENOMEM;
	s = lookup(d->slots, d->cap, key);
	if (!s->used) {
		/* keys are compared whole: padding must be zero, as BPF
		 * builds them from zeroed structs */
		s->key = *key;
		s->used = true;
		s->total = 0;
		d->nr++;
	}
	*delta = value > s->total ? value - s->total : 0;
	s->total = value;
	return 0;
}

size_t stack_delta__nr(const struct stack_delta *d)
{
	return d->nr;
}
