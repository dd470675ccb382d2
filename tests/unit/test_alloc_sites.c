// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for alloc_sites. The instruction classifier is checked on
 * hand-made bytes; the symbol side on allocators compiled at run time and
 * on the system's libc, against nm (addresses), readelf -lW (file offsets)
 * and objdump (which instruction sits where), all independent of the code
 * under test.
 */
#include "elf_fixtures.h"
#include <errno.h>
#include <sys/stat.h>
#include "collect/alloc_sites.h"

#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"

static char *dir;	     /* fixture directory */
static bool have_static;     /* gcc -static works (libc.a installed) */
static unsigned long checks; /* site checks against nm/readelf/objdump */

/* ---- fixtures ---- */

/* A bump allocator with the standard names; memalign and aligned_alloc
 * are one function, reallocarray wraps realloc (through the PLT in a
 * shared object: glibc's does the same). */
static const char std_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 20];\n"
    "static size_t used;\n"
    "void *volatile sink;\n"
    "void *malloc(size_t n) { void *p = heap + used; used += (n + 15) & ~(size_t)15; "
    "return p; }\n"
    "void free(void *p) { if (!p) return; sink = p; }\n"
    "void *calloc(size_t a, size_t b) { char *p = malloc(a * b); "
    "for (size_t i = 0; i < a * b; i++) p[i] = 0; return p; }\n"
    "void *realloc(void *p, size_t n) { char *q = malloc(n); if (p) q[0] = *(char *)p; "
    "return q; }\n"
    "void *memalign(size_t a, size_t n) { used = (used + a - 1) & ~(a - 1); "
    "return malloc(n); }\n"
    "void *aligned_alloc(size_t a, size_t n) __attribute__((alias(\"memalign\")));\n"
    "void *reallocarray(void *p, size_t a, size_t b) { return realloc(p, a * b); }\n"
    "int not_an_allocator(int x) { return x + 1; }\n"
    "#ifdef MAIN\n"
    "int main(int argc, char **argv) { (void)argv; free(malloc((size_t)argc)); return 0; }\n"
    "#endif\n";

/* reallocarray with its own body: not a wrapper, kept. */
static const char own_ra_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 16];\n"
    "static size_t used;\n"
    "void *malloc(size_t n) { void *p = heap + used; used += n; return p; }\n"
    "void *reallocarray(void *p, size_t a, size_t b) { (void)p; void *q = heap + used; "
    "used += a * b; return q; }\n";

static const char je_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 16];\n"
    "static size_t used;\n"
    "void *volatile sink;\n"
    "void *je_malloc(size_t n) { void *p = heap + used; used += n; return p; }\n"
    "void *je_calloc(size_t a, size_t b) { void *p = heap + used; used += a * b; return p; }\n"
    "void je_free(void *p) { sink = p; }\n"
    "void *mallocx(size_t n, int flags) { void *p = heap + used; used += n + (size_t)flags; "
    "return p; }\n"
    "void *rallocx(void *o, size_t n, int flags) { sink = o; void *p = heap + used; "
    "used += n + (size_t)flags; return p; }\n"
    "void sdallocx(void *p, size_t n, int flags) { sink = p; used -= n * (size_t)flags; }\n"
    "size_t xallocx(void *p, size_t n, size_t e, int f) { sink = p; return n + e + (size_t)f; "
    "}\n";

/* C++ operators. With -DALLOC the file is an allocator: malloc of its own,
 * new and delete that do not call it (kept), new[] and delete[] that call
 * new and free (wrappers, left out). */
static const char cxx_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 16];\n"
    "static size_t used;\n"
    "void *volatile sink;\n"
    "void *_Znwm(size_t n) { void *p = heap + used; used += n + 1; return p; }\n"
    "void _ZdlPv(void *p) { sink = p; used--; }\n"
    "#ifdef ALLOC\n"
    "void *malloc(size_t n) { void *p = heap + used; used += n; return p; }\n"
    "void free(void *p) { if (!p) return; sink = p; }\n"
    "void *_Znam(size_t n) { return _Znwm(n); }\n"
    "void _ZdaPv(void *p) { free(p); }\n"
    "#endif\n"
    "#ifdef MAIN\n"
    "int main(int argc, char **argv) { (void)argv; _ZdaPv(_Znam((size_t)argc)); "
    "_ZdlPv(_Znwm(1)); return 0; }\n"
    "#endif\n";

static const char none_src[] = "int plain_function(int x) { return x * 2; }\n";

/* malloc in two versions at two addresses: the default one counts. */
static const char versioned_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 16];\n"
    "static size_t used;\n"
    "void *malloc_old(size_t n) { void *p = heap + used; used += n; return p; }\n"
    "void *malloc_new(size_t n) { void *p = heap + used; used += n + 16; return p; }\n"
    "__asm__(\".symver malloc_old,malloc@VER_1\");\n"
    "__asm__(\".symver malloc_new,malloc@@VER_2\");\n";
static const char versioned_map[] = "VER_1 { };\nVER_2 { } VER_1;\n";

/* malloc as an IFUNC: its symbol value is the resolver, never probed. */
static const char ifunc_src[] =
    "#include <stddef.h>\n"
    "static char heap[1 << 16];\n"
    "static size_t used;\n"
    "void *volatile sink;\n"
    "static void *my_malloc(size_t n) { void *p = heap + used; used += n; return p; }\n"
    "static void *(*resolve_malloc(void))(size_t) { return my_malloc; }\n"
    "void *malloc(size_t n) __attribute__((ifunc(\"resolve_malloc\")));\n"
    "void free(void *p) { sink = p; }\n";

