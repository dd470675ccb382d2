// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the BPF .eh_frame table walk (bpf/unwind_walk.h), built
 * as host C. The world is synthetic and laid out by hand, so every
 * expected frame is known: a stack image for unw_read_user, a process's
 * mappings for unw_mapping, and files whose rows are written here and
 * whose block index the test computes by brute force from the ABI's
 * definition (the last row starting at or before each block's first
 * byte), independently of the walker's search.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#define EMBER_UNWIND_WALK_HOST
#include "unwind_walk.h"

#define TGID 4242

/* ---- the stack image: words from STACK_BASE up ---- */
#define STACK_BASE 0x7ffd00000000ULL
#define STACK_WORDS 4096

static __u64 image[STACK_WORDS];

long unw_read_user(void *dst, __u32 size, __u64 addr)
{
	if (addr < STACK_BASE || addr + size > STACK_BASE + sizeof(image) || addr + size < addr)
		return -EFAULT;
	memcpy(dst, (const char *)image + (addr - STACK_BASE), size);
	return 0;
}

static __u64 at(unsigned int w)
{
	return STACK_BASE + w * 8ULL;
}

static void put(unsigned int w, __u64 v)
{
	image[w] = v;
}

/* ---- tables ---- */
#define MAX_ROWS 16384
#define MAX_BLOCKS 4096
#define MAX_FILES 8

static struct ember_unw_row rows[MAX_ROWS];
static __u32 nr_rows;
static __u32 blocks[MAX_BLOCKS];
static __u32 nr_blocks;
static struct ember_unw_file files[MAX_FILES];
static __u32 nr_files;

const struct ember_unw_file *unw_file(__u32 idx)
{
	return idx < nr_files ? &files[idx] : NULL;
}

const __u32 *unw_block(__u32 i)
{
	return i < nr_blocks ? &blocks[i] : NULL;
}

const struct ember_unw_row *unw_row(__u32 i)
{
	return i < nr_rows ? &rows[i] : NULL;
}

static struct ember_unw_row row(__u32 off, __u8 kind, __s16 cfa8, __s8 rbp8)
{
	struct ember_unw_row r = { .off = off, .cfa8 = cfa8, .rbp8 = rbp8, .kind = kind };

	return r;
}

/* Add a file with n rows sorted by offset; its file_idx. Blocks run from
 * the first row's block to the last row's, plus the closing entry. */
static __u32 add_file(const struct ember_unw_row *r, __u32 n, __u32 flags)
{
	struct ember_unw_file *f = &files[nr_files];
	__u64 off_lo = r[0].off & ~((1ULL << EMBER_UNW_BLOCK_SHIFT) - 1);
	__u32 nb = ((r[n - 1].off - off_lo) >> EMBER_UNW_BLOCK_SHIFT) + 2;

	assert_true(nr_files < MAX_FILES && nr_rows + n <= MAX_ROWS &&
		    nr_blocks + nb <= MAX_BLOCKS);
	memset(f, 0, sizeof(*f));
	f->row_lo = nr_rows;
	f->nr_rows = n;
	f->idx_lo = nr_blocks;
	f->nr_blocks = nb;
	f->off_lo = off_lo;
	f->flags = flags | EMBER_UNW_FILE_READY;
	memcpy(&rows[nr_rows], r, n * sizeof(*r));
	for (__u32 b = 0; b < nb; b++) {
		__u64 first = off_lo + ((__u64)b << EMBER_UNW_BLOCK_SHIFT);
		__u32 last = 0;

		for (__u32 i = 0; i < n; i++)
			if (r[i].off <= first)
				last = i;
		blocks[nr_blocks + b] = last;
	}
	nr_rows += n;
	nr_blocks += nb;
	return nr_files++;
}

/* ---- the process's mappings ---- */
#define MAX_MAPS 8

static struct ember_unw_mapping maps[MAX_MAPS];
static __u32 nr_maps;
static int map_lookups;

