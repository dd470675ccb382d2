// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include "lib/utf8.h"

size_t utf8__seq_len(const unsigned char *p, size_t avail)
{
	size_t n;

	if (*p < 0x80)
		return 1;
	n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
	if (!n || *p > 0xf4 || n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0) ||
	    (*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

long utf8__invalid_at(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t l = utf8__seq_len((const unsigned char *)s + i, n - i);

		if (!l)
			return (long)i;
		i += l;
	}
	return -1;
}

bool utf8__valid(const char *s)
{
	return utf8__invalid_at(s, strlen(s)) < 0;
}
