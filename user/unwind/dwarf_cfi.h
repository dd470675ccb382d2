/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dwarf_cfi: the call frame information of .eh_frame and .debug_frame
 * (DWARF 2-5 CFI, GCC's augmentations z, R, L, P, S), run into rows: over
 * each location range of each FDE, the rules for the CFA, rbp (DWARF
 * register 6) and the return address. Other registers are parsed past
 * and not tracked: the unwind tables need only these three.
 *
 * The bytes are untrusted (a target's file, or its memory for the vDSO):
 * every read is bounds-checked, every length is checked against what
 * holds it, and every loop consumes input, so a run is bounded by the
 * section's size.
 */
#ifndef EMBER_DWARF_CFI_H
#define EMBER_DWARF_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define CFI_REG_RBP 6
#define CFI_REG_RSP 7
#define CFI_REG_RA 16 /* x86-64's return address column */

enum cfi_how {
	CFI_SAME = 0,	/* register unchanged (the default, same_value) */
	CFI_UNDEF,	/* undefined (for the return address: no caller) */
	CFI_OFFSET,	/* saved at CFA + off */
	CFI_VAL_OFFSET, /* value is CFA + off */
	CFI_REGISTER,	/* in register reg */
	CFI_EXPR,	/* saved at the address expr computes */
	CFI_VAL_EXPR,	/* value is what expr computes */
	CFI_CFA_REG,	/* CFA only: reg + off */
	CFI_CFA_EXPR,	/* CFA only: what expr computes */
};

/* One rule; expr points into the section given to cfi__parse. */
struct cfi_rule {
	enum cfi_how how;
	__u32 reg;
	__s64 off;
	const __u8 *expr;
	__u32 expr_len;
};

/* The rules over [start, end) (addresses as the section has them: ELF
 * virtual addresses). end may equal start: an empty range, which a
 * program can define (two advances in a row by 0). */
struct cfi_row {
	__u64 start, end;
	struct cfi_rule cfa, rbp, ra;
	bool signal; /* its CIE has augmentation S: a signal frame */
};

/* One FDE, given after its rows. */
struct cfi_fde {
	__u64 start, end;
	bool signal;
	bool empty; /* its program has no instruction but padding (DW_CFA_nop) */
};

struct cfi_ops {
	/* Each row of an FDE's program, in order; nonzero stops the parse
	 * (and is returned). */
	int (*row)(void *arg, const struct cfi_row *r);
	/* The FDE once its rows are out. ok false: its program turned out
	 * malformed, so the rows just given must be dropped. */
	int (*fde)(void *arg, const struct cfi_fde *f, bool ok);
};

struct cfi_section {
	const __u8 *data;
	size_t size;
	__u64 addr;    /* address of data[0] (sh_addr), for pc-relative pointers */
	bool eh_frame; /* .eh_frame (else .debug_frame) */
};

struct cfi_stats {
	__u64 cies;
	__u64 fdes;
	__u64 fdes_empty; /* FDEs whose program is only padding */
	__u64 fdes_bad;	  /* FDEs dropped: malformed program, CIE or pointer */
	/* location ranges the programs define, empty ones included: the rows
	 * readelf --debug-dump=frames-interp prints, plus one per empty FDE
	 * (it prints none for those) */
	__u64 rows;
};

/*
 * Runs every FDE of s through ops. Returns 0; -EBADMSG when the section's
 * structure is broken (an entry's length runs past the section or a CIE
 * pointer points nowhere): entries before it were given, the rest cannot
 * be found; or what ops returned. stats (may be NULL) is filled either way.
 */
int cfi__parse(const struct cfi_section *s, const struct cfi_ops *ops, void *arg,
	       struct cfi_stats *stats);

#endif
