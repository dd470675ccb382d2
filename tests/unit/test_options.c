// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The table-driven option parser, its generated help, the number parsers
 * and the log's sink (through which the error lines are read here). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/log.h"
#include "lib/number.h"
#include "lib/options.h"

enum {
	OPT_WIDE = OPTION_LONG_ONLY,
	OPT_LIMIT,
	OPT_HELP
};

static const struct option_spec specs[] = {
	{ .help = "Things:" },
	{ 'a', "all", NULL, "every thing" },
	{ 'n', "count", "N", "how many (1 to 10)" },
	{ 0, NULL, "-- CMD", "a command,\nnot an option" },
	{ .help = "Options:" },
	{ OPT_WIDE, "wide", NULL, "no cutting" },
	{ OPT_LIMIT, "a-rather-long-option-name", "VALUE", "first line\nsecond line" },
	{ 'q', NULL, NULL, "quiet" },
	{ OPT_HELP, "help", NULL, NULL },
	{},
};

struct seen {
	int all, wide, quiet;
	unsigned long count;
	const char *limit;
};

static int handle(const struct options *o, int key, const char *arg, void *ctx)
{
	struct seen *s = ctx;

	switch (key) {
	case 'a':
		s->all++;
		break;
	case 'n':
		if (number__ulong(arg, 1, 10, &s->count))
			return options__error(o, "bad -n '%s': give 1 to 10", arg);
		break;
	case OPT_WIDE:
		s->wide++;
		break;
	case OPT_LIMIT:
		s->limit = arg;
		break;
	case 'q':
		s->quiet++;
		break;
	case OPT_HELP:
		return OPTIONS_HELP;
	}
	return 0;
}

static const struct options cmd = {
	.cmd = "thing",
	.usage = "[OPTIONS] FILE",
	.doc = "Does things.\n",
	.footer = "Example: ember thing -a f\n",
	.specs = specs,
	.handle = handle,
};

static char logged[8][256];
static int nr_logged;

static void sink(void *ctx, const char *line)
{
	(void)ctx;
	if (nr_logged < 8)
		snprintf(logged[nr_logged], sizeof(logged[0]), "%s", line);
	nr_logged++;
}

static int setup(void **state)
{
	(void)state;
	nr_logged = 0;
	log__set_sink(sink, NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	log__set_sink(NULL, NULL);
	return 0;
}

/* Parse a NULL-terminated list after argv[0]. */
static int parse(const struct options *o, struct seen *s, int *first, ...)
{
	static char *argv[16];
	int argc = 0;
	va_list ap;

	memset(s, 0, sizeof(*s));
	nr_logged = 0;
	argv[argc++] = (char *)"thing";
	va_start(ap, first);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	*first = -1;
	return options__parse(o, argc, argv, s, first);
}

static void test_values_and_operands(void **state)
{
	struct seen s;
	int first;

	(void)state;
	assert_int_equal(parse(&cmd, &s, &first, "-a", "-n", "3", "--wide", "f", NULL), 0);
	assert_int_equal(s.all, 1);
	assert_int_equal(s.count, 3);
	assert_int_equal(s.wide, 1);
	assert_int_equal(first, 5);
	/* long names, "=VALUE", clusters; operands may come first */
	assert_int_equal(parse(&cmd, &s, &first, "f", "--count=7", "-aq",
			       "--a-rather-long-option-name", "v", NULL),
			 0);
	assert_int_equal(s.count, 7);
	assert_int_equal(s.all, 1);
	assert_int_equal(s.quiet, 1);
	assert_string_equal(s.limit, "v");
	assert_int_equal(first, 5); /* getopt moved "f" behind the options */
	assert_int_equal(parse(&cmd, &s, &first, NULL), 0);
	assert_int_equal(first, 1);
	assert_int_equal(nr_logged, 0);
}

static void test_in_order_stops_at_operand(void **state)
{
	struct options o = cmd;
	struct seen s;
	int first;

	(void)state;
	o.in_order = true;
	assert_int_equal(parse(&o, &s, &first, "-a", "ls", "-n", "x", NULL), 0);
	assert_int_equal(first, 2);
	assert_int_equal(s.all, 1);
	assert_int_equal(parse(&o, &s, &first, "--", "-a", NULL), 0);
	assert_int_equal(first, 2);
	assert_int_equal(s.all, 0);
}

static void test_errors_name_the_option(void **state)
{
	struct seen s;
	int first;

	(void)state;
	assert_int_equal(parse(&cmd, &s, &first, "-n", NULL), -EINVAL);
	assert_int_equal(nr_logged, 1);
	assert_string_equal(logged[0],
			    "ember: error: option '-n' needs a value: see 'ember thing --help'");
	assert_int_equal(parse(&cmd, &s, &first, "--count", NULL), -EINVAL);
	assert_string_equal(
	    logged[0], "ember: error: option '--count' needs a value: see 'ember thing --help'");
	assert_int_equal(parse(&cmd, &s, &first, "--bogus", "f", NULL), -EINVAL);
	assert_string_equal(logged[0],
			    "ember: error: unknown option '--bogus': see 'ember thing --help'");
	assert_int_equal(parse(&cmd, &s, &first, "-ax", NULL), -EINVAL);
	assert_string_equal(logged[0],
			    "ember: error: unknown option '-x': see 'ember thing --help'");
	assert_int_equal(parse(&cmd, &s, &first, "--wide=1", NULL), -EINVAL);
	assert_string_equal(logged[0],
			    "ember: error: unknown option '--wide=1': see 'ember thing --help'");
	/* a value out of range: the handler's own message, parsing stops */
	assert_int_equal(parse(&cmd, &s, &first, "-n", "11", "-a", NULL), -EINVAL);
	assert_int_equal(nr_logged, 1);
	assert_string_equal(logged[0], "ember: error: bad -n '11': give 1 to 10: see 'ember thing "
				       "--help'");
	assert_int_equal(s.all, 0);
	assert_int_equal(first, -1);
	/* the short option the last parse stopped inside of is forgotten */
	assert_int_equal(parse(&cmd, &s, &first, "-q", NULL), 0);
	assert_int_equal(s.quiet, 1);
}

static char *help_text(const struct options *o)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	options__help(o, f);
	fclose(f);
	return buf;
}

