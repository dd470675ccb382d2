// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alloc_libs: which files a process or a command allocates from.
 *
 * Running the command's own loader with --list trusts its PT_INTERP, as
 * ldd does; ember is about to exec that command anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "collect/alloc_libs.h"
#include "collect/alloc_sites.h"
#include "collect/targets.h"
#include "lib/file_open.h"
#include "lib/log.h"
#include "sys/proc_maps.h"

#define LIST_TIMEOUT_MS 5000
#define LIST_MAX_OUTPUT (1 << 20)
#define SCRIPT_HEAD 256 /* the kernel reads this much of a "#!" line */
#define MAX_SCRIPT_LEVELS 2

extern char **environ;

struct alloc_lib {
	char *path;
	dev_t dev;
	ino_t ino;
};

struct alloc_libs {
	struct alloc_lib *v;
	unsigned int n;
};

struct alloc_libs *alloc_libs__new(void)
{
	return calloc(1, sizeof(struct alloc_libs));
}

void alloc_libs__free(struct alloc_libs *l)
{
	unsigned int i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	free(l);
}

unsigned int alloc_libs__count(const struct alloc_libs *l)
{
	return l ? l->n : 0;
}

const char *alloc_libs__path(const struct alloc_libs *l, unsigned int i)
{
	return l && i < l->n ? l->v[i].path : NULL;
}

int alloc_libs__add(struct alloc_libs *l, const char *path)
{
	struct alloc_lib *v;
	struct stat st;
	unsigned int i;
	char *dup;

	if (stat(path, &st))
		return -errno;
	for (i = 0; i < l->n; i++) {
		if (l->v[i].dev == st.st_dev && l->v[i].ino == st.st_ino)
			return 0;
	}
	dup = strdup(path);
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!dup || !v) {
		free(dup);
		if (v)
			l->v = v;
		return -ENOMEM;
	}
	l->v = v;
	v[l->n].path = dup;
	v[l->n].dev = st.st_dev;
	v[l->n].ino = st.st_ino;
	l->n++;
	p_debug(2, "alloc: allocator library %s", path);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool is_libc(const char *path)
{
	static const char *const patterns[] = {
		"libc.so.6", "libc.so", "libc-2.*.so", "ld-musl-*.so.1", "libc.musl-*",
	};
	const char *base = base_name(path);
	size_t i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (!fnmatch(patterns[i], base, 0))
			return true;
	}
	return false;
}

static bool is_allocator_file(const char *path)
{
	struct alloc_sites *s = alloc_sites__find(path);
	bool yes = alloc_sites__is_allocator(s);

	if (!s)
		p_debug(2, "alloc: cannot read %s: %s", path, strerror(errno));
	alloc_sites__free(s);
	return yes;
}

/* Adds path if it is a libc (by its file name, or by name: the soname
 * ld.so prints) or an allocator. A file that cannot be read is skipped. */
static int add_if_allocator(struct alloc_libs *l, const char *path, const char *name)
{
	int err;

	if (!is_libc(path) && !(name && is_libc(name)) && !is_allocator_file(path))
		return 0;
	err = alloc_libs__add(l, path);
	if (err && err != -ENOMEM) {
		p_debug(1, "alloc: cannot use %s: %s", path, strerror(-err));
		err = 0;
	}
	return err;
}

/* ---- a running process ---- */

/* Whether pid sees another root directory than we do (chroot, container). */
static bool other_root(__u32 pid)
{
	struct stat ours, theirs;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/root", pid);
	if (stat("/", &ours) || stat(path, &theirs))
		return false;
	return ours.st_dev != theirs.st_dev || ours.st_ino != theirs.st_ino;
}

static bool same_inode(const char *path, const struct proc_map *e)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == e->inode;
}

/*
 * A path to the file of mapping e of process pid that works from here.
 * The kernel writes a mapped path relative to the reader's root when it
 * can reach it (a chroot's files: already right) and relative to the
 * mapping's mount namespace when it cannot (a container's: right under
 * /proc/PID/root), so both are tried and the one holding the mapped inode
 * (the device can differ on overlayfs) wins; a file deleted since is
 * only reachable through /proc/PID/map_files. NULL (errno set) if none.
 */
