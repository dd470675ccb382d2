/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * alloc_sites: where to put the allocation probes in one ELF file.
 *
 * Finds the allocator entry points a file defines (glibc/musl, jemalloc,
 * tcmalloc, C++ operators) by symbol name in .dynsym and .symtab, and for
 * each the file offsets libbpf's bpf_program__attach_uprobe_opts() takes:
 * the function's first instruction (return probes must sit there, where
 * [rsp] is the return address) and, for free-like functions, possibly a
 * later instruction that the kernel emulates instead of single-stepping
 * out of line (a uprobe on an emulated instruction costs one trap, not
 * two).
 *
 * Which names count, per file:
 * - One site per address: names sharing an address (glibc's memalign and
 *   aligned_alloc, mmap and mmap64, tcmalloc's malloc and tc_malloc) keep
 *   the first in table order, so that no call is counted twice.
 * - C++ operators new/delete only in a file that is an allocator itself
 *   (defines malloc, je_malloc, tc_malloc or mallocx): libstdc++'s call
 *   malloc, already probed in libc.
 * - Wrappers are left out: a C++ operator or reallocarray whose first
 *   instructions call or jump to another allocator function, directly or
 *   through the PLT/GOT (a static C++ binary's operator new calls malloc,
 *   glibc's reallocarray tail-calls realloc). The function it calls is
 *   probed and sees the same call.
 * - STT_FUNC only: an IFUNC's value is its resolver, not the function.
 * - In .dynsym, the default version of a versioned name (hidden, older
 *   versions only when no default exists).
 *
 * The instruction analysis is for x86-64; other machines get every probe
 * at the entry with emulated = false.
 */
#ifndef EMBER_ALLOC_SITES_H
#define EMBER_ALLOC_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ember_abi.h"

struct alloc_site {
	/* symbol name as found: "malloc", "je_malloc", "_Znwm", ... (owned by the set) */
	const char *func;
	enum ember_alloc_kind kind;
	__u64 vaddr; /* st_value */
	/* file offset of the function's first instruction: where uretprobes go */
	__u64 entry_offset;
	/* file offset for the entry probe: == entry_offset, or a later
	 * instruction for free-like kinds (see alloc_sites__free_probe_offset) */
	__u64 probe_offset;
	/* the kernel emulates the instruction at probe_offset (no single-step
	 * out of line) */
	bool emulated;
	/* kind needs a return probe: every kind except FREE and MUNMAP */
	bool has_return;
};

struct alloc_sites;

/* Find the allocator functions defined in path. NULL with errno on failure
 * (ENOENT no file, ENOEXEC not an ELF / no symbols). A file defining none
 * of them gives an empty set, not an error. */
struct alloc_sites *alloc_sites__find(const char *path);
void alloc_sites__free(struct alloc_sites *s);
unsigned int alloc_sites__count(const struct alloc_sites *s);
const struct alloc_site *alloc_sites__get(const struct alloc_sites *s, unsigned int i);
const char *alloc_sites__path(const struct alloc_sites *s);
/* Whether the file is an allocator itself: it defines malloc, je_malloc,
 * tc_malloc or mallocx (with or without je_). */
bool alloc_sites__is_allocator(const struct alloc_sites *s);

/* Exported for tests: classify the instruction at code[0..len): length of
 * the instruction if the x86-64 kernel emulates it (no single-step), 0 if
 * not or not decodable. */
int alloc_sites__emulated_insn(const __u8 *code, size_t len);
/*
 * Exported for tests: the offset (from the function start) of the entry
 * probe for a free-like function whose first bytes are code[0..len): 0 if
 * the first instruction is emulated; else skip a harmless prefix (endbr64;
 * test/cmp that only write flags; a je/jz directly after
 * `test %rdi,%rdi`, the NULL check: free(NULL) is a no-op so missing it
 * is fine) and return the offset of the first emulated instruction after
 * it, within the first 32 bytes; -1 if none.
 */
int alloc_sites__free_probe_offset(const __u8 *code, size_t len);

#endif
