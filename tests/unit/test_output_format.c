// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Output format names and extensions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "format/output_format.h"

static void test_parse(void **state)
{
	enum output_format f = OUTPUT_MAX;

	(void)state;
	for (int i = 0; i < OUTPUT_MAX; i++) {
		assert_int_equal(output_format__parse(output_format__name(i), &f), 0);
		assert_int_equal(f, i);
	}
	assert_string_equal(output_format__name(OUTPUT_PPROF), "pprof");
	assert_string_equal(output_format__name(OUTPUT_MAX), "?");
	/* names are exact: the error lists them */
	f = OUTPUT_JSON;
	assert_int_equal(output_format__parse("JSON", &f), -22);
	assert_int_equal(output_format__parse("pb.gz", &f), -22);
	assert_int_equal(output_format__parse("", &f), -22);
	assert_int_equal(output_format__parse(NULL, &f), -22);
	assert_int_equal(f, OUTPUT_JSON);
}

static void test_from_path(void **state)
{
	static const struct {
		const char *path;
		enum output_format f;
	} cases[] = {
		{ NULL, OUTPUT_FOLDED },	   { "-", OUTPUT_FOLDED },
		{ "cpu.folded", OUTPUT_FOLDED },   { "cpu.txt", OUTPUT_FOLDED },
		{ "cpu", OUTPUT_FOLDED },	   { "cpu.data", OUTPUT_FOLDED },
		{ "cpu.svg", OUTPUT_SVG },	   { "/a/b.c/cpu.SVG", OUTPUT_SVG },
		{ "cpu.pb.gz", OUTPUT_PPROF },	   { "cpu.pb", OUTPUT_PPROF },
		{ "cpu.pprof", OUTPUT_PPROF },	   { "cpu.pprof.gz", OUTPUT_PPROF },
		{ "cpu.gz", OUTPUT_FOLDED },	   { "cpu.json", OUTPUT_JSON },
		{ "out.json/cpu", OUTPUT_FOLDED }, /* a directory's extension */
		{ "dir/.json", OUTPUT_FOLDED },	   /* a hidden file, no extension */
		{ "x.cpu.pb.gz", OUTPUT_PPROF },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (output_format__from_path(cases[i].path) != cases[i].f)
			fail_msg("%s: got %s, want %s", cases[i].path ? cases[i].path : "NULL",
				 output_format__name(output_format__from_path(cases[i].path)),
				 output_format__name(cases[i].f));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_from_path),
	};

	return cmocka_run_group_tests_name("output_format", tests, NULL, NULL);
}
