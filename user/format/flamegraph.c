// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The SVG writer. Layout follows flamegraph.pl so its users feel at home:
 * 10 px side margins, 16 px frames, the title above, the details line and
 * "Matched:" below; labels cut to what fits at 12 px Verdana with "..".
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h> /* isinf: a macro, no libm */
#include <stdlib.h>
#include <string.h>
#include "format/flamegraph.h"
#include "format/flamegraph_script.h"
#include "profile/call_tree.h"
#include "lib/hash.h"
#include "lib/utf8.h"

#define XPAD 10
#define FONT_SIZE 12.0
#define FONT_WIDTH 0.59 /* average glyph width over the font size */
#define TITLE_SIZE 17
#define PAD_TOP 36	/* the title, Search and Reset Zoom */
#define PAD_SUBTITLE 24 /* and the subtitle */
#define PAD_BOTTOM 34	/* the details line and Matched: */
#define MAX_WIDTH 100000
#define MAX_FRAME_HEIGHT 1000
#define MIN_FRAME_HEIGHT 4

struct rgb {
	int r, g, b;
};

struct layout {
	const struct flamegraph_opts *o;
	const char *unit;
	int64_t total, before_total;
	double scale;	  /* px per value unit */
	double font_size; /* frame labels */
	unsigned int height, top, bottom;
	double max_delta; /* differential: largest change of a frame not new */
	bool diff;
};

void flamegraph_opts__init(struct flamegraph_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->min_width = FLAMEGRAPH_MIN_WIDTH;
}

/* ---- text */

/* One character of a name as XML character data: a UTF-8 sequence of len
 * bytes, 0 for an invalid byte. */
static void put_char(FILE *out, const unsigned char *s, size_t len)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

	if (!len) {
		fputs(replacement, out);
		return;
	}
	if (len == 1) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			return;
		case '>':
			fputs("&gt;", out);
			return;
		case '&':
			fputs("&amp;", out);
			return;
		case '"':
			fputs("&quot;", out);
			return;
		case '\'':
			fputs("&#39;", out);
			return;
		}
		/* XML 1.0 has no control characters, not even escaped */
		if (*s < 0x20 || *s == 0x7f)
			fputs(replacement, out);
		else
			putc(*s, out);
		return;
	}
	/* not XML characters either: U+FFFE and U+FFFF */
	if (len == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
		fputs(replacement, out);
	else
		fwrite(s, 1, len, out);
}

/* Characters of s: a valid UTF-8 sequence or an invalid byte each. */
static size_t nr_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p) {
		size_t l = utf8__seq_len(p, 4);

		p += l ? l : 1;
		n++;
	}
	return n;
}

/*
 * s as XML text, invalid UTF-8 bytes replaced by U+FFFD. More than max
 * characters: the first max - 2 and "..", as flamegraph.pl cuts labels.
 */
static void put_text(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (max != SIZE_MAX && nr_chars(s) > max)
		max = max > 2 ? max - 2 : 0;
	else
		max = SIZE_MAX;
	for (; *p && n < max; n++) {
		size_t l = utf8__seq_len(p, 4);

		put_char(out, p, l);
		p += l ? l : 1;
	}
	if (*p)
		fputs("..", out);
}

/* 1234567 -> "1,234,567", as flamegraph.pl shows counts. */
static void put_count(FILE *out, int64_t v)
{
	char digits[24], *d;
	int len;

	if (v < 0) {
		putc('-', out);
		v = -v;
	}
	len = snprintf(digits, sizeof(digits), "%" PRId64, v);
	for (d = digits; *d; d++) {
		putc(*d, out);
		len--;
		if (len && len % 3 == 0)
			putc(',', out);
	}
}

static const char *count_name(const struct profile *p, const struct flamegraph_opts *o)
{
	const struct value_type *t = profile__type(p, o->type);

	if (o->unit)
		return o->unit;
	if (strcmp(t->unit, "count") == 0)
		return strstr(t->type, "objects") ? "objects" : "samples";
	if (strcmp(t->unit, "us") == 0)
		return "microseconds";
	if (strcmp(t->unit, "ns") == 0)
		return "nanoseconds";
	return t->unit;
}

