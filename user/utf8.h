/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* UTF-8 checks for the writers: names from the kernel and from symbol
 * tables are bytes, while JSON and protobuf strings must be UTF-8. */
#ifndef EMBER_UTF8_H
#define EMBER_UTF8_H

#include <stdbool.h>

/* Length of the valid UTF-8 sequence starting with the non-ASCII byte at
 * p in a NUL-terminated string, 0 if invalid. */
static inline int utf8__len(const unsigned char *p)
{
	int n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;

	if (!n || *p > 0xf4)
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF */
	if ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0) ||
	    (*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* Whether the NUL-terminated s is valid UTF-8. */
static inline bool utf8__valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = *p < 0x80 ? 1 : utf8__len(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

#endif
