// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* How report and diff print values and names, and their command lines,
 * garbage included. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "profile/profile.h"
#include "cmd/report_fmt.h"
#include "cmd/report_opts.h"
#include "lib/utf8.h"

static char *fmt(const struct value_fmt *f, int64_t v)
{
	static char buf[64];

	return value_fmt__str(f, v, buf, sizeof(buf));
}

static void test_counts_and_bytes_exact(void **state)
{
	struct value_type samples = { "samples", "count", 0 },
			  objs = { "alloc_objects", "count", 0 };
	struct value_type bytes = { "alloc_space", "bytes", 0 };
	struct value_fmt f;
	char buf[128];

	(void)state;
	value_fmt__init(&f, &samples, 1000000);
	assert_string_equal(f.unit, "samples");
	assert_string_equal(f.col, "");
	assert_string_equal(fmt(&f, 0), "0");
	assert_string_equal(fmt(&f, 1234567), "1234567");
	assert_string_equal(fmt(&f, INT64_MAX), "9223372036854775807");
	assert_string_equal(fmt(&f, -5), "-5");
	assert_string_equal(value_fmt__total(&f, 2215, buf, sizeof(buf)), "2215 samples");
	value_fmt__init(&f, &objs, 3);
	assert_string_equal(f.unit, "objects");

	value_fmt__init(&f, &bytes, 13907008);
	assert_string_equal(f.col, "(B)");
	assert_string_equal(fmt(&f, 13907008), "13907008");
	assert_string_equal(value_fmt__total(&f, 13907008, buf, sizeof(buf)),
			    "13907008 bytes (13.26 MiB)");
	assert_string_equal(value_fmt__total(&f, 1023, buf, sizeof(buf)), "1023 bytes");
	assert_string_equal(value_fmt__total(&f, 1024, buf, sizeof(buf)), "1024 bytes (1.00 KiB)");
	assert_string_equal(value_fmt__total(&f, INT64_MAX, buf, sizeof(buf)),
			    "9223372036854775807 bytes (8.00 EiB)");
}

static void test_times(void **state)
{
	struct value_type us = { "offcpu", "microseconds", 0 }, ns = { "cpu", "nanoseconds", 0 };
	struct value_type ms = { "x", "milliseconds", 0 }, s = { "x", "seconds", 0 };
	struct value_fmt f;
	char buf[128];

	(void)state;
	/* microseconds below 100 s: milliseconds, exact to the microsecond */
	value_fmt__init(&f, &us, 2010774);
	assert_string_equal(f.col, "(ms)");
	assert_string_equal(fmt(&f, 2010774), "2010.774");
	assert_string_equal(fmt(&f, 5), "0.005");
	assert_string_equal(fmt(&f, 0), "0.000");
	assert_string_equal(fmt(&f, -1500), "-1.500");
	assert_string_equal(value_fmt__total(&f, 2010774, buf, sizeof(buf)),
			    "2010774 microseconds (2.011 s)");
	assert_string_equal(value_fmt__total(&f, 999, buf, sizeof(buf)),
			    "999 microseconds (0.999 ms)");
	/* from 100 s: seconds, to the millisecond (rounded half up) */
	value_fmt__init(&f, &us, 100000000);
	assert_string_equal(f.col, "(s)");
	assert_string_equal(fmt(&f, 100000000), "100.000");
	assert_string_equal(fmt(&f, 1234500), "1.235");
	assert_string_equal(fmt(&f, 1234499), "1.234");
	assert_string_equal(fmt(&f, 999999), "1.000");
	/* nanoseconds: milliseconds to the microsecond */
	value_fmt__init(&f, &ns, 5000000000LL);
	assert_string_equal(f.col, "(ms)");
	assert_string_equal(fmt(&f, 1234567890), "1234.568");
	assert_string_equal(fmt(&f, INT64_MAX), "9223372036854.776");
	/* coarser units are not made finer */
	value_fmt__init(&f, &ms, 500);
	assert_string_equal(f.col, "(ms)");
	assert_string_equal(fmt(&f, 500), "500");
	value_fmt__init(&f, &ms, 1000000);
	assert_string_equal(f.col, "(s)");
	assert_string_equal(fmt(&f, 1234), "1.234");
	value_fmt__init(&f, &s, 7);
	assert_string_equal(f.col, "(s)");
	assert_string_equal(fmt(&f, 7), "7");
	assert_string_equal(value_fmt__total(&f, 7, buf, sizeof(buf)), "7 seconds");
}

