// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The pprof writer and reader: a profile built here is written, read back
 * and compared field by field; the tables are checked deduplicated by
 * decoding the message with the protobuf primitives; and the reader is fed
 * every truncation of a valid file, flipped bytes, random bytes and
 * hand-made hostile messages, which must fail with one error line, never
 * crash (run under ASan/UBSan by make SAN=1 test-unit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "format/pprof.h"
#include "format/pprof_proto.h"
#include "profile/profile.h"
#include "lib/protobuf.h"

static const struct value_type leak_types[] = {
	{ "inuse_space", "bytes", 0 },
	{ "inuse_objects", "count", 0 },
	{ "oldest_age", "nanoseconds", 1 },
};
static const struct value_type cpu_types[] = { { "samples", "count", 0 } };

static const char bid_app[] = "0123456789abcdef0123456789abcdef01234567";
static const char bid_libc[] = "ffeeddccbbaa99887766554433221100ffeeddcc";

static struct frame fr(const char *name, enum frame_kind kind, const char *module,
		       const char *build_id, uint64_t addr)
{
	struct frame f = { name, module, build_id, addr, kind };

	return f;
}

/* Every kind of frame: process, user with and without a module, kernel
 * (core and module), markers; shared frames between stacks. */
static struct profile *leak_profile(void)
{
	struct profile *p = profile__new(leak_types, 3);
	struct frame a[5] = {
		fr("app", FRAME_PROCESS, NULL, NULL, 0),
		fr("main", FRAME_USER, "/usr/bin/app", bid_app, 0x1100),
		fr("parse", FRAME_USER, "/usr/bin/app", bid_app, 0x1234),
		fr("malloc", FRAME_USER, "/usr/lib/libc.so.6", bid_libc, 0x9a000),
		fr("do_syscall_64", FRAME_KERNEL, "[kernel.kallsyms]", NULL, 0xffffffff81001000ULL),
	};
	struct frame b[4] = {
		fr("app", FRAME_PROCESS, NULL, NULL, 0),
		fr("main", FRAME_USER, "/usr/bin/app", bid_app, 0x1100),
		fr("app+0x2000", FRAME_USER, "/usr/bin/app", bid_app, 0x2000),
		fr("ext4_file_read_iter", FRAME_KERNEL, "[ext4]", NULL, 0xffffffffc0001000ULL),
	};
	struct frame c[3] = {
		fr("other", FRAME_PROCESS, NULL, NULL, 0),
		fr("[unknown]", FRAME_USER, NULL, NULL, 0x7f0000001234ULL),
		fr("[off-cpu]", FRAME_MARKER, NULL, NULL, 0),
	};
	struct frame d[2] = {
		fr("[unknown]", FRAME_PROCESS, NULL, NULL, 0),
		fr("[lost stack]", FRAME_MARKER, NULL, NULL, 0),
	};
	int64_t va[3] = { 4096, 2, 5000000000LL }, vb[3] = { 100, 1, 7 };
	int64_t vc[3] = { 0, 0, 0 }, vd[3] = { -5, 3, 1 };

	assert_non_null(p);
	assert_int_equal(profile__add(p, a, 5, va), 0);
	assert_int_equal(profile__add(p, b, 4, vb), 0);
	assert_int_equal(profile__add(p, c, 3, vc), 0);
	assert_int_equal(profile__add(p, d, 2, vd), 0);
	/* the same main at another address is another location */
	b[1].addr = 0x1108;
	assert_int_equal(profile__add(p, b, 2, vb), 0);
	assert_int_equal(profile__add_comment(p, "ember leak: a note"), 0);
	assert_int_equal(profile__add_comment(p, "ember counter without a value"), 0);
	assert_int_equal(profile__set_counter(p, "stacks_map_full", 3), 0);
	assert_int_equal(profile__set_counter(p, "returns_lost", -1), 0);
	return p;
}

/* pprof__write into memory; the gzip bytes (caller frees). */
static unsigned char *write_mem(const struct profile *p, const struct pprof_opts *o, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(pprof__write(p, o, f), 0);
	fclose(f);
	return (unsigned char *)buf;
}

/* The protobuf inside the gzip file (caller frees). */
static unsigned char *gunzip_mem(const unsigned char *gz, size_t len, size_t *out_len)
{
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap);
	z_stream zs = {};

	assert_non_null(out);
	assert_int_equal(inflateInit2(&zs, 31), Z_OK);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*out_len = cap - zs.avail_out;
	inflateEnd(&zs);
	return out;
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
	if (!a || !b) {
		assert_ptr_equal(a, b);
		return;
	}
	assert_string_equal(a, b);
}

static void assert_same_stacks(const struct profile *a, const struct profile *b)
{
	struct profile_stack x, y;

	assert_int_equal(profile__nr_stacks(a), profile__nr_stacks(b));
	for (size_t i = 0; i < profile__nr_stacks(a); i++) {
		profile__stack(a, i, &x);
		profile__stack(b, i, &y);
		assert_int_equal(x.nr_frames, y.nr_frames);
		for (unsigned int f = 0; f < x.nr_frames; f++) {
			assert_string_equal(x.frames[f].name, y.frames[f].name);
			assert_int_equal(x.frames[f].kind, y.frames[f].kind);
			assert_str_eq_or_null(x.frames[f].module, y.frames[f].module);
			assert_str_eq_or_null(x.frames[f].build_id, y.frames[f].build_id);
			assert_int_equal(x.frames[f].addr, y.frames[f].addr);
		}
		for (unsigned int t = 0; t < profile__nr_types(a); t++)
			assert_int_equal(x.values[t], y.values[t]);
	}
}

