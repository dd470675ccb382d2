// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The unwind store on real BPF maps (root): what the walker will read
 * back through the maps is each table's rows and index, at the extents its
 * files entry names; a copy of a file shares them; a full area is
 * counted and leaves the file without a table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>
#include "unwind/unwind_store.h"
#include "unwind/unwind_table.h"

static int make_maps(struct unwind_store_maps *m, __u32 rows, __u32 index, __u32 files)
{
	LIBBPF_OPTS(bpf_map_create_opts, mmapable, .map_flags = BPF_F_MMAPABLE);

	m->max_rows = rows;
	m->max_index = index;
	m->max_files = files;
	m->rows_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_rows", 4, sizeof(struct ember_unw_row),
				    rows, &mmapable);
	m->index_fd =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_index", 4, 8, (index + 1) / 2, &mmapable);
	m->files_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_files", 4,
				     sizeof(struct ember_unw_file), files, NULL);
	return m->rows_fd < 0 || m->index_fd < 0 || m->files_fd < 0 ? -1 : 0;
}

static void close_maps(struct unwind_store_maps *m)
{
	close(m->rows_fd);
	close(m->index_fd);
	close(m->files_fd);
}

static struct unwind_table *table_of(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct unwind_table *t;

	assert_true(fd >= 0);
	t = unwind_table__new_fd(fd, NULL);
	close(fd);
	assert_non_null(t);
	return t;
}

static const char *libc_path(void)
{
	static const char *const cand[] = { "/lib/x86_64-linux-gnu/libc.so.6",
					    "/usr/lib/x86_64-linux-gnu/libc.so.6" };

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], R_OK) == 0)
			return cand[i];
	return NULL;
}

static const char *ldso_path(void)
{
	static const char *const cand[] = { "/lib64/ld-linux-x86-64.so.2",
					    "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" };

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++)
		if (access(cand[i], R_OK) == 0)
			return cand[i];
	return NULL;
}

/* What the maps hold for file_idx equals table t, entry for entry. */
static void assert_placed(const struct unwind_store_maps *m, __u32 file_idx,
			  const struct unwind_table *t)
{
	struct ember_unw_file f, want;
	const struct ember_unw_row *rows;
	const __u32 *index;
	__u32 nr_rows, nr_index;

	rows = unwind_table__rows(t, &nr_rows);
	index = unwind_table__index(t, &nr_index);
	assert_int_equal(bpf_map_lookup_elem(m->files_fd, &file_idx, &f), 0);
	unwind_table__file_info(t, f.row_lo, f.idx_lo, &want);
	want.flags |= EMBER_UNW_FILE_READY;
	assert_memory_equal(&f, &want, sizeof(f));
	assert_int_equal(f.nr_rows, nr_rows);
	assert_int_equal(f.nr_blocks, nr_index);
	for (__u32 i = 0; i < nr_rows; i++) {
		struct ember_unw_row r;
		__u32 k = f.row_lo + i;

		assert_int_equal(bpf_map_lookup_elem(m->rows_fd, &k, &r), 0);
		assert_memory_equal(&r, &rows[i], sizeof(r));
	}
	/* as the walker reads it: entry i in element i / 2 */
	for (__u32 i = 0; i < nr_index; i++) {
		__u32 pair[2], k = (f.idx_lo + i) / 2;

		assert_int_equal(bpf_map_lookup_elem(m->index_fd, &k, pair), 0);
		assert_int_equal(pair[(f.idx_lo + i) & 1], index[i]);
	}
}

static void test_place_and_share(void **state)
{
	struct unwind_store_maps m;
	struct unwind_store *s;
	struct unwind_table *libc, *ldso;
	const struct unwind_store_stats *st;
	struct ember_unw_file a, b;
	__u32 nr_libc, nr_ldso, i3 = 3, i7 = 7;

	(void)state;
	if (!libc_path() || !ldso_path())
		skip();
	libc = table_of(libc_path());
	ldso = table_of(ldso_path());
	unwind_table__rows(libc, &nr_libc);
	unwind_table__rows(ldso, &nr_ldso);
	assert_int_equal(make_maps(&m, 1 << 20, 1 << 16, 16), 0);
	s = unwind_store__new(&m);
	assert_non_null(s);
	assert_int_equal(unwind_store__place(s, 3, libc), 0);
	assert_int_equal(unwind_store__place(s, 5, ldso), 0);
	/* a second inode of the same file: the same extents */
	assert_int_equal(unwind_store__place(s, 7, libc), 0);
	assert_placed(&m, 3, libc);
	assert_placed(&m, 5, ldso);
	assert_placed(&m, 7, libc);
	assert_int_equal(bpf_map_lookup_elem(m.files_fd, &i3, &a), 0);
	assert_int_equal(bpf_map_lookup_elem(m.files_fd, &i7, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	st = unwind_store__stats(s);
	assert_int_equal(st->tables, 2);
	assert_int_equal(st->shared, 1);
	assert_int_equal(st->rows, nr_libc + nr_ldso);
	assert_int_equal(unwind_store__place(s, 16, ldso), -EINVAL);
	unwind_store__free(s);
	close_maps(&m);
	unwind_table__free(libc);
	unwind_table__free(ldso);
}

static void test_full(void **state)
{
	struct unwind_store_maps m;
	struct unwind_store *s;
	struct unwind_table *libc, *ldso;
	struct ember_unw_file f;
	__u32 nr_ldso, i1 = 1;

	(void)state;
	if (!libc_path() || !ldso_path())
		skip();
	libc = table_of(libc_path());
	ldso = table_of(ldso_path());
	unwind_table__rows(ldso, &nr_ldso);
	/* room for ld.so's rows and not libc's as well */
	assert_int_equal(make_maps(&m, nr_ldso + 10, 1 << 16, 4), 0);
	s = unwind_store__new(&m);
	assert_non_null(s);
	assert_int_equal(unwind_store__place(s, 0, ldso), 0);
	assert_int_equal(unwind_store__place(s, 1, libc), -ENOSPC);
	assert_int_equal(unwind_store__stats(s)->full, 1);
	/* the file is left as it was: no table */
	assert_int_equal(bpf_map_lookup_elem(m.files_fd, &i1, &f), 0);
	assert_int_equal(f.nr_rows, 0);
	assert_placed(&m, 0, ldso);
	unwind_store__free(s);
	close_maps(&m);
	unwind_table__free(libc);
	unwind_table__free(ldso);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_and_share),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests_name("unwind_store", tests, NULL, NULL);
}
