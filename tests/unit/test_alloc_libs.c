// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for alloc_libs: files compared by inode with what ldd and
 * /proc/PID/maps say, on programs and libraries compiled at run time,
 * processes started here (own allocator, LD_PRELOAD, a deleted mapping, a
 * chroot, a mount namespace) and fake loaders that print chosen lines.
 */
#include "elf_fixtures.h"
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include "collect/alloc_libs.h"

extern char **environ;

static char *dir;	 /* fixture directory */
static bool have_static; /* gcc -static works (libc.a installed) */

/* An allocator library: malloc and free of its own. */
static const char alloc_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 20];\n"
    "static size_t used;\n"
    "void *volatile sink;\n"
    "void *malloc(size_t n) { void *p = heap + used; used += (n + 15) & ~(size_t)15; "
    "return p; }\n"
    "void free(void *p) { sink = p; }\n";

/* A program: with -DOWN it has its own malloc; "pause" waits for a
 * signal (the maps tests). */
static const char prog_src[] =
    "#include <stddef.h>\n"
    "#include <string.h>\n"
    "#include <unistd.h>\n"
    "#ifdef OWN\n"
    "static char heap[1 << 20];\n"
    "static size_t used;\n"
    "void *malloc(size_t n) { void *p = heap + used; used += (n + 15) & ~(size_t)15; "
    "return p; }\n"
    "void free(void *p) { (void)p; }\n"
    "#endif\n"
    "int main(int argc, char **argv)\n"
    "{ if (argc > 1 && !strcmp(argv[1], \"pause\")) pause(); return 0; }\n";

static const char static_src[] =
    "#include <stdlib.h>\n"
    "int main(int argc, char **argv) { (void)argv; free(malloc((size_t)argc)); return 0; }\n";

static void write_file(const char *name, const char *text, mode_t mode)
{
	char *p = fpath(dir, "%s", name);

	write_text(p, text);
	assert_int_equal(chmod(p, mode), 0);
	free(p);
}

static int group_setup(void **state)
{
	char *cmd, *fake;

	(void)state;
	dir = fixture_dir_new("/tmp/ember-alloc-libs-XXXXXX");
	write_file("alloc.c", alloc_src, 0644);
	write_file("prog.c", prog_src, 0644);
	write_file("static.c", static_src, 0644);
	run("cd %s && gcc -O1 -fno-builtin -shared -fPIC -o alloc.so alloc.c", dir);
	run("cd %s && mkdir 'with space' && cp alloc.so 'with space/alloc2.so'", dir);
	run("cd %s && gcc -O1 -o prog prog.c && gcc -O1 -DOWN -o own prog.c", dir);
	run("cd %s && gcc -O1 -Wl,--dynamic-linker=/nonexistent/ld.so -o badinterp prog.c", dir);
	run("cd %s && gcc -O1 -Wl,--dynamic-linker=%s/fakeld -o fakeinterp prog.c", dir, dir);
	run("cd %s && gcc -O1 -Wl,--dynamic-linker=%s/slowld -o slowinterp prog.c", dir, dir);
	assert_true(
	    asprintf(&cmd, "cd %s && gcc -O1 -static -o static_exe static.c 2>/dev/null", dir) > 0);
	have_static = !system(cmd);
	free(cmd);
	/* Fake loaders: what ld.so --list would print, and one that hangs. */
	assert_true(
	    asprintf(&fake,
		     "#!/bin/sh\n"
		     "printf '\\tlinux-vdso.so.1 (0x00007ffd00000000)\\n'\n"
		     "printf '\\tlibmissing.so.1 => not found\\n'\n"
		     "printf '\\tlibc.so.6 => %s/prog (0x00007f0000000000)\\n'\n"
		     "printf '\\tliballoc2.so => %s/with space/alloc2.so (0x00007f0000100000)\\n'\n"
		     "printf '\\tlibplain.so => /bin/sh (0x00007f0000200000)\\n'\n"
		     "printf '\\t%s/fakeld (0x00007f0000300000)\\n'\n",
		     dir, dir, dir) > 0);
	write_file("fakeld", fake, 0755);
	free(fake);
	write_file("slowld", "#!/bin/sh\nexec sleep 30\n", 0755);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_dir_free(dir);
	return 0;
}

