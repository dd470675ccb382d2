/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the libFuzzer harnesses share: the input as a file (most parsers
 * take a path), as a C string, and a per-process temporary directory.
 *
 * Header-only (static inline), as each harness is one .c file. Nothing
 * here may leak: libFuzzer runs with -detect_leaks=1.
 */
#ifndef EMBER_FUZZ_H
#define EMBER_FUZZ_H

#include <errno.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A harness that cannot set itself up is not a fuzz finding: say so and
 * stop before any input runs. */
static inline void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, strerror(errno));
	abort();
}

static inline void fuzz_write_all(int fd, const uint8_t *data, size_t size)
{
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fuzz_die("write");
		data += n;
		size -= (size_t)n;
	}
}

/*
 * The input as the file at the returned path ("/proc/self/fd/N" of one
 * memfd, rewritten for each input; slot picks one of a few, for harnesses
 * that need two files at once). Readers open the path themselves.
 */
static inline const char *fuzz_memfd(unsigned int slot, const uint8_t *data, size_t size)
{
	static int fds[4] = { -1, -1, -1, -1 };
	static char paths[4][32];

	if (slot >= 4)
		abort();
	if (fds[slot] < 0) {
		fds[slot] = memfd_create("ember-fuzz", MFD_CLOEXEC);
		if (fds[slot] < 0)
			fuzz_die("memfd_create");
		snprintf(paths[slot], sizeof(paths[slot]), "/proc/self/fd/%d", fds[slot]);
	}
	if (ftruncate(fds[slot], 0) || lseek(fds[slot], 0, SEEK_SET))
		fuzz_die("memfd rewrite");
	fuzz_write_all(fds[slot], data, size);
	return paths[slot];
}

/* data[0..size) as a NUL-terminated string (malloc'd; an embedded NUL
 * ends it early, as it would a file read into a string). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		fuzz_die("malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static char fuzz_tmp[64];

static inline void fuzz_tmp_cleanup(void)
{
	if (fuzz_tmp[0])
		nftw(fuzz_tmp, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A directory of this process's own, removed at exit: in $TMPDIR, else
 * in /dev/shm (memory: harnesses rewrite their files for every input),
 * else /tmp. */
static inline const char *fuzz_tmpdir(void)
{
	if (!fuzz_tmp[0]) {
		const char *base = getenv("TMPDIR");

		if (!base || !*base || strlen(base) > 40)
			base = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
		snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s/ember-fuzz.XXXXXX", base);
		if (!mkdtemp(fuzz_tmp))
			fuzz_die("mkdtemp");
		atexit(fuzz_tmp_cleanup);
	}
	return fuzz_tmp;
}

/* Write data to path (created or truncated). */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "we");

	if (!f)
		fuzz_die(path);
	if (size && fwrite(data, 1, size, f) != size)
		fuzz_die(path);
	if (fclose(f))
		fuzz_die(path);
}

/* A little-endian integer from the input's bytes at off (0 past the end),
 * for harnesses that derive queries from their input. */
static inline uint64_t fuzz_u64(const uint8_t *data, size_t size, size_t off)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8 && off + i < size; i++)
		v |= (uint64_t)data[off + i] << (8 * i);
	return v;
}

#endif