static void test_names(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(func_name__str("main", FRAME_USER, 0, buf, sizeof(buf)), "main");
	assert_string_equal(func_name__str("vfs_read", FRAME_KERNEL, 0, buf, sizeof(buf)),
			    "vfs_read_[k]");
	assert_string_equal(func_name__str("[off-cpu]", FRAME_MARKER, 0, buf, sizeof(buf)),
			    "[off-cpu]");
	/* fits exactly: untouched; one over: cut, the kernel marker kept */
	assert_string_equal(func_name__str("abcdefghij", FRAME_USER, 10, buf, sizeof(buf)),
			    "abcdefghij");
	assert_string_equal(func_name__str("abcdefghijk", FRAME_USER, 10, buf, sizeof(buf)),
			    "abcdefg...");
	assert_string_equal(func_name__str("abcdefghijk", FRAME_KERNEL, 12, buf, sizeof(buf)),
			    "abcde..._[k]");
	assert_int_equal(strlen(func_name__str("abcdefghijk", FRAME_KERNEL, 12, buf, sizeof(buf))),
			 12);
	/* characters, not bytes; a UTF-8 sequence is never split */
	assert_string_equal(func_name__str("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", FRAME_USER,
					   4, buf, sizeof(buf)),
			    "\xc3\xa9...");
	assert_string_equal(
	    func_name__str("\xc3\xa9\xc3\xa9\xc3\xa9", FRAME_USER, 3, buf, sizeof(buf)),
	    "\xc3\xa9\xc3\xa9\xc3\xa9");
	/* control bytes and stray bytes never reach the output */
	assert_string_equal(func_name__str("a\nb\tc\x7f\xff", FRAME_USER, 0, buf, sizeof(buf)),
			    "a?b?c??");
	/* a small buffer: cut, terminated, still valid UTF-8 */
	assert_string_equal(func_name__str("x\xc3\xa9\xc3\xa9", FRAME_USER, 0, buf, 4),
			    "x\xc3\xa9");
	assert_string_equal(module__base("/usr/lib/x86_64-linux-gnu/libc.so.6"), "libc.so.6");
	assert_string_equal(module__base(NULL), "-");
	assert_string_equal(module__base("dir/"), "dir/");
}

static void test_random_names(void **state)
{
	unsigned int seed = 99;
	char name[64], buf[512];

	(void)state;
	for (int i = 0; i < 5000; i++) {
		size_t len = rand_r(&seed) % (sizeof(name) - 1), width = rand_r(&seed) % 40;
		size_t out;

		for (size_t j = 0; j < len; j++)
			name[j] = (char)(1 + rand_r(&seed) % 255);
		name[len] = '\0';
		func_name__str(name, rand_r(&seed) % 2 ? FRAME_KERNEL : FRAME_USER, width, buf,
			       1 + rand_r(&seed) % sizeof(buf));
		out = strlen(buf);
		assert_true(utf8__invalid_at(buf, out) < 0);
		for (size_t j = 0; j < out; j++)
			assert_true((unsigned char)buf[j] >= 0x20 && buf[j] != 0x7f);
	}
}

static void test_units(void **state)
{
	(void)state;
	assert_string_equal(unit__canonical("us"), "microseconds");
	assert_string_equal(unit__canonical("samples"), "samples");
	assert_string_equal(unit__canonical("B"), "bytes");
	assert_null(unit__canonical("furlongs"));
	assert_null(unit__canonical(""));
	assert_null(unit__canonical("US"));
}

static void test_type_find(void **state)
{
	static const struct value_type t[] = { { "samples", "count", 0 },
					       { "cpu", "nanoseconds", 0 } };
	struct profile *p = profile__new(t, 2);
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile_type__find(p, NULL, "x.pb.gz"), 1);
	assert_int_equal(profile_type__find(p, "samples", "x.pb.gz"), 0);
	dup2(null, 2);
	assert_int_equal(profile_type__find(p, "alloc_space", "x.pb.gz"), -1);
	dup2(saved, 2);
	close(saved);
	close(null);
	profile__free(p);
}

/* ---- command lines ---- */

static int parse(enum report_cmd cmd, struct report_opts *o, ...)
{
	char *argv[32];
	int argc = 0, ret, saved = dup(2), null = open("/dev/null", O_WRONLY);
	va_list ap;

	argv[argc++] = (char *)(cmd == CMD_DIFF ? "diff" : "report");
	va_start(ap, o);
	for (const char *a; (a = va_arg(ap, const char *));)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	dup2(null, 2);
	ret = report_opts__parse(cmd, argc, argv, o);
	dup2(saved, 2);
	close(saved);
	close(null);
	return ret;
}

