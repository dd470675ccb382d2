/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * qsort and bsearch over arrays that may be empty: the C library must not
 * be handed a NULL array even with no elements (UBSan says so), and an
 * empty table's array is NULL until its first entry.
 */
#ifndef EMBER_SORTED_H
#define EMBER_SORTED_H

#include <stdlib.h>

static inline void sorted__sort(void *base, size_t n, size_t size,
				int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(base, n, size, cmp);
}

static inline void *sorted__find(const void *key, const void *base, size_t n, size_t size,
				 int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

#endif