const struct ember_unw_mapping *unw_mapping(__u32 tgid, __u64 addr)
{
	map_lookups++;
	if (tgid != TGID)
		return NULL;
	for (__u32 i = 0; i < nr_maps; i++)
		if (addr >= maps[i].start && addr < maps[i].end)
			return &maps[i];
	return NULL;
}

static void add_map(__u64 start, __u64 end, __u64 pgoff, __u32 file_idx)
{
	struct ember_unw_mapping *m = &maps[nr_maps++];

	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->file_idx = file_idx;
	m->flags = 0;
}

/* ---- uretprobes: the return instances, by the stack slot ---- */
#define XOL 0x7ffff7ff0000ULL

static __u64 ri_slot, ri_orig;

__u64 unw_uretprobe_ret(__u64 slot)
{
	return slot == ri_slot ? ri_orig : 0;
}

/*
 * The exe, mapped at 0x400000 from file offset 0 (addresses are file
 * offsets + 0x400000):
 *   0x1000 leaf    frameless: CFA = rsp + 8
 *   0x1100 mid     push rbp at 0x1100, then CFA = rsp + 16, rbp at CFA-16
 *   0x1200 main    push rbp; mov rsp,rbp: CFA = rbp + 16, rbp at CFA-16
 *   0x1300 _start  STOP
 *   0x1340 ...     a gap (INVALID) up to 0x1400
 *   0x1400 realign GCC's realigned frame: CFA = *(rbp - 8), rbp at [rbp]
 *   0x1500 rec     frameless recursion: CFA = rsp + 8
 *   0x1600 PLT     .plt (threshold 11), 0x1700 .plt.sec-style (10)
 *   0x1800 lframe  a leaf with rbp frame: CFA = rbp + 16
 *   0x1900 stepper frame pointer code without CFI (FP row)
 *   0x1a00 back    CFA = rbp + 16 (used with a stale rbp)
 *   0x1b00 end     INVALID: the end of the table
 */
#define EXE 0x400000ULL
#define LEAF (EXE + 0x1000)
#define MID (EXE + 0x1100)
#define MAIN (EXE + 0x1200)
#define START (EXE + 0x1300)
#define GAP (EXE + 0x1340)
#define REALIGN (EXE + 0x1400)
#define REC (EXE + 0x1500)
#define PLT (EXE + 0x1600)
#define PLTSEC (EXE + 0x1700)
#define LFRAME (EXE + 0x1800)
#define STEPPER (EXE + 0x1900)
#define BACK (EXE + 0x1a00)

/*
 * libc, mapped at 0x7f0000001000 from file offset 0x1000 (addresses are
 * file offsets + 0x7f0000000000):
 *   0x2000 handler  frameless: CFA = rsp + 8
 *   0x20ff restorer SIGNAL from one byte before __restore_rt (0x2100)
 *   0x2110 ...      INVALID
 */
#define LIBC 0x7f0000000000ULL
#define HANDLER (LIBC + 0x2000)
#define RESTORE_RT (LIBC + 0x2100)

/* A library whose table is still being built. */
#define PENDING_LIB 0x7f1000000000ULL

static __u32 exe_file;

