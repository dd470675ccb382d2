/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * elf_dso: the function symbols of one ELF file (executable, shared
 * library, vDSO), read with libelf, plus what is needed to turn a file
 * offset taken from /proc/PID/maps into the address space of the symbols.
 *
 * Symbols come from .symtab (the file's own, or a separate debug file found
 * by build id or .gnu_debuglink) merged with .dynsym. Files are untrusted
 * input: corrupt or truncated ones fail to open or yield fewer symbols,
 * never a crash.
 */
#ifndef EMBER_ELF_DSO_H
#define EMBER_ELF_DSO_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define ELF_DSO_BUILD_ID_MAX 64

struct elf_dso;

/* Open path and load its symbols. debug_dir (may be NULL) is searched as
 * <debug_dir>/.build-id/xx/yyyy.debug and <debug_dir>/<dir of path>/ when
 * the file has no .symtab. NULL with errno on failure. */
struct elf_dso *elf_dso__open(const char *path, const char *debug_dir);
/* Same from an open regular file (the caller keeps fd); name is the path
 * shown and the one debuglinks are looked up beside. */
struct elf_dso *elf_dso__open_fd(int fd, const char *name, const char *debug_dir);
/* Same from memory (the vDSO). The image is copied; name is for display. */
struct elf_dso *elf_dso__open_mem(const void *image, size_t size, const char *name);
void elf_dso__free(struct elf_dso *d);

/* Read only the NT_GNU_BUILD_ID of path into buf. Returns its size, 0 if
 * the file has none, or -errno. */
int elf_dso__read_build_id(const char *path, __u8 *buf, size_t size);
int elf_dso__read_build_id_fd(int fd, __u8 *buf, size_t size);

/* Function covering vaddr (an address in the ELF's own address space, as in
 * st_value): its name and *offset = vaddr - start, or NULL. */
const char *elf_dso__lookup(const struct elf_dso *d, __u64 vaddr, __u64 *offset);
/* File offset (addr - map start + map pgoff) to ELF virtual address, using
 * the PT_LOAD headers of the file itself. Returns 0 or -ENOENT. */
/*
 * Has the function containing vaddr set up its frame pointer by then? A
 * frame-pointer walk from a leaf that has not (gcc omits the frame of
 * leaf functions; libraries built without frame pointers never set one)
 * skips the leaf's caller. 1 yes, 0 no, -1 unknown (no symbol, code not
 * readable, not x86-64). Reads the function's first bytes once, from fd
 * (the file d was loaded from), or when fd < 0 from its path.
 */
int elf_dso__frame_state(struct elf_dso *d, int fd, __u64 vaddr);
int elf_dso__offset_to_vaddr(const struct elf_dso *d, __u64 offset, __u64 *vaddr);

const __u8 *elf_dso__build_id(const struct elf_dso *d, unsigned int *size);
size_t elf_dso__nr_symbols(const struct elf_dso *d);
/* Debug file the .symtab came from, NULL if none. */
const char *elf_dso__debug_path(const struct elf_dso *d);
/* Debug file candidates rejected for a build-id or CRC mismatch. */
unsigned int elf_dso__debug_rejected(const struct elf_dso *d);

#endif