/* ---- helpers ---- */

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Index of the entry of l that is the file path, -1 if none. */
static int lib_index(const struct alloc_libs *l, const char *path)
{
	unsigned int i;

	for (i = 0; i < alloc_libs__count(l); i++) {
		if (same_file(alloc_libs__path(l, i), path))
			return (int)i;
	}
	return -1;
}

static bool has_lib(const struct alloc_libs *l, const char *path)
{
	return lib_index(l, path) >= 0;
}

static char *fixture(const char *name)
{
	return fpath(dir, "%s", name);
}

/* The libc `ldd binary` names, malloc'd. */
static char *ldd_libc(const char *binary)
{
	char *cmd, *line = NULL, *found = NULL;
	size_t cap = 0;
	FILE *f;

	assert_true(asprintf(&cmd, "ldd %s", binary) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char name[256], path[512];

		if (sscanf(line, " %255s => %511s", name, path) == 2 &&
		    !strcmp(name, "libc.so.6") && !found) {
			found = strdup(path);
			assert_non_null(found);
		}
	}
	pclose(f);
	free(line);
	free(cmd);
	assert_non_null(found);
	return found;
}

/* The first path in /proc/PID/maps whose basename is base, malloc'd. */
static char *maps_path(pid_t pid, const char *base)
{
	char *file, *line = NULL, *found = NULL;
	size_t cap = 0;
	FILE *f;

	assert_true(asprintf(&file, "/proc/%d/maps", (int)pid) > 0);
	f = fopen(file, "r");
	assert_non_null(f);
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = strchr(line, '/'), *slash;

		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		slash = strrchr(p, '/');
		if (!strncmp(slash + 1, base, strlen(base))) {
			found = strdup(p);
			assert_non_null(found);
		}
	}
	fclose(f);
	free(line);
	free(file);
	return found;
}

/* Waits until process pid maps a file named base (its loader has run). */
static void wait_mapped(pid_t pid, const char *base)
{
	int i;

	for (i = 0; i < 500; i++) {
		char *p = maps_path(pid, base);

		free(p);
		if (p)
			return;
		usleep(10000);
	}
	fail_msg("process %d never mapped %s", (int)pid, base);
}

/* Starts path with args and environment env (NULL: ours). */
static pid_t spawn(const char *path, const char *arg, char **env)
{
	char *argv[] = { (char *)path, (char *)arg, NULL };
	pid_t pid;

	assert_int_equal(posix_spawn(&pid, path, NULL, NULL, argv, env ? env : environ), 0);
	return pid;
}

