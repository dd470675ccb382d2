// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the symbolizer: the test process itself (real
 * /proc/self/maps, its own code, libc, the vDSO), fixture processes under a
 * fake proc dir pointing at binaries compiled at run time, mapping history
 * (overlaps, fork, exec, out-of-order records) and kernel symbols.
 */
#include <dlfcn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fs.h>

#include "elf_fixtures.h"
#include "symbolize/symbolizer.h"

static char *dir;
static unsigned long checks;

static int group_setup(void **state)
{
	const char *cc = FIXTURE_CC;

	(void)state;
	dir = fixture_dir_new("/tmp/ember-sym-XXXXXX");
	run("cd %s && mkdir bin lib && %s -fPIE -pie -o bin/pie src.c && "
	    "%s -fno-PIE -no-pie -o bin/nopie src.c && %s -shared -fPIC -DLIB -o lib/lib.so src.c",
	    dir, cc, cc, cc);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_dir_free(dir);
	print_message("symbolizer: %lu lookup checks\n", checks);
	return 0;
}

struct text_seg {
	__u64 offset;
	__u64 vaddr;
	__u64 filesz;
};

/* The last executable PT_LOAD of file, read independently of the symbolizer. */
static struct text_seg text_segment(const char *file)
{
	struct text_seg t = { 0 };
	GElf_Phdr *ph;
	size_t i, n = elf_phdrs(file, &ph);

	for (i = 0; i < n; i++) {
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X)) {
			t.offset = ph[i].p_offset;
			t.vaddr = ph[i].p_vaddr;
			t.filesz = ph[i].p_filesz;
		}
	}
	free(ph);
	assert_true(t.filesz > 0);
	return t;
}

/* A maps line for file's text segment loaded with bias (0 for ET_EXEC),
 * with the file's real device and inode: what the kernel would print. */
static char *maps_line(const char *file, __u64 bias)
{
	struct text_seg t = text_segment(file);
	__u64 start = bias + (t.vaddr & ~0xfffULL);
	__u64 end = (bias + t.vaddr + t.filesz + 0xfff) & ~0xfffULL;
	struct stat st;
	char *line;

	assert_int_equal(stat(file, &st), 0);
	assert_true(asprintf(&line, "%llx-%llx r-xp %08llx %02x:%02x %llu                 %s\n",
			     (unsigned long long)start, (unsigned long long)end,
			     (unsigned long long)(t.offset & ~0xfffULL), major(st.st_dev),
			     minor(st.st_dev), (unsigned long long)st.st_ino, file) > 0);
	return line;
}

/* A MMAP2 record as the tracker passes it (identity by build id, if any). */
static void mmap_rec(struct symbolizer *s, __u32 pid, __u64 start, __u64 len, __u64 pgoff,
		     const __u8 *id, unsigned int id_size, const char *path, __u64 time)
{
	struct sym_mmap m = {
		.tgid = pid,
		.start = start,
		.len = len,
		.pgoff = pgoff,
		.build_id = id,
		.build_id_size = id_size,
		.path = path,
		.time = time,
	};

	symbolizer__mmap(s, &m);
}

static void expect_user(struct symbolizer *s, __u32 pid, __u64 addr, const struct nm_syms *nm,
			__u64 sym_start, __u64 sym_off)
{
	struct sym_result r;

	assert_int_equal(symbolizer__user(s, pid, 0, addr, &r), 0);
	if (r.status != SYM_OK)
		fail_msg("pid %u 0x%llx: status %d, module %s", pid, (unsigned long long)addr,
			 r.status, r.module ? r.module : "-");
	if (!nm_alias(nm, sym_start, r.name))
		fail_msg("pid %u 0x%llx: got %s", pid, (unsigned long long)addr, r.name);
	assert_int_equal(r.offset, sym_off);
	checks++;
}

/* Every sized function of file, loaded at bias in pid: start, middle, last
 * byte, and the byte past the end must not carry its name. */
