// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * offcpu_work: threads that block in known functions for known times, for
 * the off-CPU and wall-clock tests (tests/integration/test_offcpu.py) and
 * tools/bench_offcpu.sh.
 *
 *   offcpu_work ab N [SPLIT_US]  N rounds of ember_sleep_short (10 ms)
 *                             then ember_sleep_long (30 ms); prints
 *                             "truth short_ns=... long_ns=..."; with
 *                             SPLIT_US also short_above_ns and _n, the
 *                             short sleeps that lasted SPLIT_US or more
 *                             (on a busy machine a woken thread waits for
 *                             a CPU, and that wait is off-CPU time too)
 *   offcpu_work pipe N        a reader thread blocks in ember_pipe_reader
 *                             (read on a pipe) while main sleeps 200 ms and
 *                             writes a byte, N times; "truth pipe_ns=..."
 *   offcpu_work mutex N       a thread waits in ember_lock_waiter on a futex
 *                             lock that main holds for 200 ms, N times;
 *                             "truth lock_ns=..."
 *   offcpu_work wall SECONDS  alternate ember_compute (burn ~20 ms) and
 *                             ember_idle (sleep 20 ms); "truth compute_ns=...
 *                             idle_ns=..."
 *   offcpu_work hold SECONDS  waits for SIGUSR1, then sleeps SECONDS in
 *                             ember_sleep_hold in one nanosleep (so a
 *                             profiler attached with -p sees the block
 *                             start); "truth hold_ns=..."
 *   offcpu_work pingpong N    two threads bounce a byte over two pipes N
 *                             times (raw read/write); prints "pingpong n=N
 *                             elapsed_ns=... nvcsw=... nivcsw=..." (the
 *                             voluntary and involuntary context switches of
 *                             both threads during the N round trips)
 *
 * Every mode first prints "ready PID" (flushed), so a test that attaches
 * with -p knows the process is running.
 *
 * Why raw syscalls: a profiler walks user stacks by frame pointers, and
 * Debian's libc is built without them. When a thread blocks inside a libc
 * wrapper (nanosleep, read, ...), the wrapper is the user leaf and has not
 * set up a frame, so the walk from its registers skips its caller: the
 * stack reads main;clock_nanosleep, not main;ember_sleep_short;... . So each
 * measured function issues its blocking system call itself with an inline
 * `syscall` instruction (x86_64) and is the user leaf of the blocked stack.
 *
 * The ground truth ("truth ...") is CLOCK_MONOTONIC read just before and
 * just after each blocking system call, summed.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "burn.h"

#if !defined(__x86_64__)
#error "offcpu_work issues raw system calls with x86_64 inline asm"
#endif

volatile unsigned long ember_sink;

