// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for elf_dso. Fixtures are compiled at run time (gcc, objcopy,
 * strip) in a temporary directory; answers are checked against nm output
 * and program headers read independently with libelf.
 */
#include "elf_fixtures.h"
#include <errno.h>
#include "symbolize/elf_dso.h"

static char *dir;	     /* fixture directory */
static unsigned long checks; /* assertions on symbolizer answers */

static void write_fixture(const char *name, const char *text)
{
	char *p = fpath(dir, "%s", name);

	write_text(p, text);
	free(p);
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
	const char *cc = FIXTURE_CC;

	(void)state;
	dir = fixture_dir_new("/tmp/ember-elf-XXXXXX");
	run("cd %s && %s -fPIE -pie -o pie src.c", dir, cc);
	run("cd %s && %s -fno-PIE -no-pie -o nopie src.c", dir, cc);
	run("cd %s && %s -shared -fPIC -DLIB -o lib.so src.c", dir, cc);
	run("cd %s && %s -fPIE -pie -DVARIANT -o pie_v2 src.c", dir, cc);
	run("cd %s && %s -gz -fPIE -pie -o pie_gz src.c", dir, cc);
	run("cd %s && objcopy --only-keep-debug pie pie.debug && "
	    "objcopy --only-keep-debug pie_v2 pie_v2.debug && "
	    "objcopy --only-keep-debug pie_gz pie_gz.debug && strip -o pie.stripped pie && "
	    "strip -o pie_gz.stripped pie_gz",
	    dir);
	/* a library with a symbol in two versions (the old one hidden in
	 * .gnu.version) and a 32-bit object, for the table walks */
	write_fixture("ver.c", "volatile int vsink;\n"
			       "int v_old(int x) { return x + vsink; }\n"
			       "int v_new(int x) { return x * 2 + vsink; }\n"
			       "int v_call(int x) { return v_old(x) + v_new(x); }\n"
			       "__asm__(\".symver v_old,vfunc@VER_1\");\n"
			       "__asm__(\".symver v_new,vfunc@@VER_2\");\n");
	write_fixture("ver.map", "VER_1 { };\nVER_2 { } VER_1;\n");
	run("cd %s && %s -shared -fPIC -Wl,--version-script=ver.map -o ver.so ver.c", dir, cc);
	run("cd %s && gcc -m32 -c -o m32.o ver.c", dir);
	/* debuglink, debug file next to the binary */
	run("cd %s && mkdir dl && cp pie.debug dl/ && strip -o dl/pie pie && "
	    "objcopy --add-gnu-debuglink=dl/pie.debug dl/pie",
	    dir);
	/* debuglink, debug file in .debug/ */
	run("cd %s && mkdir -p dl2/.debug && cp pie.debug dl2/.debug/ && strip -o dl2/pie pie && "
	    "objcopy --add-gnu-debuglink=dl2/.debug/pie.debug dl2/pie",
	    dir);
	/* debuglink, debug file in <debug_dir>/<dir>/ */
	run("cd %s && mkdir -p dl3 dbg3%s/dl3 && cp pie.debug dbg3%s/dl3/ && strip -o dl3/pie pie "
	    "&& "
	    "objcopy --add-gnu-debuglink=dbg3%s/dl3/pie.debug dl3/pie",
	    dir, dir, dir, dir);
	/* debuglink to a debug file of another build: CRC right, build id wrong */
	run("cd %s && mkdir wl && cp pie_v2.debug wl/pie.debug && strip -o wl/pie pie && "
	    "objcopy --add-gnu-debuglink=wl/pie.debug wl/pie",
	    dir);
	/* debuglink whose target changed afterwards: CRC wrong */
	run("cd %s && mkdir wc && cp pie.debug wc/pie.debug && strip -o wc/pie pie && "
	    "objcopy --add-gnu-debuglink=wc/pie.debug wc/pie && printf x >> wc/pie.debug",
	    dir);
	/* .build-id dirs: right, wrong, compressed (zlib, zlib-gnu, gcc -gz) */
	run("cd %s && objcopy --compress-debug-sections=zlib pie.debug pie.zdebug && "
	    "objcopy --compress-debug-sections=zlib-gnu pie.debug pie.gnudebug",
	    dir);
	{
		char *pie = fpath(dir, "pie"), *gz = fpath(dir, "pie_gz");
		const char *pairs[][2] = {
			{ "dbg", "pie.debug" },
			{ "dbgwrong", "pie_v2.debug" },
			{ "dbgz", "pie.zdebug" },
			{ "dbggnu", "pie.gnudebug" },
		};
		size_t i;

		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			char *dd = fpath(dir, "%s", pairs[i][0]);
			char *df = fpath(dir, "%s", pairs[i][1]);

			install_build_id_debug(dd, pie, df);
			free(dd);
			free(df);
		}
		{
			char *dd = fpath(dir, "dbggz"), *df = fpath(dir, "pie_gz.debug");

			install_build_id_debug(dd, gz, df);
			free(dd);
			free(df);
		}
		free(pie);
		free(gz);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_dir_free(dir);
	print_message("elf_dso: %lu symbol checks\n", checks);
	return 0;
}

