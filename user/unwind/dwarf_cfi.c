// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dwarf_cfi: .eh_frame / .debug_frame entries and their CFA programs.
 *
 * Layout (DWARF 5 §6.4, LSB "Exception Frames"): a sequence of entries,
 * each a length (32-bit, or 0xffffffff and a 64-bit one) then a CIE id or
 * CIE pointer. A CIE carries the alignment factors, the return address
 * column, the augmentation (how FDE pointers are encoded; S for a signal
 * frame) and the initial rules; an FDE its code range and the program
 * that changes the rules as the code advances.
 *
 * What is not understood is refused where it is: a malformed program or
 * pointer drops its FDE (counted), a broken entry length ends the section
 * (the following entries cannot be found).
 */
#include <errno.h>
#include <string.h>

#include "unwind/dwarf_cfi.h"

/* DW_CFA_remember_state nesting; GCC never goes beyond a few. */
#define CFI_STACK_MAX 32
/* Parsed CIEs kept, direct-mapped by offset: files have a handful. */
#define CIE_CACHE 16

/* DW_EH_PE_* pointer encodings */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_APPL 0x70
#define PE_INDIRECT 0x80
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10

struct reader {
	const __u8 *p, *end;
	bool bad; /* a read ran past end: every later read fails too */
};

static bool rd_need(struct reader *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return false;
	}
	return true;
}

