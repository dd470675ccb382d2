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
 *
 * It is also ember's one reader of ELF tables for code that picks symbols
 * by name rather than by address (alloc_sites): elf_dso__open_tables keeps
 * the file open for walks of its symbol and relocation tables as the file
 * has them, aliases and versions included.
 */
#ifndef EMBER_ELF_DSO_H
#define EMBER_ELF_DSO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
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
/* Open path for walking its tables and reading its code: only the program
 * headers and the machine are read (no symbols loaded, no debug file looked
 * for); the file stays open until elf_dso__free. NULL with errno on failure:
 * EINVAL not a regular file or not an ELF file, ENOENT... from open. */
struct elf_dso *elf_dso__open_tables(const char *path);
/* The same from an open regular file (duplicated: the caller keeps fd)
 * and from memory (copied: the vDSO); name is for display. */
struct elf_dso *elf_dso__open_tables_fd(int fd, const char *name);
struct elf_dso *elf_dso__open_tables_mem(const void *image, size_t size, const char *name);
/*
 * The separate debug file of d (from the elf_dso__open_tables* above) that
 * has the section named section, opened the same way: by d's build id
 * under debug_dir (NULL: not searched), then by its .gnu_debuglink beside
 * path and in .debug/ beside it (only when beside: a directory a target
 * can write is searched only on request), then under debug_dir + the
 * directory of path (path NULL: no debuglink search). A candidate whose
 * CRC or build id is not d's is rejected. NULL with errno (ENOENT: none).
 */
struct elf_dso *elf_dso__open_debug_tables(struct elf_dso *d, const char *path,
					   const char *debug_dir, bool beside, const char *section);
void elf_dso__free(struct elf_dso *d);

/* One section header of a d from elf_dso__open_tables*. */
struct elf_dso_section {
	const char *name; /* NULL if unreadable; valid until elf_dso__free */
	/* elf_dso__section only: the contents (decompressed), valid until
	 * elf_dso__free; size is then the bytes there */
	const void *data;
	__u64 size;
	__u64 addr;   /* sh_addr */
	__u64 offset; /* sh_offset */
	__u64 flags;  /* SHF_* */
	__u32 type;   /* SHT_* */
};

/* The section named name with its contents: 0, -ENOENT (none, or NOBITS,
 * or unreadable), -EINVAL for another d. */
int elf_dso__section(const struct elf_dso *d, const char *name, struct elf_dso_section *s);
typedef int (*elf_dso_section_fn)(const struct elf_dso_section *s, void *arg);
/* fn on every section header (no contents), in file order; stops at fn's
 * first -errno and returns it; 0, or -EINVAL for another d. */
int elf_dso__for_each_section(const struct elf_dso *d, elf_dso_section_fn fn, void *arg);

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
/* ELF virtual address to file offset, through the PT_LOAD whose file bytes
 * hold vaddr. Returns 0 or -ENOENT. */
int elf_dso__vaddr_to_offset(const struct elf_dso *d, __u64 vaddr, __u64 *offset);
/* Up to size bytes of the file at vaddr, never past the file bytes of the
 * PT_LOAD holding it: from the image (elf_dso__open_mem), else from fd, else
 * from the file elf_dso__open_tables keeps open, else from the path. Returns
 * the number of bytes read, -ENOENT if vaddr is in no segment, or -errno. */
ssize_t elf_dso__read(const struct elf_dso *d, int fd, __u64 vaddr, void *buf, size_t size);
/* ELFCLASS64 and EM_X86_64: the machine ember decodes instructions of. */
/* The ELF header's entry point (e_entry), false if it has none. */
bool elf_dso__entry(const struct elf_dso *d, __u64 *vaddr);
bool elf_dso__is_x86_64(const struct elf_dso *d);

/* One defined symbol as its table has it (elf_dso__for_each_symbol). */
struct elf_dso_symbol {
	/* as the string table spells it, versions included (a .symtab may
	 * say name@@DEFAULT or name@OLD); valid during the call only */
	const char *name;
	__u64 value;	    /* st_value */
	__u64 size;	    /* st_size */
	unsigned char type; /* STT_* */
	unsigned char bind; /* STB_* */
	bool dynamic;	    /* from .dynsym */
	bool hidden;	    /* .dynsym: .gnu.version marks it a non-default version */
};

/* Return 0 to go on, -errno to stop the walk (which then returns it). */
typedef int (*elf_dso_symbol_fn)(const struct elf_dso_symbol *sym, void *arg);

/*
 * Calls fn for every defined symbol (in a section of the file, nonzero
 * value, non-empty name) of every .symtab and .dynsym of a d from
 * elf_dso__open_tables, in file order. Returns the number of symbol tables
 * the file has (readable or not), fn's -errno, or -EINVAL for another d.
 */
int elf_dso__for_each_symbol(const struct elf_dso *d, elf_dso_symbol_fn fn, void *arg);

/* One relocation with addend (elf_dso__for_each_rela). */
struct elf_dso_rela {
	__u64 offset;	   /* r_offset: the address it patches */
	unsigned int type; /* R_<machine>_* */
	/* name of its symbol, NULL if none; valid during the call only */
	const char *name;
};

typedef int (*elf_dso_rela_fn)(const struct elf_dso_rela *rela, void *arg);

/* Calls fn for every entry of every SHT_RELA section whose symbol table is
 * readable, of a d from elf_dso__open_tables, in file order. Returns 0,
 * fn's -errno, or -EINVAL for another d. */
int elf_dso__for_each_rela(const struct elf_dso *d, elf_dso_rela_fn fn, void *arg);

const __u8 *elf_dso__build_id(const struct elf_dso *d, unsigned int *size);
size_t elf_dso__nr_symbols(const struct elf_dso *d);
/* Debug file the .symtab came from, NULL if none. */
const char *elf_dso__debug_path(const struct elf_dso *d);
/* Debug file candidates rejected for a build-id or CRC mismatch. */
unsigned int elf_dso__debug_rejected(const struct elf_dso *d);

#endif
