/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * top_panel: ember top's hottest functions, for the whole machine or one
 * process: on-CPU samples, time blocked (off-CPU, by the user function
 * that blocked) or bytes allocated (one process). It runs the matching
 * record collector, reads its growing totals each refresh, symbolizes
 * what is new, and sums it by function over a sliding window of refreshes.
 */
#ifndef EMBER_TOP_PANEL_H
#define EMBER_TOP_PANEL_H

#include <stddef.h>
#include <linux/types.h>
#include "profile/profile.h"

enum top_panel_kind {
	TOP_PANEL_CPU,
	TOP_PANEL_OFFCPU,
	TOP_PANEL_ALLOC,
};

struct top_func {
	const char *name;   /* function, module+0xOFF or a marker */
	const char *module; /* file the function is in; NULL for the kernel */
	enum frame_kind kind;
	double self;  /* value where it was the leaf, over the window */
	double total; /* value of stacks it was in (once per stack) */
};

struct top_panel;

/* freq: CPU samples per second per CPU; window_s: seconds summed;
 * stack_storage: the collector's stacks map size, 0 for record's default.
 * NULL with the error printed. */
struct top_panel *top_panel__new(unsigned int freq, double window_s, unsigned int stack_storage);
void top_panel__free(struct top_panel *p);
/* Switch to kind for one process (pid) or the machine (0). Starts its
 * collector; on failure the panel says why (top_panel__status) and stays
 * empty. Allocations need a process. */
int top_panel__set(struct top_panel *p, enum top_panel_kind kind, __u32 pid);
enum top_panel_kind top_panel__kind(const struct top_panel *p);
__u32 top_panel__pid(const struct top_panel *p);
/* Read what is new (now: seconds, monotonic). 0 or -errno. */
int top_panel__refresh(struct top_panel *p, double now);
/* Functions by self value, largest first; valid until the next refresh. */
size_t top_panel__funcs(const struct top_panel *p, const struct top_func **out);
/* Sum of the window's values and the seconds it covers. */
double top_panel__total(const struct top_panel *p);
double top_panel__window(const struct top_panel *p);
/* Why the panel is empty, or NULL. */
const char *top_panel__status(const struct top_panel *p);
/* Stacks lost to full maps, truncated, or with unnamed frames so far. */
struct top_panel_losses {
	__u64 lost, truncated, unnamed;
	__u64 renewals; /* collectors replaced as their stacks map filled */
};
void top_panel__losses(const struct top_panel *p, struct top_panel_losses *l);

#endif
