// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the unwind table builder (user/unwind/), against readelf:
 * `readelf --debug-dump=frames-interp` for the rules (every row it prints
 * is looked up in the table at its address) and for the row count (the
 * parser's rows are readelf's rows plus one per FDE whose program is only
 * padding, for which readelf prints none), `readelf -l` for the move from
 * ELF addresses to file offsets, nm for the signal trampoline. On the
 * installed libc and ld.so, the vDSO, and fixtures compiled here: PIE,
 * non-PIE, static (with its sigreturn trampoline), shared, without and
 * with frame pointers, a realigned frame, .debug_frame only, and a stripped
 * binary whose .debug_frame is in a separate debug file.
 */
#include "elf_fixtures.h"
#include <errno.h>
#include <sys/stat.h>
#include "unwind/unwind_table.h"

static char *dir;
static unsigned long checked_rows; /* readelf rows looked up in tables */

static const char fixture_src[] =
    "#include <signal.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "volatile int sink;\n"
    "__attribute__((noinline)) int leaf(int x) { return x * 3 + sink; }\n"
    "__attribute__((noinline)) int rec(int n) { return n ? rec(n - 1) + leaf(n) : 0; }\n"
    "static int cmp(const void *a, const void *b) { return leaf(*(const int *)a) - "
    "*(const int *)b; }\n"
    /* a stack realigned for an over-aligned local next to an alloca: gcc
	 * keeps the incoming rsp in a register (DRAP), CFA = *(rbp - 8) */
    "__attribute__((noinline)) int aligned(int x)\n"
    "{ volatile char buf[64] __attribute__((aligned(64))); char *p = __builtin_alloca(x + 1);\n"
    "  p[0] = (char)x; buf[x & 63] = p[0]; sink = buf[1]; return rec(x & 3) + buf[2]; }\n"
    "static void handler(int sig) { sink = sig; }\n"
    "#ifndef LIB\n"
    "int main(int argc, char **argv)\n"
    "{ int v[4] = { 3, 1, 2, argc }; (void)argv; signal(SIGUSR1, handler); raise(SIGUSR1);\n"
    "  qsort(v, 4, sizeof(v[0]), cmp); return aligned(argc) + rec(argc) + v[0]; }\n"
    "#endif\n";

/* ---- readelf ---- */

struct re_row {
	__u64 loc, fde_start, fde_end;
	char cfa[32], rbp[32], ra[32];
	bool signal, debug; /* S CIE; from .debug_frame */
};

struct re_frames {
	__u64 rows[2], empty[2]; /* per section: 0 .eh_frame, 1 .debug_frame */
	struct re_row *v;
	size_t n, cap;
};

