/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growing arrays: the capacity doubles, from first, until need fits. */
#ifndef EMBER_ARRAY_H
#define EMBER_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* *arr (of elem-byte elements, *cap of them) holds at least need after a
 * 0 return; -ENOMEM leaves it as it was. */
static inline int array__grow(void **arr, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : first;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

#endif