/* A hidden malloc, local in the linked file: not an allocator of the
 * process (ld.so's minimal malloc in older glibc). */
static const char hidden_src[] =
	"#include <stddef.h>\n"
	"static char heap[1 << 16];\n"
	"static size_t used;\n"
	"__attribute__((visibility(\"hidden\"))) void *malloc(size_t n)\n"
	"{ void *p = heap + used; used += n; return p; }\n"
	"void *uses_it(size_t n) { return malloc(n); }\n";

static const char nosym_src[] = "void _start(void) { for (;;) ; }\n";

static const char static_src[] =
    "#include <stdlib.h>\n"
    "int main(int argc, char **argv) { (void)argv; void *p = malloc((size_t)argc * 100); "
    "free(p); return 0; }\n";

/*
 * Swaps, in every symbol table of file (and .gnu.version along), the
 * first symbol named a with the next other one named b (a == b: the first
 * two of that name), in place: the linker
 * always writes the default version of a name first, and the rule must
 * not depend on that order. Hash tables go stale; nothing here uses them.
 */
static void swap_symbols(const char *file, const char *a, const char *b)
{
	Elf_Scn *scn = NULL;
	size_t swapped = 0;
	Elf *elf;
	int fd;

	fd = open(file, O_RDWR);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	assert_non_null(elf);
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data, *ver = NULL;
		Elf_Scn *vscn = NULL;
		GElf_Shdr sh;
		size_t i, n, ia = 0, ib = 0;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		data = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < n; i++) {
			GElf_Sym sym;
			const char *name;

			assert_non_null(gelf_getsym(data, (int)i, &sym));
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && !strcmp(name, a) && !ia)
				ia = i;
			if (name && !strcmp(name, b) && !ib && i != ia)
				ib = i;
		}
		if (!ia || !ib)
			continue;
		while ((vscn = elf_nextscn(elf, vscn))) {
			GElf_Shdr vsh;

			assert_non_null(gelf_getshdr(vscn, &vsh));
			if (vsh.sh_type == SHT_GNU_versym && vsh.sh_link == elf_ndxscn(scn))
				ver = elf_getdata(vscn, NULL);
		}
		{
			GElf_Sym sa, sb;

			assert_non_null(gelf_getsym(data, (int)ia, &sa));
			assert_non_null(gelf_getsym(data, (int)ib, &sb));
			assert_true(gelf_update_sym(data, (int)ia, &sb));
			assert_true(gelf_update_sym(data, (int)ib, &sa));
		}
		if (ver) {
			GElf_Versym va, vb;

			assert_non_null(gelf_getversym(ver, (int)ia, &va));
			assert_non_null(gelf_getversym(ver, (int)ib, &vb));
			assert_true(gelf_update_versym(ver, (int)ia, &vb));
			assert_true(gelf_update_versym(ver, (int)ib, &va));
			elf_flagdata(ver, ELF_C_SET, ELF_F_DIRTY);
		}
		elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
		swapped++;
	}
	assert_true(swapped > 0);
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	close(fd);
}

/* Turns file's .dynsym into plain bytes, so that only .symtab is left
 * (whose names spell the version: name@@DEFAULT, name@OLD). */
static void hide_dynsym(const char *file)
{
	Elf_Scn *scn = NULL;
	bool done = false;
	Elf *elf;
	int fd;

	fd = open(file, O_RDWR);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_RDWR, NULL);
	assert_non_null(elf);
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		sh.sh_type = SHT_PROGBITS;
		assert_true(gelf_update_shdr(scn, &sh));
		elf_flagshdr(scn, ELF_C_SET, ELF_F_DIRTY);
		done = true;
	}
	assert_true(done);
	assert_true(elf_update(elf, ELF_C_WRITE) > 0);
	elf_end(elf);
	close(fd);
}

static void write_src(const char *name, const char *text)
{
	char *p = fpath(dir, "%s", name);

	write_text(p, text);
	free(p);
}

