// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Latency histograms: percentiles, deltas and the printed form on
 * hand-made histograms; then live (as root) against a made-up load:
 * threads queued for one CPU, and direct writes to a block device. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "collect/latency.h"

static char *print_to_string(const struct latency_hist *h, const char *title)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	latency_hist__print(h, title, f);
	fclose(f);
	return buf;
}

static void test_percentile(void **state)
{
	struct latency_hist h = {};

	(void)state;
	assert_true(latency_hist__percentile(&h, 50) == 0.0);
	h.buckets[0] = 10; /* [0, 2) us */
	h.buckets[3] = 10; /* [8, 16) us */
	h.count = 20;
	assert_true(latency_hist__percentile(&h, 0) == 0.0);
	assert_true(latency_hist__percentile(&h, 25) == 1.0);
	assert_true(latency_hist__percentile(&h, 50) == 2.0);
	assert_true(latency_hist__percentile(&h, 75) == 12.0);
	assert_true(latency_hist__percentile(&h, 100) == 16.0);
	assert_true(latency_hist__percentile(&h, 250) == 16.0); /* clamped */
	assert_true(latency_hist__percentile(&h, -3) == 0.0);

	/* Empty buckets in between are passed over, not interpolated in. */
	memset(&h, 0, sizeof(h));
	h.buckets[2] = 1; /* [4, 8) */
	h.buckets[9] = 3; /* [512, 1024) */
	assert_true(latency_hist__percentile(&h, 25) == 8.0);
	assert_true(latency_hist__percentile(&h, 50) == 512.0 + 512.0 / 3);

	/* The open-ended last bucket gives its lower bound. */
	memset(&h, 0, sizeof(h));
	h.buckets[LATENCY_BUCKETS - 1] = 4;
	assert_true(latency_hist__percentile(&h, 99) == 2147483648.0);
}

static void test_sub(void **state)
{
	struct latency_hist a = { .count = 30, .sum_ns = 9000 },
			    b = { .count = 12, .sum_ns = 1000 };

	(void)state;
	for (int i = 0; i < LATENCY_BUCKETS; i++) {
		a.buckets[i] = 100 + i;
		b.buckets[i] = i;
	}
	b.buckets[5] = 500; /* more than a: saturates at 0 */
	latency_hist__sub(&a, &b);
	assert_int_equal(a.count, 18);
	assert_int_equal(a.sum_ns, 8000);
	for (int i = 0; i < LATENCY_BUCKETS; i++)
		assert_int_equal(a.buckets[i], i == 5 ? 0 : 100);
	/* b untouched */
	assert_int_equal(b.count, 12);
	assert_int_equal(b.buckets[5], 500);
}

static void test_print(void **state)
{
	struct latency_hist h = { .count = 35, .sum_ns = 350000 };
	char *s;

	(void)state;
	h.buckets[1] = 10;
	h.buckets[3] = 20;
	h.buckets[4] = 5;
	s = print_to_string(&h, "run-queue latency");
	assert_string_equal(
	    s, "run-queue latency: 35 events, mean 10.0 us, p50 11.0 us, p99 30.9 us\n"
	       "     usecs               : count    distribution\n"
	       "         2 -> 3          : 10       |********************                    |\n"
	       "         4 -> 7          : 0        |                                        |\n"
	       "         8 -> 15         : 20       |****************************************|\n"
	       "        16 -> 31         : 5        |**********                              |\n");
	free(s);

	memset(&h, 0, sizeof(h));
	s = print_to_string(&h, "block I/O latency");
	assert_string_equal(s, "block I/O latency: no events\n");
	free(s);

	/* First and last buckets; counts too large to multiply by 40. */
	h.buckets[0] = UINT64_MAX / 4;
	h.buckets[LATENCY_BUCKETS - 1] = UINT64_MAX / 2;
	h.count = h.buckets[0] + h.buckets[LATENCY_BUCKETS - 1];
	h.sum_ns = 0;
	s = print_to_string(&h, "x");
	assert_non_null(strstr(s, "\n         0 -> 1          : 4611686018427387903 "
				  "|********************                    |\n"));
	assert_non_null(strstr(s, "\n2147483648 -> inf        : 9223372036854775807 "
				  "|****************************************|\n"));
	free(s);
}

/* ---- live ---- */

static volatile int stop_load;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int load_cpu;