static int64_t shown(const struct layout *l, int64_t v)
{
	int64_t d = l->o->divisor;

	return d > 1 ? (v + d / 2) / d : v;
}

static double pct(int64_t v, int64_t total)
{
	return total > 0 ? 100.0 * (double)v / (double)total : 0;
}

/* ---- colours */

/* Three numbers in [0, 1] from the name: the same name, the same colour,
 * in every graph. */
static void name_hash(const char *name, double v[3])
{
	uint64_t h = fnv1a_str(FNV1A_SEED, name);

	/* FNV-1a alone barely moves the low bits for names that differ in
	 * their last letter; a 64-bit finalizer spreads the difference. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	for (int i = 0; i < 3; i++)
		v[i] = (double)((h >> (i * 16)) & 0xffff) / 65535.0;
}

static struct rgb palette(double r0, double dr, double g0, double dg, double b0, double db,
			  const double v[3])
{
	return (struct rgb){ (int)(r0 + dr * v[0]), (int)(g0 + dg * v[1]), (int)(b0 + db * v[2]) };
}

static struct rgb frame_color(const struct layout *l, const struct call_node *n, size_t i)
{
	double v[3];

	name_hash(n->name, v);
	if (i == 0)
		return (struct rgb){ 200, 200, 200 };
	if (n->kind == FRAME_MARKER && strcmp(n->name, "[runnable]") == 0)
		return palette(190, 55, 80, 60, 190, 55, v); /* purple: waiting for a CPU */
	/* wall profiles: the frames where waiting is most of the time */
	if (l->o->offcpu || n->offcpu > n->total / 2)
		return palette(80, 60, 80, 60, 190, 55, (double[]){ v[0], v[0], v[2] }); /* blue */
	switch (n->kind) {
	case FRAME_KERNEL:
		return palette(215, 40, 100, 60, 0, 40, v); /* orange */
	case FRAME_INTERP:
		return palette(50, 60, 185, 60, 50, 60, v); /* green */
	case FRAME_PROCESS:
		return palette(175, 55, 175, 55, 50, 20,
			       (double[]){ v[0], v[0], v[2] }); /* yellow */
	case FRAME_MARKER:
		return palette(150, 50, 150, 50, 150, 50,
			       (double[]){ v[0], v[0], v[0] }); /* grey */
	case FRAME_USER:
	default:
		return palette(205, 50, 0, 230, 0, 55, v); /* red to yellow: "hot" */
	}
}

/* How much a frame changed: its value, or its share of the total. */
static double delta(const struct layout *l, const struct call_node *n)
{
	if (l->o->normalize) {
		double b = l->before_total > 0 ? (double)n->before / (double)l->before_total : 0;

		return (double)n->total / (double)l->total - b;
	}
	return (double)n->total - (double)n->before;
}

static struct rgb diff_color(const struct layout *l, const struct call_node *n)
{
	double d, k;
	int c;

	if (!n->before)
		return (struct rgb){ 255, 0, 0 };
	d = delta(l, n);
	if (d == 0 || l->max_delta <= 0)
		return (struct rgb){ 225, 225, 225 };
	k = (d < 0 ? -d : d) / l->max_delta;
	c = (int)(225.0 * (1.0 - (k > 1 ? 1 : k)) + 0.5);
	return d > 0 ? (struct rgb){ 255, c, c } : (struct rgb){ c, c, 255 };
}

/* ---- the SVG */

static void put_stats(FILE *out, const struct layout *l, const struct call_node *n)
{
	put_count(out, shown(l, n->total));
	fprintf(out, " %s, %.2f%%", l->unit, pct(n->total, l->total));
	if (!l->diff)
		return;
	fputs("; before ", out);
	put_count(out, shown(l, n->before));
	fprintf(out, " %s, %.2f%%; ", l->unit, pct(n->before, l->before_total));
	if (!n->before) {
		fputs("new", out);
	} else if (l->o->normalize) {
		fprintf(out, "share %+.2f points",
			pct(n->total, l->total) - pct(n->before, l->before_total));
	} else {
		int64_t d = n->total - n->before;

		putc(d < 0 ? '-' : '+', out);
		put_count(out, shown(l, d < 0 ? -d : d));
		fprintf(out, " %s, %+.2f%%", l->unit, pct(d, n->before));
	}
}

