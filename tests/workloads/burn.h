/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the test workloads: functions that burn CPU in proportion to
 * their argument, a monotonic clock, and the CPU time each burn function
 * really got (the tests' ground truth).
 *
 * Every burn function runs the same loop body on a volatile accumulator
 * (the compiler cannot shorten it) and is 64-byte aligned, so an iteration
 * costs the same in each: work ratios become sample ratios. They are leaf
 * functions, so a sample in one always names it from the IP.
 *
 * Ground truth: on a machine with other load a function that burns for N
 * wall seconds gets less than N seconds of CPU, and a sampling profiler
 * sees only the CPU time. EMBER_BURN(fn, ARGS) calls fn(ARGS) and adds the
 * calling thread's CPU time across the call (CLOCK_THREAD_CPUTIME_ID) to
 * fn's account (EMBER_BURN_FN or EMBER_ACCOUNT makes one). When the environment names a file in EMBER_CPU_REPORT,
 * each process appends at exit (or at ember_cpu_report()) one line per
 * burn function that ran, "cpu PID FUNC NS", and one with its whole CPU
 * time, "process PID NS" (every thread, the exited ones too). A forked
 * child starts its accounts at zero.
 */
#ifndef EMBER_WORKLOAD_BURN_H
#define EMBER_WORKLOAD_BURN_H

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern volatile unsigned long ember_sink;

struct ember_account {
	const char *name;
	unsigned long long ns;
	struct ember_account *next;
};

static struct ember_account *ember_accounts;

static inline long long ember_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Appends this process's accounts to $EMBER_CPU_REPORT (once). */
static inline void ember_cpu_report(void)
{
	static int done;
	const char *path = getenv("EMBER_CPU_REPORT");
	char buf[4096];
	size_t len = 0;
	int fd, n;

	if (done || !path || !*path)
		return;
	done = 1;
	for (struct ember_account *a = ember_accounts; a; a = a->next) {
		unsigned long long ns = __atomic_load_n(&a->ns, __ATOMIC_RELAXED);

		n = ns ? snprintf(buf + len, sizeof(buf) - len, "cpu %d %s %llu\n", (int)getpid(),
				  a->name, ns)
		       : 0;
		if (n > 0 && (size_t)n < sizeof(buf) - len)
			len += (size_t)n;
	}
	n = snprintf(buf + len, sizeof(buf) - len, "process %d %lld\n", (int)getpid(),
		     ember_clock_ns(CLOCK_PROCESS_CPUTIME_ID));
	if (n > 0 && (size_t)n < sizeof(buf) - len)
		len += (size_t)n;
	/* one write of whole lines: processes appending at once do not mix */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		perror(path);
	if (fd >= 0)
		close(fd);
}

static inline void ember_accounts_reset(void)
{
	for (struct ember_account *a = ember_accounts; a; a = a->next)
		a->ns = 0;
}

static inline void ember_account_register(struct ember_account *a)
{
	if (!ember_accounts) {
		atexit(ember_cpu_report);
		pthread_atfork(NULL, NULL, ember_accounts_reset);
	}
	a->next = ember_accounts;
	ember_accounts = a;
}

/* An account for any function called through EMBER_BURN. */
#define EMBER_ACCOUNT(name)                                                                        \
	static struct ember_account name##_account = { #name, 0, NULL };                           \
	__attribute__((constructor)) static void name##_register(void)                             \
	{                                                                                          \
		ember_account_register(&name##_account);                                           \
	}

#define EMBER_BURN_FN(name)                                                                        \
	EMBER_ACCOUNT(name)                                                                        \
	__attribute__((noinline, aligned(64))) void name(unsigned long n)                          \
	{                                                                                          \
		volatile unsigned long acc = 0;                                                    \
		for (unsigned long i = 0; i < n; i++)                                              \
			acc = acc * 31 + i;                                                        \
		ember_sink = acc;                                                                  \
	}

/* name(args), its thread CPU time added to name's account */
#define EMBER_BURN(name, ...)                                                                      \
	do {                                                                                       \
		long long t0_ = ember_clock_ns(CLOCK_THREAD_CPUTIME_ID);                           \
		name(__VA_ARGS__);                                                                 \
		__atomic_add_fetch(&name##_account.ns,                                             \
				   ember_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0_,                  \
				   __ATOMIC_RELAXED);                                              \
	} while (0)

static inline double now(void)
{
	return ember_clock_ns(CLOCK_MONOTONIC) / 1e9;
}

#endif
