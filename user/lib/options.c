// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "lib/options.h"

/* The help column: "  -a, --all-cpus" then the text from column 26. */
#define HELP_COLUMN 26

static bool is_option(const struct option_spec *s)
{
	return s->key != 0;
}

static bool is_end(const struct option_spec *s)
{
	return !s->key && !s->name && !s->arg && !s->help;
}

static bool has_short(const struct option_spec *s)
{
	return s->key > 0 && s->key < OPTION_LONG_ONLY;
}

int options__error(const struct options *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p_err("%s: see 'ember %s --help'", msg, o->cmd);
	return -EINVAL;
}

/* Help lines after the first, each under the help column. */
static void print_help_text(const char *help, int col, FILE *out)
{
	const char *line = help ? help : "";

	for (;;) {
		size_t len = strcspn(line, "\n");

		fprintf(out, "%*s%.*s\n", col > 0 ? col : 0, "", (int)len, line);
		if (!line[len])
			return;
		line += len + 1;
		col = HELP_COLUMN;
	}
}

static void print_row(const struct option_spec *s, FILE *out)
{
	char left[128];
	int n;

	if (!is_option(s))
		n = snprintf(left, sizeof(left), "  %s", s->arg);
	else if (has_short(s) && s->name)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s", s->key, s->name,
			     s->arg ? " " : "", s->arg ? s->arg : "");
	else if (has_short(s))
		n = snprintf(left, sizeof(left), "  -%c%s%s", s->key, s->arg ? " " : "",
			     s->arg ? s->arg : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", s->name, s->arg ? " " : "",
			     s->arg ? s->arg : "");
	if (!s->help) {
		fprintf(out, "%s\n", left);
		return;
	}
	fputs(left, out);
	if (n >= HELP_COLUMN) {
		fputc('\n', out);
		print_help_text(s->help, HELP_COLUMN, out);
	} else {
		print_help_text(s->help, HELP_COLUMN - n, out);
	}
}

void options__help(const struct options *o, FILE *out)
{
	fprintf(out, "Usage: ember %s %s\n", o->cmd, o->usage);
	if (o->doc)
		fprintf(out, "\n%s", o->doc);
	for (const struct option_spec *s = o->specs; !is_end(s); s++) {
		if (!is_option(s) && !s->arg)
			fprintf(out, "\n%s\n", s->help); /* a section heading */
		else {
			if (s == o->specs)
				fputc('\n', out);
			print_row(s, out);
		}
	}
	if (o->footer)
		fprintf(out, "\n%s", o->footer);
}

/* getopt_long's tables, from ours: "+:" (or ":") and a letter per short
 * option, ':' after those with a value; a struct option per long name. */
static int build_tables(const struct options *o, char **shorts, struct option **longs)
{
	size_t n = 0, i = 0;
	char *p;

	for (const struct option_spec *s = o->specs; !is_end(s); s++)
		n++;
	*shorts = malloc(2 * n + 3);
	*longs = calloc(n + 1, sizeof(**longs));
	if (!*shorts || !*longs) {
		free(*shorts);
		free(*longs);
		p_err("out of memory");
		return -ENOMEM;
	}
	p = *shorts;
	if (o->in_order)
		*p++ = '+';
	/* a missing value is reported as such, not as an unknown option */
	*p++ = ':';
	for (const struct option_spec *s = o->specs; !is_end(s); s++) {
		if (!is_option(s))
			continue;
		if (has_short(s)) {
			*p++ = (char)s->key;
			if (s->arg)
				*p++ = ':';
		}
		if (s->name)
			(*longs)[i++] =
			    (struct option){ s->name, s->arg ? required_argument : no_argument,
					     NULL, s->key };
	}
	*p = '\0';
	return 0;
}

/* How the user wrote the option getopt stopped at: "--name" as given,
 * "-x" for a letter (which may be inside a cluster like "-qx"). */
static const char *option_text(char **argv, char *buf)
{
	const char *arg = argv[optind - 1];

	if (!strncmp(arg, "--", 2) || !optopt || optopt >= OPTION_LONG_ONLY)
		return arg;
	buf[0] = '-';
	buf[1] = (char)optopt;
	buf[2] = '\0';
	return buf;
}

int options__parse(const struct options *o, int argc, char **argv, void *ctx, int *first_arg)
{
	struct option *longs = NULL;
	char *shorts = NULL, opt[3];
	int c, err;

	err = build_tables(o, &shorts, &longs);
	if (err)
		return -EINVAL;
	optind = 0; /* a whole restart: the last parse may have stopped inside "-qx" */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == ':')
			err =
			    options__error(o, "option '%s' needs a value", option_text(argv, opt));
		else if (c == '?')
			err = options__error(o, "unknown option '%s'", option_text(argv, opt));
		else
			err = o->handle(o, c, optarg, ctx);
		if (err)
			break;
	}
	free(shorts);
	free(longs);
	if (err == OPTIONS_HELP) {
		options__help(o, stdout);
		return OPTIONS_HELP;
	}
	if (err)
		return -EINVAL;
	*first_arg = optind;
	return 0;
}