/* The frames-interp rows of file (and the signal CIEs), per section. */
static void readelf_frames(const char *file, struct re_frames *out)
{
	__u64 sig_cie[16], cie_off, fde_start = 0, fde_end = 0;
	unsigned int nr_sig = 0, sec = 0, col_rbp = 0, col_ra = 0, ncols = 0, cur_rows = 0;
	bool in_fde = false, signal = false;
	char *cmd, *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	assert_true(asprintf(&cmd, "readelf --debug-dump=frames-interp %s 2>/dev/null", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long a, b, c, d, e;
		char kind[8], aug[16];

		if (!strncmp(line, "Contents of the ", 16)) {
			if (in_fde && !cur_rows)
				out->empty[sec]++;
			in_fde = false;
			sec = strstr(line, ".debug_frame") ? 1 : 0;
			continue;
		}
		if (sscanf(line, "%llx %llx %llx %7s", &a, &b, &c, kind) == 4 &&
		    (!strcmp(kind, "CIE") || !strcmp(kind, "FDE"))) {
			if (in_fde && !cur_rows)
				out->empty[sec]++;
			in_fde = !strcmp(kind, "FDE");
			cur_rows = 0;
			ncols = 0;
			if (!in_fde) {
				if (sscanf(line, "%*x %*x %*x CIE \"%15[^\"]\"", aug) == 1 &&
				    strchr(aug, 'S') && nr_sig < 16)
					sig_cie[nr_sig++] = a;
				continue;
			}
			assert_int_equal(
			    sscanf(strstr(line, "cie="), "cie=%llx pc=%llx..%llx", &d, &e, &c), 3);
			cie_off = d;
			fde_start = e;
			fde_end = c;
			signal = false;
			for (unsigned int i = 0; i < nr_sig; i++)
				signal |= sig_cie[i] == cie_off;
			continue;
		}
		if (strstr(line, "   LOC ")) {
			char *tok, *save;
			unsigned int i = 0;

			col_rbp = col_ra = 0;
			for (tok = strtok_r(line, " \n", &save); tok;
			     tok = strtok_r(NULL, " \n", &save), i++) {
				if (!strcmp(tok, "rbp"))
					col_rbp = i;
				if (!strcmp(tok, "ra"))
					col_ra = i;
			}
			ncols = i;
			continue;
		}
		if (in_fde && ncols && sscanf(line, "%llx", &a) == 1 && strlen(line) > 17 &&
		    line[16] == ' ') {
			struct re_row r = { .loc = a, .fde_start = fde_start, .fde_end = fde_end };
			char *tok, *save;
			unsigned int i = 0;

			r.signal = signal;
			r.debug = sec == 1;
			strcpy(r.rbp, "u");
			for (tok = strtok_r(line, " \n", &save); tok;
			     tok = strtok_r(NULL, " \n", &save), i++) {
				/* a register rule prints as "r10 (r10)": one column */
				if (tok[0] == '(') {
					i--;
					continue;
				}
				if (i == 1)
					snprintf(r.cfa, sizeof(r.cfa), "%s", tok);
				else if (col_rbp && i == col_rbp)
					snprintf(r.rbp, sizeof(r.rbp), "%s", tok);
				else if (i == col_ra)
					snprintf(r.ra, sizeof(r.ra), "%s", tok);
			}
			out->rows[sec]++;
			cur_rows++;
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 1024;
				out->v = realloc(out->v, out->cap * sizeof(*out->v));
				assert_non_null(out->v);
			}
			out->v[out->n++] = r;
		}
	}
	if (in_fde && !cur_rows)
		out->empty[sec]++;
	/* readelf exits 1 when a section asked for is missing (.debug_frame) */
	pclose(f);
	assert_true(out->rows[0] + out->rows[1] + out->empty[0] + out->empty[1] > 0);
	free(line);
	free(cmd);
}

struct re_load {
	__u64 off, vaddr, filesz;
};

/* The PT_LOADs of file as readelf -l prints them. */
static size_t readelf_loads(const char *file, struct re_load *v, size_t max)
{
	char *cmd, *line = NULL;
	size_t cap = 0, n = 0;
	FILE *f;

	assert_true(asprintf(&cmd, "readelf -lW %s", file) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		unsigned long long off, va, pa, fsz;

		if (n < max &&
		    sscanf(line, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx", &off, &va, &pa, &fsz) == 4) {
			v[n].off = off;
			v[n].vaddr = va;
			v[n].filesz = fsz;
			n++;
		}
	}
	assert_int_equal(pclose(f), 0);
	free(line);
	free(cmd);
	assert_true(n > 0);
	return n;
}

static bool vaddr_to_off(const struct re_load *l, size_t n, __u64 va, __u64 *off)
{
	for (size_t i = 0; i < n; i++) {
		if (va >= l[i].vaddr && va - l[i].vaddr < l[i].filesz) {
			*off = va - l[i].vaddr + l[i].off;
			return true;
		}
	}
	return false;
}

/* ---- checks ---- */

/* Parses "rsp+16" into reg and offset. */
static bool reg_off(const char *s, char *reg, long *off)
{
	return sscanf(s, "%7[a-z0-9]%ld", reg, off) == 2;
}

/* The rule readelf's columns say, checked against the table's row. */
/* A mismatch names the row: readelf's columns and the table's rule. */
#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail_msg(                                                                  \
			    "%s: at %#llx readelf says CFA %s rbp %s ra %s, the table kind %#x "   \
			    "cfa8 %d rbp8 %d",                                                     \
			    #cond, (unsigned long long)r->loc, r->cfa, r->rbp, r->ra, row->kind,   \
			    row->cfa8, row->rbp8);                                                 \
	} while (0)

