// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/log.h"
#include "format/pprof.h"
#include "profile/profile.h"
#include "format/profile_read.h"
#include "lib/utf8.h"

/* Deeper stacks than any unwinder gives are a sign of a broken file. */
#define MAX_FRAMES 4096
#define EMBER_EVENT_PREFIX "ember: event "
#define EMBER_UNIT_SEP ", values in "

struct reader {
	const char *name;
	const struct profile_read_opts *o;
	struct profile *p;
	char **comments; /* seen before the profile could be made */
	unsigned int nr_comments;
	char event[32], unit[32];
	struct frame frames[MAX_FRAMES];
	unsigned long line;
	int64_t total;
	size_t stacks;
};

static enum frame_kind kind_of(char *name, size_t *len)
{
	if (*len > 4 && strcmp(name + *len - 4, "_[k]") == 0) {
		*len -= 4;
		name[*len] = '\0';
		return FRAME_KERNEL;
	}
	if (strcmp(name, "[off-cpu]") == 0 || strcmp(name, "[runnable]") == 0)
		return FRAME_MARKER;
	/* py-spy: "function (path/file.py:LINE)"; austin and others alike */
	if (name[*len - 1] == ')' && strstr(name, ".py:"))
		return FRAME_INTERP;
	return FRAME_USER;
}

static const char *unit_type(const char *unit)
{
	if (strcmp(unit, "samples") == 0)
		return "count";
	return unit;
}

/* The profile, once the first stack shows that the header comments are
 * over. */
static int make_profile(struct reader *r)
{
	struct value_type t = { "samples", "count", 0 };

	if (r->o && r->o->unit) {
		t.unit = unit_type(r->o->unit);
		t.type = r->event[0] ? r->event : r->o->unit;
	} else if (r->unit[0]) {
		t.unit = unit_type(r->unit);
		t.type = r->event[0] ? r->event : r->unit;
	}
	r->p = profile__new(&t, 1);
	if (!r->p)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->nr_comments; i++)
		if (profile__add_comment(r->p, r->comments[i]))
			return -ENOMEM;
	return 0;
}

