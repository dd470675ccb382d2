// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Seeds for the profile harnesses, written by ember's own writers: a few
 * profiles of every frame kind and value-type shape, as pprof (gzip and
 * the raw protobuf inside) and folded files, and the vDSO of this process
 * for the ELF harness. Run by tests/fuzz/gen_corpus.sh as
 *
 *   gen_seeds OUT    writes OUT/{pprof,protobuf,folded,elf}/...
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <elf.h>
#include <link.h>
#include <zlib.h>
#include "format/folded.h"
#include "format/pprof.h"
#include "profile/profile.h"

static const char *out_dir;

static void die(const char *what)
{
	fprintf(stderr, "gen_seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static FILE *create(const char *sub, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST)
		die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, sub, name);
	f = fopen(path, "w");
	if (!f)
		die(path);
	return f;
}

static void write_bytes(const char *sub, const char *name, const void *data, size_t len)
{
	FILE *f = create(sub, name);

	if (len && fwrite(data, 1, len, f) != len)
		die(name);
	if (fclose(f))
		die(name);
}

static struct frame fr(const char *name, enum frame_kind kind, const char *module,
		       const char *build_id, uint64_t addr)
{
	struct frame f = { name, module, build_id, addr, kind };

	return f;
}

static void add(struct profile *p, const struct frame *f, unsigned int n, const int64_t *v)
{
	if (profile__add(p, f, n, v))
		die("profile__add");
}

static const char bid_app[] = "0123456789abcdef0123456789abcdef01234567";
static const char bid_libc[] = "ffeeddccbbaa99887766554433221100ffeeddcc";

/* Every kind of frame, shared frames, comments and counters. */
static void fill(struct profile *p, const char *header, const int64_t *v1, const int64_t *v2)
{
	struct frame a[] = {
		fr("app", FRAME_PROCESS, NULL, NULL, 0),
		fr("main", FRAME_USER, "/usr/bin/app", bid_app, 0x1100),
		fr("parse", FRAME_USER, "/usr/bin/app", bid_app, 0x1234),
		fr("malloc", FRAME_USER, "/usr/lib/libc.so.6", bid_libc, 0x9a000),
		fr("do_syscall_64", FRAME_KERNEL, "[kernel.kallsyms]", NULL, 0xffffffff81001000ULL),
	};
	struct frame b[] = {
		fr("python3", FRAME_PROCESS, NULL, NULL, 0),
		fr("_PyEval_EvalFrameDefault", FRAME_USER, "/usr/bin/python3", NULL, 0x5000),
		fr("handler (app/web.py:42)", FRAME_INTERP, NULL, NULL, 0),
		fr("app+0x2000", FRAME_USER, "/usr/bin/app", bid_app, 0x2000),
		fr("ext4_file_read_iter", FRAME_KERNEL, "[ext4]", NULL, 0xffffffffc0001000ULL),
	};
	struct frame c[] = {
		fr("other-17", FRAME_PROCESS, NULL, NULL, 0),
		fr("[unknown]", FRAME_USER, NULL, NULL, 0x7f0000001234ULL),
		fr("[off-cpu]", FRAME_MARKER, NULL, NULL, 0),
	};
	struct frame d[] = {
		fr("kworker/0:1", FRAME_PROCESS, NULL, NULL, 0),
		fr("[lost stack]", FRAME_MARKER, NULL, NULL, 0),
	};

	add(p, a, 5, v1);
	add(p, b, 5, v2);
	add(p, c, 3, v1);
	add(p, d, 2, v2);
	a[1].addr = 0x1108; /* the same function at another address */
	add(p, a, 3, v2);
	if (profile__add_comment(p, header) ||
	    profile__add_comment(p, "a note; with a semicolon") ||
	    profile__set_counter(p, "stacks_map_full", 3) ||
	    profile__set_counter(p, "truncated_stacks", 1))
		die("profile comments");
}

