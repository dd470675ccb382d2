// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for the /proc/kallsyms parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "symbolize/ksyms.h"

static char *write_fixture(const char *text)
{
	char *path = strdup("/tmp/ember-ksyms-XXXXXX");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct ksyms *load_text(const char *text)
{
	char *path = write_fixture(text);
	struct ksyms *k = ksyms__load(path);

	unlink(path);
	free(path);
	return k;
}

static void expect_name(const struct ksyms *k, __u64 addr, const char *name, const char *module)
{
	const struct ksym *s = ksyms__find(k, addr);

	if (!name) {
		if (s)
			fail_msg("0x%llx: expected no symbol, got %s", (unsigned long long)addr, s->name);
		return;
	}
	if (!s)
		fail_msg("0x%llx: expected %s, got nothing", (unsigned long long)addr, name);
	assert_string_equal(s->name, name);
	if (module)
		assert_string_equal(s->module, module);
}

static void test_fixture(void **state)
{
	char *longname, *text;
	struct ksyms *k;
	int n;

	(void)state;
	longname = malloc(501);
	assert_non_null(longname);
	memset(longname, 'x', 500);
	longname[0] = 'L';
	longname[500] = '\0';
	/* Deliberately unsorted, with modules, data, markers and aliases. */
	n = asprintf(&text,
		     "ffffffffc0002000 t mod_b_func\t[mod_b]\n"
		     "ffffffffc0001000 t mod_a_func1\t[mod_a]\n"
		     "ffffffffc0001100 T mod_a_func2\t[mod_a]\n"
		     "ffffffffc0001200 d mod_a_data\t[mod_a]\n"
		     "ffffffff81000100 T second\n"
		     "ffffffff81000000 T _stext\n"
		     "ffffffff81000000 T _text\n"
		     "ffffffff81000000 T first\n"
		     "ffffffff81000000 t local_alias\n"
		     "ffffffff81000200 t %s\n"
		     "ffffffff81000300 W weakfn\n"
		     "ffffffff81000400 T __entry_text_end\n"
		     "ffffffff81000500 T last_text\n"
		     "ffffffff81000600 T _etext\n"
		     "ffffffff82000000 D some_data\n"
		     "ffffffff82000100 R some_rodata\n"
		     "ffffffff83000000 B some_bss\n"
		     "0000000000000000 A fixed_percpu_data\n"
		     "0000000000001000 A abs_sym\n"
		     "this is not a line\n"
		     "ffffffff81000700 T\n",
		     longname);
	assert_true(n > 0);
	k = load_text(text);
	assert_non_null(k);
	assert_true(ksyms__available(k));

	expect_name(k, 0xffffffff80ffffffULL, NULL, NULL);
	/* "first" beats _stext/_text (fewer underscores) and the local alias. */
	expect_name(k, 0xffffffff81000000ULL, "first", "[kernel.kallsyms]");
	expect_name(k, 0xffffffff810000ffULL, "first", NULL);
	expect_name(k, 0xffffffff81000100ULL, "second", NULL);
	expect_name(k, 0xffffffff81000200ULL, longname, NULL);
	expect_name(k, 0xffffffff810002ffULL, longname, NULL);
	expect_name(k, 0xffffffff81000300ULL, "weakfn", NULL);
	/* Marker at 0x400: not a function, ends weakfn. */
	expect_name(k, 0xffffffff81000400ULL, NULL, NULL);
	expect_name(k, 0xffffffff81000450ULL, NULL, NULL);
	expect_name(k, 0xffffffff81000500ULL, "last_text", NULL);
	/* Past _etext: no name even though last_text precedes it. */
	expect_name(k, 0xffffffff81000600ULL, NULL, NULL);
	expect_name(k, 0xffffffff81500000ULL, NULL, NULL);
	expect_name(k, 0xffffffff82000050ULL, NULL, NULL);

	expect_name(k, 0xffffffffc0001000ULL, "mod_a_func1", "[mod_a]");
	expect_name(k, 0xffffffffc0001150ULL, "mod_a_func2", "[mod_a]");
	expect_name(k, 0xffffffffc0001200ULL, NULL, NULL);
	expect_name(k, 0xffffffffc0002010ULL, "mod_b_func", "[mod_b]");
	/* Last symbol of everything: a guessed, bounded size. */
	expect_name(k, 0xffffffffc0102000ULL, NULL, NULL);

	/* first, second, long, weakfn, last_text, mod_a x2, mod_b. */
	assert_int_equal(ksyms__nr(k), 8);
	ksyms__free(k);
	free(text);
	free(longname);
}

static void test_module_gap(void **state)
{
	struct ksyms *k;

	(void)state;
	/* Next symbol belongs to another module far away: do not stretch. */
	k = load_text("ffffffffc0000000 t a_last\t[a]\n"
		      "ffffffffc0800000 t b_first\t[b]\n");
	assert_non_null(k);
	expect_name(k, 0xffffffffc0000010ULL, "a_last", "[a]");
	expect_name(k, 0xffffffffc0400000ULL, NULL, NULL);
	expect_name(k, 0xffffffffc0800000ULL, "b_first", "[b]");
	ksyms__free(k);
}

static void test_kptr_restrict(void **state)
{
	struct ksyms *k;

	(void)state;
	k = load_text("0000000000000000 T _stext\n"
		      "0000000000000000 T first\n"
		      "0000000000000000 t mod\t[m]\n");
	assert_non_null(k);
	assert_false(ksyms__available(k));
	assert_int_equal(ksyms__nr(k), 0);
	assert_null(ksyms__find(k, 0));
	assert_null(ksyms__find(k, 0xffffffff81000000ULL));
	ksyms__free(k);

	k = load_text("");
	assert_non_null(k);
	assert_false(ksyms__available(k));
	ksyms__free(k);
	assert_null(ksyms__load("/nonexistent/kallsyms"));
	ksyms__free(NULL);
}

static void test_real_kallsyms(void **state)
{
	struct ksyms *k;
	const struct ksym *s;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned long long addr = 0;
	char type, name[128];
	int checked = 0;

	(void)state;
	k = ksyms__load("/proc/kallsyms");
	if (!k || !ksyms__available(k)) {
		ksyms__free(k);
		skip();
	}
	f = fopen("/proc/kallsyms", "r");
	assert_non_null(f);
	/* Spot-check well-known global text symbols. */
	while (getline(&line, &cap, f) > 0 && checked < 3) {
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3 || type != 'T')
			continue;
		if (strcmp(name, "schedule") && strcmp(name, "do_sys_open") &&
		    strcmp(name, "vfs_read") && strcmp(name, "kmem_cache_alloc"))
			continue;
		s = ksyms__find(k, addr);
		assert_non_null(s);
		assert_int_equal(s->addr, addr);
		assert_string_equal(s->name, name);
		s = ksyms__find(k, addr + 1);
		assert_non_null(s);
		assert_string_equal(s->name, name);
		checked++;
	}
	free(line);
	fclose(f);
	assert_true(checked >= 2);
	ksyms__free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_module_gap),
		cmocka_unit_test(test_kptr_restrict),
		cmocka_unit_test(test_real_kallsyms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
