// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_work: a fixed amount of CPU-bound work, for tools/bench_cpu.sh.
 *
 *   bench_work THREADS ITERATIONS
 *
 * Each of THREADS threads runs ember_bench_work(ITERATIONS) once (in
 * chunks, all in the same leaf function). Prints
 * "elapsed SECONDS" (wall time from before the threads start to after the
 * last one ends) on stdout.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "burn.h"

volatile unsigned long ember_sink;
static unsigned long iterations;

__attribute__((noinline)) unsigned long ember_bench_work(unsigned long n, unsigned long x)
{
	for (unsigned long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		x += i;
	}
	return x;
}

static void *run(void *arg)
{
	unsigned long x = 88172645463325252UL + (unsigned long)arg;
	unsigned long left = iterations;

	while (left) {
		unsigned long n = left < 1000000 ? left : 1000000;

		x = ember_bench_work(n, x);
		left -= n;
	}
	ember_sink += x;
	return NULL;
}

int main(int argc, char **argv)
{
	long nthreads = argc > 1 ? atol(argv[1]) : 1;
	pthread_t *th;
	double t0;

	iterations = argc > 2 ? strtoul(argv[2], NULL, 0) : 500000000UL;
	if (nthreads < 1 || nthreads > 1024) {
		fprintf(stderr, "usage: bench_work THREADS ITERATIONS\n");
		return 2;
	}
	th = calloc((size_t)nthreads, sizeof(*th));
	if (!th)
		return 1;
	t0 = now();
	for (long i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, run, (void *)i)) {
			perror("pthread_create");
			return 1;
		}
	for (long i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("elapsed %.6f\n", now() - t0);
	free(th);
	return 0;
}
