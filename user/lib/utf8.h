/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * utf8: names come from process comms and symbol tables, which promise no
 * encoding; every text format ember writes (folded, JSON, SVG) must be
 * valid UTF-8, and every reader must say where an input is not.
 */
#ifndef EMBER_UTF8_H
#define EMBER_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at p, of at most avail bytes (a NUL
 * ends a sequence early, so C strings may pass 4); 0 if invalid: a stray
 * continuation, an overlong form, a surrogate, beyond U+10FFFF. */
size_t utf8__seq_len(const unsigned char *p, size_t avail);
/* Offset of the first invalid sequence in s[0..n), or -1. */
long utf8__invalid_at(const char *s, size_t n);
/* Whether the NUL-terminated s is valid UTF-8. */
bool utf8__valid(const char *s);

#endif
