// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* file_open: files a target controls are opened without ever blocking,
 * regular files only, and paths in another root resolve inside it. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/file_open.h"

static char dir[] = "/tmp/ember-fo-XXXXXX";

static char *at(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, rel);
	return buf[i];
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

/* A FIFO nobody writes to would block open(2) for ever: refused at once.
 * (SIGALRM ends the test run if it ever blocks.) */
static void test_never_blocks(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0644), 0);
	assert_int_equal(symlink(at("fifo"), at("to_fifo")), 0);
	alarm(10);
	assert_int_equal(file_open_regular(at("fifo")), -EINVAL);
	assert_int_equal(file_open_regular(at("to_fifo")), -EINVAL);
	alarm(0);
}

static void test_regular_only(void **state)
{
	char buf[8] = { 0 };
	int fd;

	(void)state;
	assert_int_equal(file_open_regular("/dev/null"), -EINVAL);
	assert_int_equal(file_open_regular(dir), -EINVAL);
	assert_int_equal(file_open_regular(at("missing")), -ENOENT);
	write_file(at("plain"), "hello");
	fd = file_open_regular(at("plain"));
	assert_true(fd >= 0);
	/* O_NONBLOCK was only for the open */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(read(fd, buf, 5), 5);
	assert_string_equal(buf, "hello");
	close(fd);
	assert_int_equal(file_check_regular(open("/dev/null", O_RDONLY)), -EINVAL);
	assert_int_equal(file_check_regular(-ENOENT), -ENOENT);
}

/* A target's absolute symlinks and ".." resolve inside its root, never
 * against ours. */
static void test_in_root(void **state)
{
	char buf[32] = { 0 };
	int root, fd;

	(void)state;
	assert_int_equal(mkdir(at("root"), 0755), 0);
	assert_int_equal(mkdir(at("root/lib"), 0755), 0);
	write_file(at("root/lib/real.so"), "inside");
	/* absolute: means root/lib/real.so to the target, a host path to us */
	assert_int_equal(symlink("/lib/real.so", at("root/lib/abs.so")), 0);
	/* tries to climb out to the host's /etc/hostname */
	assert_int_equal(symlink("../../../../../../etc/hostname", at("root/lib/up.so")), 0);
	assert_int_equal(mkfifo(at("root/lib/fifo.so"), 0644), 0);
	root = open(at("root"), O_PATH | O_DIRECTORY);
	assert_true(root >= 0);
	fd = file_open_in_root(root, "/lib/abs.so");
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "inside");
	close(fd);
	assert_int_equal(file_open_in_root(root, "/lib/up.so"), -ENOENT);
	alarm(10);
	assert_int_equal(file_open_in_root(root, "/lib/fifo.so"), -EINVAL);
	alarm(0);
	close(root);
}

/* The identity is what stat says, and the generation where ext4 & co.
 * tell it; a file made anew at the same path is another file. */
static void test_identity(void **state)
{
	struct file_identity a, b;
	struct stat st;
	int fd;

	(void)state;
	write_file(at("id"), "one");
	fd = file_open_regular(at("id"));
	assert_true(fd >= 0);
	assert_int_equal(file_identity__of_fd(fd, &a), 0);
	assert_int_equal(stat(at("id"), &st), 0);
	assert_int_equal(a.dev, st.st_dev);
	assert_int_equal(a.ino, st.st_ino);
	close(fd);
	write_file(at("id.new"), "two");
	assert_int_equal(rename(at("id.new"), at("id")), 0);
	fd = file_open_regular(at("id"));
	assert_true(fd >= 0);
	assert_int_equal(file_identity__of_fd(fd, &b), 0);
	close(fd);
	assert_true(a.ino != b.ino || (a.has_gen && a.gen != b.gen));
	assert_int_equal(file_identity__of_fd(-1, &b), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_blocks),
		cmocka_unit_test(test_regular_only),
		cmocka_unit_test(test_in_root),
		cmocka_unit_test(test_identity),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
