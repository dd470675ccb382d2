// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * output_file on every kind of thing a path can name: new and existing
 * regular files (mode and owner kept), symlinks (the link stays, its
 * target is written), hard links (same inode, every name sees the
 * content), FIFOs and character devices (written to, never replaced),
 * directories (an error), and the sweep of temporaries left by killed runs.
 * Each test works in its own mkdtemp directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/output_file.h"

#define CONTENT "main;work 42\n"
#define OTHER_UID 65534

struct tdir {
	char path[64];
};

static int setup(void **state)
{
	struct tdir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/ember-outfile-XXXXXX");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	/* a umask that would show if a new file took 0666 & ~umask */
	umask(022);
	/* every test ends by itself; one that hangs (a FIFO nobody opens)
	 * ends the run instead of blocking it */
	alarm(20);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct tdir *d = *state;
	char cmd[128];

	alarm(0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", d->path);
	free(d);
	return 0;
}

static char *at(struct tdir *d, const char *name)
{
	static char buf[4][256];
	static int n;
	char *p = buf[n++ % 4];

	if (snprintf(p, sizeof(buf[0]), "%s/%s", d->path, name) >= (int)sizeof(buf[0]))
		fail_msg("name too long: %s", name);
	return p;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void assert_content(const char *path, const char *want)
{
	char buf[256] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

/* open, write CONTENT, commit */
static void put(const char *path)
{
	struct output_file *f = output_file__open(path);

	assert_non_null(f);
	fputs(CONTENT, output_file__stream(f));
	assert_int_equal(output_file__commit(f), 0);
	output_file__free(f);
}

static void test_new_file(void **state)
{
	struct tdir *d = *state;
	struct stat st;

	put(at(d, "new.folded"));
	assert_int_equal(lstat(at(d, "new.folded"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* a profile names the machine's processes: private until chmod'ed */
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_content(at(d, "new.folded"), CONTENT);
	assert_int_equal(count_entries(d->path), 1);
}

static void test_replace_keeps_mode_and_owner(void **state)
{
	struct tdir *d = *state;
	const char *p = at(d, "old.folded");
	struct stat st;
	bool root = geteuid() == 0;

	write_file(p, "old 1\n", 0640);
	if (root)
		assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
	put(p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	if (root) {
		assert_int_equal(st.st_uid, OTHER_UID);
		assert_int_equal(st.st_gid, OTHER_UID);
	}
	assert_content(p, CONTENT);
	assert_int_equal(count_entries(d->path), 1);
}

static void test_symlink(void **state)
{
	struct tdir *d = *state;
	char target[256], link2[256];
	struct stat st;

	assert_int_equal(mkdir(at(d, "sub"), 0700), 0);
	snprintf(target, sizeof(target), "%s", at(d, "sub/real.svg"));
	write_file(target, "old\n", 0644);
	/* a relative link to it, and an absolute link to that link */
	assert_int_equal(symlink("sub/real.svg", at(d, "link.svg")), 0);
	snprintf(link2, sizeof(link2), "%s", at(d, "link.svg"));
	assert_int_equal(symlink(link2, at(d, "link2.svg")), 0);

	put(at(d, "link2.svg"));
	assert_int_equal(lstat(at(d, "link2.svg"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(at(d, "link.svg"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(target, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_content(target, CONTENT);
	/* no temporary left beside the link or the target */
	assert_int_equal(count_entries(d->path), 3);
	assert_int_equal(count_entries(at(d, "sub")), 1);
}

static void test_dangling_symlink(void **state)
{
	struct tdir *d = *state;
	struct stat st;

	/* decided: an error. Creating the target would write wherever a
	 * link planted in a shared directory points. */
	assert_int_equal(symlink("nowhere.folded", at(d, "dangling.folded")), 0);
	assert_null(output_file__open(at(d, "dangling.folded")));
	assert_int_equal(lstat(at(d, "dangling.folded"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(at(d, "nowhere.folded"), &st), -1);
	assert_int_equal(count_entries(d->path), 1);
}

static void test_hard_link(void **state)
{
	struct tdir *d = *state;
	struct stat a, b, before;

	write_file(at(d, "a.folded"), "a much longer old content than the new one 1\n", 0640);
	assert_int_equal(link(at(d, "a.folded"), at(d, "b.folded")), 0);
	assert_int_equal(stat(at(d, "a.folded"), &before), 0);

	put(at(d, "a.folded"));
	assert_int_equal(stat(at(d, "a.folded"), &a), 0);
	assert_int_equal(stat(at(d, "b.folded"), &b), 0);
	assert_int_equal(a.st_ino, before.st_ino);
	assert_int_equal(b.st_ino, before.st_ino);
	assert_int_equal(a.st_nlink, 2);
	assert_int_equal(a.st_mode & 07777, 0640);
	assert_content(at(d, "a.folded"), CONTENT);
	assert_content(at(d, "b.folded"), CONTENT);
	assert_int_equal(count_entries(d->path), 2);
}

struct reader {
	const char *path;
	char buf[256];
	ssize_t len;
};

static void *read_fifo(void *arg)
{
	struct reader *r = arg;
	ssize_t n;
	int fd;

	usleep(100 * 1000); /* the writer gets there first and waits */
	fd = open(r->path, O_RDONLY);
	if (fd < 0)
		return NULL;
	while ((n = read(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len)) > 0)
		r->len += n;
	close(fd);
	return NULL;
}

static void test_fifo(void **state)
{
	struct tdir *d = *state;
	struct reader r = { .path = at(d, "fifo") };
	struct stat st;
	pthread_t t;

	assert_int_equal(mkfifo(r.path, 0600), 0);
	assert_int_equal(pthread_create(&t, NULL, read_fifo, &r), 0);
	put(r.path);
	/* checked before the join: with the FIFO replaced the reader would
	 * wait forever */
	assert_int_equal(lstat(r.path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.len, (ssize_t)strlen(CONTENT));
	r.buf[r.len] = '\0';
	assert_string_equal(r.buf, CONTENT);
	assert_int_equal(count_entries(d->path), 1);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_fifo_interrupted(void **state)
{
	struct tdir *d = *state;
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value = { .tv_usec = 200 * 1000 } };
	struct stat st;

	/* no reader ever comes: a signal (no SA_RESTART, as record's
	 * handlers) ends the wait with an error instead of a hang */
	assert_int_equal(mkfifo(at(d, "lonely"), 0600), 0);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_null(output_file__open(at(d, "lonely")));
	sigaction(SIGALRM, &old, NULL);
	alarm(20);
	assert_int_equal(lstat(at(d, "lonely"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(count_entries(d->path), 1);
}

static void test_char_device(void **state)
{
	struct tdir *d = *state;
	const char *p = at(d, "null");
	struct stat st;
	int fd;

	/* a copy of /dev/null: the real one is never at risk here */
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)))
		skip();
	assert_int_equal(chmod(p, 0666), 0); /* not what the umask left */
	fd = open(p, O_WRONLY);
	if (fd < 0)
		skip(); /* a nodev mount */
	close(fd);
	put(p);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(st.st_mode & 07777, 0666);
	assert_int_equal(count_entries(d->path), 1);
}

static void test_magic_link_to_pipe(void **state)
{
	struct tdir *d = *state;
	char target[64], buf[64] = "";
	struct stat st;
	int pfd[2];

	/* what -o /dev/stdout is when stdout is a pipe: a link to
	 * /proc/self/fd/N, which no path resolution leads to */
	assert_int_equal(pipe(pfd), 0);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", pfd[1]);
	assert_int_equal(symlink(target, at(d, "stdout")), 0);
	put(at(d, "stdout"));
	assert_int_equal(read(pfd[0], buf, sizeof(buf) - 1), (ssize_t)strlen(CONTENT));
	assert_string_equal(buf, CONTENT);
	assert_int_equal(lstat(at(d, "stdout"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(d->path), 1);
	close(pfd[0]);
	close(pfd[1]);
}

static void test_magic_link_to_deleted_file(void **state)
{
	struct tdir *d = *state;
	char target[64], buf[64] = "";
	struct stat st;
	int fd;

	/* -o /dev/stdout with stdout a file since deleted: no name leads to
	 * it, so it is written in place through the link */
	write_file(at(d, "gone"), "old content, longer than the new\n", 0600);
	fd = open(at(d, "gone"), O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(unlink(at(d, "gone")), 0);
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	assert_int_equal(symlink(target, at(d, "stdout")), 0);
	put(at(d, "stdout"));
	assert_int_equal(pread(fd, buf, sizeof(buf) - 1, 0), (ssize_t)strlen(CONTENT));
	assert_string_equal(buf, CONTENT);
	assert_int_equal(lstat(at(d, "stdout"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(d->path), 1);
	close(fd);
}

static void test_socket(void **state)
{
	struct tdir *d = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[64] = "";
	struct stat st;
	int srv, conn;

	/* a listening Unix socket: connected to and written, not replaced */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at(d, "sock"));
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(srv >= 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(srv, 1), 0);
	put(sa.sun_path); /* the backlog takes the connection */
	conn = accept(srv, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(recv(conn, buf, sizeof(buf) - 1, MSG_WAITALL), (ssize_t)strlen(CONTENT));
	assert_string_equal(buf, CONTENT);
	assert_int_equal(lstat(sa.sun_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(count_entries(d->path), 1);
	close(conn);
	close(srv);
}

static void test_directory(void **state)
{
	struct tdir *d = *state;

	assert_null(output_file__open(d->path));
	assert_int_equal(mkdir(at(d, "dir.folded"), 0700), 0);
	assert_int_equal(symlink("dir.folded", at(d, "dirlink.folded")), 0);
	assert_null(output_file__open(at(d, "dir.folded")));
	assert_null(output_file__open(at(d, "dirlink.folded")));
	assert_null(output_file__open(at(d, "no-such-dir/x.folded")));
	assert_int_equal(count_entries(d->path), 2);
	assert_int_equal(count_entries(at(d, "dir.folded")), 0);
}

static void test_uncommitted(void **state)
{
	struct tdir *d = *state;
	struct output_file *f;

	/* new: nothing at all */
	f = output_file__open(at(d, "new.folded"));
	assert_non_null(f);
	fputs("partial", output_file__stream(f));
	output_file__free(f);
	assert_int_equal(count_entries(d->path), 0);

	/* existing, and hard-linked: untouched */
	write_file(at(d, "old.folded"), "old 1\n", 0644);
	assert_int_equal(link(at(d, "old.folded"), at(d, "old2.folded")), 0);
	for (int i = 0; i < 2; i++) {
		f = output_file__open(at(d, "old.folded"));
		assert_non_null(f);
		fputs("partial", output_file__stream(f));
		fflush(output_file__stream(f));
		output_file__free(f);
		assert_content(at(d, "old.folded"), "old 1\n");
		assert_int_equal(count_entries(d->path), 2 - i);
		unlink(at(d, "old2.folded")); /* second round: a single name */
	}
	output_file__free(NULL);
}

static pid_t dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void touch(const char *path)
{
	write_file(path, "stale", 0600);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void test_stale_temps(void **state)
{
	struct tdir *d = *state;
	pid_t dead = dead_pid();
	char n[16][128];
	struct output_file *f;
	DIR *dir;
	struct dirent *de;
	char mine[64];
	int i = 0, nr_mine = 0;
	bool root = geteuid() == 0;

	/* removed: x.folded's temporaries of a PID that no longer runs */
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%d.AbC123", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%d.zzzzzz", (int)dead);
	/* kept: a live PID (1 always runs; and ours) */
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-1.AbC123");
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%d.q1w2e3", (int)getpid());
	/* kept: another output's, and names that do not match exactly */
	snprintf(n[i++], sizeof(n[0]), ".y.folded.ember-%d.AbC123", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%d.AbC12", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%d.AbC1234", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%d.AbC12-", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-%dx.AbC123", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.ember-.AbC123");
	snprintf(n[i++], sizeof(n[0]), "x.folded.ember-%d.AbC123", (int)dead);
	snprintf(n[i++], sizeof(n[0]), ".x.folded.AbC123");
	for (int j = 0; j < i; j++)
		touch(at(d, n[j]));
	/* kept: a symlink and a directory of the pattern, never followed */
	snprintf(n[i], sizeof(n[0]), ".x.folded.ember-%d.link00", (int)dead);
	assert_int_equal(symlink(n[0], at(d, n[i++])), 0);
	snprintf(n[i], sizeof(n[0]), ".x.folded.ember-%d.dir000", (int)dead);
	assert_int_equal(mkdir(at(d, n[i++]), 0700), 0);
	/* kept: another user's (only as root can we make one) */
	snprintf(n[i], sizeof(n[0]), ".x.folded.ember-%d.other0", (int)dead);
	touch(at(d, n[i]));
	if (root)
		assert_int_equal(chown(at(d, n[i]), OTHER_UID, OTHER_UID), 0);
	i++;

	f = output_file__open(at(d, "x.folded"));
	assert_non_null(f);
	assert_false(exists(at(d, n[0])));
	assert_false(exists(at(d, n[1])));
	for (int j = 2; j < i - 1; j++) {
		if (!exists(at(d, n[j])))
			fail_msg("%s was removed", n[j]);
	}
	assert_int_equal(exists(at(d, n[i - 1])), root);
	/* our own temporary is named so that a later run finds it */
	snprintf(mine, sizeof(mine), ".x.folded.ember-%d.", (int)getpid());
	dir = opendir(d->path);
	assert_non_null(dir);
	while ((de = readdir(dir)))
		nr_mine += strncmp(de->d_name, mine, strlen(mine)) == 0;
	closedir(dir);
	assert_int_equal(nr_mine, 2); /* the planted q1w2e3 and ours */
	output_file__free(f);
	assert_int_equal(count_entries(d->path), i - 2 - !root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_keeps_mode_and_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dangling_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_char_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_link_to_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_magic_link_to_deleted_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uncommitted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_temps, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