static void test_help_from_the_table(void **state)
{
	char *h = help_text(&cmd);

	(void)state;
	assert_non_null(strstr(h, "Usage: ember thing [OPTIONS] FILE\n\nDoes things.\n"));
	/* every option of the table, with its value's name */
	for (const struct option_spec *s = specs; s->key || s->help || s->arg; s++) {
		char want[64];

		if (!s->key)
			continue;
		if (s->name) {
			snprintf(want, sizeof(want), "--%s%s%s", s->name, s->arg ? " " : "",
				 s->arg ? s->arg : "");
			assert_non_null(strstr(h, want));
		}
		if (s->key < OPTION_LONG_ONLY) {
			snprintf(want, sizeof(want), "-%c", s->key);
			assert_non_null(strstr(h, want));
		}
	}
	/* sections, rows and continuation lines in the help column (26) */
	assert_non_null(strstr(h, "\nThings:\n  -a, --all               every thing\n"));
	assert_non_null(strstr(h, "  -n, --count N           how many (1 to 10)\n"));
	assert_non_null(strstr(h, "  -- CMD                  a command,\n"
				  "                          not an option\n"));
	assert_non_null(strstr(h, "\n\nOptions:\n      --wide              no cutting\n"));
	/* too long for the left column: the help starts on the next line */
	assert_non_null(strstr(h, "      --a-rather-long-option-name VALUE\n"
				  "                          first line\n"
				  "                          second line\n"));
	assert_non_null(strstr(h, "  -q                      quiet\n"));
	assert_non_null(strstr(h, "      --help\n\nExample: ember thing -a f\n"));
	free(h);
}

static void test_help_key(void **state)
{
	struct seen s;
	int first;
	FILE *saved = stdout;
	char *buf = NULL;
	size_t size = 0;

	(void)state;
	stdout = open_memstream(&buf, &size);
	assert_non_null(stdout);
	assert_int_equal(parse(&cmd, &s, &first, "-a", "--help", "--bogus", NULL), OPTIONS_HELP);
	fclose(stdout);
	stdout = saved;
	assert_non_null(strstr(buf, "Usage: ember thing"));
	assert_int_equal(nr_logged, 0);
	free(buf);
}

static void test_numbers(void **state)
{
	unsigned long u = 42;
	double d = 4.2;

	(void)state;
	assert_int_equal(number__ulong("7", 1, 10, &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(number__ulong("0", 0, 10, &u), 0);
	assert_int_equal(u, 0);
	u = 42;
	assert_int_equal(number__ulong("0", 1, 10, &u), -EINVAL);
	assert_int_equal(number__ulong("11", 1, 10, &u), -EINVAL);
	assert_int_equal(number__ulong("-1", 0, 10, &u), -EINVAL);
	assert_int_equal(number__ulong("+1", 0, 10, &u), -EINVAL);
	assert_int_equal(number__ulong(" 1", 0, 10, &u), -EINVAL);
	assert_int_equal(number__ulong("1x", 0, 10, &u), -EINVAL);
	assert_int_equal(number__ulong("", 0, 10, &u), -EINVAL);
	assert_int_equal(number__ulong(NULL, 0, 10, &u), -EINVAL);
	assert_int_equal(number__ulong("99999999999999999999999", 0, -1ul, &u), -EINVAL);
	assert_int_equal(u, 42);

	assert_int_equal(number__double("0.5", 0, 1, &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(number__double("1e-1", 0.1, 1, &d), 0);
	assert_true(d == 0.1);
	d = 4.2;
	assert_int_equal(number__double("1.5", 0, 1, &d), -EINVAL);
	assert_int_equal(number__double("-0.1", 0, 1, &d), -EINVAL);
	assert_int_equal(number__double("nan", 0, 1, &d), -EINVAL);
	assert_int_equal(number__double("inf", 0, 1e308, &d), -EINVAL);
	assert_int_equal(number__double("1e999", 0, 1e308, &d), -EINVAL);
	assert_int_equal(number__double("1s", 0, 10, &d), -EINVAL);
	assert_int_equal(number__double("", 0, 10, &d), -EINVAL);
	assert_true(d == 4.2);
}

static void test_log_sink(void **state)
{
	(void)state;
	nr_logged = 0;
	p_err("cannot %s", "read");
	p_warn("odd");
	p_info("note\nsecond line dropped");
	p_debug(1, "not shown at verbosity 0");
	assert_int_equal(nr_logged, 3);
	assert_string_equal(logged[0], "ember: error: cannot read");
	assert_string_equal(logged[1], "ember: warning: odd");
	assert_string_equal(logged[2], "ember: note");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_values_and_operands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_order_stops_at_operand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_option, setup, teardown),
		cmocka_unit_test(test_help_from_the_table),
		cmocka_unit_test_setup_teardown(test_help_key, setup, teardown),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test_setup_teardown(test_log_sink, setup, teardown),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