static int reset(void **state)
{
	static const struct ember_unw_row exe[] = {
		{ 0x1000, 1, 0, EMBER_UNW_RSP },
		{ 0x1100, 1, 0, EMBER_UNW_RSP },
		{ 0x1101, 2, -2, EMBER_UNW_RSP },
		{ 0x1200, 1, 0, EMBER_UNW_RSP },
		{ 0x1201, 2, -2, EMBER_UNW_RSP },
		{ 0x1204, 2, -2, EMBER_UNW_RBP },
		{ 0x1300, 0, 0, EMBER_UNW_STOP },
		{ 0x1340, 0, 0, EMBER_UNW_INVALID },
		{ 0x1400, 1, 0, EMBER_UNW_RSP },
		{ 0x1410, -1, 0, EMBER_UNW_DEREF_RBP | EMBER_UNW_RBP_REL },
		{ 0x1500, 1, 0, EMBER_UNW_RSP },
		{ 0x1600, 0, 0, EMBER_UNW_PLT11 },
		{ 0x1700, 0, 0, EMBER_UNW_PLT10 },
		{ 0x1800, 2, -2, EMBER_UNW_RBP },
		{ 0x1900, 0, 0, EMBER_UNW_FP },
		{ 0x1a00, 2, -2, EMBER_UNW_RBP },
		{ 0x1b00, 0, 0, EMBER_UNW_INVALID },
	};
	static const struct ember_unw_row libc[] = {
		{ 0x2000, 1, 0, EMBER_UNW_RSP },
		{ 0x20ff, 0, 0, EMBER_UNW_SIGNAL },
		{ 0x2110, 0, 0, EMBER_UNW_INVALID },
	};

	(void)state;
	memset(image, 0, sizeof(image));
	nr_rows = nr_blocks = nr_files = nr_maps = 0;
	map_lookups = 0;
	ri_slot = ri_orig = 0;
	exe_file = add_file(exe, sizeof(exe) / sizeof(exe[0]), 0);
	add_map(EXE, EXE + 0x2000, 0, exe_file);
	add_map(LIBC + 0x1000, LIBC + 0x3000, 0x1000,
		add_file(libc, sizeof(libc) / sizeof(libc[0]), 0));
	add_map(PENDING_LIB, PENDING_LIB + 0x1000, 0, EMBER_UNW_FILE_PENDING);
	return 0;
}

static struct unw_state st;

/* Walk from the registers to the end, as bpf_loop would: at most
 * EMBER_MAX_STACK_DEPTH steps (the walk ends itself by then). */
static struct unw_state *walk(__u64 ip, __u64 sp, __u64 bp)
{
	memset(&st, 0xa5, sizeof(st)); /* what the walk leaves unset shows */
	unw_init(&st, TGID, ip, sp, bp, XOL);
	for (int i = 0; i < EMBER_MAX_STACK_DEPTH; i++)
		if (unw_step(&st))
			break;
	return &st;
}

/* The walk's frames are exactly ips[0..n), zero-terminated, and it ended
 * for reason end, of class cls. */
static void check(const struct unw_state *s, const __u64 *ips, __u32 n, __u8 end, __u8 cls)
{
	assert_int_equal(s->end, end);
	assert_int_equal(s->cls, cls);
	assert_int_equal(s->n, n);
	for (__u32 i = 0; i < n; i++)
		assert_int_equal(s->ips.ips[i], ips[i]);
	if (n < EMBER_MAX_STACK_DEPTH)
		assert_int_equal(s->ips.ips[n], 0);
}

