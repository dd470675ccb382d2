// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * elf_dso: function symbols of one ELF file via libelf.
 *
 * Choice among aliases (several symbols at one address), so that the same
 * binary always yields the same name: STT_FUNC/IFUNC over sized NOTYPE,
 * then global (or GNU unique) over weak over local, then fewer leading
 * underscores, then the shorter name, then strcmp. E.g. "__getpid" (global)
 * wins over "getpid" (weak) in glibc, "memcpy" over "__memcpy".
 *
 * The table walks (elf_dso__for_each_symbol, __for_each_rela) go through
 * libelf, which checks every index and offset against its section; what
 * they hand out is only what libelf could read.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "symbolize/elf_dso.h"
#include "lib/file_open.h"
#include "arch/x86/x86_insn.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
/* .gnu.version: the symbol is not the default version of its name */
#define VERSYM_HIDDEN 0x8000

struct dso_sym {
	__u64 start;
	__u64 end; /* exclusive */
	const char *name;
	__u64 size;
	unsigned char type;
	unsigned char bind;
	__u64 sec_end; /* end of its section, 0 if unknown */
};

struct dso_load {
	__u64 offset;
	__u64 vaddr;
	__u64 filesz;
	__u64 memsz;
};

struct elf_dso {
	char *path;
	char *debug_path;
	__u8 build_id[ELF_DSO_BUILD_ID_MAX];
	unsigned int build_id_size;
	unsigned int debug_rejected;
	struct dso_load *loads;
	size_t nr_loads;
	struct dso_sym *syms;
	size_t nr_syms;
	size_t cap_syms;
	char **strtabs; /* copies of string tables, names point into them */
	size_t nr_strtabs;
	void *image; /* elf_memory copy */
	size_t image_size;
	/* the file it was read from, so a debug-file candidate that is this
	 * very file is not taken for its own debug file */
	__u64 dev, ino;
	/* per symbol, filled on demand: 0 not read yet, >0 length of the
	 * frame-pointer prologue, FRAME_NONE / FRAME_UNREADABLE */
	short *prologue;
	__u16 machine;		 /* e_machine, 0 if the header was unreadable */
	unsigned char elf_class; /* ELFCLASS* */
	/* kept open by elf_dso__open_tables for the table walks; else NULL
	 * and -1 */
	Elf *elf;
	int fd;
};

#define FRAME_NONE (-1)
#define FRAME_UNREADABLE (-2)

static bool elf_ready(void)
{
	static int state; /* 0 unknown, 1 ok, -1 failed */

	if (!state)
		state = elf_version(EV_CURRENT) == EV_NONE ? -1 : 1;
	return state > 0;
}

/* libelf on an open file; fd stays the caller's. */
static Elf *begin_elf(int fd)
{
	Elf *elf;

	if (!elf_ready()) {
		errno = EINVAL;
		return NULL;
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		errno = EINVAL;
		return NULL;
	}
	return elf;
}

/* Regular files only, opened without blocking (file_open.h): a path a
 * target controls may name a FIFO or a device. */
static Elf *open_elf(const char *path, int *fdp)
{
	Elf *elf;
	int fd;

	*fdp = -1;
	fd = file_open_regular(path);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	elf = begin_elf(fd);
	if (!elf) {
		close(fd);
		return NULL;
	}
	*fdp = fd;
	return elf;
}

static void close_elf(Elf *elf, int fd)
{
	elf_end(elf);
	if (fd >= 0)
		close(fd);
}

/* Section data, decompressed if needed: SHF_COMPRESSED (gABI, objcopy
 * --compress-debug-sections=zlib, gcc -gz) or legacy .zdebug (zlib-gnu).
 * Returns NULL for NOBITS (sections of a separate debug file that only
 * exist in the original) and on any libelf error. */
static Elf_Data *section_data(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
	const char *name = NULL;
	size_t shstrndx;
	Elf_Data *data;

	if (sh->sh_type == SHT_NOBITS || sh->sh_type == SHT_NULL)
		return NULL;
	if (!elf_getshdrstrndx(elf, &shstrndx))
		name = elf_strptr(elf, shstrndx, sh->sh_name);
	if (sh->sh_flags & SHF_COMPRESSED) {
		if (elf_compress(scn, 0, 0) < 0)
			return NULL;
	} else if (name && !strncmp(name, ".zdebug", 7)) {
		if (elf_compress_gnu(scn, 0, 0) < 0)
			return NULL;
	}
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf)
		return NULL;
	return data;
}

static const char *section_name(Elf *elf, const GElf_Shdr *sh)
{
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	return elf_strptr(elf, shstrndx, sh->sh_name);
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = section_name(elf, sh);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

static int note_build_id(Elf_Data *data, __u8 *buf, size_t size)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4))
			continue;
		if (!nh.n_descsz || nh.n_descsz > size)
			return 0;
		memcpy(buf, (const char *)data->d_buf + desc_off, nh.n_descsz);
		return (int)nh.n_descsz;
	}
	return 0;
}

