// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The protobuf wire format (user/lib/protobuf.c), alone: the input decoded
 * field by field, length-delimited fields again as messages and as packed
 * varints, a few levels deep. Every field decoded is encoded again with
 * the encoder and must decode to the same field; packed varints likewise.
 */
#include "fuzz.h"
#include "lib/protobuf.h"

#define MAX_DEPTH 4
#define MAX_PACKED 4096

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz: protobuf round trip: %s\n", what);
		abort();
	}
}

/* Encode f again and decode it: the same field. */
static void reencode(const struct pb_field *f)
{
	struct pb_buf b = {};
	struct pb_reader r;
	struct pb_field g;

	if (f->wire == PB_VARINT) {
		pb__varint(&b, (uint64_t)f->num << 3 | PB_VARINT);
		pb__varint(&b, f->v);
	} else if (f->wire == PB_LEN) {
		pb__bytes(&b, f->num, f->data, f->len);
	} else {
		return; /* the encoder writes no fixed-width fields */
	}
	check(!b.oom, "out of memory");
	r = pb_reader(b.data, b.len);
	check(pb__read_field(&r, &g) == 0, "re-encoded field does not decode");
	check(pb__done(&r), "re-encoded field decodes short");
	check(g.num == f->num && g.wire == f->wire && g.v == f->v && g.len == f->len,
	      "re-encoded field differs");
	check(!f->len || !memcmp(g.data, f->data, f->len), "re-encoded bytes differ");
	pb_buf__free(&b);
}

/* A length-delimited field as packed varints: if it is, the encoder's
 * packing of the same values decodes to them. */
static void packed(const struct pb_field *f)
{
	static uint64_t v[MAX_PACKED];
	struct pb_reader r = pb_reader(f->data, f->len);
	struct pb_buf b = {};
	struct pb_field g;
	size_t n = 0;

	while (!pb__done(&r)) {
		if (n == MAX_PACKED || pb__read_varint(&r, &v[n]))
			return;
		n++;
	}
	if (!n)
		return;
	pb__packed(&b, f->num, v, n);
	check(!b.oom, "out of memory");
	r = pb_reader(b.data, b.len);
	check(pb__read_field(&r, &g) == 0 && g.wire == PB_LEN && pb__done(&r),
	      "packed varints do not decode");
	r = pb_reader(g.data, g.len);
	for (size_t i = 0; i < n; i++) {
		uint64_t x;

		check(pb__read_varint(&r, &x) == 0 && x == v[i], "packed varint differs");
	}
	check(pb__done(&r), "packed varints decode long");
	pb_buf__free(&b);
}

static void message(const uint8_t *p, size_t len, int depth)
{
	struct pb_reader r = pb_reader(p, len);
	struct pb_field f;

	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &f)) {
			check(r.p == at, "a failed read moved the reader");
			return;
		}
		check(r.p > at && r.p <= r.end, "reader out of its bounds");
		reencode(&f);
		if (f.wire == PB_LEN) {
			check(f.data >= p && f.data + f.len <= p + len, "field data out of bounds");
			packed(&f);
			if (depth < MAX_DEPTH)
				message(f.data, f.len, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;
	struct pb_reader r;

	if (!size)
		return 0;
	message(data, size, 0);
	/* the input as one varint stream */
	r = pb_reader(data, size);
	while (!pb__done(&r) && !pb__read_varint(&r, &v))
		;
	return 0;
}