static void stop(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* ---- the list ---- */

static void test_add_dedup(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	char *a = fixture("alloc.so"), *sym = fixture("alloc_link.so"), *hard = fixture("hard.so");
	char *b = fixture("own");

	(void)state;
	assert_non_null(l);
	assert_int_equal(alloc_libs__count(l), 0);
	assert_null(alloc_libs__path(l, 0));
	assert_int_equal(symlink(a, sym), 0);
	assert_int_equal(link(a, hard), 0);
	assert_int_equal(alloc_libs__add(l, a), 0);
	assert_int_equal(alloc_libs__add(l, sym), 0);
	assert_int_equal(alloc_libs__add(l, hard), 0);
	assert_int_equal(alloc_libs__add(l, a), 0);
	assert_int_equal(alloc_libs__count(l), 1);
	assert_string_equal(alloc_libs__path(l, 0), a); /* the first path is kept */
	assert_int_equal(alloc_libs__add(l, b), 0);
	assert_int_equal(alloc_libs__count(l), 2);
	assert_string_equal(alloc_libs__path(l, 1), b);
	assert_int_equal(alloc_libs__add(l, "/nonexistent/ember/lib.so"), -ENOENT);
	assert_int_equal(alloc_libs__count(l), 2);
	assert_null(alloc_libs__path(l, 2));
	assert_int_equal(alloc_libs__count(NULL), 0);
	assert_null(alloc_libs__path(NULL, 0));
	alloc_libs__free(l);
	alloc_libs__free(NULL);
	unlink(sym);
	unlink(hard);
	free(a);
	free(sym);
	free(hard);
	free(b);
}

/* ---- processes ---- */

static void test_pid_self(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	char *libc = maps_path(getpid(), "libc.so.6");
	unsigned int i;

	(void)state;
	assert_non_null(libc);
	assert_int_equal(alloc_libs__add_pid(l, (__u32)getpid()), 0);
	assert_true(has_lib(l, libc));
	/* the test binary does not allocate by itself */
	assert_false(has_lib(l, "/proc/self/exe"));
	for (i = 0; i < alloc_libs__count(l); i++)
		assert_int_equal(access(alloc_libs__path(l, i), R_OK), 0);
	/* twice: nothing new */
	i = alloc_libs__count(l);
	assert_int_equal(alloc_libs__add_pid(l, (__u32)getpid()), 0);
	assert_int_equal(alloc_libs__count(l), i);
	alloc_libs__free(l);
	free(libc);
}

static void test_pid_dead(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(alloc_libs__add_pid(l, (__u32)pid), -ESRCH);
	assert_int_equal(alloc_libs__count(l), 0);
	alloc_libs__free(l);
}

static void test_pid_allocators(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	char *own = fixture("own"), *prog = fixture("prog"), *alloc = fixture("alloc.so");
	char *preload, *env[2], *libc;
	pid_t pid;

	(void)state;
	/* a program with its own malloc: itself and its libc */
	pid = spawn(own, "pause", NULL);
	wait_mapped(pid, "libc.so.6");
	libc = maps_path(pid, "libc.so.6");
	assert_int_equal(alloc_libs__add_pid(l, (__u32)pid), 0);
	stop(pid);
	assert_true(has_lib(l, own));
	assert_true(has_lib(l, libc));
	assert_int_equal(alloc_libs__count(l), 2);
	alloc_libs__free(l);

	/* an LD_PRELOADed allocator; the program itself is none */
	assert_true(asprintf(&preload, "LD_PRELOAD=%s", alloc) > 0);
	env[0] = preload;
	env[1] = NULL;
	l = alloc_libs__new();
	pid = spawn(prog, "pause", env);
	wait_mapped(pid, "alloc.so");
	assert_int_equal(alloc_libs__add_pid(l, (__u32)pid), 0);
	stop(pid);
	assert_true(has_lib(l, alloc));
	assert_true(has_lib(l, libc));
	assert_false(has_lib(l, prog));
	assert_int_equal(alloc_libs__count(l), 2);
	alloc_libs__free(l);
	free(preload);
	free(libc);
	free(own);
	free(prog);
	free(alloc);
}

/* A child that maps file executable, then (setup) changes its view of
 * the file system, and waits. */
static pid_t map_child(const char *file, int (*setup)(const char *arg), const char *arg)
{
	int ready[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(file, O_RDONLY);

		c = 'e';
		if (fd >= 0 &&
		    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) != MAP_FAILED &&
		    (!setup || !setup(arg)))
			c = 'r';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	if (c != 'r') {
		stop(pid);
		return -1;
	}
	return pid;
}

static void test_pid_deleted(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	char *src = fixture("alloc.so"), *copy = fixture("deleted.so");
	const char *path = NULL;
	struct stat st;
	pid_t pid;
	int i;

	(void)state;
	run("cp %s %s", src, copy);
	assert_int_equal(stat(copy, &st), 0);
	pid = map_child(copy, NULL, NULL);
	assert_true(pid > 0);
	unlink(copy); /* a library replaced under a running process */
	assert_int_equal(alloc_libs__add_pid(l, (__u32)pid), 0);
	for (i = 0; i < (int)alloc_libs__count(l); i++) {
		struct stat s2;

		path = alloc_libs__path(l, (unsigned int)i);
		if (!stat(path, &s2) && s2.st_ino == st.st_ino && s2.st_dev == st.st_dev)
			break;
	}
	assert_true(i < (int)alloc_libs__count(l));
	assert_non_null(strstr(path, "/map_files/"));
	stop(pid);
	alloc_libs__free(l);
	free(src);
	free(copy);
}

static int do_chroot(const char *root)
{
	return chroot(root) || chdir("/");
}

/* A tmpfs mounted in a mount namespace of its own, the library copied
 * into it: a container's file, not reachable by its path from here. */
static int do_private_mount(const char *arg)
{
	char *mnt, *copy;
	int ret;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (asprintf(&mnt, "%s/mnt", dir) < 0 || asprintf(&copy, "%s/mnt/ns.so", dir) < 0)
		return -1;
	ret = mount("tmpfs", mnt, "tmpfs", 0, NULL);
	if (!ret) {
		char *cmd;

		ret = asprintf(&cmd, "cp %s %s", arg, copy) < 0 || system(cmd);
		if (!ret) {
			int fd = open(copy, O_RDONLY);

			ret = fd < 0 || mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
					     0) == MAP_FAILED;
		}
	}
	return ret;
}

