/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * leak_table: live blocks summed by allocating stack. The kernel keeps one
 * entry per live block (possibly millions); before anything is symbolized
 * they are folded here into one entry per (process, stack), with their
 * bytes, count and the time of the oldest.
 */
#ifndef EMBER_LEAK_TABLE_H
#define EMBER_LEAK_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "ember_abi.h"

struct leak_entry {
	struct ember_stack_key key;
	__u64 bytes;
	__u64 count;	 /* fixed point, EMBER_ALLOC_ONE a block */
	__u64 oldest_ts; /* smallest allocation time */
};

struct leak_table;

struct leak_table *leak_table__new(void);
void leak_table__free(struct leak_table *t);
/* Add one block to its key's entry. 0 or -ENOMEM. */
int leak_table__add(struct leak_table *t, const struct ember_stack_key *key, __u64 bytes,
		    __u64 count, __u64 ts);
size_t leak_table__size(const struct leak_table *t);
/* Entries in first-seen order, 0 <= i < size. */
const struct leak_entry *leak_table__entry(const struct leak_table *t, size_t i);

#endif