static void check_rule(const struct re_row *r, const struct ember_unw_row *row)
{
	unsigned int kind = row->kind & EMBER_UNW_KIND_MASK;
	bool rbp_rel = row->kind & EMBER_UNW_RBP_REL;
	char reg[8];
	long off;

	if (r->signal) {
		EXPECT(kind == EMBER_UNW_SIGNAL);
		return;
	}
	if (!strcmp(r->ra, "u")) {
		EXPECT(kind == EMBER_UNW_STOP);
		return;
	}
	if (strcmp(r->ra, "c-8")) {
		EXPECT(kind == EMBER_UNW_INVALID);
		return;
	}
	/* rbp: unchanged, saved at CFA+N, or an expression (realigned) */
	if (!strcmp(r->rbp, "u") || !strcmp(r->rbp, "s")) {
		if (kind != EMBER_UNW_INVALID)
			EXPECT(row->rbp8 == 0 && !rbp_rel);
	} else if (r->rbp[0] == 'c' && sscanf(r->rbp + 1, "%ld", &off) == 1 && off % 8 == 0 &&
		   off && off / 8 >= -128 && off / 8 <= 127) {
		if (kind != EMBER_UNW_INVALID) {
			EXPECT(row->rbp8 == off / 8);
			EXPECT(!rbp_rel);
		}
	} else if (!strcmp(r->rbp, "exp")) {
		EXPECT(rbp_rel || kind == EMBER_UNW_INVALID);
		return;
	} else {
		EXPECT(kind == EMBER_UNW_INVALID);
		return;
	}
	if (!strcmp(r->cfa, "exp")) {
		EXPECT(kind == EMBER_UNW_PLT10 || kind == EMBER_UNW_PLT11 ||
		       kind == EMBER_UNW_DEREF_RBP || kind == EMBER_UNW_DEREF_RSP ||
		       kind == EMBER_UNW_RSP || kind == EMBER_UNW_RBP || kind == EMBER_UNW_INVALID);
		return;
	}
	EXPECT(reg_off(r->cfa, reg, &off));
	if ((strcmp(reg, "rsp") && strcmp(reg, "rbp")) || off % 8) {
		EXPECT(kind == EMBER_UNW_INVALID);
		return;
	}
	if (!strcmp(r->rbp, "u") || !strcmp(r->rbp, "s") || r->rbp[0] == 'c') {
		EXPECT(kind == (unsigned int)(strcmp(reg, "rsp") ? EMBER_UNW_RBP : EMBER_UNW_RSP));
		EXPECT(row->cfa8 == off / 8);
	}
}

/* The table's structure: sorted, merged, and an index that finds what a
 * linear search finds. */
static void check_structure(const struct unwind_table *t)
{
	__u32 n, nb;
	const struct ember_unw_row *rows = unwind_table__rows(t, &n);
	const __u32 *idx = unwind_table__index(t, &nb);
	__u64 lo = unwind_table__off_lo(t);
	__u64 k;

	if (!n) {
		assert_int_equal(nb, 0);
		return;
	}
	assert_int_equal(unwind_table__bytes(t), (size_t)n * 8 + (size_t)nb * 4);
	assert_int_equal(lo % 256, 0);
	assert_true(rows[0].off >= lo && rows[0].off - lo < 256);
	/* the last row ends the table: nothing after it has a rule */
	assert_true((rows[n - 1].kind & EMBER_UNW_KIND_MASK) == EMBER_UNW_INVALID);
	assert_int_equal(nb, ((rows[n - 1].off - lo) >> 8) + 2);
	for (__u32 i = 1; i < n; i++) {
		assert_true(rows[i].off > rows[i - 1].off);
		assert_false(rows[i].cfa8 == rows[i - 1].cfa8 && rows[i].rbp8 == rows[i - 1].rbp8 &&
			     rows[i].kind == rows[i - 1].kind);
	}
	for (k = 0; k < nb; k++) {
		__u64 start = lo + (k << 8);
		__u32 want = 0;

		for (__u32 i = 0; i < n && rows[i].off <= start; i++)
			want = i;
		assert_int_equal(idx[k], want);
		if (n > 2000 && k > 64)
			k += 37; /* large tables: a sample of blocks */
	}
	/* every row is found at its own offset and just before the next */
	for (__u32 i = 0; i < n; i++) {
		assert_ptr_equal(unwind_table__lookup(t, rows[i].off), &rows[i]);
		if (i + 1 < n)
			assert_ptr_equal(unwind_table__lookup(t, rows[i + 1].off - 1), &rows[i]);
	}
	assert_null(unwind_table__lookup(t, lo + ((__u64)nb << 8)));
	if (lo)
		assert_null(unwind_table__lookup(t, lo - 1));
}

