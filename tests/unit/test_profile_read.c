// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The folded reader: ember's own output read back exactly, other tools'
 * conventions, and every kind of broken input rejected with file and line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "format/folded.h"
#include "profile/profile.h"
#include "format/profile_read.h"

static char errbuf[4096];

/* Read text as file "in.folded"; the error printed, if any, in errbuf. */
static struct profile *read_text(const char *text, size_t len, const struct profile_read_opts *o)
{
	FILE *in = fmemopen((void *)text, len ? len : 1, "r");
	FILE *err = tmpfile();
	struct profile *p;
	int saved = dup(2);
	size_t n;

	assert_non_null(in);
	assert_non_null(err);
	if (!len) /* fmemopen refuses size 0: read one byte of nothing */
		fgetc(in);
	fflush(stderr);
	dup2(fileno(err), 2);
	p = profile_read__stream(in, "in.folded", o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, err);
	errbuf[n] = '\0';
	fclose(err);
	fclose(in);
	return p;
}

static struct profile *read_str(const char *text)
{
	return read_text(text, strlen(text), NULL);
}

static char *write_folded(struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(folded__write(p, 0, 1, f), 0);
	fclose(f);
	return buf;
}

static const struct frame *find_stack(const struct profile *p, const char *leaf, int64_t *value,
				      unsigned int *nr)
{
	struct profile_stack st;

	for (size_t i = 0; i < profile__nr_stacks(p); i++) {
		profile__stack(p, i, &st);
		if (strcmp(st.frames[st.nr_frames - 1].name, leaf) == 0) {
			*value = st.values[0];
			*nr = st.nr_frames;
			return st.frames;
		}
	}
	fail_msg("no stack ending in %s", leaf);
	return NULL;
}

/* ember's output, read and written again, is the same text. */
static void test_round_trip(void **state)
{
	const char *text = "# ember: event offcpu, values in microseconds\n"
			   "app;main;read;vfs_read_[k];schedule_[k] 120\n"
			   "app;main;work 7\n"
			   "kworker/0:1;worker_thread_[k] 3\n";
	struct profile *p = read_str(text);
	char *out;

	(void)state;
	assert_non_null(p);
	assert_string_equal(profile__type(p, 0)->type, "offcpu");
	assert_string_equal(profile__type(p, 0)->unit, "microseconds");
	assert_string_equal(profile_read__event(p), "offcpu");
	assert_int_equal(profile__total(p, 0), 130);
	out = write_folded(p);
	assert_string_equal(out, text);
	free(out);
	profile__free(p);
}

static void test_kinds(void **state)
{
	struct profile *p = read_str("# ember: event wall, values in microseconds\n"
				     "py;main;<module> (app.py:10);sleep (time.py:3);"
				     "do_nanosleep_[k];[off-cpu] 5\n"
				     "py;main;compute 2\n");
	const struct frame *f;
	unsigned int nr;
	int64_t v;

	(void)state;
	assert_non_null(p);
	f = find_stack(p, "[off-cpu]", &v, &nr);
	assert_int_equal(nr, 6);
	assert_int_equal(v, 5);
	assert_int_equal(f[0].kind, FRAME_PROCESS);
	assert_int_equal(f[1].kind, FRAME_USER);
	assert_int_equal(f[2].kind, FRAME_INTERP);
	assert_int_equal(f[3].kind, FRAME_INTERP);
	assert_string_equal(f[4].name, "do_nanosleep");
	assert_int_equal(f[4].kind, FRAME_KERNEL);
	assert_int_equal(f[5].kind, FRAME_MARKER);
	profile__free(p);

	/* a file from another tool: no process root assumed, samples */
	p = read_str("a;b 3\na;c 1\n");
	assert_non_null(p);
	f = find_stack(p, "b", &v, &nr);
	assert_int_equal(f[0].kind, FRAME_USER);
	assert_string_equal(profile__type(p, 0)->unit, "count");
	assert_null(profile_read__event(p));
	profile__free(p);
}

static void test_unit_override_and_merge(void **state)
{
	struct profile_read_opts o = { .unit = "bytes" };
	const char *text = "x;y 10\r\nx;y\t5\n\n   \nx;z 1   \n";
	struct profile *p = read_text(text, strlen(text), &o);
	unsigned int nr;
	int64_t v;

	(void)state;
	assert_non_null(p);
	assert_string_equal(profile__type(p, 0)->unit, "bytes");
	assert_int_equal(profile__nr_stacks(p), 2);
	find_stack(p, "y", &v, &nr);
	assert_int_equal(v, 15);
	assert_int_equal(profile__total(p, 0), 16);
	profile__free(p);
}

