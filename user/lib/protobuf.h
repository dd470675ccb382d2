/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * protobuf: the wire format only (varints, tags, length-delimited fields),
 * enough to write and read profile.proto without a protobuf library.
 *
 * The encoder appends to a growing buffer and remembers running out of
 * memory, so callers check once at the end. The decoder never reads past
 * its end and rejects what the format does not allow (varints over 10
 * bytes, lengths past the end, group wire types).
 */
#ifndef EMBER_PROTOBUF_H
#define EMBER_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pb_wire {
	PB_VARINT = 0,
	PB_FIXED64 = 1,
	PB_LEN = 2,
	PB_FIXED32 = 5,
};

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom;
};

void pb_buf__free(struct pb_buf *b);
void pb__varint(struct pb_buf *b, uint64_t v);
/* A varint field; zero is the default and is left out. */
void pb__uint(struct pb_buf *b, unsigned int field, uint64_t v);
/* int64: negative numbers as their 64-bit two's complement (10 bytes). */
void pb__int(struct pb_buf *b, unsigned int field, int64_t v);
void pb__bytes(struct pb_buf *b, unsigned int field, const void *data, size_t len);
/* A submessage: sub's bytes as a length-delimited field. */
void pb__msg(struct pb_buf *b, unsigned int field, const struct pb_buf *sub);
/* Repeated varints, packed into one length-delimited field. */
void pb__packed(struct pb_buf *b, unsigned int field, const uint64_t *v, size_t n);

struct pb_reader {
	const uint8_t *p, *end;
};

struct pb_field {
	unsigned int num;
	enum pb_wire wire;
	uint64_t v;	     /* PB_VARINT, PB_FIXED64, PB_FIXED32 */
	const uint8_t *data; /* PB_LEN */
	size_t len;
};

static inline struct pb_reader pb_reader(const void *data, size_t len)
{
	struct pb_reader r = { data, (const uint8_t *)data + len };

	return r;
}

static inline bool pb__done(const struct pb_reader *r)
{
	return r->p >= r->end;
}

/* 0, or -EINVAL for a truncated or over-long varint. */
int pb__read_varint(struct pb_reader *r, uint64_t *v);
/* The next field: 0, or -EINVAL if it is malformed or runs past the end
 * (r is left at the field's start then). */
int pb__read_field(struct pb_reader *r, struct pb_field *f);

#endif
