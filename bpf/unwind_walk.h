/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The .eh_frame table walk of a user stack, one frame per unw_step(), as
 * BPF and as host C (like fp_walk.h). The tables are those of
 * include/ember_abi.h: per file, rows sorted by file offset and a block
 * index; per process, the mappings from addresses to files.
 *
 * Everything the walk reads goes through six hooks, so that the walk
 * itself is the same code in both builds:
 *   unw_read_user(dst, size, addr)  user memory: 0 or a negative errno
 *   unw_mapping(tgid, addr)         the ember_unw_mapping holding addr
 *   unw_file(idx)                   the ember_unw_file of a file_idx
 *   unw_block(i)                    global block index entry i
 *   unw_row(i)                      global row i
 *   unw_uretprobe_ret(slot)         the original return address that a
 *                                   uretprobe replaced at user address
 *                                   slot (0: none)
 * All but unw_read_user return NULL or 0 when there is none. In BPF,
 * bpf/unwind.bpf.h defines them over its maps before including this
 * file; the host build (EMBER_UNWIND_WALK_HOST, tests/unit/
 * test_unwind_walk.c) declares them and the test defines them.
 *
 * The state lives in memory that persists between steps (a per-CPU map
 * value in BPF): a bpf_loop callback whose state sits on the BPF stack
 * is verified once per iteration and overflows the 1M instruction
 * budget (docs: the unwinding anchor's §2.5).
 */
#ifndef EMBER_UNWIND_WALK_H
#define EMBER_UNWIND_WALK_H

#ifdef EMBER_UNWIND_WALK_HOST
#include <stddef.h>
#include "ember_abi.h"
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
long unw_read_user(void *dst, __u32 size, __u64 addr);
const struct ember_unw_mapping *unw_mapping(__u32 tgid, __u64 addr);
const struct ember_unw_file *unw_file(__u32 idx);
const __u32 *unw_block(__u32 i);
const struct ember_unw_row *unw_row(__u32 i);
__u64 unw_uretprobe_ret(__u64 slot);
/* nothing to hide from a compiler that does not verify */
#define unw_opaque(v) ((void)0)
#else
#define unw_read_user(dst, size, addr) bpf_probe_read_user(dst, size, (const void *)(addr))
/*
 * Forget what the verifier knows of v's range: the xor makes it derive
 * the bounds from the known bits alone. Without it every bound the row
 * search learns (lo = mid, hi = mid - 1) is a distinct state, and the
 * search's paths multiply instead of being pruned (Parca's and
 * bpftrace's walkers do the same).
 */
#define unw_opaque(v) asm volatile("%0 ^= 0" : "+r"(v))
#endif

/* The uprobes "[uprobes]" page: XOL slots and the uretprobe trampoline. */
#define UNW_XOL_PAGE 4096
/* rows searched in one index block: 2^12 > the 257 rows a 256-byte block
 * can hold, so a search that runs out means a corrupt table */
#define UNW_BSEARCH_STEPS 12
/* x86-64 signal frame: the handler returns into the restorer with rsp at
 * the rt_sigframe's ucontext (past pretcode); its uc_mcontext (struct
 * sigcontext) follows uc_flags, uc_link and the 24-byte stack_t. From
 * there rbp is word 10, rsp word 15, rip word 16 (vmlinux.h: struct
 * rt_sigframe, struct ucontext, struct sigcontext_64). */
#define UNW_SIGCONTEXT 40
#define UNW_SC_BP 10
#define UNW_SC_SP 15
#define UNW_SC_IP 16

/*
 * One walk. ips is the output, leaf first and zero after the last frame
 * (when there is room), ready for the stacks map.
 */
struct unw_state {
	/* the registers of the frame ips[n - 1] belongs to */
	__u64 ip;
	__u64 sp;
	__u64 bp;
	/* the last mapping found, [map_start, map_end): consecutive frames
	 * are mostly in one file, so the LPM lookup is done on change only */
	__u64 map_start;
	__u64 map_end;
	__u64 map_pgoff;
	__u32 map_file;
	__u32 tgid;
	/* the process's uprobes page, 0: none */
	__u64 xol;
	__u32 n;    /* frames in ips */
	__u8 exact; /* ip is where the thread is (leaf, or a signal's
		      * interrupted frame), not a return address */
	__u8 end;   /* enum ember_unw_end, NONE while walking */
	__u8 cls;   /* enum ember_unw_class, once ended */
	__u8 pad;
	/* what the walk did, for the caller's counters */
	__u16 fp_steps;
	__u16 signal_frames;
	__u16 uretprobe_fixes;
	__u16 pad2;
	struct ember_stack ips;
};

/* Start a walk at the thread's user registers. xol is the start of its
 * uprobes page, 0 when it has none. */
static __always_inline void unw_init(struct unw_state *s, __u32 tgid, __u64 ip, __u64 sp, __u64 bp,
				     __u64 xol)
{
	s->ip = ip;
	s->sp = sp;
	s->bp = bp;
	s->map_start = 0;
	s->map_end = 0;
	s->map_pgoff = 0;
	s->map_file = 0;
	s->tgid = tgid;
	s->xol = xol;
	s->exact = 1;
	s->end = EMBER_UNW_END_NONE;
	s->cls = EMBER_UNW_COMPLETE;
	s->fp_steps = 0;
	s->signal_frames = 0;
	s->uretprobe_fixes = 0;
	s->ips.ips[0] = ip;
	s->ips.ips[1] = 0;
	s->n = 1;
}

#define UNW_END_CLASS(p, id, name, cls, desc)                                                      \
	case EMBER_UNW_END_##id:                                                                   \
		return EMBER_UNW_##cls;

static __always_inline __u8 unw_class(__u8 end)
{
	switch (end) {
		EMBER_UNW_ENDS(UNW_END_CLASS, _)
	}
	return EMBER_UNW_PARTIAL;
}
#undef UNW_END_CLASS

/* End the walk for reason end; returns 1, "stop", for unw_step. */
static __always_inline int unw_end(struct unw_state *s, __u8 end)
{
	__u32 n = s->n;

	s->end = end;
	s->cls = unw_class(end);
	if (n < EMBER_MAX_STACK_DEPTH)
		s->ips.ips[n] = 0;
	return 1;
}

/*
 * Record the caller's frame: ip with the registers sp and bp. ra_at is
 * the user address ip was read from when it is a return address (0 for
 * a signal's interrupted ip, which is exact): a return address into the
 * uprobes page is a uretprobe's trampoline, which stands for the
 * original return address the kernel keeps in the thread's
 * return_instance for that stack slot.
 */
static __always_inline int unw_push(struct unw_state *s, __u64 ip, __u64 sp, __u64 bp, __u64 ra_at)
{
	__u32 n = s->n;

	if (!ip)
		return unw_end(s, EMBER_UNW_END_RA_ZERO);
	if (ra_at && s->xol && ip - s->xol < UNW_XOL_PAGE) {
		ip = unw_uretprobe_ret(ra_at);
		if (!ip)
			return unw_end(s, EMBER_UNW_END_URETPROBE);
		s->uretprobe_fixes++;
	}
	/* only a signal frame can lead back to itself: every other step
	 * raises sp */
	if (ip == s->ip && sp == s->sp)
		return unw_end(s, EMBER_UNW_END_REPEATED);
	if (n >= EMBER_MAX_STACK_DEPTH)
		return unw_end(s, EMBER_UNW_END_DEPTH);
	s->ips.ips[n] = ip;
	s->n = n + 1;
	s->ip = ip;
	s->sp = sp;
	s->bp = bp;
	s->exact = !ra_at;
	return 0;
}

/*
 * One frame-pointer step: rbp points at the saved rbp, then the return
 * address. not_frame is the reason to end with when rbp cannot be a
 * frame (null, misaligned or below sp).
 */
static __always_inline int unw_fp_step(struct unw_state *s, __u8 not_frame)
{
	__u64 bp = s->bp, fr[2];

	if (!bp || bp & 7 || bp < s->sp)
		return unw_end(s, not_frame);
	if (unw_read_user(fr, sizeof(fr), bp))
		return unw_end(s, EMBER_UNW_END_READ_FAULT);
	s->fp_steps++;
	return unw_push(s, fr[1], bp + 16, fr[0], bp + 8);
}

/* The row covering file offset off in file f: its index in the global
 * row array, or -1 (no row covers off) or -2 (the search ran out). */
static __always_inline long unw_find_row(const struct ember_unw_file *f, __u64 off)
{
	const struct ember_unw_row *row;
	const __u32 *idx;
	__u32 lo, hi, mid, nr_rows = f->nr_rows, row_lo = f->row_lo;
	__u64 b;

	if (!nr_rows || off < f->off_lo)
		return -1;
	b = (off - f->off_lo) >> EMBER_UNW_BLOCK_SHIFT;
	/* the last entry only closes the block before it */
	if (b + 1 >= f->nr_blocks)
		return -1;
	idx = unw_block(f->idx_lo + (__u32)b);
	if (!idx)
		return -1;
	lo = *idx;
	idx = unw_block(f->idx_lo + (__u32)b + 1);
	if (!idx)
		return -1;
	hi = *idx;
	/* rows lo..hi (hi may start inside the block, or exactly at the
	 * next one, which is past off): the last one starting at or before
	 * off */
	if (hi >= nr_rows)
		hi = nr_rows - 1;
	for (int i = 0; i < UNW_BSEARCH_STEPS; i++) {
		unw_opaque(lo);
		unw_opaque(hi);
		if (lo >= hi)
			break;
		mid = lo + (hi - lo + 1) / 2;
		unw_opaque(mid);
		row = unw_row(row_lo + mid);
		if (!row)
			return -1;
		if (row->off <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo < hi)
		return -2;
	if (lo >= nr_rows)
		return -1;
	row = unw_row(row_lo + lo);
	if (!row || row->off > off)
		return -1;
	return row_lo + lo;
}

/*
 * Unwind one frame: from the registers of frame n - 1, find its caller's
 * and record the caller as frame n. Returns 0 to go on, 1 when the walk
 * has ended (s->end says why). Calling it again after the end is
 * harmless (it stays ended), so a bpf_loop may run on.
 */
static __always_inline int unw_step(struct unw_state *s)
{
	const struct ember_unw_mapping *m;
	const struct ember_unw_file *f;
	const struct ember_unw_row *row;
	__u64 pc, off, cfa, ra, bp, base;
	__u8 kind = EMBER_UNW_INVALID, flags = 0;
	__s16 cfa8 = 0;
	__s8 rbp8 = 0;
	long r;

	if (s->end)
		return 1;
	/* a return address is the instruction after the call, which may
	 * be another function's first (a noreturn call ends a function):
	 * look up the call itself */
	pc = s->exact ? s->ip : s->ip - 1;
	if (pc < s->map_start || pc >= s->map_end) {
		m = unw_mapping(s->tgid, pc);
		if (!m || pc < m->start || pc >= m->end) {
			s->map_start = s->map_end = 0;
			/* JIT code, an anonymous or unknown mapping: the leaf may
			 * still have a frame pointer */
			if (s->exact)
				return unw_fp_step(s, EMBER_UNW_END_NO_MAPPING);
			return unw_end(s, EMBER_UNW_END_NO_MAPPING);
		}
		s->map_start = m->start;
		s->map_end = m->end;
		s->map_pgoff = m->pgoff;
		s->map_file = m->file_idx;
	}
	f = s->map_file == EMBER_UNW_FILE_PENDING ? NULL : unw_file(s->map_file);
	if (!f || !(f->flags & EMBER_UNW_FILE_READY)) {
		if (s->exact)
			return unw_fp_step(s, EMBER_UNW_END_NO_TABLE);
		return unw_end(s, EMBER_UNW_END_NO_TABLE);
	}
	off = pc - s->map_start + s->map_pgoff;
	if ((f->flags & EMBER_UNW_FILE_FP_ONLY) && !s->exact) {
		kind = EMBER_UNW_FP;
	} else {
		r = unw_find_row(f, off);
		if (r == -2)
			return unw_end(s, EMBER_UNW_END_BSEARCH);
		row = r >= 0 ? unw_row((__u32)r) : NULL;
		if (row) {
			kind = row->kind & EMBER_UNW_KIND_MASK;
			flags = row->kind & ~EMBER_UNW_KIND_MASK;
			cfa8 = row->cfa8;
			rbp8 = row->rbp8;
		}
		if (kind == EMBER_UNW_INVALID && (f->flags & EMBER_UNW_FILE_FP_ONLY))
			kind = EMBER_UNW_FP;
	}

	switch (kind) {
	case EMBER_UNW_RSP:
		cfa = s->sp + cfa8 * 8;
		break;
	case EMBER_UNW_RBP:
		cfa = s->bp + cfa8 * 8;
		break;
	case EMBER_UNW_DEREF_RSP:
	case EMBER_UNW_DEREF_RBP:
		base = kind == EMBER_UNW_DEREF_RSP ? s->sp : s->bp;
		if (unw_read_user(&cfa, sizeof(cfa), base + cfa8 * 8))
			return unw_end(s, EMBER_UNW_END_READ_FAULT);
		break;
	case EMBER_UNW_PLT10:
	case EMBER_UNW_PLT11:
		/* the lazy-binding stub's push: 8 more bytes once it ran
		 * (the DWARF expression reads rip itself, not pc) */
		cfa = s->sp + 8;
		if ((s->ip & 15) >= (kind == EMBER_UNW_PLT10 ? 10u : 11u))
			cfa += 8;
		break;
	case EMBER_UNW_SIGNAL: {
		__u64 sc[UNW_SC_IP - UNW_SC_BP + 1];

		if (unw_read_user(sc, sizeof(sc), s->sp + UNW_SIGCONTEXT + UNW_SC_BP * 8))
			return unw_end(s, EMBER_UNW_END_READ_FAULT);
		s->signal_frames++;
		/* the interrupted code resumes at its exact ip, on whichever
		 * stack it ran (sigaltstack: sp may go either way) */
		return unw_push(s, sc[UNW_SC_IP - UNW_SC_BP], sc[UNW_SC_SP - UNW_SC_BP], sc[0], 0);
	}
	case EMBER_UNW_STOP:
		return unw_end(s, EMBER_UNW_END_STOP_ROW);
	case EMBER_UNW_FP:
		return unw_fp_step(s, EMBER_UNW_END_FP_END);
	default:
		/* no rule: only the leaf's rbp is worth a try (in code without
		 * frame pointers rbp is any value) */
		if (s->exact)
			return unw_fp_step(s, EMBER_UNW_END_INVALID);
		return unw_end(s, EMBER_UNW_END_INVALID);
	}

	if (cfa <= s->sp)
		return unw_end(s, EMBER_UNW_END_SP_BACK);
	if (unw_read_user(&ra, sizeof(ra), cfa - 8))
		return unw_end(s, EMBER_UNW_END_READ_FAULT);
	bp = s->bp;
	if (rbp8 || (flags & EMBER_UNW_RBP_REL)) {
		base = (flags & EMBER_UNW_RBP_REL) ? s->bp : cfa;
		if (unw_read_user(&bp, sizeof(bp), base + rbp8 * 8))
			return unw_end(s, EMBER_UNW_END_READ_FAULT);
	}
	return unw_push(s, ra, cfa, bp, cfa - 8);
}

#endif