static char *mapped_path(__u32 pid, const struct proc_map *e, bool root)
{
	char *cand[3], *found = NULL;
	int i;

	/* asprintf leaves the pointer undefined on failure */
	if (asprintf(&cand[0], "%s", e->path) < 0)
		cand[0] = NULL;
	if (asprintf(&cand[1], "/proc/%u/root%s", pid, e->path) < 0)
		cand[1] = NULL;
	if (asprintf(&cand[2], "/proc/%u/map_files/%llx-%llx", pid, (unsigned long long)e->start,
		     (unsigned long long)e->end) < 0)
		cand[2] = NULL;
	if (root) { /* the container's view first */
		char *t = cand[0];

		cand[0] = cand[1];
		cand[1] = t;
	}
	errno = ENOMEM;
	if (!cand[0] || !cand[1] || !cand[2])
		goto cleanup;
	errno = ENOENT;
	for (i = e->deleted ? 2 : 0; i < 3 && !found; i++) {
		if (same_inode(cand[i], e)) {
			found = cand[i];
			cand[i] = NULL;
		}
	}
cleanup:
	for (i = 0; i < 3; i++)
		free(cand[i]);
	return found;
}

int alloc_libs__add_pid(struct alloc_libs *l, __u32 pid)
{
	struct proc_maps *m;
	char maps[64];
	size_t i, n;
	bool root;
	int err = 0;

	snprintf(maps, sizeof(maps), "/proc/%u/maps", pid);
	m = proc_maps__read(maps);
	if (!m)
		return errno == ENOENT || errno == ESRCH ? -ESRCH : -errno;
	root = other_root(pid);
	n = proc_maps__nr(m);
	for (i = 0; i < n && !err; i++) {
		const struct proc_map *e = proc_maps__entry(m, i);
		char *path;

		if (e->path[0] != '/' || e->perms[2] != 'x')
			continue;
		path = mapped_path(pid, e, root);
		if (!path) {
			if (errno == ENOMEM)
				err = -ENOMEM;
			else
				p_debug(1, "alloc: process %u maps %s, which ember cannot reach",
					pid, e->path);
			continue;
		}
		err = add_if_allocator(l, path, e->path);
		free(path);
	}
	proc_maps__free(m);
	return err;
}

/* ---- a command ---- */

/* PT_INTERP of the ELF file path, malloc'd, in *interp (NULL for a static
 * executable). -ENOEXEC if not an ELF file. */
static int read_interp(const char *path, char **interp)
{
	size_t i, phnum;
	Elf *elf = NULL;
	int fd, err = 0;

	*interp = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = file_open_regular(path);
	if (fd < 0)
		return fd;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &phnum)) {
		err = -ENOEXEC;
		goto cleanup;
	}
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		char *s;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		if (!ph.p_filesz || ph.p_filesz > 4096) {
			err = -ENOEXEC;
			goto cleanup;
		}
		s = calloc(1, ph.p_filesz + 1);
		if (!s) {
			err = -ENOMEM;
			goto cleanup;
		}
		if (pread(fd, s, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz ||
		    !s[0]) {
			free(s);
			err = -ENOEXEC;
			goto cleanup;
		}
		*interp = s;
		break;
	}
cleanup:
	elf_end(elf);
	close(fd);
	return err;
}

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Reads fd to EOF into a malloc'd string, for at most LIST_TIMEOUT_MS and
 * LIST_MAX_OUTPUT bytes. Returns 0 at EOF, 1 when it stopped before. */
