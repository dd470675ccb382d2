// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * threads: one process, two threads burning in different functions.
 *
 *   threads SECONDS
 *
 * Thread one (named "thr-one") burns in ember_thread_one, thread two
 * ("thr-two") in ember_thread_two; the main thread (comm "threads") only
 * waits. Once both threads run it prints "tids ONE TWO" on stdout.
 * The thread names differ from the process name on purpose: profiles
 * must use the process's comm as the root frame.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "burn.h"

volatile unsigned long ember_sink;
static double deadline;
static sem_t started;
static pid_t tids[2];

EMBER_BURN_FN(ember_thread_one)

EMBER_BURN_FN(ember_thread_two)

static void *run(void *arg)
{
	long which = (long)arg;

	tids[which] = (pid_t)syscall(SYS_gettid);
	pthread_setname_np(pthread_self(), which == 0 ? "thr-one" : "thr-two");
	sem_post(&started);
	while (now() < deadline) {
		if (which == 0)
			EMBER_BURN(ember_thread_one, 200000);
		else
			EMBER_BURN(ember_thread_two, 200000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5.0;
	pthread_t th[2];

	deadline = now() + secs;
	sem_init(&started, 0, 0);
	for (long i = 0; i < 2; i++) {
		if (pthread_create(&th[i], NULL, run, (void *)i)) {
			perror("pthread_create");
			return 1;
		}
	}
	sem_wait(&started);
	sem_wait(&started);
	printf("tids %d %d\n", (int)tids[0], (int)tids[1]);
	fflush(stdout);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	return 0;
}
