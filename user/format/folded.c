// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "format/folded.h"
#include "lib/utf8.h"

struct linebuf {
	char *buf;
	size_t len, cap;
};

static int lb_putc(struct linebuf *lb, char c)
{
	if (lb->len + 1 >= lb->cap) {
		size_t ncap = lb->cap ? lb->cap * 2 : 1024;
		char *n = realloc(lb->buf, ncap);

		if (!n)
			return -ENOMEM;
		lb->buf = n;
		lb->cap = ncap;
	}
	lb->buf[lb->len++] = c;
	lb->buf[lb->len] = '\0';
	return 0;
}

/* ';' separates frames and a newline ends the record; names come from
 * process comms and symbol tables, which may hold either, so replace
 * them (and other control bytes) rather than corrupt the file. Comments
 * (frame false) keep their ';' but not their newlines: they come from
 * files read back, a pprof comment may hold several lines. */
static int lb_put_text(struct linebuf *lb, const char *s, bool frame)
{
	for (; *s; s++) {
		char c = *s;
		size_t n = utf8__seq_len((const unsigned char *)s, 4);

		/* and bytes that are not UTF-8: readers reject those */
		if (c == ';' && frame)
			c = ':';
		else if ((unsigned char)c < 0x20 || c == 0x7f || !n)
			c = '?';
		if (n > 1) {
			for (size_t i = 0; i < n; i++)
				if (lb_putc(lb, s[i]))
					return -ENOMEM;
			s += n - 1;
			continue;
		}
		if (lb_putc(lb, c))
			return -ENOMEM;
	}
	return 0;
}

/* Empty the line, "" even before its first character. */
static int lb_clear(struct linebuf *lb)
{
	lb->len = 0;
	if (lb_putc(lb, '\0'))
		return -ENOMEM;
	lb->len = 0;
	return 0;
}

static int format_stack(struct linebuf *lb, const struct profile_stack *st)
{
	if (lb_clear(lb))
		return -ENOMEM;
	for (unsigned int i = 0; i < st->nr_frames; i++) {
		const struct frame *f = &st->frames[i];

		if (i && lb_putc(lb, ';'))
			return -ENOMEM;
		if (lb_put_text(lb, f->name, true))
			return -ENOMEM;
		if (f->kind == FRAME_KERNEL &&
		    (lb_putc(lb, '_') || lb_putc(lb, '[') || lb_putc(lb, 'k') || lb_putc(lb, ']')))
			return -ENOMEM;
	}
	return 0;
}

struct line {
	char *text;
	int64_t value;
};

static int cmp_lines(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	return strcmp(x->text, y->text);
}

int folded__write(struct profile *p, unsigned int type, int64_t divisor, FILE *out)
{
	struct linebuf lb = {};
	struct profile_stack st;
	struct line *lines = NULL;
	size_t n = 0, i;
	int err = 0;

	if (type >= profile__nr_types(p) || divisor < 1)
		return -EINVAL;
	lines = calloc(profile__nr_stacks(p) + 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < profile__nr_stacks(p); i++) {
		profile__stack(p, i, &st);
		if (st.values[type] <= 0 || !st.nr_frames)
			continue;
		err = format_stack(&lb, &st);
		if (err)
			goto out;
		lines[n].text = strdup(lb.buf);
		if (!lines[n].text) {
			err = -ENOMEM;
			goto out;
		}
		lines[n++].value = st.values[type];
	}
	/* Notes first, as comment lines: readers of folded stacks skip
	 * lines without a trailing count. */
	for (unsigned int c = 0; c < profile__nr_comments(p); c++) {
		if (lb_clear(&lb) || lb_put_text(&lb, profile__comment(p, c), false)) {
			err = -ENOMEM;
			goto out;
		}
		if (fprintf(out, "# %s\n", lb.buf) < 0) {
			err = errno ? -errno : -EIO;
			goto out;
		}
	}
	/* Byte order, as `LC_ALL=C sort` gives; stacks that print alike
	 * (they differ only in addresses) become neighbours and merge. */
	qsort(lines, n, sizeof(*lines), cmp_lines);
	for (i = 0; i < n; i++) {
		int64_t v = lines[i].value;

		while (i + 1 < n && strcmp(lines[i].text, lines[i + 1].text) == 0)
			v += lines[++i].value;
		v = (v + divisor / 2) / divisor;
		if (v <= 0)
			continue;
		if (fprintf(out, "%s %" PRId64 "\n", lines[i].text, v) < 0) {
			err = errno ? -errno : -EIO;
			goto out;
		}
	}
	if (fflush(out))
		err = -errno;
out:
	for (i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	free(lb.buf);
	return err;
}
