// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "report_fmt.h"
#include "report_opts.h"

enum {
	OPT_TREE = 256,
	OPT_SORT,
	OPT_BY,
	OPT_UNIT,
	OPT_TYPE,
	OPT_MIN_PERCENT,
	OPT_WIDE,
	OPT_NORMALIZE,
	OPT_FAIL_ABOVE,
	OPT_HELP,
};

static const struct option report_long[] = {
	{ "top", required_argument, NULL, 'n' },
	{ "tree", no_argument, NULL, OPT_TREE },
	{ "sort", required_argument, NULL, OPT_SORT },
	{ "min-percent", required_argument, NULL, OPT_MIN_PERCENT },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "wide", no_argument, NULL, OPT_WIDE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static const struct option diff_long[] = {
	{ "top", required_argument, NULL, 'n' },
	{ "by", required_argument, NULL, OPT_BY },
	{ "normalize", no_argument, NULL, OPT_NORMALIZE },
	{ "fail-above", required_argument, NULL, OPT_FAIL_ABOVE },
	{ "output", required_argument, NULL, 'o' },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "wide", no_argument, NULL, OPT_WIDE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void report__usage(FILE *out)
{
	fprintf(out,
		"Usage: ember report [OPTIONS] FILE\n"
		"\n"
		"Where a profile's time or memory goes, by function, like Python's pstats:\n"
		"the functions with the most self value (in the function itself) and the\n"
		"most total value (in it and what it calls), with their share of the total.\n"
		"FILE is folded stacks (ember's, perf's, bcc's, py-spy's) or pprof; - is stdin.\n"
		"\n"
		"Options:\n"
		"  -n, --top N             rows a table (default 20); with --tree, children\n"
		"                          shown a node (default: all above --min-percent)\n"
		"      --sort self|total   print only the table by self or by total\n"
		"      --tree              the call tree from the roots instead of the tables:\n"
		"                          children by total, largest first\n"
		"      --min-percent P     --tree: leave out nodes under P%% of the total\n"
		"                          (default 0.5; 0 shows every node)\n"
		"      --unit UNIT         the values' unit when FILE does not say:\n"
		"                          samples, ns, us, ms, s or bytes (default samples)\n"
		"      --type NAME         which value type of a pprof file (default the last)\n"
		"      --wide              never cut long function names\n"
		"      --help              this text\n"
		"\n"
		"Self: the value of the stacks a function is the leaf of (of a blocked stack\n"
		"ending in [off-cpu] or [runnable]: the function that blocked). Total: of the\n"
		"stacks it is in, once a stack however deep it recurses. Process roots are\n"
		"not functions: see them with --tree.\n"
		"\n"
		"Examples:\n"
		"  ember report cpu.folded\n"
		"  ember report -n 50 --sort self cpu.folded\n"
		"  ember report --tree --min-percent 2 wall.folded\n");
}

void diff__usage(FILE *out)
{
	fprintf(out,
		"Usage: ember diff [OPTIONS] BEFORE AFTER\n"
		"\n"
		"What changed between two profiles: each function's share of its profile's\n"
		"total before and after, and the change in percentage points; the functions\n"
		"that grew most and those that shrank most. Shares compare runs of different\n"
		"lengths; the absolute values are shown too.\n"
		"\n"
		"Options:\n"
		"  -n, --top N             rows a table (default 20)\n"
		"      --by self|total     compare self shares (default: where the time is\n"
		"                          spent) or total shares (also callers of what grew)\n"
		"      --fail-above PCT    exit 1 when any function's share grew by more than\n"
		"                          PCT percentage points (a CI regression gate)\n"
		"  -o, --output FILE.svg   also write a differential flame graph: frames as\n"
		"                          wide as in AFTER, red where a function grew, blue\n"
		"                          where it shrank\n"
		"      --normalize         flame graph: compare shares, not absolute values\n"
		"      --unit UNIT         the values' unit when a file does not say:\n"
		"                          samples, ns, us, ms, s or bytes (default samples)\n"
		"      --type NAME         which value type of pprof files (default the last)\n"
		"      --wide              never cut long function names\n"
		"      --help              this text\n"
		"\n"
		"Exit status: 0 no function grew beyond --fail-above (or no gate), 1 some did,\n"
		"2 bad usage or an unreadable or malformed file.\n"
		"\n"
		"Examples:\n"
		"  ember diff before.folded after.folded\n"
		"  ember diff --fail-above 5 main.folded branch.folded  # in CI\n"
		"  ember diff -o diff.svg --normalize before.folded after.folded\n");
}

static int usage_error(enum report_cmd cmd, const char *fmt, ...) __printf(2, 3);

static int usage_error(enum report_cmd cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ember: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": see 'ember %s --help'\n", cmd == CMD_DIFF ? "diff" : "report");
	return -EINVAL;
}

static int parse_count(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out < 1 || *out > 1000000)
		return -EINVAL;
	return 0;
}

