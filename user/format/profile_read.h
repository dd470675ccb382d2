/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile_read: a profile file back into the profile model, for the
 * commands that read profiles (flamegraph, report, diff). Folded stacks
 * from ember, perf (stackcollapse-perf), bcc (-f) and py-spy (--format
 * raw): "frame;frame;...;leaf COUNT" a line, root first.
 *
 * Frame kinds come from the conventions of those tools: a "_[k]" suffix is
 * a kernel frame (the suffix is dropped, as ember's writer adds it back),
 * "[off-cpu]" and "[runnable]" are markers, "name (file.py:N)" is a Python
 * frame; the root of an ember file is its process. ember's first comment
 * line names the event and the values' unit; other files are counted in
 * samples unless the caller says otherwise. Files that start with the
 * gzip magic are read as pprof (profile.proto), every value type kept.
 */
#ifndef EMBER_PROFILE_READ_H
#define EMBER_PROFILE_READ_H

#include <stdio.h>

struct profile;

struct profile_read_opts {
	/* Unit of files that do not name theirs ("samples", "microseconds",
	 * "bytes"...); NULL: samples. Overrides ember's comment if set. */
	const char *unit;
};

/* path "-" reads stdin. Errors (missing or empty file, a line without a
 * count, a count out of range, invalid UTF-8, binary data) are printed as
 * one line naming the file and line; NULL then, with errno set. */
struct profile *profile_read__file(const char *path, const struct profile_read_opts *o);
/* The same from an open stream; name is used in messages. */
struct profile *profile_read__stream(FILE *f, const char *name, const struct profile_read_opts *o);

/* The event an ember file named in its first comment ("cpu", "offcpu"...),
 * or NULL. Owned by the profile's comments. */
const char *profile_read__event(const struct profile *p);

#endif
