/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Numbers given on the command line, checked whole and against a range. */
#ifndef EMBER_NUMBER_H
#define EMBER_NUMBER_H

/* Decimal digits only (no sign, no space, no suffix) from lo to hi:
 * 0, or -EINVAL with *out unchanged. */
int number__ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* A finite number as strtod reads it, the whole string, from lo to hi:
 * 0, or -EINVAL with *out unchanged. */
int number__double(const char *s, double lo, double hi, double *out);

#endif