/* name: the event; header: ember's first comment line */
static void seeds(const char *name, const char *header, const struct value_type *t, unsigned int nt,
		  const struct pprof_opts *po, const int64_t *v1, const int64_t *v2)
{
	struct profile *p = profile__new(t, nt);
	char *buf = NULL, fname[64];
	size_t len = 0;
	FILE *f;

	if (!p)
		die("profile__new");
	fill(p, header, v1, v2);
	f = open_memstream(&buf, &len);
	if (!f || pprof__write(p, po, f))
		die("pprof__write");
	fclose(f);
	snprintf(fname, sizeof(fname), "%s.pb.gz", name);
	write_bytes("pprof", fname, buf, len);
	write_bytes("folded", fname, buf, len); /* the folded reader sends gzip to pprof */
	{
		/* the protobuf inside */
		uint8_t *raw = malloc(1 << 20);
		z_stream zs = {};

		if (!raw || inflateInit2(&zs, 31) != Z_OK)
			die("inflate");
		zs.next_in = (Bytef *)buf;
		zs.avail_in = (uInt)len;
		zs.next_out = raw;
		zs.avail_out = 1 << 20;
		if (inflate(&zs, Z_FINISH) != Z_STREAM_END)
			die("inflate");
		snprintf(fname, sizeof(fname), "%s.pb", name);
		write_bytes("pprof", fname, raw, (1 << 20) - zs.avail_out);
		write_bytes("protobuf", fname, raw, (1 << 20) - zs.avail_out);
		inflateEnd(&zs);
		free(raw);
	}
	free(buf);
	snprintf(fname, sizeof(fname), "%s.folded", name);
	f = create("folded", fname);
	if (folded__write(p, 0, 1, f) || fclose(f))
		die("folded__write");
	profile__free(p);
}

static void vdso(void)
{
	const ElfW(Ehdr) *h = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);

	if (!h)
		return;
	write_bytes("elf", "vdso", h, h->e_shoff + (size_t)h->e_shnum * h->e_shentsize);
}

int main(int argc, char **argv)
{
	static const struct value_type cpu[] = { { "samples", "count", 0 } };
	static const struct value_type offcpu[] = { { "offcpu", "nanoseconds", 0 } };
	static const struct value_type leak[] = {
		{ "inuse_space", "bytes", 0 },
		{ "inuse_objects", "count", 0 },
		{ "oldest_age", "nanoseconds", 1 },
	};
	static const struct value_type alloc[] = { { "alloc_space", "bytes", 0 },
						   { "alloc_objects", "count", 0 } };
	const struct pprof_opts cpu_o = { .frequency = 99,
					  .period_type = "cpu",
					  .period_unit = "nanoseconds",
					  .period = 10101010,
					  .time_nanos = 1700000000000000000LL,
					  .duration_nanos = 2000000000LL };
	const struct pprof_opts alloc_o = { .period_type = "space",
					    .period_unit = "bytes",
					    .period = 524288 };
	const struct pprof_opts none = { 0 };
	int64_t c1[] = { 49 }, c2[] = { 3 };
	int64_t o1[] = { 1500000 }, o2[] = { 20 };
	int64_t l1[] = { 4096, 2, 5000000000LL }, l2[] = { 100, 1, 7 };
	int64_t a1[] = { 1 << 20, 40 }, a2[] = { 24, 1 };

	if (argc != 2) {
		fprintf(stderr, "usage: gen_seeds OUT\n");
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) && errno != EEXIST)
		die(out_dir);
	seeds("cpu", "ember: event cpu, values in samples", cpu, 1, &cpu_o, c1, c2);
	seeds("offcpu", "ember: event offcpu, values in microseconds", offcpu, 1, &none, o1, o2);
	seeds("leak", "ember: event leak, values in bytes", leak, 3, &none, l1, l2);
	seeds("alloc", "ember: event alloc, values in bytes", alloc, 2, &alloc_o, a1, a2);
	vdso();
	return 0;
}