static bool nm_covered(const struct nm_syms *s, __u64 addr)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (is_func_type(s->v[i].type) &&
		    (s->v[i].addr == addr ||
		     (addr > s->v[i].addr && addr < s->v[i].addr + s->v[i].size)))
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
	GElf_Phdr *ph;
	size_t i, n = elf_phdrs(file, &ph);
	bool found = false;

	for (i = 0; i < n && !found; i++) {
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
		    vaddr < ph[i].p_vaddr + ph[i].p_filesz) {
			*off = vaddr - ph[i].p_vaddr + ph[i].p_offset;
			found = true;
		}
	}
	free(ph);
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
	char *file = fpath(dir, "%s", name), *nmf = fpath(dir, "%s", nm_of);
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

/* Frame-pointer prologues: a non-leaf built with frame pointers sets one
 * up (after its prologue), a leaf built with -momit-leaf-frame-pointer
 * and any function built without frame pointers does not. */
static void test_frame_state(void **state)
{
	static const char src[] =
	    "volatile int sink;\n"
	    "__attribute__((noinline)) int leaf(int x) { return x * 3 + sink; }\n"
	    "__attribute__((noinline)) int nonleaf(int x) { return leaf(x) + leaf(x + 1); }\n"
	    /* gcc shrink-wraps this one: it tests n before building the frame */
	    "__attribute__((noinline)) void wrapped(int n) {\n"
	    "  for (int i = 0; i < n; i++) sink += leaf(i);\n"
	    "}\n"
	    "int main(int argc, char **argv) { (void)argv; wrapped(argc); return nonleaf(argc); "
	    "}\n";
	const char *flags[] = { "-fno-omit-frame-pointer -momit-leaf-frame-pointer",
				"-fomit-frame-pointer" };
	char *c = fpath(dir, "fp.c");

	(void)state;
	write_text(c, src);
	for (int v = 0; v < 2; v++) {
		char *bin = fpath(dir, "fp%d", v);
		struct nm_syms nm;
		struct elf_dso *d;
		__u64 leaf, nonleaf, nonleaf_end, wrapped, wrapped_end;

		run("gcc -g -O1 %s -o %s %s", flags[v], bin, c);
		nm_load(bin, &nm);
		leaf = nm_find(&nm, "leaf")->addr;
		nonleaf = nm_find(&nm, "nonleaf")->addr;
		nonleaf_end = nonleaf + nm_find(&nm, "nonleaf")->size;
		d = elf_dso__open(bin, NULL);
		assert_non_null(d);
		/* a leaf never has a frame of its own here */
		assert_int_equal(elf_dso__frame_state(d, -1, leaf), 0);
		assert_int_equal(elf_dso__frame_state(d, -1, leaf + 2), 0);
		/* before its prologue ran, nonleaf has none either */
		assert_int_equal(elf_dso__frame_state(d, -1, nonleaf), 0);
		/* its last byte: after the prologue with frame pointers only */
		assert_int_equal(elf_dso__frame_state(d, -1, nonleaf_end - 1), v == 0 ? 1 : 0);
		/* no symbol: unknown */
		assert_int_equal(elf_dso__frame_state(d, -1, 0x10), -1);
		/* shrink-wrapped: the frame is built after the early-exit test,
		 * and its calls (the last bytes) run with it */
		wrapped = nm_find(&nm, "wrapped")->addr;
		wrapped_end = wrapped + nm_find(&nm, "wrapped")->size;
		assert_int_equal(elf_dso__frame_state(d, -1, wrapped), 0);
		assert_int_equal(elf_dso__frame_state(d, -1, wrapped_end - 1), v == 0 ? 1 : 0);
		checks += 7;
		elf_dso__free(d);
		nm_free(&nm);
		free(bin);
	}
	free(c);
}

