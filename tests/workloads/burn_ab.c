// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * burn_ab: ember_burn_a does exactly 3x the work of ember_burn_b.
 *
 *   burn_ab SECONDS [wait]
 *
 * Both functions run the same loop body (a volatile accumulator, so the
 * compiler cannot shorten it) and are aligned alike, so an iteration costs
 * the same in each. They alternate in small chunks (about 2 ms of B, 7 ms of A);
 * each chunk's size is jittered so the pattern cannot alias with a
 * periodic sampling timer, but A always gets exactly 3x B's iterations.
 * Both are leaf functions: every sample in them names them from the IP.
 *
 * SECONDS <= 0 burns until killed. With "wait" the program prints
 * "ready PID" and waits for SIGUSR1 before burning, so a profiler can
 * attach with -p first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "burn.h"

#define CHUNK 3000000UL

volatile unsigned long ember_sink;

EMBER_BURN_FN(ember_burn_a)

EMBER_BURN_FN(ember_burn_b)

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5.0;
	unsigned int seed = (unsigned int)getpid();
	unsigned long pairs = 0;
	double end;

	if (argc > 2 && strcmp(argv[2], "wait") == 0) {
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		printf("ready %d\n", (int)getpid());
		fflush(stdout);
		sigwait(&set, &sig);
	}

	end = now() + secs;
	while (secs <= 0 || now() < end) {
		unsigned long n = CHUNK / 2 + (unsigned long)rand_r(&seed) % CHUNK;

		EMBER_BURN(ember_burn_a, 3 * n);
		EMBER_BURN(ember_burn_b, n);
		pairs++;
	}
	printf("done %lu\n", pairs);
	return 0;
}
