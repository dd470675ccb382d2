// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "lib/number.h"
#include "lib/options.h"
#include "cmd/report_fmt.h"
#include "cmd/report_opts.h"

enum {
	OPT_TREE = OPTION_LONG_ONLY,
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

static const struct option_spec report_specs[] = {
	{ .help = "Options:" },
	{ 'n', "top", "N",
	  "rows a table (default 20); with --tree, children\n"
	  "shown a node (default: all above --min-percent)" },
	{ OPT_SORT, "sort", "self|total", "print only the table by self or by total" },
	{ OPT_TREE, "tree", NULL,
	  "the call tree from the roots instead of the tables:\n"
	  "children by total, largest first" },
	{ OPT_MIN_PERCENT, "min-percent", "P",
	  "--tree: leave out nodes under P% of the total\n"
	  "(default 0.5; 0 shows every node)" },
	{ OPT_UNIT, "unit", "UNIT",
	  "the values' unit when FILE does not say:\n"
	  "samples, ns, us, ms, s or bytes (default samples)" },
	{ OPT_TYPE, "type", "NAME", "which value type of a pprof file (default the last)" },
	{ OPT_WIDE, "wide", NULL, "never cut long function names" },
	{ OPT_HELP, "help", NULL, "this text" },
	{},
};

static const struct option_spec diff_specs[] = {
	{ .help = "Options:" },
	{ 'n', "top", "N", "rows a table (default 20)" },
	{ OPT_BY, "by", "self|total",
	  "compare self shares (default: where the time is\n"
	  "spent) or total shares (also callers of what grew)" },
	{ OPT_FAIL_ABOVE, "fail-above", "PCT",
	  "exit 1 when any function's share grew by more than\n"
	  "PCT percentage points (a CI regression gate)" },
	{ 'o', "output", "FILE.svg",
	  "also write a differential flame graph: frames as\n"
	  "wide as in AFTER, red where a function grew, blue\n"
	  "where it shrank" },
	{ OPT_NORMALIZE, "normalize", NULL, "flame graph: compare shares, not absolute values" },
	{ OPT_UNIT, "unit", "UNIT",
	  "the values' unit when a file does not say:\n"
	  "samples, ns, us, ms, s or bytes (default samples)" },
	{ OPT_TYPE, "type", "NAME", "which value type of pprof files (default the last)" },
	{ OPT_WIDE, "wide", NULL, "never cut long function names" },
	{ OPT_HELP, "help", NULL, "this text" },
	{},
};

struct report_parse {
	struct report_opts *o;
	bool sort_set, min_set;
};

static int report_handle(const struct options *cmd, int key, const char *arg, void *ctx);

static const struct options report_options = {
	.cmd = "report",
	.usage = "[OPTIONS] FILE",
	.doc = "Where a profile's time or memory goes, by function, like Python's pstats:\n"
	       "the functions with the most self value (in the function itself) and the\n"
	       "most total value (in it and what it calls), with their share of the total.\n"
	       "FILE is folded stacks (ember's, perf's, bcc's, py-spy's) or pprof; - is stdin.\n",
	.footer = "Self: the value of the stacks a function is the leaf of (of a blocked stack\n"
		  "ending in [off-cpu] or [runnable]: the function that blocked). Total: of the\n"
		  "stacks it is in, once a stack however deep it recurses. Process roots are\n"
		  "not functions: see them with --tree.\n"
		  "\n"
		  "Examples:\n"
		  "  ember report cpu.folded\n"
		  "  ember report -n 50 --sort self cpu.folded\n"
		  "  ember report --tree --min-percent 2 wall.folded\n",
	.specs = report_specs,
	.handle = report_handle,
};

static const struct options diff_options = {
	.cmd = "diff",
	.usage = "[OPTIONS] BEFORE AFTER",
	.doc = "What changed between two profiles: each function's share of its profile's\n"
	       "total before and after, and the change in percentage points; the functions\n"
	       "that grew most and those that shrank most. Shares compare runs of different\n"
	       "lengths; the absolute values are shown too.\n",
	.footer = "Exit status: 0 no function grew beyond --fail-above (or no gate), 1 some did,\n"
		  "2 bad usage or an unreadable or malformed file.\n"
		  "\n"
		  "Examples:\n"
		  "  ember diff before.folded after.folded\n"
		  "  ember diff --fail-above 5 main.folded branch.folded  # in CI\n"
		  "  ember diff -o diff.svg --normalize before.folded after.folded\n",
	.specs = diff_specs,
	.handle = report_handle,
};

/* A percentage 0..100, "5", "0.5" or "5%". */
static int parse_percent(const char *s, double *out)
{
	size_t n = strlen(s);
	char *num;
	int err;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	num = strndup(s, n && s[n - 1] == '%' ? n - 1 : n);
	if (!num)
		return -ENOMEM;
	err = number__double(num, 0, 100, out);
	free(num);
	return err;
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

static int report_handle(const struct options *cmd, int key, const char *arg, void *ctx)
{
	struct report_parse *rp = ctx;
	struct report_opts *o = rp->o;

	switch (key) {
	case 'n':
		if (number__ulong(arg, 1, 1000000, &o->top))
			return options__error(
			    cmd, "bad -n '%s': give a number of rows from 1 to 1000000", arg);
		o->top_set = true;
		break;
	case OPT_TREE:
		o->tree = true;
		break;
	case OPT_SORT:
	case OPT_BY:
		if (parse_table(arg, &o->sort))
			return options__error(cmd, "bad %s '%s': give self or total",
					      key == OPT_SORT ? "--sort" : "--by", arg);
		rp->sort_set = true;
		break;
	case OPT_MIN_PERCENT:
		if (parse_percent(arg, &o->min_percent))
			return options__error(
			    cmd, "bad --min-percent '%s': give a percentage from 0 to 100", arg);
		rp->min_set = true;
		break;
	case OPT_UNIT:
		o->unit = unit__canonical(arg);
		if (!o->unit)
			return options__error(
			    cmd, "bad --unit '%s': give samples, ns, us, ms, s or bytes", arg);
		break;
	case OPT_TYPE:
		if (!*arg)
			return options__error(cmd, "empty --type");
		o->type = arg;
		break;
	case OPT_WIDE:
		o->wide = true;
		break;
	case OPT_NORMALIZE:
		o->normalize = true;
		break;
	case OPT_FAIL_ABOVE:
		if (parse_percent(arg, &o->fail_above))
			return options__error(
			    cmd,
			    "bad --fail-above '%s': give percentage points from 0 "
			    "to 100, e.g. 5 or 0.5",
			    arg);
		o->gate = true;
		break;
	case 'o':
		if (!*arg)
			return options__error(cmd, "empty output file name");
		o->svg = arg;
		break;
	case OPT_HELP:
		return OPTIONS_HELP;
	}
	return 0;
}

int report_opts__parse(enum report_cmd cmd, int argc, char **argv, struct report_opts *o)
{
	const struct options *opts = cmd == CMD_DIFF ? &diff_options : &report_options;
	struct report_parse rp = { .o = o };
	int want = cmd == CMD_DIFF ? 2 : 1;
	int err, first;

	*o = (struct report_opts){ .top = REPORT_DEFAULT_TOP,
				   .sort = cmd == CMD_DIFF ? TABLE_SELF : TABLES_BOTH,
				   .min_percent = REPORT_DEFAULT_MIN_PERCENT };
	err = options__parse(opts, argc, argv, &rp, &first);
	if (err)
		return err;
	if (argc - first != want) {
		if (argc - first > want)
			return options__error(opts, "unexpected argument '%s'", argv[first + want]);
		return options__error(opts, "%s",
				      cmd == CMD_DIFF ? "give two profiles: BEFORE AFTER"
						      : "give a profile file");
	}
	for (int i = 0; i < want; i++) {
		o->files[i] = argv[first + i];
		if (!*o->files[i])
			return options__error(opts, "empty file name");
	}
	if (o->tree && rp.sort_set)
		return options__error(opts, "--sort picks a table; the tree is ordered by total");
	if (!o->tree && rp.min_set)
		return options__error(opts, "--min-percent is for --tree");
	if (o->tree && !o->top_set)
		o->top = 0;
	return 0;
}