static struct unwind_table *table_of(const char *file, const struct unwind_table_opts *o)
{
	struct unwind_table *t;
	int fd = open(file, O_RDONLY);

	assert_true(fd >= 0);
	t = unwind_table__new_fd(fd, o);
	if (!t)
		fail_msg("%s: %s", file, strerror(errno));
	close(fd);
	return t;
}

/*
 * file's table against readelf. cfi_file is where readelf finds the CFI
 * the table used beyond file's own .eh_frame (a separate debug file), or
 * NULL. Returns the table.
 */
static struct unwind_table *check_file(const char *file, const char *cfi_file,
				       const struct unwind_table_opts *o)
{
	struct unwind_table *t = table_of(file, o);
	const struct unwind_table_counts *c = unwind_table__counts(t);
	struct re_frames re, dbg;
	struct re_load loads[16];
	size_t nl = readelf_loads(file, loads, 16), i, checked = 0;
	__u64 fde_rows = 0, min_pc = ~0ULL, off = 0;
	__u32 n;
	const struct ember_unw_row *rows = unwind_table__rows(t, &n);

	readelf_frames(file, &re);
	/* the identity: rows = readelf's rows + FDEs it prints none for */
	assert_int_equal(c->eh.rows, re.rows[0] + re.empty[0]);
	assert_int_equal(c->eh.fdes_empty, re.empty[0]);
	assert_int_equal(c->eh.fdes_bad, 0);
	if (cfi_file) {
		readelf_frames(cfi_file, &dbg);
		assert_int_equal(c->debug.rows, dbg.rows[1] + dbg.empty[1]);
		assert_true(c->sources & UNWIND_SRC_DEBUG_FILE);
	} else {
		assert_int_equal(c->debug.rows, re.rows[1] + re.empty[1]);
		dbg = re;
		dbg.v = NULL;
		dbg.n = 0;
	}
	for (unsigned int k = 0; k < UNWIND_CFA_CLASSES; k++)
		fde_rows += c->cfa[k];
	assert_int_equal(fde_rows, c->eh.rows + c->debug.rows);
	check_structure(t);

	/* every row readelf prints, looked up at its file offset (through
	 * readelf -l), where its range is not empty */
	for (int pass = 0; pass < 2; pass++) {
		const struct re_frames *fr = pass ? &dbg : &re;

		for (i = 0; i < fr->n; i++) {
			const struct re_row *r = &fr->v[i];
			const struct ember_unw_row *row;

			if (pass == 0 && r->debug && cfi_file)
				continue;
			if (r->loc < min_pc)
				min_pc = r->loc;
			if (r->loc >= r->fde_end || r->loc < r->fde_start ||
			    (i + 1 < fr->n && fr->v[i + 1].fde_start == r->fde_start &&
			     fr->v[i + 1].loc == r->loc))
				continue;
			assert_true(vaddr_to_off(loads, nl, r->loc, &off));
			row = unwind_table__lookup(t, off);
			assert_non_null(row);
			check_rule(r, row);
			checked++;
		}
	}
	assert_true(checked > 0);
	checked_rows += checked;
	/* the first row is the lowest FDE start's file offset */
	if (n && !(unwind_table__flags(t) & EMBER_UNW_FILE_FP_ONLY)) {
		__u64 lowest = ~0ULL;

		for (i = 0; i < re.n; i++)
			if (re.v[i].fde_start < lowest)
				lowest = re.v[i].fde_start;
		for (i = 0; i < dbg.n; i++)
			if (dbg.v[i].fde_start < lowest)
				lowest = dbg.v[i].fde_start;
		assert_true(vaddr_to_off(loads, nl, lowest, &off));
		assert_true(rows[0].off <= off);
	}
	free(re.v);
	free(dbg.v);
	return t;
}

static char *fix(const char *name)
{
	return fpath(dir, "%s", name);
}

static void check_fixture(const char *name)
{
	char *f = fix(name);

	unwind_table__free(check_file(f, NULL, NULL));
	free(f);
}

/* ---- tests ---- */

