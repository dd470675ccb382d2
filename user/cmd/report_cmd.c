// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember report: a profile by function (two pstats-like tables) or as a call
 * tree. Output is for people and for scripts alike: "key: value" header
 * lines, then whitespace-separated columns with the function name last
 * (it may contain spaces), values in the unit named in the column header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "profile/call_tree.h"
#include "profile/func_stats.h"
#include "lib/log.h"
#include "profile/profile.h"
#include "format/profile_read.h"
#include "cmd/report_cmd.h"
#include "cmd/report_fmt.h"
#include "cmd/report_opts.h"

#define LINE_WIDTH 80
#define VALUE_WIDTH 11
#define MODULE_WIDTH 16
/* self, self%, total, total%, then the name */
#define NAME_COL (2 * (VALUE_WIDTH + 1 + 7 + 1) + 1)

struct report {
	const struct report_opts *o;
	struct value_fmt vf;
	int64_t total;
	FILE *out;
	bool modules; /* a module column: some function has one */
	char name[1024];
};

/* errno from func_stats__new() or call_tree__new(), as one error line */
void report__stats_error(const char *path, int err)
{
	if (err == EOVERFLOW)
		p_err("%s: the values add up beyond 2^63: check the file's counts", path);
	else
		p_err("%s: %s", path, strerror(err));
}

static void print_header(struct report *r, const struct profile *p, unsigned int type,
			 const struct func_stats *s, size_t nr_funcs)
{
	char buf[128];

	fprintf(r->out, "file:      %s\n", r->o->files[0]);
	fprintf(r->out, "values:    %s, in %s\n", profile__type(p, type)->type, r->vf.unit);
	fprintf(r->out, "total:     %s\n", value_fmt__total(&r->vf, r->total, buf, sizeof(buf)));
	fprintf(r->out, "stacks:    %zu\n", func_stats__nr_stacks(s));
	fprintf(r->out, "functions: %zu\n", nr_funcs);
	/* notes such as "estimated values"; ember's own header is said above */
	for (unsigned int i = 0; i < profile__nr_comments(p); i++) {
		const char *c = profile__comment(p, i);

		if (i == 0 && profile_read__event(p))
			continue;
		fprintf(r->out, "note:      %s\n",
			func_name__str(c, FRAME_USER, 0, r->name, sizeof(r->name)));
	}
}

static void print_columns(struct report *r, const char *first)
{
	char self[24], total[24];

	snprintf(self, sizeof(self), "self%s", r->vf.col);
	snprintf(total, sizeof(total), "total%s", r->vf.col);
	fprintf(r->out, "%*s %7s %*s %7s  ", VALUE_WIDTH, self, "self%", VALUE_WIDTH, total,
		"total%");
	if (r->modules)
		fprintf(r->out, "%-*s ", MODULE_WIDTH, "module");
	fprintf(r->out, "%s\n", first);
}

static void print_values(struct report *r, int64_t self, int64_t total)
{
	char a[32], b[32];

	fprintf(r->out, "%*s %6.2f%% %*s %6.2f%%  ", VALUE_WIDTH,
		value_fmt__str(&r->vf, self, a, sizeof(a)), pct(self, r->total), VALUE_WIDTH,
		value_fmt__str(&r->vf, total, b, sizeof(b)), pct(total, r->total));
}

static void print_module(struct report *r, const char *module)
{
	char m[MODULE_WIDTH * 4 + 8];

	if (r->modules)
		fprintf(r->out, "%-*s ", MODULE_WIDTH,
			func_name__str(module__base(module), FRAME_USER,
				       r->o->wide ? 0 : MODULE_WIDTH, m, sizeof(m)));
}

static void print_table(struct report *r, struct func_stats *s, enum report_table by)
{
	size_t width = LINE_WIDTH - NAME_COL - (r->modules ? MODULE_WIDTH + 1 : 0), shown = 0;

	func_stats__sort(s, by == TABLE_SELF ? FUNC_BY_SELF : FUNC_BY_TOTAL);
	fprintf(r->out, "\nfunctions by %s (top %lu):\n", by == TABLE_SELF ? "self" : "total",
		r->o->top);
	print_columns(r, "function");
	for (size_t i = 0; i < func_stats__nr(s) && shown < r->o->top; i++) {
		const struct func_stat *f = func_stats__get(s, i);

		if (!func_stat__is_function(f) || !(by == TABLE_SELF ? f->self : f->total))
			continue;
		print_values(r, f->self, f->total);
		print_module(r, f->module);
		fprintf(r->out, "%s\n",
			func_name__str(f->name, f->kind, r->o->wide ? 0 : width, r->name,
				       sizeof(r->name)));
		shown++;
	}
}

