// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The collectors' defaults, the one place record's options and top's
 * panel take them from. */
#include <string.h>
#include <unistd.h>
#include "collect/collector_config.h"
#include "ember_abi.h"

void collector_config__defaults(struct collector_config *cc)
{
	/* Unique stacks grow with the samples taken, so with the CPUs:
	 * 4096 a CPU (4 MB of kernel memory each), 8192 to 65536. */
	long n = sysconf(_SC_NPROCESSORS_CONF) * 4096L;
	unsigned int capacity = n < 8192 ? 8192 : n > 65536 ? 65536 : (unsigned int)n;

	memset(cc, 0, sizeof(*cc));
	cc->scope.stack_storage = capacity;
	cc->scope.max_entries = capacity;
	cc->cpu.freq = 99;
	cc->offcpu.state_mask = EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE;
	cc->alloc.max_live = 1u << 20;
}
