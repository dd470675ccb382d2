// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * forker: a process tree, for `ember record -- CMD` following children.
 *
 *   forker [PIDFILE]
 *
 * The parent forks (no exec) a child that burns 0.5 s of CPU in
 * ember_child_burn, forks a second child that execs the sibling program
 * "spinner 0.5 cpu" (burning in ember_spin, comm "spinner"), burns 0.5 s of CPU in
 * ember_parent_burn itself, and waits for both. With PIDFILE it writes
 * "parent P\nchild C\nexec E\n" there. Exits 0 if both children did.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "burn.h"

volatile unsigned long ember_sink;

EMBER_BURN_FN(ember_parent_burn)

EMBER_BURN_FN(ember_child_burn)

/* fn until this thread has had secs of CPU (on a busy machine that takes
 * longer than secs, and the samples it gets stay as many), accounted */
#define burn(fn, secs)                                                        \
	do {                                                                  \
		long long end_ = ember_clock_ns(CLOCK_THREAD_CPUTIME_ID) +     \
				 (long long)((secs) * 1e9);                   \
		while (ember_clock_ns(CLOCK_THREAD_CPUTIME_ID) < end_)        \
			EMBER_BURN(fn, 100000);                               \
	} while (0)

int main(int argc, char **argv)
{
	char self[PATH_MAX], spinner[PATH_MAX + 16];
	ssize_t len;
	pid_t child, exec_child;
	int st1 = 0, st2 = 0;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	self[len] = '\0';
	snprintf(spinner, sizeof(spinner), "%s/spinner", dirname(self));

	fflush(NULL);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		burn(ember_child_burn, 0.5);
		ember_cpu_report(); /* _exit runs no atexit handlers */
		_exit(0);
	}
	exec_child = fork();
	if (exec_child < 0) {
		perror("fork");
		return 1;
	}
	if (exec_child == 0) {
		execl(spinner, "spinner", "0.5", "cpu", (char *)NULL);
		perror(spinner);
		_exit(127);
	}
	burn(ember_parent_burn, 0.5);
	if (waitpid(child, &st1, 0) < 0 || waitpid(exec_child, &st2, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");

		if (!f) {
			perror(argv[1]);
			return 1;
		}
		fprintf(f, "parent %d\nchild %d\nexec %d\n", (int)getpid(), (int)child,
			(int)exec_child);
		fclose(f);
	}
	if (!WIFEXITED(st1) || WEXITSTATUS(st1) || !WIFEXITED(st2) || WEXITSTATUS(st2)) {
		fprintf(stderr, "forker: a child failed (%#x, %#x)\n", st1, st2);
		return 1;
	}
	return 0;
}