static size_t check_process_file(struct symbolizer *s, __u32 pid, const char *file, __u64 bias)
{
	struct nm_syms nm;
	size_t i, n = 0;

	nm_load(file, &nm);
	for (i = 0; i < nm.n; i++) {
		const struct nm_sym *e = &nm.v[i];
		struct sym_result r;

		if (!is_func_type(e->type) || !e->size)
			continue;
		expect_user(s, pid, bias + e->addr, &nm, e->addr, 0);
		expect_user(s, pid, bias + e->addr + e->size / 2, &nm, e->addr, e->size / 2);
		expect_user(s, pid, bias + e->addr + e->size - 1, &nm, e->addr, e->size - 1);
		assert_int_equal(symbolizer__user(s, pid, 0, bias + e->addr + e->size, &r), 0);
		if (r.status == SYM_OK && !strcmp(r.name, e->name) &&
		    !nm_alias(&nm, e->addr + e->size, r.name))
			fail_msg("past the end of %s still named", e->name);
		checks++;
		n++;
	}
	assert_non_null(nm_find(&nm, "static_func"));
	nm_free(&nm);
	return n;
}

/* ---- the test process itself ---- */

__attribute__((noinline)) int test_marker_function(int x);
__attribute__((noinline)) int test_marker_function(int x)
{
	return x * 3 + 1;
}

/* Run-time address of a vDSO function, from its .dynsym. */
static uintptr_t vdso_addr(const char *name)
{
	const ElfW(Ehdr) *eh;
	size_t size, n, i;
	uintptr_t addr = 0;
	struct dynsym *syms;
	Elf *elf = vdso_elf(&eh, &size);

	if (!elf)
		return 0;
	n = elf_dynsyms(elf, &syms);
	for (i = 0; i < n; i++) {
		if (!strcmp(syms[i].name, name))
			addr = (uintptr_t)eh + syms[i].sym.st_value; /* vDSO vaddrs start at 0 */
	}
	free(syms);
	elf_end(elf);
	return addr;
}

