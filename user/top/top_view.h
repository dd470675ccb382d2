/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * top_view: ember top's screen as lines of text of a given size: header
 * (machine figures), process table, hot-functions panel, status line,
 * help. The terminal view and the batch snapshots both print these lines,
 * so what a script parses is what a person sees.
 */
#ifndef EMBER_TOP_VIEW_H
#define EMBER_TOP_VIEW_H

#include <stdbool.h>
#include <linux/types.h>
#include "top/top_panel.h"
#include "top/top_sys.h"
#include "top/top_table.h"

enum top_attr {
	TOP_ATTR_NORMAL,
	TOP_ATTR_TITLE,	   /* bold */
	TOP_ATTR_HEADER,   /* column headers: reverse video */
	TOP_ATTR_SELECTED, /* the selected row: reverse video */
};

struct top_view_in {
	const struct top_sys_view *sys;
	const struct top_table *table; /* sorted */
	const struct top_panel *panel; /* NULL: no panel */
	const char *event;	       /* what samples CPU time */
	double interval;
	enum top_sort sort;
	long selected; /* row index, -1: none */
	__u32 focus;   /* the panel's process, 0: the machine */
	bool help;
	const char *message; /* status line, NULL: none */
	/* What the process figures lost so far ("... N lost (...)"), NULL:
	 * nothing; on the status line, or after the header in batch. */
	const char *losses;
	bool batch;	/* every row, no selection */
	int panel_rows; /* batch: functions listed */
};

/* Called once a line, y from 0; text is exactly width columns (padded). */
typedef void (*top_line_fn)(void *ctx, int y, const char *text, enum top_attr attr);

/* Lays out one screen of width x height (height ignored in batch: every
 * row). *scroll is the first table row shown, moved to keep the
 * selection visible. Returns the number of table rows shown. */
int top_view__render(const struct top_view_in *in, int width, int height, long *scroll,
		     top_line_fn fn, void *ctx);

/* "1.5G", "512K", "100B": 4 significant characters at most plus unit. */
void top_view__bytes(char *buf, size_t size, double bytes);

#endif
