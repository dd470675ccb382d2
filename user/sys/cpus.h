/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CPU sets: the online CPUs and user-given lists such as "0,2-3". */
#ifndef EMBER_CPUS_H
#define EMBER_CPUS_H

#include <stdbool.h>

/* Parse a list like "0,2-5" into mask[0..nr-1]. Returns 0, or -EINVAL
 * for bad syntax or a CPU >= nr. An empty list is invalid. */
int cpulist__parse(const char *s, bool *mask, int nr);
/* The online CPUs from sysfs (path NULL for the default); nr is the
 * number of possible CPUs. Returns 0 or a negative errno. */
int cpulist__online(const char *path, bool *mask, int nr);

#endif
