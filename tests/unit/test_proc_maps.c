// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for the /proc/PID/maps parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sys/proc_maps.h"

static struct proc_maps *parse_text(const char *text, size_t len)
{
	struct proc_maps *m;
	FILE *f;

	f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	m = proc_maps__parse(f);
	fclose(f);
	return m;
}

static void test_basic_lines(void **state)
{
	static const char text[] =
		"55d4c8a00000-55d4c8a02000 r--p 00000000 08:01 1234                       /usr/bin/cat\n"
		"55d4c8a02000-55d4c8a07000 r-xp 00002000 08:01 1234                       /usr/bin/cat\n"
		"7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
		"7f0000100000-7f0000101000 rw-p 00000000 00:00 0\n"
		"7ffd1c1f0000-7ffd1c211000 rw-p 00000000 00:00 0                          [stack]\n"
		"7ffd1c3f4000-7ffd1c3f6000 r-xp 00000000 00:00 0                          [vdso]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
		"7f1000000000-7f1000001000 r-xp 0001a000 fd:02 987654321                  /opt/my app/lib x.so (deleted)\n"
		"7f2000000000-7f2000001000 r-xp 00000000 103:0a 42  /tmp/trailing space \n";
	const struct proc_map *e;
	struct proc_maps *m;

	(void)state;
	m = parse_text(text, sizeof(text) - 1);
	assert_non_null(m);
	assert_int_equal(proc_maps__nr(m), 9);
	assert_int_equal(proc_maps__malformed(m), 0);

	e = proc_maps__entry(m, 1);
	assert_int_equal(e->start, 0x55d4c8a02000ULL);
	assert_int_equal(e->end, 0x55d4c8a07000ULL);
	assert_string_equal(e->perms, "r-xp");
	assert_int_equal(e->offset, 0x2000);
	assert_int_equal(e->dev_major, 8);
	assert_int_equal(e->dev_minor, 1);
	assert_int_equal(e->inode, 1234);
	assert_string_equal(e->path, "/usr/bin/cat");
	assert_false(e->deleted);

	assert_string_equal(proc_maps__entry(m, 2)->path, "");
	assert_string_equal(proc_maps__entry(m, 3)->path, "");
	assert_string_equal(proc_maps__entry(m, 4)->path, "[stack]");
	assert_true(proc_maps__is_pseudo(proc_maps__entry(m, 4)->path));
	assert_string_equal(proc_maps__entry(m, 5)->path, "[vdso]");
	e = proc_maps__entry(m, 6);
	assert_int_equal(e->start, 0xffffffffff600000ULL);
	assert_string_equal(e->perms, "--xp");
	assert_string_equal(e->path, "[vsyscall]");

	e = proc_maps__entry(m, 7);
	assert_string_equal(e->path, "/opt/my app/lib x.so");
	assert_true(e->deleted);
	assert_false(proc_maps__is_pseudo(e->path));
	assert_int_equal(e->offset, 0x1a000);
	assert_int_equal(e->dev_major, 0xfd);
	assert_int_equal(e->dev_minor, 2);
	assert_int_equal(e->inode, 987654321ULL);

	e = proc_maps__entry(m, 8);
	assert_int_equal(e->dev_major, 0x103);
	assert_int_equal(e->dev_minor, 0xa);
	/* A trailing space is part of the file name. */
	assert_string_equal(e->path, "/tmp/trailing space ");
	assert_null(proc_maps__entry(m, 9));
	proc_maps__free(m);
}

static void test_long_path(void **state)
{
	size_t plen = 10000, i;
	char *text, *path;
	struct proc_maps *m;
	const struct proc_map *e;
	int n;

	(void)state;
	path = malloc(plen + 1);
	assert_non_null(path);
	for (i = 0; i < plen; i++)
		path[i] = i % 50 == 0 ? '/' : (char)('a' + i % 26);
	path[plen] = '\0';
	n = asprintf(&text,
		     "1000-2000 r-xp 00000000 08:01 1 %s\n"
		     "3000-4000 r-xp 00001000 08:01 2 %s (deleted)\n"
		     "5000-6000 r-xp 00000000 08:01 3 /short\n",
		     path, path);
	assert_true(n > 0);
	m = parse_text(text, (size_t)n);
	assert_non_null(m);
	assert_int_equal(proc_maps__nr(m), 3);
	e = proc_maps__entry(m, 0);
	assert_int_equal(strlen(e->path), plen);
	assert_string_equal(e->path, path);
	e = proc_maps__entry(m, 1);
	assert_string_equal(e->path, path);
	assert_true(e->deleted);
	assert_int_equal(e->offset, 0x1000);
	assert_string_equal(proc_maps__entry(m, 2)->path, "/short");
	proc_maps__free(m);
	free(text);
	free(path);
}