static int group_setup(void **state)
{
	const char *so = "gcc -O1 -fno-builtin -fno-inline -shared -fPIC";
	const char *exe = "gcc -O1 -fno-builtin -fno-inline";

	(void)state;
	dir = fixture_dir_new("/tmp/ember-alloc-sites-XXXXXX");
	write_src("std.c", std_src);
	write_src("own_ra.c", own_ra_src);
	write_src("je.c", je_src);
	write_src("cxx.c", cxx_src);
	write_src("none.c", none_src);
	write_src("versioned.c", versioned_src);
	write_src("versioned.map", versioned_map);
	write_src("ifunc.c", ifunc_src);
	write_src("hidden.c", hidden_src);
	write_src("nosym.c", nosym_src);
	write_src("static.c", static_src);
	write_src("text.txt", "not an ELF file\n");
	run("cd %s && %s -o std.so std.c", dir, so);
	run("cd %s && %s -fno-plt -o std_noplt.so std.c", dir, so);
	run("cd %s && %s -DMAIN -o std_exe std.c", dir, exe);
	run("cd %s && %s -o own_ra.so own_ra.c", dir, so);
	run("cd %s && %s -o je.so je.c", dir, so);
	run("cd %s && %s -o cxx_only.so cxx.c", dir, so);
	run("cd %s && %s -DALLOC -o cxx_alloc.so cxx.c", dir, so);
	run("cd %s && %s -DALLOC -DMAIN -o cxx_alloc_exe cxx.c", dir, exe);
	run("cd %s && %s -o none.so none.c", dir, so);
	run("cd %s && %s -Wl,--version-script=versioned.map -o versioned.so versioned.c", dir, so);
	run("cd %s && cp versioned.so versioned_swapped.so", dir);
	{
		char *p = fpath(dir, "versioned_swapped.so");

		/* .dynsym names carry no version, .symtab names do */
		swap_symbols(p, "malloc", "malloc");
		swap_symbols(p, "malloc@@VER_2", "malloc@VER_1");
		free(p);
	}
	run("cd %s && cp versioned_swapped.so versioned_symtab.so", dir);
	{
		char *p = fpath(dir, "versioned_symtab.so");

		hide_dynsym(p);
		free(p);
	}
	run("cd %s && %s -o ifunc.so ifunc.c", dir, so);
	run("cd %s && %s -o hidden.so hidden.c", dir, so);
	run("cd %s && gcc -nostdlib -static -o nosym nosym.c && strip -s nosym", dir);
	{
		char *cmd;

		assert_true(asprintf(&cmd,
				     "cd %s && gcc -O1 -static -o static_exe static.c 2>/dev/null",
				     dir) > 0);
		have_static = !system(cmd);
		free(cmd);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_dir_free(dir);
	print_message("alloc_sites: %lu site checks\n", checks);
	return 0;
}

/* ---- independent readers: nm, readelf, objdump ---- */

struct nm_entry {
	__u64 addr;
	char type;
	char name[256]; /* as nm prints it, version included */
};

struct nm_list {
	struct nm_entry *v;
	size_t n;
};

/* `nm [-D] --defined-only file` */
static void nm_read(const char *file, bool dynamic, struct nm_list *out)
{
	char *cmd, *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	assert_true(
	    asprintf(&cmd, "nm %s--defined-only %s 2>/dev/null", dynamic ? "-D " : "", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		struct nm_entry e = { 0 };
		unsigned long long a;

		if (sscanf(line, "%llx %c %255s", &a, &e.type, e.name) != 3)
			continue;
		e.addr = a;
		out->v = realloc(out->v, (out->n + 1) * sizeof(*out->v));
		assert_non_null(out->v);
		out->v[out->n++] = e;
	}
	pclose(f);
	free(line);
	free(cmd);
}

/* Address of name's default definition: "name", "name@@VER" (not
 * "name@OLD"). */
static bool nm_addr(const struct nm_list *l, const char *name, __u64 *addr)
{
	size_t i, len = strlen(name);

	for (i = 0; i < l->n; i++) {
		const char *s = l->v[i].name;

		if (strncmp(s, name, len) || (s[len] && strncmp(s + len, "@@", 2)))
			continue;
		*addr = l->v[i].addr;
		return true;
	}
	return false;
}

struct load {
	__u64 offset, vaddr, filesz;
};

/* PT_LOAD headers as `readelf -lW` prints them; returns their number. */
static size_t readelf_loads(const char *file, struct load *out, size_t max)
{
	char *cmd, *line = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	assert_true(asprintf(&cmd, "readelf -lW %s", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long off, va, pa, fsz, msz;

		if (sscanf(line, " LOAD %llx %llx %llx %llx %llx", &off, &va, &pa, &fsz, &msz) ==
			5 &&
		    n < max) {
			out[n].offset = off;
			out[n].vaddr = va;
			out[n].filesz = fsz;
			n++;
		}
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
	assert_true(n > 0);
	return n;
}

static bool readelf_offset(const char *file, __u64 vaddr, __u64 *off)
{
	struct load loads[16];
	size_t i, n = readelf_loads(file, loads, 16);

	for (i = 0; i < n; i++) {
		if (vaddr >= loads[i].vaddr && vaddr < loads[i].vaddr + loads[i].filesz) {
			*off = vaddr - loads[i].vaddr + loads[i].offset;
			return true;
		}
	}
	return false;
}

struct insn {
	__u64 addr;
	char text[160]; /* "push   %r12", "je     98fb8 <...>" */
};

/* objdump's disassembly of [start, start + len); returns the number of
 * instructions. */
static size_t objdump_insns(const char *file, __u64 start, __u64 len, struct insn *out, size_t max)
{
	char *cmd, *line = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	assert_true(asprintf(&cmd,
			     "objdump -d --no-show-raw-insn --start-address=0x%llx "
			     "--stop-address=0x%llx %s",
			     (unsigned long long)start, (unsigned long long)(start + len),
			     file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long a;
		char text[160];

		if (sscanf(line, " %llx:\t%159[^\n]", &a, text) != 2 || n == max)
			continue;
		out[n].addr = a;
		snprintf(out[n].text, sizeof(out[n].text), "%s", text);
		n++;
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
	return n;
}

enum emu {
	EMU_UNKNOWN,
	EMU_YES,
	EMU_NO
};

/* Whether the kernel emulates the instruction objdump printed as text,
 * for the forms this test can tell for sure. */
static enum emu classify(const char *text)
{
	char mn[32] = "", op[64] = "";
	const char *t = text;

	if (!strncmp(t, "bnd ", 4))
		t += 4;
	sscanf(t, "%31s %63s", mn, op);
	if (!strcmp(mn, "push"))
		return op[0] == '%' ? EMU_YES : EMU_NO;
	if (!strcmp(mn, "jmp") || !strcmp(mn, "call"))
		return op[0] && op[0] != '*' ? EMU_YES : EMU_NO;
	if (mn[0] == 'j' && strcmp(mn, "jrcxz") && strcmp(mn, "jecxz"))
		return EMU_YES;
	if (!strcmp(mn, "nop") && !op[0])
		return EMU_YES;
	if (!strcmp(mn, "mov") || !strcmp(mn, "test") || !strcmp(mn, "cmp") ||
	    !strcmp(mn, "cmpb") || !strcmp(mn, "sub") || !strcmp(mn, "endbr64") ||
	    !strcmp(mn, "syscall") || !strcmp(mn, "lea") || !strcmp(mn, "xor") ||
	    !strcmp(mn, "add") || !strcmp(mn, "movzbl") || !strcmp(mn, "ret"))
		return EMU_NO;
	return EMU_UNKNOWN;
}

static bool insn_is(const struct insn *in, const char *mn)
{
	size_t n = strlen(mn);

	return !strncmp(in->text, mn, n) && (in->text[n] == ' ' || !in->text[n]);
}

/*
 * Where a free-like probe should go, from objdump alone: the first
 * instruction after endbr64 / test / cmp / a je right after
 * `test %rdi,%rdi`, if objdump shows it is emulated and it starts in the
 * first 32 bytes; else the entry. Returns the offset from the start.
 */
static __u64 expected_free_offset(const struct insn *in, size_t n, __u64 start)
{
	bool null_check = false;
	size_t i;

	for (i = 0; i < n && in[i].addr < start + 32; i++) {
		bool test_rdi = !strcmp(in[i].text, "test   %rdi,%rdi");

		if (null_check && insn_is(&in[i], "je")) {
			null_check = false;
			continue;
		}
		if (classify(in[i].text) == EMU_YES)
			return in[i].addr - start;
		if (!insn_is(&in[i], "endbr64") && !insn_is(&in[i], "test") &&
		    !insn_is(&in[i], "cmp") && !insn_is(&in[i], "cmpb"))
			return 0;
		null_check = test_rdi;
	}
	return 0;
}

/* ---- checks shared by the fixtures ---- */

static const struct alloc_site *site_named(const struct alloc_sites *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < alloc_sites__count(s); i++) {
		if (!strcmp(alloc_sites__get(s, i)->func, name))
			return alloc_sites__get(s, i);
	}
	return NULL;
}

/*
 * Every site of file against the independent readers: vaddr is nm's
 * address of its name, entry_offset the PT_LOAD translation, no two sites
 * share an address, has_return follows the kind, probe_offset and
 * emulated agree with objdump.
 */
static void check_sites(const char *file, const struct alloc_sites *s, bool dynamic)
{
	struct nm_list nm;
	unsigned int i, j;

	nm_read(file, dynamic, &nm);
	assert_string_equal(alloc_sites__path(s), file);
	for (i = 0; i < alloc_sites__count(s); i++) {
		const struct alloc_site *site = alloc_sites__get(s, i);
		struct insn in[32];
		__u64 addr = 0, off = 0, delta;
		size_t n;
		enum emu e;

		if (!nm_addr(&nm, site->func, &addr))
			fail_msg("%s: %s not listed by nm", file, site->func);
		assert_int_equal(site->vaddr, addr);
		assert_true(readelf_offset(file, site->vaddr, &off));
		assert_int_equal(site->entry_offset, off);
		assert_int_equal(site->has_return, site->kind != EMBER_ALLOC_FREE &&
						       site->kind != EMBER_ALLOC_MUNMAP);
		for (j = 0; j < i; j++)
			assert_true(alloc_sites__get(s, j)->vaddr != site->vaddr);

		n = objdump_insns(file, site->vaddr, 48, in, 32);
		assert_true(n > 0);
		assert_int_equal(in[0].addr, site->vaddr);
		delta = site->probe_offset - site->entry_offset;
		if (site->has_return) {
			assert_int_equal(delta, 0);
		} else {
			assert_int_equal(delta, expected_free_offset(in, n, site->vaddr));
		}
		/* the probe is on an instruction boundary objdump agrees with */
		for (j = 0; j < n && in[j].addr != site->vaddr + delta; j++)
			;
		assert_true(j < n);
		e = classify(in[j].text);
		if (e != EMU_UNKNOWN)
			assert_int_equal(site->emulated, e == EMU_YES);
		checks++;
	}
	free(nm.v);
}

static struct alloc_sites *find_checked(const char *name, bool dynamic)
{
	char *file = fpath(dir, "%s", name);
	struct alloc_sites *s = alloc_sites__find(file);

	if (!s)
		fail_msg("%s: %s", file, strerror(errno));
	check_sites(file, s, dynamic);
	free(file);
	return s;
}

/* ---- instruction classifier ---- */

struct bytes {
	__u8 b[16];
	size_t len;
	int want;
};

static void test_emulated_insn(void **state)
{
	static const struct bytes cases[] = {
		/* push %r64 */
		{ { 0x55 }, 1, 1 },
		{ { 0x41, 0x54 }, 2, 2 },
		{ { 0x41, 0x57, 0x00 }, 3, 2 },
		/* jmp, call, jcc */
		{ { 0xeb, 0x05 }, 2, 2 },
		{ { 0xe9, 1, 2, 3, 4 }, 5, 5 },
		{ { 0xe8, 0xfc, 0xff, 0xff, 0xff }, 5, 5 },
		{ { 0x0f, 0x84, 0xbf, 0, 0, 0 }, 6, 6 },
		{ { 0xf2, 0xe9, 1, 2, 3, 4 }, 6, 6 }, /* bnd jmp */
		{ { 0xf2, 0xeb, 0x10 }, 3, 3 },
		/* nops: 90 after prefixes, x86_nops[] */
		{ { 0x90 }, 1, 1 },
		{ { 0x66, 0x90 }, 2, 2 },
		{ { 0xf3, 0x90 }, 2, 2 }, /* pause */
		{ { 0x48, 0x90 }, 2, 2 },
		{ { 0x0f, 0x1f, 0x00 }, 3, 3 },
		{ { 0x0f, 0x1f, 0x40, 0x00 }, 4, 4 },
		{ { 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 5, 5 },
		{ { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 }, 6, 6 },
		{ { 0x0f, 0x1f, 0x80, 0, 0, 0, 0 }, 7, 7 },
		{ { 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 8, 8 },
		/* single-stepped */
		{ { 0x48, 0x50 }, 2, 0 },			     /* push with REX.W */
		{ { 0x66, 0x55 }, 2, 0 },			     /* pushw */
		{ { 0x40, 0x55 }, 2, 0 },			     /* empty REX */
		{ { 0xff, 0x35, 0, 0, 0, 0 }, 6, 0 },		     /* push mem */
		{ { 0x48, 0x89, 0xe5 }, 3, 0 },			     /* mov */
		{ { 0x48, 0x85, 0xff }, 3, 0 },			     /* test */
		{ { 0x80, 0x3d, 1, 2, 3, 4, 0 }, 7, 0 },	     /* cmpb $0,x(%rip) */
		{ { 0x48, 0x83, 0xec, 0x18 }, 4, 0 },		     /* sub */
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, 0 },		     /* endbr64 */
		{ { 0xb8, 0x0b, 0, 0, 0 }, 5, 0 },		     /* mov $11,%eax */
		{ { 0x0f, 0x05 }, 2, 0 },			     /* syscall */
		{ { 0xc3 }, 1, 0 },				     /* ret */
		{ { 0xff, 0x25, 0, 0, 0, 0 }, 6, 0 },		     /* jmp *x(%rip) */
		{ { 0x3e, 0xff, 0xe0 }, 3, 0 },			     /* notrack jmp *%rax */
		{ { 0x66, 0xe9, 1, 2 }, 4, 0 },			     /* refused by the kernel */
		{ { 0x3e, 0xeb, 0x05 }, 3, 0 },			     /* ds prefix: refused */
		{ { 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 9, 0 }, /* cs nopw */
		{ { 0x41, 0x90 }, 2, 0 },			     /* xchg %eax,%r8d */
		{ { 0xe3, 0x05 }, 2, 0 },			     /* jrcxz */
		{ { 0x0f, 0x1f, 0x44, 0x00 }, 4, 0 },		     /* truncated nopl */
		/* truncated */
		{ { 0xe9, 1, 2 }, 3, 0 },
		{ { 0x0f, 0x84, 0, 0, 0 }, 5, 0 },
		{ { 0xeb }, 1, 0 },
		{ { 0x41 }, 1, 0 },
		{ { 0x0f }, 1, 0 },
		{ { 0xf2 }, 1, 0 },
		{ { 0 }, 0, 0 },
	};
	size_t i;
	int op;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = alloc_sites__emulated_insn(cases[i].b, cases[i].len);

		if (got != cases[i].want)
			fail_msg("case %zu (%02x %02x...): got %d, want %d", i, cases[i].b[0],
				 cases[i].b[1], got, cases[i].want);
	}
	/* every push, jcc, jcc rel32 */
	for (op = 0; op < 8; op++) {
		__u8 one[1] = { (__u8)(0x50 + op) }, two[2] = { 0x41, (__u8)(0x50 + op) };

		assert_int_equal(alloc_sites__emulated_insn(one, 1), 1);
		assert_int_equal(alloc_sites__emulated_insn(two, 2), 2);
	}
	for (op = 0; op < 16; op++) {
		__u8 s[2] = { (__u8)(0x70 + op), 0x10 };
		__u8 l[6] = { 0x0f, (__u8)(0x80 + op), 0x10, 0, 0, 0 };

		assert_int_equal(alloc_sites__emulated_insn(s, 2), 2);
		assert_int_equal(alloc_sites__emulated_insn(l, 6), 6);
		assert_int_equal(alloc_sites__emulated_insn(l, 5), 0);
	}
	assert_int_equal(alloc_sites__emulated_insn(NULL, 4), 0);
}

static void test_free_probe_offset(void **state)
{
	static const struct bytes cases[] = {
		/* glibc 2.36 free: test %rdi,%rdi; je +0xbf; push %rbp */
		{ { 0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0, 0, 0, 0x55, 0x48, 0x8d, 0x77, 0xf0 },
		  14,
		  9 },
		/* emulated from the start */
		{ { 0x55, 0x48, 0x89, 0xe5 }, 4, 0 },
		{ { 0xe9, 1, 2, 3, 4 }, 5, 0 },
		/* endbr64; push */
		{ { 0xf3, 0x0f, 0x1e, 0xfa, 0x55 }, 5, 4 },
		/* endbr64; test %rdi,%rdi; je rel8; push %rbx */
		{ { 0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x85, 0xff, 0x74, 0x10, 0x53 }, 10, 9 },
		/* test %rdi,%rdi; jne: the jne itself (its fall-through is NULL) */
		{ { 0x48, 0x85, 0xff, 0x75, 0x05, 0x55 }, 6, 3 },
		/* cmpb $0,x(%rip); push %r12 (glibc posix_memalign-like) */
		{ { 0x80, 0x3d, 1, 2, 0x14, 0, 0, 0x41, 0x54 }, 9, 7 },
		/* cmp %rdi,%rsi; je: not the NULL check, the je is the probe */
		{ { 0x48, 0x39, 0xfe, 0x74, 0x05, 0x55 }, 6, 3 },
		/* test %edi,%edi (not rdi); je: the je */
		{ { 0x85, 0xff, 0x74, 0x05, 0x55 }, 5, 2 },
		/* testb $1,0x8(%rdi); cmpl $3,%fs:0x10; push */
		{ { 0xf6, 0x47, 0x08, 0x01, 0x64, 0x83, 0x3c, 0x25, 0x10, 0, 0, 0, 0x03, 0x55 },
		  14,
		  13 },
		/* cmp $imm32,%rax (REX.W 3d); push */
		{ { 0x48, 0x3d, 1, 0xf0, 0xff, 0xff, 0x53 }, 7, 6 },
		/* munmap: mov $11,%eax; syscall */
		{ { 0xb8, 0x0b, 0, 0, 0, 0x0f, 0x05 }, 7, -1 },
		/* writes a register first */
		{ { 0x48, 0x89, 0xfb, 0x55 }, 4, -1 },
		/* NULL check, then a mov */
		{ { 0x48, 0x85, 0xff, 0x74, 0x05, 0x48, 0x89, 0xfb, 0x55 }, 9, -1 },
		/* truncated je after the NULL check */
		{ { 0x48, 0x85, 0xff, 0x0f, 0x84, 0 }, 6, -1 },
		/* truncated cmpb */
		{ { 0x80, 0x3d, 1, 2 }, 4, -1 },
		/* endbr64 only */
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, -1 },
		/* cmp with /0 is add: not flags only */
		{ { 0x80, 0x05, 1, 2, 3, 4, 0, 0x55 }, 8, -1 },
		{ { 0 }, 0, -1 },
	};
	__u8 window[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = alloc_sites__free_probe_offset(cases[i].b, cases[i].len);

		if (got != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].want);
	}
	/* the first 32 bytes only: ten `test %rax,%rax` and a push at 30 is
	 * found, eleven and a push at 33 is not */
	for (i = 0; i < 11; i++)
		memcpy(window + 3 * i, "\x48\x85\xc0", 3);
	window[30] = 0x55;
	assert_int_equal(alloc_sites__free_probe_offset(window, 31), 30);
	window[30] = 0x48;
	window[33] = 0x55;
	assert_int_equal(alloc_sites__free_probe_offset(window, 34), -1);
	assert_int_equal(alloc_sites__free_probe_offset(NULL, 8), -1);
}

/* ---- fixtures ---- */

static void test_std_shared(void **state)
{
	struct alloc_sites *s;
	const char *names[] = { "malloc", "calloc", "realloc", "aligned_alloc", "free" };
	__u64 a1 = 0, a2 = 0;
	struct nm_list nm;
	char *file;
	size_t i;

	(void)state;
	s = find_checked("std.so", true);
	assert_true(alloc_sites__is_allocator(s));
	assert_int_equal(alloc_sites__count(s), 5);
	for (i = 0; i < 5; i++)
		assert_non_null(site_named(s, names[i]));
	/* aligned_alloc and memalign: one function, the first name kept */
	file = fpath(dir, "std.so");
	nm_read(file, true, &nm);
	assert_true(nm_addr(&nm, "memalign", &a1) && nm_addr(&nm, "aligned_alloc", &a2));
	assert_int_equal(a1, a2);
	assert_null(site_named(s, "memalign"));
	assert_int_equal(site_named(s, "aligned_alloc")->kind, EMBER_ALLOC_MEMALIGN);
	/* reallocarray is there, and left out: it tail-calls realloc@plt */
	assert_true(nm_addr(&nm, "reallocarray", &a1));
	assert_null(site_named(s, "reallocarray"));
	assert_null(site_named(s, "not_an_allocator"));
	assert_int_equal(site_named(s, "malloc")->kind, EMBER_ALLOC_MALLOC);
	assert_int_equal(site_named(s, "calloc")->kind, EMBER_ALLOC_CALLOC);
	assert_int_equal(site_named(s, "realloc")->kind, EMBER_ALLOC_REALLOC);
	assert_int_equal(site_named(s, "free")->kind, EMBER_ALLOC_FREE);
	free(nm.v);
	free(file);
	alloc_sites__free(s);

	/* -fno-plt: the call goes through the GOT directly */
	s = find_checked("std_noplt.so", true);
	assert_int_equal(alloc_sites__count(s), 5);
	assert_null(site_named(s, "reallocarray"));
	alloc_sites__free(s);

	/* a reallocarray of its own is kept */
	s = find_checked("own_ra.so", true);
	assert_int_equal(alloc_sites__count(s), 2);
	assert_int_equal(site_named(s, "reallocarray")->kind, EMBER_ALLOC_REALLOCARRAY);
	alloc_sites__free(s);
}

static void test_executables(void **state)
{
	struct alloc_sites *s;

	(void)state;
	/* a program with its own allocator: .symtab, direct calls */
	s = find_checked("std_exe", false);
	assert_true(alloc_sites__is_allocator(s));
	assert_int_equal(alloc_sites__count(s), 5);
	assert_null(site_named(s, "memalign"));
	assert_null(site_named(s, "reallocarray")); /* jmp realloc, direct */
	alloc_sites__free(s);

	if (!have_static) {
		print_message("alloc_sites: gcc -static unavailable, static case skipped\n");
		return;
	}
	/* glibc linked in */
	s = find_checked("static_exe", false);
	assert_true(alloc_sites__is_allocator(s));
	assert_non_null(site_named(s, "malloc"));
	assert_non_null(site_named(s, "free"));
	alloc_sites__free(s);
}

static void test_jemalloc(void **state)
{
	struct alloc_sites *s;

	(void)state;
	s = find_checked("je.so", true);
	assert_true(alloc_sites__is_allocator(s));
	assert_int_equal(alloc_sites__count(s), 6);
	assert_int_equal(site_named(s, "je_malloc")->kind, EMBER_ALLOC_MALLOC);
	assert_int_equal(site_named(s, "je_calloc")->kind, EMBER_ALLOC_CALLOC);
	assert_int_equal(site_named(s, "je_free")->kind, EMBER_ALLOC_FREE);
	assert_int_equal(site_named(s, "mallocx")->kind, EMBER_ALLOC_MALLOCX);
	assert_int_equal(site_named(s, "rallocx")->kind, EMBER_ALLOC_RALLOCX);
	assert_int_equal(site_named(s, "sdallocx")->kind, EMBER_ALLOC_FREE);
	assert_false(site_named(s, "sdallocx")->has_return);
	assert_null(site_named(s, "xallocx"));
	alloc_sites__free(s);
}

static void test_cxx(void **state)
{
	struct alloc_sites *s;

	(void)state;
	/* operators without an allocator of the file's own: libstdc++'s case */
	s = find_checked("cxx_only.so", true);
	assert_false(alloc_sites__is_allocator(s));
	assert_int_equal(alloc_sites__count(s), 0);
	alloc_sites__free(s);

	/* an allocator's operators are kept, its wrappers are not (new[]
	 * calls new through the PLT, delete[] calls free) */
	s = find_checked("cxx_alloc.so", true);
	assert_true(alloc_sites__is_allocator(s));
	assert_int_equal(site_named(s, "_Znwm")->kind, EMBER_ALLOC_MALLOC);
	assert_int_equal(site_named(s, "_ZdlPv")->kind, EMBER_ALLOC_FREE);
	assert_non_null(site_named(s, "malloc"));
	assert_non_null(site_named(s, "free"));
	assert_null(site_named(s, "_Znam"));
	assert_null(site_named(s, "_ZdaPv"));
	assert_int_equal(alloc_sites__count(s), 4);
	alloc_sites__free(s);

	/* same in an executable: direct calls */
	s = find_checked("cxx_alloc_exe", false);
	assert_non_null(site_named(s, "_Znwm"));
	assert_null(site_named(s, "_Znam"));
	assert_null(site_named(s, "_ZdaPv"));
	assert_int_equal(alloc_sites__count(s), 4);
	alloc_sites__free(s);
}

static void test_symbol_rules(void **state)
{
	struct alloc_sites *s;
	struct nm_list nm;
	__u64 def = 0;
	char *file;
	size_t i, versions = 0;

	(void)state;
	s = find_checked("none.so", true);
	assert_int_equal(alloc_sites__count(s), 0);
	assert_false(alloc_sites__is_allocator(s));
	assert_null(alloc_sites__get(s, 0));
	alloc_sites__free(s);

	/* two versions of malloc: the default one */
	file = fpath(dir, "versioned.so");
	nm_read(file, true, &nm);
	for (i = 0; i < nm.n; i++)
		versions += !strncmp(nm.v[i].name, "malloc@", 7);
	assert_int_equal(versions, 2);
	assert_true(nm_addr(&nm, "malloc", &def));
	s = find_checked("versioned.so", true);
	assert_int_equal(alloc_sites__count(s), 1);
	assert_int_equal(site_named(s, "malloc")->vaddr, def);
	alloc_sites__free(s);
	free(nm.v);
	free(file);
	/* the same with the old version first in both tables */
	file = fpath(dir, "versioned_swapped.so");
	nm_read(file, true, &nm);
	assert_true(nm_addr(&nm, "malloc", &def));
	s = find_checked("versioned_swapped.so", true);
	assert_int_equal(alloc_sites__count(s), 1);
	assert_int_equal(site_named(s, "malloc")->vaddr, def);
	alloc_sites__free(s);
	/* and with .symtab alone */
	s = find_checked("versioned_symtab.so", false);
	assert_int_equal(alloc_sites__count(s), 1);
	assert_int_equal(site_named(s, "malloc")->vaddr, def);
	alloc_sites__free(s);
	free(nm.v);
	free(file);

	/* a local malloc is found, but does not make an allocator */
	s = find_checked("hidden.so", false);
	assert_non_null(site_named(s, "malloc"));
	assert_false(alloc_sites__is_allocator(s));
	alloc_sites__free(s);

	/* an IFUNC malloc is not probed, the plain free is */
	s = find_checked("ifunc.so", true);
	assert_null(site_named(s, "malloc"));
	assert_non_null(site_named(s, "free"));
	assert_int_equal(alloc_sites__count(s), 1);
	alloc_sites__free(s);
}

static void test_errors(void **state)
{
	char *p;

	(void)state;
	errno = 0;
	assert_null(alloc_sites__find("/nonexistent/ember/lib.so"));
	assert_int_equal(errno, ENOENT);
	p = fpath(dir, "text.txt");
	errno = 0;
	assert_null(alloc_sites__find(p));
	assert_int_equal(errno, ENOEXEC);
	free(p);
	/* an ELF file without any symbol table */
	p = fpath(dir, "nosym");
	errno = 0;
	assert_null(alloc_sites__find(p));
	assert_int_equal(errno, ENOEXEC);
	free(p);
	errno = 0;
	assert_null(alloc_sites__find(dir));
	assert_int_equal(errno, ENOEXEC);
	errno = 0;
	assert_null(alloc_sites__find("/dev/null"));
	assert_int_equal(errno, ENOEXEC);
	/* NULL-safe accessors */
	assert_int_equal(alloc_sites__count(NULL), 0);
	assert_null(alloc_sites__get(NULL, 0));
	assert_null(alloc_sites__path(NULL));
	assert_false(alloc_sites__is_allocator(NULL));
	alloc_sites__free(NULL);
}

/* Corrupt copies of a fixture: fewer sites or an error, never a crash. */
static void test_corrupt(void **state)
{
	char *orig = fpath(dir, "cxx_alloc.so"), *bad = fpath(dir, "bad.so");
	unsigned char *img;
	unsigned int seed = 7;
	struct stat st;
	size_t size;
	FILE *f;
	int round;

	(void)state;
	assert_int_equal(stat(orig, &st), 0);
	size = (size_t)st.st_size;
	img = malloc(size);
	assert_non_null(img);
	f = fopen(orig, "rb");
	assert_non_null(f);
	assert_int_equal(fread(img, 1, size, f), size);
	fclose(f);
	for (round = 0; round < 200; round++) {
		unsigned char *m = malloc(size);
		struct alloc_sites *s;
		size_t len = size, k;

		assert_non_null(m);
		memcpy(m, img, size);
		for (k = 0; k < 16; k++)
			m[(size_t)rand_r(&seed) % size] ^= (unsigned char)(1 + rand_r(&seed) % 255);
		if (round % 4 == 0)
			len = (size_t)rand_r(&seed) % size; /* truncated */
		f = fopen(bad, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(m, 1, len, f), len);
		fclose(f);
		s = alloc_sites__find(bad);
		for (k = 0; k < alloc_sites__count(s); k++)
			assert_non_null(alloc_sites__get(s, (unsigned int)k)->func);
		alloc_sites__free(s);
		free(m);
	}
	unlink(bad);
	free(img);
	free(orig);
	free(bad);
}

/* ---- the system's libc ---- */

static void test_libc(void **state)
{
	struct alloc_sites *s;
	const struct alloc_site *site;
	struct insn in[32];
	struct nm_list nm;
	__u64 a1 = 0, a2 = 0, push = 0;
	size_t i, n;
	bool tail_call = false;

	(void)state;
	if (access(LIBC, R_OK)) {
		skip();
		return;
	}
	s = alloc_sites__find(LIBC);
	assert_non_null(s);
	check_sites(LIBC, s, true);
	assert_true(alloc_sites__is_allocator(s));
	nm_read(LIBC, true, &nm);

	/* malloc: emulated at its entry (push %r12 in glibc 2.36) */
	site = site_named(s, "malloc");
	assert_non_null(site);
	n = objdump_insns(LIBC, site->vaddr, 16, in, 32);
	assert_true(n > 0);
	assert_int_equal(site->probe_offset, site->entry_offset);
	assert_int_equal(site->emulated, classify(in[0].text) == EMU_YES);
	assert_true(site->emulated);

	/* free: the probe on the first push, after the NULL check */
	site = site_named(s, "free");
	assert_non_null(site);
	n = objdump_insns(LIBC, site->vaddr, 32, in, 32);
	for (i = 0; i < n && !push; i++) {
		if (insn_is(&in[i], "push"))
			push = in[i].addr;
	}
	assert_true(push > site->vaddr);
	assert_int_equal(site->probe_offset - site->entry_offset, push - site->vaddr);
	assert_true(site->emulated);
	assert_false(site->has_return);

	/* munmap: mov $11,%eax; syscall: nothing emulated to move to */
	site = site_named(s, "munmap");
	assert_non_null(site);
	assert_int_equal(site->probe_offset, site->entry_offset);
	assert_false(site->emulated);
	assert_false(site->has_return);

	/* posix_memalign: a return probe, so at the entry, single-stepped */
	site = site_named(s, "posix_memalign");
	assert_non_null(site);
	assert_int_equal(site->probe_offset, site->entry_offset);

	/* memalign and aligned_alloc share an address: one site */
	assert_true(nm_addr(&nm, "memalign", &a1) && nm_addr(&nm, "aligned_alloc", &a2));
	if (a1 == a2) {
		assert_true(!site_named(s, "memalign") != !site_named(s, "aligned_alloc"));
		assert_non_null(site_named(s, "aligned_alloc"));
	}
	/* mmap64 is mmap */
	if (nm_addr(&nm, "mmap64", &a1) && nm_addr(&nm, "mmap", &a2) && a1 == a2)
		assert_null(site_named(s, "mmap64"));
	/* reallocarray, when it tail-calls realloc@plt, is left out */
	if (nm_addr(&nm, "reallocarray", &a1)) {
		n = objdump_insns(LIBC, a1, 32, in, 32);
		for (i = 0; i < n; i++)
			tail_call |= strstr(in[i].text, "<realloc@plt>") != NULL;
		if (tail_call)
			assert_null(site_named(s, "reallocarray"));
	}
	free(nm.v);
	alloc_sites__free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emulated_insn), cmocka_unit_test(test_free_probe_offset),
		cmocka_unit_test(test_std_shared),    cmocka_unit_test(test_executables),
		cmocka_unit_test(test_jemalloc),      cmocka_unit_test(test_cxx),
		cmocka_unit_test(test_symbol_rules),  cmocka_unit_test(test_errors),
		cmocka_unit_test(test_corrupt),	      cmocka_unit_test(test_libc),
	};

	elf_version(EV_CURRENT);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
