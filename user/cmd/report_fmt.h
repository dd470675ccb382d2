/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_fmt: how `ember report` and `ember diff` print values and names,
 * so both read alike and both stay parseable: one display unit for a whole
 * table, named in its column headers, and names as folded files spell them.
 */
#ifndef EMBER_REPORT_FMT_H
#define EMBER_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include "profile/profile.h"

struct value_fmt {
	const char *unit; /* the values' unit, for the header: "samples", "bytes" */
	int64_t div;	  /* values per display unit */
	int decimals;	  /* shown after the point (rounded) */
	const char *col;  /* column-header suffix: "" or "(ms)", "(s)", "(B)" */
	int time;	  /* nanoseconds per value; 0 if not a time */
};

/* The display of values of type t up to `largest` in size: counts and
 * bytes exactly; times in ms (to the microsecond) or, from 100 s on, in
 * s (to the millisecond). */
void value_fmt__init(struct value_fmt *f, const struct value_type *t, int64_t largest);
/* v in the display unit, e.g. "1234.567" for 1234567 us. Returns buf. */
char *value_fmt__str(const struct value_fmt *f, int64_t v, char *buf, size_t size);
/* v exactly, in the values' unit, and readably: "2010774 microseconds
 * (2.011 s)", "13907008 bytes (13.26 MiB)", "2215 samples". */
char *value_fmt__total(const struct value_fmt *f, int64_t v, char *buf, size_t size);

/* name as folded files write it (kernel: "name_[k]"), cut to width
 * characters with "..." (keeping the "_[k]") unless width is 0. Returns
 * buf. Counts characters, not bytes, and never splits a UTF-8 sequence. */
char *func_name__str(const char *name, enum frame_kind kind, size_t width, char *buf, size_t size);
/* the last path component of a module, or "-" */
const char *module__base(const char *module);

/* percent of v in total (0 for a total of 0) */
double pct(int64_t v, int64_t total);

/* The index of the value type named `name` in p, or with name NULL the
 * last one (pprof's default sample type). -1 after an error naming path. */
int profile_type__find(const struct profile *p, const char *name, const char *path);

/* A unit given with --unit, as profile_read takes it; NULL if unknown. */
const char *unit__canonical(const char *arg);

#endif