static int read_all(int fd, char **out)
{
	struct timespec deadline;
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int err = 0;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += LIST_TIMEOUT_MS / 1000;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = ms_left(&deadline);
		ssize_t n;
		int r;

		if (left <= 0) {
			err = -ETIMEDOUT;
			break;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (!r)
			continue;
		if (len + 1 == cap) {
			char *nb;

			if (cap >= LIST_MAX_OUTPUT) {
				err = 1; /* enough: the libc line comes early */
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	return err;
}

/*
 * Runs `loader --list exe`; its output has one line per object:
 *	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f...)
 *	/lib64/ld-linux-x86-64.so.2 (0x00007f...)
 *	libfoo.so => not found
 * and adds the libc and allocators among them. *found counts the lines
 * naming a file.
 */
static int list_loaded(struct alloc_libs *l, const char *loader, const char *exe, int *found)
{
	char *argv[] = { (char *)loader, (char *)"--list", (char *)exe, NULL };
	posix_spawn_file_actions_t fa;
	char *out = NULL, *line, *save = NULL;
	int fds[2] = { -1, -1 }, err, status = 0;
	bool fa_ready = false;
	pid_t pid = -1;

	*found = 0;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	err = -posix_spawn_file_actions_init(&fa);
	if (err)
		goto cleanup;
	fa_ready = true;
	err = -posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = -posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	if (!err)
		err = -posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (err)
		goto cleanup;
	err = -posix_spawn(&pid, loader, &fa, NULL, argv, environ);
	if (err) {
		p_debug(1, "alloc: cannot run %s: %s", loader, strerror(-err));
		pid = -1;
		err = -ENOEXEC;
		goto cleanup;
	}
	close(fds[1]);
	fds[1] = -1;
	err = read_all(fds[0], &out);
	if (err == -ETIMEDOUT)
		p_debug(1, "alloc: %s --list %s takes too long: killed", loader, exe);
	if (err)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (err > 0)
		err = 0;
	if (err)
		goto cleanup;
	for (line = strtok_r(out, "\n", &save); line && !err; line = strtok_r(NULL, "\n", &save)) {
		char *name = NULL, *path, *arrow, *paren;

		line += strspn(line, " \t");
		arrow = strstr(line, " => ");
		if (arrow) {
			*arrow = '\0';
			name = line;
			path = arrow + 4;
		} else {
			path = line;
		}
		if (path[0] != '/')
			continue; /* not found, the vDSO */
		paren = strrchr(path, '(');
		if (paren && paren > path && paren[-1] == ' ')
			paren[-1] = '\0';
		(*found)++;
		err = add_if_allocator(l, path, name);
	}
	if (!err && !*found && !(WIFEXITED(status) && !WEXITSTATUS(status)))
		err = -ENOEXEC;
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(out);
	return err;
}

static int add_elf(struct alloc_libs *l, const char *path)
{
	char *interp = NULL;
	int err, found = 0;

	err = read_interp(path, &interp);
	if (err)
		return err;
	if (!interp) /* static: its allocator is in it */
		return alloc_libs__add(l, path);
	/* musl: the loader is the libc, whether or not it can list */
	err = is_libc(interp) ? add_if_allocator(l, interp, NULL) : 0;
	if (!err)
		err = list_loaded(l, interp, path, &found);
	if (!err && is_allocator_file(path))
		err = alloc_libs__add(l, path);
	if (!err && !found)
		p_debug(1, "alloc: %s --list %s named no library", interp, path);
	free(interp);
	return err;
}

/* The command an "#!/usr/bin/env [-S] [VAR=value...] NAME ..." line runs:
 * NAME found through PATH, malloc'd; NULL if none. */
static char *env_command(const char *args)
{
	char *copy = strdup(args), *word, *save = NULL, *found = NULL;

	if (!copy)
		return NULL;
	for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		if (word[0] == '-' || strchr(word, '='))
			continue;
		if (targets__resolve_command(word, &found))
			found = NULL;
		break;
	}
	free(copy);
	return found;
}

static int add_program(struct alloc_libs *l, const char *path, int level)
{
	char head[SCRIPT_HEAD + 1], *interp, *args, *cmd = NULL;
	ssize_t n;
	int fd, err;

	fd = file_open_regular(path); /* never a FIFO or a device */
	if (fd < 0)
		return fd == -EINVAL ? -EACCES : fd;
	n = read(fd, head, SCRIPT_HEAD);
	err = -errno;
	close(fd);
	if (n < 0)
		return err;
	head[n] = '\0';
	if (n >= 4 && !memcmp(head, ELFMAG, SELFMAG))
		return add_elf(l, path);
	if (level >= MAX_SCRIPT_LEVELS) {
		p_debug(1, "alloc: %s: too many levels of interpreters", path);
		return -ENOEXEC;
	}
	if (n < 2 || head[0] != '#' || head[1] != '!') /* execvp runs it with /bin/sh */
		return add_program(l, "/bin/sh", level + 1);
	head[strcspn(head, "\n")] = '\0';
	interp = head + 2 + strspn(head + 2, " \t");
	args = interp + strcspn(interp, " \t");
	if (*args)
		*args++ = '\0';
	args += strspn(args, " \t");
	if (!interp[0])
		return -ENOEXEC;
	if (!strcmp(base_name(interp), "env") && args[0])
		cmd = env_command(args);
	err = add_program(l, cmd ? cmd : interp, level + 1);
	free(cmd);
	return err;
}

int alloc_libs__add_command(struct alloc_libs *l, const char *argv0)
{
	char *path;
	int err;

	err = targets__resolve_command(argv0, &path);
	if (err)
		return err;
	err = add_program(l, path, 0);
	free(path);
	return err;
}
