/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pprof: the profile as gzip-compressed profile.proto (google/pprof's
 * format, read by go tool pprof, Pyroscope, speedscope...), and back.
 *
 * Written by hand (protobuf varints and length-delimited fields, zlib for
 * gzip), so ember needs no protobuf library. How ember's model maps onto
 * the format:
 *
 * - sample_type: the profile's value types, in order; with a frequency, a
 *   "samples"/"count" type gets a "cpu"/"nanoseconds" type after it
 *   (samples * 1e9 / frequency), as Go's CPU profiles have.
 * - Frames become locations, leaf first as the format wants (the profile
 *   is root first). A location is one (mapping, address, function):
 *   addresses are file offsets in the mapped file (see struct frame), so
 *   mappings start at 0 with file offset 0. Mappings are one per (module,
 *   build id); every kernel frame is in one "[kernel.kallsyms]" mapping,
 *   the kernel module ("[ext4]") kept as its function's file name.
 *   Functions are one per (name, file name); the file name is the module.
 * - The process stays the root location (so flame graphs in every viewer
 *   split by process, as the folded file does) and is also a "process"
 *   label on each sample (go tool pprof -tagfocus process=NAME).
 * - Markers ([off-cpu], [lost stack]...) are leaf locations without a
 *   mapping.
 * - Comments are the profile's comments, then one "ember counter NAME=N"
 *   comment per counter (losses).
 */
#ifndef EMBER_PPROF_H
#define EMBER_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "profile/profile.h"

struct pprof_opts {
	/* CPU sampling frequency: a "samples" type gets cpu nanoseconds too */
	unsigned int frequency;
	/* period_type and period (NULL: none), e.g. "cpu", "nanoseconds",
	 * 10101010 at 99 Hz; "space", "bytes", N for sampled allocations */
	const char *period_type, *period_unit;
	int64_t period;
	int64_t time_nanos;	/* wall-clock start, ns since the epoch; 0: unknown */
	int64_t duration_nanos; /* 0: unknown */
};

/* Returns 0 or a negative errno (-EIO on a write error, -ENOMEM). */
int pprof__write(const struct profile *p, const struct pprof_opts *o, FILE *out);

/* What a profile.proto holds besides the profile model. */
struct pprof_info {
	int64_t time_nanos, duration_nanos, period;
	char period_type[64], period_unit[64]; /* "" if none */
};

/*
 * Read a profile.proto, gzip-compressed or not: every sample type (the
 * default one first, where readers of type 0 look), frames root first
 * (inlined functions expanded), kernel frames recognised by their
 * "[kernel.kallsyms]" mapping, the process root by the "process" label,
 * comments, and "ember counter" comments as counters. info may be NULL.
 * On bad input prints one "ember: error: PATH: ..." line and returns NULL
 * with errno set (EINVAL for a malformed file).
 */
struct profile *pprof__read(const char *path, struct pprof_info *info);
/* The same from memory; name is only for messages. */
struct profile *pprof__read_mem(const void *data, size_t size, const char *name,
				struct pprof_info *info);
/* Whether data (a file's first bytes, or all of it) looks like a pprof
 * file: gzip magic, or protobuf whose every complete field is one of
 * Profile's with its wire type (messages well-formed inside, strings
 * UTF-8), the last one possibly cut off by the end of data. Text such as
 * folded stacks fails within its first bytes. */
bool pprof__sniff(const void *data, size_t size);

#endif