#define CHECK(s, end, cls, ...)                                                                    \
	do {                                                                                       \
		const __u64 want_[] = { __VA_ARGS__ };                                             \
		check(s, want_, sizeof(want_) / sizeof(want_[0]), EMBER_UNW_END_##end,             \
		      EMBER_UNW_##cls);                                                            \
	} while (0)

/*
 * A frameless leaf under callers that save rbp at CFA - 16, the last with
 * CFA = rbp + 16, down to _start's STOP row: complete, every return
 * address as it is on the stack, and the leaf's garbage rbp ignored
 * until main's frame restores the real one.
 */
static void test_frameless_leaf_under_callers(void **state)
{
	struct unw_state *s;

	(void)state;
	put(0, MID + 0x55);			 /* leaf's return address, sp = word 0 */
	put(1, at(5));				 /* mid's saved rbp: main's frame */
	put(2, MAIN + 0x60);			 /* mid's return address; mid's CFA = word 3 */
	put(5, 0);				 /* main's saved rbp */
	put(6, START + 0x10);			 /* main's return address; main's CFA = word 7 */
	s = walk(LEAF + 0x10, at(0), 0x1234567); /* rbp: data in the leaf */
	CHECK(s, STOP_ROW, COMPLETE, LEAF + 0x10, MID + 0x55, MAIN + 0x60, START + 0x10);
	assert_int_equal(s->sp, at(7));
	assert_int_equal(s->bp, 0);
	assert_int_equal(s->fp_steps, 0);
}

/* rbp-based frames all the way: a leaf with a frame, a caller in libc
 * (mapped at a file offset), back into the exe; one lookup per change of
 * mapping. */
static void test_rbp_frames_across_mappings(void **state)
{
	static const struct ember_unw_row lib[] = {
		{ 0x3000, 2, -2, EMBER_UNW_RBP },
		{ 0x3100, 0, 0, EMBER_UNW_INVALID },
	};
	struct unw_state *s;
	__u64 lib_base = 0x7f2000000000ULL; /* mapped at +0x1000 from offset 0x3000 */

	(void)state;
	add_map(lib_base + 0x1000, lib_base + 0x2000, 0x3000, add_file(lib, 2, 0));
	/* leaf: frame at word 10 (CFA word 12), into lib */
	put(10, at(20));
	put(11, lib_base + 0x1040);
	/* lib function: frame at word 20, into main (after its mov) */
	put(20, at(30));
	put(21, MAIN + 0x20);
	/* main: frame at word 30, into _start */
	put(30, 0);
	put(31, START + 0x4);
	s = walk(LFRAME + 0x8, at(8), at(10));
	CHECK(s, STOP_ROW, COMPLETE, LFRAME + 0x8, lib_base + 0x1040, MAIN + 0x20, START + 0x4);
	/* exe, lib, exe (main and _start share it) */
	assert_int_equal(map_lookups, 3);
}

/* A leaf in a PLT stub, on each side of each threshold: before the push,
 * the return address is at rsp; after it, at rsp + 8. */
static void test_plt_thresholds(void **state)
{
	const struct {
		__u64 ip;
		unsigned int ra_word;
	} cases[] = {
		{ PLT + 0x10 + 10, 0 }, /* .plt: 10 < 11, not pushed yet */
		{ PLT + 0x10 + 11, 1 }, /* 11: pushed */
		{ PLT + 0x10 + 15, 1 },	   { PLTSEC + 0x20 + 9, 0 }, /* threshold 10 */
		{ PLTSEC + 0x20 + 10, 1 },
	};
	struct unw_state *s;

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(image, 0, sizeof(image));
		put(0, 0x77);			   /* the pushed relocation index */
		put(cases[i].ra_word, LEAF + 0x4); /* into a frameless function */
		put(cases[i].ra_word + 1, START + 0x8);
		s = walk(cases[i].ip, at(0), 0);
		CHECK(s, STOP_ROW, COMPLETE, cases[i].ip, LEAF + 0x4, START + 0x8);
	}
}

/* GCC's realigned frame (main with a 32-byte aligned stack): CFA is
 * loaded from rbp - 8, and the caller's rbp is at [rbp], not at an
 * offset from the CFA. */
static void test_realigned_frame(void **state)
{
	struct unw_state *s;

	(void)state;
	/* the CFA is word 41 (return address at word 40); after realignment:
	 * word 33 copy of the return address, 32 saved rbp (rbp points
	 * here), 31 the CFA pushed from r10 */
	put(40, MAIN + 0x30);
	put(33, MAIN + 0x30);
	put(32, at(50)); /* caller's rbp: main's frame */
	put(31, at(41));
	put(50, 0);
	put(51, START + 0xc);
	s = walk(REALIGN + 0x20, at(24), at(32));
	CHECK(s, STOP_ROW, COMPLETE, REALIGN + 0x20, MAIN + 0x30, START + 0xc);
}

/*
 * A signal handler's frame, then the kernel's rt_sigframe: the restorer's
 * SIGNAL row (found by return address - 1) reads rbp, rsp and rip from
 * the sigcontext, and the interrupted ip is exact: at a function's first
 * byte, where ip - 1 would fall in the gap's INVALID rule before it.
 */
