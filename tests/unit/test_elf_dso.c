// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for elf_dso. Fixtures are compiled at run time (gcc, objcopy,
 * strip) in a temporary directory; answers are checked against nm output
 * and program headers read independently with libelf.
 */
#include <stdarg.h>
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
#include <sys/auxv.h>
#include <link.h>
#include <cmocka.h>

#include "elf_dso.h"

static char *dir;            /* fixture directory */
static unsigned long checks; /* assertions on symbolizer answers */

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

static void run(const char *fmt, ...)
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

static char *fpath(const char *fmt, ...)
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

/* Build id as hex, read with readelf (independent of elf_dso). */
static char *build_id_hex(const char *file)
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
			hex[strcspn(hex, "\n ")] = '\0';
		}
	}
	pclose(f);
	free(line);
	free(cmd);
	assert_non_null(hex);
	return hex;
}

static void install_build_id_debug(const char *debug_dir, const char *binary, const char *debug)
{
	char *hex = build_id_hex(binary);

	run("mkdir -p %s/.build-id/%.2s && cp %s %s/.build-id/%.2s/%s.debug", debug_dir, hex, debug,
	    debug_dir, hex, hex + 2);
	free(hex);
}

static int group_setup(void **state)
{
	char tmpl[] = "/tmp/ember-elf-XXXXXX";
	const char *cc = "gcc -g -O1 -fno-inline -Wl,--build-id";
	FILE *f;
	char *src;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	dir = strdup(tmpl);
	src = fpath("src.c");
	f = fopen(src, "w");
	assert_non_null(f);
	fputs(fixture_src, f);
	fclose(f);
	run("cd %s && %s -fPIE -pie -o pie src.c", dir, cc);
	run("cd %s && %s -fno-PIE -no-pie -o nopie src.c", dir, cc);
	run("cd %s && %s -shared -fPIC -DLIB -o lib.so src.c", dir, cc);
	run("cd %s && %s -fPIE -pie -DVARIANT -o pie_v2 src.c", dir, cc);
	run("cd %s && %s -gz -fPIE -pie -o pie_gz src.c", dir, cc);
	run("cd %s && objcopy --only-keep-debug pie pie.debug && "
	    "objcopy --only-keep-debug pie_v2 pie_v2.debug && "
	    "objcopy --only-keep-debug pie_gz pie_gz.debug && strip -o pie.stripped pie && "
	    "strip -o pie_gz.stripped pie_gz", dir);
	/* debuglink, debug file next to the binary */
	run("cd %s && mkdir dl && cp pie.debug dl/ && strip -o dl/pie pie && "
	    "objcopy --add-gnu-debuglink=dl/pie.debug dl/pie", dir);
	/* debuglink, debug file in .debug/ */
	run("cd %s && mkdir -p dl2/.debug && cp pie.debug dl2/.debug/ && strip -o dl2/pie pie && "
	    "objcopy --add-gnu-debuglink=dl2/.debug/pie.debug dl2/pie", dir);
	/* debuglink, debug file in <debug_dir>/<dir>/ */
	run("cd %s && mkdir -p dl3 dbg3%s/dl3 && cp pie.debug dbg3%s/dl3/ && strip -o dl3/pie pie && "
	    "objcopy --add-gnu-debuglink=dbg3%s/dl3/pie.debug dl3/pie", dir, dir, dir, dir);
	/* debuglink to a debug file of another build: CRC right, build id wrong */
	run("cd %s && mkdir wl && cp pie_v2.debug wl/pie.debug && strip -o wl/pie pie && "
	    "objcopy --add-gnu-debuglink=wl/pie.debug wl/pie", dir);
	/* debuglink whose target changed afterwards: CRC wrong */
	run("cd %s && mkdir wc && cp pie.debug wc/pie.debug && strip -o wc/pie pie && "
	    "objcopy --add-gnu-debuglink=wc/pie.debug wc/pie && printf x >> wc/pie.debug", dir);
	/* .build-id dirs: right, wrong, compressed (zlib, zlib-gnu, gcc -gz) */
	run("cd %s && objcopy --compress-debug-sections=zlib pie.debug pie.zdebug && "
	    "objcopy --compress-debug-sections=zlib-gnu pie.debug pie.gnudebug", dir);
	{
		char *pie = fpath("pie"), *gz = fpath("pie_gz");
		const char *pairs[][2] = {
			{ "dbg", "pie.debug" },		{ "dbgwrong", "pie_v2.debug" },
			{ "dbgz", "pie.zdebug" },	{ "dbggnu", "pie.gnudebug" },
		};
		size_t i;

		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			char *dd = fpath("%s", pairs[i][0]), *df = fpath("%s", pairs[i][1]);

			install_build_id_debug(dd, pie, df);
			free(dd);
			free(df);
		}
		{
			char *dd = fpath("dbggz"), *df = fpath("pie_gz.debug");

			install_build_id_debug(dd, gz, df);
			free(dd);
			free(df);
		}
		free(pie);
		free(gz);
	}
	free(src);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (dir && !getenv("EMBER_KEEP_FIXTURES"))
		run("rm -rf %s", dir);
	free(dir);
	print_message("elf_dso: %lu symbol checks\n", checks);
	return 0;
}

