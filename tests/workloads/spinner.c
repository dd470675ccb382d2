// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * spinner: a long-running busy loop.
 *
 *   spinner SECONDS [sys|cpu]
 *
 * Default: burns user CPU in the leaf function ember_spin.
 * "sys": loops in ember_sys_spin, which calls ember_sys_read, which
 * read()s 64 KiB from /dev/zero, so most of the time is in the kernel
 * (clearing user memory) under a user stack that contains ember_sys_spin
 * (ember_sys_read is the caller of a leaf libc wrapper, so a frame-pointer
 * walk may skip it; ember_sys_spin is never skipped).
 * "cpu": SECONDS of CPU time rather than of wall time (as many samples on a
 * busy machine). SECONDS <= 0 runs until killed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "burn.h"

volatile unsigned long ember_sink;
static char buf[65536];

EMBER_BURN_FN(ember_spin)

__attribute__((noinline)) long ember_sys_read(int fd)
{
	long r = read(fd, buf, sizeof(buf));

	ember_sink += (unsigned long)r;
	return r;
}

EMBER_ACCOUNT(ember_sys_spin)

__attribute__((noinline)) void ember_sys_spin(int fd, int n)
{
	for (int i = 0; i < n; i++)
		if (ember_sys_read(fd) < 0)
			exit(1);
	ember_sink += buf[0];
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 10.0;
	int sys = argc > 2 && strcmp(argv[2], "sys") == 0;
	/* "cpu": SECONDS of this thread's CPU time, however long that takes */
	int cpu = argc > 2 && strcmp(argv[2], "cpu") == 0;
	double end = (cpu ? ember_clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9 : now()) + secs;
	int fd = -1;

	if (sys) {
		fd = open("/dev/zero", O_RDONLY);
		if (fd < 0) {
			perror("/dev/zero");
			return 1;
		}
	}
	while (secs <= 0 || (cpu ? ember_clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9 : now()) < end) {
		if (sys)
			EMBER_BURN(ember_sys_spin, fd, 16);
		else
			EMBER_BURN(ember_spin, 200000);
	}
	return 0;
}