static void test_libc_and_ld_so(void **state)
{
	const char *files[] = { "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2" };

	(void)state;
	for (unsigned int i = 0; i < 2; i++) {
		struct unwind_table *t = check_file(files[i], NULL, NULL);
		const struct unwind_table_counts *c = unwind_table__counts(t);
		unsigned int n;

		/* both carry PLT rows, glibc's __restore_rt signal frame, and
		 * a build id */
		assert_true(c->table_rows[EMBER_UNW_PLT10] + c->table_rows[EMBER_UNW_PLT11] > 0);
		assert_true(c->table_rows[EMBER_UNW_SIGNAL] > 0 || i == 1);
		assert_non_null(unwind_table__build_id(t, &n));
		assert_int_equal(n, 20);
		assert_false(unwind_table__flags(t) & EMBER_UNW_FILE_FP_ONLY);
		unwind_table__free(t);
	}
}

static void test_fixtures(void **state)
{
	(void)state;
	check_fixture("pie");
	check_fixture("nopie");
	check_fixture("lib.so");
	check_fixture("nofp");
	check_fixture("static");
}

/* -fno-omit-frame-pointer: CFA = rbp + 16 inside the functions. */
static void test_frame_pointers(void **state)
{
	char *f = fix("fp");
	struct unwind_table *t = check_file(f, NULL, NULL);

	(void)state;
	assert_true(unwind_table__counts(t)->table_rows[EMBER_UNW_RBP] > 0);
	unwind_table__free(t);
	free(f);
}

/* The over-aligned local: CFA = *(rbp - 8), rbp saved at [rbp]. */
static void test_realigned_frame(void **state)
{
	char *f = fix("pie");
	struct unwind_table *t = table_of(f, NULL);
	__u32 n, i, found = 0;
	const struct ember_unw_row *rows = unwind_table__rows(t, &n);

	(void)state;
	for (i = 0; i < n; i++) {
		if (rows[i].kind == (EMBER_UNW_DEREF_RBP | EMBER_UNW_RBP_REL) &&
		    rows[i].cfa8 == -1 && rows[i].rbp8 == 0)
			found++;
	}
	assert_true(found > 0);
	unwind_table__free(t);
	free(f);
}

/* A static binary's signal trampoline: glibc's __restore_rt, whose FDE
 * (CIE "zRS") starts one byte early for the walker's pc - 1 lookup. */
static void test_signal_frame(void **state)
{
	char *f = fix("static");
	struct unwind_table *t = table_of(f, NULL);
	struct nm_syms syms;
	const struct nm_sym *s;
	const struct ember_unw_row *row;
	struct re_load loads[16];
	size_t nl = readelf_loads(f, loads, 16);
	__u64 off = 0;

	(void)state;
	nm_load(f, &syms);
	s = nm_find(&syms, "__restore_rt");
	assert_non_null(s);
	assert_true(vaddr_to_off(loads, nl, s->addr, &off));
	for (__u64 o = off - 1; o < off + 9; o++) {
		row = unwind_table__lookup(t, o);
		assert_non_null(row);
		assert_int_equal(row->kind, EMBER_UNW_SIGNAL);
	}
	/* the byte before belongs to the code before it, not to the frame */
	row = unwind_table__lookup(t, off - 2);
	assert_true(!row || row->kind != EMBER_UNW_SIGNAL);
	nm_free(&syms);
	unwind_table__free(t);
	free(f);
}

/* gcc -fno-asynchronous-unwind-tables -fno-unwind-tables -g: the code is
 * in .debug_frame only (.eh_frame has the crt's start code and the PLT). */
static void test_debug_frame(void **state)
{
	char *f = fix("dbgframe");
	struct unwind_table *t = check_file(f, NULL, NULL);
	const struct unwind_table_counts *c = unwind_table__counts(t);

	(void)state;
	assert_true(c->sources & UNWIND_SRC_EH_FRAME);
	assert_true(c->sources & UNWIND_SRC_DEBUG_FRAME);
	assert_true(c->debug.fdes > 0);
	assert_int_equal(c->fdes_overlap, 0);
	unwind_table__free(t);
	free(f);
}

/* The same stripped, its .debug_frame in a separate debug file: found by
 * .gnu_debuglink beside it only when allowed, by build id under the
 * debug directory, or handed over by the caller. */
