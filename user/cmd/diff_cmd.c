// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember diff: two profiles compared function by function, by share of
 * each profile's total, with an exit status for CI (--fail-above). The
 * output reads like `ember report`'s: "key: value" lines, then columns
 * with the function name last; "-" where a function is absent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "format/flamegraph.h"
#include "profile/func_diff.h"
#include "lib/output_file.h"
#include "profile/func_stats.h"
#include "lib/log.h"
#include "profile/profile.h"
#include "format/profile_read.h"
#include "cmd/report_cmd.h"
#include "cmd/report_fmt.h"
#include "cmd/report_opts.h"

#define EXIT_GREW 1
#define EXIT_TROUBLE 2

#define LINE_WIDTH 80
#define VALUE_WIDTH 11
/* before, after, before%, after%, change, then the name */
#define NAME_COL (2 * (VALUE_WIDTH + 1) + 3 * (7 + 1) + 1)
/* functions named in the --fail-above message, at most */
#define GATE_NAMES 5

static const char *const share_name[] = { [SHARE_SELF] = "self", [SHARE_TOTAL] = "total" };

struct side {
	const char *path;
	struct profile *p;
	int type;
	struct func_stats *s;
};

/* The differential flame graph: AFTER's frames, coloured by the change
 * from BEFORE. Both sides' value types are the same kind (checked by the
 * caller); a pprof side may keep it at another index. */
static int write_diff_svg(const struct side *before, const struct side *after,
			  const struct report_opts *o)
{
	struct flamegraph_opts fo;
	struct profile *b = before->p;
	struct output_file *f;
	int err;

	flamegraph_opts__init(&fo);
	fo.normalize = o->normalize;
	fo.type = after->type;
	if (before->type != after->type) {
		p_err("%s and %s keep this value at different places: give --type", before->path,
		      after->path);
		return -EINVAL;
	}
	f = output_file__open(o->svg);
	if (!f)
		return -EIO;
	err = flamegraph__write_diff(b, after->p, &fo, output_file__stream(f));
	if (!err)
		err = output_file__commit(f);
	if (err)
		p_err("cannot write %s: %s: check free space and permissions", o->svg,
		      strerror(-err));
	output_file__free(f);
	return err;
}

static int load(struct side *sd, const struct report_opts *o)
{
	struct profile_read_opts ro = { .unit = o->unit };

	sd->p = profile_read__file(sd->path, &ro);
	if (!sd->p)
		return -1;
	sd->type = profile_type__find(sd->p, o->type, sd->path);
	if (sd->type < 0)
		return -1;
	sd->s = func_stats__new(sd->p, sd->type);
	if (!sd->s) {
		report__stats_error(sd->path, errno);
		return -1;
	}
	if (!func_stats__total(sd->s))
		p_warn("%s: every count is 0: all its shares are 0", sd->path);
	return 0;
}

static void print_side(FILE *out, const char *key, const struct side *sd,
		       const struct value_fmt *vf)
{
	char buf[128];

	fprintf(out, "%-10s %s: %s in %zu stacks\n", key, sd->path,
		value_fmt__total(vf, func_stats__total(sd->s), buf, sizeof(buf)),
		func_stats__nr_stacks(sd->s));
}

static void print_share(FILE *out, const struct func_stat *f, double share)
{
	if (f)
		fprintf(out, " %6.2f%%", share);
	else
		fprintf(out, " %7s", "-");
}

/* Rows from the top (grown) or from the bottom (shrunk) of the sorted diff
 * while they changed that way. */
static void print_table(FILE *out, const struct func_diff *d, const struct report_opts *o,
			const struct value_fmt *vf, bool grown)
{
	enum func_share by = (enum func_share)o->sort;
	size_t n = func_diff__nr(d), width = o->wide ? 0 : LINE_WIDTH - NAME_COL, shown = 0;
	char before[24], after[24], name[1024];

	fprintf(out, "\n%s share %s most (top %lu):\n", share_name[by], grown ? "grew" : "shrank",
		o->top);
	snprintf(before, sizeof(before), "before%s", vf->col);
	snprintf(after, sizeof(after), "after%s", vf->col);
	fprintf(out, "%*s %*s %7s %7s %7s  function\n", VALUE_WIDTH, before, VALUE_WIDTH, after,
		"before%", "after%", "change");
	for (size_t k = 0; k < n && shown < o->top; k++) {
		const struct func_delta *r = func_diff__get(d, grown ? k : n - 1 - k);
		double c = func_delta__change(r, by);
		const struct func_stat *f = func_delta__func(r);

		if (grown ? c <= 0 : c >= 0)
			break;
		for (int side = 0; side < 2; side++) {
			const struct func_stat *x = side ? r->after : r->before;
			char v[32] = "-";

			if (x)
				value_fmt__str(vf, by == SHARE_SELF ? x->self : x->total, v,
					       sizeof(v));
			fprintf(out, "%s%*s", side ? " " : "", VALUE_WIDTH, v);
		}
		print_share(out, r->before, r->share_before[by]);
		print_share(out, r->after, r->share_after[by]);
		fprintf(out, " %+7.2f  %s\n", c,
			func_name__str(f->name, f->kind, width, name, sizeof(name)));
		shown++;
	}
	if (!shown)
		fprintf(out, "%*s  (none)\n", NAME_COL - 2, "");
}