static void test_round_trip(void **state)
{
	struct profile *p = leak_profile(), *q;
	struct pprof_opts o = { .period_type = "space",
				.period_unit = "bytes",
				.period = 524288,
				.time_nanos = 1700000000123456789LL,
				.duration_nanos = 2500000000LL };
	struct pprof_info info;
	unsigned char *gz;
	size_t len;
	int64_t v;

	(void)state;
	gz = write_mem(p, &o, &len);
	assert_true(len > 20);
	assert_int_equal(gz[0], 0x1f);
	assert_int_equal(gz[1], 0x8b);
	q = pprof__read_mem(gz, len, "mem.pb.gz", &info);
	assert_non_null(q);
	assert_int_equal(profile__nr_types(q), 3);
	for (unsigned int t = 0; t < 3; t++) {
		assert_string_equal(profile__type(q, t)->type, leak_types[t].type);
		assert_string_equal(profile__type(q, t)->unit, leak_types[t].unit);
		assert_int_equal(profile__type(q, t)->merge_max, leak_types[t].merge_max);
		assert_int_equal(profile__total(q, t), profile__total(p, t));
	}
	assert_same_stacks(p, q);
	assert_int_equal(profile__nr_comments(q), 2);
	assert_string_equal(profile__comment(q, 0), "ember leak: a note");
	assert_string_equal(profile__comment(q, 1), "ember counter without a value");
	assert_int_equal(profile__nr_counters(q), 2);
	assert_string_equal(profile__counter(q, 0, &v), "stacks_map_full");
	assert_int_equal(v, 3);
	assert_string_equal(profile__counter(q, 1, &v), "returns_lost");
	assert_int_equal(v, -1);
	assert_int_equal(info.time_nanos, o.time_nanos);
	assert_int_equal(info.duration_nanos, o.duration_nanos);
	assert_int_equal(info.period, 524288);
	assert_string_equal(info.period_type, "space");
	assert_string_equal(info.period_unit, "bytes");
	assert_true(pprof__sniff(gz, len));
	profile__free(q);
	free(gz);
	profile__free(p);
}

/* Count each top-level field of the message, and check its mappings. */
static void count_fields(const unsigned char *pb, size_t len, unsigned int *count)
{
	struct pb_reader r = pb_reader(pb, len);
	struct pb_field f;

	memset(count, 0, 16 * sizeof(*count));
	while (!pb__done(&r)) {
		assert_int_equal(pb__read_field(&r, &f), 0);
		if (f.num < 16)
			count[f.num]++;
	}
}

static void test_tables_deduplicated(void **state)
{
	struct profile *p = leak_profile();
	unsigned char *gz, *pb;
	unsigned int count[16];
	size_t len, pb_len;

	(void)state;
	gz = write_mem(p, NULL, &len);
	pb = gunzip_mem(gz, len, &pb_len);
	count_fields(pb, pb_len, count);
	assert_int_equal(count[PROFILE_SAMPLE_TYPE], 3);
	assert_int_equal(count[PROFILE_SAMPLE], 5);
	/* app (one build id), libc, the kernel: [ext4] is in the kernel's */
	assert_int_equal(count[PROFILE_MAPPING], 3);
	/* app, main@0x1100, main@0x1108, parse, malloc, do_syscall_64,
	 * app+0x2000, ext4_file_read_iter, other, [unknown], [off-cpu],
	 * [unknown] (the process), [lost stack] */
	assert_int_equal(count[PROFILE_LOCATION], 13);
	/* the same less main's second address, and the [unknown] process is
	 * the same function as the [unknown] user frame (no file either) */
	assert_int_equal(count[PROFILE_FUNCTION], 11);
	assert_int_equal(count[PROFILE_COMMENT], 1); /* packed */
	assert_int_equal(count[PROFILE_DEFAULT_SAMPLE_TYPE], 1);
	assert_true(count[PROFILE_STRING_TABLE] > 10);
	assert_true(pprof__sniff(pb, pb_len));
	assert_true(pprof__sniff(pb, 40)); /* a prefix */
	free(pb);
	free(gz);
	profile__free(p);
}

/* cpu: samples and cpu nanoseconds; a plain (not gzip) file reads too. */
static void test_cpu_nanoseconds_and_plain(void **state)
{
	struct profile *p = profile__new(cpu_types, 1), *q;
	struct frame f[2] = { fr("burn", FRAME_PROCESS, NULL, NULL, 0),
			      fr("spin", FRAME_USER, "/bin/burn", NULL, 0x40) };
	struct pprof_opts o = { .frequency = 99 };
	int64_t v = 198;
	struct profile_stack st;
	unsigned char *gz, *pb;
	size_t len, pb_len;

	(void)state;
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	gz = write_mem(p, &o, &len);
	pb = gunzip_mem(gz, len, &pb_len);
	q = pprof__read_mem(pb, pb_len, "plain.pb", NULL);
	assert_non_null(q);
	assert_int_equal(profile__nr_types(q), 2);
	assert_string_equal(profile__type(q, 0)->type, "samples");
	assert_string_equal(profile__type(q, 1)->type, "cpu");
	assert_string_equal(profile__type(q, 1)->unit, "nanoseconds");
	profile__stack(q, 0, &st);
	assert_int_equal(st.values[0], 198);
	assert_int_equal(st.values[1], 2000000000LL); /* 198 samples at 99 Hz */
	assert_null(st.frames[1].build_id);
	assert_string_equal(st.frames[1].module, "/bin/burn");
	profile__free(q);
	free(pb);
	free(gz);
	profile__free(p);
}

