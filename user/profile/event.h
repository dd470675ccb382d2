/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The events a profile can hold: what its values measure. Shared by the
 * options, the loss table and the summary, none of which owns the others. */
#ifndef EMBER_EVENT_H
#define EMBER_EVENT_H

enum ember_event {
	EVENT_CPU,    /* on-CPU samples */
	EVENT_OFFCPU, /* time blocked, microseconds */
	EVENT_WALL,   /* both, in microseconds, off-CPU marked */
	EVENT_ALLOC,  /* bytes allocated */
	EVENT_LEAK,   /* bytes still allocated at the end */
	EVENT_MAX,
};

/* "cpu", "offcpu", ... as -e spells it; "?" out of range. */
const char *event__name(enum ember_event e);

#endif
