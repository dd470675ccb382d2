// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

static int verbosity;
static log_sink_fn sink;
static void *sink_ctx;

void log__set_verbosity(int level)
{
	verbosity = level;
}

int log__verbosity(void)
{
	return verbosity;
}

void log__set_sink(log_sink_fn fn, void *ctx)
{
	sink = fn;
	sink_ctx = ctx;
}

/* One line to the sink: fmt's text after prefix, without its newlines. */
static void to_sink(const char *prefix, const char *fmt, va_list ap) __printf(2, 0);

static void to_sink(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s", prefix);

	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (line[0])
		sink(sink_ctx, line);
}

static void vprint(const char *prefix, const char *fmt, va_list ap) __printf(2, 0);

static void vprint(const char *prefix, const char *fmt, va_list ap)
{
	if (sink) {
		char p[32];

		snprintf(p, sizeof(p), "ember: %s", prefix);
		to_sink(p, fmt, ap);
		return;
	}
	fprintf(stderr, "ember: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("error: ", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("warning: ", fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

void p_debug(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < level)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap) __printf(2, 0);

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_DEBUG && log__verbosity() < 2) || log__verbosity() < 1)
		return 0;
	if (sink) {
		to_sink("", fmt, ap);
		return 0;
	}
	return vfprintf(stderr, fmt, ap);
}

void log__libbpf_messages(void)
{
	libbpf_set_print(libbpf_print);
}