/* A recording that saw nothing still writes a valid file. */
static void test_empty_profile(void **state)
{
	struct profile *p = profile__new(cpu_types, 1), *q;
	struct pprof_opts o = { .frequency = 99 };
	unsigned char *gz;
	size_t len;

	(void)state;
	gz = write_mem(p, &o, &len);
	q = pprof__read_mem(gz, len, "empty", NULL);
	assert_non_null(q);
	assert_int_equal(profile__nr_types(q), 2);
	assert_int_equal(profile__nr_stacks(q), 0);
	profile__free(q);
	free(gz);
	profile__free(p);
}

/* Names are bytes; protobuf strings must be UTF-8. */
static void test_invalid_utf8_replaced(void **state)
{
	struct profile *p = profile__new(cpu_types, 1), *q;
	struct frame f[2] = { fr("bad\xff", FRAME_PROCESS, NULL, NULL, 0),
			      fr("caf\xc3\xa9", FRAME_USER, NULL, NULL, 0) };
	int64_t v = 1;
	struct profile_stack st;
	unsigned char *gz;
	size_t len;

	(void)state;
	assert_int_equal(profile__add(p, f, 2, &v), 0);
	gz = write_mem(p, NULL, &len);
	q = pprof__read_mem(gz, len, "utf8", NULL);
	assert_non_null(q);
	profile__stack(q, 0, &st);
	assert_string_equal(st.frames[0].name, "bad\xef\xbf\xbd");
	assert_int_equal(st.frames[0].kind, FRAME_PROCESS);
	assert_string_equal(st.frames[1].name, "caf\xc3\xa9");
	profile__free(q);
	free(gz);
	profile__free(p);
}

/* A profile of another tool's making: default sample type last, inlined
 * functions (two lines), an unsymbolized location, unpacked ids. */