static void test_signal_frame(void **state)
{
	/* the handler's CFA (word 1) is the ucontext, sigcontext 40 bytes on */
	const unsigned int sc = 1 + UNW_SIGCONTEXT / 8;
	struct unw_state *s;

	(void)state;
	put(0, RESTORE_RT);    /* the handler returns into __restore_rt */
	put(sc + 10, 0x5555);  /* interrupted rbp (data: frameless code) */
	put(sc + 15, at(200)); /* interrupted rsp */
	put(sc + 16, REALIGN); /* interrupted rip: realign's first byte */
	put(200, MID + 0x55);  /* realign's entry: CFA = rsp + 8 */
	put(201, at(300));     /* mid's saved rbp */
	put(202, START + 0x1);
	s = walk(HANDLER + 0x3, at(0), 0x9999);
	CHECK(s, STOP_ROW, COMPLETE, HANDLER + 0x3, RESTORE_RT, REALIGN, MID + 0x55, START + 0x1);
	assert_int_equal(s->signal_frames, 1);
	assert_int_equal(s->bp, at(300));
}

/* A signal frame whose sigcontext leads back to the restorer's own frame
 * (same ip and sp): a loop, ended after the first round. */
static void test_signal_self_loop(void **state)
{
	const unsigned int sc = 1 + UNW_SIGCONTEXT / 8;
	struct unw_state *s;

	(void)state;
	put(0, RESTORE_RT);
	put(sc + 15, at(1));
	put(sc + 16, RESTORE_RT);
	s = walk(HANDLER, at(0), 0);
	CHECK(s, REPEATED, PARTIAL, HANDLER, RESTORE_RT);
}

/* _start's STOP row ends the walk as complete, and reads nothing more;
 * so does a return address of 0 (a thread's outermost frame without
 * CFI saying so). */
static void test_clean_ends(void **state)
{
	struct unw_state *s;

	(void)state;
	s = walk(START + 0x2, at(0), 0);
	CHECK(s, STOP_ROW, COMPLETE, START + 0x2);

	put(0, 0);
	s = walk(LEAF, at(0), 0);
	CHECK(s, RA_ZERO, COMPLETE, LEAF);

	/* from a frame pointer step too */
	put(4, 0);
	put(5, 0);
	s = walk(0x10000000, at(2), at(4));
	CHECK(s, RA_ZERO, COMPLETE, 0x10000000);
}

/* A leaf in no known mapping (JIT code) gets one frame-pointer step, and
 * the walk goes on by the tables; without a usable rbp it ends there. A
 * return address into no mapping ends the walk as partial. */
static void test_unmapped(void **state)
{
	struct unw_state *s;

	(void)state;
	put(10, at(20)); /* the JIT frame: saved rbp, then into mid */
	put(11, MID + 0x10);
	put(12, at(20));
	put(13, START + 0x20);
	s = walk(0x10000000, at(4), at(10));
	/* mid's CFA = rsp (word 12) + 16 */
	CHECK(s, STOP_ROW, COMPLETE, 0x10000000, MID + 0x10, START + 0x20);
	assert_int_equal(s->fp_steps, 1);

	s = walk(0x10000000, at(4), 0);
	CHECK(s, NO_MAPPING, PARTIAL, 0x10000000);
	s = walk(0x10000000, at(4), at(2)); /* rbp below sp: not a frame */
	CHECK(s, NO_MAPPING, PARTIAL, 0x10000000);
	s = walk(0x10000000, at(4), at(10) + 4);
	CHECK(s, NO_MAPPING, PARTIAL, 0x10000000);

	put(0, 0x10000040); /* the leaf was called from JIT code */
	s = walk(LEAF, at(0), at(10));
	CHECK(s, NO_MAPPING, PARTIAL, LEAF, 0x10000040);
	assert_int_equal(s->fp_steps, 0);
}

