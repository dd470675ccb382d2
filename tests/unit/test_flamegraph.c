// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The SVG flame-graph writer, its frames read back from the SVG text:
 * geometry against the values the test put in, colours by kind and by
 * change, escaping, and byte-identical output for the same profile. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "format/flamegraph.h"
#include "profile/call_tree.h"
#include "profile/profile.h"
#include "lib/utf8.h"

#define USABLE 1180.0 /* default width less the two 10 px margins */

static const struct value_type samples[] = { { "samples", "count", 0 } };

struct fr {
	char name[256];
	char title[512];
	int64_t value;
	double x, y, w;
	int r, g, b;
	bool label;
	char text[256];
};

struct svg {
	char *text;
	unsigned int width, height;
	struct fr *fr;
	int n;
};

/* "a;b;c" with every frame a user function, the first the process. */
static void add(struct profile *p, const char *stack, int64_t v)
{
	struct frame f[64] = {};
	char buf[1024], *tok, *save = NULL;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", stack);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		f[n].name = tok;
		f[n].kind = n ? FRAME_USER : FRAME_PROCESS;
		/* "name_[k]": kernel; "[x]": marker; "name.py": interpreter */
		if (strlen(tok) > 4 && strcmp(tok + strlen(tok) - 4, "_[k]") == 0) {
			tok[strlen(tok) - 4] = '\0';
			f[n].kind = FRAME_KERNEL;
		} else if (tok[0] == '[') {
			f[n].kind = FRAME_MARKER;
		} else if (strstr(tok, ".py")) {
			f[n].kind = FRAME_INTERP;
		}
		n++;
	}
	assert_int_equal(profile__add(p, f, n, &v), 0);
}

static struct profile *make(const char *const *stacks, const int64_t *values, int n)
{
	struct profile *p = profile__new(samples, 1);

	assert_non_null(p);
	for (int i = 0; i < n; i++)
		add(p, stacks[i], values[i]);
	return p;
}

static void parse(struct svg *s)
{
	const char *p = s->text;
	int cap = 0;

	assert_int_equal(sscanf(strstr(s->text, "<svg "),
				"<svg version=\"1.1\" width=\"%u\" height=\"%u\"", &s->width,
				&s->height),
			 2);
	for (p = s->text; (p = strstr(p, "<g><title>")); p++)
		cap++;
	s->fr = calloc(cap + 1, sizeof(*s->fr));
	s->n = 0;
	for (p = s->text; (p = strstr(p, "<g><title>"));) {
		struct fr *f = &s->fr[s->n++];
		const char *end = strstr(p, "</title>"), *open, *gend;
		size_t len;

		p += strlen("<g><title>");
		len = end - p;
		assert_true(len < sizeof(f->title));
		memcpy(f->title, p, len);
		open = strstr(f->title, " (");
		while (open && strstr(open + 2, " ("))
			open = strstr(open + 2, " (");
		assert_non_null(open);
		memcpy(f->name, f->title, open - f->title);
		for (const char *d = open + 2; (*d >= '0' && *d <= '9') || *d == ','; d++)
			if (*d != ',')
				f->value = f->value * 10 + (*d - '0');
		p = end + strlen("</title>");
		assert_int_equal(sscanf(p,
					"<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%*u\" "
					"fill=\"rgb(%d,%d,%d)\"/>",
					&f->x, &f->y, &f->w, &f->r, &f->g, &f->b),
				 6);
		gend = strstr(p, "</g>");
		open = strstr(p, "<text ");
		if (open && open < gend) {
			open = strchr(open, '>') + 1;
			len = strstr(open, "</text>") - open;
			assert_true(len < sizeof(f->text));
			memcpy(f->text, open, len);
			f->label = true;
		}
		p = gend;
	}
}

static struct svg render(const struct profile *p, const struct flamegraph_opts *o)
{
	struct svg s = {};
	size_t len = 0;
	FILE *f = open_memstream(&s.text, &len);

	assert_non_null(f);
	assert_int_equal(flamegraph__write(p, o, f), 0);
	fclose(f);
	parse(&s);
	return s;
}

