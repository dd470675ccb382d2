// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Folded stacks (user/format/profile_read.c) as ember flamegraph, report and diff
 * read them: profile_read__file on the input as a file, which also sends
 * gzip input to the pprof reader; then everything that reads profiles
 * (fuzz_profile.h).
 */
#include "fuzz_profile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_profile_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* --unit, for files that do not name theirs: on for odd sizes */
	struct profile_read_opts o = { .unit = size & 1 ? "microseconds" : NULL };
	const char *path = fuzz_memfd(0, data, size);
	struct profile *p = profile_read__file(path, &o);

	if (!p)
		return 0;
	profile_read__event(p);
	fuzz_profile(p, path);
	profile__free(p);
	return 0;
}