static void test_foreign_profile(void **state)
{
	struct pb_buf m = {}, sub = {}, line = {};
	const char *strs[] = { "",     "alloc_objects", "count",  "alloc_space", "bytes",
			       "main", "inlined",	"caller", "/bin/go",	 "x.go" };
	struct profile_stack st;
	struct profile *q;

	(void)state;
	for (int i = 0; i < 2; i++) {
		sub.len = 0;
		pb__int(&sub, VALUE_TYPE_TYPE, 1 + 2 * i);
		pb__int(&sub, VALUE_TYPE_UNIT, 2 + 2 * i);
		pb__msg(&m, PROFILE_SAMPLE_TYPE, &sub);
	}
	/* leaf first: location 2 (two lines), then 1; values unpacked */
	sub.len = 0;
	pb__uint(&sub, SAMPLE_LOCATION_ID, 2);
	pb__uint(&sub, SAMPLE_LOCATION_ID, 1);
	pb__uint(&sub, SAMPLE_VALUE, 3);
	pb__uint(&sub, SAMPLE_VALUE, 300);
	pb__msg(&m, PROFILE_SAMPLE, &sub);
	sub.len = 0;
	pb__uint(&sub, MAPPING_ID, 7);
	pb__uint(&sub, MAPPING_MEMORY_START, 0x400000);
	pb__uint(&sub, MAPPING_MEMORY_LIMIT, 0x500000);
	pb__uint(&sub, MAPPING_FILE_OFFSET, 0x1000);
	pb__int(&sub, MAPPING_FILENAME, 8);
	pb__msg(&m, PROFILE_MAPPING, &sub);
	/* location 1: not symbolized */
	sub.len = 0;
	pb__uint(&sub, LOCATION_ID, 1);
	pb__uint(&sub, LOCATION_MAPPING_ID, 7);
	pb__uint(&sub, LOCATION_ADDRESS, 0x400010);
	pb__msg(&m, PROFILE_LOCATION, &sub);
	/* location 2: "inlined" inlined into "main" */
	sub.len = 0;
	pb__uint(&sub, LOCATION_ID, 2);
	pb__uint(&sub, LOCATION_MAPPING_ID, 7);
	pb__uint(&sub, LOCATION_ADDRESS, 0x400020);
	for (int fn = 2; fn >= 1; fn--) {
		line.len = 0;
		pb__uint(&line, LINE_FUNCTION_ID, fn);
		pb__msg(&sub, LOCATION_LINE, &line);
	}
	pb__msg(&m, PROFILE_LOCATION, &sub);
	for (int fn = 1; fn <= 2; fn++) {
		sub.len = 0;
		pb__uint(&sub, FUNCTION_ID, fn);
		pb__int(&sub, FUNCTION_NAME, fn == 1 ? 5 : 6);
		pb__int(&sub, FUNCTION_FILENAME, 9);
		pb__msg(&m, PROFILE_FUNCTION, &sub);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		pb__bytes(&m, PROFILE_STRING_TABLE, strs[i], strlen(strs[i]));
	pb__int(&m, PROFILE_DEFAULT_SAMPLE_TYPE, 3);
	assert_false(m.oom);

	q = pprof__read_mem(m.data, m.len, "go.pb", NULL);
	assert_non_null(q);
	/* the default (alloc_space) first */
	assert_string_equal(profile__type(q, 0)->type, "alloc_space");
	assert_string_equal(profile__type(q, 1)->type, "alloc_objects");
	profile__stack(q, 0, &st);
	assert_int_equal(st.values[0], 300);
	assert_int_equal(st.values[1], 3);
	assert_int_equal(st.nr_frames, 3);
	assert_string_equal(st.frames[0].name, "go+0x1010");
	assert_int_equal(st.frames[0].addr, 0x1010);
	assert_string_equal(st.frames[1].name, "main");
	assert_string_equal(st.frames[2].name, "inlined");
	assert_string_equal(st.frames[2].module, "/bin/go");
	assert_int_equal(st.frames[2].kind, FRAME_USER);
	profile__free(q);
	pb_buf__free(&m);
	pb_buf__free(&sub);
	pb_buf__free(&line);
}

/* A location without a mapping whose function's file is the kernel's is
 * a kernel frame, as it is once ember writes it (in the kernel mapping):
 * found by tests/fuzz/fuzz_pprof's round trip, which read it back as a
 * kernel frame after a user one. */
static void test_unmapped_kernel_function(void **state)
{
	const char *strs[] = {
		"", "samples", "count", "do_syscall_64", PPROF_KERNEL_MAPPING, "app"
	};
	struct pb_buf m = {}, sub = {}, line = {};
	struct profile_stack st;
	struct profile *q, *r;
	unsigned char *gz;
	size_t len;

	(void)state;
	pb__int(&sub, VALUE_TYPE_TYPE, 1);
	pb__int(&sub, VALUE_TYPE_UNIT, 2);
	pb__msg(&m, PROFILE_SAMPLE_TYPE, &sub);
	sub.len = 0;
	pb__uint(&sub, SAMPLE_LOCATION_ID, 1);
	pb__uint(&sub, SAMPLE_VALUE, 5);
	pb__msg(&m, PROFILE_SAMPLE, &sub);
	sub.len = 0;
	pb__uint(&sub, LOCATION_ID, 1);
	pb__uint(&sub, LOCATION_ADDRESS, 0xffffffff81001000ULL);
	pb__uint(&line, LINE_FUNCTION_ID, 1);
	pb__msg(&sub, LOCATION_LINE, &line);
	pb__msg(&m, PROFILE_LOCATION, &sub);
	sub.len = 0;
	pb__uint(&sub, FUNCTION_ID, 1);
	pb__int(&sub, FUNCTION_NAME, 3);
	pb__int(&sub, FUNCTION_FILENAME, 4);
	pb__msg(&m, PROFILE_FUNCTION, &sub);
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		pb__bytes(&m, PROFILE_STRING_TABLE, strs[i], strlen(strs[i]));
	assert_false(m.oom);

	q = pprof__read_mem(m.data, m.len, "k.pb", NULL);
	assert_non_null(q);
	profile__stack(q, 0, &st);
	assert_int_equal(st.nr_frames, 1);
	assert_string_equal(st.frames[0].name, "do_syscall_64");
	assert_int_equal(st.frames[0].kind, FRAME_KERNEL);
	assert_string_equal(st.frames[0].module, PPROF_KERNEL_MAPPING);
	gz = write_mem(q, &(struct pprof_opts){ 0 }, &len);
	r = pprof__read_mem(gz, len, "k2.pb.gz", NULL);
	assert_non_null(r);
	assert_same_stacks(q, r);
	free(gz);
	profile__free(r);
	profile__free(q);
	pb_buf__free(&m);
	pb_buf__free(&sub);
	pb_buf__free(&line);
}

/* Two sample types of one name: the default names the first of them
 * (ember's writer names type 0), which stays first. It was the last of
 * them, so a round trip swapped the types (tests/fuzz/fuzz_pprof). */
static void test_default_type_first_of_its_name(void **state)
{
	static const struct value_type same_name[] = { { "samples", "count", 0 },
						       { "samples", "bytes", 0 } };
	struct profile *p = profile__new(same_name, 2), *q;
	struct frame f = fr("app", FRAME_PROCESS, NULL, NULL, 0);
	int64_t v[2] = { 1, 2 };
	struct profile_stack st;
	unsigned char *gz;
	size_t len;

	(void)state;
	assert_int_equal(profile__add(p, &f, 1, v), 0);
	gz = write_mem(p, &(struct pprof_opts){ 0 }, &len);
	q = pprof__read_mem(gz, len, "two.pb.gz", NULL);
	assert_non_null(q);
	assert_string_equal(profile__type(q, 0)->unit, "count");
	assert_string_equal(profile__type(q, 1)->unit, "bytes");
	profile__stack(q, 0, &st);
	assert_int_equal(st.values[0], 1);
	assert_int_equal(st.values[1], 2);
	free(gz);
	profile__free(q);
	profile__free(p);
}

/* ---- hostile input ---- */

static int saved_stderr = -1;

/* The reader's error lines go to a file while fuzzing. */
static void quiet(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fileno(f), 2);
	fclose(f);
}

