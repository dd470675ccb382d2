// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alloc_bench: N malloc(S) + free pairs in a loop, for tools/bench_alloc.sh,
 * which measures what allocation profilers add to each pair.
 *
 *   alloc_bench [-n N] [-s S] [-c CPU] [-w SECONDS]
 *
 *   -n N        pairs (default 1000000)
 *   -s S        bytes per malloc (default 64)
 *   -c CPU      pin to this CPU first (sched_setaffinity)
 *   -w SECONDS  print "ready PID" (flushed), then wait for SIGUSR1 or at
 *               most SECONDS before the loop, so a profiler can attach with
 *               -p first; without -w the loop starts at once
 *
 * 1000 warm-up pairs run first (before "ready"), untimed.
 *
 * The pairs run in ember_alloc_pair, four calls below main
 * (main;ember_alloc_run;ember_alloc_outer;ember_alloc_inner;ember_alloc_pair,
 * all real frames: the workloads are built with -fno-omit-frame-pointer
 * -fno-inline), so a profiler that takes a stack per allocation walks a few
 * frames, as in a real program. Each pointer is stored to a volatile global
 * before free, so the compiler cannot drop the pair.
 *
 * Prints one line on stdout after the loop:
 *
 *   alloc_bench n=N size=S ns_per_pair=X elapsed_ns=E loop_cpu_ns=C cpu_ns=T
 *
 * elapsed_ns is CLOCK_MONOTONIC around the loop; loop_cpu_ns the process's
 * user+system CPU (getrusage) over the loop, which includes the time the
 * kernel spends in uprobe handlers on the allocating thread; cpu_ns the
 * process's CPU from start to the end of the loop.
 */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

void *volatile ember_last;

static unsigned long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000000000UL + (unsigned long)ts.tv_nsec;
}

static unsigned long tv_ns(struct timeval tv)
{
	return (unsigned long)tv.tv_sec * 1000000000UL + (unsigned long)tv.tv_usec * 1000UL;
}

static unsigned long cpu_ns(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return tv_ns(r.ru_utime) + tv_ns(r.ru_stime);
}

__attribute__((noinline)) void ember_alloc_pair(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		perror("malloc");
		exit(1);
	}
	ember_last = p;
	free(p);
}

__attribute__((noinline)) void ember_alloc_inner(unsigned long n, size_t size)
{
	for (unsigned long i = 0; i < n; i++)
		ember_alloc_pair(size);
}

__attribute__((noinline)) void ember_alloc_outer(unsigned long n, size_t size)
{
	ember_alloc_inner(n, size);
}

__attribute__((noinline)) void ember_alloc_run(unsigned long n, size_t size)
{
	ember_alloc_outer(n, size);
}

static void wait_go(double seconds)
{
	struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	sigset_t set;

	/* SIGUSR1 was blocked in main() before "ready" was printed. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigtimedwait(&set, NULL, &ts) < 0 && errno == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr, "usage: alloc_bench [-n PAIRS] [-s BYTES] [-c CPU] [-w SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long n = 1000000, t0, t1, c0, c1;
	size_t size = 64;
	double wait = -1;
	int cpu = -1, opt;

	while ((opt = getopt(argc, argv, "n:s:c:w:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 0);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'w':
			wait = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n == 0)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("sched_setaffinity");
			return 1;
		}
	}
	/*
	 * Warm up before "ready": the first calls set up the heap, and a
	 * profiler sees the allocating stack once before the timed loop (it
	 * may do first-time work for it: heaptrack's interpreter symbolizes).
	 */
	ember_alloc_run(1000, size);
	if (wait >= 0) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		wait_go(wait);
	}
	c0 = cpu_ns();
	t0 = now_ns();
	ember_alloc_run(n, size);
	t1 = now_ns();
	c1 = cpu_ns();
	printf("alloc_bench n=%lu size=%zu ns_per_pair=%.1f elapsed_ns=%lu loop_cpu_ns=%lu "
	       "cpu_ns=%lu\n",
	       n, size, (double)(t1 - t0) / (double)n, t1 - t0, c1 - c0, c1);
	fflush(stdout);
	return 0;
}