static void test_pid_other_root(void **state)
{
	struct alloc_libs *l;
	char *src = fixture("alloc.so"), *root = fixture("root"), *copy, *mnt, *want;
	pid_t pid;

	(void)state;
	/* chroot: maps lists the file by our path already */
	run("mkdir -p %s && cp %s %s/chrooted.so", root, src, root);
	copy = fpath(root, "chrooted.so");
	pid = map_child(copy, do_chroot, root);
	assert_true(pid > 0);
	l = alloc_libs__new();
	assert_int_equal(alloc_libs__add_pid(l, (__u32)pid), 0);
	assert_true(has_lib(l, copy));
	assert_string_equal(alloc_libs__path(l, (unsigned int)lib_index(l, copy)), copy);
	stop(pid);
	alloc_libs__free(l);
	free(copy);

	/* mount namespace: only /proc/PID/root/<path> reaches it */
	mnt = fixture("mnt");
	assert_int_equal(mkdir(mnt, 0755), 0);
	pid = map_child(src, do_private_mount, src);
	if (pid < 0) {
		print_message("alloc_libs: no mount namespace here, that case skipped\n");
	} else {
		unsigned int i;

		assert_true(asprintf(&want, "/proc/%d/root%s/ns.so", (int)pid, mnt) > 0);
		assert_int_equal(access(want, R_OK), 0);
		l = alloc_libs__new();
		assert_int_equal(alloc_libs__add_pid(l, (__u32)pid), 0);
		for (i = 0; i < alloc_libs__count(l); i++) {
			if (!strcmp(alloc_libs__path(l, i), want))
				break;
		}
		assert_true(i < alloc_libs__count(l));
		stop(pid);
		alloc_libs__free(l);
		free(want);
	}
	free(mnt);
	free(root);
	free(src);
}

/* ---- commands ---- */

static void test_command_ls(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	char *libc = ldd_libc("/bin/ls");

	(void)state;
	assert_int_equal(alloc_libs__add_command(l, "ls"), 0);
	assert_true(has_lib(l, libc));
	assert_true(has_lib(l, "/lib/x86_64-linux-gnu/libc.so.6"));
	assert_false(has_lib(l, "/bin/ls"));
	assert_int_equal(alloc_libs__count(l), 1);
	alloc_libs__free(l);
	free(libc);
}

