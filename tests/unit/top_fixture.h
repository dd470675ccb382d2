/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A fake /proc for ember top's tests: PID/stat files written by the test. */
#ifndef EMBER_TOP_FIXTURE_H
#define EMBER_TOP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fake_proc[64];

static inline void fake_proc_make(void)
{
	snprintf(fake_proc, sizeof(fake_proc), "/tmp/ember-top-XXXXXX");
	if (!mkdtemp(fake_proc))
		abort();
}

/* /proc/PID/stat with the fields ember reads: state, minflt, majflt,
 * utime, stime (ticks), threads, vsize, rss (pages). */
static inline void fake_proc_pid(unsigned int pid, const char *comm, char state, unsigned long utime,
			  unsigned long stime, unsigned int threads, unsigned long vsize,
			  unsigned long rss_pages)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", fake_proc, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/stat", fake_proc, pid);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f,
		"%u (%s) %c 1 %u %u 0 -1 4194560 10 0 2 0 %lu %lu 0 0 20 0 %u 0 100 %lu %lu "
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
		pid, comm, state, pid, pid, utime, stime, threads, vsize, rss_pages);
	fclose(f);
}

static inline void fake_proc_remove_pid(unsigned int pid)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%u/stat", fake_proc, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%u", fake_proc, pid);
	rmdir(path);
}

static inline void fake_proc_cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_proc);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", fake_proc);
}

#endif
