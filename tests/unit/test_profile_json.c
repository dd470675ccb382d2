// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer: a small profile built here, its whole document checked
 * (the integration tests parse real ones with Python's json module). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "profile/profile.h"
#include "format/profile_json.h"

static const struct value_type types[] = { { "alloc_space", "bytes", 0 },
					   { "alloc_objects", "count", 0 } };

static char *write_json(const struct profile *p, const struct profile_json_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(profile_json__write(p, o, f), 0);
	fclose(f);
	return buf;
}

static void test_document(void **state)
{
	struct profile *p = profile__new(types, 2);
	struct frame a[4] = {
		{ "app", NULL, NULL, 0, FRAME_PROCESS },
		{ "main", "/bin/app", "ab01", 0x10, FRAME_USER },
		{ "vfs_read", "[kernel.kallsyms]", NULL, 0xffffffff81000000ULL, FRAME_KERNEL },
		{ "[off-cpu]", NULL, NULL, 0, FRAME_MARKER },
	};
	int64_t v1[2] = { 4096, 2 }, v2[2] = { 10, 1 };
	struct profile_json_opts o = { .event = "alloc", .duration_nanos = 1500 };
	char *out;

	(void)state;
	assert_int_equal(profile__add(p, a, 4, v1), 0);
	assert_int_equal(profile__add(p, a, 2, v2), 0);
	assert_int_equal(profile__add_comment(p, "ember alloc: \"estimated\" values"), 0);
	assert_int_equal(profile__set_counter(p, "stacks_map_full", 0), 0);
	assert_int_equal(profile__set_counter(p, "truncated_stacks", 3), 0);
	out = write_json(p, &o);
	assert_string_equal(
	    out,
	    "{\"version\":1,\"event\":\"alloc\",\"duration_ns\":1500,"
	    "\"value_types\":[{\"type\":\"alloc_space\",\"unit\":\"bytes\"},"
	    "{\"type\":\"alloc_objects\",\"unit\":\"count\"}],"
	    "\"comments\":[\"ember alloc: \\\"estimated\\\" values\"],"
	    "\"totals\":[4106,3],"
	    "\"losses\":{\"stacks_map_full\":0,\"truncated_stacks\":3},"
	    "\"stacks\":["
	    "{\"frames\":[{\"name\":\"app\",\"kind\":\"process\"},"
	    "{\"name\":\"main\",\"kind\":\"user\",\"module\":\"/bin/app\",\"build_id\":\"ab01\"},"
	    "{\"name\":\"vfs_read\",\"kind\":\"kernel\",\"module\":\"[kernel.kallsyms]\"},"
	    "{\"name\":\"[off-cpu]\",\"kind\":\"marker\"}],\"values\":[4096,2]},"
	    "{\"frames\":[{\"name\":\"app\",\"kind\":\"process\"},"
	    "{\"name\":\"main\",\"kind\":\"user\",\"module\":\"/bin/app\",\"build_id\":\"ab01\"}],"
	    "\"values\":[10,1]}]}\n");
	free(out);
	profile__free(p);
}

/* Nothing optional: no event, no duration, no stacks; names that JSON must
 * escape or that are not UTF-8. */
static void test_minimal_and_escaping(void **state)
{
	struct profile *p = profile__new(types, 1);
	struct frame f[2] = { { "a\"b\\c\n", NULL, NULL, 0, FRAME_PROCESS },
			      { "x\xffy", NULL, NULL, 0, FRAME_INTERP } };
	int64_t v = 1;
	char *out;

	(void)state;
	out = write_json(p, NULL);
	assert_string_equal(out, "{\"version\":1,\"value_types\":[{\"type\":\"alloc_space\","
				 "\"unit\":\"bytes\"}],\"comments\":[],\"totals\":[0],"
				 "\"losses\":{},\"stacks\":[]}\n");
	free(out);
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	out = write_json(p, NULL);
	assert_non_null(strstr(out, "{\"name\":\"a\\\"b\\\\c\\n\",\"kind\":\"process\"}"));
	assert_non_null(strstr(out, "{\"name\":\"x\\ufffdy\",\"kind\":\"interp\"}"));
	free(out);
	profile__free(p);
}

/* A write error is reported. */
static void test_write_error(void **state)
{
	struct profile *p = profile__new(types, 1);
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(profile_json__write(p, NULL, f), -5);
	fclose(f);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_document),
		cmocka_unit_test(test_minimal_and_escaping),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests_name("profile_json", tests, NULL, NULL);
}