static void test_nopie(void **state)
{
	struct nm_syms nm;
	char *f = fpath(dir, "nopie");

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
	char *f = fpath(dir, "pie");
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
	char *f = fpath(dir, "pie.stripped"), *nmf = fpath(dir, "pie");
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
	char *dbg3 = fpath(dir, "dbg3"), *empty = fpath(dir, "nonexistent-debug-dir");

	(void)state;
	check_file("dl/pie", "pie", empty, true);
	check_file("dl2/pie", "pie", empty, true);
	check_file("dl3/pie", "pie", dbg3, true);
	free(dbg3);
	free(empty);
}

static void expect_rejected(const char *name, const char *debug_dir)
{
	char *f = fpath(dir, "%s", name), *nmf = fpath(dir, "pie");
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
	char *wrong = fpath(dir, "dbgwrong");

	(void)state;
	expect_rejected("pie.stripped", wrong); /* .build-id file of another build */
	expect_rejected("wl/pie", NULL);	/* debuglink, build id differs */
	expect_rejected("wc/pie", NULL);	/* debuglink, CRC differs */
	free(wrong);
}

static void test_build_id_dir(void **state)
{
	char *dbg = fpath(dir, "dbg");

	(void)state;
	check_file("pie.stripped", "pie", dbg, true);
	free(dbg);
}

static unsigned int count_compressed(const char *file, bool gnu)
{
	unsigned int n = 0;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int fd;
	Elf *elf = elf_open_file(file, &fd);

	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		assert_non_null(gelf_getshdr(scn, &sh));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (gnu ? (name && !strncmp(name, ".zdebug", 7)) : !!(sh.sh_flags & SHF_COMPRESSED))
			n++;
	}
	elf_close_file(elf, fd);
	return n;
}

static void test_compressed(void **state)
{
	char *dbgz = fpath(dir, "dbgz"), *dbggnu = fpath(dir, "dbggnu");
	char *dbggz = fpath(dir, "dbggz"), *zf = fpath(dir, "pie.zdebug");
	char *gf = fpath(dir, "pie.gnudebug"), *gzf = fpath(dir, "pie_gz");

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
	char *f = fpath(dir, "pie");
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
	const ElfW(Ehdr) * eh;
	size_t size, n, i, found = 0;
	struct dynsym *syms;
	struct elf_dso *d;
	Elf *elf;

	(void)state;
	elf = vdso_elf(&eh, &size);
	if (!elf)
		skip();
	d = elf_dso__open_mem(eh, size, "[vdso]");
	assert_non_null(d);
	/* Cross-check every function in the vDSO's .dynsym. */
	n = elf_dynsyms(elf, &syms);
	for (i = 0; i < n; i++) {
		const GElf_Sym *sym = &syms[i].sym;
		const char *name;
		__u64 off;

		if (GELF_ST_TYPE(sym->st_info) != STT_FUNC || !sym->st_size)
			continue;
		name = elf_dso__lookup(d, sym->st_value + sym->st_size - 1, &off);
		assert_non_null(name);
		/* clock_gettime and __vdso_clock_gettime are aliases. */
		assert_non_null(strstr(syms[i].name, name) ? name : strstr(name, syms[i].name));
		assert_int_equal(off, sym->st_size - 1);
		found++;
		checks++;
	}
	free(syms);
	elf_end(elf);
	assert_true(found >= 2);
	elf_dso__free(d);
}

/* Truncated and bit-flipped files must fail cleanly or load; never crash
 * (run under ASan/UBSan). */