static struct svg render_diff(const struct profile *before, const struct profile *after,
			      const struct flamegraph_opts *o)
{
	struct svg s = {};
	size_t len = 0;
	FILE *f = open_memstream(&s.text, &len);

	assert_non_null(f);
	assert_int_equal(flamegraph__write_diff(before, after, o, f), 0);
	fclose(f);
	parse(&s);
	return s;
}

static void svg_free(struct svg *s)
{
	free(s->text);
	free(s->fr);
}

/* The n-th frame called name (0: the first). */
static const struct fr *frame(const struct svg *s, const char *name, int nth)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->fr[i].name, name) == 0 && nth-- == 0)
			return &s->fr[i];
	return NULL;
}

static int count_frames(const struct svg *s, const char *name)
{
	int n = 0;

	for (int i = 0; i < s->n; i++)
		n += strcmp(s->fr[i].name, name) == 0;
	return n;
}

static void test_widths_proportional(void **state)
{
	static const char *const st[] = { "app;a;b", "app;a;c", "app;a", "app;z;y;x", "other;q" };
	static const int64_t v[] = { 300, 100, 7, 40, 53 };
	struct flamegraph_opts o;
	struct profile *p = make(st, v, 5);
	struct svg s;
	int64_t total = 500;

	(void)state;
	flamegraph_opts__init(&o);
	s = render(p, &o);
	assert_int_equal(s.width, 1200);
	/* every frame once: all, app, a, b, c, z, y, x, other, q */
	assert_int_equal(s.n, 10);
	assert_int_equal(frame(&s, "all", 0)->value, total);
	assert_int_equal(frame(&s, "app", 0)->value, 447);
	assert_int_equal(frame(&s, "a", 0)->value, 407);
	for (int i = 0; i < s.n; i++) {
		const struct fr *f = &s.fr[i];

		/* written with 2 decimals: within 0.005 px */
		assert_true(f->w > 0);
		assert_true(f->w - f->value * USABLE / total < 0.006);
		assert_true(f->w - f->value * USABLE / total > -0.006);
	}
	/* b is 3x c, siblings side by side in name order, children inside
	 * their parent, self time (a's 7) first as flamegraph.pl draws it */
	assert_true(frame(&s, "b", 0)->w / frame(&s, "c", 0)->w > 2.99);
	assert_true(frame(&s, "b", 0)->w / frame(&s, "c", 0)->w < 3.01);
	assert_true(frame(&s, "b", 0)->x + frame(&s, "b", 0)->w - frame(&s, "c", 0)->x < 0.011);
	assert_true(frame(&s, "b", 0)->x - (frame(&s, "a", 0)->x + 7 * USABLE / total) < 0.011);
	assert_true(frame(&s, "a", 0)->x < frame(&s, "z", 0)->x);
	assert_true(frame(&s, "app", 0)->x < frame(&s, "other", 0)->x);
	assert_true(frame(&s, "all", 0)->x == 10.0 && frame(&s, "all", 0)->w == USABLE);
	/* labels: every frame here is wide enough for at least "x" */
	assert_true(frame(&s, "b", 0)->label);
	assert_string_equal(frame(&s, "b", 0)->text, "b");
	/* the title carries the exact value, unit and share */
	assert_string_equal(frame(&s, "b", 0)->title, "b (300 samples, 60.00%)");
	svg_free(&s);
	profile__free(p);
}