/* An INVALID row at the leaf gets one frame-pointer step; above the leaf,
 * where rbp is whatever the code left there, the walk stops. */
static void test_invalid_rows(void **state)
{
	struct unw_state *s;

	(void)state;
	put(6, at(30));
	put(7, MAIN + 0x10);
	put(30, 0);
	put(31, START + 0x1);
	/* main at 0x10 has CFA = rbp + 16: rbp from the step, word 30 */
	s = walk(GAP + 0x8, at(2), at(6));
	CHECK(s, STOP_ROW, COMPLETE, GAP + 0x8, MAIN + 0x10, START + 0x1);
	assert_int_equal(s->fp_steps, 1);

	s = walk(GAP + 0x8, at(2), 0);
	CHECK(s, INVALID, PARTIAL, GAP + 0x8);

	put(0, GAP + 0x9); /* called from the gap */
	s = walk(LEAF, at(0), at(6));
	CHECK(s, INVALID, PARTIAL, LEAF, GAP + 0x9);
	assert_int_equal(s->fp_steps, 0);

	/* beyond the last block of the table: no row at all */
	s = walk(EXE + 0x1c00, at(2), 0);
	CHECK(s, INVALID, PARTIAL, EXE + 0x1c00);
}

/* Stack memory that cannot be read ends the walk: the return address
 * slot, a saved rbp, and the CFA of a realigned frame. */
static void test_read_fault(void **state)
{
	struct unw_state *s;

	(void)state;
	s = walk(LEAF, 0x1000, 0);
	CHECK(s, READ_FAULT, PARTIAL, LEAF);

	/* mid's saved rbp at word -1: below the image */
	put(0, MID + 0x20);
	s = walk(MID + 0x1, at(0) - 8, 0);
	CHECK(s, READ_FAULT, PARTIAL, MID + 0x1);

	s = walk(REALIGN + 0x10, at(0), 0x2000);
	CHECK(s, READ_FAULT, PARTIAL, REALIGN + 0x10);
}

/* A CFA at or below sp is not a caller's frame (a stale rbp under a
 * CFA = rbp + 16 rule). */
static void test_sp_backwards(void **state)
{
	struct unw_state *s;

	(void)state;
	s = walk(BACK + 0x8, at(100), at(10));
	CHECK(s, SP_BACK, PARTIAL, BACK + 0x8);
	/* equal is no better */
	s = walk(BACK + 0x8, at(12), at(10));
	CHECK(s, SP_BACK, PARTIAL, BACK + 0x8);
}

/* 126 frames of frameless recursion above the leaf fill the buffer; the
 * next one makes it truncated. Exactly 127 frames, the last one _start,
 * is complete. */
static void test_depth_limit(void **state)
{
	struct unw_state *s;
	unsigned int w;

	(void)state;
	for (w = 0; w < 300; w++)
		put(w, REC + 0x10);
	s = walk(REC + 0x4, at(0), 0);
	assert_int_equal(s->end, EMBER_UNW_END_DEPTH);
	assert_int_equal(s->cls, EMBER_UNW_TRUNCATED);
	assert_int_equal(s->n, EMBER_MAX_STACK_DEPTH);
	assert_int_equal(s->ips.ips[0], REC + 0x4);
	for (int i = 1; i < EMBER_MAX_STACK_DEPTH; i++)
		assert_int_equal(s->ips.ips[i], REC + 0x10);

	put(EMBER_MAX_STACK_DEPTH - 2, START + 0x3);
	s = walk(REC + 0x4, at(0), 0);
	assert_int_equal(s->end, EMBER_UNW_END_STOP_ROW);
	assert_int_equal(s->cls, EMBER_UNW_COMPLETE);
	assert_int_equal(s->n, EMBER_MAX_STACK_DEPTH);
	assert_int_equal(s->ips.ips[EMBER_MAX_STACK_DEPTH - 1], START + 0x3);
}

/* A caller in a file whose table is pending: the walk ends there as
 * partial, with the caller's address recorded (userspace can name it).
 * A leaf there gets one frame-pointer step. */
