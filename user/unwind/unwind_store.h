/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unwind_store: the unwind tables in the BPF walker's maps. Rows and
 * block index entries sit in two global memory-mapped arrays that the
 * store carves into one extent per distinct table; each file index gets
 * its ember_unw_file in the files array. Copies of one file (the same
 * build id under another inode: containers, a reinstalled package) share
 * one extent. Space is never reused: a profile's files are mapped for
 * its whole length, and a full area is counted and the file left without
 * a table (its frames then end the walk as "no table").
 *
 * One thread writes (the store is not locked); BPF reads concurrently,
 * so a file's entry is published only once its rows and index are in
 * place.
 */
#ifndef EMBER_UNWIND_STORE_H
#define EMBER_UNWIND_STORE_H

#include <stddef.h>
#include <linux/types.h>
#include "unwind/unwind_table.h"

/* The walker's maps, loaded: rows and index BPF_F_MMAPABLE arrays, files
 * an array of ember_unw_file. An ARRAY's elements are 8-byte aligned, so
 * the index array holds two __u32 entries per element (max_index entries
 * in (max_index + 1) / 2 elements): through mmap it is dense. */
struct unwind_store_maps {
	int rows_fd, index_fd, files_fd;
	__u32 max_rows, max_index, max_files;
};

struct unwind_store_stats {
	__u64 tables;	   /* distinct tables placed */
	__u64 shared;	   /* files given a table already placed (same build id) */
	__u64 empty;	   /* files with no CFI at all (no rows) */
	__u64 full;	   /* files left without a table: rows or index area full */
	__u64 rows, index; /* entries in use */
	__u64 bytes;	   /* what they take in the maps: 8 bytes each */
};

struct unwind_store;

/* NULL with errno (the arrays could not be mapped: EINVAL, ENOMEM). */
struct unwind_store *unwind_store__new(const struct unwind_store_maps *m);
void unwind_store__free(struct unwind_store *s);

/*
 * Place table t as file file_idx: its rows, or those of an identical file
 * placed before. 0; -ENOSPC (area full, counted), -EINVAL (file_idx out
 * of range), -errno from the map update.
 */
int unwind_store__place(struct unwind_store *s, __u32 file_idx, const struct unwind_table *t);

const struct unwind_store_stats *unwind_store__stats(const struct unwind_store *s);

#endif