static void test_depth_and_inverted(void **state)
{
	static const char *const st[] = { "app;a;b;c", "app;d" };
	static const int64_t v[] = { 10, 10 };
	struct flamegraph_opts o;
	struct profile *p = make(st, v, 2);
	struct svg s;
	const char *names[] = { "all", "app", "a", "b", "c" };

	(void)state;
	flamegraph_opts__init(&o);
	s = render(p, &o);
	/* root at the bottom, 16 px a level up; 36 px on top, 34 below */
	assert_int_equal(s.height, 36 + 5 * 16 + 34);
	for (int d = 0; d < 5; d++)
		assert_true(frame(&s, names[d], 0)->y == s.height - 34 - (d + 1) * 16.0);
	svg_free(&s);

	o.inverted = true;
	s = render(p, &o);
	assert_int_equal(s.height, 36 + 5 * 16 + 34);
	for (int d = 0; d < 5; d++)
		assert_true(frame(&s, names[d], 0)->y == 36 + d * 16.0);
	assert_non_null(strstr(s.text, ">Icicle Graph</text>"));
	/* same widths either way */
	assert_true(frame(&s, "d", 0)->w > 589.9 && frame(&s, "d", 0)->w < 590.1);
	svg_free(&s);

	/* frame height and width options */
	o.inverted = false;
	o.frame_height = 20;
	o.width = 600;
	s = render(p, &o);
	assert_int_equal(s.width, 600);
	assert_int_equal(s.height, 36 + 5 * 20 + 34);
	assert_true(frame(&s, "d", 0)->w > 289.9 && frame(&s, "d", 0)->w < 290.1);
	assert_true(frame(&s, "c", 0)->y == s.height - 34 - 5 * 20.0);
	svg_free(&s);
	profile__free(p);
}

static void test_min_width(void **state)
{
	struct flamegraph_opts o;
	struct profile *p = profile__new(samples, 1);
	struct svg s;
	char name[64];

	(void)state;
	/* 1 in 100000 of 1180 px is 0.0118 px: under the 0.1 px default */
	add(p, "app;big;work", 99000);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "app;small;tiny%04d;leaf", i);
		add(p, name, 1);
	}
	flamegraph_opts__init(&o);
	s = render(p, &o);
	assert_int_equal(count_frames(&s, "leaf"), 0);
	assert_int_equal(count_frames(&s, "tiny0000"), 0);
	/* their values stay in their parents: small is 1000 of 100000 */
	assert_int_equal(frame(&s, "small", 0)->value, 1000);
	assert_int_equal(frame(&s, "app", 0)->value, 100000);
	assert_true(frame(&s, "small", 0)->w > 11.79 && frame(&s, "small", 0)->w < 11.81);
	/* only big;work and small are left above app; the image is as deep
	 * as what is drawn */
	assert_int_equal(s.n, 5);
	assert_int_equal(s.height, 36 + 4 * 16 + 34);
	svg_free(&s);

	/* 0: everything */
	o.min_width = 0;
	s = render(p, &o);
	assert_int_equal(count_frames(&s, "leaf"), 1000);
	assert_int_equal(s.n, 5 + 2000);
	assert_int_equal(s.height, 36 + 5 * 16 + 34);
	/* too narrow for 3 characters: no label at all */
	assert_false(frame(&s, "leaf", 0)->label);
	svg_free(&s);

	/* a threshold between: tiny frames are 0.0118 px, small 11.8 px */
	o.min_width = 12;
	s = render(p, &o);
	assert_int_equal(count_frames(&s, "small"), 0);
	assert_int_equal(s.n, 4);
	svg_free(&s);
	profile__free(p);
}

static void test_merge_and_order(void **state)
{
	struct flamegraph_opts o;
	struct profile *p = profile__new(samples, 1);
	struct frame f[3] = {
		{ .name = "app", .module = NULL, .addr = 0, .kind = FRAME_PROCESS },
		{ .name = "spin", .module = "/bin/app", .addr = 0x10, .kind = FRAME_USER },
		{ .name = "beta", .module = NULL, .addr = 0, .kind = FRAME_USER }
	};
	int64_t v = 5;
	struct svg s;

	(void)state;
	/* two addresses in one function: two stacks in the model, one frame */
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	f[1].addr = 0x20;
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	assert_int_equal(profile__add(p, f, 3, &v), 0);
	f[2].name = "alpha";
	assert_int_equal(profile__add(p, f, 3, &v), 0);
	/* same name, another kind: a frame of its own */
	f[1].kind = FRAME_KERNEL;
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	/* a zero and a negative value draw nothing */
	f[1].name = "nothing";
	v = 0;
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	v = -3;
	f[1].name = "negative";
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	flamegraph_opts__init(&o);
	s = render(p, &o);
	assert_int_equal(count_frames(&s, "spin"), 2);
	assert_int_equal(frame(&s, "spin", 0)->value, 20);
	assert_int_equal(frame(&s, "spin", 1)->value, 5);
	assert_int_equal(count_frames(&s, "nothing"), 0);
	assert_int_equal(count_frames(&s, "negative"), 0);
	assert_int_equal(frame(&s, "all", 0)->value, 25);
	/* children in name order, whatever the insertion order */
	assert_true(frame(&s, "alpha", 0)->x < frame(&s, "beta", 0)->x);
	svg_free(&s);
	profile__free(p);
}