struct nm_sym {
	__u64 addr;
	__u64 size;
	char type;
	char *name;
};

struct nm_syms {
	struct nm_sym *v;
	size_t n;
};

static void nm_load(const char *file, struct nm_syms *out)
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

static void nm_free(struct nm_syms *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
}

static bool is_func_type(char t)
{
	return t == 'T' || t == 't' || t == 'W' || t == 'w';
}

static const struct nm_sym *nm_find(const struct nm_syms *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	}
	return NULL;
}

/* Is name one of the function symbols nm lists at addr? */
static bool nm_alias(const struct nm_syms *s, __u64 addr, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].addr == addr && is_func_type(s->v[i].type) && !strcmp(s->v[i].name, name))
			return true;
	}
	return false;
}

static bool nm_covered(const struct nm_syms *s, __u64 addr)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (is_func_type(s->v[i].type) &&
		    (s->v[i].addr == addr || (addr > s->v[i].addr && addr < s->v[i].addr + s->v[i].size)))
			return true;
	}
	return false;
}

static void expect_sym(const struct elf_dso *d, const struct nm_syms *nm, __u64 start, __u64 addr)
{
	const char *name;
	__u64 off = ~0ULL;

	name = elf_dso__lookup(d, addr, &off);
	if (!name)
		fail_msg("0x%llx: no symbol, expected one at 0x%llx", (unsigned long long)addr,
			 (unsigned long long)start);
	if (!nm_alias(nm, start, name))
		fail_msg("0x%llx: got %s, not a symbol at 0x%llx", (unsigned long long)addr, name,
			 (unsigned long long)start);
	assert_int_equal(off, addr - start);
	checks++;
}

/* Every sized function nm lists: first, middle and last byte name it, the
 * first byte past it does not (unless another function starts there).
 * Returns the number of functions checked. */
static size_t check_all(const struct elf_dso *d, const struct nm_syms *nm)
{
	size_t i, n = 0;

	for (i = 0; i < nm->n; i++) {
		const struct nm_sym *e = &nm->v[i];
		const char *name;
		__u64 end;

		if (!is_func_type(e->type) || !e->size)
			continue;
		expect_sym(d, nm, e->addr, e->addr);
		expect_sym(d, nm, e->addr, e->addr + e->size / 2);
		expect_sym(d, nm, e->addr, e->addr + e->size - 1);
		end = e->addr + e->size;
		if (!nm_covered(nm, end)) {
			name = elf_dso__lookup(d, end, NULL);
			if (name && nm_alias(nm, e->addr, name))
				fail_msg("0x%llx past the end of %s still named %s",
					 (unsigned long long)end, e->name, name);
			checks++;
		}
		n++;
	}
	return n;
}

/* vaddr -> file offset from the PT_LOAD headers, read here with libelf
 * independently of elf_dso. */