static void test_debug_file(void **state)
{
	char *f = fix("dl/prog"), *dbg = fix("dl/prog.debug"), *ddir = fix("dbg");
	struct unwind_table_opts o = { .path = f, .debug_fd = -1, .debug_dir = "" };
	struct unwind_table *t, *ref;
	__u32 n, nref;

	(void)state;
	ref = table_of(f, &o); /* not allowed beside: .eh_frame only */
	assert_false(unwind_table__counts(ref)->sources & UNWIND_SRC_DEBUG_FILE);
	unwind_table__rows(ref, &nref);

	o.debug_beside = true;
	t = check_file(f, dbg, &o);
	unwind_table__rows(t, &n);
	assert_true(n > nref);
	unwind_table__free(t);

	o.debug_beside = false;
	o.debug_dir = ddir;
	o.path = NULL;
	t = check_file(f, dbg, &o);
	unwind_table__free(t);

	o.debug_dir = "";
	o.debug_fd = open(dbg, O_RDONLY);
	assert_true(o.debug_fd >= 0);
	t = check_file(f, dbg, &o);
	close(o.debug_fd);
	unwind_table__free(t);

	/* a debug file of another build is refused */
	{
		char *other = fix("pie.debug");

		o.debug_fd = open(other, O_RDONLY);
		assert_true(o.debug_fd >= 0);
		t = table_of(f, &o);
		assert_false(unwind_table__counts(t)->sources & UNWIND_SRC_DEBUG_FILE);
		close(o.debug_fd);
		unwind_table__free(t);
		free(other);
	}
	unwind_table__free(ref);
	free(f);
	free(dbg);
	free(ddir);
}

/* The vDSO from memory, against readelf on a copy of it. */
static void test_vdso(void **state)
{
	const ElfW(Ehdr) * eh;
	size_t size;
	Elf *elf = vdso_elf(&eh, &size);
	struct unwind_table *t, *tf;
	char *copy;
	__u32 n, nf;

	(void)state;
	if (!elf)
		skip();
	elf_end(elf);
	copy = fix("vdso.so");
	{
		FILE *out = fopen(copy, "w");

		assert_non_null(out);
		assert_int_equal(fwrite(eh, 1, size, out), size);
		assert_int_equal(fclose(out), 0);
	}
	t = unwind_table__new_mem(eh, size, "[vdso]");
	assert_non_null(t);
	check_structure(t);
	tf = check_file(copy, NULL, NULL);
	unwind_table__rows(t, &n);
	unwind_table__rows(tf, &nf);
	assert_true(n > 0);
	assert_int_equal(n, nf);
	assert_memory_equal(unwind_table__rows(t, &n), unwind_table__rows(tf, &nf), n * 8);
	unwind_table__free(tf);
	unwind_table__free(t);
	free(copy);
}

/* The .eh_frame section of file: its offset and size (libelf). */
static void eh_frame_of(const char *file, __u64 *off, __u64 *size)
{
	int fd;
	Elf *elf = elf_open_file(file, &fd);
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	*size = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		assert_non_null(gelf_getshdr(scn, &sh));
		if (!strcmp(elf_strptr(elf, shstrndx, sh.sh_name), ".eh_frame")) {
			*off = sh.sh_offset;
			*size = sh.sh_size;
		}
	}
	elf_close_file(elf, fd);
	assert_true(*size > 64);
}

static void *slurp(const char *file, size_t *size)
{
	struct stat st;
	void *buf;
	int fd = open(file, O_RDONLY);

	assert_true(fd >= 0 && !fstat(fd, &st));
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*size = (size_t)st.st_size;
	return buf;
}

/* A broken .eh_frame fails cleanly (EBADMSG), a merely odd one yields a
 * table or an error, never a crash (the fuzzer goes further). */
