// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pprof files (user/format/pprof_read.c: gzip, then profile.proto through
 * user/lib/protobuf.c): pprof__read_mem on the input as it is (gzip or raw
 * protobuf), pprof__sniff; then everything that reads profiles
 * (fuzz_profile.h), the commands on the input gzip-compressed if it was
 * not (they tell pprof from folded text by the gzip magic).
 */
#include <zlib.h>
#include "fuzz_profile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_profile_init();
	return 0;
}

/* data gzip-compressed (malloc'd). */
static uint8_t *gzip(const uint8_t *data, size_t size, size_t *out_len)
{
	z_stream zs = {};
	uLong cap;
	uint8_t *out;

	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		fuzz_die("deflateInit2");
	cap = deflateBound(&zs, size) + 32;
	out = malloc(cap);
	if (!out)
		fuzz_die("malloc");
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)size;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		fuzz_die("deflate");
	*out_len = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pprof_info info;
	struct profile *p;
	const char *path;

	pprof__sniff(data, size);
	p = pprof__read_mem(data, size, "fuzz", &info);
	if (!p)
		return 0;
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		path = fuzz_memfd(0, data, size);
	} else {
		size_t len;
		uint8_t *gz = gzip(data, size, &len);

		path = fuzz_memfd(0, gz, len);
		free(gz);
	}
	fuzz_profile(p, path);
	profile__free(p);
	return 0;
}