static bool vaddr_to_offset(const char *file, __u64 vaddr, __u64 *off)
{
	size_t i, phnum;
	bool found = false;
	Elf *elf;
	int fd;

	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getphdrnum(elf, &phnum), 0);
	for (i = 0; i < phnum && !found; i++) {
		GElf_Phdr ph;

		assert_non_null(gelf_getphdr(elf, (int)i, &ph));
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			found = true;
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* Offsets of functions and initialised data (the RW segment, where vaddr
 * and offset differ even in PIEs) translate back to their vaddr. */
static void check_offsets(const struct elf_dso *d, const struct nm_syms *nm, const char *file)
{
	size_t i, n = 0, shifted = 0;

	for (i = 0; i < nm->n; i++) {
		const struct nm_sym *e = &nm->v[i];
		__u64 off, vaddr = 0;
		const char *name;

		if (!is_func_type(e->type) && e->type != 'D' && e->type != 'd')
			continue;
		if (!vaddr_to_offset(file, e->addr, &off))
			continue;
		assert_int_equal(elf_dso__offset_to_vaddr(d, off, &vaddr), 0);
		assert_int_equal(vaddr, e->addr);
		shifted += off != vaddr;
		checks++;
		n++;
		if (is_func_type(e->type) && e->size) {
			name = elf_dso__lookup(d, vaddr, NULL);
			assert_non_null(name);
			assert_true(nm_alias(nm, e->addr, name));
		}
	}
	assert_true(n >= 6);
	assert_true(shifted >= 1);
}

static void expect_fixture_funcs(const struct nm_syms *nm)
{
	static const char *const names[] = { "func_small", "func_medium", "func_large",
					     "static_func", "weak_func" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct nm_sym *e = nm_find(nm, names[i]);

		assert_non_null(e);
		assert_true(e->size > 0);
	}
	assert_int_equal(nm_find(nm, "static_func")->type, 't');
	assert_int_equal(nm_find(nm, "weak_func")->type, 'W');
}

static void check_file(const char *name, const char *nm_of, const char *debug_dir,
		       bool expect_debug)
{
	char *file = fpath("%s", name), *nmf = fpath("%s", nm_of);
	struct nm_syms nm;
	struct elf_dso *d;

	nm_load(nmf, &nm);
	expect_fixture_funcs(&nm);
	d = elf_dso__open(file, debug_dir);
	assert_non_null(d);
	assert_true(check_all(d, &nm) >= 5);
	check_offsets(d, &nm, nmf);
	if (expect_debug)
		assert_non_null(elf_dso__debug_path(d));
	else
		assert_null(elf_dso__debug_path(d));
	assert_int_equal(elf_dso__debug_rejected(d), 0);
	elf_dso__free(d);
	nm_free(&nm);
	free(file);
	free(nmf);
}

static void test_pie(void **state)
{
	(void)state;
	check_file("pie", "pie", NULL, false);
}

static void test_nopie(void **state)
{
	struct nm_syms nm;
	char *f = fpath("nopie");

	(void)state;
	check_file("nopie", "nopie", NULL, false);
	/* ET_EXEC: symbols at absolute addresses far from file offsets. */
	nm_load(f, &nm);
	assert_true(nm_find(&nm, "func_small")->addr >= 0x400000);
	nm_free(&nm);
	free(f);
}

static void test_shared_lib(void **state)
{
	(void)state;
	check_file("lib.so", "lib.so", NULL, false);
}

static void test_build_id(void **state)
{
	char *f = fpath("pie");
	char *hex = build_id_hex(f);
	const __u8 *id;
	unsigned int size, i;
	char got[2 * ELF_DSO_BUILD_ID_MAX + 1];
	struct elf_dso *d;
	__u8 buf[ELF_DSO_BUILD_ID_MAX];

	(void)state;
	d = elf_dso__open(f, NULL);
	assert_non_null(d);
	id = elf_dso__build_id(d, &size);
	assert_non_null(id);
	assert_int_equal(size, 20);
	for (i = 0; i < size; i++)
		sprintf(got + 2 * i, "%02x", id[i]);
	assert_string_equal(got, hex);
	assert_int_equal(elf_dso__read_build_id(f, buf, sizeof(buf)), 20);
	assert_memory_equal(buf, id, 20);
	assert_true(elf_dso__read_build_id("/nonexistent", buf, sizeof(buf)) < 0);
	elf_dso__free(d);
	free(hex);
	free(f);
}

static void test_stripped_without_debug(void **state)
{
	char *f = fpath("pie.stripped"), *nmf = fpath("pie");
	struct nm_syms nm;
	struct elf_dso *d;

	(void)state;
	nm_load(nmf, &nm);
	d = elf_dso__open(f, NULL);
	assert_non_null(d);
	/* Only .dynsym left: the static function is gone. */
	assert_null(elf_dso__lookup(d, nm_find(&nm, "static_func")->addr, NULL));
	assert_null(elf_dso__debug_path(d));
	checks++;
	elf_dso__free(d);
	nm_free(&nm);
	free(nmf);
	free(f);
}

static void test_debuglink(void **state)
{
	char *dbg3 = fpath("dbg3"), *empty = fpath("nonexistent-debug-dir");

	(void)state;
	check_file("dl/pie", "pie", empty, true);
	check_file("dl2/pie", "pie", empty, true);
	check_file("dl3/pie", "pie", dbg3, true);
	free(dbg3);
	free(empty);
}

static void expect_rejected(const char *name, const char *debug_dir)
{
	char *f = fpath("%s", name), *nmf = fpath("pie");
	struct nm_syms nm;
	struct elf_dso *d;

	nm_load(nmf, &nm);
	d = elf_dso__open(f, debug_dir);
	assert_non_null(d);
	assert_null(elf_dso__debug_path(d));
	assert_int_equal(elf_dso__debug_rejected(d), 1);
	assert_null(elf_dso__lookup(d, nm_find(&nm, "static_func")->addr, NULL));
	assert_null(elf_dso__lookup(d, nm_find(&nm, "func_large")->addr, NULL));
	checks += 2;
	elf_dso__free(d);
	nm_free(&nm);
	free(nmf);
	free(f);
}

static void test_debug_rejected(void **state)
{
	char *wrong = fpath("dbgwrong");

	(void)state;
	expect_rejected("pie.stripped", wrong); /* .build-id file of another build */
	expect_rejected("wl/pie", NULL);        /* debuglink, build id differs */
	expect_rejected("wc/pie", NULL);        /* debuglink, CRC differs */
	free(wrong);
}

static void test_build_id_dir(void **state)
{
	char *dbg = fpath("dbg");

	(void)state;
	check_file("pie.stripped", "pie", dbg, true);
	free(dbg);
}

static unsigned int count_compressed(const char *file, bool gnu)
{
	unsigned int n = 0;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd;

	fd = open(file, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		assert_non_null(gelf_getshdr(scn, &sh));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (gnu ? (name && !strncmp(name, ".zdebug", 7)) : !!(sh.sh_flags & SHF_COMPRESSED))
			n++;
	}
	elf_end(elf);
	close(fd);
	return n;
}

static void test_compressed(void **state)
{
	char *dbgz = fpath("dbgz"), *dbggnu = fpath("dbggnu"), *dbggz = fpath("dbggz");
	char *zf = fpath("pie.zdebug"), *gf = fpath("pie.gnudebug"), *gzf = fpath("pie_gz");

	(void)state;
	/* The fixtures really are compressed. */
	assert_true(count_compressed(zf, false) >= 2);
	assert_true(count_compressed(gf, true) >= 2);
	assert_true(count_compressed(gzf, false) >= 2);
	check_file("pie.stripped", "pie", dbgz, true);
	check_file("pie.stripped", "pie", dbggnu, true);
	check_file("pie_gz", "pie_gz", NULL, false);
	check_file("pie_gz.stripped", "pie_gz", dbggz, true);
	free(dbgz);
	free(dbggnu);
	free(dbggz);
	free(zf);
	free(gf);
	free(gzf);
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void test_memory(void **state)
{
	char *f = fpath("pie");
	struct nm_syms nm;
	struct elf_dso *d;
	size_t size;
	void *buf;

	(void)state;
	nm_load(f, &nm);
	buf = read_file(f, &size);
	d = elf_dso__open_mem(buf, size, "pie-in-memory");
	assert_non_null(d);
	free(buf); /* elf_dso keeps its own copy */
	assert_true(check_all(d, &nm) >= 5);
	elf_dso__free(d);
	nm_free(&nm);
	free(f);
	assert_null(elf_dso__open_mem("not an elf", 10, "x"));
}

static void test_vdso(void **state)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	size_t size, i, found = 0;
	struct elf_dso *d;
	Elf_Scn *scn = NULL;
	Elf *elf;

	(void)state;
	if (!eh)
		skip();
	size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	d = elf_dso__open_mem(eh, size, "[vdso]");
	assert_non_null(d);
	/* Cross-check every function in the vDSO's .dynsym. */
	elf = elf_memory((char *)eh, size);
	assert_non_null(elf);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 1; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			__u64 off;

			assert_non_null(gelf_getsym(data, (int)i, &sym));
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size)
				continue;
			name = elf_dso__lookup(d, sym.st_value + sym.st_size - 1, &off);
			assert_non_null(name);
			/* clock_gettime and __vdso_clock_gettime are aliases. */
			assert_non_null(strstr(elf_strptr(elf, sh.sh_link, sym.st_name), name) ?
						name : strstr(name, elf_strptr(elf, sh.sh_link, sym.st_name)));
			assert_int_equal(off, sym.st_size - 1);
			found++;
			checks++;
		}
	}
	elf_end(elf);
	assert_true(found >= 2);
	elf_dso__free(d);
}

