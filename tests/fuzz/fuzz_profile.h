/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A profile read from untrusted input, put through everything that reads
 * profiles (fuzz_folded, fuzz_pprof): ember report (tables and call
 * tree), ember diff, the per-function and tree models, and every writer;
 * then the writers' output read back, which must work: a file ember
 * writes is a file ember reads.
 *
 *   folded: write(read(write(p))) is a fixed point: writing what was
 *           read from ember's folded output gives the same text again;
 *   pprof:  read(write(p)) gives the same folded text as p, per type.
 */
#ifndef EMBER_FUZZ_PROFILE_H
#define EMBER_FUZZ_PROFILE_H

#include "fuzz.h"
#include "profile/call_tree.h"
#include "format/flamegraph.h"
#include "format/folded.h"
#include "profile/func_diff.h"
#include "profile/func_stats.h"
#include "format/pprof.h"
#include "profile/profile.h"
#include "format/profile_json.h"
#include "format/profile_read.h"
#include "cmd/report_cmd.h"
#include "cmd/report_fmt.h"

/* Types looked at: a file may declare thousands. */
#define FUZZ_MAX_TYPES 4

static FILE *fuzz_null;

static inline FILE *fuzz_devnull(void)
{
	if (!fuzz_null) {
		fuzz_null = fopen("/dev/null", "we");
		if (!fuzz_null)
			fuzz_die("/dev/null");
	}
	return fuzz_null;
}

/* Broken invariants are bugs: print both sides and abort (a crash to
 * libFuzzer, with the input saved). */
static inline void fuzz_mismatch(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz: %s\n--- first:\n%s\n--- second:\n%s\n", what, a, b);
	abort();
}

static inline char *fuzz_folded_text(struct profile *p, unsigned int type)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		fuzz_die("open_memstream");
	if (folded__write(p, type, 1, f))
		fuzz_mismatch("folded__write failed on a profile it was given", "", "");
	fclose(f);
	return buf;
}

/* Whether folded text holds a stack line (not only "# " comments). */
static inline int fuzz_has_stack_line(const char *text)
{
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		if (*l != '#')
			return 1;
		if (!strchr(l, '\n'))
			break;
	}
	return 0;
}

static inline struct profile *fuzz_read_folded_text(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct profile *p;

	if (!f)
		fuzz_die("fmemopen");
	p = profile_read__stream(f, "folded-roundtrip", NULL);
	fclose(f);
	return p;
}

static inline void fuzz_folded_fixed_point(struct profile *p)
{
	char *t1 = fuzz_folded_text(p, 0), *t2, *t3;
	struct profile *p2, *p3;

	if (!fuzz_has_stack_line(t1)) {
		free(t1);
		return;
	}
	p2 = fuzz_read_folded_text(t1);
	if (!p2)
		fuzz_mismatch("ember's folded output does not read back", t1, "");
	t2 = fuzz_folded_text(p2, 0);
	p3 = fuzz_read_folded_text(t2);
	if (!p3)
		fuzz_mismatch("ember's folded output does not read back", t2, "");
	t3 = fuzz_folded_text(p3, 0);
	if (strcmp(t2, t3))
		fuzz_mismatch("folded text is not a fixed point", t2, t3);
	free(t1);
	free(t2);
	free(t3);
	profile__free(p2);
	profile__free(p3);
}