static void loud(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
}

/* Read data, which must fail; its message must be one error line naming
 * the file and containing want (if given). */
static void expect_error(const void *data, size_t len, const char *want)
{
	char path[] = "/tmp/ember-pprof-err-XXXXXX", line[512] = "", extra[8];
	int fd = mkstemp(path);
	struct profile *p;
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	quiet(path);
	p = pprof__read_mem(data, len, "bad.pb", NULL);
	loud();
	assert_null(p);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_null(fgets(extra, sizeof(extra), f));
	fclose(f);
	unlink(path);
	assert_true(!strncmp(line, "ember: error: bad.pb: ", 22));
	if (want && !strstr(line, want))
		fail_msg("error '%s' does not say '%s'", line, want);
}

/* Feed the reader everything derived from a valid file: no crash (ASan),
 * and a profile or NULL. */
static void test_fuzz_truncations_and_flips(void **state)
{
	struct profile *p = leak_profile(), *q;
	unsigned char *gz, *pb, *buf;
	size_t len, pb_len, ok = 0;
	unsigned int seed = 12345;

	(void)state;
	gz = write_mem(p, NULL, &len);
	pb = gunzip_mem(gz, len, &pb_len);
	buf = malloc(pb_len > len ? pb_len : len);
	quiet("/dev/null");
	for (size_t n = 0; n < len; n++) {
		memcpy(buf, gz, n);
		/* gzip: every truncation fails (the trailer is missing) */
		q = pprof__read_mem(buf, n, "t", NULL);
		assert_null(q);
	}
	for (size_t n = 0; n < pb_len; n++) {
		memcpy(buf, pb, n);
		q = pprof__read_mem(buf, n, "t", NULL);
		ok += q != NULL;
		profile__free(q);
	}
	for (size_t i = 0; i < pb_len; i++) {
		static const unsigned char flips[] = { 0x01, 0x80, 0xff, 0x7f, 0x40 };

		for (size_t k = 0; k < sizeof(flips); k++) {
			memcpy(buf, pb, pb_len);
			buf[i] ^= flips[k];
			q = pprof__read_mem(buf, pb_len, "f", NULL);
			profile__free(q);
		}
	}
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, gz, len);
		buf[i] ^= 0x55; /* the gzip header, deflate data, CRC, length */
		q = pprof__read_mem(buf, len, "g", NULL);
		profile__free(q);
	}
	for (int round = 0; round < 5000; round++) {
		int k = 1 + rand_r(&seed) % 4;

		memcpy(buf, pb, pb_len);
		while (k--)
			buf[(size_t)rand_r(&seed) % pb_len] = (unsigned char)rand_r(&seed);
		q = pprof__read_mem(buf, pb_len, "m", NULL);
		profile__free(q);
		pprof__sniff(buf, pb_len);
	}
	for (int round = 0; round < 3000; round++) {
		size_t n = (size_t)rand_r(&seed) % (pb_len + 1);

		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)rand_r(&seed);
		if (round % 2)
			memcpy(buf, pb, n / 2); /* a valid start, garbage after */
		q = pprof__read_mem(buf, n, "r", NULL);
		profile__free(q);
		pprof__sniff(buf, n);
	}
	loud();
	/* A prefix cut at a field boundary is a valid protobuf; but ember
	 * writes the string table last and uses every string, so every
	 * prefix of its files refers to a missing string. */
	assert_int_equal(ok, 0);
	free(buf);
	free(pb);
	free(gz);
	profile__free(p);
}

/* Random messages from profile.proto's grammar, ids and indices in small
 * ranges so that most refer to something: the reader's paths past the
 * wire format (ids, lines, labels, kinds, merging) meet odd combinations. */
/* Mostly a valid reference in 1..n, sometimes anything (0, past n). */
static uint64_t ref(unsigned int *seed, int n)
{
	if (rand_r(seed) % 12 == 0)
		return (uint64_t)(rand_r(seed) % 8);
	return (uint64_t)(1 + rand_r(seed) % n);
}

