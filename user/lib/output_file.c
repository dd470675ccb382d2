// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a path names decides how it is written (output_file.h). Renaming
 * onto a path is only right for a regular file: it would replace a device
 * node, a FIFO or a symlink with a plain file.
 *
 * Temporaries are named ".NAME.ember-PID.XXXXXX", and a run that writes
 * NAME removes those whose PID no longer runs (what kill -9 left). O_TMPFILE
 * would hide them during the run, but it is missing on some filesystems
 * (NFS, FUSE, vfat...), so the named temporary and its sweep would be needed
 * anyway, and linkat cannot replace an existing name, so its commit would
 * still be a link under a temporary name and a rename: two ways to write a
 * file, the second seldom run. One way, taken by every run, is easier to
 * trust. A killed run's PID reused since keeps its temporaries until a run
 * after that process ends: kept too long, never removed too early. A run in
 * another PID namespace writing the same name in the same directory is the
 * one case told wrong (its PID means nothing here).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/output_file.h"

#define TEMP_TAG ".ember-"

enum output_kind {
	OUT_STDOUT,
	OUT_RENAME,   /* a temporary beside the file, renamed onto it */
	OUT_IN_PLACE, /* kept aside, copied into the file at commit */
	OUT_DIRECT,   /* device, FIFO, socket: written as it goes */
};

struct output_file {
	enum output_kind kind;
	FILE *stream;
	char *target; /* OUT_RENAME: the name renamed onto */
	char *tmp;    /* OUT_RENAME: the temporary, until renamed */
	int fd;	      /* OUT_IN_PLACE: the file itself, open for writing */
};

/* The PID in ".NAME.ember-PID.XXXXXX" (mkstemp's six letters or digits),
 * or 0 if ent is not exactly one of NAME's temporaries. */
static pid_t temp_pid(const char *ent, const char *name)
{
	size_t n = strlen(name), tag = strlen(TEMP_TAG);
	const char *p;
	long pid = 0;
	int digits = 0;

	if (ent[0] != '.' || strncmp(ent + 1, name, n) || strncmp(ent + 1 + n, TEMP_TAG, tag))
		return 0;
	for (p = ent + 1 + n + tag; *p >= '0' && *p <= '9' && digits < 10; p++, digits++)
		pid = pid * 10 + (*p - '0');
	if (!digits || pid <= 0 || pid > INT_MAX || *p != '.' || strlen(p + 1) != 6)
		return 0;
	for (int i = 1; i <= 6; i++) {
		if (!isalnum((unsigned char)p[i]))
			return 0;
	}
	return (pid_t)pid;
}

/*
 * Remove NAME's temporaries in dir left by runs that were killed (kill -9,
 * a crash, a power cut) before they could remove them. Only regular files
 * of ours, named exactly so, whose PID is gone: never a symlink (fstatat
 * does not follow, unlinkat removes the name itself), never another
 * user's, never one a live run is writing. Best effort: what cannot be
 * removed stays, the new output does not depend on it.
 */
static void sweep_stale(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	uid_t me = geteuid();
	struct dirent *de;
	struct stat st;
	pid_t pid;

	if (!d)
		return; /* creating the temporary will say why */
	while ((de = readdir(d))) {
		pid = temp_pid(de->d_name, name);
		if (!pid || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || st.st_uid != me)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* running (EPERM: as another user) */
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			p_debug(1, "removed %s/%s, left by a killed ember run (PID %d)", dir,
				de->d_name, (int)pid);
	}
	closedir(d);
}

/*
 * A temporary beside target, to be renamed onto it. old: the file it
 * replaces, whose mode and owner it takes (a rename would otherwise hand
 * someone's file to root with mode 0600); NULL for a new file, which stays
 * mkostemp's 0600: a profile names the machine's processes and functions.
 * Returns 0 or a negative errno, printing nothing.
 */
