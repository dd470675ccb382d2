// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * short_lived: burns about 0.4 s and exits with status 7.
 *
 * The first ~50 ms are spent in ember_early_burn, the rest in
 * ember_short_burn, so a profiler that starts late (misses the start of a
 * `-- CMD`) shows few or no ember_early_burn samples.
 */
#include <stdio.h>
#include <time.h>
#include "burn.h"

volatile unsigned long ember_sink;

EMBER_BURN_FN(ember_early_burn)

EMBER_BURN_FN(ember_short_burn)

int main(void)
{
	double t0 = now();

	while (now() - t0 < 0.05)
		EMBER_BURN(ember_early_burn, 50000);
	while (now() - t0 < 0.4)
		EMBER_BURN(ember_short_burn, 50000);
	return 7;
}
