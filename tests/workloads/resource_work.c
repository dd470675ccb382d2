// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * resource_work: known resource use for the summary tests.
 *
 *   resource_work burn SECONDS          one core busy for SECONDS
 *   resource_work write MIB PATH        write MIB MiB to PATH, fsync, close
 *   resource_work touch MIB SECONDS     touch MIB MiB of fresh memory, hold it
 *
 * Prints "done" when the step is over (touch: once the memory is touched,
 * then it holds).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

volatile unsigned long sink;

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "burn")) {
		double end = now() + atof(argv[2]);

		while (now() < end)
			for (int i = 0; i < 100000; i++)
				sink += i;
	} else if (argc == 4 && !strcmp(argv[1], "write")) {
		static char buf[1 << 20];
		int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		long mib = atol(argv[2]);

		memset(buf, 'x', sizeof(buf));
		if (fd < 0)
			return 1;
		for (long i = 0; i < mib; i++)
			if (write(fd, buf, sizeof(buf)) != sizeof(buf))
				return 1;
		if (fsync(fd) || close(fd))
			return 1;
	} else if (argc == 4 && !strcmp(argv[1], "touch")) {
		size_t len = (size_t)atol(argv[2]) << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		if (p == MAP_FAILED)
			return 1;
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
		printf("done\n");
		usleep(atof(argv[3]) * 1e6);
		return 0;
	} else {
		fprintf(stderr, "usage: resource_work burn S | write MIB PATH | touch MIB S\n");
		return 2;
	}
	printf("done\n");
	return 0;
}