static void test_command_scripts(void **state)
{
	const char *scripts[] = { "sh_script", "env_script", "env_s_script", "plain_script",
				  "two_levels" };
	char *libc = ldd_libc("/bin/sh"), *text;
	struct alloc_libs *l;
	size_t i;

	(void)state;
	write_file("sh_script", "#!/bin/sh\necho hi\n", 0755);
	write_file("env_script", "#!/usr/bin/env sh\necho hi\n", 0755);
	write_file("env_s_script", "#! /usr/bin/env -S LC_ALL=C sh -e\necho hi\n", 0755);
	write_file("plain_script", "echo no interpreter line: execvp runs /bin/sh\n", 0755);
	assert_true(asprintf(&text, "#!%s/sh_script\n", dir) > 0);
	write_file("two_levels", text, 0755);
	free(text);
	assert_true(asprintf(&text, "#!%s/two_levels\n", dir) > 0);
	write_file("three_levels", text, 0755);
	free(text);
	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		char *p = fixture(scripts[i]);

		l = alloc_libs__new();
		assert_int_equal(alloc_libs__add_command(l, p), 0);
		if (!has_lib(l, libc))
			fail_msg("%s: no %s", scripts[i], libc);
		assert_int_equal(alloc_libs__count(l), 1);
		alloc_libs__free(l);
		free(p);
	}
	/* two levels of interpreters at most */
	text = fixture("three_levels");
	l = alloc_libs__new();
	assert_int_equal(alloc_libs__add_command(l, text), -ENOEXEC);
	alloc_libs__free(l);
	free(text);
	free(libc);
}

static void test_command_static(void **state)
{
	struct alloc_libs *l;
	char *p = fixture("static_exe");

	(void)state;
	if (!have_static) {
		print_message("alloc_libs: gcc -static unavailable, static case skipped\n");
		free(p);
		skip();
		return;
	}
	l = alloc_libs__new();
	assert_int_equal(alloc_libs__add_command(l, p), 0);
	assert_int_equal(alloc_libs__count(l), 1);
	assert_true(same_file(alloc_libs__path(l, 0), p));
	alloc_libs__free(l);
	free(p);
}

static void test_command_allocators(void **state)
{
	char *own = fixture("own"), *alloc = fixture("alloc.so"), *libc = ldd_libc("/bin/ls");
	char *old = getenv("LD_PRELOAD") ? strdup(getenv("LD_PRELOAD")) : NULL;
	struct alloc_libs *l;

	(void)state;
	/* its own malloc: itself and libc */
	l = alloc_libs__new();
	assert_int_equal(alloc_libs__add_command(l, own), 0);
	assert_true(has_lib(l, own));
	assert_true(has_lib(l, libc));
	assert_int_equal(alloc_libs__count(l), 2);
	alloc_libs__free(l);

	/* the loader runs with our environment: LD_PRELOAD applies */
	l = alloc_libs__new();
	assert_int_equal(setenv("LD_PRELOAD", alloc, 1), 0);
	assert_int_equal(alloc_libs__add_command(l, "ls"), 0);
	if (old)
		setenv("LD_PRELOAD", old, 1);
	else
		unsetenv("LD_PRELOAD");
	assert_true(has_lib(l, alloc));
	assert_true(has_lib(l, libc));
	assert_int_equal(alloc_libs__count(l), 2);
	alloc_libs__free(l);
	free(old);
	free(own);
	free(alloc);
	free(libc);
}