static void put_frame(FILE *out, const struct layout *l, const struct call_tree *t, size_t i)
{
	const struct call_node *n = call_tree__node(t, i);
	const struct flamegraph_opts *o = l->o;
	double x = XPAD + (double)n->start * l->scale;
	double w = (double)n->total * l->scale;
	double y = o->inverted ? l->top + n->depth * o->frame_height
			       : l->bottom - (n->depth + 1.0) * o->frame_height;
	struct rgb c = l->diff ? diff_color(l, n) : frame_color(l, n, i);
	size_t fit = (size_t)(w / (l->font_size * FONT_WIDTH));

	fputs("<g><title>", out);
	put_text(out, n->name, SIZE_MAX);
	fputs(" (", out);
	put_stats(out, l, n);
	fprintf(out,
		")</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%u\" "
		"fill=\"rgb(%d,%d,%d)\"/>",
		x, y, w, o->frame_height - 1, c.r, c.g, c.b);
	if (fit >= 3) {
		fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3,
			y + (o->frame_height - 1) / 2.0 + l->font_size / 3);
		put_text(out, n->name, fit);
		fputs("</text>", out);
	}
	fputs("</g>\n", out);
}

static void put_header(FILE *out, const struct layout *l)
{
	const struct flamegraph_opts *o = l->o;
	const char *title = o->title;
	const char *subtitle = o->subtitle;

	if (!title)
		title = l->diff	      ? "Differential Flame Graph"
			: o->inverted ? "Icicle Graph"
				      : "Flame Graph";
	if (!subtitle && l->diff)
		subtitle = o->normalize ? "widths: after; colour: change of each frame's share, "
					  "red grew, blue shrank"
					: "widths: after; colour: change from before, red grew, "
					  "blue shrank";
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"onload=\"init(evt)\" xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<!-- Flame graph by ember: click a frame to zoom, Ctrl-F or Search to "
		"find frames by regular expression, \"?s=REGEX\" in the URL searches at "
		"load. -->\n",
		o->width, l->height, o->width, l->height);
	fprintf(out,
		"<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/>"
		"<stop stop-color=\"#eeeeb0\" offset=\"95%%\"/></linearGradient></defs>\n"
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %.1fpx; fill: rgb(0,0,0); }\n"
		"#title { text-anchor: middle; font-size: %dpx; }\n"
		"#subtitle { text-anchor: middle; fill: rgb(120,120,120); }\n"
		"#search, #matched { text-anchor: end; }\n"
		"#search, #unzoom { cursor: pointer; opacity: 0.9; }\n"
		"#search:hover, #unzoom:hover { opacity: 0.5; }\n"
		"#frames > g:hover > rect { stroke: black; stroke-width: 0.5; cursor: pointer; }\n"
		"#frames rect { rx: 2px; ry: 2px; }\n"
		"#frames text { pointer-events: none; }\n"
		".hide { display: none; }\n"
		".parent { opacity: 0.5; }\n"
		"</style>\n",
		l->font_size, TITLE_SIZE);
	fprintf(out,
		"<script type=\"text/ecmascript\">var fgconf = { width: %u, xpad: %d, fh: %u, "
		"fs: %.1f, fw: %.2f, top: %u, bottom: %u, ty: %.1f, inverted: %s };</script>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n",
		o->width, XPAD, o->frame_height, l->font_size, FONT_WIDTH, l->top, l->bottom,
		(o->frame_height - 1) / 2.0 + l->font_size / 3, o->inverted ? "true" : "false");
	fputs(flamegraph__script, out);
	fputs("]]></script>\n", out);
	fprintf(out,
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"url(#background)\"/>\n",
		o->width, l->height);
	fprintf(out, "<text id=\"title\" x=\"%.1f\" y=\"24\">", o->width / 2.0);
	put_text(out, title, SIZE_MAX);
	fputs("</text>\n", out);
	if (subtitle) {
		fprintf(out, "<text id=\"subtitle\" x=\"%.1f\" y=\"48\">", o->width / 2.0);
		put_text(out, subtitle, SIZE_MAX);
		fputs("</text>\n", out);
	}
	fprintf(out,
		"<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n"
		"<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%u\" y=\"24\">Search</text>\n"
		"<text id=\"matched\" x=\"%u\" y=\"%u\"> </text>\n",
		XPAD, l->height - 17, XPAD, o->width - XPAD, o->width - XPAD, l->height - 17);
}