static int64_t add_sat(int64_t a, int64_t b)
{
	int64_t c;

	if (__builtin_add_overflow(a, b, &c))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return c;
}

/* A node's line, then its children above the threshold, largest first; the
 * rest summed up in one "... N more" line. */
static void print_node(struct report *r, const struct call_tree *t, size_t i, unsigned int depth)
{
	const struct call_node *n = call_tree__node(t, i);
	int64_t rest = 0;
	size_t shown = 0, nr_rest = 0;
	const uint32_t *kids;
	size_t nr = call_tree__children(t, i, &kids);

	if (i) {
		print_values(r, n->self, n->total);
		print_module(r, n->module);
		fprintf(r->out, "%*s%s\n", (int)(2 * depth), "",
			func_name__str(n->name, n->kind, 0, r->name, sizeof(r->name)));
		depth++;
	}
	for (size_t k = 0; k < nr; k++) {
		const struct call_node *c = call_tree__node(t, kids[k]);

		if ((r->o->top && shown >= r->o->top) ||
		    pct(c->total, r->total) < r->o->min_percent) {
			rest = add_sat(rest, c->total);
			nr_rest++;
			continue;
		}
		print_node(r, t, kids[k], depth);
		shown++;
	}
	if (nr_rest) {
		char v[32];

		fprintf(r->out, "%*s %7s %*s %6.2f%%  ", VALUE_WIDTH, "-", "-", VALUE_WIDTH,
			value_fmt__str(&r->vf, rest, v, sizeof(v)), pct(rest, r->total));
		if (r->modules)
			fprintf(r->out, "%-*s ", MODULE_WIDTH, "-");
		fprintf(r->out, "%*s... %zu more\n", (int)(2 * depth), "", nr_rest);
	}
}

static int print_tree(struct report *r, const struct profile *p, unsigned int type)
{
	struct call_tree *t = call_tree__new(
	    p, &(struct call_tree_opts){ .type = type, .by_module = true, .children = true });

	if (!t) {
		report__stats_error(r->o->files[0], errno);
		return -1;
	}
	fprintf(r->out, "\ncall tree (");
	if (r->o->min_percent > 0)
		fprintf(r->out, "nodes under %.2f%% of the total left out", r->o->min_percent);
	else
		fprintf(r->out, "every node");
	if (r->o->top)
		fprintf(r->out, ", at most %lu children per node", r->o->top);
	fprintf(r->out, "):\n");
	print_columns(r, "stack");
	print_node(r, t, 0, 0);
	call_tree__free(t);
	return 0;
}

int report__main(int argc, char **argv)
{
	struct profile_read_opts ro = { 0 };
	struct report r = { .out = stdout };
	struct func_stats *s = NULL;
	struct profile *p = NULL;
	struct report_opts o;
	size_t nr_funcs = 0;
	int ret = 1, type;

	switch (report_opts__parse(CMD_REPORT, argc, argv, &o)) {
	case 0:
		break;
	case 1: /* --help, printed */
		return 0;
	default:
		return 2;
	}
	r.o = &o;
	ro.unit = o.unit;
	p = profile_read__file(o.files[0], &ro);
	if (!p)
		return 1;
	type = profile_type__find(p, o.type, o.files[0]);
	if (type < 0)
		goto cleanup;
	s = func_stats__new(p, type);
	if (!s) {
		report__stats_error(o.files[0], errno);
		goto cleanup;
	}
	r.total = func_stats__total(s);
	value_fmt__init(&r.vf, profile__type(p, type), r.total);
	for (size_t i = 0; i < func_stats__nr(s); i++) {
		const struct func_stat *f = func_stats__get(s, i);

		nr_funcs += func_stat__is_function(f);
		r.modules |= f->module != NULL;
	}
	print_header(&r, p, type, s, nr_funcs);
	if (o.tree) {
		if (print_tree(&r, p, type))
			goto cleanup;
	} else {
		if (o.sort != TABLE_TOTAL)
			print_table(&r, s, TABLE_SELF);
		if (o.sort != TABLE_SELF)
			print_table(&r, s, TABLE_TOTAL);
	}
	if (fflush(stdout) || ferror(stdout)) {
		p_err("cannot write the report: %s", strerror(errno));
		goto cleanup;
	}
	ret = 0;
cleanup:
	func_stats__free(s);
	profile__free(p);
	return ret;
}
