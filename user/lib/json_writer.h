/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * json_writer: streaming JSON with commas and escaping handled, so callers
 * write keys and values in order and never build strings by hand.
 */
#ifndef EMBER_JSON_WRITER_H
#define EMBER_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

/* pretty: newline and indent per member. */
struct json_writer *json_writer__new(FILE *out, bool pretty);
/* Returns -EIO if any write failed (checked once at the end). */
int json_writer__free(struct json_writer *w);

void json__object_begin(struct json_writer *w);
void json__object_end(struct json_writer *w);
void json__array_begin(struct json_writer *w);
void json__array_end(struct json_writer *w);
/* A member name inside an object; the value follows. */
void json__key(struct json_writer *w, const char *key);
void json__string(struct json_writer *w, const char *s);
void json__uint(struct json_writer *w, uint64_t v);
void json__int(struct json_writer *w, int64_t v);
/* NaN and infinities are written as null (JSON has no such numbers). */
void json__double(struct json_writer *w, double v);
void json__bool(struct json_writer *w, bool v);
void json__null(struct json_writer *w);

#endif
