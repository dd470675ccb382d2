// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ember flamegraph FILE: any folded-stack file as an interactive SVG. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "flamegraph.h"
#include "log.h"
#include "output_file.h"
#include "profile.h"
#include "profile_read.h"

enum {
	OPT_TITLE = 0x100,
	OPT_SUBTITLE,
	OPT_INVERTED,
	OPT_MIN_WIDTH,
	OPT_WIDTH,
	OPT_FRAME_HEIGHT,
	OPT_UNIT,
};

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ "subtitle", required_argument, NULL, OPT_SUBTITLE },
	{ "inverted", no_argument, NULL, OPT_INVERTED },
	{ "min-width", required_argument, NULL, OPT_MIN_WIDTH },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "frame-height", required_argument, NULL, OPT_FRAME_HEIGHT },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: ember flamegraph FILE [OPTIONS] > out.svg\n"
	    "\n"
	    "Draw a folded-stack file (ember's, perf's via stackcollapse, bcc's -f, py-spy's\n"
	    "--format raw; '-' reads stdin) as a self-contained interactive SVG flame graph:\n"
	    "click a frame to zoom, Ctrl-F or Search to highlight frames by regular expression.\n"
	    "\n"
	    "  -o, --output FILE     write the SVG here (default stdout)\n"
	    "  --title TEXT          title (default \"Flame Graph\", \"Icicle Graph\" inverted)\n"
	    "  --subtitle TEXT       second line under the title\n"
	    "  --inverted            icicle graph: the root at the top, stacks hanging down\n"
	    "  --min-width PX        leave out frames narrower than this (default %.1f; 0: all)\n"
	    "  --width PX            image width (default %d)\n"
	    "  --frame-height PX     height of a frame (default %d)\n"
	    "  --unit UNIT           what the counts are (samples, microseconds, bytes...) for\n"
	    "                        files that do not say; ember's own files do\n"
	    "  -h, --help\n",
	    FLAMEGRAPH_MIN_WIDTH, FLAMEGRAPH_WIDTH, FLAMEGRAPH_FRAME_HEIGHT);
}

static int usage_error(const char *what, const char *arg)
{
	p_err("%s '%s': see 'ember flamegraph --help'", what, arg);
	return -EINVAL;
}

static int parse_px(const char *s, unsigned int lo, unsigned int hi, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct flamegraph_opts *fo,
		      struct profile_read_opts *ro, const char **in, const char **out)
{
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			*out = optarg;
			break;
		case OPT_TITLE:
			fo->title = optarg;
			break;
		case OPT_SUBTITLE:
			fo->subtitle = optarg;
			break;
		case OPT_INVERTED:
			fo->inverted = true;
			break;
		case OPT_MIN_WIDTH:
			errno = 0;
			fo->min_width = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(fo->min_width >= 0) ||
			    !isfinite(fo->min_width))
				return usage_error("bad --min-width (pixels, 0 or more)", optarg);
			break;
		case OPT_WIDTH:
			if (parse_px(optarg, 100, 100000, &fo->width))
				return usage_error("bad --width (pixels, 100 to 100000)", optarg);
			break;
		case OPT_FRAME_HEIGHT:
			if (parse_px(optarg, 4, 1000, &fo->frame_height))
				return usage_error("bad --frame-height (pixels, 4 to 1000)",
						   optarg);
			break;
		case OPT_UNIT:
			if (!*optarg)
				return usage_error("bad --unit", optarg);
			ro->unit = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			if (optopt && optopt < 0x100) {
				char opt[3] = { '-', (char)optopt, '\0' };

				return usage_error("missing value for", opt);
			}
			return usage_error("missing value for", argv[optind - 1]);
		default:
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };

				return usage_error("unknown option", opt);
			}
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc - 1) {
		p_err(
		    "%s: give one folded-stack FILE ('-' for stdin): see 'ember flamegraph --help'",
		    optind < argc ? "more than one input file" : "no input file");
		return -EINVAL;
	}
	*in = argv[optind];
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
	if (parse_args(argc, argv, &fo, &ro, &in, &out))
		return 2;
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
