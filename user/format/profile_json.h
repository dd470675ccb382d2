/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile_json: the whole profile as one JSON document, for scripts:
 *
 *   {"version": 1, "event": "cpu",
 *    "value_types": [{"type": "samples", "unit": "count"}],
 *    "comments": ["..."], "totals": [N], "losses": {"stacks_map_full": N, ...},
 *    "stacks": [{"frames": [{"name": "app", "kind": "process"},
 *                           {"name": "main", "kind": "user", "module": "/usr/bin/app",
 *                            "build_id": "ab12..."}, ...],
 *                "values": [N]}, ...]}
 *
 * Frames run root to leaf; kind is process, user, kernel, interp or
 * marker; module and build_id are left out when unknown. values and totals
 * follow value_types, in its units (nanoseconds stay nanoseconds). losses
 * holds the profile's counters. A folded line is the frame names joined by
 * ';' (kernel ones suffixed "_[k]", ';' in a name written ':') and the
 * first value (nanoseconds as microseconds, rounded once a line after
 * equal lines merge).
 */
#ifndef EMBER_PROFILE_JSON_H
#define EMBER_PROFILE_JSON_H

#include <stdint.h>
#include <stdio.h>
#include "profile/profile.h"

#define PROFILE_JSON_VERSION 1

struct profile_json_opts {
	const char *event;	/* "cpu", "offcpu"...; NULL: left out */
	int64_t duration_nanos; /* 0: left out */
};

/* One line of JSON and a newline. Returns 0 or a negative errno. */
int profile_json__write(const struct profile *p, const struct profile_json_opts *o, FILE *out);

#endif
