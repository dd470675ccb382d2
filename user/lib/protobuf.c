// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/protobuf.h"

static bool reserve(struct pb_buf *b, size_t extra)
{
	size_t ncap;
	uint8_t *n;

	if (b->oom)
		return false;
	if (b->len + extra <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra) {
		if (ncap > SIZE_MAX / 2)
			goto oom;
		ncap *= 2;
	}
	n = realloc(b->data, ncap);
	if (!n)
		goto oom;
	b->data = n;
	b->cap = ncap;
	return true;
oom:
	b->oom = true;
	return false;
}

void pb_buf__free(struct pb_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void pb__varint(struct pb_buf *b, uint64_t v)
{
	if (!reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->data[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->data[b->len++] = (uint8_t)v;
}

static void tag(struct pb_buf *b, unsigned int field, enum pb_wire wire)
{
	pb__varint(b, (uint64_t)field << 3 | wire);
}

void pb__uint(struct pb_buf *b, unsigned int field, uint64_t v)
{
	if (!v)
		return;
	tag(b, field, PB_VARINT);
	pb__varint(b, v);
}

void pb__int(struct pb_buf *b, unsigned int field, int64_t v)
{
	pb__uint(b, field, (uint64_t)v);
}

void pb__bytes(struct pb_buf *b, unsigned int field, const void *data, size_t len)
{
	tag(b, field, PB_LEN);
	pb__varint(b, len);
	if (!reserve(b, len))
		return;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

void pb__msg(struct pb_buf *b, unsigned int field, const struct pb_buf *sub)
{
	if (sub->oom) {
		b->oom = true;
		return;
	}
	pb__bytes(b, field, sub->data, sub->len);
}

static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

void pb__packed(struct pb_buf *b, unsigned int field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		len += varint_size(v[i]);
	tag(b, field, PB_LEN);
	pb__varint(b, len);
	for (size_t i = 0; i < n; i++)
		pb__varint(b, v[i]);
}

int pb__read_varint(struct pb_reader *r, uint64_t *v)
{
	const uint8_t *p = r->p;
	uint64_t x = 0;

	for (unsigned int shift = 0; shift < 70; shift += 7) {
		if (p >= r->end)
			return -EINVAL;
		/* the tenth byte holds the top bit only */
		if (shift == 63 && *p > 1)
			return -EINVAL;
		x |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80)) {
			r->p = p;
			*v = x;
			return 0;
		}
	}
	return -EINVAL;
}

int pb__read_field(struct pb_reader *r, struct pb_field *f)
{
	struct pb_reader save = *r;
	uint64_t key, len;

	memset(f, 0, sizeof(*f));
	if (pb__read_varint(r, &key))
		goto bad;
	f->num = key >> 3 > 0x1fffffff ? 0 : (unsigned int)(key >> 3);
	f->wire = (enum pb_wire)(key & 7);
	if (!f->num)
		goto bad;
	switch (f->wire) {
	case PB_VARINT:
		if (pb__read_varint(r, &f->v))
			goto bad;
		return 0;
	case PB_FIXED64:
	case PB_FIXED32: {
		size_t n = f->wire == PB_FIXED64 ? 8 : 4;

		if ((size_t)(r->end - r->p) < n)
			goto bad;
		for (size_t i = 0; i < n; i++)
			f->v |= (uint64_t)r->p[i] << (8 * i);
		r->p += n;
		return 0;
	}
	case PB_LEN:
		if (pb__read_varint(r, &len) || len > (uint64_t)(r->end - r->p))
			goto bad;
		f->data = r->p;
		f->len = (size_t)len;
		r->p += len;
		return 0;
	default: /* groups (3, 4) are deprecated and never in a profile; 6, 7 do not exist */
		goto bad;
	}
bad:
	*r = save;
	return -EINVAL;
}