static void test_fuzz_structured(void **state)
{
	static const char *const strs[] = { "",	 "[kernel.kallsyms]", "process",    "[x]",
					    "a", "samples",	      "oldest_age", "[unknown]" };
	struct pb_buf m = {}, sub = {}, line = {}, label = {};
	unsigned int seed = 777, profiles = 0;
	struct profile *q;

	(void)state;
	quiet("/dev/null");
	for (int round = 0; round < 20000; round++) {
		int nt = 1 + rand_r(&seed) % 3, nm = rand_r(&seed) % 3, nl = 1 + rand_r(&seed) % 4;
		int nf = 1 + rand_r(&seed) % 3, ns = rand_r(&seed) % 10 ? 8 : rand_r(&seed) % 8;

		m.len = 0;
		for (int i = 0; i < nt; i++) {
			sub.len = 0;
			pb__int(&sub, VALUE_TYPE_TYPE, rand_r(&seed) % 9);
			pb__int(&sub, VALUE_TYPE_UNIT, rand_r(&seed) % 8);
			pb__msg(&m, PROFILE_SAMPLE_TYPE, &sub);
		}
		for (int i = 0; i < nm; i++) {
			sub.len = 0;
			pb__uint(&sub, MAPPING_ID, rand_r(&seed) % 12 ? (uint64_t)i + 1 : 1);
			pb__uint(&sub, MAPPING_MEMORY_START, rand_r(&seed) % 2 ? 0 : 0x1000);
			pb__int(&sub, MAPPING_FILENAME, rand_r(&seed) % 8);
			pb__int(&sub, MAPPING_BUILD_ID, rand_r(&seed) % 8);
			pb__msg(&m, PROFILE_MAPPING, &sub);
		}
		for (int i = 0; i < nl; i++) {
			sub.len = 0;
			pb__uint(&sub, LOCATION_ID, rand_r(&seed) % 12 ? (uint64_t)i + 1 : 1);
			if (nm && rand_r(&seed) % 2)
				pb__uint(&sub, LOCATION_MAPPING_ID, ref(&seed, nm));
			pb__uint(&sub, LOCATION_ADDRESS, (uint64_t)rand_r(&seed));
			for (int k = rand_r(&seed) % 3; k > 0; k--) {
				line.len = 0;
				pb__uint(&line, LINE_FUNCTION_ID, ref(&seed, nf));
				pb__msg(&sub, LOCATION_LINE, &line);
			}
			pb__msg(&m, PROFILE_LOCATION, &sub);
		}
		for (int i = 0; i < nf; i++) {
			sub.len = 0;
			pb__uint(&sub, FUNCTION_ID, (uint64_t)i + 1);
			pb__int(&sub, FUNCTION_NAME, rand_r(&seed) % 8);
			pb__int(&sub, FUNCTION_SYSTEM_NAME, rand_r(&seed) % 8);
			pb__int(&sub, FUNCTION_FILENAME, rand_r(&seed) % 8);
			pb__msg(&m, PROFILE_FUNCTION, &sub);
		}
		for (int i = rand_r(&seed) % 5; i > 0; i--) {
			uint64_t locs[6], vals[4];
			int n = rand_r(&seed) % 6, nv = nt - (rand_r(&seed) % 16 == 0);

			for (int k = 0; k < n; k++)
				locs[k] = ref(&seed, nl);
			for (int k = 0; k < nv; k++)
				vals[k] = rand_r(&seed) % 64 == 0
					      ? (uint64_t)INT64_MIN
					      : (uint64_t)(rand_r(&seed) % 100 - 10);
			sub.len = 0;
			pb__packed(&sub, SAMPLE_LOCATION_ID, locs, n);
			pb__packed(&sub, SAMPLE_VALUE, vals, nv);
			if (rand_r(&seed) % 2) {
				label.len = 0;
				pb__int(&label, LABEL_KEY,
					rand_r(&seed) % 2 ? 2 : rand_r(&seed) % 8);
				pb__int(&label, LABEL_STR, rand_r(&seed) % 8);
				pb__msg(&sub, SAMPLE_LABEL, &label);
			}
			pb__msg(&m, PROFILE_SAMPLE, &sub);
		}
		for (int i = 0; i < ns; i++)
			pb__bytes(&m, PROFILE_STRING_TABLE, strs[i], strlen(strs[i]));
		if (rand_r(&seed) % 2) {
			uint64_t c[2] = { rand_r(&seed) % 8u, rand_r(&seed) % 8u };

			pb__packed(&m, PROFILE_COMMENT, c, 2);
		}
		pb__int(&m, PROFILE_DEFAULT_SAMPLE_TYPE, rand_r(&seed) % 8);
		assert_false(m.oom);
		q = pprof__read_mem(m.data, m.len, "s", NULL);
		profiles += q != NULL;
		profile__free(q);
	}
	loud();
	pb_buf__free(&m);
	pb_buf__free(&sub);
	pb_buf__free(&line);
	pb_buf__free(&label);
	print_message("structured fuzz: %u of 20000 messages read\n", profiles);
	/* both outcomes are exercised */
	assert_true(profiles > 2000 && profiles < 18000);
}

/* One sample type, strings "", "t", "u": a base for hostile messages. */
static void base_message(struct pb_buf *m)
{
	struct pb_buf sub = {};

	pb__int(&sub, VALUE_TYPE_TYPE, 1);
	pb__int(&sub, VALUE_TYPE_UNIT, 2);
	pb__msg(m, PROFILE_SAMPLE_TYPE, &sub);
	pb__bytes(m, PROFILE_STRING_TABLE, "", 0);
	pb__bytes(m, PROFILE_STRING_TABLE, "t", 1);
	pb__bytes(m, PROFILE_STRING_TABLE, "u", 1);
	pb_buf__free(&sub);
}

static void sample_with(struct pb_buf *m, const uint64_t *locs, size_t nl, const int64_t *vals,
			size_t nv)
{
	struct pb_buf sub = {};

	pb__packed(&sub, SAMPLE_LOCATION_ID, locs, nl);
	pb__packed(&sub, SAMPLE_VALUE, (const uint64_t *)vals, nv);
	pb__msg(m, PROFILE_SAMPLE, &sub);
	pb_buf__free(&sub);
}

/* Defect 6 of issue 12 (and what tests/fuzz/fuzz_pprof finds from the
 * seeds alone): a sample without locations is a sample with an empty
 * stack, counted in the totals as go tool pprof counts it, and an empty
 * stack has no frames (NULL, not NULL + 0: UBSan under clang); a sample
 * type with an empty name is shown as "valueN", N its index in the file,
 * and an empty unit as "count", instead of "values: , in". */