static void test_report_opts(void **state)
{
	struct report_opts o;

	(void)state;
	assert_int_equal(parse(CMD_REPORT, &o, "f.folded", NULL), 0);
	assert_string_equal(o.files[0], "f.folded");
	assert_int_equal(o.top, REPORT_DEFAULT_TOP);
	assert_int_equal(o.sort, TABLES_BOTH);
	assert_false(o.tree);
	assert_int_equal(parse(CMD_REPORT, &o, "-n", "5", "--sort", "total", "--unit", "us",
			       "--wide", "f", NULL),
			 0);
	assert_int_equal(o.top, 5);
	assert_int_equal(o.sort, TABLE_TOTAL);
	assert_string_equal(o.unit, "microseconds");
	assert_true(o.wide);
	/* options after the file, and stdin */
	assert_int_equal(parse(CMD_REPORT, &o, "-", "--tree", "--min-percent", "2.5%", NULL), 0);
	assert_string_equal(o.files[0], "-");
	assert_true(o.tree);
	assert_int_equal(o.top, 0); /* the tree: every child above the threshold */
	assert_float_equal(o.min_percent, 2.5, 1e-12);
	assert_int_equal(parse(CMD_REPORT, &o, "--help", NULL), 1);

	assert_int_equal(parse(CMD_REPORT, &o, NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "a", "b", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "-n", "0", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "-n", "-3", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "-n", "3x", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "-n", "99999999999999999999", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "f", "-n", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--sort", "name", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--tree", "--sort", "self", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--min-percent", "1", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--tree", "--min-percent", "nan", "f", NULL),
			 -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--tree", "--min-percent", "101", "f", NULL),
			 -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--unit", "parsecs", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--type", "", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "--fail-above", "5", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "-o", "x.svg", "f", NULL), -EINVAL);
	assert_int_equal(parse(CMD_REPORT, &o, "-x", "f", NULL), -EINVAL);
}

static void test_diff_opts(void **state)
{
	struct report_opts o;

	(void)state;
	assert_int_equal(parse(CMD_DIFF, &o, "a", "b", NULL), 0);
	assert_string_equal(o.files[0], "a");
	assert_string_equal(o.files[1], "b");
	assert_int_equal(o.sort, TABLE_SELF);
	assert_false(o.gate);
	assert_int_equal(parse(CMD_DIFF, &o, "--fail-above", "0.5", "--by", "total", "-o", "d.svg",
			       "--normalize", "a", "b", NULL),
			 0);
	assert_true(o.gate);
	assert_float_equal(o.fail_above, 0.5, 1e-12);
	assert_int_equal(o.sort, TABLE_TOTAL);
	assert_string_equal(o.svg, "d.svg");
	assert_true(o.normalize);
	assert_int_equal(parse(CMD_DIFF, &o, "--fail-above", "0", "a", "b", NULL), 0);
	assert_true(o.gate);
	assert_int_equal(parse(CMD_DIFF, &o, "--fail-above", "5%", "a", "b", NULL), 0);
	assert_float_equal(o.fail_above, 5.0, 1e-12);

	assert_int_equal(parse(CMD_DIFF, &o, "a", NULL), -EINVAL);
	assert_int_equal(parse(CMD_DIFF, &o, "a", "b", "c", NULL), -EINVAL);
	for (const char *const *bad = (const char *const[]){ "-1", "", "x", "nan", "inf", "1e9",
							     "101", "5%%", "5 ", ".", NULL };
	     *bad; bad++) {
		if (parse(CMD_DIFF, &o, "--fail-above", *bad, "a", "b", NULL) != -EINVAL)
			fail_msg("--fail-above '%s' accepted", *bad);
	}
	assert_int_equal(parse(CMD_DIFF, &o, "--by", "both", "a", "b", NULL), -EINVAL);
	assert_int_equal(parse(CMD_DIFF, &o, "-o", "", "a", "b", NULL), -EINVAL);
	assert_int_equal(parse(CMD_DIFF, &o, "--tree", "a", "b", NULL), -EINVAL);
	assert_int_equal(parse(CMD_DIFF, &o, "--sort", "self", "a", "b", NULL), -EINVAL);
}

/* Random argument vectors: a result, never a crash. */
static void test_random_argv(void **state)
{
	static const char *const pieces[] = {
		"-n", "5",	  "--tree",	  "--sort",	   "self",	  "total", "--by",
		"-o", "x",	  "--fail-above", "7.5",	   "--unit",	  "us",	   "--type",
		"-",  "--",	  "--wide",	  "--min-percent", "--normalize", "-nn",   "--help",
		"",   "\xff\xfe", "-n5",	  "--top=3",	   "a",		  "b"
	};
	unsigned int seed = 4242;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		struct report_opts o;
		char *argv[12];
		int argc = 1, ret, saved = dup(2), null = open("/dev/null", O_WRONLY);
		enum report_cmd cmd = rand_r(&seed) % 2 ? CMD_DIFF : CMD_REPORT;

		argv[0] = (char *)"ember";
		for (int n = rand_r(&seed) % 10; n > 0; n--)
			argv[argc++] =
			    (char *)pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(*pieces))];
		argv[argc] = NULL;
		dup2(null, 2);
		ret = report_opts__parse(cmd, argc, argv, &o);
		dup2(saved, 2);
		close(saved);
		close(null);
		assert_true(ret == 0 || ret == 1 || ret == -EINVAL);
		if (ret == 0) {
			assert_non_null(o.files[0]);
			assert_true(cmd == CMD_REPORT || o.files[1]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_bytes_exact),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_random_names),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_type_find),
		cmocka_unit_test(test_report_opts),
		cmocka_unit_test(test_diff_opts),
		cmocka_unit_test(test_random_argv),
	};

	return cmocka_run_group_tests_name("report_fmt", tests, NULL, NULL);
}