/* always_inline: the workloads are built with -fno-inline. */
static inline __attribute__((always_inline)) long raw_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((always_inline)) long raw_syscall4(long nr, long a, long b, long c,
							       long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* nanosleep(ns) issued from the calling function's own frame. */
#define RAW_NANOSLEEP(ns)                                                                          \
	do {                                                                                       \
		struct timespec ts_ = { (ns) / 1000000000L, (ns) % 1000000000L };                  \
		while (raw_syscall3(SYS_nanosleep, (long)&ts_, (long)&ts_, 0) == -EINTR)           \
			;                                                                          \
	} while (0)

/* ----------------------------------------------------------------- ab */

static long long short_ns, long_ns, split_ns = -1, short_above_ns, short_above_n;

__attribute__((noinline)) void ember_sleep_short(void)
{
	long long t0 = mono_ns(), d;

	RAW_NANOSLEEP(10000000L);
	d = mono_ns() - t0;
	short_ns += d;
	if (split_ns >= 0 && d >= split_ns) {
		short_above_ns += d;
		short_above_n++;
	}
}

__attribute__((noinline)) void ember_sleep_long(void)
{
	long long t0 = mono_ns();

	RAW_NANOSLEEP(30000000L);
	long_ns += mono_ns() - t0;
}

static int mode_ab(long n)
{
	for (long i = 0; i < n; i++) {
		ember_sleep_short();
		ember_sleep_long();
	}
	if (split_ns >= 0)
		printf("truth short_ns=%lld long_ns=%lld short_above_ns=%lld short_above_n=%lld\n",
		       short_ns, long_ns, short_above_ns, short_above_n);
	else
		printf("truth short_ns=%lld long_ns=%lld\n", short_ns, long_ns);
	return 0;
}

/* ----------------------------------------------------------------- hold */

__attribute__((noinline)) long long ember_sleep_hold(long ns)
{
	long long t0 = mono_ns();

	RAW_NANOSLEEP(ns);
	return mono_ns() - t0;
}

static int mode_hold(double secs)
{
	sigset_t set;
	int sig;

	/* SIGUSR1 was blocked in main() before "ready" was printed. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigwait(&set, &sig);
	printf("truth hold_ns=%lld\n", ember_sleep_hold((long)(secs * 1e9)));
	return 0;
}

/* ----------------------------------------------------------------- pipe */

static int pipefd[2];
static long pipe_rounds;
static long long pipe_ns;

__attribute__((noinline)) long ember_pipe_reader(int fd, char *buf)
{
	long long t0 = mono_ns();
	long r;

	do
		r = raw_syscall3(SYS_read, fd, (long)buf, 1);
	while (r == -EINTR);
	pipe_ns += mono_ns() - t0;
	return r;
}

static void *pipe_thread(void *arg)
{
	char c;

	(void)arg;
	for (long i = 0; i < pipe_rounds; i++)
		if (ember_pipe_reader(pipefd[0], &c) != 1) {
			fprintf(stderr, "offcpu_work: pipe read failed\n");
			exit(1);
		}
	return NULL;
}

static int mode_pipe(long n)
{
	pthread_t th;

	pipe_rounds = n;
	if (pipe(pipefd))
		die("pipe");
	if (pthread_create(&th, NULL, pipe_thread, NULL))
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		usleep(200000);
		if (write(pipefd[1], "x", 1) != 1)
			die("write");
	}
	pthread_join(th, NULL);
	printf("truth pipe_ns=%lld\n", pipe_ns);
	return 0;
}

/* ----------------------------------------------------------------- mutex */

/* A minimal futex lock: 0 free, 1 held, 2 held with waiters. */
static int lockword;
static long long lock_ns;
static long lock_rounds;
static pthread_barrier_t lock_bar;

static int cas(int *p, int old, int new)
{
	return __atomic_compare_exchange_n(p, &old, new, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)
		   ? 0
		   : old;
}

/* Take the lock, sleeping in FUTEX_WAIT from this frame while it is held. */
__attribute__((noinline)) void ember_lock_waiter(int *w)
{
	int c = cas(w, 0, 1);

	if (!c)
		return;
	if (c != 2)
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	while (c) {
		long long t0 = mono_ns();

		raw_syscall4(SYS_futex, (long)w, FUTEX_WAIT_PRIVATE, 2, 0);
		lock_ns += mono_ns() - t0;
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	}
}

static void lock_take(int *w)
{
	ember_lock_waiter(w);
}

static void lock_release(int *w)
{
	if (__atomic_exchange_n(w, 0, __ATOMIC_RELEASE) == 2)
		raw_syscall3(SYS_futex, (long)w, FUTEX_WAKE_PRIVATE, 1);
}

static void *lock_thread(void *arg)
{
	(void)arg;
	for (long i = 0; i < lock_rounds; i++) {
		pthread_barrier_wait(&lock_bar); /* main holds the lock now */
		lock_take(&lockword);
		lock_release(&lockword);
		pthread_barrier_wait(&lock_bar);
	}
	return NULL;
}

static int mode_mutex(long n)
{
	pthread_t th;

	lock_rounds = n;
	pthread_barrier_init(&lock_bar, NULL, 2);
	if (pthread_create(&th, NULL, lock_thread, NULL))
		die("pthread_create");
	for (long i = 0; i < n; i++) {
		lock_take(&lockword); /* free: no wait here */
		pthread_barrier_wait(&lock_bar);
		usleep(200000);
		lock_release(&lockword);
		pthread_barrier_wait(&lock_bar);
	}
	pthread_join(th, NULL);
	printf("truth lock_ns=%lld\n", lock_ns);
	return 0;
}

/* ----------------------------------------------------------------- wall */

EMBER_BURN_FN(ember_burn)

static long long compute_ns, idle_ns;

EMBER_ACCOUNT(ember_compute)

/* Burn ~20 ms in chunks; the truth is the time spent here (wall), of
 * which the CPU time is ember_compute's account. */
__attribute__((noinline)) void ember_compute(unsigned long chunk)
{
	long long t0 = mono_ns(), end = t0 + 20000000LL, t;

	do {
		ember_burn(chunk);
		t = mono_ns();
	} while (t < end);
	compute_ns += t - t0;
}

__attribute__((noinline)) void ember_idle(void)
{
	long long t0 = mono_ns();

	RAW_NANOSLEEP(20000000L);
	idle_ns += mono_ns() - t0;
}

static int mode_wall(double secs)
{
	long long end = mono_ns() + (long long)(secs * 1e9);
	unsigned long chunk = 20000;

	while (mono_ns() < end) {
		EMBER_BURN(ember_compute, chunk);
		ember_idle();
	}
	printf("truth compute_ns=%lld compute_cpu_ns=%llu idle_ns=%lld\n", compute_ns,
	       ember_compute_account.ns, idle_ns);
	return 0;
}

/* ----------------------------------------------------------------- pingpong */

static int ping[2], pong[2];
static long pp_rounds;

static void *pong_thread(void *arg)
{
	char c;

	(void)arg;
	for (long i = 0; i < pp_rounds; i++) {
		if (raw_syscall3(SYS_read, ping[0], (long)&c, 1) != 1 ||
		    raw_syscall3(SYS_write, pong[1], (long)&c, 1) != 1) {
			fprintf(stderr, "offcpu_work: pong failed\n");
			exit(1);
		}
	}
	return NULL;
}

static int mode_pingpong(long n)
{
	struct rusage r0, r1;
	pthread_t th;
	long long t0, t1;
	char c = 'x';

	pp_rounds = n;
	if (pipe(ping) || pipe(pong))
		die("pipe");
	if (pthread_create(&th, NULL, pong_thread, NULL))
		die("pthread_create");
	getrusage(RUSAGE_SELF, &r0);
	t0 = mono_ns();
	for (long i = 0; i < n; i++) {
		if (raw_syscall3(SYS_write, ping[1], (long)&c, 1) != 1 ||
		    raw_syscall3(SYS_read, pong[0], (long)&c, 1) != 1) {
			fprintf(stderr, "offcpu_work: ping failed\n");
			exit(1);
		}
	}
	pthread_join(th, NULL);
	t1 = mono_ns();
	getrusage(RUSAGE_SELF, &r1);
	/* Context switches of both threads (RUSAGE_SELF sums the threads). */
	printf("pingpong n=%ld elapsed_ns=%lld nvcsw=%ld nivcsw=%ld\n", n, t1 - t0,
	       r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr, "usage: offcpu_work ab N [SPLIT_US]\n"
			"       offcpu_work pipe|mutex|pingpong N\n"
			"       offcpu_work wall|hold SECONDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[1], "ab")))
		usage();
	mode = argv[1];
	if (!strcmp(mode, "hold")) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!strcmp(mode, "ab")) {
		if (argc > 3)
			split_ns = atoll(argv[3]) * 1000;
		return mode_ab(atol(argv[2]));
	}
	if (!strcmp(mode, "pipe"))
		return mode_pipe(atol(argv[2]));
	if (!strcmp(mode, "mutex"))
		return mode_mutex(atol(argv[2]));
	if (!strcmp(mode, "wall"))
		return mode_wall(atof(argv[2]));
	if (!strcmp(mode, "hold"))
		return mode_hold(atof(argv[2]));
	if (!strcmp(mode, "pingpong"))
		return mode_pingpong(atol(argv[2]));
	usage();
	return 2;
}
