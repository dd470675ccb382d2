// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "lib/log.h"
#include "format/output_format.h"

static const char *const names[OUTPUT_MAX] = {
	[OUTPUT_FOLDED] = "folded",
	[OUTPUT_SVG] = "svg",
	[OUTPUT_PPROF] = "pprof",
	[OUTPUT_JSON] = "json",
};

static const struct {
	const char *ext;
	enum output_format f;
} exts[] = {
	{ ".folded", OUTPUT_FOLDED },  { ".txt", OUTPUT_FOLDED }, { ".svg", OUTPUT_SVG },
	{ ".pb.gz", OUTPUT_PPROF },    { ".pb", OUTPUT_PPROF },	  { ".pprof", OUTPUT_PPROF },
	{ ".pprof.gz", OUTPUT_PPROF }, { ".json", OUTPUT_JSON },
};

int output_format__parse(const char *name, enum output_format *out)
{
	for (int f = 0; f < OUTPUT_MAX; f++) {
		if (name && !strcmp(name, names[f])) {
			*out = (enum output_format)f;
			return 0;
		}
	}
	p_err("unknown output format '%s': give -f folded, svg, pprof or json", name ? name : "");
	return -EINVAL;
}

enum output_format output_format__from_path(const char *path)
{
	const char *base;
	size_t len;

	if (!path || !strcmp(path, "-"))
		return OUTPUT_FOLDED;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	len = strlen(base);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t n = strlen(exts[i].ext);

		/* "x.json", not a bare ".json" (a hidden file of that name) */
		if (len > n && !strcasecmp(base + len - n, exts[i].ext))
			return exts[i].f;
	}
	return OUTPUT_FOLDED;
}

const char *output_format__name(enum output_format f)
{
	return f < OUTPUT_MAX ? names[f] : "?";
}