static void test_malformed(void **state)
{
	static const char text[] =
		"garbage\n"
		"\n"
		"1000-2000 r-xp 00000000 08:01 1 /ok1\n"
		"1000 r-xp 00000000 08:01 1 /nodash\n"
		"2000-1000 r-xp 00000000 08:01 1 /reversed\n"
		"1000-2000 rxp 00000000 08:01 1 /shortperms\n"
		"1000-2000 r-xq 00000000 08:01 1 /badperm\n"
		"1000-2000 r-xp zz 08:01 1 /badoff\n"
		"1000-2000 r-xp 00000000 0801 1 /baddev\n"
		"1000-2000 r-xp 00000000 08:01 x /badinode\n"
		"1000-2000 r-xp 00000000 08:01 12x /inodejunk\n"
		"11111111111111111111-2000 r-xp 00000000 08:01 1 /overflow\n"
		"-1000-2000 r-xp 00000000 08:01 1 /sign\n"
		"1000-2000 r-xp 00000000 08:01\n"
		"3000-4000 r-xp 00000000 08:01 1 /ok2";
	struct proc_maps *m;

	(void)state;
	m = parse_text(text, sizeof(text) - 1);
	assert_non_null(m);
	assert_int_equal(proc_maps__nr(m), 2);
	assert_int_equal(proc_maps__malformed(m), 13);
	assert_string_equal(proc_maps__entry(m, 0)->path, "/ok1");
	/* Last line without a newline still counts. */
	assert_string_equal(proc_maps__entry(m, 1)->path, "/ok2");
	assert_int_equal(proc_maps__entry(m, 1)->start, 0x3000);
	proc_maps__free(m);
}

static void test_embedded_nul_and_binary(void **state)
{
	static const char text[] = "1000-2000 r-xp 00000000 08:01 1 /a\0b\n\xff\xfe\x01\n"
				   "4000-5000 r-xp 00000000 08:01 1 /c\n";
	struct proc_maps *m;

	(void)state;
	m = parse_text(text, sizeof(text) - 1);
	assert_non_null(m);
	assert_int_equal(proc_maps__nr(m), 2);
	assert_string_equal(proc_maps__entry(m, 0)->path, "/a");
	assert_string_equal(proc_maps__entry(m, 1)->path, "/c");
	assert_int_equal(proc_maps__malformed(m), 1);
	proc_maps__free(m);
}

static void test_self(void **state)
{
	struct proc_maps *m;
	size_t i, exec = 0;
	bool found_self = false;
	char *self;

	(void)state;
	self = realpath("/proc/self/exe", NULL);
	assert_non_null(self);
	m = proc_maps__read("/proc/self/maps");
	assert_non_null(m);
	assert_true(proc_maps__nr(m) > 5);
	assert_int_equal(proc_maps__malformed(m), 0);
	for (i = 0; i < proc_maps__nr(m); i++) {
		const struct proc_map *e = proc_maps__entry(m, i);

		assert_true(e->start < e->end);
		if (e->perms[2] == 'x')
			exec++;
		if (e->perms[2] == 'x' && !strcmp(e->path, self)) {
			uintptr_t fn = (uintptr_t)&test_self;

			found_self = found_self || (fn >= e->start && fn < e->end);
		}
	}
	assert_true(exec >= 2);
	assert_true(found_self);
	proc_maps__free(m);
	free(self);
	assert_null(proc_maps__read("/nonexistent/maps"));
	proc_maps__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_lines),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_embedded_nul_and_binary),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