static void test_escaping(void **state)
{
	static const char *const st[] = {
		"app;operator<< <T>(a&b, \"q\", 'c');leaf",
		"app;bad\xff\xfe utf8 \xc3\x28 \xed\xa0\x80 end",
		"app;ctl\x01\x1f\x7f",
		"app;nonchar\xef\xbf\xbf;]]>",
		"app;ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5",
	};
	static const int64_t v[] = { 10, 10, 10, 10, 10 };
	struct flamegraph_opts o;
	struct profile *p = make(st, v, 5);
	struct svg s;
	const char *c;

	(void)state;
	flamegraph_opts__init(&o);
	o.title = "<b>&\"title\"</b>";
	o.subtitle = "sub\xff";
	s = render(p, &o);
	/* the file is valid UTF-8 with no control bytes but newlines */
	assert_int_equal(utf8__invalid_at(s.text, strlen(s.text)), -1);
	for (c = s.text; *c; c++)
		assert_true((unsigned char)*c >= 0x20 || *c == '\n');
	assert_non_null(
	    frame(&s, "operator&lt;&lt; &lt;T&gt;(a&amp;b, &quot;q&quot;, &#39;c&#39;)", 0));
	assert_non_null(frame(&s,
			      "bad\xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd( "
			      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end",
			      0));
	assert_non_null(frame(&s, "ctl\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 0));
	assert_non_null(frame(&s, "nonchar\xef\xbf\xbd", 0));
	assert_non_null(frame(&s, "]]&gt;", 0));
	assert_non_null(frame(&s, "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x94\xa5", 0));
	assert_non_null(strstr(s.text, ">&lt;b&gt;&amp;&quot;title&quot;&lt;/b&gt;</text>"));
	assert_non_null(strstr(s.text, ">sub\xef\xbf\xbd</text>"));
	/* "]]>" only ends the script's CDATA section */
	c = strstr(s.text, "]]>");
	assert_non_null(c);
	assert_null(strstr(c + 1, "]]>"));
	svg_free(&s);
	profile__free(p);
}

static void test_labels_cut(void **state)
{
	struct flamegraph_opts o;
	struct profile *p = profile__new(samples, 1);
	struct svg s;
	const struct fr *f;
	size_t fit;

	(void)state;
	add(p, "app;a_rather_long_function_name_that_cannot_fit_in_a_narrow_frame", 10);
	add(p,
	    "app;"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	    "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    10);
	add(p, "app;wide", 980);
	flamegraph_opts__init(&o);
	s = render(p, &o);
	f = frame(&s, "a_rather_long_function_name_that_cannot_fit_in_a_narrow_frame", 0);
	/* 11.8 px at 12 px * 0.59 a character: 1 character, no label */
	assert_false(f->label);
	svg_free(&s);

	o.width = 3000; /* 29.8 px: 4 characters: "a_.." */
	s = render(p, &o);
	f = frame(&s, "a_rather_long_function_name_that_cannot_fit_in_a_narrow_frame", 0);
	fit = (size_t)(f->w / (12 * 0.59));
	assert_int_equal(fit, 4);
	assert_string_equal(f->text, "a_..");
	/* characters, not bytes: two-byte é counts once */
	f = frame(
	    &s,
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	    "\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    0);
	assert_string_equal(f->text, "\xc3\xa9\xc3\xa9..");
	assert_string_equal(frame(&s, "wide", 0)->text, "wide");
	svg_free(&s);
	profile__free(p);
}

static void test_identical_output(void **state)
{
	static const char *const st[] = { "app;main;f", "app;main;g", "x;y", "app;k_[k]",
					  "[lost]" };
	static const int64_t v[] = { 3, 4, 5, 6, 7 };
	static const char *const rev[] = { "[lost]", "app;k_[k]", "x;y", "app;main;g",
					   "app;main;f" };
	static const int64_t rv[] = { 7, 6, 5, 4, 3 };
	struct flamegraph_opts o;
	struct profile *a = make(st, v, 5), *b = make(st, v, 5), *c = make(rev, rv, 5);
	struct svg sa, sb, sc;

	(void)state;
	flamegraph_opts__init(&o);
	sa = render(a, &o);
	sb = render(b, &o);
	sc = render(c, &o);
	assert_string_equal(sa.text, sb.text);
	/* insertion order does not matter either */
	assert_string_equal(sa.text, sc.text);
	svg_free(&sa);
	svg_free(&sb);
	svg_free(&sc);
	profile__free(a);
	profile__free(b);
	profile__free(c);
}

static bool is_red(const struct fr *f)
{
	return f->r == 255 && f->g == f->b && f->g < 225;
}

static bool is_blue(const struct fr *f)
{
	return f->b == 255 && f->r == f->g && f->r < 225;
}

static bool is_grey(const struct fr *f)
{
	return f->r == 225 && f->g == 225 && f->b == 225;
}

static void test_diff_colors(void **state)
{
	static const char *const bs[] = { "app;a;grow", "app;a;shrink", "app;a;same", "app;gone" };
	static const int64_t bv[] = { 100, 100, 50, 30 };
	static const char *const as[] = { "app;a;grow", "app;a;shrink", "app;a;same", "app;new",
					  "app;a;grow;deeper" };
	static const int64_t av[] = { 200, 40, 50, 10, 20 };
	struct flamegraph_opts o;
	struct profile *before = make(bs, bv, 4), *after = make(as, av, 5);
	struct svg s;
	const struct fr *grow, *shrink;

	(void)state;
	flamegraph_opts__init(&o);
	s = render_diff(before, after, &o);
	/* widths from after */
	assert_int_equal(frame(&s, "all", 0)->value, 320);
	assert_int_equal(count_frames(&s, "gone"), 0);
	grow = frame(&s, "grow", 0);
	shrink = frame(&s, "shrink", 0);
	assert_int_equal(grow->value, 220);
	assert_true(grow->w - 220 * USABLE / 320 < 0.006 && grow->w - 220 * USABLE / 320 > -0.006);
	/* grew by 120, the largest change: deepest red; shrank by 60: half */
	assert_true(is_red(grow));
	assert_int_equal(grow->g, 0);
	assert_true(is_blue(shrink));
	assert_int_equal(shrink->r, 113);
	assert_true(is_grey(frame(&s, "same", 0)));
	/* only in after: pure red */
	assert_int_equal(frame(&s, "new", 0)->r, 255);
	assert_int_equal(frame(&s, "new", 0)->g, 0);
	assert_int_equal(frame(&s, "deeper", 0)->g, 0);
	/* before, after and the change in the title */
	assert_string_equal(grow->title,
			    "grow (220 samples, 68.75%; before 100 samples, 35.71%; +120 samples, "
			    "+120.00%)");
	assert_string_equal(shrink->title, "shrink (40 samples, 12.50%; before 100 samples, "
					   "35.71%; -60 samples, -60.00%)");
	assert_string_equal(frame(&s, "new", 0)->title,
			    "new (10 samples, 3.12%; before 0 samples, 0.00%; new)");
	/* gone's 30 still count in app's before */
	assert_non_null(strstr(frame(&s, "app", 0)->title,
			       "app (320 samples, 100.00%; before 280 samples, 100.00%;"));
	assert_non_null(strstr(s.text, ">Differential Flame Graph</text>"));
	svg_free(&s);
	profile__free(before);
	profile__free(after);
}

static void test_diff_normalize(void **state)
{
	static const char *const bs[] = { "app;a", "app;b", "app;c" };
	static const int64_t bv[] = { 100, 100, 200 };
	static const int64_t av[] = { 200, 200, 100 };
	struct flamegraph_opts o;
	struct profile *before = make(bs, bv, 3), *after = make(bs, av, 3);
	struct svg s;

	(void)state;
	flamegraph_opts__init(&o);
	/* totals: every frame that doubled grew */
	s = render_diff(before, after, &o);
	assert_true(is_red(frame(&s, "a", 0)));
	assert_true(is_blue(frame(&s, "c", 0)));
	svg_free(&s);
	/* shares: a 25% -> 40%, c 50% -> 20% */
	o.normalize = true;
	s = render_diff(before, after, &o);
	assert_true(is_red(frame(&s, "a", 0)));
	assert_true(is_blue(frame(&s, "c", 0)));
	assert_int_equal(frame(&s, "c", 0)->r, 0); /* -30 points: the largest */
	assert_true(is_grey(frame(&s, "app", 0)));
	assert_non_null(strstr(frame(&s, "a", 0)->title, "; share +15.00 points"));
	svg_free(&s);
	/* the same profile against itself: all grey */
	s = render_diff(after, after, &o);
	for (int i = 0; i < s.n; i++)
		assert_true(is_grey(&s.fr[i]));
	svg_free(&s);
	/* same shares, twice the samples: grey with normalize */
	s = render_diff(before, before, &o);
	assert_true(is_grey(frame(&s, "a", 0)));
	svg_free(&s);
	profile__free(before);
	profile__free(after);
}

static void test_kind_colors(void **state)
{
	static const char *const st[] = {
		"app;main;compute",
		"app;main;read;vfs_read_[k]",
		"app;main;sleep;schedule_[k];[off-cpu]",
		"app;main;yield_[k];[runnable]",
		"py;run.py;f.py",
		"app;main;sleep;schedule_[k]",
		"app;main;mostly_on;[off-cpu]",
		"app;main;mostly_on",
	};
	static const int64_t v[] = { 100, 100, 100, 100, 100, 99, 50, 51 };
	struct flamegraph_opts o;
	struct profile *p = make(st, v, 8);
	struct svg s;
	const struct fr *f;

	(void)state;
	flamegraph_opts__init(&o);
	s = render(p, &o);
	/* user: red to yellow */
	f = frame(&s, "compute", 0);
	assert_true(f->r >= 205 && f->b <= 55);
	/* kernel: orange */
	f = frame(&s, "vfs_read", 0);
	assert_true(f->r >= 215 && f->g >= 100 && f->g <= 160 && f->b <= 40);
	/* off-CPU: the marker and every frame mostly under it, blue; main,
	 * more on CPU than off, keeps its colour */
	for (const char *const *n = (const char *const[]){ "[off-cpu]", "schedule", "sleep", NULL };
	     *n; n++) {
		f = frame(&s, *n, 0);
		assert_true(f->b >= 190 && f->r <= 140 && f->g <= 140);
	}
	for (const char *const *n = (const char *const[]){ "main", "mostly_on", NULL }; *n; n++) {
		f = frame(&s, *n, 0);
		assert_true(f->r >= 205 && f->b <= 55);
	}
	/* waiting for a CPU: purple */
	f = frame(&s, "[runnable]", 0);
	assert_true(f->r >= 190 && f->b >= 190 && f->g <= 140);
	/* interpreter: green */
	f = frame(&s, "f.py", 0);
	assert_true(f->g >= 185 && f->r <= 110 && f->b <= 110);
	/* processes: yellow */
	f = frame(&s, "py", 0);
	assert_true(f->r >= 175 && f->g >= 175 && f->b <= 70);
	/* the same name, the same colour, in every graph */
	{
		static const char *const other[] = { "elsewhere;deep;compute" };
		struct profile *q = make(other, v, 1);
		struct svg t = render(q, &o);

		f = frame(&s, "compute", 0);
		assert_int_equal(frame(&t, "compute", 0)->r, f->r);
		assert_int_equal(frame(&t, "compute", 0)->g, f->g);
		assert_int_equal(frame(&t, "compute", 0)->b, f->b);
		svg_free(&t);
		profile__free(q);
	}
	svg_free(&s);

	/* an offcpu profile: every frame blue */
	o.offcpu = true;
	s = render(p, &o);
	f = frame(&s, "compute", 0);
	assert_true(f->b >= 190 && f->r <= 140);
	svg_free(&s);
	profile__free(p);
}

static void test_units(void **state)
{
	static const struct value_type types[] = { { "bytes", "bytes", 0 },
						   { "wall", "nanoseconds", 0 },
						   { "alloc_objects", "count", 0 } };
	struct flamegraph_opts o;
	struct profile *p = profile__new(types, 3);
	struct frame f[2] = { { .name = "app", .module = NULL, .addr = 0, .kind = FRAME_PROCESS },
			      { .name = "f", .module = NULL, .addr = 0, .kind = FRAME_USER } };
	int64_t v[3] = { 1234567, 2500600, 3 };
	struct svg s;

	(void)state;
	assert_int_equal(profile__add(p, f, 2, v), 0);
	flamegraph_opts__init(&o);
	s = render(p, &o);
	assert_string_equal(frame(&s, "f", 0)->title, "f (1,234,567 bytes, 100.00%)");
	svg_free(&s);
	o.type = 1;
	o.divisor = 1000;
	o.unit = "microseconds";
	s = render(p, &o);
	assert_string_equal(frame(&s, "f", 0)->title, "f (2,501 microseconds, 100.00%)");
	svg_free(&s);
	o.type = 2;
	o.divisor = 0;
	o.unit = NULL;
	o.subtitle = "three allocations";
	s = render(p, &o);
	assert_string_equal(frame(&s, "f", 0)->title, "f (3 objects, 100.00%)");
	/* the subtitle takes 24 px */
	assert_int_equal(s.height, 36 + 24 + 3 * 16 + 34);
	assert_non_null(strstr(s.text, ">three allocations</text>"));
	svg_free(&s);
	profile__free(p);
}

static void test_empty_and_errors(void **state)
{
	struct flamegraph_opts o;
	struct profile *p = profile__new(samples, 1);
	struct profile *q = profile__new(samples, 1);
	struct svg s;
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	flamegraph_opts__init(&o);
	/* nothing to draw: still a valid SVG, saying so */
	add(p, "app;idle", 0);
	s = render(p, &o);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(s.text, "no stacks with a value above 0"));
	assert_non_null(strstr(s.text, "</svg>\n"));
	svg_free(&s);
	add(q, "app;f", 5);
	o.type = 1;
	assert_int_equal(flamegraph__write(q, &o, stdout), -EINVAL);
	assert_int_equal(flamegraph__write_diff(p, q, &o, stdout), -EINVAL);
	o.type = 0;
	o.width = 20;
	assert_int_equal(flamegraph__write(q, &o, stdout), -EINVAL);
	o.width = 0;
	o.min_width = -1;
	assert_int_equal(flamegraph__write(q, &o, stdout), -EINVAL);
	o.min_width = 0.0 / 0.0;
	assert_int_equal(flamegraph__write(q, &o, stdout), -EINVAL);
	o.min_width = 0.1;
	o.frame_height = 2;
	assert_int_equal(flamegraph__write(q, &o, stdout), -EINVAL);
	o.frame_height = 0;
	if (full) {
		assert_true(flamegraph__write(q, &o, full) < 0);
		fclose(full);
	}
	profile__free(p);
	profile__free(q);
}

/* The tree itself: preorder, parents, and the values of a diff. */
static void test_tree(void **state)
{
	static const char *const st[] = { "r;a;b", "r;a;c", "r;d", "s" };
	static const int64_t v[] = { 1, 2, 3, 4 };
	static const char *const order[] = { "all", "r", "a", "b", "c", "d", "s" };
	static const uint32_t parents[] = { 0, 0, 1, 2, 2, 1, 0 };
	static const int64_t values[] = { 10, 6, 3, 1, 2, 3, 4 };
	static const int64_t starts[] = { 0, 0, 0, 0, 1, 3, 6 };
	struct profile *p = make(st, v, 4);
	struct call_tree *t = call_tree__new(p, &(struct call_tree_opts){ 0 });

	(void)state;
	assert_non_null(t);
	assert_int_equal(call_tree__nr_nodes(t), 7);
	assert_int_equal(call_tree__max_depth(t), 3);
	for (size_t i = 0; i < 7; i++) {
		const struct call_node *n = call_tree__node(t, i);

		assert_string_equal(n->name, order[i]);
		assert_int_equal(n->parent, parents[i]);
		assert_int_equal(n->total, values[i]);
		assert_int_equal(n->start, starts[i]);
	}
	assert_null(call_tree__node(t, 7));
	assert_int_equal(call_tree__add_before(t, p, 0), 0);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(call_tree__node(t, i)->before, values[i]);
	assert_int_equal(call_tree__add_before(t, p, 1), -EINVAL);
	call_tree__free(t);
	/* a share under 0.35: only all, r (0.6) and s (0.4) */
	t = call_tree__new(p, &(struct call_tree_opts){ .min_share = 0.35 });
	assert_int_equal(call_tree__nr_nodes(t), 3);
	assert_string_equal(call_tree__node(t, 2)->name, "s");
	call_tree__free(t);
	errno = 0;
	assert_null(call_tree__new(p, &(struct call_tree_opts){ .type = 3 }));
	assert_int_equal(errno, EINVAL);
	profile__free(p);
}

/* Random names of random bytes: the SVG stays valid UTF-8 text with no
 * stray markup, and the values still add up. */
static void test_garbage_names(void **state)
{
	struct flamegraph_opts o;
	struct profile *p = profile__new(samples, 1);
	struct frame f[8];
	char names[8][24];
	struct svg s;
	int64_t total = 0;

	(void)state;
	srand(7);
	for (int k = 0; k < 300; k++) {
		int n = 1 + rand() % 8;
		int64_t v = 1 + rand() % 1000;

		for (int i = 0; i < n; i++) {
			int len = 1 + rand() % 22;

			for (int j = 0; j < len; j++)
				names[i][j] = (char)(1 + rand() % 255);
			names[i][len] = '\0';
			f[i] = (struct frame){ .name = names[i],
					       .kind = (enum frame_kind)(rand() % 5) };
		}
		assert_int_equal(profile__add(p, f, n, &v), 0);
		total += v;
	}
	flamegraph_opts__init(&o);
	o.min_width = 0;
	s = render(p, &o);
	assert_int_equal(utf8__invalid_at(s.text, strlen(s.text)), -1);
	assert_int_equal(frame(&s, "all", 0)->value, total);
	for (int i = 0; i < s.n; i++) {
		assert_null(strchr(s.fr[i].name, '<'));
		assert_null(strchr(s.fr[i].name, '>'));
		assert_null(strchr(s.fr[i].name, '"'));
		for (const char *c = s.fr[i].name; (c = strchr(c, '&')); c++)
			assert_true(!strncmp(c, "&lt;", 4) || !strncmp(c, "&gt;", 4) ||
				    !strncmp(c, "&amp;", 5) || !strncmp(c, "&quot;", 6) ||
				    !strncmp(c, "&#39;", 5));
	}
	svg_free(&s);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths_proportional),
		cmocka_unit_test(test_depth_and_inverted),
		cmocka_unit_test(test_min_width),
		cmocka_unit_test(test_merge_and_order),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_labels_cut),
		cmocka_unit_test(test_identical_output),
		cmocka_unit_test(test_diff_colors),
		cmocka_unit_test(test_diff_normalize),
		cmocka_unit_test(test_kind_colors),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_empty_and_errors),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_garbage_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
