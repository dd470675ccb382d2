/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one place ember prints errors, warnings and verbose notes. */
#ifndef EMBER_LOG_H
#define EMBER_LOG_H

#define __printf(a, b) __attribute__((format(printf, a, b)))

/* "ember: error: ..." on stderr; one line, no trailing newline needed. */
void p_err(const char *fmt, ...) __printf(1, 2);
/* "ember: warning: ..." */
void p_warn(const char *fmt, ...) __printf(1, 2);
/* "ember: ..." always */
void p_info(const char *fmt, ...) __printf(1, 2);
/* "ember: ..." only with -v (level 1) or -vv (level 2) */
void p_debug(int level, const char *fmt, ...) __printf(2, 3);

void log__set_verbosity(int level);
/* Route libbpf's messages by the verbosity: warnings with -v, debug
 * (verifier logs) with -vv. */
void log__libbpf_messages(void);
int log__verbosity(void);

/* Where messages go instead of stderr, each a whole line as it would
 * have been printed ("ember: error: ...", no newline), libbpf's too;
 * called from whichever thread logs. */
typedef void (*log_sink_fn)(void *ctx, const char *line);
/* fn NULL: back to stderr. */
void log__set_sink(log_sink_fn fn, void *ctx);

#endif