static int check_opts(const struct profile *p, const struct flamegraph_opts *o)
{
	if (o->type >= profile__nr_types(p) || o->divisor < 0 || o->width > MAX_WIDTH ||
	    o->width < 2 * XPAD + 10 || o->frame_height < MIN_FRAME_HEIGHT ||
	    o->frame_height > MAX_FRAME_HEIGHT || !(o->min_width >= 0) || isinf(o->min_width))
		return -EINVAL;
	return 0;
}

static int write_graph(const struct profile *before, const struct profile *p,
		       const struct flamegraph_opts *uo, FILE *out)
{
	struct flamegraph_opts o = *uo;
	struct layout l = { .o = &o, .diff = before != NULL };
	struct call_tree *t = NULL;
	double usable;
	size_t nr;
	int err;

	if (!o.width)
		o.width = FLAMEGRAPH_WIDTH;
	if (!o.frame_height)
		o.frame_height = FLAMEGRAPH_FRAME_HEIGHT;
	err = check_opts(p, &o);
	if (!err && before)
		err = check_opts(before, &o);
	if (err)
		return err;
	usable = o.width - 2.0 * XPAD;
	t = call_tree__new(
	    p, &(struct call_tree_opts){ .type = o.type, .min_share = o.min_width / usable });
	if (!t)
		return -errno;
	if (before) {
		err = call_tree__add_before(t, before, o.type);
		if (err)
			goto cleanup;
		l.before_total = call_tree__node(t, 0)->before;
	}
	nr = call_tree__nr_nodes(t);
	l.unit = count_name(p, &o);
	l.total = call_tree__total(t);
	l.scale = l.total > 0 ? usable / (double)l.total : 0;
	l.font_size = o.frame_height < 16 ? o.frame_height * 0.75 : FONT_SIZE;
	l.top = PAD_TOP + (before || o.subtitle ? PAD_SUBTITLE : 0);
	l.height = l.top + (call_tree__max_depth(t) + 1) * o.frame_height + PAD_BOTTOM;
	l.bottom = l.height - PAD_BOTTOM;
	for (size_t i = 1; before && i < nr; i++) {
		const struct call_node *n = call_tree__node(t, i);

		double d = delta(&l, n);

		if (n->before && (d < 0 ? -d : d) > l.max_delta)
			l.max_delta = d < 0 ? -d : d;
	}
	if (before && nr == 1)
		l.max_delta = delta(&l, call_tree__node(t, 0));
	if (l.max_delta < 0)
		l.max_delta = -l.max_delta;

	put_header(out, &l);
	if (!l.total)
		fprintf(out,
			"<text x=\"%.1f\" y=\"%u\" text-anchor=\"middle\">no stacks with a "
			"value above 0</text>\n",
			o.width / 2.0, l.bottom - 4);
	fputs("<g id=\"frames\">\n", out);
	for (size_t i = 0; l.total && i < nr; i++)
		put_frame(out, &l, t, i);
	fputs("</g>\n</svg>\n", out);
	if (fflush(out) || ferror(out))
		err = errno ? -errno : -EIO;
cleanup:
	call_tree__free(t);
	return err;
}

int flamegraph__write(const struct profile *p, const struct flamegraph_opts *o, FILE *out)
{
	return write_graph(NULL, p, o, out);
}

int flamegraph__write_diff(const struct profile *before, const struct profile *after,
			   const struct flamegraph_opts *o, FILE *out)
{
	return write_graph(before, after, o, out);
}
