/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Profiles for tests, written like folded lines: "P:app;main;read_[k];[off-cpu]"
 * is a process root app, a user frame main, a kernel frame read and a
 * marker. "M=libc.so.6:malloc" gives a user frame a module.
 */
#ifndef EMBER_TEST_STACK_FIXTURES_H
#define EMBER_TEST_STACK_FIXTURES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "profile/profile.h"

#define FIXTURE_MAX_FRAMES 64

static inline void fixture_add(struct profile *p, const char *stack, int64_t value)
{
	struct frame f[FIXTURE_MAX_FRAMES];
	char *copy = strdup(stack), *save = NULL, *tok;
	unsigned int n = 0;
	int64_t values[4] = { value, value, value, value };

	assert_non_null(copy);
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		size_t len = strlen(tok);

		assert_true(n < FIXTURE_MAX_FRAMES);
		memset(&f[n], 0, sizeof(f[n]));
		f[n].kind = FRAME_USER;
		if (strncmp(tok, "P:", 2) == 0) {
			f[n].kind = FRAME_PROCESS;
			tok += 2;
		} else if (strncmp(tok, "M=", 2) == 0 && strchr(tok, ':')) {
			f[n].module = tok + 2;
			tok = strchr(tok, ':');
			*tok++ = '\0';
		} else if (len > 4 && strcmp(tok + len - 4, "_[k]") == 0) {
			f[n].kind = FRAME_KERNEL;
			tok[len - 4] = '\0';
		} else if (tok[0] == '[') {
			f[n].kind = FRAME_MARKER;
		}
		f[n++].name = tok;
	}
	assert_true(profile__nr_types(p) <= 4);
	assert_int_equal(profile__add(p, f, n, values), 0);
	free(copy);
}

static inline struct profile *fixture_samples(void)
{
	static const struct value_type t = { "samples", "count", 0 };
	struct profile *p = profile__new(&t, 1);

	assert_non_null(p);
	return p;
}

#endif
