/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hashmap: an open-addressing index of u32 entry ids keyed by a 64-bit
 * hash. The entries live in the caller's own array; the map only finds
 * their ids, asking the caller's equality callback to confirm a match. The
 * map never decides an output order: callers iterate their arrays.
 */
#ifndef EMBER_HASHMAP_H
#define EMBER_HASHMAP_H

#include <stdbool.h>
#include <stdint.h>

/* Whether entry id is the one key stands for. */
typedef bool (*hashmap_equal_fn)(uint32_t id, const void *key, void *ctx);

struct hashmap;

/* ctx is passed to every call of equal. NULL when out of memory. */
struct hashmap *hashmap__new(hashmap_equal_fn equal, void *ctx);
void hashmap__free(struct hashmap *m);

/* Look key up under hash: true and *id when an equal entry is indexed. */
bool hashmap__find(const struct hashmap *m, uint64_t hash, const void *key, uint32_t *id);

/* Index id under hash, not checking for an equal entry (find first).
 * ids up to UINT32_MAX - 1. -ENOMEM when the map cannot grow. */
int hashmap__add(struct hashmap *m, uint64_t hash, uint32_t id);

/* Forget every id, keeping the slots: for callers that renumber. */
void hashmap__clear(struct hashmap *m);

/* How many ids are indexed. */
uint32_t hashmap__size(const struct hashmap *m);

#endif /* EMBER_HASHMAP_H */
