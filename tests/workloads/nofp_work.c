// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The unwinding workload: built -O2 WITHOUT frame pointers (the Makefile's
 * nofp_ rule), as the code on a stock distribution is, so that only the
 * .eh_frame tables can give its stacks. Each mode runs known call chains;
 * every function on them is noinline and does work after its call, so no
 * call becomes a tail jump and every frame is really there.
 *
 *   nofp_work chain SECS     main -> chain_a -> chain_b -> chain_c (burns)
 *   nofp_work qsort SECS     main -> sort_caller -> qsort -> ... -> cmp_ints -> cmp_leaf
 *   nofp_work threads SECS   two threads: thread_main -> chain_a -> ...
 *   nofp_work signal SECS    interrupted_loop, and a SIGPROF handler that burns
 *   nofp_work sleep N        main -> sleeper -> nanosleep, N times 20 ms
 *   nofp_work read N         main -> reader -> read on a pipe a thread feeds
 *   nofp_work alloc N        main -> dup_names -> strdup; main -> open_files -> fopen
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

volatile unsigned long sink;
static double until_cpu; /* seconds of process CPU to burn */

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

NOINLINE static unsigned long chain_c(void)
{
	unsigned long x = sink;

	for (int i = 0; i < 2000000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	return x;
}

NOINLINE static unsigned long chain_b(void)
{
	unsigned long x = chain_c();

	sink += x; /* work after the call: no tail call */
	return x ^ 1;
}

NOINLINE static unsigned long chain_a(void)
{
	unsigned long x = chain_b();

	sink += x;
	return x ^ 2;
}

NOINLINE static void run_chain(void)
{
	while (cpu_now() < until_cpu)
		sink += chain_a();
}

NOINLINE static int cmp_leaf(int a, int b)
{
	unsigned long x = sink;

	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005UL + (unsigned long)a;
	sink = x;
	return (a > b) - (a < b);
}

NOINLINE static int cmp_ints(const void *pa, const void *pb)
{
	int r = cmp_leaf(*(const int *)pa, *(const int *)pb);

	sink++;
	return r;
}

NOINLINE static void sort_caller(int *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (int)((i * 2654435761u) % 100000);
	qsort(v, n, sizeof(*v), cmp_ints);
	sink += v[0];
}

NOINLINE static void run_qsort(void)
{
	static int v[4096];

	while (cpu_now() < until_cpu)
		sort_caller(v, sizeof(v) / sizeof(v[0]));
}

NOINLINE static void *thread_main(void *arg)
{
	(void)arg;
	run_chain();
	return NULL;
}

NOINLINE static void run_threads(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_main, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

NOINLINE static unsigned long handler_burn(void)
{
	unsigned long x = sink;

	for (int i = 0; i < 3000000; i++)
		x = x * 6364136223846793005UL + 7;
	return x;
}

static void on_prof(int sig)
{
	(void)sig;
	sink += handler_burn();
}

NOINLINE static void interrupted_loop(void)
{
	while (cpu_now() < until_cpu)
		sink = sink * 3 + 1;
}

NOINLINE static void run_signal(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };

	signal(SIGPROF, on_prof);
	setitimer(ITIMER_PROF, &it, NULL);
	interrupted_loop();
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_PROF, &it, NULL);
}

NOINLINE static void sleeper(void)
{
	struct timespec ts = { 0, 20 * 1000000L };

	nanosleep(&ts, NULL);
	sink++;
}

static int feed[2];

static void *feeder(void *arg)
{
	long n = (long)arg;
	struct timespec ts = { 0, 20 * 1000000L };

	for (long i = 0; i < n; i++) {
		nanosleep(&ts, NULL);
		if (write(feed[1], "x", 1) != 1)
			break;
	}
	return NULL;
}

NOINLINE static void reader(void)
{
	char c;

	if (read(feed[0], &c, 1) == 1)
		sink += (unsigned char)c;
}

NOINLINE static void dup_names(int n)
{
	char **names = malloc(n * sizeof(*names));

	for (int i = 0; i < n; i++)
		names[i] = strdup("a name that is duplicated on purpose");
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

NOINLINE static void open_files(int n)
{
	for (int i = 0; i < n; i++) {
		FILE *f = fopen("/proc/self/stat", "r");

		if (f)
			fclose(f);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "chain";
	double arg = argc > 2 ? atof(argv[2]) : 1;

	until_cpu = cpu_now() + arg;
	if (!strcmp(mode, "chain")) {
		run_chain();
	} else if (!strcmp(mode, "qsort")) {
		run_qsort();
	} else if (!strcmp(mode, "threads")) {
		until_cpu = cpu_now() + 2 * arg; /* two threads share the budget */
		run_threads();
	} else if (!strcmp(mode, "signal")) {
		run_signal();
	} else if (!strcmp(mode, "sleep")) {
		for (int i = 0; i < (int)arg; i++)
			sleeper();
	} else if (!strcmp(mode, "read")) {
		pthread_t t;

		if (pipe(feed))
			return 1;
		pthread_create(&t, NULL, feeder, (void *)(long)arg);
		for (int i = 0; i < (int)arg; i++)
			reader();
		pthread_join(t, NULL);
	} else if (!strcmp(mode, "alloc")) {
		dup_names((int)arg);
		open_files((int)arg / 10 + 1);
	} else {
		fprintf(stderr, "nofp_work: unknown mode %s\n", mode);
		return 2;
	}
	printf("done %lu\n", sink);
	return 0;
}
