// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include "lib/json_writer.h"
#include "lib/utf8.h"

#define MAX_DEPTH 64

struct json_writer {
	FILE *out;
	bool pretty;
	int depth;
	/* per level: has a member been written (so the next needs a comma) */
	bool first[MAX_DEPTH];
	bool after_key;
};

struct json_writer *json_writer__new(FILE *out, bool pretty)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

int json_writer__free(struct json_writer *w)
{
	int err = 0;

	if (!w)
		return 0;
	if (w->pretty)
		fputc('\n', w->out);
	if (fflush(w->out) || ferror(w->out))
		err = -EIO;
	free(w);
	return err;
}

static void indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Separator before a value or key at the current level. */
static void before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->out);
	w->first[w->depth] = false;
	if (w->depth)
		indent(w);
}

static void open_level(struct json_writer *w, char c)
{
	before_item(w);
	fputc(c, w->out);
	if (w->depth + 1 < MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_level(struct json_writer *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth)
		w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->out);
}

void json__object_begin(struct json_writer *w)
{
	open_level(w, '{');
}

void json__object_end(struct json_writer *w)
{
	close_level(w, '}');
}

void json__array_begin(struct json_writer *w)
{
	open_level(w, '[');
}

void json__array_end(struct json_writer *w)
{
	close_level(w, ']');
}

static void put_string(struct json_writer *w, const char *s)
{
	fputc('"', w->out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", w->out);
			break;
		case '\\':
			fputs("\\\\", w->out);
			break;
		case '\n':
			fputs("\\n", w->out);
			break;
		case '\t':
			fputs("\\t", w->out);
			break;
		default:
			/* control bytes escaped; names from the kernel are not
			 * guaranteed UTF-8: invalid bytes become U+FFFD */
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(w->out, "\\u%04x", *p);
			} else if (*p < 0x80) {
				fputc(*p, w->out);
			} else {
				size_t n = utf8__seq_len(p, 4);

				if (!n) {
					fputs("\\ufffd", w->out);
				} else {
					fwrite(p, 1, n, w->out);
					p += n - 1;
				}
			}
		}
	}
	fputc('"', w->out);
}

void json__key(struct json_writer *w, const char *key)
{
	before_item(w);
	put_string(w, key);
	fputs(w->pretty ? ": " : ":", w->out);
	w->after_key = true;
}

void json__string(struct json_writer *w, const char *s)
{
	before_item(w);
	put_string(w, s ? s : "");
}

void json__uint(struct json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRIu64, v);
}

void json__int(struct json_writer *w, int64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRId64, v);
}

void json__double(struct json_writer *w, double v)
{
	before_item(w);
	if (!isfinite(v))
		fputs("null", w->out);
	else if (v == (double)(int64_t)v && fabs(v) < 1e15)
		fprintf(w->out, "%" PRId64, (int64_t)v);
	else
		fprintf(w->out, "%.6g", v);
}

void json__bool(struct json_writer *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->out);
}

void json__null(struct json_writer *w)
{
	before_item(w);
	fputs("null", w->out);
}