static void test_sample_without_locations(void **state)
{
	/* sample_type {}, string_table "", sample { value 2 } */
	static const unsigned char defect6[] = { 0x0a, 0x02, 0x18, 0x02, 0x32,
						 0x00, 0x12, 0x02, 0x10, 0x02 };
	struct pb_buf m = {}, sub = {};
	struct profile_stack st;
	struct profile *p;
	uint64_t loc = 1;
	int64_t v[2] = { 3, 5 };

	(void)state;
	p = pprof__read_mem(defect6, sizeof(defect6), "defect6.pb", NULL);
	assert_non_null(p);
	assert_int_equal(profile__nr_types(p), 1);
	assert_string_equal(profile__type(p, 0)->type, "value0");
	assert_string_equal(profile__type(p, 0)->unit, "count");
	assert_int_equal(profile__nr_stacks(p), 1);
	profile__stack(p, 0, &st);
	assert_int_equal(st.nr_frames, 0);
	assert_null(st.frames);
	assert_int_equal(st.values[0], 2);
	assert_int_equal(profile__total(p, 0), 2);
	assert_int_equal(profile__sort(p), 0);
	profile__free(p);

	/* two types, the unnamed one second (the default first: value1);
	 * two samples without locations merge, one with a location sorts
	 * after them */
	pb__int(&sub, VALUE_TYPE_TYPE, 1);
	pb__int(&sub, VALUE_TYPE_UNIT, 2);
	pb__msg(&m, PROFILE_SAMPLE_TYPE, &sub);
	pb_buf__free(&sub);
	pb__msg(&m, PROFILE_SAMPLE_TYPE, &sub);
	pb__int(&sub, LOCATION_ID, 1);
	pb__msg(&m, PROFILE_LOCATION, &sub);
	pb_buf__free(&sub);
	sample_with(&m, NULL, 0, v, 2);
	sample_with(&m, &loc, 1, v, 2);
	sample_with(&m, NULL, 0, v, 2);
	pb__bytes(&m, PROFILE_STRING_TABLE, "", 0);
	pb__bytes(&m, PROFILE_STRING_TABLE, "t", 1);
	pb__bytes(&m, PROFILE_STRING_TABLE, "u", 1);
	assert_false(m.oom);
	p = pprof__read_mem(m.data, m.len, "two.pb", NULL);
	assert_non_null(p);
	assert_int_equal(profile__nr_types(p), 2);
	assert_string_equal(profile__type(p, 0)->type, "t");
	assert_string_equal(profile__type(p, 1)->type, "value1");
	assert_string_equal(profile__type(p, 1)->unit, "count");
	assert_int_equal(profile__nr_stacks(p), 2);
	assert_int_equal(profile__sort(p), 0);
	profile__stack(p, 0, &st);
	assert_null(st.frames);
	assert_int_equal(st.nr_frames, 0);
	assert_int_equal(st.values[0], 6);
	assert_int_equal(st.values[1], 10);
	profile__stack(p, 1, &st);
	assert_int_equal(st.nr_frames, 1);
	assert_non_null(st.frames);
	assert_int_equal(profile__total(p, 0), 9);
	profile__free(p);
	pb_buf__free(&m);
}