static void test_comments_kept(void **state)
{
	struct profile *p = read_str("#note one\n# note two\na;b 1\n# later\n");

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile__nr_comments(p), 3);
	assert_string_equal(profile__comment(p, 0), "note one");
	assert_string_equal(profile__comment(p, 2), "later");
	profile__free(p);
}

/* Each bad input: NULL, and one line naming the file and line. */
static void expect_error(const char *text, size_t len, const char *where, const char *what)
{
	struct profile *p = read_text(text, len, NULL);

	if (p)
		fail_msg("accepted: %.*s", (int)len, text);
	if (!strstr(errbuf, where) || !strstr(errbuf, what))
		fail_msg("error '%s' lacks '%s' or '%s'", errbuf, where, what);
	assert_int_equal(strchr(errbuf, '\n') - errbuf, strlen(errbuf) - 1);
	assert_non_null(strstr(errbuf, "ember: error: "));
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a;b 1\na;b\n", 10, "in.folded:2:", "no count");
	expect_error("a;b 1\nb12\n", 10, "in.folded:2:", "no count");
	expect_error("a;b x1\n", 7, "in.folded:1:", "not a count");
	expect_error("a;b 1.5\n", 8, "in.folded:1:", "not a count");
	expect_error("a;b -3\n", 7, "in.folded:1:", "not a count");
	expect_error("a;b 99999999999999999999\n", 25, "in.folded:1:", "too large");
	expect_error("a;b 9223372036854775807\na;c 1\n", 30, "in.folded:2:", "too large");
	expect_error("a;;b 1\n", 7, "in.folded:1:", "empty frame");
	expect_error("a;b 1\n;b 1\n", 11, "in.folded:2:", "empty frame");
	expect_error("a\xc3;b 1\n", 8, "in.folded:1:", "invalid UTF-8 at byte 2");
	expect_error("a\xc0\xaf 1\n", 7, "in.folded:1:", "invalid UTF-8");     /* overlong */
	expect_error("a\xed\xa0\x80 1\n", 8, "in.folded:1:", "invalid UTF-8"); /* surrogate */
	expect_error("\x80 1\n", 4, "in.folded:1:", "invalid UTF-8");
	expect_error("a;b 1\nx\0y 2\n", 12, "in.folded:2:", "binary data");
	expect_error("", 0, "in.folded:", "no stacks");
	expect_error("# only a comment\n\n", 18, "in.folded:", "no stacks");
}

static void test_valid_utf8_accepted(void **state)
{
	struct profile *p = read_str("caf\xc3\xa9;\xe2\x82\xac;\xf0\x9f\x94\xa5 2\n");

	(void)state;
	assert_non_null(p);
	assert_int_equal(profile__total(p, 0), 2);
	profile__free(p);
}

static void test_missing_file(void **state)
{
	(void)state;
	assert_null(profile_read__file("/nonexistent/x.folded", NULL));
	assert_int_equal(errno, ENOENT);
}

/* Random bytes and random mutations of a good file: an answer, never a
 * crash (the sanitizer build checks the memory side). */
static void test_garbage(void **state)
{
	const char *good = "# ember: event cpu, values in samples\napp;main;f_[k] 12\napp;g 3\n";
	char buf[512];

	(void)state;
	srand(42);
	for (int round = 0; round < 3000; round++) {
		size_t len = strlen(good);
		struct profile *p;

		if (round % 2) {
			len = 1 + rand() % (sizeof(buf) - 1);
			for (size_t i = 0; i < len; i++)
				buf[i] = (char)rand();
		} else {
			memcpy(buf, good, len);
			for (int k = 0; k < 1 + rand() % 4; k++)
				buf[rand() % len] = (char)rand();
		}
		p = read_text(buf, len, NULL);
		if (p) {
			assert_true(profile__nr_types(p) == 1);
			profile__free(p);
		} else {
			assert_non_null(strstr(errbuf, "in.folded"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_unit_override_and_merge),
		cmocka_unit_test(test_comments_kept),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_valid_utf8_accepted),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