/* From note sections, else PT_NOTE segments (a file with no section
 * headers still has them). */
static int elf_build_id(Elf *elf, __u8 *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	size_t i, phnum;
	int n;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = section_data(elf, scn, &sh);
		if (data && (n = note_build_id(data, buf, size)) > 0)
			return n;
	}
	if (elf_getphdrnum(elf, &phnum))
		return 0;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		Elf_Data *data;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (data && data->d_buf && (n = note_build_id(data, buf, size)) > 0)
			return n;
	}
	return 0;
}

int elf_dso__read_build_id(const char *path, __u8 *buf, size_t size)
{
	Elf *elf;
	int fd, n;

	elf = open_elf(path, &fd);
	if (!elf)
		return -errno;
	n = elf_build_id(elf, buf, size);
	close_elf(elf, fd);
	return n;
}

static int add_sym(struct elf_dso *d, const struct dso_sym *s)
{
	if (d->nr_syms == d->cap_syms) {
		size_t cap = d->cap_syms ? d->cap_syms * 2 : 256;
		struct dso_sym *n = realloc(d->syms, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		d->syms = n;
		d->cap_syms = cap;
	}
	d->syms[d->nr_syms++] = *s;
	return 0;
}

static char *keep_strtab(struct elf_dso *d, const Elf_Data *data)
{
	char **n;
	char *s;

	n = realloc(d->strtabs, (d->nr_strtabs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	d->strtabs = n;
	/* The extra NUL makes every st_name < d_size a terminated string,
	 * even in a corrupt table. */
	s = malloc(data->d_size + 1);
	if (!s)
		return NULL;
	memcpy(s, data->d_buf, data->d_size);
	s[data->d_size] = '\0';
	d->strtabs[d->nr_strtabs++] = s;
	return s;
}

/* Adds the function symbols of every section of type sh_type. Returns the
 * number added or -ENOMEM; other problems just mean fewer symbols. */
static int load_symbols(struct elf_dso *d, Elf *elf, GElf_Word sh_type)
{
	Elf_Scn *scn = NULL;
	int added = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh, strsh;
		Elf_Data *data, *strdata;
		Elf_Scn *strscn;
		size_t i, n, entsize, strsize;
		char *strs;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != sh_type)
			continue;
		data = section_data(elf, scn, &sh);
		strscn = elf_getscn(elf, sh.sh_link);
		if (!data || !strscn || !gelf_getshdr(strscn, &strsh) ||
		    strsh.sh_type != SHT_STRTAB)
			continue;
		strdata = section_data(elf, strscn, &strsh);
		entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
		if (!strdata || !entsize)
			continue;
		strs = NULL;
		strsize = strdata->d_size;
		n = data->d_size / entsize;
		for (i = 1; i < n; i++) {
			struct dso_sym s = { 0 };
			unsigned char type;
			GElf_Sym sym;
			GElf_Shdr symsh;
			Elf_Scn *symscn;

			if (!gelf_getsym(data, (int)i, &sym))
				break;
			type = GELF_ST_TYPE(sym.st_info);
			if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE)
				continue;
			if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE ||
			    !sym.st_value || sym.st_name >= strsize)
				continue;
			symscn = elf_getscn(elf, sym.st_shndx);
			if (symscn && gelf_getshdr(symscn, &symsh)) {
				/* Untyped symbols only count as functions when
				 * they have a size and sit in code: assembler
				 * routines without .type, not labels or data. */
				if (type == STT_NOTYPE &&
				    (!sym.st_size || !(symsh.sh_flags & SHF_EXECINSTR)))
					continue;
				if (symsh.sh_addr + symsh.sh_size > symsh.sh_addr)
					s.sec_end = symsh.sh_addr + symsh.sh_size;
			} else if (type == STT_NOTYPE) {
				continue;
			}
			if (!strs) {
				strs = keep_strtab(d, strdata);
				if (!strs)
					return -ENOMEM;
			}
			if (!strs[sym.st_name])
				continue;
			s.start = sym.st_value;
			s.size = sym.st_size;
			s.name = strs + sym.st_name;
			s.type = type;
			s.bind = GELF_ST_BIND(sym.st_info);
			if (add_sym(d, &s))
				return -ENOMEM;
			added++;
		}
	}
	return added;
}

static int bind_rank(unsigned char bind)
{
	switch (bind) {
	case STB_GLOBAL:
	case STB_GNU_UNIQUE:
		return 0;
	case STB_WEAK:
		return 1;
	default:
		return 2;
	}
}

