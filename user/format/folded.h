/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Folded-stack writer: the flame-graph input format of flamegraph.pl. */
#ifndef EMBER_FOLDED_H
#define EMBER_FOLDED_H

#include <stdio.h>
#include "profile/profile.h"

/*
 * One line per unique stack, sorted: frames root to leaf joined by ';',
 * kernel frames suffixed "_[k]", then a space and the value of the given
 * type divided by divisor (1 to print as is; 1000 prints nanoseconds as
 * microseconds). Stacks that print the same (they differ only in
 * addresses) merge first, so the division rounds once per line; lines
 * that round to 0 are left out. Returns 0, or a negative errno (write
 * error, ENOMEM, EINVAL for a bad type or divisor).
 */
int folded__write(struct profile *p, unsigned int type, int64_t divisor, FILE *out);

#endif