static void test_pending_table(void **state)
{
	struct unw_state *s;

	(void)state;
	put(0, PENDING_LIB + 0x100);
	s = walk(LEAF, at(0), 0);
	CHECK(s, NO_TABLE, PARTIAL, LEAF, PENDING_LIB + 0x100);

	put(10, 0);
	put(11, START + 0x7);
	s = walk(PENDING_LIB + 0x200, at(4), at(10));
	CHECK(s, STOP_ROW, COMPLETE, PENDING_LIB + 0x200, START + 0x7);
	s = walk(PENDING_LIB + 0x200, at(4), 0);
	CHECK(s, NO_TABLE, PARTIAL, PENDING_LIB + 0x200);

	/* a file BPF knows whose table is not in place yet reads alike */
	files[exe_file].flags &= ~EMBER_UNW_FILE_READY;
	s = walk(LEAF, at(0), 0);
	CHECK(s, NO_TABLE, PARTIAL, LEAF);
}

/* A return address that a uretprobe replaced by its trampoline (in the
 * uprobes page) is the original one the kernel keeps for that stack
 * slot; with no return instance for the slot the walk stops. */
static void test_uretprobe_trampoline(void **state)
{
	struct unw_state *s;

	(void)state;
	put(2, XOL); /* mid's return address, hijacked */
	put(9, 0);
	put(10, START + 0x9);
	ri_slot = at(2);
	ri_orig = MAIN + 0x20;
	/* the leaf is mid, at its push: CFA = rsp + 8 */
	s = walk(MID, at(2), at(9));
	CHECK(s, STOP_ROW, COMPLETE, MID, MAIN + 0x20, START + 0x9);
	assert_int_equal(s->uretprobe_fixes, 1);

	ri_slot = at(3);
	s = walk(MID, at(2), at(9));
	CHECK(s, URETPROBE, PARTIAL, MID);

	/* an exact ip in the uprobes page (a signal interrupted an XOL
	 * instruction) is not a return address: not replaced */
	memset(image, 0, sizeof(image));
	put(0, RESTORE_RT);
	put(1 + UNW_SIGCONTEXT / 8 + 15, at(100));
	put(1 + UNW_SIGCONTEXT / 8 + 16, XOL + 0x10);
	ri_slot = 0;
	s = walk(HANDLER, at(0), 0);
	CHECK(s, NO_MAPPING, PARTIAL, HANDLER, RESTORE_RT, XOL + 0x10);
	assert_int_equal(s->uretprobe_fixes, 0);
}

/*
 * The block index at its edges. One file of rows with distinct CFA
 * offsets (RSP + 8k for the k-th row), so the return address the walk
 * reads (word k - 1 holds marker k) tells which row it used:
 *   row 1 at 0x5000 (a block's first byte), row 2 at 0x5080 (mid-block),
 *   row 3 at 0x5100 (the next block's first byte), row 4 at 0x51f0,
 *   no row starting in block 0x5200, row 5 at 0x5300, row 6 at 0x5310
 *   (the last row of the file).
 */
static void test_block_index_edges(void **state)
{
	static const struct ember_unw_row t[] = {
		{ 0x5000, 1, 0, EMBER_UNW_RSP }, { 0x5080, 2, 0, EMBER_UNW_RSP },
		{ 0x5100, 3, 0, EMBER_UNW_RSP }, { 0x51f0, 4, 0, EMBER_UNW_RSP },
		{ 0x5300, 5, 0, EMBER_UNW_RSP }, { 0x5310, 6, 0, EMBER_UNW_RSP },
	};
	const struct {
		__u64 off;
		int row; /* 0: none */
	} cases[] = {
		{ 0x5000, 1 }, { 0x507f, 1 }, { 0x5080, 2 }, { 0x50ff, 2 }, { 0x5100, 3 },
		{ 0x51ef, 3 }, { 0x51f0, 4 }, { 0x5200, 4 }, { 0x52ff, 4 }, { 0x5300, 5 },
		{ 0x530f, 5 }, { 0x5310, 6 }, { 0x53ff, 6 }, { 0x4fff, 0 }, { 0x5400, 0 },
	};
	__u64 base = 0x7f3000000000ULL;
	struct unw_state *s;

	(void)state;
	add_map(base + 0x4000, base + 0x6000, 0x4000, add_file(t, 6, 0));
	for (unsigned int k = 1; k <= 6; k++)
		put(k - 1, START + k);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = walk(base + cases[i].off, at(0), 0);
		if (!cases[i].row) {
			CHECK(s, INVALID, PARTIAL, base + cases[i].off);
			continue;
		}
		CHECK(s, STOP_ROW, COMPLETE, base + cases[i].off, START + cases[i].row);
	}
}

