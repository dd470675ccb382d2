/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * flamegraph: a profile as a self-contained interactive SVG flame graph,
 * after flamegraph.pl's conventions: one <g> per frame holding a <title>
 * ("name (1,234 samples, 12.34%)"), a <rect> whose x and width are in
 * pixels, proportional to the values, and a <text> label when it fits.
 * The embedded script (no network) zooms on click, searches (Ctrl-F, the
 * Search button, or "?s=REGEX" in the URL) and shows "Matched: x.x%".
 *
 * Colours are a hash of the name, so the same profile always draws the
 * same file: user frames red-yellow, kernel orange, interpreter green,
 * processes yellow, off-CPU time ([off-cpu]/[runnable] leaves and frames
 * whose value is mostly in stacks ending in one) blue, [runnable] itself
 * purple, other markers grey.
 */
#ifndef EMBER_FLAMEGRAPH_H
#define EMBER_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "profile/profile.h"

#define FLAMEGRAPH_WIDTH 1200
#define FLAMEGRAPH_FRAME_HEIGHT 16
#define FLAMEGRAPH_MIN_WIDTH 0.1

struct flamegraph_opts {
	const char *title;    /* NULL: "Flame Graph", "Icicle Graph" or "Differential ..." */
	const char *subtitle; /* NULL: none (the differential one explains its colours) */
	/* What the values count, as shown: "samples", "microseconds",
	 * "bytes"; NULL: from the value type's unit ("count" is samples). */
	const char *unit;
	unsigned int type; /* value type index */
	/* Shown values are divided by this (1000: nanoseconds shown as
	 * microseconds, with unit set to match); 0 or 1: as they are. */
	int64_t divisor;
	unsigned int width;	   /* image width, px; 0: FLAMEGRAPH_WIDTH */
	unsigned int frame_height; /* px; 0: FLAMEGRAPH_FRAME_HEIGHT */
	/* Frames narrower than this many px are not drawn (their values stay
	 * in their parents); 0 draws every frame. */
	double min_width;
	bool inverted; /* icicle graph: the root at the top */
	/* Every stack is off-CPU time (an offcpu profile): draw every frame
	 * in the off-CPU colours. */
	bool offcpu;
	/* Differential: compare each frame's share of its profile's total
	 * rather than its value. */
	bool normalize;
};

/* Defaults: as a zeroed struct, with min_width FLAMEGRAPH_MIN_WIDTH. */
void flamegraph_opts__init(struct flamegraph_opts *o);

/*
 * Write p's flame graph, streaming. A profile with no positive value
 * draws a valid SVG saying so. Returns 0 or a negative errno: -EINVAL
 * (bad type or options), -ENOMEM, -EOVERFLOW, or the write error.
 */
int flamegraph__write(const struct profile *p, const struct flamegraph_opts *o, FILE *out);

/*
 * Differential flame graph: frames and widths from `after`; each frame
 * coloured by the change of its value (normalize: of its share of the
 * total) from `before` to `after`: red where it grew, blue where it
 * shrank, deeper in proportion to the change against the largest change
 * of any frame drawn, light grey when unchanged, pure red when the frame
 * is not in `before` at all. The title reads "name (after, share; before
 * VALUE, share; change)". Both profiles use o->type. Returns as
 * flamegraph__write.
 */
int flamegraph__write_diff(const struct profile *before, const struct profile *after,
			   const struct flamegraph_opts *o, FILE *out);

/* ember flamegraph FILE [OPTIONS]: argv[0] is "flamegraph". Exit status. */
int flamegraph__main(int argc, char **argv);

#endif