/* --fail-above: the functions whose share grew by more than PCT points, in
 * one line on stderr. Whether any did. */
static bool gate(const struct func_diff *d, const struct report_opts *o)
{
	enum func_share by = (enum func_share)o->sort;
	char msg[2048], name[256];
	size_t at = 0, nr = 0;

	for (size_t i = 0; i < func_diff__nr(d); i++) {
		const struct func_delta *r = func_diff__get(d, i);
		const struct func_stat *f = func_delta__func(r);
		double c = func_delta__change(r, by);

		if (!(c > o->fail_above))
			break; /* sorted by change, largest first */
		if (nr++ < GATE_NAMES && at < sizeof(msg)) {
			char from[32] = "new";
			int w;

			if (r->before)
				snprintf(from, sizeof(from), "%.2f%%", r->share_before[by]);
			w = snprintf(msg + at, sizeof(msg) - at, "%s%s %+.2f (%s -> %.2f%%)",
				     nr > 1 ? ", " : "",
				     func_name__str(f->name, f->kind, 60, name, sizeof(name)), c,
				     from, r->share_after[by]);

			at += w > 0 ? (size_t)w : 0;
		}
	}
	if (!nr)
		return false;
	p_info("regression: the %s share of %zu function%s grew by more than %g "
	       "percentage points: %s%s",
	       share_name[by], nr, nr > 1 ? "s" : "", o->fail_above, msg,
	       nr > GATE_NAMES ? ", ..." : "");
	return true;
}

int diff__main(int argc, char **argv)
{
	struct side sides[2] = { 0 };
	struct func_diff *d = NULL;
	const char *ub, *ua;
	struct report_opts o;
	struct value_fmt vf;
	int ret = EXIT_TROUBLE;
	int64_t largest;
	FILE *out;

	switch (report_opts__parse(CMD_DIFF, argc, argv, &o)) {
	case 0:
		break;
	case 1: /* --help, printed */
		return 0;
	default:
		return EXIT_TROUBLE;
	}
	for (int i = 0; i < 2; i++) {
		sides[i].path = o.files[i];
		if (load(&sides[i], &o))
			goto cleanup;
	}
	ub = profile__type(sides[0].p, sides[0].type)->unit;
	ua = profile__type(sides[1].p, sides[1].type)->unit;
	if (strcmp(ub, ua) != 0) {
		p_err("%s is in %s but %s in %s: compare profiles of one kind (--type, --unit)",
		      sides[0].path, ub, sides[1].path, ua);
		goto cleanup;
	}
	d = func_diff__new(sides[0].s, sides[1].s);
	if (!d) {
		p_err("out of memory comparing %s and %s", sides[0].path, sides[1].path);
		goto cleanup;
	}
	if (o.svg && write_diff_svg(&sides[0], &sides[1], &o))
		goto cleanup;
	/* the flame graph may take stdout ("-o -") */
	out = o.svg && strcmp(o.svg, "-") == 0 ? stderr : stdout;
	largest = func_stats__total(sides[0].s) > func_stats__total(sides[1].s)
		      ? func_stats__total(sides[0].s)
		      : func_stats__total(sides[1].s);
	value_fmt__init(&vf, profile__type(sides[1].p, sides[1].type), largest);
	func_diff__sort(d, (enum func_share)o.sort);
	print_side(out, "before:", &sides[0], &vf);
	print_side(out, "after:", &sides[1], &vf);
	fprintf(out,
		"compared:  %s share: percent of each profile's total; change in percentage "
		"points\n",
		share_name[o.sort]);
	fprintf(out, "functions: %zu in both, %zu new in AFTER, %zu gone from BEFORE\n",
		func_diff__nr(d) - func_diff__nr_new(d) - func_diff__nr_gone(d),
		func_diff__nr_new(d), func_diff__nr_gone(d));
	print_table(out, d, &o, &vf, true);
	print_table(out, d, &o, &vf, false);
	if (fflush(out) || ferror(out)) {
		p_err("cannot write the comparison: %s", strerror(errno));
		goto cleanup;
	}
	ret = o.gate && gate(d, &o) ? EXIT_GREW : 0;
cleanup:
	func_diff__free(d);
	for (int i = 0; i < 2; i++) {
		func_stats__free(sides[i].s);
		profile__free(sides[i].p);
	}
	return ret;
}