static void test_corrupt(void **state)
{
	char *f = fpath(dir, "pie"), *g = fpath(dir, "corrupt");
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
			size_t pos = rand_r(&seed) % 3 ? (size_t)rand_r(&seed) % 64
						       : (size_t)rand_r(&seed) % size;

			if (rand_r(&seed) % 2)
				pos =
				    size - 1 - (size_t)rand_r(&seed) % (size < 2048 ? size : 2048);
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

/* ---- the table walks (elf_dso__open_tables) ---- */

struct walked_sym {
	char name[256];
	__u64 value, size;
	char type[16], bind[16];
	bool dynamic, hidden;
};

struct walked {
	struct walked_sym *v;
	size_t n, alloc;
};

static struct walked_sym *walked_add(struct walked *w)
{
	if (w->n == w->alloc) {
		w->alloc = w->alloc ? w->alloc * 2 : 64;
		w->v = realloc(w->v, w->alloc * sizeof(*w->v));
		assert_non_null(w->v);
	}
	memset(&w->v[w->n], 0, sizeof(w->v[0]));
	return &w->v[w->n++];
}

/* readelf's names for the STT_ and STB_ values. */
static const char *type_name(unsigned char t)
{
	static const char *const n[] = { "NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON",
					 "TLS",	   "",	     "",     "",	"IFUNC" };

	return t < sizeof(n) / sizeof(n[0]) ? n[t] : "?";
}

static const char *bind_name(unsigned char b)
{
	static const char *const n[] = { "LOCAL", "GLOBAL", "WEAK", "", "",	 "",
					 "",	  "",	    "",	    "", "UNIQUE" };

	return b < sizeof(n) / sizeof(n[0]) ? n[b] : "?";
}

static int walk_cb(const struct elf_dso_symbol *sym, void *arg)
{
	struct walked_sym *e;

	/* readelf names section symbols after their section: not compared */
	if (sym->type == STT_SECTION)
		return 0;
	e = walked_add(arg);
	assert_true(strlen(sym->name) < sizeof(e->name));
	strcpy(e->name, sym->name);
	e->value = sym->value;
	e->size = sym->size;
	strcpy(e->type, type_name(sym->type));
	strcpy(e->bind, bind_name(sym->bind));
	e->dynamic = sym->dynamic;
	e->hidden = sym->hidden;
	return 0;
}

/* The defined symbols (numbered section, nonzero value, a name) of every
 * symbol table of file as readelf -sW lists them, in its order. In .dynsym
 * readelf adds the version: name@@DEFAULT, or name@OLD for a hidden one. */
static void readelf_syms(const char *file, struct walked *out)
{
	char *cmd, *line = NULL;
	bool dynamic = false;
	size_t cap = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	assert_true(asprintf(&cmd, "readelf -sW %s", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char size[32], type[16], bind[16], vis[32], ndx[16], name[256] = "";
		unsigned long long value;
		struct walked_sym *e;
		unsigned int num;
		char *at;

		if (!strncmp(line, "Symbol table '", 14)) {
			dynamic = !strncmp(line + 14, ".dynsym'", 8);
			continue;
		}
		if (sscanf(line, " %u: %llx %31s %15s %15s %31s %15s %255s", &num, &value, size,
			   type, bind, vis, ndx, name) < 7)
			continue;
		if (!strcmp(ndx, "UND") || !strcmp(ndx, "ABS") || !strcmp(ndx, "COM") || !value ||
		    !name[0] || !strcmp(type, "SECTION"))
			continue;
		e = walked_add(out);
		at = strchr(name, '@');
		if (dynamic && at) {
			e->hidden = at[1] != '@';
			*at = '\0';
		}
		strcpy(e->name, name);
		e->value = value;
		e->size = strtoull(size, NULL, 0);
		strcpy(e->type, type);
		strcpy(e->bind, bind);
		e->dynamic = dynamic;
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
}

static void expect_walk(const char *name, int tables, size_t min_hidden, size_t min_dynamic)
{
	char *f = fpath(dir, "%s", name);
	struct walked got = { 0 }, want;
	size_t i, hidden = 0, dynamic = 0;
	struct elf_dso *d;

	d = elf_dso__open_tables(f);
	assert_non_null(d);
	assert_int_equal(elf_dso__for_each_symbol(d, walk_cb, &got), tables);
	readelf_syms(f, &want);
	assert_int_equal(got.n, want.n);
	for (i = 0; i < want.n; i++) {
		const struct walked_sym *g = &got.v[i], *w = &want.v[i];

		if (strcmp(g->name, w->name) || g->value != w->value || g->size != w->size ||
		    strcmp(g->type, w->type) || strcmp(g->bind, w->bind) ||
		    g->dynamic != w->dynamic || g->hidden != w->hidden)
			fail_msg("%s: symbol %zu: got %s 0x%llx %llu %s %s %s%s, readelf %s 0x%llx "
				 "%llu %s %s %s%s",
				 name, i, g->name, (unsigned long long)g->value,
				 (unsigned long long)g->size, g->type, g->bind,
				 g->dynamic ? "dynamic" : "symtab", g->hidden ? " hidden" : "",
				 w->name, (unsigned long long)w->value, (unsigned long long)w->size,
				 w->type, w->bind, w->dynamic ? "dynamic" : "symtab",
				 w->hidden ? " hidden" : "");
		hidden += g->hidden;
		dynamic += g->dynamic;
		checks++;
	}
	assert_true(hidden >= min_hidden);
	assert_true(dynamic >= min_dynamic);
	elf_dso__free(d);
	free(got.v);
	free(want.v);
	free(f);
}

static int stop_cb(const struct elf_dso_symbol *sym, void *arg)
{
	(void)sym;
	++*(int *)arg;
	return -EINTR;
}

static void test_symbol_walk(void **state)
{
	char *f = fpath(dir, "pie");
	struct elf_dso *d;
	int calls = 0;

	(void)state;
	/* .dynsym and .symtab each */
	expect_walk("lib.so", 2, 0, 5);
	expect_walk("pie", 2, 0, 0);
	expect_walk("ver.so", 2, 1, 3);
	/* a stripped file keeps its .dynsym only (a PIE's defines nothing) */
	expect_walk("pie.stripped", 1, 0, 0);
	/* 32-bit, relocatable: values are section offsets, the first is 0 */
	expect_walk("m32.o", 1, 0, 0);
	/* fn stops the walk */
	d = elf_dso__open_tables(f);
	assert_non_null(d);
	assert_int_equal(elf_dso__for_each_symbol(d, stop_cb, &calls), -EINTR);
	assert_int_equal(calls, 1);
	elf_dso__free(d);
	/* only a d of elf_dso__open_tables has its tables open */
	d = elf_dso__open(f, NULL);
	assert_non_null(d);
	assert_int_equal(elf_dso__for_each_symbol(d, walk_cb, NULL), -EINVAL);
	assert_int_equal(elf_dso__for_each_rela(d, NULL, NULL), -EINVAL);
	elf_dso__free(d);
	assert_int_equal(elf_dso__for_each_symbol(NULL, walk_cb, NULL), -EINVAL);
	free(f);
}

struct walked_rela {
	__u64 offset;
	unsigned int type;
	char name[256]; /* "" for none */
};

struct relas {
	struct walked_rela *v;
	size_t n, alloc;
};

static struct walked_rela *relas_add(struct relas *r)
{
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 64;
		r->v = realloc(r->v, r->alloc * sizeof(*r->v));
		assert_non_null(r->v);
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static int rela_cb(const struct elf_dso_rela *rela, void *arg)
{
	struct walked_rela *e = relas_add(arg);

	e->offset = rela->offset;
	e->type = rela->type;
	if (rela->name) {
		assert_true(rela->name[0]);
		assert_true(strlen(rela->name) < sizeof(e->name));
		strcpy(e->name, rela->name);
	}
	return 0;
}

/* readelf -rW: offset, info (symbol << 32 | type), and for a symbol its
 * value and name, which readelf follows with @VERSION for imports. */
static void readelf_relas(const char *file, struct relas *out)
{
	char *cmd, *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	assert_true(asprintf(&cmd, "readelf -rW %s", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long off, info, value;
		char type[64], name[256] = "";
		struct walked_rela *e;

		if (sscanf(line, "%llx %llx %63s %llx %255s", &off, &info, type, &value, name) <
			4 ||
		    strncmp(type, "R_", 2))
			continue;
		e = relas_add(out);
		e->offset = off;
		e->type = (unsigned int)(info & 0xffffffff);
		if (info >> 32) {
			name[strcspn(name, "@")] = '\0';
			strcpy(e->name, name);
		}
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
}

static void test_rela_walk(void **state)
{
	const char *files[] = { "lib.so", "pie", "ver.so" };
	size_t i, k, slots = 0;

	(void)state;
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		char *f = fpath(dir, "%s", files[k]);
		struct relas got = { 0 }, want;
		struct elf_dso *d = elf_dso__open_tables(f);

		assert_non_null(d);
		assert_int_equal(elf_dso__for_each_rela(d, rela_cb, &got), 0);
		readelf_relas(f, &want);
		assert_true(want.n > 0);
		assert_int_equal(got.n, want.n);
		for (i = 0; i < want.n; i++) {
			if (got.v[i].offset != want.v[i].offset ||
			    got.v[i].type != want.v[i].type ||
			    strcmp(got.v[i].name, want.v[i].name))
				fail_msg("%s: rela %zu: got 0x%llx %u '%s', readelf 0x%llx %u '%s'",
					 files[k], i, (unsigned long long)got.v[i].offset,
					 got.v[i].type, got.v[i].name,
					 (unsigned long long)want.v[i].offset, want.v[i].type,
					 want.v[i].name);
			slots += got.v[i].type == R_X86_64_JUMP_SLOT ||
				 got.v[i].type == R_X86_64_GLOB_DAT;
			checks++;
		}
		elf_dso__free(d);
		free(got.v);
		free(want.v);
		free(f);
	}
	/* the library calls its own exports through the PLT, reads sink
	 * through the GOT */
	assert_true(slots >= 2);
}

/* File bytes of the PT_LOAD holding vaddr from vaddr on, from the program
 * headers read here; 0 if none holds it. */
static __u64 segment_room(const char *file, __u64 vaddr)
{
	GElf_Phdr *ph;
	size_t i, n = elf_phdrs(file, &ph);
	__u64 room = 0;

	for (i = 0; i < n && !room; i++) {
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
		    vaddr < ph[i].p_vaddr + ph[i].p_filesz)
			room = ph[i].p_vaddr + ph[i].p_filesz - vaddr;
	}
	free(ph);
	return room;
}

/* elf_dso__vaddr_to_offset and elf_dso__read on every function readelf
 * lists, against the program headers and the file's bytes read here. */
static void test_vaddr_read(void **state)
{
	const char *files[] = { "lib.so", "pie", "nopie" };
	size_t k, i, n;

	(void)state;
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		char *f = fpath(dir, "%s", files[k]);
		struct elf_dso *d = elf_dso__open_tables(f), *full = elf_dso__open(f, NULL), *mem;
		size_t fsize, read = 0;
		unsigned char *img = read_file(f, &fsize);
		struct walked want;
		GElf_Phdr *ph;
		int fd = open(f, O_RDONLY);

		assert_non_null(d);
		assert_non_null(full);
		assert_true(fd >= 0);
		mem = elf_dso__open_mem(img, fsize, "mem");
		assert_non_null(mem);
		readelf_syms(f, &want);
		for (i = 0; i < want.n; i++) {
			const struct walked_sym *w = &want.v[i];
			unsigned char buf[48], b2[48], b3[48], b4[48];
			__u64 off = 0, ref;
			size_t len =
			    w->size && w->size < sizeof(buf) ? (size_t)w->size : sizeof(buf);

			if (strcmp(w->type, "FUNC") || !vaddr_to_offset(f, w->value, &ref))
				continue;
			/* a read stops at the end of the segment's file bytes */
			if (len > segment_room(f, w->value))
				len = (size_t)segment_room(f, w->value);
			assert_int_equal(elf_dso__vaddr_to_offset(d, w->value, &off), 0);
			assert_int_equal(off, ref);
			assert_true(ref + len <= fsize);
			/* the kept file, the caller's fd, the path, the image */
			assert_int_equal(elf_dso__read(d, -1, w->value, buf, len), (ssize_t)len);
			assert_memory_equal(buf, img + ref, len);
			assert_int_equal(elf_dso__read(d, fd, w->value, b2, len), (ssize_t)len);
			assert_memory_equal(b2, img + ref, len);
			assert_int_equal(elf_dso__read(full, -1, w->value, b3, len), (ssize_t)len);
			assert_memory_equal(b3, img + ref, len);
			assert_int_equal(elf_dso__read(mem, -1, w->value, b4, len), (ssize_t)len);
			assert_memory_equal(b4, img + ref, len);
			read++;
			checks++;
		}
		assert_true(read >= 5);
		/* never past a segment's file bytes; nothing outside them */
		n = elf_phdrs(f, &ph);
		for (i = 0; i < n; i++) {
			unsigned char buf[16];
			__u64 end = ph[i].p_vaddr + ph[i].p_filesz, off;

			if (ph[i].p_type != PT_LOAD || !ph[i].p_filesz)
				continue;
			assert_int_equal(elf_dso__read(d, -1, end - 1, buf, sizeof(buf)), 1);
			assert_int_equal(buf[0], img[ph[i].p_offset + ph[i].p_filesz - 1]);
			assert_int_equal(elf_dso__read(mem, -1, end - 1, buf, sizeof(buf)), 1);
			assert_int_equal(elf_dso__vaddr_to_offset(d, end - 1, &off), 0);
			assert_int_equal(off, ph[i].p_offset + ph[i].p_filesz - 1);
		}
		free(ph);
		{
			unsigned char buf[4];
			__u64 off;

			assert_int_equal(elf_dso__read(d, -1, ~0ULL - 8, buf, sizeof(buf)),
					 -ENOENT);
			assert_int_equal(elf_dso__vaddr_to_offset(d, ~0ULL - 8, &off), -ENOENT);
			assert_int_equal(elf_dso__vaddr_to_offset(NULL, 0x1000, &off), -ENOENT);
		}
		close(fd);
		elf_dso__free(d);
		elf_dso__free(full);
		elf_dso__free(mem);
		free(want.v);
		free(img);
		free(f);
	}
}

/* The machine as readelf -h names it. */
static bool readelf_x86_64(const char *file)
{
	char *cmd, *line = NULL;
	bool elf64 = false, x86_64 = false;
	size_t cap = 0;
	FILE *f;

	assert_true(asprintf(&cmd, "readelf -h %s 2>/dev/null", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "Class:") && strstr(line, "ELF64"))
			elf64 = true;
		if (strstr(line, "Machine:") && strstr(line, "X86-64"))
			x86_64 = true;
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
	return elf64 && x86_64;
}

static void test_open_tables(void **state)
{
	const char *files[] = { "pie", "lib.so", "m32.o", "pie.debug" };
	size_t i;
	char *p;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *f = fpath(dir, "%s", files[i]);
		struct elf_dso *d = elf_dso__open_tables(f), *full = elf_dso__open(f, NULL);

		assert_non_null(d);
		assert_int_equal(elf_dso__is_x86_64(d), readelf_x86_64(f));
		if (full)
			assert_int_equal(elf_dso__is_x86_64(full), readelf_x86_64(f));
		/* no symbols loaded: only the walks read them */
		assert_int_equal(elf_dso__nr_symbols(d), 0);
		assert_null(elf_dso__lookup(d, 0x1139, NULL));
		elf_dso__free(d);
		elf_dso__free(full);
		free(f);
	}
	{
		char *m32 = fpath(dir, "m32.o");
		struct elf_dso *d = elf_dso__open_tables(m32);

		assert_false(elf_dso__is_x86_64(d));
		elf_dso__free(d);
		free(m32);
	}
	assert_false(elf_dso__is_x86_64(NULL));
	errno = 0;
	assert_null(elf_dso__open_tables("/nonexistent/ember/lib.so"));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(elf_dso__open_tables("/dev/null"));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(elf_dso__open_tables(dir));
	assert_int_equal(errno, EINVAL);
	p = fpath(dir, "src.c");
	errno = 0;
	assert_null(elf_dso__open_tables(p));
	assert_int_equal(errno, EINVAL);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pie),	     cmocka_unit_test(test_nopie),
		cmocka_unit_test(test_frame_state),  cmocka_unit_test(test_shared_lib),
		cmocka_unit_test(test_build_id),     cmocka_unit_test(test_stripped_without_debug),
		cmocka_unit_test(test_debuglink),    cmocka_unit_test(test_debug_rejected),
		cmocka_unit_test(test_build_id_dir), cmocka_unit_test(test_compressed),
		cmocka_unit_test(test_memory),	     cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_corrupt),	     cmocka_unit_test(test_symbol_walk),
		cmocka_unit_test(test_rela_walk),    cmocka_unit_test(test_vaddr_read),
		cmocka_unit_test(test_open_tables),
	};

	elf_version(EV_CURRENT);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
