// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "profile/event.h"

static const char *const event_names[EVENT_MAX] = {
	[EVENT_CPU] = "cpu",	 [EVENT_OFFCPU] = "offcpu", [EVENT_WALL] = "wall",
	[EVENT_ALLOC] = "alloc", [EVENT_LEAK] = "leak",
};

const char *event__name(enum ember_event e)
{
	return (unsigned int)e < EVENT_MAX ? event_names[e] : "?";
}