static void test_self(void **state)
{
	struct symbolizer *s;
	struct symbolizer_stats st;
	struct sym_result r;
	uintptr_t a, v;
	int local;
	void *fn, *libc;

	(void)state;
	s = symbolizer__new(NULL);
	assert_non_null(s);
	assert_false(symbolizer__knows(s, (__u32)getpid(), 0));
	assert_int_equal(symbolizer__scan_pid(s, (__u32)getpid(), 1), 0);
	assert_true(symbolizer__knows(s, (__u32)getpid(), 0));

	a = (uintptr_t)&test_marker_function;
	symbolizer__user(s, (__u32)getpid(), 0, a, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "test_marker_function");
	assert_int_equal(r.offset, 0);
	symbolizer__user(s, (__u32)getpid(), 0, a + 2, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "test_marker_function");
	assert_int_equal(r.offset, 2);
	symbolizer__user(s, (__u32)getpid(), 0, (uintptr_t)&test_self + 5, &r);
	assert_string_equal(r.name, "test_self");
	checks += 3;

	/* libc: getpid is a weak alias of the global __getpid. Ask libc
	 * itself: under ASan the default lookup finds interceptors. */
	libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(libc);
	fn = dlsym(libc, "getpid");
	assert_non_null(fn);
	symbolizer__user(s, (__u32)getpid(), 0, (uintptr_t)fn, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_true(!strcmp(r.name, "getpid") || !strcmp(r.name, "__getpid"));
	assert_int_equal(r.offset, 0);
	assert_non_null(strstr(r.module, "libc"));
	fn = dlsym(libc, "qsort");
	assert_non_null(fn);
	symbolizer__user(s, (__u32)getpid(), 0, (uintptr_t)fn + 1, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "qsort");
	assert_int_equal(r.offset, 1);
	checks += 2;
	dlclose(libc);

	v = vdso_addr("__vdso_clock_gettime");
	if (v) {
		symbolizer__user(s, (__u32)getpid(), 0, v, &r);
		assert_int_equal(r.status, SYM_OK);
		assert_non_null(strstr("__vdso_clock_gettime", r.name));
		assert_string_equal(r.module, "[vdso]");
		checks++;
	}

	/* Data (not executable) and unmapped addresses have no mapping. */
	symbolizer__user(s, (__u32)getpid(), 0, (uintptr_t)&local, &r);
	assert_int_equal(r.status, SYM_NO_MAPPING);
	assert_null(r.module);
	symbolizer__user(s, (__u32)getpid(), 0, 16, &r);
	assert_int_equal(r.status, SYM_NO_MAPPING);
	symbolizer__user(s, 0x7ffffff0, 0, a, &r);
	assert_int_equal(r.status, SYM_NO_MAPPING);
	checks += 3;

	symbolizer__stats(s, &st);
	assert_int_equal(st.dsos_opened, v ? 3 : 2);
	assert_int_equal(st.dsos_failed, 0);
	assert_int_equal(st.build_id_mismatch, 0);
	symbolizer__free(s);
	symbolizer__free(NULL);
}

/* ---- fixture processes under a fake proc dir ---- */

#define PIE_BIAS 0x555555400000ULL
#define LIB_BIAS 0x7f0000000000ULL

static struct symbolizer *fixture_symbolizer(const char *sub)
{
	struct symbolizer_opts o = { 0 };
	struct symbolizer *s;
	char *proc = fpath(dir, "%s", sub);

	o.proc_dir = proc;
	o.debug_dir = dir; /* no .build-id there */
	s = symbolizer__new(&o);
	assert_non_null(s);
	free(proc);
	return s;
}

static void test_fixture_processes(void **state)
{
	char *pie = fpath(dir, "bin/pie"), *nopie = fpath(dir, "bin/nopie");
	char *lib = fpath(dir, "lib/lib.so");
	char *l1 = maps_line(pie, PIE_BIAS), *l2 = maps_line(lib, LIB_BIAS);
	char *l3 = maps_line(nopie, 0), *text, *p;
	struct symbolizer_stats st;
	struct symbolizer *s;
	struct sym_result r;
	__u64 vdso_fn;

	(void)state;
	vdso_fn = vdso_addr("__vdso_clock_gettime") - getauxval(AT_SYSINFO_EHDR);
	/* pid 100: PIE + lib + vdso + rw data + anon exec; pid 101: nopie + lib. */
	assert_true(asprintf(&text,
			     "555555000000-555555001000 r--p 00000000 08:01 11 %s\n"
			     "%s%s"
			     "7f1000000000-7f1000002000 r-xp 00000000 00:00 0                  [vdso]\n"
			     "7f2000000000-7f2000010000 rwxp 00000000 00:00 0 \n"
			     "7f3000000000-7f3000001000 r-xp 00000000 08:01 99 /nonexistent/lib x.so (deleted)\n"
			     "this line is garbage\n",
			     pie, l1, l2) > 0);
	run("mkdir -p %s/proc/100 %s/proc/101", dir, dir);
	p = fpath(dir, "proc/100/maps");
	write_text(p, text);
	free(p);
	free(text);
	assert_true(asprintf(&text, "%s%s", l3, l2) > 0);
	p = fpath(dir, "proc/101/maps");
	write_text(p, text);
	free(p);
	free(text);

	s = fixture_symbolizer("proc");
	assert_int_equal(symbolizer__scan_pid(s, 100, 1), 0);
	assert_int_equal(symbolizer__scan_pid(s, 101, 1), 0);
	assert_true(symbolizer__scan_pid(s, 102, 1) < 0);
	assert_false(symbolizer__knows(s, 102, 0));

	assert_true(check_process_file(s, 100, pie, PIE_BIAS) >= 5);
	assert_true(check_process_file(s, 100, lib, LIB_BIAS) >= 4);
	assert_true(check_process_file(s, 101, nopie, 0) >= 5);
	assert_true(check_process_file(s, 101, lib, LIB_BIAS) >= 4);

	/* r--p first page of the PIE: not code. */
	symbolizer__user(s, 100, 0, 0x555555000010ULL, &r);
	assert_int_equal(r.status, SYM_NO_MAPPING);
	symbolizer__user(s, 100, 0, 0x7f1000000000ULL + vdso_fn, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_non_null(strstr("__vdso_clock_gettime", r.name));
	symbolizer__user(s, 100, 0, 0x7f2000000123ULL, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	assert_string_equal(r.module, "[anon]");
	assert_int_equal(r.offset, 0x123);
	symbolizer__user(s, 100, 0, 0x7f3000000456ULL, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	assert_string_equal(r.module, "/nonexistent/lib x.so");
	assert_int_equal(r.offset, 0x456);
	checks += 4;

	symbolizer__stats(s, &st);
	/* pie, nopie, lib (once for both processes), vdso. */
	assert_int_equal(st.dsos_opened, 4);
	assert_int_equal(st.dsos_failed, 1);
	symbolizer__free(s);
	free(l1);
	free(l2);
	free(l3);
	free(pie);
	free(nopie);
	free(lib);
}

/* Build id of file as bytes, from readelf. */
static int build_id_bytes(const char *file, __u8 *id)
{
	char *hex = build_id_hex(file), *p;
	unsigned int b;
	int n = 0;

	for (p = hex; n < 64 && sscanf(p, "%2x", &b) == 1; p += 2)
		id[n++] = (__u8)b;
	free(hex);
	assert_int_equal(n, 20);
	return n;
}

static void test_mmap_build_id_and_root(void **state)
{
	char *pie = fpath(dir, "bin/pie");
	struct text_seg t = text_segment(pie);
	__u64 start = PIE_BIAS + (t.vaddr & ~0xfffULL), len = 0x10000;
	__u64 pgoff = t.offset & ~0xfffULL;
	struct symbolizer_stats st;
	struct symbolizer *s;
	struct sym_result r;
	struct nm_syms nm;
	__u8 id[64], bad[20];
	char *hex = build_id_hex(pie);
	struct stat pst;
	bool gen_known;
	int fd, gen = 0;
	__u64 f;

	(void)state;
	nm_load(pie, &nm);
	f = nm_find(&nm, "func_large")->addr;
	build_id_bytes(pie, id);
	memset(bad, 0xab, sizeof(bad));
	/* The container's file exists only below /proc/PID/root. */
	run("mkdir -p %s/proc/300/root/opt/app && cp %s %s/proc/300/root/opt/app/prog", dir, pie,
	    dir);

	s = fixture_symbolizer("proc");
	mmap_rec(s, 300, start, len, pgoff, id, 20, "/opt/app/prog", 5);
	mmap_rec(s, 301, start, len, pgoff, bad, 20, pie, 5);
	mmap_rec(s, 302, start, len, pgoff, id, 20, pie, 5);
	mmap_rec(s, 303, start, len, pgoff, NULL, 0, pie, 5);
	assert_int_equal(stat(pie, &pst), 0);
	fd = open(pie, O_RDONLY);
	assert_true(fd >= 0);
	gen_known = !ioctl(fd, FS_IOC_GETVERSION, &gen);
	close(fd);
	{
		struct sym_mmap m = { .tgid = 304, .start = start, .len = len, .pgoff = pgoff,
				      .dev_major = major(pst.st_dev), .dev_minor = minor(pst.st_dev),
				      .ino = pst.st_ino, .ino_generation = (__u32)gen,
				      .path = pie, .time = 5 };

		symbolizer__mmap(s, &m);
		m.tgid = 305;
		m.ino = pst.st_ino + 1000;
		symbolizer__mmap(s, &m);
		m.tgid = 306;
		m.ino = pst.st_ino;
		m.ino_generation = (__u32)gen + 1;
		symbolizer__mmap(s, &m);
	}
	assert_true(symbolizer__knows(s, 300, 0));

	symbolizer__user(s, 300, 0, PIE_BIAS + f + 3, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "func_large");
	assert_int_equal(r.offset, 3);
	assert_string_equal(r.module, "/opt/app/prog");
	/* the writers' build id (hex) and file offset */
	assert_string_equal(r.build_id, hex);
	assert_int_equal(r.file_offset, PIE_BIAS + f + 3 - start + pgoff);
	/* Wrong build id: never a (possibly wrong) name. */
	symbolizer__user(s, 301, 0, PIE_BIAS + f + 3, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	assert_string_equal(r.module, pie);
	assert_int_equal(r.offset, PIE_BIAS + f + 3 - start + pgoff);
	assert_int_equal(r.file_offset, r.offset);
	/* the id of the file that was mapped, not of the one on disk */
	assert_string_equal(r.build_id, "abababababababababababababababababababab");
	symbolizer__user(s, 302, 0, PIE_BIAS + f, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "func_large");
	/* No identity in the record at all: no file is provably the
	 * mapped one, so no name, however plausible the path. */
	symbolizer__user(s, 303, 0, PIE_BIAS + f, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	assert_null(r.build_id);
	/* Device and inode of the mapped file: named, build id read from it. */
	symbolizer__user(s, 304, 0, PIE_BIAS + f, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "func_large");
	assert_string_equal(r.build_id, hex);
	/* Another inode (the file was replaced since): never its names. */
	symbolizer__user(s, 305, 0, PIE_BIAS + f, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	/* Same inode, another generation (the inode was reused): neither. */
	symbolizer__user(s, 306, 0, PIE_BIAS + f, &r);
	if (gen_known)
		assert_int_equal(r.status, SYM_NO_SYMBOL);
	checks += 7;

	symbolizer__stats(s, &st);
	assert_int_equal(st.build_id_mismatch, gen_known ? 3 : 2);
	/* One load per build id: /opt/app/prog is a copy of the host pie. */
	assert_int_equal(st.dsos_opened, 1);
	symbolizer__free(s);
	nm_free(&nm);
	free(hex);
	free(pie);
}

/* Which mapping covers addr: its module and file offset. */
static void expect_map(struct symbolizer *s, __u32 pid, __u64 addr, const char *module, __u64 off)
{
	struct sym_result r;

	symbolizer__user(s, pid, 0, addr, &r);
	if (!module) {
		assert_int_equal(r.status, SYM_NO_MAPPING);
	} else {
		assert_int_equal(r.status, SYM_NO_SYMBOL);
		assert_string_equal(r.module, module);
		assert_int_equal(r.offset, off);
	}
	checks++;
}

static void test_mapping_history(void **state)
{
	struct symbolizer *s;

	(void)state;
	s = fixture_symbolizer("proc");
	mmap_rec(s, 1, 0x10000, 0x40000, 0, NULL, 0, "/x/A", 10);
	mmap_rec(s, 1, 0x20000, 0x10000, 0x100000, NULL, 0, "/x/B", 20);
	expect_map(s, 1, 0x18000, "/x/A", 0x8000);
	expect_map(s, 1, 0x28000, "/x/B", 0x108000);
	expect_map(s, 1, 0x38000, "/x/A", 0x28000); /* pgoff of the right part kept */
	expect_map(s, 1, 0x50000, NULL, 0);
	/* Late record older than B: fills only where B is not. */
	mmap_rec(s, 1, 0x18000, 0x20000, 0x200000, NULL, 0, "/x/C", 15);
	expect_map(s, 1, 0x14000, "/x/A", 0x4000);
	expect_map(s, 1, 0x19000, "/x/C", 0x201000);
	expect_map(s, 1, 0x28000, "/x/B", 0x108000);
	expect_map(s, 1, 0x34000, "/x/C", 0x21c000);
	expect_map(s, 1, 0x39000, "/x/A", 0x29000);

	/* fork copies; later changes stay separate. */
	symbolizer__fork(s, 1, 2, 30);
	mmap_rec(s, 1, 0x10000, 0x1000, 0, NULL, 0, "/x/D", 40);
	expect_map(s, 2, 0x10000, "/x/A", 0);
	expect_map(s, 1, 0x10000, "/x/D", 0);
	expect_map(s, 2, 0x28000, "/x/B", 0x108000);
	/* A fork record arriving after a parent mmap that is newer than it. */
	mmap_rec(s, 1, 0x60000, 0x1000, 0, NULL, 0, "/x/E", 50);
	symbolizer__fork(s, 1, 3, 45);
	expect_map(s, 3, 0x60000, NULL, 0);
	expect_map(s, 3, 0x10000, "/x/D", 0);
	symbolizer__fork(s, 999, 4, 45); /* unknown parent */
	assert_false(symbolizer__knows(s, 4, 0));

	/* exec: older maps leave the current image but still name addresses
	 * the new image does not map (stacks taken before the exec); stale
	 * records are ignored, newer ones kept and preferred. */
	mmap_rec(s, 2, 0x70000, 0x1000, 0, NULL, 0, "/x/new", 70);
	symbolizer__exec(s, 2, 60);
	expect_map(s, 2, 0x10000, "/x/A", 0);
	expect_map(s, 2, 0x28000, "/x/B", 0x108000);
	expect_map(s, 2, 0x70000, "/x/new", 0);
	expect_map(s, 2, 0x90000, NULL, 0);
	mmap_rec(s, 2, 0x10000, 0x1000, 0, NULL, 0, "/x/stale", 55);
	expect_map(s, 2, 0x10000, "/x/A", 0);
	mmap_rec(s, 2, 0x10000, 0x1000, 0x3000, NULL, 0, "/x/fresh", 65);
	expect_map(s, 2, 0x10800, "/x/fresh", 0x3800);
	expect_map(s, 2, 0x11800, "/x/A", 0x1800);
	/* An older exec record does not move the exec time back. */
	symbolizer__exec(s, 2, 50);
	expect_map(s, 2, 0x10800, "/x/fresh", 0x3800);
	assert_true(symbolizer__knows(s, 2, 0));
	/* Parent untouched by the child's exec. */
	expect_map(s, 1, 0x28000, "/x/B", 0x108000);
	symbolizer__free(s);
}

/* Exited processes are kept until forgotten, only those that exited
 * before the given time; a reused pid starts afresh. */
static void test_exit_and_forget(void **state)
{
	struct symbolizer *s;

	(void)state;
	s = fixture_symbolizer("proc");
	for (__u32 pid = 10; pid < 1010; pid++)
		mmap_rec(s, pid, 0x10000, 0x1000, 0, NULL, 0, "/x/A", 10);
	mmap_rec(s, 5, 0x20000, 0x1000, 0, NULL, 0, "/x/parent", 10);
	/* 10..509 exit at 100..599, the others live */
	for (__u32 pid = 10; pid < 510; pid++)
		symbolizer__exit(s, pid, 90 + pid);
	symbolizer__exit(s, 77777, 50); /* never seen: nothing */
	assert_int_equal(symbolizer__forget_exited(s, 100), 0);
	expect_map(s, 10, 0x10000, "/x/A", 0); /* exited, still named */
	assert_int_equal(symbolizer__forget_exited(s, 300), 200); /* 10..209 */
	assert_false(symbolizer__knows(s, 10, 0));
	assert_false(symbolizer__knows(s, 209, 0));
	assert_true(symbolizer__knows(s, 210, 0));
	assert_int_equal(symbolizer__forget_exited(s, 300), 0);
	/* pid 300 reused by a child of 5 before it was forgotten: the dead
	 * process's maps are not the child's */
	symbolizer__fork(s, 5, 300, 700);
	expect_map(s, 300, 0x10000, NULL, 0);
	expect_map(s, 300, 0x20000, "/x/parent", 0);
	/* records out of order: pid 400's exit (at 490) handled before its
	 * own fork (at 480) and the maps of its exec'd image (485) */
	mmap_rec(s, 400, 0x30000, 0x1000, 0, NULL, 0, "/x/exec", 485);
	symbolizer__fork(s, 5, 400, 480);
	expect_map(s, 400, 0x30000, "/x/exec", 0);
	/* 210..509, and both processes that had pid 400: the fork at 480
	 * proves the process mapped at 10 gone by then, and the exit at 490
	 * and the maps at 485 that reached us before the fork are the child's */
	assert_int_equal(symbolizer__forget_exited(s, 1000), 301);
	assert_true(symbolizer__knows(s, 300, 0));
	for (__u32 pid = 510; pid < 1010; pid++)
		expect_map(s, pid, 0x10000, "/x/A", 0);
	symbolizer__free(s);
}

/* Which mapping covers addr in the process that started at start. */
static void expect_map_at(struct symbolizer *s, __u32 pid, __u64 start, __u64 addr,
			  const char *module)
{
	struct sym_result r;

	symbolizer__user(s, pid, start, addr, &r);
	if (!module) {
		assert_int_equal(r.status, SYM_NO_MAPPING);
	} else {
		assert_int_equal(r.status, SYM_NO_SYMBOL);
		assert_string_equal(r.module, module);
	}
	checks++;
}

/* A PID had by several processes: each stack is named by the process
 * whose start time it carries, however the records were ordered. */
static void test_incarnations(void **state)
{
	const __u64 T = 10000000000ULL; /* 10 s: birth ranges start 2 s before a fork */
	struct symbolizer *s;

	(void)state;
	s = fixture_symbolizer("proc");
	mmap_rec(s, 5, 0x90000, 0x1000, 0, NULL, 0, "/x/parent", 10);
	/* alpha forked at T, exits; beta gets its PID at T+200 */
	symbolizer__fork(s, 5, 50, T);
	mmap_rec(s, 50, 0x10000, 0x1000, 0, NULL, 0, "/x/alpha", T + 1);
	symbolizer__exit(s, 50, T + 100);
	symbolizer__fork(s, 5, 50, T + 200);
	mmap_rec(s, 50, 0x10000, 0x1000, 0, NULL, 0, "/x/beta", T + 201);
	expect_map_at(s, 50, T - 5, 0x10000, "/x/alpha");
	expect_map_at(s, 50, T + 150, 0x10000, "/x/beta");
	expect_map_at(s, 50, T + 150, 0x90000, "/x/parent");
	/* a start no process of that PID had: nobody's names */
	expect_map_at(s, 50, T + 1000, 0x10000, NULL);
	assert_false(symbolizer__knows(s, 50, T + 1000));
	assert_true(symbolizer__knows(s, 50, T - 5));

	/* the first one's exit record was lost: the second fork ends it */
	symbolizer__fork(s, 5, 60, T);
	mmap_rec(s, 60, 0x10000, 0x1000, 0, NULL, 0, "/x/a", T + 1);
	symbolizer__fork(s, 5, 60, T + 300);
	mmap_rec(s, 60, 0x10000, 0x1000, 0, NULL, 0, "/x/b", T + 301);
	expect_map_at(s, 60, T - 1, 0x10000, "/x/a");
	expect_map_at(s, 60, T + 299, 0x10000, "/x/b");

	/* the child's exec, maps and even exit reach us before its FORK
	 * record (other CPUs' buffers) */
	mmap_rec(s, 70, 0x20000, 0x1000, 0, NULL, 0, "/x/exec", T + 50);
	symbolizer__exec(s, 70, T + 40);
	symbolizer__exit(s, 70, T + 500);
	symbolizer__fork(s, 5, 70, T + 30);
	expect_map_at(s, 70, T + 29, 0x20000, "/x/exec");
	assert_int_equal(symbolizer__forget_exited(s, T + 501), 3); /* alpha, a, 70 */
	expect_map_at(s, 50, T + 150, 0x10000, "/x/beta");
	expect_map_at(s, 50, T - 5, 0x10000, NULL);
	symbolizer__free(s);
}

static struct symbolizer *kallsyms_symbolizer(const char *kallsyms)
{
	struct symbolizer_opts o = { 0 };
	struct symbolizer *s;

	o.kallsyms_path = kallsyms;
	s = symbolizer__new(&o);
	assert_non_null(s);
	return s;
}

static void test_kernel(void **state)
{
	char *ok = fpath(dir, "kallsyms"), *zero = fpath(dir, "kallsyms0");
	struct symbolizer_stats st;
	struct symbolizer *s;
	struct sym_result r;

	(void)state;
	write_text(ok, "ffffffff81000100 T second\n"
		       "ffffffff81000000 T first\n"
		       "ffffffff81000200 T _etext\n"
		       "ffffffffc0001000 t mod_fn\t[mymod]\n");
	write_text(zero, "0000000000000000 T first\n0000000000000000 T second\n");
	s = kallsyms_symbolizer(ok);
	symbolizer__kernel(s, 0xffffffff81000105ULL, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "second");
	assert_int_equal(r.offset, 5);
	assert_string_equal(r.module, "[kernel.kallsyms]");
	assert_int_equal(r.file_offset, 0xffffffff81000105ULL);
	assert_null(r.build_id);
	symbolizer__kernel(s, 0xffffffffc0001010ULL, &r);
	assert_int_equal(r.status, SYM_OK);
	assert_string_equal(r.name, "mod_fn");
	assert_string_equal(r.module, "[mymod]");
	symbolizer__kernel(s, 0xffffffff81000300ULL, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	symbolizer__stats(s, &st);
	assert_int_equal(st.kernel_unavailable, 0);
	symbolizer__free(s);
	checks += 3;

	s = kallsyms_symbolizer(zero);
	symbolizer__kernel(s, 0xffffffff81000105ULL, &r);
	assert_int_equal(r.status, SYM_NO_SYMBOL);
	assert_string_equal(r.module, "[kernel.kallsyms]");
	assert_int_equal(r.offset, 0xffffffff81000105ULL);
	symbolizer__stats(s, &st);
	assert_int_equal(st.kernel_unavailable, 1);
	symbolizer__free(s);
	checks++;
	free(ok);
	free(zero);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_fixture_processes),
		cmocka_unit_test(test_mmap_build_id_and_root),
		cmocka_unit_test(test_mapping_history),
		cmocka_unit_test(test_exit_and_forget),
		cmocka_unit_test(test_incarnations),
		cmocka_unit_test(test_kernel),
	};

	elf_version(EV_CURRENT);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