/* A block whose index range holds more rows than the bounded search can
 * halve down (a corrupt table) ends the walk, counted. */
static void test_bsearch_exhausted(void **state)
{
	static struct ember_unw_row t[8192];
	struct unw_state *s;
	__u32 f;

	(void)state;
	for (__u32 i = 0; i < 8192; i++)
		t[i] = row(0x6000 + i, EMBER_UNW_RSP, 1, 0); /* 32 blocks of rows */
	f = add_file(t, 8192, 0);
	/* the index claims every row starts in block 0 */
	for (__u32 b = 0; b < files[f].nr_blocks; b++)
		blocks[files[f].idx_lo + b] = b ? 8191 : 0;
	add_map(0x7f4000000000ULL, 0x7f4000010000ULL, 0, f);
	put(0, START);
	s = walk(0x7f4000006010ULL, at(0), 0);
	CHECK(s, BSEARCH, PARTIAL, 0x7f4000006010ULL);
}

/* A frame-pointer-only file: its FP rows (and any caller frame in it)
 * step by rbp; rbp that is no frame ends the walk. */
static void test_fp_rows(void **state)
{
	struct unw_state *s;

	(void)state;
	put(0, STEPPER + 0x30); /* the leaf, into stepper */
	put(1, at(10));		/* stepper's frame record at rbp */
	put(10, at(20));
	put(11, STEPPER + 0x40);
	put(20, 0);
	put(21, START + 0x5);
	s = walk(LEAF, at(0), at(10));
	CHECK(s, STOP_ROW, COMPLETE, LEAF, STEPPER + 0x30, STEPPER + 0x40, START + 0x5);
	assert_int_equal(s->fp_steps, 2);

	put(20, 0x13); /* misaligned */
	put(21, STEPPER + 0x50);
	s = walk(LEAF, at(0), at(10));
	CHECK(s, FP_END, PARTIAL, LEAF, STEPPER + 0x30, STEPPER + 0x40, STEPPER + 0x50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_frameless_leaf_under_callers, reset),
		cmocka_unit_test_setup(test_rbp_frames_across_mappings, reset),
		cmocka_unit_test_setup(test_plt_thresholds, reset),
		cmocka_unit_test_setup(test_realigned_frame, reset),
		cmocka_unit_test_setup(test_signal_frame, reset),
		cmocka_unit_test_setup(test_signal_self_loop, reset),
		cmocka_unit_test_setup(test_clean_ends, reset),
		cmocka_unit_test_setup(test_unmapped, reset),
		cmocka_unit_test_setup(test_invalid_rows, reset),
		cmocka_unit_test_setup(test_read_fault, reset),
		cmocka_unit_test_setup(test_sp_backwards, reset),
		cmocka_unit_test_setup(test_depth_limit, reset),
		cmocka_unit_test_setup(test_pending_table, reset),
		cmocka_unit_test_setup(test_uretprobe_trampoline, reset),
		cmocka_unit_test_setup(test_block_index_edges, reset),
		cmocka_unit_test_setup(test_bsearch_exhausted, reset),
		cmocka_unit_test_setup(test_fp_rows, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
