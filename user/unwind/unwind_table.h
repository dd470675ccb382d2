/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * unwind_table: one ELF file's unwind table as the BPF walker reads it
 * (include/ember_abi.h, "---- .eh_frame unwinding ----"): rows sorted by
 * file offset, each the CFA and rbp rule from its offset to the next row's,
 * and the 256-byte block index over them.
 *
 * Built from .eh_frame, plus .debug_frame (the file's own, or a separate
 * debug file's) for code .eh_frame does not cover. Rules the 8-byte rows
 * cannot express become INVALID rows, as do gaps between FDEs wider than
 * alignment padding; a file of frame-pointer code with little CFI is
 * flagged EMBER_UNW_FILE_FP_ONLY. The counters say how much of the file
 * each kind of rule covers, for a census.
 */
#ifndef EMBER_UNWIND_TABLE_H
#define EMBER_UNWIND_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ember_abi.h"
#include "unwind/dwarf_cfi.h"

struct unwind_table;

struct unwind_table_opts {
	/* The file's path as the caller knows it, for .gnu_debuglink lookups
	 * (NULL: none; a /proc/PID/map_files entry is no help there). */
	const char *path;
	/* A separate debug file the caller opened (kept by the caller), or
	 * -1: then one is looked for when .eh_frame leaves code uncovered. */
	int debug_fd;
	/* The root-owned tree of debug files, by build id and by debuglink
	 * directory; NULL: /usr/lib/debug, "": none. */
	const char *debug_dir;
	/* Also look beside path (and in .debug/ there): a directory a target
	 * may write, so only on request. */
	bool debug_beside;
};

/* The CFA rules of the rows the CFI programs define, as a census counts
 * them (the table's kinds fold some together). */
enum unwind_cfa_class {
	UNWIND_CFA_RSP,	       /* rsp + N */
	UNWIND_CFA_RBP,	       /* rbp + N */
	UNWIND_CFA_PLT,	       /* the PLT's pc-dependent expression */
	UNWIND_CFA_DEREF,      /* *(rsp|rbp + N) */
	UNWIND_CFA_EXPR_OTHER, /* another expression */
	UNWIND_CFA_REG_OTHER,  /* another register + N */
	UNWIND_CFA_CLASSES,
};

enum unwind_rbp_class {
	UNWIND_RBP_UNCHANGED, /* not saved (undefined, same value) */
	UNWIND_RBP_CFA,	      /* saved at CFA + N */
	UNWIND_RBP_EXPR,      /* saved at rbp + N (realigned frames) */
	UNWIND_RBP_OTHER,
	UNWIND_RBP_CLASSES,
};

enum unwind_ra_class {
	UNWIND_RA_CFA8,	 /* at CFA - 8 */
	UNWIND_RA_UNDEF, /* undefined: the outermost frame */
	UNWIND_RA_OTHER,
	UNWIND_RA_CLASSES,
};

enum unwind_source {
	UNWIND_SRC_EH_FRAME = 1 << 0,	 /* the file's .eh_frame */
	UNWIND_SRC_DEBUG_FRAME = 1 << 1, /* the file's .debug_frame */
	UNWIND_SRC_DEBUG_FILE = 1 << 2,	 /* a separate debug file's .debug_frame */
};

struct unwind_table_counts {
	struct cfi_stats eh;	/* .eh_frame */
	struct cfi_stats debug; /* .debug_frame, wherever it came from */
	unsigned int sources;	/* enum unwind_source */
	/* FDEs left out: outside every PT_LOAD, or (.debug_frame) over code
	 * .eh_frame already covers */
	__u64 fdes_unmapped, fdes_overlap;
	/* every row of the FDEs kept, by class; each sums to eh.rows +
	 * debug.rows less the rows of FDEs left out */
	__u64 cfa[UNWIND_CFA_CLASSES];
	__u64 rbp[UNWIND_RBP_CLASSES];
	__u64 ra[UNWIND_RA_CLASSES];
	/* the same rows as table kinds, and the code bytes each covers */
	__u64 kind_rows[EMBER_UNW_KINDS];
	__u64 kind_bytes[EMBER_UNW_KINDS];
	__u64 table_rows[EMBER_UNW_KINDS]; /* the final table's rows */
	__u64 exec_bytes;		   /* executable sections (or segments) */
	__u64 fde_bytes;		   /* code the FDEs kept cover */
	__u64 text_bytes;		   /* .text, where prologues are counted */
	__u64 prologues;		   /* push %rbp; mov %rsp,%rbp in .text */
};

/* From the file open at fd (kept by the caller: a /proc/PID/map_files
 * entry, or a path the caller opened). o may be NULL (defaults). NULL
 * with errno: EINVAL not an ELF file, EBADMSG broken CFI, ENOMEM. A file
 * without CFI gives a table of no rows (or one FP row, FP_ONLY). */
struct unwind_table *unwind_table__new_fd(int fd, const struct unwind_table_opts *o);
/* From an ELF image in memory (the vDSO read from a process); copied.
 * No debug file is looked for. */
struct unwind_table *unwind_table__new_mem(const void *image, size_t size, const char *name);
void unwind_table__free(struct unwind_table *t);

const struct ember_unw_row *unwind_table__rows(const struct unwind_table *t, __u32 *nr_rows);
/* nr_blocks entries, as ember_unw_file.nr_blocks counts them */
const __u32 *unwind_table__index(const struct unwind_table *t, __u32 *nr_blocks);
__u64 unwind_table__off_lo(const struct unwind_table *t);
__u32 unwind_table__flags(const struct unwind_table *t);
/* rows * 8 + index entries * 4: what it takes in the BPF maps */
size_t unwind_table__bytes(const struct unwind_table *t);
const struct unwind_table_counts *unwind_table__counts(const struct unwind_table *t);
/* NT_GNU_BUILD_ID of the file, to share one table between its copies;
 * NULL (*size 0) if it has none. */
const __u8 *unwind_table__build_id(const struct unwind_table *t, unsigned int *size);
/* The file's entry for the walker, its rows and index placed at row_lo
 * and idx_lo of the global arrays. */
void unwind_table__file_info(const struct unwind_table *t, __u32 row_lo, __u32 idx_lo,
			     struct ember_unw_file *out);
/* The row covering file offset off, found as the walker finds it (the
 * block index, then a binary search); NULL before the first row or past
 * the index. */
const struct ember_unw_row *unwind_table__lookup(const struct unwind_table *t, __u64 off);

#endif