static inline void fuzz_pprof_roundtrip(struct profile *p)
{
	struct pprof_opts po = { .period_type = "cpu", .period_unit = "nanoseconds", .period = 7 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct profile *q;
	unsigned int n = profile__nr_types(p);

	if (!f)
		fuzz_die("open_memstream");
	if (pprof__write(p, &po, f))
		fuzz_mismatch("pprof__write failed", "", "");
	fclose(f);
	q = pprof__read_mem(buf, len, "pprof-roundtrip", NULL);
	if (!q)
		fuzz_mismatch("ember's pprof output does not read back", "", "");
	if (profile__nr_types(q) != n)
		fuzz_mismatch("pprof round trip changed the number of types", "", "");
	for (unsigned int t = 0; t < n && t < FUZZ_MAX_TYPES; t++) {
		char *a = fuzz_folded_text(p, t), *b = fuzz_folded_text(q, t);

		if (strcmp(a, b))
			fuzz_mismatch("pprof round trip changed the stacks", a, b);
		free(a);
		free(b);
	}
	profile__free(q);
	free(buf);
}

static inline void fuzz_models(const struct profile *p, unsigned int type)
{
	struct func_stats *s = func_stats__new(p, type);
	struct call_tree *ct = call_tree__new(
	    p, &(struct call_tree_opts){ .type = type, .by_module = true, .children = true });
	struct call_tree *fg =
	    call_tree__new(p, &(struct call_tree_opts){ .type = type, .min_share = 0.001 });
	struct func_diff *d = NULL;

	if (s) {
		func_stats__sort(s, FUNC_BY_SELF);
		func_stats__sort(s, FUNC_BY_TOTAL);
		func_stats__sort(s, FUNC_BY_NAME);
		d = func_diff__new(s, s);
		if (d) {
			func_diff__sort(d, SHARE_SELF);
			func_diff__sort(d, SHARE_TOTAL);
		}
	}
	if (fg)
		call_tree__add_before(fg, p, type);
	for (size_t i = 0; ct && i < call_tree__nr_nodes(ct); i++) {
		const uint32_t *kids;
		size_t nr = call_tree__children(ct, i, &kids);

		for (size_t k = 0; k < nr; k++)
			if (call_tree__node(ct, kids[k])->parent != i)
				fuzz_mismatch("a child is not its parent's", "", "");
	}
	func_diff__free(d);
	call_tree__free(fg);
	call_tree__free(ct);
	func_stats__free(s);
}

static inline void fuzz_writers(const struct profile *p, unsigned int type)
{
	struct flamegraph_opts fo;
	struct profile_json_opts jo = { .event = "cpu", .duration_nanos = 1 };

	flamegraph_opts__init(&fo);
	fo.type = type;
	flamegraph__write(p, &fo, fuzz_devnull());
	fo.inverted = true;
	fo.min_width = 0;
	flamegraph__write_diff(p, p, &fo, fuzz_devnull());
	profile_json__write(p, &jo, fuzz_devnull());
}

/* The commands, as a user runs them on the file at path (stdout is
 * /dev/null: see fuzz_profile_init). */
static inline void fuzz_commands(const char *path)
{
	char cmd_report[] = "report", cmd_diff[] = "diff", tree[] = "--tree", wide[] = "--wide",
	     n[] = "-n", zero[] = "0", file[64];
	char *report[] = { cmd_report, file, NULL };
	char *report_tree[] = { cmd_report, tree, wide, n, zero, file, NULL };
	char *diff[] = { cmd_diff, file, file, NULL };

	snprintf(file, sizeof(file), "%s", path);
	report__main(2, report);
	report__main(6, report_tree);
	diff__main(3, diff);
}

static inline void fuzz_profile_init(void)
{
	if (!freopen("/dev/null", "w", stdout))
		fuzz_die("freopen stdout");
}

/* Everything above, on p read from the file at path (p is sorted: the
 * writers sort anyway, and the model must survive it). */
static inline void fuzz_profile(struct profile *p, const char *path)
{
	unsigned int n = profile__nr_types(p);

	for (unsigned int t = 0; t < n && t < FUZZ_MAX_TYPES; t++) {
		fuzz_models(p, t);
		fuzz_writers(p, t);
	}
	fuzz_pprof_roundtrip(p);
	fuzz_folded_fixed_point(p);
	if (profile__sort(p))
		fuzz_die("profile__sort");
	fuzz_commands(path);
}

#endif
