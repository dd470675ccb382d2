// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ember flamegraph FILE: any folded-stack file as an interactive SVG. */
#include <errno.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include "format/flamegraph.h"
#include "lib/log.h"
#include "lib/number.h"
#include "lib/options.h"
#include "lib/output_file.h"
#include "profile/profile.h"
#include "format/profile_read.h"

enum {
	OPT_TITLE = OPTION_LONG_ONLY,
	OPT_SUBTITLE,
	OPT_INVERTED,
	OPT_MIN_WIDTH,
	OPT_WIDTH,
	OPT_FRAME_HEIGHT,
	OPT_UNIT,
};

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct option_spec flamegraph_specs[] = {
	{ 'o', "output", "FILE", "write the SVG here (default stdout)" },
	{ OPT_TITLE, "title", "TEXT",
	  "title (default \"Flame Graph\", \"Icicle Graph\" inverted)" },
	{ OPT_SUBTITLE, "subtitle", "TEXT", "second line under the title" },
	{ OPT_INVERTED, "inverted", NULL,
	  "icicle graph: the root at the top, stacks hanging down" },
	{ OPT_MIN_WIDTH, "min-width", "PX",
	  "leave out frames narrower than this (default " STR(FLAMEGRAPH_MIN_WIDTH) "; 0: all)" },
	{ OPT_WIDTH, "width", "PX", "image width (default " STR(FLAMEGRAPH_WIDTH) ")" },
	{ OPT_FRAME_HEIGHT, "frame-height", "PX",
	  "height of a frame (default " STR(FLAMEGRAPH_FRAME_HEIGHT) ")" },
	{ OPT_UNIT, "unit", "UNIT",
	  "what the counts are (samples, microseconds, bytes...) for\n"
	  "files that do not say; ember's own files do" },
	{ 'h', "help", NULL, NULL },
	{},
};

struct flamegraph_parse {
	struct flamegraph_opts *fo;
	struct profile_read_opts *ro;
	const char *out;
};

static int flamegraph_handle(const struct options *cmd, int key, const char *arg, void *ctx)
{
	struct flamegraph_parse *fp = ctx;
	unsigned long v;

	switch (key) {
	case 'o':
		fp->out = arg;
		break;
	case OPT_TITLE:
		fp->fo->title = arg;
		break;
	case OPT_SUBTITLE:
		fp->fo->subtitle = arg;
		break;
	case OPT_INVERTED:
		fp->fo->inverted = true;
		break;
	case OPT_MIN_WIDTH:
		if (number__double(arg, 0, DBL_MAX, &fp->fo->min_width))
			return options__error(cmd, "bad --min-width (pixels, 0 or more) '%s'", arg);
		break;
	case OPT_WIDTH:
		if (number__ulong(arg, 100, 100000, &v))
			return options__error(cmd, "bad --width (pixels, 100 to 100000) '%s'", arg);
		fp->fo->width = v;
		break;
	case OPT_FRAME_HEIGHT:
		if (number__ulong(arg, 4, 1000, &v))
			return options__error(cmd, "bad --frame-height (pixels, 4 to 1000) '%s'",
					      arg);
		fp->fo->frame_height = v;
		break;
	case OPT_UNIT:
		if (!*arg)
			return options__error(cmd, "bad --unit '%s'", arg);
		fp->ro->unit = arg;
		break;
	case 'h':
		return OPTIONS_HELP;
	}
	return 0;
}

static const struct options flamegraph_options = {
	.cmd = "flamegraph",
	.usage = "FILE [OPTIONS] > out.svg",
	.doc =
	    "Draw a folded-stack file (ember's, perf's via stackcollapse, bcc's -f, py-spy's\n"
	    "--format raw; '-' reads stdin) as a self-contained interactive SVG flame graph:\n"
	    "click a frame to zoom, Ctrl-F or Search to highlight frames by regular expression.\n",
	.specs = flamegraph_specs,
	.handle = flamegraph_handle,
};

/* 0, OPTIONS_HELP or -EINVAL (printed). */
static int parse_args(int argc, char **argv, struct flamegraph_opts *fo,
		      struct profile_read_opts *ro, const char **in, const char **out)
{
	struct flamegraph_parse fp = { .fo = fo, .ro = ro };
	int err, first;

	err = options__parse(&flamegraph_options, argc, argv, &fp, &first);
	if (err)
		return err;
	if (first != argc - 1)
		return options__error(&flamegraph_options,
				      "%s: give one folded-stack FILE ('-' for stdin)",
				      first < argc ? "more than one input file" : "no input file");
	*in = argv[first];
	*out = fp.out;
	return 0;
}

int flamegraph__main(int argc, char **argv)
{
	struct flamegraph_opts fo;
	struct profile_read_opts ro = {};
	struct output_file *of = NULL;
	struct profile *p = NULL;
	const char *in = NULL, *out = NULL, *event;
	int err, ret = 1;

	flamegraph_opts__init(&fo);
	err = parse_args(argc, argv, &fo, &ro, &in, &out);
	if (err)
		return err == OPTIONS_HELP ? 0 : 2;
	p = profile_read__file(in, &ro);
	if (!p)
		goto cleanup;
	if (profile__total(p, 0) <= 0) {
		p_err("%s: every count is 0: nothing to draw", in);
		goto cleanup;
	}
	event = profile_read__event(p);
	fo.offcpu = event && strcmp(event, "offcpu") == 0;
	of = output_file__open(out);
	if (!of)
		goto cleanup;
	err = flamegraph__write(p, &fo, output_file__stream(of));
	if (!err)
		err = output_file__commit(of);
	if (err) {
		p_err("cannot write %s: %s: check free space and permissions", out ? out : "stdout",
		      strerror(-err));
		goto cleanup;
	}
	ret = 0;
cleanup:
	output_file__free(of);
	profile__free(p);
	return ret;
}
