/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fixtures shared by the unit tests that read ELF files (test_elf_dso,
 * test_symbolizer): a temporary directory holding a C source that the tests
 * compile at run time, shell commands, and readers independent of the code
 * under test (nm, libelf program headers, readelf build ids, the vDSO's
 * .dynsym) to check its answers against.
 *
 * Header-only: each test binary is built from a single .c file. Functions
 * are static inline so that a test not using one of them does not warn.
 * Failures go through cmocka's assertions and end the running test.
 */
#ifndef EMBER_TESTS_ELF_FIXTURES_H
#define EMBER_TESTS_ELF_FIXTURES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <sys/auxv.h>
#include <linux/types.h>
#include <cmocka.h>

/* How the fixtures are compiled: no inlining, so every function of the
 * source is a symbol of its own, and a build id. */
#define FIXTURE_CC "gcc -g -O1 -fno-inline -Wl,--build-id"

/* ---- the fixture directory ---- */

/* Runs a shell command; the test fails if it does not exit 0. */
__attribute__((format(printf, 1, 2))) static inline void run(const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	assert_true(n > 0);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
	free(cmd);
}

/* dir/<formatted name>, malloc'd. */
__attribute__((format(printf, 2, 3))) static inline char *fpath(const char *dir,
								   const char *fmt, ...)
{
	char *rel, *p;
	va_list ap;

	va_start(ap, fmt);
	assert_true(vasprintf(&rel, fmt, ap) > 0);
	va_end(ap);
	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	free(rel);
	return p;
}

static inline void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * Creates a directory from the mkdtemp() template tmpl and writes the fixture
 * source to src.c in it. Built with -DLIB it has no main() (a shared
 * library); with -DVARIANT one more function, so that its build differs.
 * Returns the directory, malloc'd; fixture_dir_free() removes it.
 */
static inline char *fixture_dir_new(const char *tmpl)
{
	static const char fixture_src[] =
		"#include <stdlib.h>\n"
		"volatile int sink;\n"
		"int data_var = 42;\n"
		"__attribute__((noinline)) int func_small(int x) { return x + 1; }\n"
		"__attribute__((noinline)) int func_medium(int x)\n"
		"{ int s = 0; for (int i = 0; i < x; i++) s += i * func_small(i); return s; }\n"
		"__attribute__((noinline)) static int static_func(int x)\n"
		"{ for (int i = 0; i < x; i++) sink += i * 7 + x; return sink; }\n"
		"__attribute__((noinline, weak)) int weak_func(int x) { sink = x; return x * 3; }\n"
		"__attribute__((noinline)) int func_large(int x)\n"
		"{\n"
		"	switch (x) {\n"
		"	case 0: sink = 11; break; case 1: sink = 13; break; case 2: sink = x * 17; break;\n"
		"	case 3: sink = x ^ 19; break; case 4: sink = x + 23; break; case 5: sink = 29; break;\n"
		"	default: for (int i = 0; i < x; i++) sink += i * i + 31; break;\n"
		"	}\n"
		"	return sink + static_func(x);\n"
		"}\n"
		"#ifdef VARIANT\n"
		"__attribute__((noinline)) int variant_only(int x) { return x * 5 + sink; }\n"
		"#endif\n"
		"#ifndef LIB\n"
		"int main(int argc, char **argv)\n"
		"{ (void)argv; return func_medium(argc) + weak_func(argc) + func_large(argc) + data_var; }\n"
		"#endif\n";
	char *dir = strdup(tmpl), *src;

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	src = fpath(dir, "src.c");
	write_text(src, fixture_src);
	free(src);
	return dir;
}

/* Removes dir (kept if EMBER_KEEP_FIXTURES is set) and frees the string. */
static inline void fixture_dir_free(char *dir)
{
	if (dir && !getenv("EMBER_KEEP_FIXTURES"))
		run("rm -rf %s", dir);
	free(dir);
}

/* ---- nm ---- */

struct nm_sym {
	__u64 addr;
	__u64 size; /* 0 if nm gives none */
	char type;
	char *name;
};

struct nm_syms {
	struct nm_sym *v;
	size_t n;
};

