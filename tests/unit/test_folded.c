// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The folded writer, read back line by line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "format/folded.h"
#include "profile/profile.h"

static const struct value_type types[] = { { "samples", "count", 0 }, { "x", "count", 0 } };

/* Write the profile to memory and return the text (caller frees). */
static char *write_scaled(struct profile *p, unsigned int type, int64_t divisor, int *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*err = folded__write(p, type, divisor, f);
	fclose(f);
	return buf;
}

static char *write_to_string(struct profile *p, unsigned int type, int *err)
{
	return write_scaled(p, type, 1, err);
}

static void add(struct profile *p, int64_t v, int n, ...)
{
	struct frame f[16] = {};
	int64_t vals[2] = { v, v * 10 };
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		f[i].name = va_arg(ap, const char *);
		f[i].kind = va_arg(ap, int);
		f[i].addr = va_arg(ap, int);
	}
	va_end(ap);
	assert_int_equal(profile__add(p, f, n, vals), 0);
}

static void test_format_order_and_kernel_suffix(void **state)
{
	struct profile *p = profile__new(types, 2);
	char *out;
	int err;

	(void)state;
	add(p, 5, 3, "app", FRAME_PROCESS, 0, "main", FRAME_USER, 0, "work", FRAME_USER, 0);
	add(p, 2, 4, "app", FRAME_PROCESS, 0, "main", FRAME_USER, 0, "read", FRAME_USER, 0,
	    "vfs_read", FRAME_KERNEL, 0);
	add(p, 7, 2, "kworker/0:1", FRAME_PROCESS, 0, "worker_thread", FRAME_KERNEL, 0);
	add(p, 1, 2, "app", FRAME_PROCESS, 0, "[unknown]", FRAME_USER, 0);
	out = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	assert_string_equal(out, "app;[unknown] 1\n"
				 "app;main;read;vfs_read_[k] 2\n"
				 "app;main;work 5\n"
				 "kworker/0:1;worker_thread_[k] 7\n");
	free(out);
	/* the second value type */
	out = write_to_string(p, 1, &err);
	assert_int_equal(err, 0);
	assert_non_null(strstr(out, "app;main;work 50\n"));
	free(out);
	profile__free(p);
}

static void test_same_text_merges(void **state)
{
	struct profile *p = profile__new(types, 1);
	char *out;
	int err;

	(void)state;
	/* two addresses inside one function: distinct in the model, one line */
	add(p, 3, 2, "app", FRAME_PROCESS, 0, "spin", FRAME_USER, 0x10);
	add(p, 4, 2, "app", FRAME_PROCESS, 0, "spin", FRAME_USER, 0x20);
	assert_int_equal(profile__nr_stacks(p), 2);
	out = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	assert_string_equal(out, "app;spin 7\n");
	free(out);
	profile__free(p);
}

static void test_divisor_rounds_once_per_line(void **state)
{
	struct profile *p = profile__new(types, 1);
	char *out;
	int err;

	(void)state;
	/* 1000 stacks of 1002004 ns (a 499 Hz sample period) within one
	 * function: 1002004 us in all. Rounding each stack first would
	 * lose up to 0.5 us a stack; the writer sums, then divides. */
	for (int i = 0; i < 1000; i++)
		add(p, 1002004, 2, "app", FRAME_PROCESS, 0, "spin", FRAME_USER, i);
	/* under half a microsecond: rounds to 0 and is left out */
	add(p, 400, 2, "app", FRAME_PROCESS, 0, "blip", FRAME_USER, 0);
	add(p, 1500, 2, "app", FRAME_PROCESS, 0, "tick", FRAME_USER, 0);
	out = write_scaled(p, 0, 1000, &err);
	assert_int_equal(err, 0);
	assert_string_equal(out, "app;spin 1002004\napp;tick 2\n");
	free(out);
	assert_int_equal(folded__write(p, 0, 0, stdout), -22);
	profile__free(p);
}

static void test_hostile_names_and_zero_values(void **state)
{
	struct profile *p = profile__new(types, 1);
	char *out;
	int err;

	(void)state;
	add(p, 1, 2, "a;b\nc", FRAME_PROCESS, 0, "operator new(unsigned long)", FRAME_USER, 0);
	add(p, 0, 2, "idle", FRAME_PROCESS, 0, "nothing", FRAME_USER, 0);
	out = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	/* ';' and newlines cannot appear inside a frame; spaces can (the
	 * count follows the last space) */
	assert_string_equal(out, "a:b?c;operator new(unsigned long) 1\n");
	free(out);
	profile__free(p);
}