static int add_comment(struct reader *r, const char *text)
{
	char **n;

	/* ember's own header: "ember: event cpu, values in samples" */
	if (!r->p && !r->nr_comments &&
	    strncmp(text, EMBER_EVENT_PREFIX, strlen(EMBER_EVENT_PREFIX)) == 0) {
		const char *ev = text + strlen(EMBER_EVENT_PREFIX);
		const char *sep = strstr(ev, EMBER_UNIT_SEP);

		if (sep && (size_t)(sep - ev) < sizeof(r->event)) {
			snprintf(r->event, sizeof(r->event), "%.*s", (int)(sep - ev), ev);
			snprintf(r->unit, sizeof(r->unit), "%s", sep + strlen(EMBER_UNIT_SEP));
		}
	}
	if (r->p)
		return profile__add_comment(r->p, text);
	n = realloc(r->comments, (r->nr_comments + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->comments = n;
	r->comments[r->nr_comments] = strdup(text);
	if (!r->comments[r->nr_comments])
		return -ENOMEM;
	r->nr_comments++;
	return 0;
}

/* One line without its newline. 0, or -EINVAL after printing why. */
static int parse_line(struct reader *r, char *s, size_t len)
{
	char *count, *end, *tok;
	unsigned int n = 0;
	long bad;
	int64_t v;

	if (len && s[len - 1] == '\r')
		s[--len] = '\0';
	if (strlen(s) != len) {
		p_err("%s:%lu: binary data (a NUL byte): give a folded-stack text file", r->name,
		      r->line);
		return -EINVAL;
	}
	bad = utf8__invalid_at(s, len);
	if (bad >= 0) {
		p_err("%s:%lu: invalid UTF-8 at byte %ld: convert the file to UTF-8 (iconv)",
		      r->name, r->line, bad + 1);
		return -EINVAL;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	if (!len)
		return 0;
	if (s[0] == '#') {
		s++;
		if (*s == ' ')
			s++;
		return add_comment(r, s);
	}
	count = strrchr(s, ' ');
	end = strrchr(s, '\t');
	if (end > count)
		count = end;
	if (!count || count == s) {
		p_err("%s:%lu: no count at the end of the line: expected 'frame;frame;... COUNT'",
		      r->name, r->line);
		return -EINVAL;
	}
	*count++ = '\0';
	if (*count < '0' || *count > '9') {
		p_err("%s:%lu: '%.40s' is not a count: expected 'frame;frame;... COUNT' with a "
		      "whole number",
		      r->name, r->line, count);
		return -EINVAL;
	}
	errno = 0;
	v = strtoll(count, &end, 10);
	if (errno == ERANGE || (*end == '\0' && INT64_MAX - v < r->total)) {
		p_err("%s:%lu: count %.40s is too large (the file's total must stay below 2^63)",
		      r->name, r->line, count);
		return -EINVAL;
	}
	if (*end) {
		p_err("%s:%lu: '%.40s' is not a count: expected 'frame;frame;... COUNT' with a "
		      "whole number",
		      r->name, r->line, count);
		return -EINVAL;
	}
	/* the stack: frames separated by ';', root first */
	for (tok = s;; tok = end + 1) {
		size_t flen;

		end = strchr(tok, ';');
		if (end)
			*end = '\0';
		flen = strlen(tok);
		if (!flen) {
			p_err("%s:%lu: empty frame name in the stack: expected "
			      "'frame;frame;... COUNT'",
			      r->name, r->line);
			return -EINVAL;
		}
		if (n == MAX_FRAMES) {
			p_err("%s:%lu: more than %d frames in one stack", r->name, r->line,
			      MAX_FRAMES);
			return -EINVAL;
		}
		r->frames[n].kind = kind_of(tok, &flen);
		r->frames[n].name = tok;
		n++;
		if (!end)
			break;
	}
	if (!r->p && make_profile(r))
		return -ENOMEM;
	/* ember files start with the process */
	if (r->event[0] && r->frames[0].kind == FRAME_USER)
		r->frames[0].kind = FRAME_PROCESS;
	r->total += v;
	r->stacks++;
	if (!v)
		return 0;
	return profile__add(r->p, r->frames, n, &v);
}

struct profile *profile_read__stream(FILE *f, const char *name, const struct profile_read_opts *o)
{
	struct reader *r = calloc(1, sizeof(*r));
	struct profile *p = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;

	if (!r) {
		p_err("out of memory");
		errno = ENOMEM;
		return NULL;
	}
	r->name = name;
	r->o = o;
	while ((len = getline(&line, &cap, f)) > 0) {
		r->line++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		err = parse_line(r, line, len);
		if (err)
			goto cleanup;
	}
	if (ferror(f)) {
		err = errno ? -errno : -EIO;
		p_err("cannot read %s: %s", name, strerror(-err));
		goto cleanup;
	}
	if (!r->stacks) {
		p_err("%s: no stacks in the file: give a folded-stack file ('frame;frame;... "
		      "COUNT' lines)",
		      name);
		err = -EINVAL;
		goto cleanup;
	}
	p = r->p;
	r->p = NULL;
cleanup:
	if (err == -ENOMEM)
		p_err("out of memory reading %s", name);
	free(line);
	profile__free(r->p);
	for (unsigned int i = 0; i < r->nr_comments; i++)
		free(r->comments[i]);
	free(r->comments);
	free(r);
	if (!p)
		errno = err ? -err : EINVAL;
	return p;
}

/* pprof files are gzip-compressed profile.proto (go tool pprof, ember -o
 * x.pb.gz): the gzip magic tells them from text. */
static bool gzip_magic(FILE *f)
{
	int c = getc(f);

	if (c == EOF)
		return false;
	ungetc(c, f);
	return c == 0x1f;
}

static struct profile *read_pprof_stream(FILE *f, const char *name)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	struct profile *p = NULL;
	size_t n;

	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf || len == cap)
		p_err("out of memory reading %s", name);
	else
		p = pprof__read_mem(buf, len, name, NULL);
	free(buf);
	return p;
}

struct profile *profile_read__file(const char *path, const struct profile_read_opts *o)
{
	struct profile *p;
	FILE *f;

	if (strcmp(path, "-") == 0)
		return gzip_magic(stdin) ? read_pprof_stream(stdin, "stdin")
					 : profile_read__stream(stdin, "stdin", o);
	f = fopen(path, "r");
	if (!f) {
		int err = errno;

		p_err("cannot open %s: %s", path, strerror(err));
		errno = err;
		return NULL;
	}
	if (gzip_magic(f)) {
		fclose(f);
		return pprof__read(path, NULL);
	}
	p = profile_read__stream(f, path, o);
	fclose(f);
	return p;
}

const char *profile_read__event(const struct profile *p)
{
	const char *c;

	if (!profile__nr_comments(p))
		return NULL;
	c = profile__comment(p, 0);
	if (strncmp(c, EMBER_EVENT_PREFIX, strlen(EMBER_EVENT_PREFIX)) != 0)
		return NULL;
	return profile__type(p, 0)->type;
}