/* The defined symbols of file, as `nm -S --defined-only` lists them. */
static inline void nm_load(const char *file, struct nm_syms *out)
{
	char *cmd, *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	assert_true(asprintf(&cmd, "nm -S --defined-only %s", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long a, s;
		char t, name[512];
		struct nm_sym e = { 0 };

		if (sscanf(line, "%llx %llx %c %511s", &a, &s, &t, name) == 4) {
			e.size = s;
		} else if (sscanf(line, "%llx %c %511s", &a, &t, name) != 3) {
			continue;
		}
		e.addr = a;
		e.type = t;
		e.name = strdup(name);
		assert_non_null(e.name);
		if (out->n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			out->v = realloc(out->v, alloc * sizeof(*out->v));
			assert_non_null(out->v);
		}
		out->v[out->n++] = e;
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
	assert_true(out->n > 0);
}

static inline void nm_free(struct nm_syms *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
}

static inline bool is_func_type(char t)
{
	return t == 'T' || t == 't' || t == 'W' || t == 'w';
}

static inline const struct nm_sym *nm_find(const struct nm_syms *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	}
	return NULL;
}

/* Is name one of the function symbols nm lists at addr? */
static inline bool nm_alias(const struct nm_syms *s, __u64 addr, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].addr == addr && is_func_type(s->v[i].type) && !strcmp(s->v[i].name, name))
			return true;
	}
	return false;
}

/* ---- libelf, readelf ---- */

/* file opened with libelf; elf_close_file() closes both. */
static inline Elf *elf_open_file(const char *file, int *fd)
{
	Elf *elf;

	*fd = open(file, O_RDONLY);
	assert_true(*fd >= 0);
	elf = elf_begin(*fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	return elf;
}

static inline void elf_close_file(Elf *elf, int fd)
{
	elf_end(elf);
	close(fd);
}

/* All program headers of file; *out is malloc'd. Returns their number. */
static inline size_t elf_phdrs(const char *file, GElf_Phdr **out)
{
	size_t i, phnum;
	int fd;
	Elf *elf = elf_open_file(file, &fd);

	assert_int_equal(elf_getphdrnum(elf, &phnum), 0);
	*out = calloc(phnum ? phnum : 1, sizeof(**out));
	assert_non_null(*out);
	for (i = 0; i < phnum; i++)
		assert_non_null(gelf_getphdr(elf, (int)i, &(*out)[i]));
	elf_close_file(elf, fd);
	return phnum;
}

/* Build id of file as hex, malloc'd, as readelf -n prints it. */
static inline char *build_id_hex(const char *file)
{
	char *cmd, *line = NULL, *hex = NULL;
	size_t cap = 0;
	FILE *f;

	assert_true(asprintf(&cmd, "readelf -n %s", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char *p = strstr(line, "Build ID: ");

		if (p && !hex) {
			hex = strdup(p + 10);
			assert_non_null(hex);
			hex[strcspn(hex, "\n ")] = '\0';
		}
	}
	pclose(f);
	free(line);
	free(cmd);
	assert_non_null(hex);
	return hex;
}

/* ---- the vDSO ---- */

/* The vDSO mapped into this process opened with elf_memory(); *eh is its
 * ELF header and *size its size up to the end of its section headers.
 * NULL (and *eh NULL, *size 0) if there is none. */
static inline Elf *vdso_elf(const ElfW(Ehdr) **eh, size_t *size)
{
	const ElfW(Ehdr) *h = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	Elf *elf;

	*eh = h;
	*size = 0;
	if (!h)
		return NULL;
	*size = h->e_shoff + (size_t)h->e_shnum * h->e_shentsize;
	elf = elf_memory((char *)h, *size);
	assert_non_null(elf);
	return elf;
}

struct dynsym {
	GElf_Sym sym;
	const char *name; /* in elf's string table: valid until elf_end() */
};

/* The symbols of elf's .dynsym, but the null one at index 0; *out is
 * malloc'd. Returns their number. */
static inline size_t elf_dynsyms(Elf *elf, struct dynsym **out)
{
	size_t i, n = 0, alloc = 0;
	Elf_Scn *scn = NULL;

	*out = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
			struct dynsym *e;

			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				*out = realloc(*out, alloc * sizeof(**out));
				assert_non_null(*out);
			}
			e = &(*out)[n++];
			assert_non_null(gelf_getsym(data, (int)i, &e->sym));
			e->name = elf_strptr(elf, sh.sh_link, e->sym.st_name);
			assert_non_null(e->name);
		}
	}
	return n;
}

#endif /* EMBER_TESTS_ELF_FIXTURES_H */
