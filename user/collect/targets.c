// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "sys/procfs.h"
#include "collect/targets.h"
#include "targets.skel.h"

int targets__parse_pids(const char *s, __u32 **out)
{
	__u32 *pids = NULL, *n;
	int nr = 0;
	char *end;
	long v;

	*out = NULL;
	for (;;) {
		if (*s < '0' || *s > '9')
			goto bad;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || v <= 0 || v > 0x3fffffff)
			goto bad;
		n = realloc(pids, (nr + 1) * sizeof(*pids));
		if (!n)
			goto bad;
		pids = n;
		pids[nr++] = v;
		s = end;
		if (!*s)
			break;
		if (*s++ != ',')
			goto bad;
	}
	*out = pids;
	return nr;
bad:
	free(pids);
	return -EINVAL;
}

int targets__tgid_of(__u32 tid, __u32 *tgid)
{
	struct pid_status st;
	char rel[32], *text = NULL;
	int err;

	/* /proc/TID/status exists for any thread, listed or not */
	snprintf(rel, sizeof(rel), "%u/status", tid);
	err = procfs__read("/proc", rel, &text);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	err = procfs__parse_pid_status(text, &st);
	free(text);
	if (!err && !st.tgid)
		err = -ESRCH;
	if (!err)
		*tgid = st.tgid;
	return err;
}

struct command {
	pid_t pid;
	int release_fd; /* write end: one byte lets the child exec */
	int error_fd;	/* read end: errno from a failed exec, EOF on success */
	bool released, reaped;
};

struct command *command__spawn(char *const argv[])
{
	int rel[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct command *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->release_fd = c->error_fd = -1;
	if (pipe2(rel, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		p_err("cannot start %s: pipe: %s", argv[0], strerror(errno));
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		p_err("cannot start %s: fork: %s", argv[0], strerror(errno));
		goto fail;
	}
	if (c->pid == 0) {
		char b;
		int e;

		close(rel[1]);
		close(errp[0]);
		/* EOF instead of a byte: ember gave up, so do not run. */
		if (read(rel[0], &b, 1) != 1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		e = errno;
		if (write(errp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(rel[0]);
	close(errp[1]);
	c->release_fd = rel[1];
	c->error_fd = errp[0];
	return c;
fail:
	for (int i = 0; i < 2; i++) {
		if (rel[i] >= 0)
			close(rel[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	free(c);
	return NULL;
}

pid_t command__pid(const struct command *c)
{
	return c->pid;
}

int command__release(struct command *c)
{
	int e = 0;
	ssize_t n;

	if (write(c->release_fd, "x", 1) != 1)
		return -errno;
	close(c->release_fd);
	c->release_fd = -1;
	c->released = true;
	do {
		n = read(c->error_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(c->error_fd);
	c->error_fd = -1;
	if (n == sizeof(e))
		return -e;
	return 0;
}

bool command__reap(struct command *c, int *status, int timeout_ms)
{
	struct timespec step = { 0, 10 * 1000000L };
	int st;

	if (c->reaped)
		return true;
	for (int waited = 0;; waited += 10) {
		pid_t r = waitpid(c->pid, &st, WNOHANG);

		if (r == c->pid) {
			c->reaped = true;
			if (WIFEXITED(st))
				*status = WEXITSTATUS(st);
			else if (WIFSIGNALED(st))
				*status = 128 + WTERMSIG(st);
			else
				*status = 1;
			return true;
		}
		if (r < 0 && errno != EINTR)
			return false;
		if (waited >= timeout_ms)
			return false;
		nanosleep(&step, NULL);
	}
}

bool command__exited(struct command *c)
{
	siginfo_t si = {};

	if (c->reaped)
		return true;
	/* WNOWAIT: it stays a zombie, its /proc figures still readable */
	return waitid(P_PID, c->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == c->pid;
}

void command__kill(struct command *c, int sig)
{
	if (c && !c->reaped && c->pid > 0)
		kill(c->pid, sig);
}

void command__free(struct command *c)
{
	int st;

	if (!c)
		return;
	if (c->release_fd >= 0)
		close(c->release_fd); /* an unreleased child exits 127 on EOF */
	if (c->error_fd >= 0)
		close(c->error_fd);
	if (!c->released && !c->reaped)
		waitpid(c->pid, &st, 0);
	free(c);
}

struct targets_bpf *targets__load(bool follow_forks)
{
	struct targets_bpf *skel = targets_bpf__open();
	int err;

	if (!skel)
		return NULL;
	if (!follow_forks)
		bpf_program__set_autoload(skel->progs.on_fork, false);
	err = targets_bpf__load(skel);
	if (err) {
		targets_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

static bool executable_file(const char *path, int *err)
{
	struct stat st;

	if (stat(path, &st)) {
		*err = -errno;
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = -EACCES;
		return false;
	}
	if (access(path, X_OK)) {
		*err = -errno;
		return false;
	}
	return true;
}

int targets__resolve_command(const char *argv0, char **out)
{
	const char *dirs, *p, *end;
	bool denied = false;
	int err = -ENOENT;

	*out = NULL;
	if (!argv0 || !argv0[0])
		return -ENOENT;
	if (strchr(argv0, '/')) {
		if (!executable_file(argv0, &err))
			return err;
		*out = strdup(argv0);
		return *out ? 0 : -ENOMEM;
	}
	dirs = getenv("PATH");
	if (!dirs)
		dirs = "/bin:/usr/bin"; /* glibc's execvp default */
	for (p = dirs;; p = end + 1) {
		char *cand;
		int len;

		end = strchrnul(p, ':');
		len = (int)(end - p);
		if (asprintf(&cand, "%.*s%s%s", len, len ? p : ".", "/", argv0) < 0)
			return -ENOMEM;
		if (executable_file(cand, &err)) {
			*out = cand;
			return 0;
		}
		free(cand);
		denied |= err == -EACCES;
		if (!*end)
			break;
	}
	return denied ? -EACCES : -ENOENT;
}
