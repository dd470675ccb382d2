// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * forker: a process tree, for `ember record -- CMD` following children.
 *
 *   forker [PIDFILE [cpu]]
 *
 * The parent forks (no exec) a child that burns 0.5 s in
 * ember_child_burn, forks a second child that execs the sibling program
 * "spinner 0.5" (burning in ember_spin, comm "spinner"), burns 0.5 s in
 * ember_parent_burn itself, and waits for both. With PIDFILE it writes
 * "parent P\nchild C\nexec E\n" there. Exits 0 if both children did.
 * The 0.5 s are of wall time (children that live less than a refresh of
 * ember top), or with "cpu" of each process's CPU time (as many samples
 * on a busy machine: under two CPU hogs 0.5 s of wall time gave 0.08 s).
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

static clockid_t burn_clock = CLOCK_MONOTONIC;

/* fn for secs of burn_clock, accounted */
#define burn(fn, secs)                                                        \
	do {                                                                  \
		long long end_ = ember_clock_ns(burn_clock) + (long long)((secs) * 1e9); \
		while (ember_clock_ns(burn_clock) < end_)                     \
			EMBER_BURN(fn, 100000);                               \
	} while (0)

int main(int argc, char **argv)
{
	char self[PATH_MAX], spinner[PATH_MAX + 16];
	ssize_t len;
	pid_t child, exec_child;
	int st1 = 0, st2 = 0;

	if (argc > 2 && !strcmp(argv[2], "cpu"))
		burn_clock = CLOCK_THREAD_CPUTIME_ID;
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
		execl(spinner, "spinner", "0.5", burn_clock == CLOCK_MONOTONIC ? "wall" : "cpu",
		      (char *)NULL);
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
