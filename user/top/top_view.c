// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "top/top_view.h"

#define MAX_WIDTH 512

struct out {
	top_line_fn fn;
	void *ctx;
	int width, y;
	char buf[MAX_WIDTH + 1];
};

static void put(struct out *o, enum top_attr attr, const char *fmt, ...) __printf(3, 4);

static void put(struct out *o, enum top_attr attr, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf, o->width + 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > o->width)
		n = o->width;
	memset(o->buf + n, ' ', o->width - n);
	o->buf[o->width] = '\0';
	o->fn(o->ctx, o->y++, o->buf, attr);
}

static void blank(struct out *o)
{
	memset(o->buf, ' ', o->width);
	o->buf[o->width] = '\0';
	o->fn(o->ctx, o->y++, o->buf, TOP_ATTR_NORMAL);
}

void top_view__bytes(char *buf, size_t size, double b)
{
	static const char units[] = "BKMGTP";
	int u = 0;

	while (b >= 1024 && u < 5) {
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0f%c", b, units[u]);
	else
		snprintf(buf, size, b < 10 ? "%.1f%c" : "%.0f%c", b, units[u]);
}

static void header(struct out *o, const struct top_view_in *in)
{
	const struct top_sys_view *s = in->sys;
	char used[16], total[16], avail[16], cache[16], swap[16], a[16], b[16];
	int up = (int)s->uptime_s;
	struct top_totals tt;

	/* what keys change first: narrow screens cut the end */
	put(o, TOP_ATTR_TITLE,
	    "ember top - up %d:%02d:%02d, load %.2f %.2f %.2f, sort %s, every %.1f s, %s",
	    up / 3600, up / 60 % 60, up % 60, s->load.one, s->load.five, s->load.fifteen,
	    top_sort__name(in->sort), in->interval, in->event);
	if (!s->rates) {
		put(o, TOP_ATTR_NORMAL, "CPU  (first figures after one interval)");
	} else {
		put(o, TOP_ATTR_NORMAL,
		    /* top(1)'s abbreviations: all eight fit in 80 columns */
		    "CPU %5.1f%%  us %.1f  sy %.1f  wa %.1f  hi %.1f  si %.1f  st %.1f  id %.1f",
		    s->busy_pct, s->user_pct, s->system_pct, s->iowait_pct, s->irq_pct,
		    s->softirq_pct, s->steal_pct, s->idle_pct);
		/* per CPU, as many lines as it takes (at most 4) */
		for (int c = 0, line = 0; c < s->nr_cpu && line < 4; line++) {
			char text[MAX_WIDTH + 1];
			size_t used_len = 0;

			text[0] = '\0';
			while (c < s->nr_cpu && used_len + 13 <= (size_t)o->width) {
				used_len += snprintf(text + used_len, sizeof(text) - used_len,
						     "%scpu%-3d%5.1f%%", used_len ? "  " : "", c,
						     s->cpu_busy_pct[c]);
				c++;
			}
			if (!used_len)
				break;
			put(o, TOP_ATTR_NORMAL, "%s", text);
		}
	}
	top_view__bytes(used, sizeof(used), s->mem_used);
	top_view__bytes(total, sizeof(total), s->mem.total);
	top_view__bytes(avail, sizeof(avail), s->mem.available);
	top_view__bytes(cache, sizeof(cache), s->mem.cached);
	top_view__bytes(swap, sizeof(swap), s->mem.swap_total - s->mem.swap_free);
	put(o, TOP_ATTR_NORMAL,
	    "Mem  %s used of %s (%.1f%%), %s available, %s cached, swap %s used", used, total,
	    s->mem.total ? 100.0 * s->mem_used / s->mem.total : 0, avail, cache, swap);
	if (s->rates) {
		char busy[48] = "";

		top_view__bytes(a, sizeof(a), s->disk_read_bps);
		top_view__bytes(b, sizeof(b), s->disk_write_bps);
		if (s->busiest_disk)
			snprintf(busy, sizeof(busy), " (%s %.0f%% busy)", s->busiest_disk,
				 s->disk_busy_pct);
		{
			char rx[16], tx[16];

			top_view__bytes(rx, sizeof(rx), s->net_rx_bps);
			top_view__bytes(tx, sizeof(tx), s->net_tx_bps);
			put(o, TOP_ATTR_NORMAL,
			    "Disk %s/s read, %s/s written%s  Net %s/s in, %s/s out, %.0f/%.0f "
			    "packets/s",
			    a, b, busy, rx, tx, s->net_rx_pps, s->net_tx_pps);
		}
	} else {
		put(o, TOP_ATTR_NORMAL, "Disk, Net  (first figures after one interval)");
	}
	top_table__totals(in->table, &tt);
	put(o, TOP_ATTR_NORMAL,
	    "Tasks %zu processes (%zu running, %zu exited since the last refresh), %u threads, "
	    "%.0f switches/s",
	    tt.procs, tt.running, tt.exited, tt.threads, s->ctxt_per_s);
}

#define TABLE_HEAD "    PID COMMAND         S  CPU%%   OFF%%    RSS  THR      TIME"

static void table_head(struct out *o, const struct top_view_in *in)
{
	(void)in;
	put(o, TOP_ATTR_HEADER, TABLE_HEAD);
}

static void row(struct out *o, const struct top_view_in *in, const struct top_row *r,
		enum top_attr attr)
{
	char rss[16], time[16];
	int secs = (int)r->cpu_time_s;

	top_view__bytes(rss, sizeof(rss), r->rss);
	if (secs >= 3600)
		snprintf(time, sizeof(time), "%d:%02d:%02d", secs / 3600, secs / 60 % 60,
			 secs % 60);
	else
		snprintf(time, sizeof(time), "%d:%05.2f", secs / 60,
			 r->cpu_time_s - (secs / 60) * 60);
	/* '*' marks the process the panel follows */
	put(o, attr, "%7u%c%-15.15s %c %5.1f %6.1f %6s %4u %9s", r->pid,
	    in->focus && r->pid == in->focus ? '*' : ' ', r->comm, r->state, r->cpu_pct,
	    r->offcpu_pct, r->state == 'X' ? "-" : rss, r->threads, r->state == 'X' ? "-" : time);
}

static const char *const panel_names[] = { "CPU", "off-CPU", "allocations" };

static void panel(struct out *o, const struct top_view_in *in, int rows)
{
	const struct top_panel *p = in->panel;
	const struct top_func *f;
	size_t n = top_panel__funcs(p, &f);
	double total = top_panel__total(p);
	const char *status = top_panel__status(p);
	enum top_panel_kind k = top_panel__kind(p);
	char who[64], amount[32];
	struct top_panel_losses l;

	if (top_panel__pid(p))
		snprintf(who, sizeof(who), "process %u", top_panel__pid(p));
	else
		snprintf(who, sizeof(who), "whole machine");
	if (k == TOP_PANEL_CPU)
		snprintf(amount, sizeof(amount), "%.0f samples", total);
	else if (k == TOP_PANEL_OFFCPU)
		snprintf(amount, sizeof(amount), "%.3f s blocked", total / 1e9);
	else
		top_view__bytes(amount, sizeof(amount), total);
	top_panel__losses(p, &l);
	put(o, TOP_ATTR_HEADER, "  SELF%%  TOTAL%%  Hot functions: %s, %s, last %.1f s, %s%s",
	    panel_names[k], who, top_panel__window(p), amount,
	    k == TOP_PANEL_ALLOC ? " allocated" : "");
	rows--;
	if (status && rows > 0) {
		put(o, TOP_ATTR_NORMAL, "  %s", status);
		rows--;
	}
	for (size_t i = 0; i < n && rows > 0; i++, rows--) {
		const char *mod = f[i].module ? strrchr(f[i].module, '/') : NULL;

		mod = mod ? mod + 1 : f[i].module;
		put(o, TOP_ATTR_NORMAL, " %6.1f  %6.1f  %s%s%s%s%s",
		    total ? 100 * f[i].self / total : 0, total ? 100 * f[i].total / total : 0,
		    f[i].name, f[i].kind == FRAME_KERNEL ? " [kernel]" : "", mod ? " [" : "",
		    mod ? mod : "", mod ? "]" : "");
	}
	if (in->batch && (l.lost || l.truncated || l.renewals))
		put(o, TOP_ATTR_NORMAL,
		    "  (%llu stacks lost to full maps, %llu truncated, %llu collector renewals)",
		    (unsigned long long)l.lost, (unsigned long long)l.truncated,
		    (unsigned long long)l.renewals);
}

static const char *const help_lines[] = {
	"ember top: processes by CPU measured from BPF samples (so processes that live",
	"less than a refresh count too), their time blocked off CPU, and the hottest",
	"functions of the machine or of one process.",
	"",
	"  q, Ctrl-C     quit",
	"  Up/Down       select a process (PgUp/PgDn, Home/End)",
	"  s             next sort column (CPU%, OFF%, RSS, THR, TIME, PID, COMMAND)",
	"  Enter, p      panel follows the selected process; again: whole machine",
	"  c             panel: on-CPU functions (samples)",
	"  o             panel: off-CPU, by the user function that blocked",
	"  a             panel: bytes allocated, by function (the focused process)",
	"  h, ?          this help; any key closes it",
	"",
	"CPU% : 100 = one CPU for the whole interval.  OFF% : time its threads spent",
	"blocked (sleep, I/O, locks), 100 = one thread all the time.  S: state, X =",
	"exited since the last refresh.  Panel: SELF% where the function was running",
	"(the leaf), TOTAL% with its callees, over the last few seconds.",
};

int top_view__render(const struct top_view_in *in, int width, int height, long *scroll,
		     top_line_fn fn, void *ctx)
{
	struct out o = { .fn = fn, .ctx = ctx };
	size_t nr = top_table__nr(in->table);
	int table_rows, panel_rows = 0, shown = 0;
	long first;

	o.width = width < 20 ? 20 : width > MAX_WIDTH ? MAX_WIDTH : width;
	header(&o, in);
	if (in->batch) {
		if (in->losses)
			put(&o, TOP_ATTR_NORMAL, "%s", in->losses);
		blank(&o);
		table_head(&o, in);
		for (size_t i = 0; i < nr; i++, shown++)
			row(&o, in, top_table__row(in->table, i), TOP_ATTR_NORMAL);
		if (in->panel) {
			blank(&o);
			panel(&o, in, in->panel_rows + 2);
		}
		return shown;
	}
	put(&o, TOP_ATTR_NORMAL, "%s%s%s", in->message ? in->message : "",
	    in->message && in->losses ? "  " : "", in->losses ? in->losses : "");
	if (in->help) {
		for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]) && o.y < height;
		     i++)
			put(&o, TOP_ATTR_NORMAL, "%s", help_lines[i]);
		while (o.y < height)
			blank(&o);
		return 0;
	}
	/* what is left: the table gets 3/5, the panel the rest (at least a
	 * title and three functions when there is room) */
	table_rows = height - o.y - 1;
	if (in->panel && table_rows >= 8) {
		panel_rows = table_rows * 2 / 5;
		if (panel_rows < 4)
			panel_rows = 4;
		table_rows -= panel_rows;
	}
	if (table_rows < 1)
		table_rows = 1;
	first = *scroll;
	if (in->selected >= 0) {
		if (in->selected < first)
			first = in->selected;
		if (in->selected >= first + table_rows)
			first = in->selected - table_rows + 1;
	}
	if (first > (long)nr - table_rows)
		first = (long)nr - table_rows;
	if (first < 0)
		first = 0;
	*scroll = first;
	table_head(&o, in);
	for (long i = first; i < (long)nr && shown < table_rows; i++, shown++)
		row(&o, in, top_table__row(in->table, i),
		    i == in->selected ? TOP_ATTR_SELECTED : TOP_ATTR_NORMAL);
	for (int i = shown; i < table_rows; i++)
		blank(&o);
	if (panel_rows)
		panel(&o, in, panel_rows);
	while (o.y < height)
		blank(&o);
	return shown;
}