static int open_rename(struct output_file *f, const char *target, const struct stat *old)
{
	char *dir_copy = strdup(target), *name_copy = strdup(target);
	const char *dir, *name;
	int fd = -1, err = 0;

	if (!dir_copy || !name_copy) {
		err = -ENOMEM;
		goto cleanup;
	}
	dir = dirname(dir_copy);
	name = basename(name_copy);
	sweep_stale(dir, name);
	if (asprintf(&f->tmp, "%s/.%s" TEMP_TAG "%d.XXXXXX", dir, name, (int)getpid()) < 0) {
		f->tmp = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	fd = mkostemp(f->tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(f->tmp);
		f->tmp = NULL;
		goto cleanup;
	}
	/* owner first: chown clears set-user-ID and set-group-ID bits */
	if (old && (fchown(fd, old->st_uid, old->st_gid) || fchmod(fd, old->st_mode & 07777))) {
		err = -errno;
		goto cleanup;
	}
	f->target = strdup(target);
	f->stream = f->target ? fdopen(fd, "w") : NULL;
	if (!f->stream) {
		err = -ENOMEM;
		goto cleanup;
	}
	f->kind = OUT_RENAME;
cleanup:
	if (err && fd >= 0) {
		close(fd);
		unlink(f->tmp);
		free(f->tmp);
		f->tmp = NULL;
		free(f->target);
		f->target = NULL;
	}
	free(dir_copy);
	free(name_copy);
	return err;
}

/*
 * The name an open regular file really has: the kernel followed every
 * symlink when it opened pfd (with fs.protected_symlinks' checks, which
 * resolving the links here would skip) and /proc/self/fd names what it
 * reached; without /proc, realpath. NULL if that name does not lead to the
 * same file (deleted, or renamed meanwhile).
 */
static char *real_name(int pfd, const char *path, const struct stat *st)
{
	char link[32], *real;
	struct stat rst;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	real = realpath(link, NULL);
	if (!real && errno == ENOENT && access("/proc/self/fd", F_OK))
		real = realpath(path, NULL);
	if (real && (stat(real, &rst) || rst.st_dev != st->st_dev || rst.st_ino != st->st_ino)) {
		free(real);
		real = NULL;
	}
	return real;
}

/*
 * Write into the file itself: what a rename cannot do without losing
 * something. A file with several hard links must stay one inode for every
 * name to see the new content (a rename would leave the other names on the
 * old one); a file no name leads to can only be reached through pfd.
 * The output is kept in an anonymous temporary until commit copies it in,
 * so an error while writing leaves the file as it was.
 */
static int open_in_place(struct output_file *f, const char *path, int pfd)
{
	char link[32];

	/* reopening pfd's /proc link opens exactly the file we looked at */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	f->fd = open(link, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (f->fd < 0 && errno == ENOENT && access("/proc/self/fd", F_OK))
		f->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (f->fd < 0)
		return -errno;
	f->stream = tmpfile();
	if (!f->stream)
		return -errno;
	/* record starts the command after opening its outputs */
	if (fcntl(fileno(f->stream), F_SETFD, FD_CLOEXEC))
		return -errno;
	f->kind = OUT_IN_PLACE;
	return 0;
}

static int open_regular(struct output_file *f, const char *path, int pfd, const struct stat *st)
{
	char *real = st->st_nlink == 1 ? real_name(pfd, path, st) : NULL;
	int err = -EMLINK;

	if (real)
		err = open_rename(f, real, st);
	free(real);
	/* also when the rename route fails: a directory we cannot create in,
	 * an owner we cannot give; in place needs only the file writable */
	if (err)
		err = open_in_place(f, path, pfd);
	return err;
}

/*
 * Opening a FIFO for writing waits for a reader: that is what the user
 * asked for, so wait, but say so. A signal ends the wait: callers open their
 * outputs before they install handlers, so SIGINT and SIGTERM end ember;
 * with a handler (never SA_RESTART in ember) open fails with EINTR and we
 * give up rather than retry.
 */
static int open_fifo(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK), fl;

	if (fd < 0 && errno == ENXIO) {
		p_info("waiting for a reader of the FIFO %s", path);
		return open(path, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	/* a reader was there: writes must wait for it, not fail with EAGAIN */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* A device, FIFO or socket: written to, never replaced, no temporary.
 * No O_CREAT or O_TRUNC: the node is there and stays as it is. */
static int open_direct(struct output_file *f, const char *path, mode_t type)
{
	int fd, err;

	if (S_ISSOCK(type))
		fd = connect_socket(path);
	else if (S_ISFIFO(type))
		fd = open_fifo(path);
	else
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	f->stream = fdopen(fd, "w");
	if (!f->stream) {
		err = -errno;
		close(fd);
		return err;
	}
	f->kind = OUT_DIRECT;
	return 0;
}

struct output_file *output_file__open(const char *path)
{
	struct output_file *f = calloc(1, sizeof(*f));
	struct stat st;
	int pfd = -1, err = 0;
	bool said = false;

	if (!f) {
		p_err("out of memory");
		return NULL;
	}
	f->fd = -1;
	if (!path || strcmp(path, "-") == 0) {
		f->kind = OUT_STDOUT;
		f->stream = stdout;
		return f;
	}
	/* O_PATH: what the path leads to, without opening it (which would
	 * wait on a FIFO or have a device act) */
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0 && errno == ENOENT) {
		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			/* creating the target would write wherever a link
			 * planted in a shared directory points */
			p_err("cannot write %s: it is a symbolic link to a file that does not "
			      "exist: create that file first or give another -o",
			      path);
			err = -ENOENT;
			said = true;
		} else {
			err = open_rename(f, path, NULL);
		}
	} else if (pfd < 0 || fstat(pfd, &st)) {
		err = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		p_err("cannot write %s: it is a directory: give a file name with -o", path);
		err = -EISDIR;
		said = true;
	} else if (S_ISREG(st.st_mode)) {
		err = open_regular(f, path, pfd, &st);
	} else {
		err = open_direct(f, path, st.st_mode);
	}
	if (err && !said) {
		if (err == -EINTR)
			p_err("cannot write %s: interrupted while waiting for a reader of the "
			      "FIFO: start the reader first",
			      path);
		else
			p_err("cannot write %s: %s: choose a writable path with -o", path,
			      strerror(-err));
	}
	if (pfd >= 0)
		close(pfd);
	if (err) {
		output_file__free(f);
		return NULL;
	}
	return f;
}

FILE *output_file__stream(struct output_file *f)
{
	return f->stream;
}

/* Copy what was kept aside into the file. From the truncate on, an error
 * leaves it partial: the one case output_file.h warns about. */
static int copy_in(int from, int to)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n, w;

	if (ftruncate(to, 0))
		return -errno;
	for (;;) {
		n = pread(from, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n; done += w) {
			w = pwrite(to, buf + done, n - done, off + done);
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				return -errno;
		}
		off += n;
	}
	return fsync(to) ? -errno : 0;
}

int output_file__commit(struct output_file *f)
{
	int err = 0;

	if (fflush(f->stream))
		err = -errno;
	if (f->kind == OUT_STDOUT)
		return err;
	/* the data on disk before the name points at it */
	if (!err && f->kind == OUT_RENAME && fsync(fileno(f->stream)))
		err = -errno;
	if (!err && f->kind == OUT_IN_PLACE)
		err = copy_in(fileno(f->stream), f->fd);
	if (fclose(f->stream) && !err)
		err = -errno;
	f->stream = NULL;
	if (f->fd >= 0 && close(f->fd) && !err)
		err = -errno;
	f->fd = -1;
	if (!err && f->kind == OUT_RENAME) {
		if (rename(f->tmp, f->target))
			return -errno;
		free(f->tmp); /* renamed: nothing left to remove */
		f->tmp = NULL;
	}
	return err;
}

void output_file__free(struct output_file *f)
{
	if (!f)
		return;
	if (f->stream && f->kind != OUT_STDOUT)
		fclose(f->stream);
	if (f->fd >= 0)
		close(f->fd);
	if (f->tmp)
		unlink(f->tmp);
	free(f->tmp);
	free(f->target);
	free(f);
}
