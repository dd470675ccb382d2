// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "lib/log.h"
#include "cmd/report_fmt.h"
#include "lib/utf8.h"

#define NSEC_PER_MSEC 1000000LL
#define NSEC_PER_SEC 1000000000LL
/* from this total on, times read better in seconds than in milliseconds */
#define SECONDS_FROM 100.0

static int64_t time_base(const char *unit)
{
	if (strcmp(unit, "nanoseconds") == 0)
		return 1;
	if (strcmp(unit, "microseconds") == 0)
		return 1000;
	if (strcmp(unit, "milliseconds") == 0)
		return NSEC_PER_MSEC;
	if (strcmp(unit, "seconds") == 0)
		return NSEC_PER_SEC;
	return 0;
}

void value_fmt__init(struct value_fmt *f, const struct value_type *t, int64_t largest)
{
	int64_t disp;

	*f = (struct value_fmt){ .unit = t->unit, .div = 1, .col = "" };
	if (strcmp(t->unit, "count") == 0) {
		f->unit = strstr(t->type, "objects") ? "objects" : "samples";
		return;
	}
	if (strcmp(t->unit, "bytes") == 0) {
		f->col = "(B)";
		return;
	}
	f->time = time_base(t->unit);
	if (!f->time)
		return;
	disp =
	    (double)largest * f->time < SECONDS_FROM * NSEC_PER_SEC ? NSEC_PER_MSEC : NSEC_PER_SEC;
	if (disp < f->time)
		disp = f->time;
	f->col = disp == NSEC_PER_MSEC ? "(ms)" : "(s)";
	f->div = disp / f->time;
	f->decimals = f->div >= 1000 ? 3 : f->div >= 100 ? 2 : f->div >= 10 ? 1 : 0;
}

char *value_fmt__str(const struct value_fmt *f, int64_t v, char *buf, size_t size)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v, div = f->div, q = u / div, r = u % div;
	uint64_t scale = 1, frac;

	if (!f->decimals) {
		/* whole display units: round half up */
		q = (u + div / 2) / div;
		snprintf(buf, size, "%s%" PRIu64, v < 0 ? "-" : "", q);
		return buf;
	}
	for (int i = 0; i < f->decimals; i++)
		scale *= 10;
	/* r < div <= 1e9, so r * scale stays far below 2^64 */
	frac = (r * scale + div / 2) / div;
	if (frac >= scale) {
		q++;
		frac -= scale;
	}
	snprintf(buf, size, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", q, f->decimals, frac);
	return buf;
}

char *value_fmt__total(const struct value_fmt *f, int64_t v, char *buf, size_t size)
{
	static const char *const bin[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int n = snprintf(buf, size, "%" PRId64 " %s", v, f->unit);
	double x = (double)v;

	if (n < 0 || (size_t)n >= size)
		return buf;
	if (f->time && f->time < NSEC_PER_SEC) {
		x *= (double)f->time;
		if (x >= NSEC_PER_SEC || x <= -NSEC_PER_SEC)
			snprintf(buf + n, size - n, " (%.3f s)", x / NSEC_PER_SEC);
		else if (f->time < NSEC_PER_MSEC)
			snprintf(buf + n, size - n, " (%.3f ms)", x / NSEC_PER_MSEC);
	} else if (strcmp(f->unit, "bytes") == 0 && (v >= 1024 || v <= -1024)) {
		int i = 0;

		x /= 1024;
		while ((x >= 1024 || x <= -1024) && i < 5) {
			x /= 1024;
			i++;
		}
		snprintf(buf + n, size - n, " (%.2f %s)", x, bin[i]);
	}
	return buf;
}

/* Characters (UTF-8 sequences; a stray byte counts as one) in s[0..len). */
static size_t nr_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; n++) {
		size_t l = utf8__seq_len((const unsigned char *)s + i, len - i);

		i += l ? l : 1;
	}
	return n;
}

/* Append at most `chars` characters of s (control bytes as '?', so a name
 * never breaks a line) to buf at *at. */
static void put(char *buf, size_t size, size_t *at, const char *s, size_t chars)
{
	for (size_t i = 0; s[i] && chars; chars--) {
		size_t l = utf8__seq_len((const unsigned char *)s + i, 4);

		if (!l)
			l = 1;
		if (*at + l >= size)
			break;
		for (size_t k = 0; k < l; k++, i++) {
			unsigned char c = s[i];

			buf[(*at)++] = c < 0x20 || c == 0x7f || (l == 1 && c >= 0x80) ? '?' : c;
		}
	}
	buf[*at] = '\0';
}

char *func_name__str(const char *name, enum frame_kind kind, size_t width, char *buf, size_t size)
{
	const char *suffix = kind == FRAME_KERNEL ? "_[k]" : "";
	size_t len = strlen(name), chars = nr_chars(name, len) + strlen(suffix), at = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	if (!width || chars <= width) {
		put(buf, size, &at, name, SIZE_MAX);
		put(buf, size, &at, suffix, SIZE_MAX);
		return buf;
	}
	/* keep the start (namespace, function) and the kernel marker */
	if (width < strlen(suffix) + 4)
		width = strlen(suffix) + 4;
	put(buf, size, &at, name, width - strlen(suffix) - 3);
	put(buf, size, &at, "...", SIZE_MAX);
	put(buf, size, &at, suffix, SIZE_MAX);
	return buf;
}

const char *module__base(const char *module)
{
	const char *slash;

	if (!module || !*module)
		return "-";
	slash = strrchr(module, '/');
	return slash && slash[1] ? slash + 1 : module;
}

double pct(int64_t v, int64_t total)
{
	return total ? 100.0 * (double)v / (double)total : 0.0;
}

int profile_type__find(const struct profile *p, const char *name, const char *path)
{
	unsigned int n = profile__nr_types(p);
	char have[256] = "";
	size_t at = 0;

	if (!name)
		return (int)n - 1;
	for (unsigned int i = 0; i < n; i++) {
		if (strcmp(profile__type(p, i)->type, name) == 0)
			return (int)i;
	}
	for (unsigned int i = 0; i < n && at < sizeof(have); i++) {
		int w = snprintf(have + at, sizeof(have) - at, "%s%s", i ? ", " : "",
				 profile__type(p, i)->type);

		if (w < 0)
			break;
		at += (size_t)w;
	}
	p_err("%s has no value type '%s': give --type with one of %s", path, name, have);
	return -1;
}

const char *unit__canonical(const char *arg)
{
	static const char *const units[][2] = {
		{ "samples", "samples" },
		{ "count", "samples" },
		{ "nanoseconds", "nanoseconds" },
		{ "ns", "nanoseconds" },
		{ "microseconds", "microseconds" },
		{ "us", "microseconds" },
		{ "milliseconds", "milliseconds" },
		{ "ms", "milliseconds" },
		{ "seconds", "seconds" },
		{ "s", "seconds" },
		{ "bytes", "bytes" },
		{ "B", "bytes" },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(arg, units[i][0]) == 0)
			return units[i][1];
	}
	return NULL;
}