static void test_command_loaders(void **state)
{
	char *p = fixture("fakeinterp"), *prog = fixture("prog"), *alloc2, *fakeld;
	struct alloc_libs *l = alloc_libs__new();
	struct timespec t0, t1;

	(void)state;
	/* the libc by its soname even under another file name, an allocator
	 * in a directory with a space; no "not found", no vDSO, no plain
	 * library, not the loader itself (no allocator) */
	assert_true(asprintf(&alloc2, "%s/with space/alloc2.so", dir) > 0);
	fakeld = fixture("fakeld");
	assert_int_equal(alloc_libs__add_command(l, p), 0);
	assert_true(has_lib(l, prog));
	assert_true(has_lib(l, alloc2));
	assert_false(has_lib(l, "/bin/sh"));
	assert_false(has_lib(l, fakeld));
	assert_int_equal(alloc_libs__count(l), 2);
	alloc_libs__free(l);
	free(p);
	free(alloc2);
	free(fakeld);

	/* a loader that does not exist */
	p = fixture("badinterp");
	l = alloc_libs__new();
	assert_int_equal(alloc_libs__add_command(l, p), -ENOEXEC);
	alloc_libs__free(l);
	free(p);

	/* a loader that hangs is killed */
	p = fixture("slowinterp");
	l = alloc_libs__new();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(alloc_libs__add_command(l, p), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 10);
	alloc_libs__free(l);
	free(p);
	free(prog);
}

static void test_command_path(void **state)
{
	char *old = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"), *path, *d2, *libc;
	struct alloc_libs *l;

	(void)state;
	libc = ldd_libc("/bin/sh");
	d2 = fixture("d2");
	assert_int_equal(mkdir(d2, 0755), 0);
	/* first on PATH but not executable: skipped, as execvp does */
	run("printf '#!/bin/sh\\n' > %s/ember_cmd && chmod 644 %s/ember_cmd", dir, dir);
	run("printf '#!/bin/sh\\n' > %s/ember_cmd && chmod 755 %s/ember_cmd", d2, d2);
	run("printf '#!/bin/sh\\n' > %s/ember_noexec && chmod 644 %s/ember_noexec", dir, dir);
	assert_true(asprintf(&path, "%s:%s:%s", dir, d2, old) > 0);
	assert_int_equal(setenv("PATH", path, 1), 0);
	l = alloc_libs__new();
	assert_int_equal(alloc_libs__add_command(l, "ember_cmd"), 0);
	assert_true(has_lib(l, libc));
	assert_int_equal(alloc_libs__add_command(l, "ember_noexec"), -EACCES);
	assert_int_equal(alloc_libs__add_command(l, "ember-no-such-command"), -ENOENT);
	assert_int_equal(setenv("PATH", old, 1), 0);
	alloc_libs__free(l);
	free(path);
	free(d2);
	free(old);
	free(libc);
}

static void test_command_missing(void **state)
{
	struct alloc_libs *l = alloc_libs__new();
	char *p = fixture("alloc.c");

	(void)state;
	assert_int_equal(alloc_libs__add_command(l, "ember-no-such-command-xyz"), -ENOENT);
	assert_int_equal(alloc_libs__add_command(l, "/nonexistent/ember/cmd"), -ENOENT);
	assert_int_equal(alloc_libs__add_command(l, ""), -ENOENT);
	assert_int_equal(alloc_libs__add_command(l, NULL), -ENOENT);
	assert_int_equal(alloc_libs__add_command(l, p), -EACCES);   /* not executable */
	assert_int_equal(alloc_libs__add_command(l, dir), -EACCES); /* a directory */
	assert_int_equal(alloc_libs__count(l), 0);
	alloc_libs__free(l);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_dedup),	cmocka_unit_test(test_pid_self),
		cmocka_unit_test(test_pid_dead),	cmocka_unit_test(test_pid_allocators),
		cmocka_unit_test(test_pid_deleted),	cmocka_unit_test(test_pid_other_root),
		cmocka_unit_test(test_command_ls),	cmocka_unit_test(test_command_scripts),
		cmocka_unit_test(test_command_static),	cmocka_unit_test(test_command_allocators),
		cmocka_unit_test(test_command_loaders), cmocka_unit_test(test_command_path),
		cmocka_unit_test(test_command_missing),
	};

	elf_version(EV_CURRENT);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
