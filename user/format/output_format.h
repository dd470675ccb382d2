/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * output_format: which writer a profile goes to, from -f FORMAT or else
 * from the output file's extension.
 */
#ifndef EMBER_OUTPUT_FORMAT_H
#define EMBER_OUTPUT_FORMAT_H

enum output_format {
	OUTPUT_FOLDED, /* .folded, .txt, stdout, anything unknown */
	OUTPUT_SVG,    /* .svg: flame graph */
	OUTPUT_PPROF,  /* .pb.gz, .pb, .pprof: gzip-compressed profile.proto */
	OUTPUT_JSON,   /* .json */
	OUTPUT_MAX,
};

/* "folded", "svg", "pprof", "json": 0, or -EINVAL after printing a
 * one-line error that lists the formats. */
int output_format__parse(const char *name, enum output_format *out);
/* The format a path's extension asks for (case-insensitive); folded for
 * NULL, "-" and unknown extensions. */
enum output_format output_format__from_path(const char *path);
const char *output_format__name(enum output_format f);

#endif