/* Readers reject invalid UTF-8, so the writer never emits it: bad bytes
 * become '?', valid multi-byte characters stay. */
static void test_invalid_utf8_replaced(void **state)
{
	struct profile *p = profile__new(types, 1);
	char *out;
	int err;

	(void)state;
	add(p, 3, 3, "caf\xc3\xa9", FRAME_PROCESS, 0, "x\xc3(\xff\xed\xa0\x80", FRAME_USER, 0,
	    "\xe2\x82\xac\xf0\x9f\x94\xa5\xc3", FRAME_USER, 0);
	out = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	assert_string_equal(out, "caf\xc3\xa9;x?(????;\xe2\x82\xac\xf0\x9f\x94\xa5? 3\n");
	free(out);
	profile__free(p);
}

static void test_write_error_reported(void **state)
{
	struct profile *p = profile__new(types, 1);
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	add(p, 1, 2, "app", FRAME_PROCESS, 0, "main", FRAME_USER, 0);
	assert_true(folded__write(p, 0, 1, f) < 0);
	fclose(f);
	assert_int_equal(folded__write(p, 5, 1, stdout), -22);
	profile__free(p);
}

/* Notes come first as "# " lines, before any stack, in order. */
static void test_comments_first(void **state)
{
	struct profile *p = profile__new(types, 2);
	char *text;
	int err;

	(void)state;
	add(p, 5, 2, "app", FRAME_PROCESS, 0, "main", FRAME_USER, 1);
	assert_int_equal(profile__add_comment(p, "values are estimates"), 0);
	assert_int_equal(profile__add_comment(p, "second note"), 0);
	assert_int_equal(profile__nr_comments(p), 2);
	text = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	assert_string_equal(text, "# values are estimates\n# second note\napp;main 5\n");
	free(text);
	profile__free(p);
}

/* A comment read from a pprof file may hold newlines, control bytes and
 * invalid UTF-8: one "# " line still, that the folded reader takes
 * (found by tests/fuzz/fuzz_pprof: a comment "a\nb" wrote a line "b"
 * that made the file unreadable). ';' stays: it is only a separator in
 * stacks. */
static void test_comment_is_one_line(void **state)
{
	struct profile *p = profile__new(types, 1);
	char *text;
	int err;

	(void)state;
	add(p, 5, 2, "app", FRAME_PROCESS, 0, "main", FRAME_USER, 1);
	assert_int_equal(profile__add_comment(p, "line one\nline two;\r\t\xff caf\xc3\xa9"), 0);
	text = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	assert_string_equal(text, "# line one?line two;??? caf\xc3\xa9\napp;main 5\n");
	free(text);
	profile__free(p);
}

static void test_big_profile_sorted_bytewise(void **state)
{
	struct profile *p = profile__new(types, 1);
	char name[32], *out, *line, *save = NULL, prev[256] = "";
	int err, lines = 0;
	int64_t sum = 0;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "f%d", (i * 7919) % 3000);
		add(p, i + 1, 3, "app", FRAME_PROCESS, 0, name, FRAME_USER, 0, "leaf",
		    i % 2 ? FRAME_KERNEL : FRAME_USER, 0);
	}
	out = write_to_string(p, 0, &err);
	assert_int_equal(err, 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' ');

		assert_non_null(sp);
		sum += atoll(sp + 1);
		*sp = '\0';
		assert_true(strcmp(prev, line) < 0);
		snprintf(prev, sizeof(prev), "%s", line);
		lines++;
	}
	assert_int_equal(lines, 3000);
	assert_int_equal(sum, 3000 * 3001 / 2);
	free(out);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_order_and_kernel_suffix),
		cmocka_unit_test(test_same_text_merges),
		cmocka_unit_test(test_divisor_rounds_once_per_line),
		cmocka_unit_test(test_hostile_names_and_zero_values),
		cmocka_unit_test(test_write_error_reported),
		cmocka_unit_test(test_big_profile_sorted_bytewise),
		cmocka_unit_test(test_comments_first),
		cmocka_unit_test(test_comment_is_one_line),
		cmocka_unit_test(test_invalid_utf8_replaced),
	};

	return cmocka_run_group_tests_name("folded", tests, NULL, NULL);
}