/* A percentage 0..100, "5", "0.5" or "5%". */
static int parse_percent(const char *s, double *out)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	errno = 0;
	*out = strtod(s, &end);
	if (*end == '%')
		end++;
	if (errno || *end || !isfinite(*out) || *out < 0 || *out > 100)
		return -EINVAL;
	return 0;
}

static int parse_table(const char *s, enum report_table *t)
{
	if (strcmp(s, "self") == 0)
		*t = TABLE_SELF;
	else if (strcmp(s, "total") == 0)
		*t = TABLE_TOTAL;
	else
		return -EINVAL;
	return 0;
}

int report_opts__parse(enum report_cmd cmd, int argc, char **argv, struct report_opts *o)
{
	const struct option *longs = cmd == CMD_DIFF ? diff_long : report_long;
	const char *shorts = cmd == CMD_DIFF ? ":n:o:" : ":n:";
	unsigned int want = cmd == CMD_DIFF ? 2 : 1;
	bool sort_set = false, min_set = false;
	int c;

	*o = (struct report_opts){ .top = REPORT_DEFAULT_TOP,
				   .sort = cmd == CMD_DIFF ? TABLE_SELF : TABLES_BOTH,
				   .min_percent = REPORT_DEFAULT_MIN_PERCENT };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_count(optarg, &o->top))
				return usage_error(cmd,
						   "bad -n '%s': give a number of rows from 1 "
						   "to 1000000",
						   optarg);
			o->top_set = true;
			break;
		case OPT_TREE:
			o->tree = true;
			break;
		case OPT_SORT:
		case OPT_BY:
			if (parse_table(optarg, &o->sort))
				return usage_error(cmd, "bad %s '%s': give self or total",
						   c == OPT_SORT ? "--sort" : "--by", optarg);
			sort_set = true;
			break;
		case OPT_MIN_PERCENT:
			if (parse_percent(optarg, &o->min_percent))
				return usage_error(cmd,
						   "bad --min-percent '%s': give a percentage "
						   "from 0 to 100",
						   optarg);
			min_set = true;
			break;
		case OPT_UNIT:
			o->unit = unit__canonical(optarg);
			if (!o->unit)
				return usage_error(cmd,
						   "bad --unit '%s': give samples, ns, us, ms, "
						   "s or bytes",
						   optarg);
			break;
		case OPT_TYPE:
			if (!*optarg)
				return usage_error(cmd, "empty --type");
			o->type = optarg;
			break;
		case OPT_WIDE:
			o->wide = true;
			break;
		case OPT_NORMALIZE:
			o->normalize = true;
			break;
		case OPT_FAIL_ABOVE:
			if (parse_percent(optarg, &o->fail_above))
				return usage_error(cmd,
						   "bad --fail-above '%s': give percentage "
						   "points from 0 to 100, e.g. 5 or 0.5",
						   optarg);
			o->gate = true;
			break;
		case 'o':
			if (!*optarg)
				return usage_error(cmd, "empty output file name");
			o->svg = optarg;
			break;
		case OPT_HELP:
			return 1;
		case ':':
			return usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 256)
				return usage_error(cmd, "unknown option '-%c'", optopt);
			return usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if ((unsigned int)(argc - optind) != want) {
		if (argc - optind > (int)want)
			return usage_error(cmd, "unexpected argument '%s'", argv[optind + want]);
		return usage_error(cmd, "%s",
				   cmd == CMD_DIFF ? "give two profiles: BEFORE AFTER"
						   : "give a profile file");
	}
	for (unsigned int i = 0; i < want; i++) {
		o->files[i] = argv[optind + i];
		if (!*o->files[i])
			return usage_error(cmd, "empty file name");
	}
	if (o->tree && sort_set)
		return usage_error(cmd, "--sort picks a table; the tree is ordered by total");
	if (!o->tree && min_set)
		return usage_error(cmd, "--min-percent is for --tree");
	if (o->tree && !o->top_set)
		o->top = 0;
	return 0;
}
