// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Small parsers behind the command line: CPU lists, PID lists, and the
 * all-or-nothing output file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "sys/cpus.h"
#include "lib/output_file.h"
#include "collect/targets.h"
#include "sys/procfs.h"

static void test_cpulist(void **state)
{
	bool m[8];

	(void)state;
	assert_int_equal(cpulist__parse("0,2-4,7", m, 8), 0);
	assert_true(m[0] && !m[1] && m[2] && m[3] && m[4] && !m[5] && !m[6] && m[7]);
	assert_int_equal(cpulist__parse("3\n", m, 8), 0); /* sysfs lines end in \n */
	assert_true(m[3] && !m[0]);
	assert_int_equal(cpulist__parse("8", m, 8), -22);
	assert_int_equal(cpulist__parse("4-2", m, 8), -22);
	assert_int_equal(cpulist__parse("", m, 8), -22);
	assert_int_equal(cpulist__parse("1,", m, 8), -22);
	assert_int_equal(cpulist__parse("a", m, 8), -22);
	assert_int_equal(cpulist__parse("-1", m, 8), -22);
	assert_int_equal(cpulist__parse("1;2", m, 8), -22);
}

static void test_online_cpus_from_fixture(void **state)
{
	char path[] = "/tmp/ember-online-XXXXXX";
	int fd = mkstemp(path);
	bool m[4];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0-1,3\n", 6), 6);
	close(fd);
	assert_int_equal(cpulist__online(path, m, 4), 0);
	assert_true(m[0] && m[1] && !m[2] && m[3]);
	unlink(path);
	assert_true(cpulist__online("/nonexistent/online", m, 4) < 0);
}

static void test_pid_list(void **state)
{
	__u32 *pids;

	(void)state;
	assert_int_equal(targets__parse_pids("1", &pids), 1);
	assert_int_equal(pids[0], 1);
	free(pids);
	assert_int_equal(targets__parse_pids("12,345,6789", &pids), 3);
	assert_int_equal(pids[1], 345);
	assert_int_equal(pids[2], 6789);
	free(pids);
	assert_int_equal(targets__parse_pids("0", &pids), -22);
	assert_int_equal(targets__parse_pids("12,", &pids), -22);
	assert_int_equal(targets__parse_pids(",12", &pids), -22);
	assert_int_equal(targets__parse_pids("12x", &pids), -22);
	assert_int_equal(targets__parse_pids("-3", &pids), -22);
	assert_int_equal(targets__parse_pids("99999999999999999999", &pids), -22);
	assert_null(pids);
}

static void test_tgid_and_alive(void **state)
{
	__u32 tgid = 0;

	(void)state;
	assert_int_equal(targets__tgid_of(getpid(), &tgid), 0);
	assert_int_equal(tgid, getpid());
	assert_true(procfs__alive(getpid(), getpid()));
	/* PIDs above pid_max never exist */
	assert_int_equal(targets__tgid_of(0x3ffffff0, &tgid), -3);
	assert_false(procfs__alive(0x3ffffff0, 0x3ffffff0));
}

static int count_entries(const char *dir)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	p = popen(cmd, "r");
	if (!p || fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void test_output_file_all_or_nothing(void **state)
{
	char dir[] = "/tmp/ember-out-XXXXXX", path[128];
	struct output_file *f;
	struct stat st;
	char buf[16] = "";
	FILE *r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.folded", dir);

	/* abandoned: nothing left behind, not even the temporary */
	f = output_file__open(path);
	assert_non_null(f);
	fputs("partial", output_file__stream(f));
	output_file__free(f);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(count_entries(dir), 0);

	/* committed: the whole content under the name */
	f = output_file__open(path);
	assert_non_null(f);
	fputs("a;b 1\n", output_file__stream(f));
	assert_int_equal(output_file__commit(f), 0);
	output_file__free(f);
	r = fopen(path, "r");
	assert_non_null(r);
	assert_non_null(fgets(buf, sizeof(buf), r));
	fclose(r);
	assert_string_equal(buf, "a;b 1\n");
	assert_int_equal(count_entries(dir), 1);

	/* unwritable places fail up front */
	assert_null(output_file__open("/nonexistent-dir/x.folded"));
	assert_null(output_file__open(dir));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_online_cpus_from_fixture),
		cmocka_unit_test(test_pid_list),
		cmocka_unit_test(test_tgid_and_alive),
		cmocka_unit_test(test_output_file_all_or_nothing),
	};

	return cmocka_run_group_tests_name("cli_parsers", tests, NULL, NULL);
}