static void test_broken_eh_frame(void **state)
{
	char *f = fix("pie");
	__u64 off = 0, size = 0;
	size_t len;
	__u8 *img = slurp(f, &len), *copy = malloc(len);
	struct unwind_table *t;

	(void)state;
	assert_non_null(copy);
	eh_frame_of(f, &off, &size);
	/* the first entry's length runs past the section */
	memcpy(copy, img, len);
	memcpy(copy + off, "\xf0\xff\xff\x7f", 4);
	errno = 0;
	assert_null(unwind_table__new_mem(copy, len, "bad"));
	assert_int_equal(errno, EBADMSG);
	/* a 64-bit length past the section */
	memcpy(copy, img, len);
	memcpy(copy + off, "\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01", 12);
	assert_null(unwind_table__new_mem(copy, len, "bad"));
	assert_int_equal(errno, EBADMSG);
	/* garbage over the whole section, byte patterns and a fixed LCG */
	for (unsigned int seed = 1; seed < 200; seed++) {
		__u32 x = seed * 2654435761u;

		memcpy(copy, img, len);
		for (__u64 i = 0; i < size; i++) {
			x = x * 1103515245u + 12345u;
			if (seed < 100 ? (x >> 16) % 7 == 0 : 1)
				copy[off + i] = (__u8)(x >> 24);
		}
		t = unwind_table__new_mem(copy, len, "garbage");
		if (t)
			check_structure(t);
		else
			assert_true(errno == EBADMSG);
		unwind_table__free(t);
	}
	/* the file cut short inside .eh_frame */
	t = unwind_table__new_mem(img, (size_t)(off + size / 2), "truncated");
	if (t)
		check_structure(t);
	unwind_table__free(t);
	free(copy);
	free(img);
	free(f);
}

/* A file without CFI: no rows, no error; not an ELF file: EINVAL. */
static void test_no_cfi(void **state)
{
	char *f = fix("src.c");
	int fd = open(f, O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	errno = 0;
	assert_null(unwind_table__new_fd(fd, NULL));
	assert_int_equal(errno, EINVAL);
	close(fd);
	free(f);
	f = fix("nocfi");
	{
		struct unwind_table *t = table_of(f, NULL);
		__u32 n;

		unwind_table__rows(t, &n);
		assert_int_equal(n, 0);
		assert_null(unwind_table__lookup(t, 0x1000));
		unwind_table__free(t);
	}
	free(f);
}

static int group_setup(void **state)
{
	const char *cc = FIXTURE_CC;

	(void)state;
	dir = fixture_dir_new("/tmp/ember-unw-XXXXXX");
	{
		char *src = fix("unw.c");

		write_text(src, fixture_src);
		free(src);
	}
	run("cd %s && %s -fPIE -pie -o pie unw.c", dir, cc);
	run("cd %s && %s -fno-PIE -no-pie -o nopie unw.c", dir, cc);
	run("cd %s && %s -static -o static unw.c", dir, cc);
	run("cd %s && %s -shared -fPIC -DLIB -o lib.so unw.c", dir, cc);
	run("cd %s && %s -O2 -fomit-frame-pointer -o nofp unw.c", dir, cc);
	run("cd %s && %s -fno-omit-frame-pointer -o fp unw.c", dir, cc);
	run("cd %s && %s -fno-asynchronous-unwind-tables -fno-unwind-tables -o dbgframe unw.c", dir,
	    cc);
	run("cd %s && %s -DVARIANT -fPIE -pie -o pie2 unw.c && objcopy --only-keep-debug pie2 "
	    "pie.debug",
	    dir, cc);
	/* stripped, .debug_frame in dl/prog.debug by debuglink and by build id */
	run("cd %s && mkdir -p dl && objcopy --only-keep-debug dbgframe dl/prog.debug && "
	    "strip -o dl/prog dbgframe && objcopy --add-gnu-debuglink=dl/prog.debug dl/prog",
	    dir);
	{
		char *prog = fix("dl/prog"), *hex = build_id_hex(prog);

		run("cd %s && mkdir -p dbg/.build-id/%.2s && cp dl/prog.debug "
		    "dbg/.build-id/%.2s/%s.debug",
		    dir, hex, hex, hex + 2);
		free(hex);
		free(prog);
	}
	/* no CFI at all */
	run("cd %s && printf 'int f(int x){return x+1;}\\n' > nocfi.c && gcc -O1 -shared -fPIC "
	    "-nostdlib -fno-asynchronous-unwind-tables -fno-unwind-tables -o nocfi nocfi.c",
	    dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_dir_free(dir);
	printf("unwind_table: %lu readelf rows checked against tables\n", checked_rows);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libc_and_ld_so),	cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_frame_pointers),	cmocka_unit_test(test_realigned_frame),
		cmocka_unit_test(test_signal_frame),	cmocka_unit_test(test_debug_frame),
		cmocka_unit_test(test_debug_file),	cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_broken_eh_frame), cmocka_unit_test(test_no_cfi),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
