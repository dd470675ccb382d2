/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every command's command line: one table per command names each option,
 * its value and its help, and both the parser and the --help text are
 * made from it, so the two cannot disagree. Values are handed to the
 * command's handler by key, as argp does.
 */
#ifndef EMBER_OPTIONS_H
#define EMBER_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include "lib/log.h"

/* Keys of long-only options start here (above every short letter). */
#define OPTION_LONG_ONLY 0x100

/* A handler's return: the option was --help; print it and stop. */
#define OPTIONS_HELP 1

/*
 * One row of a command's table; the table ends with an all-zero row.
 * An option: key is its short letter (or OPTION_LONG_ONLY + n), name its
 * long name (or NULL), arg the value's name in the help (NULL: it takes
 * none). A row with key 0 is help text only: a section heading (help
 * alone, e.g. "Targets:") or a line that is not an option (arg as the
 * left column, e.g. "-- CMD [ARGS...]").
 */
struct option_spec {
	int key;
	const char *name;
	const char *arg;
	const char *help; /* lines separated by '\n' */
};

struct options {
	const char *cmd;    /* "record": in the usage line and "see 'ember record --help'" */
	const char *usage;  /* after "Usage: ember CMD " */
	const char *doc;    /* paragraphs between the usage line and the options */
	const char *footer; /* after the options: notes, examples */
	const struct option_spec *specs;
	/* Stop at the first operand, so `-- CMD ARGS` and CMD's own options
	 * stay CMD's; otherwise operands and options may be mixed. */
	bool in_order;
	/* One option with its value (NULL if it takes none): 0, OPTIONS_HELP,
	 * or -EINVAL after printing the error (options__error). */
	int (*handle)(const struct options *o, int key, const char *arg, void *ctx);
};

/*
 * Parse argv (argv[0] is the command's name) through o's table; *first_arg
 * is then the index of the first operand (argc if none). 0; OPTIONS_HELP
 * after printing the help to stdout; -EINVAL after printing one error line.
 */
int options__parse(const struct options *o, int argc, char **argv, void *ctx, int *first_arg);
/* The --help text, generated from the table. */
void options__help(const struct options *o, FILE *out);
/* "ember: error: MESSAGE: see 'ember CMD --help'"; returns -EINVAL. */
int options__error(const struct options *o, const char *fmt, ...) __printf(2, 3);

#endif