static __u64 rd_uint(struct reader *r, size_t n)
{
	__u64 v = 0;

	if (!rd_need(r, n))
		return 0;
	/* little-endian: x86-64 is the only machine tables are built for */
	for (size_t i = 0; i < n; i++)
		v |= (__u64)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static __u8 rd_u8(struct reader *r)
{
	return (__u8)rd_uint(r, 1);
}

/* LEB128 of at most 10 bytes (64 bits); longer is malformed. */
static __u64 rd_uleb(struct reader *r)
{
	__u64 v = 0;

	for (unsigned int shift = 0; shift < 70; shift += 7) {
		__u8 b;

		if (!rd_need(r, 1))
			return 0;
		b = *r->p++;
		if (shift < 64)
			v |= (__u64)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static __s64 rd_sleb(struct reader *r)
{
	__u64 v = 0;
	unsigned int shift = 0;
	__u8 b;

	do {
		if (shift >= 70 || !rd_need(r, 1)) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (__u64)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~0ULL << shift;
	return (__s64)v;
}

/* A block (DW_FORM_block: ULEB128 length, then the bytes). */
static const __u8 *rd_block(struct reader *r, __u32 *len)
{
	__u64 n = rd_uleb(r);
	const __u8 *p = r->p;

	if (r->bad || n > (__u64)(r->end - r->p)) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	*len = (__u32)n;
	return p;
}

/*
 * A pointer encoded as enc. With use, its value is needed (code
 * addresses): only absolute and pc-relative ones are accepted; a datarel
 * or textrel base is not known here and an indirect one would point into
 * the process's data. Without use (the personality routine) it is only
 * read past.
 */
static bool rd_pointer(struct reader *r, __u8 enc, unsigned int addr_size,
		       const struct cfi_section *s, bool use, __u64 *out)
{
	__u64 base = 0, v;

	if (enc == PE_OMIT)
		return false;
	if (use) {
		if (enc & PE_INDIRECT)
			return false;
		switch (enc & PE_APPL) {
		case 0:
			break;
		case PE_PCREL:
			base = s->addr + (__u64)(r->p - s->data);
			break;
		default:
			return false;
		}
	}
	switch (enc & PE_FORMAT) {
	case PE_ABSPTR:
		v = rd_uint(r, addr_size);
		break;
	case PE_ULEB128:
		v = rd_uleb(r);
		break;
	case PE_UDATA2:
		v = rd_uint(r, 2);
		break;
	case PE_UDATA4:
		v = rd_uint(r, 4);
		break;
	case PE_UDATA8:
		v = rd_uint(r, 8);
		break;
	case PE_SLEB128:
		v = (__u64)rd_sleb(r);
		break;
	case PE_SDATA2:
		v = (__u64)(__s64)(__s16)rd_uint(r, 2);
		break;
	case PE_SDATA4:
		v = (__u64)(__s64)(__s32)rd_uint(r, 4);
		break;
	case PE_SDATA8:
		v = rd_uint(r, 8);
		break;
	default:
		return false;
	}
	if (r->bad)
		return false;
	*out = base + v;
	return true;
}

struct cfi_state {
	struct cfi_rule cfa, rbp, ra;
};

struct cie {
	__u64 off; /* in the section; ~0 for an empty cache slot */
	bool ok;
	__u64 code_align;
	__s64 data_align;
	__u32 ra_reg;
	__u8 fde_enc;
	__u8 addr_size;
	bool has_z;
	bool signal;
	struct cfi_state init; /* after its initial instructions */
};

/* Where a program runs: its CIE, its rules, and its output. */
struct prog {
	const struct cfi_section *s;
	const struct cie *cie;
	const struct cfi_ops *ops;
	void *arg;
	struct cfi_stats *st;
	struct cfi_state cur;
	struct cfi_state stack[CFI_STACK_MAX];
	unsigned int depth;
	__u64 loc, end;
	bool emit; /* an FDE's program (a CIE's has no rows) */
	int cb_ret;
};

static void set_rule(struct prog *pg, __u64 reg, const struct cfi_rule *rule)
{
	if (reg == CFI_REG_RBP)
		pg->cur.rbp = *rule;
	if (reg == pg->cie->ra_reg)
		pg->cur.ra = *rule;
}

static void restore_rule(struct prog *pg, __u64 reg)
{
	if (reg == CFI_REG_RBP)
		pg->cur.rbp = pg->cie->init.rbp;
	if (reg == pg->cie->ra_reg)
		pg->cur.ra = pg->cie->init.ra;
}

/* The row up to to, then the program goes on from to. */
static bool advance(struct prog *pg, __u64 to)
{
	struct cfi_row row;

	if (to < pg->loc)
		return false;
	if (!pg->emit) {
		pg->loc = to;
		return true;
	}
	row.start = pg->loc;
	row.end = to;
	row.cfa = pg->cur.cfa;
	row.rbp = pg->cur.rbp;
	row.ra = pg->cur.ra;
	row.signal = pg->cie->signal;
	pg->st->rows++;
	pg->cb_ret = pg->ops->row(pg->arg, &row);
	pg->loc = to;
	return !pg->cb_ret;
}

static bool advance_by(struct prog *pg, __u64 delta)
{
	__u64 n, to;

	if (__builtin_mul_overflow(delta, pg->cie->code_align, &n) ||
	    __builtin_add_overflow(pg->loc, n, &to))
		return false;
	return advance(pg, to);
}

/* An offset rule's factored operand, checked for overflow. */
static bool factored(__s64 v, __s64 factor, __s64 *out)
{
	return !__builtin_mul_overflow(v, factor, out);
}

/* Runs [p, end) on pg->cur. false: malformed (or the row callback said
 * stop, pg->cb_ret). */
static bool run(struct prog *pg, const __u8 *p, const __u8 *end)
{
	struct reader r = { .p = p, .end = end };
	__s64 data_align = pg->cie->data_align;

	while (r.p < r.end) {
		struct cfi_rule rule = { 0 };
		__u8 op = rd_u8(&r), low = op & 0x3f;
		__u64 reg, v;
		__s64 off;

		switch (op & 0xc0) {
		case 0x40: /* DW_CFA_advance_loc */
			if (!advance_by(pg, low))
				return false;
			continue;
		case 0x80: /* DW_CFA_offset */
			rule.how = CFI_OFFSET;
			if (!factored((__s64)rd_uleb(&r), data_align, &rule.off))
				return false;
			set_rule(pg, low, &rule);
			continue;
		case 0xc0: /* DW_CFA_restore */
			restore_rule(pg, low);
			continue;
		}
		switch (op) {
		case 0x00: /* DW_CFA_nop */
		case 0x2d: /* DW_CFA_GNU_window_save: no operands, no x86 meaning */
			break;
		case 0x01: /* DW_CFA_set_loc */
			if (!rd_pointer(&r, pg->cie->fde_enc, pg->cie->addr_size, pg->s, true,
					&v) ||
			    !advance(pg, v))
				return false;
			break;
		case 0x02: /* DW_CFA_advance_loc1 */
		case 0x03: /* 2 */
		case 0x04: /* 4 */
			v = rd_uint(&r, op == 0x02 ? 1 : op == 0x03 ? 2 : 4);
			if (r.bad || !advance_by(pg, v))
				return false;
			break;
		case 0x1d: /* DW_CFA_MIPS_advance_loc8 */
			v = rd_uint(&r, 8);
			if (r.bad || !advance_by(pg, v))
				return false;
			break;
		case 0x05: /* DW_CFA_offset_extended */
		case 0x14: /* DW_CFA_val_offset */
			reg = rd_uleb(&r);
			rule.how = op == 0x05 ? CFI_OFFSET : CFI_VAL_OFFSET;
			if (!factored((__s64)rd_uleb(&r), data_align, &rule.off))
				return false;
			set_rule(pg, reg, &rule);
			break;
		case 0x11: /* DW_CFA_offset_extended_sf */
		case 0x15: /* DW_CFA_val_offset_sf */
			reg = rd_uleb(&r);
			rule.how = op == 0x11 ? CFI_OFFSET : CFI_VAL_OFFSET;
			if (!factored(rd_sleb(&r), data_align, &rule.off))
				return false;
			set_rule(pg, reg, &rule);
			break;
		case 0x2f: /* DW_CFA_GNU_negative_offset_extended */
			reg = rd_uleb(&r);
			rule.how = CFI_OFFSET;
			if (!factored((__s64)rd_uleb(&r), data_align, &off) ||
			    __builtin_sub_overflow((__s64)0, off, &rule.off))
				return false;
			set_rule(pg, reg, &rule);
			break;
		case 0x06: /* DW_CFA_restore_extended */
			restore_rule(pg, rd_uleb(&r));
			break;
		case 0x07: /* DW_CFA_undefined */
		case 0x08: /* DW_CFA_same_value */
			rule.how = op == 0x07 ? CFI_UNDEF : CFI_SAME;
			set_rule(pg, rd_uleb(&r), &rule);
			break;
		case 0x09: /* DW_CFA_register */
			reg = rd_uleb(&r);
			rule.how = CFI_REGISTER;
			rule.reg = (__u32)rd_uleb(&r);
			set_rule(pg, reg, &rule);
			break;
		case 0x0a: /* DW_CFA_remember_state */
			if (pg->depth == CFI_STACK_MAX)
				return false;
			pg->stack[pg->depth++] = pg->cur;
			break;
		case 0x0b: /* DW_CFA_restore_state: the CFA rule too, as GCC's
			    * unwinder and readelf do */
			if (!pg->depth)
				return false;
			pg->cur = pg->stack[--pg->depth];
			break;
		case 0x0c: /* DW_CFA_def_cfa */
			pg->cur.cfa.how = CFI_CFA_REG;
			pg->cur.cfa.reg = (__u32)rd_uleb(&r);
			pg->cur.cfa.off = (__s64)rd_uleb(&r);
			break;
		case 0x12: /* DW_CFA_def_cfa_sf */
			pg->cur.cfa.how = CFI_CFA_REG;
			pg->cur.cfa.reg = (__u32)rd_uleb(&r);
			if (!factored(rd_sleb(&r), data_align, &pg->cur.cfa.off))
				return false;
			break;
		case 0x0d: /* DW_CFA_def_cfa_register */
			if (pg->cur.cfa.how == CFI_CFA_EXPR)
				pg->cur.cfa.off = 0;
			pg->cur.cfa.how = CFI_CFA_REG;
			pg->cur.cfa.reg = (__u32)rd_uleb(&r);
			break;
		case 0x0e: /* DW_CFA_def_cfa_offset: only on a register rule */
			if (pg->cur.cfa.how != CFI_CFA_REG)
				return false;
			pg->cur.cfa.off = (__s64)rd_uleb(&r);
			break;
		case 0x13: /* DW_CFA_def_cfa_offset_sf */
			if (pg->cur.cfa.how != CFI_CFA_REG ||
			    !factored(rd_sleb(&r), data_align, &pg->cur.cfa.off))
				return false;
			break;
		case 0x0f: /* DW_CFA_def_cfa_expression */
			pg->cur.cfa.how = CFI_CFA_EXPR;
			pg->cur.cfa.off = 0;
			pg->cur.cfa.expr = rd_block(&r, &pg->cur.cfa.expr_len);
			break;
		case 0x10: /* DW_CFA_expression */
		case 0x16: /* DW_CFA_val_expression */
			reg = rd_uleb(&r);
			rule.how = op == 0x10 ? CFI_EXPR : CFI_VAL_EXPR;
			rule.expr = rd_block(&r, &rule.expr_len);
			if (!r.bad)
				set_rule(pg, reg, &rule);
			break;
		case 0x2e: /* DW_CFA_GNU_args_size: the caller's arguments, not a rule */
			rd_uleb(&r);
			break;
		default:
			return false;
		}
		if (r.bad)
			return false;
	}
	return !r.bad;
}

/* One entry's header: [*body, *end) after the length, *id its CIE id or
 * pointer, *id_pos where that field starts. false: the length does not
 * fit the section. *end == *body + 0 with *term: a zero terminator. */
struct entry {
	size_t off;    /* of the length field */
	size_t id_pos; /* of the CIE id / pointer field */
	size_t body;   /* after the id field */
	size_t end;    /* of the entry */
	__u64 id;
	bool dwarf64;
};

static bool read_entry(const struct cfi_section *s, size_t off, struct entry *e)
{
	struct reader r = { .p = s->data + off, .end = s->data + s->size };
	__u64 len = rd_uint(&r, 4);
	size_t at;

	e->off = off;
	e->dwarf64 = len == 0xffffffffULL;
	if (e->dwarf64)
		len = rd_uint(&r, 8);
	if (r.bad)
		return false;
	at = (size_t)(r.p - s->data);
	if (len > s->size - at)
		return false;
	e->end = at + (size_t)len;
	e->id_pos = at;
	if (!len) {
		e->body = at;
		e->id = 0;
		return true;
	}
	r.end = s->data + e->end;
	e->id = rd_uint(&r, e->dwarf64 ? 8 : 4);
	if (r.bad)
		return false;
	e->body = (size_t)(r.p - s->data);
	return true;
}

static bool is_cie(const struct cfi_section *s, const struct entry *e)
{
	if (s->eh_frame)
		return e->id == 0;
	return e->id == (e->dwarf64 ? ~0ULL : 0xffffffffULL);
}

/* Parses the CIE at off into c (c->ok false if it cannot be used). */
static void parse_cie(const struct cfi_section *s, size_t off, struct cie *c, struct cfi_stats *st)
{
	static const struct cfi_ops no_ops;
	struct entry e;
	struct reader r;
	const char *aug;
	size_t aug_len;
	__u8 version;
	struct prog pg;

	memset(c, 0, sizeof(*c));
	c->off = off;
	c->addr_size = 8;
	if (!read_entry(s, off, &e) || e.end == e.id_pos || !is_cie(s, &e))
		return;
	r.p = s->data + e.body;
	r.end = s->data + e.end;
	r.bad = false;
	version = rd_u8(&r);
	if (version != 1 && version != 3 && version != 4)
		return;
	aug = (const char *)r.p;
	aug_len = strnlen(aug, (size_t)(r.end - r.p));
	if (aug_len == (size_t)(r.end - r.p))
		return;
	r.p += aug_len + 1;
	if (version == 4) {
		c->addr_size = rd_u8(&r);
		if (rd_u8(&r) != 0) /* segment selectors: not on x86-64 */
			return;
		if (c->addr_size != 4 && c->addr_size != 8)
			return;
	}
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra_reg = version == 1 ? rd_u8(&r) : (__u32)rd_uleb(&r);
	c->fde_enc = PE_ABSPTR;
	if (aug[0] == 'z') {
		__u64 n = rd_uleb(&r);
		struct reader a = r;

		if (r.bad || n > (__u64)(r.end - r.p))
			return;
		a.end = r.p + n;
		c->has_z = true;
		for (size_t i = 1; i < aug_len && !a.bad; i++) {
			__u64 ignored;
			__u8 enc;

			if (aug[i] == 'R') {
				c->fde_enc = rd_u8(&a);
			} else if (aug[i] == 'L') {
				rd_u8(&a); /* the LSDA's encoding: FDEs' z data skips it */
			} else if (aug[i] == 'P') {
				enc = rd_u8(&a);
				if (!rd_pointer(&a, enc, c->addr_size, s, false, &ignored))
					return;
			} else if (aug[i] == 'S') {
				c->signal = true;
			} else if (aug[i] != 'B' && aug[i] != 'G') {
				break; /* unknown: the rest of its data is skipped by length */
			}
		}
		if (a.bad)
			return;
		r.p += n;
	} else if (aug[0]) {
		return; /* without z the instructions cannot be found */
	}
	if (r.bad || !c->code_align)
		return;
	/* The initial rules; a CIE's program has no rows. */
	memset(&pg, 0, sizeof(pg));
	pg.s = s;
	pg.cie = c;
	pg.ops = &no_ops;
	pg.st = st;
	if (!run(&pg, r.p, r.end))
		return;
	c->init = pg.cur;
	c->ok = true;
}

static const struct cie *get_cie(const struct cfi_section *s, size_t off, struct cie *cache,
				 struct cfi_stats *st)
{
	struct cie *c = &cache[(off >> 2) % CIE_CACHE];

	if (c->off != off)
		parse_cie(s, off, c, st);
	return c;
}

/* Whether [p, end) is only DW_CFA_nop. */
static bool only_nops(const __u8 *p, const __u8 *end)
{
	for (; p < end; p++) {
		if (*p)
			return false;
	}
	return true;
}

/* Parses and runs the FDE e. Returns 0, or nonzero from ops. */
static int do_fde(const struct cfi_section *s, const struct entry *e, struct cie *cache,
		  const struct cfi_ops *ops, void *arg, struct cfi_stats *st)
{
	struct reader r = { .p = s->data + e->body, .end = s->data + e->end };
	struct cfi_fde f = { 0 };
	const struct cie *c;
	struct prog pg;
	__u64 cie_off, range;
	bool ok;

	st->fdes++;
	if (s->eh_frame) {
		/* relative to the pointer field itself, backwards */
		if (e->id > e->id_pos) {
			st->fdes_bad++;
			return 0;
		}
		cie_off = e->id_pos - e->id;
	} else {
		cie_off = e->id;
	}
	if (cie_off >= s->size) {
		st->fdes_bad++;
		return 0;
	}
	c = get_cie(s, (size_t)cie_off, cache, st);
	if (!c->ok || !rd_pointer(&r, c->fde_enc, c->addr_size, s, true, &f.start) ||
	    !rd_pointer(&r, c->fde_enc & PE_FORMAT, c->addr_size, s, false, &range) ||
	    __builtin_add_overflow(f.start, range, &f.end)) {
		st->fdes_bad++;
		return 0;
	}
	if (c->has_z) {
		__u64 n = rd_uleb(&r);

		if (r.bad || n > (__u64)(r.end - r.p)) {
			st->fdes_bad++;
			return 0;
		}
		r.p += n;
	}
	f.signal = c->signal;
	f.empty = only_nops(r.p, r.end);
	memset(&pg, 0, sizeof(pg));
	pg.s = s;
	pg.cie = c;
	pg.ops = ops;
	pg.arg = arg;
	pg.st = st;
	pg.cur = c->init;
	pg.loc = f.start;
	pg.end = f.end;
	pg.emit = true;
	ok = run(&pg, r.p, r.end);
	if (pg.cb_ret)
		return pg.cb_ret;
	/* the last range runs to the FDE's end */
	if (ok)
		ok = advance(&pg, pg.loc > f.end ? pg.loc : f.end);
	if (pg.cb_ret)
		return pg.cb_ret;
	if (!ok)
		st->fdes_bad++;
	else if (f.empty)
		st->fdes_empty++;
	return ops->fde(arg, &f, ok);
}

int cfi__parse(const struct cfi_section *s, const struct cfi_ops *ops, void *arg,
	       struct cfi_stats *stats)
{
	struct cie cache[CIE_CACHE];
	struct cfi_stats local;
	struct cfi_stats *st = stats ? stats : &local;
	size_t off = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	for (unsigned int i = 0; i < CIE_CACHE; i++)
		cache[i].off = ~(__u64)0;
	if (!s->data)
		return -EINVAL;
	while (off < s->size) {
		struct entry e;

		if (!read_entry(s, off, &e))
			return -EBADMSG;
		if (e.end == e.id_pos) {
			/* a zero length: .eh_frame's terminator; in
			 * .debug_frame, padding */
			if (s->eh_frame)
				break;
			off = e.end;
			continue;
		}
		if (is_cie(s, &e)) {
			st->cies++;
		} else {
			ret = do_fde(s, &e, cache, ops, arg, st);
			if (ret)
				return ret;
		}
		/* every entry is at least its length field: off grows */
		off = e.end;
	}
	return 0;
}
