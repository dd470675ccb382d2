// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the unwind table builder (user/unwind/): the input
 * is an ELF image, as the vDSO is read from a target's memory, and the
 * same bytes as a file (a target's mapped binary, read through its fd).
 * The table built must hold what the BPF walker relies on: rows sorted by
 * offset, an index whose every entry points into the rows, lookups that
 * stay inside them.
 */
#include <fcntl.h>
#include "fuzz.h"
#include "unwind/unwind_table.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check(const struct unwind_table *t)
{
	__u32 n, nb;
	const struct ember_unw_row *rows = unwind_table__rows(t, &n);
	const __u32 *idx = unwind_table__index(t, &nb);
	__u64 lo = unwind_table__off_lo(t);
	struct ember_unw_file fi;

	for (__u32 i = 1; i < n; i++) {
		if (rows[i].off <= rows[i - 1].off)
			abort();
	}
	for (__u32 k = 0; k < nb; k++) {
		if (idx[k] >= n || (k && idx[k] < idx[k - 1]))
			abort();
	}
	if (n && (nb < 2 || lo > rows[0].off))
		abort();
	unwind_table__file_info(t, 0, 0, &fi);
	if (fi.nr_rows != n || fi.nr_blocks != nb)
		abort();
	/* offsets around every row, and across the range */
	for (__u32 i = 0; i < n && i < 4096; i++) {
		const struct ember_unw_row *r = unwind_table__lookup(t, rows[i].off);

		if (r != &rows[i])
			abort();
		r = unwind_table__lookup(t, rows[i].off + 1);
		if (r && (r < rows || r >= rows + n || r->off > rows[i].off + 1))
			abort();
	}
	unwind_table__lookup(t, lo + ((__u64)nb << EMBER_UNW_BLOCK_SHIFT));
	unwind_table__lookup(t, 0);
	unwind_table__lookup(t, ~0ULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unwind_table_opts o = { .debug_fd = -1, .debug_dir = "" };
	struct unwind_table *t;
	int fd;

	t = unwind_table__new_mem(data, size, "[vdso]");
	if (t) {
		check(t);
		unwind_table__free(t);
	}
	fd = open(fuzz_memfd(0, data, size), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fuzz_die("open memfd");
	t = unwind_table__new_fd(fd, &o);
	if (t) {
		check(t);
		unwind_table__free(t);
	}
	close(fd);
	return 0;
}