/* Truncated and bit-flipped files must fail cleanly or load; never crash
 * (run under ASan/UBSan). */
static void test_corrupt(void **state)
{
	char *f = fpath("pie"), *g = fpath("corrupt");
	size_t size, len, i, opened = 0;
	unsigned char *orig;
	unsigned int seed = 12345;
	struct nm_syms nm;
	__u64 small;

	(void)state;
	nm_load(f, &nm);
	small = nm_find(&nm, "func_small")->addr;
	nm_free(&nm);
	orig = read_file(f, &size);
	for (len = 0; len < size; len += len < 4096 ? 61 : 499) {
		FILE *o = fopen(g, "wb");
		struct elf_dso *d;

		assert_non_null(o);
		assert_int_equal(fwrite(orig, 1, len, o), len);
		fclose(o);
		d = elf_dso__open(g, NULL);
		if (d) {
			const char *name = elf_dso__lookup(d, small + 1, NULL);

			/* Whatever survives of the file may name it, but right. */
			if (name)
				assert_string_equal(name, "func_small");
			opened++;
		}
		elf_dso__free(d);
	}
	for (i = 0; i < 400; i++) {
		unsigned char *m = malloc(size);
		struct elf_dso *d;
		unsigned int k;
		__u64 v;

		assert_non_null(m);
		memcpy(m, orig, size);
		/* Flip bytes mostly in the ELF, program and section headers,
		 * which is where lengths and offsets live. */
		for (k = 0; k < 8; k++) {
			size_t pos = rand_r(&seed) % 3 ? (size_t)rand_r(&seed) % 64 :
							  (size_t)rand_r(&seed) % size;

			if (rand_r(&seed) % 2)
				pos = size - 1 - (size_t)rand_r(&seed) % (size < 2048 ? size : 2048);
			m[pos] ^= (unsigned char)(1 + rand_r(&seed) % 255);
		}
		d = elf_dso__open_mem(m, size, "fuzz");
		if (d) {
			elf_dso__lookup(d, 0x1139, NULL);
			elf_dso__offset_to_vaddr(d, 0x1139, &v);
		}
		elf_dso__free(d);
		free(m);
	}
	assert_true(opened > 0);
	/* Not ELF, not regular. */
	assert_null(elf_dso__open("/dev/null", NULL));
	assert_null(elf_dso__open("/proc/self", NULL));
	elf_dso__free(NULL);
	unlink(g);
	free(orig);
	free(f);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_nopie),
		cmocka_unit_test(test_shared_lib),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_stripped_without_debug),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_debug_rejected),
		cmocka_unit_test(test_build_id_dir),
		cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_corrupt),
	};

	elf_version(EV_CURRENT);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