static void *busy(void *arg)
{
	(void)arg;
	pin(load_cpu);
	while (!__atomic_load_n(&stop_load, __ATOMIC_RELAXED))
		;
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec ms = { 0, 1000000 };

	(void)arg;
	pin(load_cpu);
	while (!__atomic_load_n(&stop_load, __ATOMIC_RELAXED))
		nanosleep(&ms, NULL);
	return NULL;
}

/* A directory on a real block device (not tmpfs, overlay, ...). */
static const char *block_dir(void)
{
	const char *cands[] = { getenv("TMPDIR"), "/var/tmp", "/tmp", "." };

	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		char sys[64];
		struct stat st;

		if (!cands[i] || stat(cands[i], &st) || !S_ISDIR(st.st_mode) ||
		    access(cands[i], W_OK))
			continue;
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(st.st_dev),
			 minor(st.st_dev));
		if (access(sys, F_OK) == 0)
			return cands[i];
	}
	return NULL;
}

/* 8 MiB straight to the device (O_DIRECT), or written and synced. */
static void write_to_disk(const char *dir)
{
	enum {
		CHUNK = 1 << 20,
		TOTAL = 8 << 20
	};
	char path[4096];
	void *buf = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/ember-latency-XXXXXX", dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(posix_memalign(&buf, 4096, CHUNK), 0);
	memset(buf, 0x5a, CHUNK);
	if (fcntl(fd, F_SETFL, O_DIRECT) != 0)
		printf("# no O_DIRECT on %s (%s): write + fsync\n", dir, strerror(errno));
	for (int off = 0; off < TOTAL; off += CHUNK)
		assert_int_equal(pwrite(fd, buf, CHUNK, off), CHUNK);
	assert_int_equal(fsync(fd), 0);
	close(fd);
	free(buf);
}

static __u64 from_bucket(const struct latency_hist *h, int first)
{
	__u64 n = 0;

	for (int i = first; i < LATENCY_BUCKETS; i++)
		n += h->buckets[i];
	return n;
}

static void test_live(void **state)
{
	struct latency_hist runq0, bio0, runq, bio;
	__u64 stats[EMBER_STAT_MAX] = {};
	struct timespec run = { 0, 300000000 };
	pthread_t th[5];
	const char *dir;
	struct latency *l;

	(void)state;
	if (geteuid() != 0) {
		printf("# live latency test needs root\n");
		skip();
	}
	l = latency__open();
	assert_non_null(l);
	assert_int_equal(latency__read(l, &runq0, &bio0), 0);

	/* Four spinning threads and a 1 ms sleeper on one CPU: each waits
	 * for the others' slices, milliseconds at a time. */
	load_cpu = sched_getcpu();
	stop_load = 0;
	for (int i = 0; i < 5; i++)
		assert_int_equal(pthread_create(&th[i], NULL, i < 4 ? busy : sleeper, NULL), 0);
	dir = block_dir();
	if (dir)
		write_to_disk(dir);
	else
		printf("# no writable directory on a block device: block I/O part skipped\n");
	nanosleep(&run, NULL);
	__atomic_store_n(&stop_load, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 5; i++)
		pthread_join(th[i], NULL);

	assert_int_equal(latency__read(l, &runq, &bio), 0);
	latency_hist__sub(&runq, &runq0);
	latency_hist__sub(&bio, &bio0);
	latency_hist__print(&runq, "run-queue latency", stdout);
	latency_hist__print(&bio, "block I/O latency", stdout);
	latency__stats(l, stats);
	printf("# runq_full %llu runq_no_start %llu bio_full %llu bio_no_start %llu "
	       "prog_misses %llu\n",
	       (unsigned long long)stats[EMBER_STAT_RUNQ_FULL],
	       (unsigned long long)stats[EMBER_STAT_RUNQ_NO_START],
	       (unsigned long long)stats[EMBER_STAT_BIO_FULL],
	       (unsigned long long)stats[EMBER_STAT_BIO_NO_START],
	       (unsigned long long)stats[EMBER_STAT_PROG_MISSES]);

	assert_true(runq.count > 0);
	assert_true(runq.sum_ns > 0);
	assert_true(from_bucket(&runq, 10) > 0); /* some waits of 1024 us or more */
	assert_true(from_bucket(&runq, 0) >= runq.count - runq.count / 100);
	assert_int_equal(stats[EMBER_STAT_RUNQ_FULL], 0);
	if (dir) {
		assert_true(bio.count > 0);
		assert_true(from_bucket(&bio, 0) > 0);
		assert_int_equal(stats[EMBER_STAT_BIO_FULL], 0);
	}
	latency__free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