static void test_hostile_messages(void **state)
{
	static const unsigned char huge_varint[] = { 0x48, 0xff, 0xff, 0xff, 0xff, 0xff,
						     0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const unsigned char huge_len[] = { 0x0a, 0xff, 0xff, 0xff, 0xff,
						  0xff, 0xff, 0xff, 0xff, 0x7f };
	static const unsigned char group[] = { 0x0b, 0x0c };
	static const char folded[] = "app;main;work 5\napp;main 3\n";
	static const char gz_garbage[] = "\x1f\x8b\x08\x00garbage";
	struct pb_buf m = {}, sub = {};
	uint64_t loc1 = 1, many[1000];
	int64_t one = 1, two[2] = { 1, 2 }, big[1] = { INT64_MAX };

	(void)state;
	expect_error("", 0, "empty");
	expect_error(huge_varint, sizeof(huge_varint), "malformed protobuf");
	expect_error(huge_len, sizeof(huge_len), "malformed protobuf");
	expect_error(group, sizeof(group), "malformed protobuf");
	expect_error(folded, strlen(folded), NULL);
	assert_false(pprof__sniff(folded, strlen(folded)));
	assert_false(pprof__sniff("# ember: event cpu, values in samples\n", 38));
	assert_false(pprof__sniff("", 0));
	expect_error(gz_garbage, sizeof(gz_garbage) - 1, "gzip");

	/* no sample type */
	pb__bytes(&m, PROFILE_STRING_TABLE, "", 0);
	expect_error(m.data, m.len, "no sample types");
	/* no string table */
	m.len = 0;
	pb__int(&sub, VALUE_TYPE_TYPE, 1);
	pb__msg(&m, PROFILE_SAMPLE_TYPE, &sub);
	expect_error(m.data, m.len, "no string table");
	/* a type naming a string past the table */
	pb__bytes(&m, PROFILE_STRING_TABLE, "", 0);
	expect_error(m.data, m.len, "refers to string 1");
	/* a NUL inside a string, invalid UTF-8 */
	m.len = 0;
	base_message(&m);
	pb__bytes(&m, PROFILE_STRING_TABLE, "a\0b", 3);
	expect_error(m.data, m.len, "NUL");
	m.len = 0;
	base_message(&m);
	pb__bytes(&m, PROFILE_STRING_TABLE, "\xc0\xaf", 2);
	expect_error(m.data, m.len, "UTF-8");
	/* a sample of an undefined location; the wrong number of values */
	m.len = 0;
	base_message(&m);
	sample_with(&m, &loc1, 1, &one, 1);
	expect_error(m.data, m.len, "location 1");
	m.len = 0;
	base_message(&m);
	sample_with(&m, NULL, 0, two, 2);
	expect_error(m.data, m.len, "2 values for 1 sample types");
	/* values whose sum overflows */
	m.len = 0;
	base_message(&m);
	sample_with(&m, NULL, 0, big, 1);
	sample_with(&m, NULL, 0, big, 1);
	expect_error(m.data, m.len, "64 bits");
	/* a location of an undefined function; duplicate and zero ids */
	m.len = 0;
	base_message(&m);
	sub.len = 0;
	pb__uint(&sub, LOCATION_ID, 1);
	{
		struct pb_buf line = {};

		pb__uint(&line, LINE_FUNCTION_ID, 9);
		pb__msg(&sub, LOCATION_LINE, &line);
		pb_buf__free(&line);
	}
	pb__msg(&m, PROFILE_LOCATION, &sub);
	expect_error(m.data, m.len, "function 9");
	pb__msg(&m, PROFILE_LOCATION, &sub);
	expect_error(m.data, m.len, "two locations have id 1");
	m.len = 0;
	base_message(&m);
	sub.len = 0;
	pb__uint(&sub, MAPPING_MEMORY_START, 1);
	pb__msg(&m, PROFILE_MAPPING, &sub);
	expect_error(m.data, m.len, "id 0");
	/* a sample too deep: one location repeated past the limit */
	m.len = 0;
	base_message(&m);
	sub.len = 0;
	pb__uint(&sub, LOCATION_ID, 1);
	pb__msg(&m, PROFILE_LOCATION, &sub);
	for (size_t i = 0; i < 1000; i++)
		many[i] = 1;
	{
		struct pb_buf s = {};

		for (int i = 0; i < 70; i++)
			pb__packed(&s, SAMPLE_LOCATION_ID, many, 1000);
		pb__packed(&s, SAMPLE_VALUE, (const uint64_t *)&one, 1);
		pb__msg(&m, PROFILE_SAMPLE, &s);
		pb_buf__free(&s);
	}
	expect_error(m.data, m.len, "more frames");
	/* an unsymbolized location in a mapping without a file name */
	m.len = 0;
	base_message(&m);
	sub.len = 0;
	pb__uint(&sub, MAPPING_ID, 1);
	pb__msg(&m, PROFILE_MAPPING, &sub);
	sub.len = 0;
	pb__uint(&sub, LOCATION_ID, 1);
	pb__uint(&sub, LOCATION_MAPPING_ID, 1);
	pb__uint(&sub, LOCATION_ADDRESS, 0x42);
	pb__msg(&m, PROFILE_LOCATION, &sub);
	sample_with(&m, &loc1, 1, &one, 1);
	{
		struct profile *q = pprof__read_mem(m.data, m.len, "nofile", NULL);
		struct profile_stack st;

		assert_non_null(q);
		profile__stack(q, 0, &st);
		assert_string_equal(st.frames[0].name, "?+0x42");
		assert_null(st.frames[0].module);
		profile__free(q);
	}
	/* a wrong wire type for a known field */
	m.len = 0;
	base_message(&m);
	pb__bytes(&m, PROFILE_TIME_NANOS, "x", 1);
	expect_error(m.data, m.len, "malformed");
	pb_buf__free(&m);
	pb_buf__free(&sub);
}

static void test_write_error(void **state)
{
	struct profile *p = leak_profile();
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_true(pprof__write(p, NULL, f) < 0);
	fclose(f);
	profile__free(p);
}

static void test_read_file_errors(void **state)
{
	char dir[] = "/tmp/ember-pprof-XXXXXX", *path;
	struct profile *p = leak_profile(), *q;
	unsigned char *gz;
	size_t len;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	quiet("/dev/null");
	assert_null(pprof__read("/nonexistent/x.pb.gz", NULL));
	assert_null(pprof__read(dir, NULL));
	loud();
	assert_true(asprintf(&path, "%s/p.pb.gz", dir) > 0);
	gz = write_mem(p, NULL, &len);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(gz, 1, len, f), len);
	fclose(f);
	q = pprof__read(path, NULL);
	assert_non_null(q);
	assert_same_stacks(p, q);
	profile__free(q);
	unlink(path);
	rmdir(dir);
	free(path);
	free(gz);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tables_deduplicated),
		cmocka_unit_test(test_cpu_nanoseconds_and_plain),
		cmocka_unit_test(test_empty_profile),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_foreign_profile),
		cmocka_unit_test(test_sample_without_locations),
		cmocka_unit_test(test_unmapped_kernel_function),
		cmocka_unit_test(test_default_type_first_of_its_name),
		cmocka_unit_test(test_fuzz_truncations_and_flips),
		cmocka_unit_test(test_fuzz_structured),
		cmocka_unit_test(test_hostile_messages),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_read_file_errors),
	};

	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
