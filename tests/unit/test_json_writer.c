// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The JSON writer: nesting and commas, escaping, numbers, and output that
 * python's json module reads back. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/json_writer.h"

static char *write_doc(bool pretty, void (*fill)(struct json_writer *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer *w;

	assert_non_null(f);
	w = json_writer__new(f, pretty);
	assert_non_null(w);
	fill(w);
	assert_int_equal(json_writer__free(w), 0);
	fclose(f);
	return buf;
}

static void fill_nested(struct json_writer *w)
{
	json__object_begin(w);
	json__key(w, "a");
	json__uint(w, 18446744073709551615ULL);
	json__key(w, "b");
	json__array_begin(w);
	json__int(w, -3);
	json__double(w, 2.5);
	json__double(w, NAN);
	json__double(w, INFINITY);
	json__double(w, 1e20);
	json__bool(w, true);
	json__null(w);
	json__object_begin(w);
	json__object_end(w);
	json__array_begin(w);
	json__array_end(w);
	json__array_end(w);
	json__key(w, "s");
	json__string(w, "q\"b\\n\n\t\x01\x7f");
	json__key(w, "utf8");
	/* valid two- and three-byte sequences kept; a lone 0xff, a cut
	 * sequence and an overlong form replaced */
	json__string(w, "\xc3\xa9\xe2\x82\xac|\xff|\xe2\x82|\xc0\xaf");
	json__object_end(w);
}

static void test_compact(void **state)
{
	char *s = write_doc(false, fill_nested);

	(void)state;
	assert_string_equal(s, "{\"a\":18446744073709551615,\"b\":[-3,2.5,null,null,1e+20,true,"
			       "null,{},[]],\"s\":\"q\\\"b\\\\n\\n\\t\\u0001\\u007f\",\"utf8\":"
			       "\"\xc3\xa9\xe2\x82\xac|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\"}");
	free(s);
}

/* Pretty output must parse to the same value as compact output. */
static void test_pretty_parses(void **state)
{
	char *p = write_doc(true, fill_nested), *c = write_doc(false, fill_nested);
	char path_p[] = "/tmp/ember-jsonp-XXXXXX", path_c[] = "/tmp/ember-jsonc-XXXXXX";
	char cmd[256];
	int fp = mkstemp(path_p), fc = mkstemp(path_c);
	FILE *f;

	(void)state;
	assert_true(fp >= 0 && fc >= 0);
	assert_int_equal(write(fp, p, strlen(p)), (ssize_t)strlen(p));
	assert_int_equal(write(fc, c, strlen(c)), (ssize_t)strlen(c));
	close(fp);
	close(fc);
	assert_non_null(strchr(p, '\n'));
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); "
		 "b=json.load(open(sys.argv[2])); print(a==b and a[\"b\"][0]==-3)' %s %s",
		 path_p, path_c);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(cmd, sizeof(cmd), f));
	pclose(f);
	assert_string_equal(cmd, "True\n");
	unlink(path_p);
	unlink(path_c);
	free(p);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_pretty_parses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