static unsigned int leading_underscores(const char *s)
{
	unsigned int n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* Address order, preferred alias first (see the top of this file). */
static int sym_cmp(const void *a, const void *b)
{
	const struct dso_sym *x = a, *y = b;
	unsigned int ux, uy;
	size_t lx, ly;
	int tx, ty;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	tx = x->type == STT_NOTYPE;
	ty = y->type == STT_NOTYPE;
	if (tx != ty)
		return tx - ty;
	if (bind_rank(x->bind) != bind_rank(y->bind))
		return bind_rank(x->bind) - bind_rank(y->bind);
	ux = leading_underscores(x->name);
	uy = leading_underscores(y->name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	lx = strlen(x->name);
	ly = strlen(y->name);
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void finish_symbols(struct elf_dso *d)
{
	size_t i, j;

	if (!d->nr_syms)
		return;
	qsort(d->syms, d->nr_syms, sizeof(*d->syms), sym_cmp);
	/* One entry per address; a zero-size winner takes the size of a
	 * sized alias (e.g. an asm label aliasing a sized function). */
	for (i = 0, j = 0; i < d->nr_syms; i++) {
		if (j && d->syms[j - 1].start == d->syms[i].start) {
			if (!d->syms[j - 1].size)
				d->syms[j - 1].size = d->syms[i].size;
			continue;
		}
		d->syms[j++] = d->syms[i];
	}
	d->nr_syms = j;
	for (i = 0; i < d->nr_syms; i++) {
		struct dso_sym *s = &d->syms[i];

		if (s->size) {
			s->end = s->start + s->size;
			if (s->end < s->start)
				s->end = ~0ULL;
			continue;
		}
		/* No size: assume it runs to the next symbol, but not out of
		 * its section; the last one without a section covers only
		 * its first byte rather than the rest of the address space. */
		s->end = i + 1 < d->nr_syms ? d->syms[i + 1].start : s->start + 1;
		if (s->sec_end > s->start && s->sec_end < s->end)
			s->end = s->sec_end;
		if (i + 1 == d->nr_syms && s->sec_end > s->start)
			s->end = s->sec_end;
	}
}

static int load_phdrs(struct elf_dso *d, Elf *elf)
{
	size_t i, phnum;

	if (elf_getphdrnum(elf, &phnum))
		return 0;
	if (!phnum)
		return 0;
	d->loads = calloc(phnum, sizeof(*d->loads));
	if (!d->loads)
		return -ENOMEM;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		d->loads[d->nr_loads].offset = ph.p_offset;
		d->loads[d->nr_loads].vaddr = ph.p_vaddr;
		d->loads[d->nr_loads].filesz = ph.p_filesz;
		d->loads[d->nr_loads].memsz = ph.p_memsz;
		d->nr_loads++;
	}
	return 0;
}

int elf_dso__offset_to_vaddr(const struct elf_dso *d, __u64 offset, __u64 *vaddr)
{
	size_t i;

	if (!d)
		return -ENOENT;
	for (i = 0; i < d->nr_loads; i++) {
		const struct dso_load *l = &d->loads[i];

		if (offset >= l->offset && offset - l->offset < l->filesz) {
			*vaddr = offset - l->offset + l->vaddr;
			return 0;
		}
	}
	/* The mapping can extend past p_filesz to the page end (or the
	 * segment's bss): accept anything inside the segment's memory size
	 * as a second choice. */
	for (i = 0; i < d->nr_loads; i++) {
		const struct dso_load *l = &d->loads[i];

		if (offset >= l->offset && offset - l->offset < l->memsz) {
			*vaddr = offset - l->offset + l->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

static bool has_func_symbols(Elf *elf, GElf_Word sh_type)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == sh_type && sh.sh_size &&
		    sh.sh_entsize && sh.sh_size / sh.sh_entsize > 1)
			return true;
	}
	return false;
}

/* CRC32 of a whole open file as in .gnu_debuglink (zlib's crc32). */
static int file_crc32(int fd, __u32 *crc)
{
	unsigned char *buf;
	uLong c = crc32(0L, Z_NULL, 0);
	off_t off = 0;
	ssize_t n;

	buf = malloc(65536);
	if (!buf)
		return -ENOMEM;
	while ((n = pread(fd, buf, 65536, off)) > 0) {
		c = crc32(c, buf, (uInt)n);
		off += n;
	}
	free(buf);
	if (n < 0)
		return -errno;
	*crc = (__u32)c;
	return 0;
}

/* Whether path is the file d was read from (a debuglink naming itself). */
static bool same_file(const struct elf_dso *d, const char *path)
{
	struct stat st;

	return !stat(path, &st) && st.st_dev == d->dev && st.st_ino == d->ino;
}

/* What to do with a debug file candidate that passed the checks: 1 taken,
 * 0 not usable (look further), -ENOMEM. fd stays the caller's. */
typedef int (*debug_take_fn)(struct elf_dso *d, Elf *elf, int fd, const char *path, void *arg);

/* Tries one debug file candidate. Returns take's answer, or 0 when it was
 * absent or unusable. want_crc is checked when has_crc (debuglink); the
 * build id always must match when we know ours. */
static int try_debug_file(struct elf_dso *d, const char *path, bool has_crc, __u32 want_crc,
			  debug_take_fn take, void *arg)
{
	__u8 id[ELF_DSO_BUILD_ID_MAX];
	Elf *elf = NULL;
	int fd, n, ret = 0;

	if (same_file(d, path))
		return 0;
	/* One open for the CRC and the contents: what was checked is what is read. */
	fd = file_open_regular(path);
	if (fd < 0)
		return 0;
	if (has_crc) {
		__u32 crc = 0;

		if (file_crc32(fd, &crc))
			goto cleanup;
		if (crc != want_crc) {
			d->debug_rejected++;
			goto cleanup;
		}
	}
	elf = begin_elf(fd);
	if (!elf)
		goto cleanup;
	n = elf_build_id(elf, id, sizeof(id));
	if (d->build_id_size &&
	    ((unsigned int)n != d->build_id_size || memcmp(id, d->build_id, (size_t)n))) {
		/* A debug file for another build would name every address
		 * wrongly: better no names. */
		d->debug_rejected++;
		goto cleanup;
	}
	ret = take(d, elf, fd, path, arg);
cleanup:
	close_elf(elf, fd);
	return ret;
}

/* The symbolizer's take: the candidate's .symtab. */
static int take_symbols(struct elf_dso *d, Elf *elf, int fd, const char *path, void *arg)
{
	int ret;

	(void)fd;
	(void)arg;
	if (!has_func_symbols(elf, SHT_SYMTAB))
		return 0;
	ret = load_symbols(d, elf, SHT_SYMTAB);
	if (ret < 0)
		return ret;
	d->debug_path = strdup(path);
	return d->debug_path ? 1 : -ENOMEM;
}

/*
 * Looks for the debug file of d (whose ELF is elf): by build id under
 * debug_dir, then by .gnu_debuglink beside path and in .debug/ beside it
 * (when beside), then under debug_dir + the directory of path. Each
 * candidate that passes the checks goes to take; the first it takes ends
 * the search. Returns 0 (taken or not) or -ENOMEM.
 */
static int find_debug_file(struct elf_dso *d, Elf *elf, const char *debug_dir, const char *path,
			   bool beside, debug_take_fn take, void *arg)
{
	char *dir = NULL, *cand = NULL, *hex = NULL, *slash;
	const char *link;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *data;
	size_t len, off;
	__u32 crc;
	unsigned int i;
	int ret = 0;

	if (debug_dir && d->build_id_size) {
		hex = malloc(d->build_id_size * 2 + 1);
		if (!hex)
			return -ENOMEM;
		for (i = 0; i < d->build_id_size; i++)
			sprintf(hex + 2 * i, "%02x", d->build_id[i]);
		if (asprintf(&cand, "%s/.build-id/%.2s/%s.debug", debug_dir, hex, hex + 2) < 0) {
			cand = NULL;
			ret = -ENOMEM;
			goto cleanup;
		}
		ret = try_debug_file(d, cand, false, 0, take, arg);
		free(cand);
		cand = NULL;
		if (ret)
			goto cleanup;
	}

	scn = find_section(elf, ".gnu_debuglink", &sh);
	data = scn ? section_data(elf, scn, &sh) : NULL;
	if (!data)
		goto cleanup;
	/* Name, NUL, padding to 4, then a 4-byte CRC in file byte order. */
	link = data->d_buf;
	len = strnlen(link, data->d_size);
	off = (len + 4) & ~(size_t)3;
	if (!len || len == data->d_size || off + 4 > data->d_size || strchr(link, '/'))
		goto cleanup;
	memcpy(&crc, (const char *)data->d_buf + off, 4);
	{
		/* elf_getdata converts only typed data; a debuglink is bytes. */
		GElf_Ehdr eh;

		if (gelf_getehdr(elf, &eh) && ((eh.e_ident[EI_DATA] == ELFDATA2MSB) !=
					       (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)))
			crc = __builtin_bswap32(crc);
	}

	if (!path)
		goto cleanup;
	dir = strdup(path);
	if (!dir) {
		ret = -ENOMEM;
		goto cleanup;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	{
		/* beside the file, in .debug/ beside it, then under debug_dir */
		const char *subdirs[2] = { "", ".debug/" };

		for (i = 0; i < 3 && !ret; i++) {
			int r;

			if (i < 2 && !beside)
				continue;
			if (i < 2)
				r = asprintf(&cand, "%s%s%s", dir, subdirs[i], link);
			else if (debug_dir && dir[0] == '/')
				r = asprintf(&cand, "%s%s%s", debug_dir, dir, link);
			else
				continue;
			if (r < 0) {
				cand = NULL;
				ret = -ENOMEM;
				goto cleanup;
			}
			ret = try_debug_file(d, cand, true, crc, take, arg);
			free(cand);
			cand = NULL;
		}
	}
cleanup:
	free(cand);
	free(hex);
	free(dir);
	return ret < 0 ? ret : 0;
}

static bool load_machine(struct elf_dso *d, Elf *elf)
{
	GElf_Ehdr eh;

	if (!gelf_getehdr(elf, &eh))
		return false;
	d->machine = eh.e_machine;
	d->elf_class = (unsigned char)gelf_getclass(elf);
	return true;
}

static int load_elf(struct elf_dso *d, Elf *elf, const char *debug_dir)
{
	int ret;

	load_machine(d, elf);
	ret = elf_build_id(elf, d->build_id, sizeof(d->build_id));
	d->build_id_size = ret > 0 ? (unsigned int)ret : 0;
	ret = load_phdrs(d, elf);
	if (ret)
		return ret;
	if (has_func_symbols(elf, SHT_SYMTAB)) {
		ret = load_symbols(d, elf, SHT_SYMTAB);
	} else {
		ret = find_debug_file(d, elf, debug_dir, d->path, true, take_symbols, NULL);
	}
	if (ret < 0)
		return ret;
	/* .dynsym as well: it fills gaps of a partial .symtab and is all a
	 * stripped library has. Duplicates collapse in finish_symbols. */
	ret = load_symbols(d, elf, SHT_DYNSYM);
	if (ret < 0)
		return ret;
	finish_symbols(d);
	return 0;
}

/* An empty elf_dso named name; NULL with errno. */
static struct elf_dso *dso_new(const char *name)
{
	struct elf_dso *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = -1;
	d->path = strdup(name);
	if (!d->path) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

/* The constructors' end: D, or NULL with errno set from ERR (d freed). */
static struct elf_dso *opened(struct elf_dso *d, int err)
{
	if (err) {
		elf_dso__free(d);
		errno = -err;
		return NULL;
	}
	return d;
}

struct elf_dso *elf_dso__open_fd(int fd, const char *name, const char *debug_dir)
{
	struct elf_dso *d;
	struct stat st;
	Elf *elf = NULL;
	int err = 0;

	d = dso_new(name);
	if (!d)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto cleanup;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	elf = begin_elf(fd);
	if (!elf) {
		err = -errno;
		goto cleanup;
	}
	err = load_elf(d, elf, debug_dir);
cleanup:
	elf_end(elf);
	return opened(d, err);
}

struct elf_dso *elf_dso__open(const char *path, const char *debug_dir)
{
	struct elf_dso *d;
	int fd, saved;

	fd = file_open_regular(path);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	d = elf_dso__open_fd(fd, path, debug_dir);
	saved = errno;
	close(fd);
	errno = saved;
	return d;
}

int elf_dso__read_build_id_fd(int fd, __u8 *buf, size_t size)
{
	Elf *elf = begin_elf(fd);
	int n;

	if (!elf)
		return -errno;
	n = elf_build_id(elf, buf, size);
	elf_end(elf);
	return n;
}

/* A dso over a copy of an ELF image in memory: libelf may write to the
 * image (decompression, byte swapping) and the vDSO is mapped read-only.
 * d->elf is the image's, or NULL with *err set (the dso is then only for
 * opened() to free). NULL when out of memory or for bad arguments. */
static struct elf_dso *dso_of_image(const void *image, size_t size, const char *name, int *err)
{
	struct elf_dso *d;

	*err = 0;
	if (!elf_ready() || !image || !size) {
		errno = EINVAL;
		return NULL;
	}
	d = dso_new(name ? name : "[memory]");
	if (!d)
		return NULL;
	d->image = malloc(size);
	if (!d->image) {
		*err = -ENOMEM;
		return d;
	}
	memcpy(d->image, image, size);
	d->image_size = size;
	d->elf = elf_memory(d->image, size);
	if (!d->elf || elf_kind(d->elf) != ELF_K_ELF)
		*err = -EINVAL;
	return d;
}

struct elf_dso *elf_dso__open_mem(const void *image, size_t size, const char *name)
{
	int err;
	struct elf_dso *d = dso_of_image(image, size, name, &err);
	Elf *elf;

	if (!d)
		return NULL;
	/* load_elf keeps what it reads; the image's handle goes */
	elf = d->elf;
	d->elf = NULL;
	if (!err)
		err = load_elf(d, elf, NULL);
	elf_end(elf);
	return opened(d, err);
}

/* What the table readers need of an open d->elf: the machine, the build
 * id (to find debug files and to tell files apart) and the segments. */
static int tables_init(struct elf_dso *d)
{
	int n;

	if (!load_machine(d, d->elf))
		return -EINVAL;
	n = elf_build_id(d->elf, d->build_id, sizeof(d->build_id));
	d->build_id_size = n > 0 ? (unsigned int)n : 0;
	return load_phdrs(d, d->elf);
}

struct elf_dso *elf_dso__open_tables(const char *path)
{
	struct elf_dso *d;
	int err = 0;

	d = dso_new(path);
	if (!d)
		return NULL;
	d->elf = open_elf(path, &d->fd);
	if (!d->elf) {
		err = -errno;
		goto cleanup;
	}
	err = tables_init(d);
cleanup:
	return opened(d, err);
}

/* d's file is a duplicate of fd, which must be a regular file. */
static int tables_from_fd(struct elf_dso *d, int fd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return -EINVAL;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (d->fd < 0)
		return -errno;
	d->elf = begin_elf(d->fd);
	if (!d->elf)
		return -errno;
	return tables_init(d);
}

struct elf_dso *elf_dso__open_tables_fd(int fd, const char *name)
{
	struct elf_dso *d = dso_new(name ? name : "[fd]");

	if (!d)
		return NULL;
	return opened(d, tables_from_fd(d, fd));
}

struct elf_dso *elf_dso__open_tables_mem(const void *image, size_t size, const char *name)
{
	int err;
	struct elf_dso *d = dso_of_image(image, size, name, &err);

	if (!d)
		return NULL;
	if (!err)
		err = tables_init(d);
	return opened(d, err);
}

struct debug_tables {
	const char *want; /* section the debug file must have */
	struct elf_dso *found;
};

/* The table readers' take: the candidate, kept open, if it has the
 * section asked for. */
static int take_tables(struct elf_dso *d, Elf *elf, int fd, const char *path, void *arg)
{
	struct debug_tables *dt = arg;
	struct elf_dso *n;
	GElf_Shdr sh;
	Elf_Scn *scn;
	int err;

	scn = find_section(elf, dt->want, &sh);
	if (!scn || !section_data(elf, scn, &sh))
		return 0;
	n = dso_new(path);
	if (!n)
		return -ENOMEM;
	err = tables_from_fd(n, fd);
	if (err) {
		elf_dso__free(n);
		return err == -ENOMEM ? err : 0;
	}
	free(d->debug_path);
	d->debug_path = strdup(path);
	dt->found = n;
	return 1;
}

struct elf_dso *elf_dso__open_debug_tables(struct elf_dso *d, const char *path,
					   const char *debug_dir, bool beside, const char *section)
{
	struct debug_tables dt = { .want = section };
	int err;

	if (!d || !d->elf || !section) {
		errno = EINVAL;
		return NULL;
	}
	err = find_debug_file(d, d->elf, debug_dir, path, beside, take_tables, &dt);
	if (err) {
		errno = -err;
		return NULL;
	}
	if (!dt.found)
		errno = ENOENT;
	return dt.found;
}

/* s from a section header, its data only when want_data. */
static int fill_section(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, bool want_data,
			struct elf_dso_section *s)
{
	memset(s, 0, sizeof(*s));
	s->name = section_name(elf, sh);
	s->type = sh->sh_type;
	s->flags = sh->sh_flags;
	s->addr = sh->sh_addr;
	s->offset = sh->sh_offset;
	s->size = sh->sh_size;
	if (want_data) {
		Elf_Data *data = section_data(elf, scn, sh);

		if (!data)
			return -ENOENT;
		s->data = data->d_buf;
		/* decompressed, or what libelf could read of a truncated file */
		s->size = data->d_size;
	}
	return 0;
}

int elf_dso__section(const struct elf_dso *d, const char *name, struct elf_dso_section *s)
{
	GElf_Shdr sh;
	Elf_Scn *scn;

	if (!d || !d->elf)
		return -EINVAL;
	scn = find_section(d->elf, name, &sh);
	if (!scn)
		return -ENOENT;
	return fill_section(d->elf, scn, &sh, true, s);
}

int elf_dso__for_each_section(const struct elf_dso *d, elf_dso_section_fn fn, void *arg)
{
	Elf_Scn *scn = NULL;
	int ret;

	if (!d || !d->elf)
		return -EINVAL;
	while ((scn = elf_nextscn(d->elf, scn))) {
		struct elf_dso_section s;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		fill_section(d->elf, scn, &sh, false, &s);
		ret = fn(&s, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void elf_dso__free(struct elf_dso *d)
{
	size_t i;

	if (!d)
		return;
	close_elf(d->elf, d->fd);
	for (i = 0; i < d->nr_strtabs; i++)
		free(d->strtabs[i]);
	free(d->strtabs);
	free(d->syms);
	free(d->loads);
	free(d->image);
	free(d->prologue);
	free(d->debug_path);
	free(d->path);
	free(d);
}

/* Index of the symbol covering vaddr, or -1. */
static long find_sym(const struct elf_dso *d, __u64 vaddr)
{
	size_t lo = 0, hi, i, steps;

	if (!d || !d->nr_syms)
		return -1;
	hi = d->nr_syms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The nearest symbol may end before vaddr while an earlier, larger
	 * one encloses it (nested or overlapping symbols): look back a bit. */
	for (i = lo, steps = 0; i-- > 0 && steps < 8; steps++) {
		if (vaddr < d->syms[i].end)
			return i;
	}
	return -1;
}

const char *elf_dso__lookup(const struct elf_dso *d, __u64 vaddr, __u64 *offset)
{
	long i = find_sym(d, vaddr);

	if (i < 0)
		return NULL;
	if (offset)
		*offset = vaddr - d->syms[i].start;
	return d->syms[i].name;
}

/* The PT_LOAD whose file bytes hold vaddr, NULL if none. */
static const struct dso_load *load_of_vaddr(const struct elf_dso *d, __u64 vaddr)
{
	size_t i;

	for (i = 0; d && i < d->nr_loads; i++) {
		const struct dso_load *l = &d->loads[i];

		if (vaddr >= l->vaddr && vaddr - l->vaddr < l->filesz)
			return l;
	}
	return NULL;
}

int elf_dso__vaddr_to_offset(const struct elf_dso *d, __u64 vaddr, __u64 *offset)
{
	const struct dso_load *l = load_of_vaddr(d, vaddr);

	if (!l)
		return -ENOENT;
	*offset = vaddr - l->vaddr + l->offset;
	return 0;
}

ssize_t elf_dso__read(const struct elf_dso *d, int fd, __u64 vaddr, void *buf, size_t size)
{
	const struct dso_load *l = load_of_vaddr(d, vaddr);
	bool own = false;
	__u64 off;
	ssize_t n;

	if (!l)
		return -ENOENT;
	/* A hostile p_offset may make off wrap: the image check and pread's
	 * own (a negative offset) refuse it. */
	off = vaddr - l->vaddr + l->offset;
	if (size > l->filesz - (vaddr - l->vaddr))
		size = (size_t)(l->filesz - (vaddr - l->vaddr));
	if (d->image) {
		if (off >= d->image_size)
			return -EINVAL;
		if (size > d->image_size - off)
			size = (size_t)(d->image_size - off);
		memcpy(buf, (const char *)d->image + off, size);
		return (ssize_t)size;
	}
	if (fd < 0)
		fd = d->fd;
	if (fd < 0) {
		fd = file_open_regular(d->path);
		if (fd < 0)
			return fd;
		own = true;
	}
	n = pread(fd, buf, size, (off_t)off);
	if (n < 0)
		n = -errno;
	if (own)
		close(fd);
	return n;
}

/* Length of one instruction gcc may place before the frame set-up when it
 * shrink-wraps (an early exit tested before the frame is built): tests,
 * compares, register moves and conditional jumps that touch no stack.
 * 0 for anything else. */
static size_t shrink_wrap_insn(const unsigned char *b, size_t len)
{
	struct x86_insn in;

	if (!x86_insn__decode(&in, b, len))
		return 0;
	if (x86_insn__is_endbr64(&in))
		return in.len;
	if (in.nr_prefixes || in.enc != X86_ENC_LEGACY)
		return 0;
	if (x86_insn__is_jcc(&in))
		return in.rex ? 0 : in.len;
	if (in.map != X86_MAP_ONE_BYTE || !in.has_modrm)
		return 0;
	switch (in.opcode) {
	case 0x85: /* test/cmp/mov/xor between registers */
	case 0x84:
	case 0x39:
	case 0x3b:
	case 0x89:
	case 0x8b:
	case 0x31:
		return x86_insn__mod(&in) == 3 ? in.len : 0;
	case 0x83: /* cmp $imm8, reg */
		return x86_insn__mod(&in) == 3 && x86_insn__reg(&in) == 7 ? in.len : 0;
	case 0x80: /* cmpb $imm8, disp32(%rip) */
		return !in.rex && in.rip_relative && x86_insn__reg(&in) == 7 ? in.len : 0;
	default:
		return 0;
	}
}

/* Where an x86-64 frame-pointer prologue (push %rbp; mov %rsp,%rbp) ends
 * in the len bytes of b, after an optional endbr64 and shrink-wrapped
 * tests; FRAME_NONE if the function has none. */
static short prologue_len(const unsigned char *b, size_t len)
{
	static const unsigned char setup[] = { 0x55, 0x48, 0x89, 0xe5 };
	size_t p = 0, n;

	while (p + sizeof(setup) <= len) {
		if (!memcmp(b + p, setup, sizeof(setup)))
			return (short)(p + sizeof(setup));
		n = shrink_wrap_insn(b + p, len - p);
		if (!n)
			break;
		p += n;
	}
	return FRAME_NONE;
}

int elf_dso__frame_state(struct elf_dso *d, int fd, __u64 vaddr)
{
#if defined(__x86_64__)
	unsigned char code[32];
	long i = find_sym(d, vaddr);
	size_t len;

	if (i < 0)
		return -1;
	if (!d->prologue) {
		d->prologue = calloc(d->nr_syms, sizeof(*d->prologue));
		if (!d->prologue)
			return -1;
	}
	if (!d->prologue[i]) {
		/* a short function may end before 32 bytes */
		len = d->syms[i].end - d->syms[i].start;
		if (len > sizeof(code) || !len)
			len = sizeof(code);
		d->prologue[i] = elf_dso__read(d, fd, d->syms[i].start, code, len) != (ssize_t)len
				     ? FRAME_UNREADABLE
				     : prologue_len(code, len);
	}
	if (d->prologue[i] == FRAME_UNREADABLE)
		return -1;
	/* Frameless, or stopped before its prologue finished. */
	return d->prologue[i] != FRAME_NONE && vaddr - d->syms[i].start >= (__u64)d->prologue[i];
#else
	(void)d;
	(void)fd;
	(void)vaddr;
	return -1;
#endif
}

const __u8 *elf_dso__build_id(const struct elf_dso *d, unsigned int *size)
{
	*size = d ? d->build_id_size : 0;
	return d && d->build_id_size ? d->build_id : NULL;
}

size_t elf_dso__nr_symbols(const struct elf_dso *d)
{
	return d ? d->nr_syms : 0;
}

const char *elf_dso__debug_path(const struct elf_dso *d)
{
	return d ? d->debug_path : NULL;
}

unsigned int elf_dso__debug_rejected(const struct elf_dso *d)
{
	return d ? d->debug_rejected : 0;
}

bool elf_dso__entry(const struct elf_dso *d, __u64 *vaddr)
{
	GElf_Ehdr eh;

	if (!d || !d->elf || !gelf_getehdr(d->elf, &eh) || !eh.e_entry)
		return false;
	*vaddr = eh.e_entry;
	return true;
}

bool elf_dso__is_x86_64(const struct elf_dso *d)
{
	return d && d->machine == EM_X86_64 && d->elf_class == ELFCLASS64;
}

/* The .gnu.version of the symbol table at section index symndx, or NULL. */
static Elf_Data *versym_data(Elf *elf, size_t symndx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym && sh.sh_link == symndx)
			return section_data(elf, scn, &sh);
	}
	return NULL;
}

/* fn on the defined symbols of one table; stops at fn's first -errno. */
static int walk_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, elf_dso_symbol_fn fn, void *arg)
{
	Elf_Data *data = section_data(elf, scn, sh), *ver = NULL;
	size_t i, n, entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);

	if (!data || !entsize)
		return 0;
	if (sh->sh_type == SHT_DYNSYM)
		ver = versym_data(elf, elf_ndxscn(scn));
	n = data->d_size / entsize;
	for (i = 1; i < n; i++) {
		struct elf_dso_symbol s = { 0 };
		GElf_Versym vs;
		GElf_Sym sym;
		int ret;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE || !sym.st_value)
			continue;
		/* libelf checks the offset and the terminating NUL */
		s.name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!s.name || !s.name[0])
			continue;
		s.value = sym.st_value;
		s.size = sym.st_size;
		s.type = GELF_ST_TYPE(sym.st_info);
		s.bind = GELF_ST_BIND(sym.st_info);
		s.dynamic = sh->sh_type == SHT_DYNSYM;
		s.hidden = ver && gelf_getversym(ver, (int)i, &vs) && (vs & VERSYM_HIDDEN);
		ret = fn(&s, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int elf_dso__for_each_symbol(const struct elf_dso *d, elf_dso_symbol_fn fn, void *arg)
{
	Elf_Scn *scn = NULL;
	int tables = 0, ret;

	if (!d || !d->elf)
		return -EINVAL;
	while ((scn = elf_nextscn(d->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		tables++;
		ret = walk_symtab(d->elf, scn, &sh, fn, arg);
		if (ret < 0)
			return ret;
	}
	return tables;
}

/* fn on the entries of one SHT_RELA section; stops at fn's first -errno. */
static int walk_rela(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, elf_dso_rela_fn fn, void *arg)
{
	Elf_Data *data, *symdata;
	Elf_Scn *symscn;
	GElf_Shdr symsh;
	size_t i, n;

	if (!sh->sh_entsize)
		return 0;
	symscn = elf_getscn(elf, sh->sh_link);
	if (!symscn || !gelf_getshdr(symscn, &symsh))
		return 0;
	data = section_data(elf, scn, sh);
	symdata = section_data(elf, symscn, &symsh);
	if (!data || !symdata)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		struct elf_dso_rela r = { 0 };
		GElf_Rela rela;
		GElf_Sym sym;
		int ret;

		/* libelf checks i against the data it has, whatever sh_size says */
		if (!gelf_getrela(data, (int)i, &rela))
			break;
		r.offset = rela.r_offset;
		r.type = (unsigned int)GELF_R_TYPE(rela.r_info);
		if (gelf_getsym(symdata, (int)GELF_R_SYM(rela.r_info), &sym)) {
			r.name = elf_strptr(elf, symsh.sh_link, sym.st_name);
			if (r.name && !r.name[0])
				r.name = NULL;
		}
		ret = fn(&r, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int elf_dso__for_each_rela(const struct elf_dso *d, elf_dso_rela_fn fn, void *arg)
{
	Elf_Scn *scn = NULL;
	int ret;

	if (!d || !d->elf)
		return -EINVAL;
	while ((scn = elf_nextscn(d->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		ret = walk_rela(d->elf, scn, &sh, fn, arg);
		if (ret < 0)
			return ret;
	}
	return 0;
}
