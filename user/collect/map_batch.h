/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * map_batch: every entry of a BPF hash map in a few system calls (the
 * kernel's batch lookup), instead of two per entry (get_next_key, then
 * lookup): a live view reads its maps every refresh, and at thousands of
 * entries the per-entry calls were most of its cost. Optionally takes the
 * entries (reads and deletes them in the same pass), so the next read sees
 * only what was added since. Kernels without batch operations (before 5.6)
 * get the per-entry walk.
 */
#ifndef EMBER_MAP_BATCH_H
#define EMBER_MAP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct map_batch;

/* For the map behind fd, whose keys and values have these sizes. */
struct map_batch *map_batch__new(int fd, __u32 key_size, __u32 value_size);
void map_batch__free(struct map_batch *b);

/* Reads every entry (take: and deletes each one read). The number read,
 * or a negative errno; entries stay readable until the next call. */
long map_batch__read(struct map_batch *b, bool take);
/* Use the per-entry walk even where batches work (tests). */
void map_batch__per_entry(struct map_batch *b);
const void *map_batch__key(const struct map_batch *b, size_t i);
const void *map_batch__value(const struct map_batch *b, size_t i);

#endif
