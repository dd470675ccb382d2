/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Command lines of `ember report` and `ember diff`. */
#ifndef EMBER_REPORT_OPTS_H
#define EMBER_REPORT_OPTS_H

#include <stdbool.h>

#define REPORT_DEFAULT_TOP 20
#define REPORT_DEFAULT_MIN_PERCENT 0.5

enum report_cmd {
	CMD_REPORT,
	CMD_DIFF,
};

enum report_table {
	TABLES_BOTH = -1,
	TABLE_SELF = 0, /* = SHARE_SELF */
	TABLE_TOTAL = 1,
};

struct report_opts {
	const char *files[2]; /* report: FILE; diff: BEFORE AFTER */
	unsigned long top;    /* -n: table rows; tree: children a node (0: all) */
	bool top_set;
	bool tree, wide;
	enum report_table sort; /* report --sort: tables printed; diff --by: the share */
	double min_percent;	/* --tree: nodes below this share of the total left out */
	const char *unit;	/* --unit: of files that do not name theirs */
	const char *type;	/* --type: value type; NULL: the last */
	/* diff */
	bool normalize;
	bool gate;
	double fail_above; /* percentage points */
	const char *svg;   /* -o */
};

/* 0; OPTIONS_HELP (1) after printing --help to stdout; -EINVAL after
 * printing one error line "ember: error: ...: see 'ember CMD --help'". */
int report_opts__parse(enum report_cmd cmd, int argc, char **argv, struct report_opts *o);

#endif
