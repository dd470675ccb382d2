// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * unwind_table: CFI rows classified into the walker's kinds, moved from
 * ELF addresses to file offsets, sorted, merged and indexed.
 *
 * Merging: consecutive rows with the same 8-byte rule become one. After
 * each FDE's end a marker row (INVALID; FP in an FP_ONLY file) starts,
 * unless the next FDE begins within MIN_GAP bytes: alignment padding is
 * never executed, so the rule before it may as well cover it (OTel's
 * MinimumGap). FDEs are not supposed to overlap; when they do, the row
 * starting later wins from its start on.
 *
 * Signal frames: glibc's __restore_rt FDE (CIE augmentation S) already
 * starts one byte before the code, because the walker, like every
 * unwinder, looks up return addresses at pc - 1 and a handler returns to
 * the stub's first byte. The row keeps the FDE's start; the walker reads
 * the registers from the ucontext instead of applying a rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <sys/stat.h>

#include "unwind/unwind_table.h"
#include "symbolize/elf_dso.h"

/* Gaps up to this many bytes between FDEs are padding (OTel: 15). */
#define MIN_GAP 15
/* Look for a separate debug file's .debug_frame when .eh_frame and the
 * file's own .debug_frame cover less than this share of the code. */
#define DEBUG_FILE_BELOW_PCT 90
/* FP_ONLY (unwind.md §4.3): under half of the code has FDEs and at least
 * FP_PROLOGUES_PER_MB frame set-ups per MiB of .text, or nearly all the
 * covered code finds its CFA from rbp. */
#define FP_COVERAGE_BELOW_PCT 50
#define FP_PROLOGUES_PER_MB 500
#define FP_RBP_CFA_PCT 90
#define DEFAULT_DEBUG_DIR "/usr/lib/debug"

/* DW_OP_* used by the expressions the rows can express */
#define OP_DEREF 0x06
#define OP_PLUS 0x22
#define OP_SHL 0x24
#define OP_AND 0x1a
#define OP_GE 0x2a
#define OP_LIT0 0x30
#define OP_BREG0 0x70

/* A row on its way into the table. */
struct raw_row {
	__u64 start, end; /* vaddr until placed, then file offsets */
	struct ember_unw_row rule;
	__u32 seq; /* order of arrival, to keep sorting stable */
};

/* Code ranges (vaddr) of the .eh_frame FDEs, sorted, to leave out the
 * .debug_frame FDEs over them. */
struct range {
	__u64 start, end;
};

struct unwind_table {
	struct ember_unw_row *rows;
	__u32 nr_rows;
	__u32 *index;
	__u32 nr_blocks;
	__u64 off_lo;
	__u32 flags;
	__u8 build_id[ELF_DSO_BUILD_ID_MAX];
	unsigned int build_id_size;
	struct unwind_table_counts counts;
};

/* One FDE's rows in raw[]: [first, first + n), starting at start. */
struct span {
	__u64 start;
	size_t first, n;
};

/* The state of one build. */
struct builder {
	struct unwind_table *t;
	struct unwind_table_counts *c;
	const struct elf_dso *elf; /* the file itself: its PT_LOADs place rows */
	struct raw_row *raw;
	size_t nr_raw, cap_raw;
	size_t fde_first; /* first raw row of the FDE being parsed */
	struct range *eh_fdes;
	/* the rows of each FDE kept, in order within it: sorting these
	 * spans instead of every row is 7x fewer items */
	struct span *spans;
	size_t nr_spans, cap_spans;
	size_t nr_eh_fdes, cap_eh_fdes;
	bool eh_done;		/* .eh_frame parsed: FDEs now come from .debug_frame */
	__u64 exec_lo, exec_hi; /* file offsets of the executable sections */
	__u64 file_size;	/* rows past the file's end are a corrupt header's */
	__u32 seq;
};

/* ---- classification ---- */

/* One DWARF expression operation: its opcode and its (single) operand. */
struct expr_op {
	__u8 op;
	__s64 arg;
};

/* Splits expr into at most max operations of the forms used here (no
 * operand, or a breg's SLEB128). Returns their number, or -1 for anything
 * else or more. */
static int expr_ops(const __u8 *p, __u32 len, struct expr_op *ops, int max)
{
	const __u8 *end = p + len;
	int n = 0;

	if (!p)
		return -1;
	while (p < end) {
		struct expr_op o = { .op = *p++ };

		if (n == max)
			return -1;
		if (o.op >= OP_BREG0 && o.op <= OP_BREG0 + 31) {
			__u64 v = 0;
			unsigned int shift = 0;
			__u8 b;

			do {
				if (p == end || shift >= 63)
					return -1;
				b = *p++;
				v |= (__u64)(b & 0x7f) << shift;
				shift += 7;
			} while (b & 0x80);
			if (shift < 64 && (b & 0x40))
				v |= ~0ULL << shift;
			o.arg = (__s64)v;
		} else if (o.op != OP_DEREF && o.op != OP_PLUS && o.op != OP_SHL &&
			   o.op != OP_AND && o.op != OP_GE &&
			   (o.op < OP_LIT0 || o.op > OP_LIT0 + 31)) {
			return -1;
		}
		ops[n++] = o;
	}
	return n;
}

/* GCC/binutils' PLT rule: rsp + 8, + 8 more when (rip & 15) >= thr:
 * breg7 8; breg16 0; lit15; and; lit<thr>; ge; lit3; shl; plus. Returns
 * thr or 0. */
static int plt_threshold(const struct expr_op *o, int n)
{
	if (n != 9 || o[0].op != OP_BREG0 + CFI_REG_RSP || o[0].arg != 8 ||
	    o[1].op != OP_BREG0 + CFI_REG_RA || o[1].arg != 0 || o[2].op != OP_LIT0 + 15 ||
	    o[3].op != OP_AND || o[5].op != OP_GE || o[6].op != OP_LIT0 + 3 || o[7].op != OP_SHL ||
	    o[8].op != OP_PLUS)
		return 0;
	return o[4].op - OP_LIT0;
}

static bool is_breg_sp_bp(const struct expr_op *o)
{
	return o->op == OP_BREG0 + CFI_REG_RSP || o->op == OP_BREG0 + CFI_REG_RBP;
}

/* off / 8 into *out when off is a multiple of 8 that fits [lo, hi]. */
static bool scaled(__s64 off, __s64 lo, __s64 hi, __s64 *out)
{
	if (off % 8)
		return false;
	*out = off / 8;
	return *out >= lo && *out <= hi;
}

/* The CFA: its census class, and into rule its kind and cfa8 (kind
 * INVALID if rows cannot express it). */
static enum unwind_cfa_class classify_cfa(const struct cfi_rule *cfa, struct ember_unw_row *rule)
{
	struct expr_op ops[10];
	__s64 v;
	int n, thr;

	rule->kind = EMBER_UNW_INVALID;
	if (cfa->how == CFI_CFA_REG) {
		if (cfa->reg != CFI_REG_RSP && cfa->reg != CFI_REG_RBP)
			return UNWIND_CFA_REG_OTHER;
		if (scaled(cfa->off, INT16_MIN, INT16_MAX, &v)) {
			rule->kind = cfa->reg == CFI_REG_RSP ? EMBER_UNW_RSP : EMBER_UNW_RBP;
			rule->cfa8 = (__s16)v;
		}
		return cfa->reg == CFI_REG_RSP ? UNWIND_CFA_RSP : UNWIND_CFA_RBP;
	}
	if (cfa->how != CFI_CFA_EXPR)
		return UNWIND_CFA_EXPR_OTHER;
	n = expr_ops(cfa->expr, cfa->expr_len, ops, 10);
	thr = n > 0 ? plt_threshold(ops, n) : 0;
	if (thr == 10 || thr == 11) {
		rule->kind = thr == 10 ? EMBER_UNW_PLT10 : EMBER_UNW_PLT11;
		rule->cfa8 = 1; /* the rsp + 8 it starts from */
		return UNWIND_CFA_PLT;
	}
	if (n == 1 && is_breg_sp_bp(&ops[0])) {
		/* breg N alone: the same as a register rule */
		bool sp = ops[0].op == OP_BREG0 + CFI_REG_RSP;

		if (scaled(ops[0].arg, INT16_MIN, INT16_MAX, &v)) {
			rule->kind = sp ? EMBER_UNW_RSP : EMBER_UNW_RBP;
			rule->cfa8 = (__s16)v;
		}
		return sp ? UNWIND_CFA_RSP : UNWIND_CFA_RBP;
	}
	if (n == 2 && is_breg_sp_bp(&ops[0]) && ops[1].op == OP_DEREF) {
		if (scaled(ops[0].arg, INT16_MIN, INT16_MAX, &v)) {
			rule->kind = ops[0].op == OP_BREG0 + CFI_REG_RSP ? EMBER_UNW_DEREF_RSP
									 : EMBER_UNW_DEREF_RBP;
			rule->cfa8 = (__s16)v;
		}
		return UNWIND_CFA_DEREF;
	}
	return UNWIND_CFA_EXPR_OTHER;
}

/* rbp: its class; false if rows cannot express it. */
static bool classify_rbp(const struct cfi_rule *rbp, struct ember_unw_row *rule,
			 enum unwind_rbp_class *cls)
{
	struct expr_op ops[2];
	__s64 v;

	switch (rbp->how) {
	case CFI_SAME:
	case CFI_UNDEF:
		*cls = UNWIND_RBP_UNCHANGED;
		return true;
	case CFI_OFFSET:
		*cls = UNWIND_RBP_CFA;
		/* rbp8 0 means unchanged: a save at the CFA itself cannot be said */
		if (!scaled(rbp->off, INT8_MIN, INT8_MAX, &v) || !v)
			return false;
		rule->rbp8 = (__s8)v;
		return true;
	case CFI_EXPR:
		if (expr_ops(rbp->expr, rbp->expr_len, ops, 1) == 1 &&
		    ops[0].op == OP_BREG0 + CFI_REG_RBP) {
			*cls = UNWIND_RBP_EXPR;
			if (!scaled(ops[0].arg, INT8_MIN, INT8_MAX, &v))
				return false;
			rule->rbp8 = (__s8)v;
			rule->kind |= EMBER_UNW_RBP_REL;
			return true;
		}
		break;
	default:
		break;
	}
	*cls = UNWIND_RBP_OTHER;
	return false;
}

/* A CFI row as a table rule, counted into c. */
static struct ember_unw_row classify(const struct cfi_row *r, struct unwind_table_counts *c)
{
	struct ember_unw_row rule = { 0 }, invalid = { .kind = EMBER_UNW_INVALID };
	enum unwind_cfa_class cfa = classify_cfa(&r->cfa, &rule);
	enum unwind_rbp_class rbp;
	enum unwind_ra_class ra;
	bool rbp_ok;

	rbp_ok = classify_rbp(&r->rbp, &rule, &rbp);
	if (r->ra.how == CFI_OFFSET && r->ra.off == -8)
		ra = UNWIND_RA_CFA8;
	else if (r->ra.how == CFI_UNDEF)
		ra = UNWIND_RA_UNDEF;
	else
		ra = UNWIND_RA_OTHER;
	c->cfa[cfa]++;
	c->rbp[rbp]++;
	c->ra[ra]++;
	/* The signal frame's rules are the ucontext's, which the walker
	 * reads whole: the CFA expression and register rules say no more. */
	if (r->signal)
		return (struct ember_unw_row){ .kind = EMBER_UNW_SIGNAL };
	if (ra == UNWIND_RA_UNDEF)
		return (struct ember_unw_row){ .kind = EMBER_UNW_STOP };
	if (ra != UNWIND_RA_CFA8 || !rbp_ok ||
	    (rule.kind & EMBER_UNW_KIND_MASK) == EMBER_UNW_INVALID)
		return invalid;
	return rule;
}

/* ---- collecting rows ---- */

static int push_raw(struct builder *b, const struct raw_row *r)
{
	if (b->nr_raw == b->cap_raw) {
		size_t cap = b->cap_raw ? b->cap_raw * 2 : 1024;
		struct raw_row *n = realloc(b->raw, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->raw = n;
		b->cap_raw = cap;
	}
	b->raw[b->nr_raw++] = *r;
	return 0;
}

/* One FDE's rows, raw[first .. first + n), starting at start. */
static int push_span(struct builder *b, __u64 start, size_t first, size_t n)
{
	if (b->nr_spans == b->cap_spans) {
		size_t cap = b->cap_spans ? b->cap_spans * 2 : 256;
		struct span *s = realloc(b->spans, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		b->spans = s;
		b->cap_spans = cap;
	}
	b->spans[b->nr_spans++] = (struct span){ start, first, n };
	return 0;
}

static int on_row(void *arg, const struct cfi_row *r)
{
	struct builder *b = arg;
	struct raw_row raw = { .start = r->start, .end = r->end };

	raw.rule = classify(r, b->c);
	raw.seq = b->seq++;
	return push_raw(b, &raw);
}

/* Does [start, end) overlap one of the .eh_frame FDEs? */
static bool over_eh_fde(const struct builder *b, __u64 start, __u64 end)
{
	size_t lo = 0, hi = b->nr_eh_fdes;

	/* the first range ending after start */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->eh_fdes[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nr_eh_fdes && b->eh_fdes[lo].start < end;
}

static int on_fde(void *arg, const struct cfi_fde *f, bool ok)
{
	struct builder *b = arg;
	__u64 off, end_off;
	size_t i, j;

	if (!ok || f->end <= f->start) {
		/* its classes were counted row by row: they stay, as rows of
		 * FDEs the table does not use (malformed ones are in fdes_bad) */
		b->nr_raw = b->fde_first;
		return 0;
	}
	if (b->eh_done && over_eh_fde(b, f->start, f->end)) {
		b->c->fdes_overlap++;
		b->nr_raw = b->fde_first;
		return 0;
	}
	/* One PT_LOAD holds the whole FDE: then offsets are vaddrs moved by
	 * one constant. */
	if (elf_dso__vaddr_to_offset(b->elf, f->start, &off) ||
	    elf_dso__vaddr_to_offset(b->elf, f->end - 1, &end_off) ||
	    end_off - off != f->end - 1 - f->start || end_off >= b->file_size ||
	    end_off >= UINT32_MAX) {
		b->c->fdes_unmapped++;
		b->nr_raw = b->fde_first;
		return 0;
	}
	for (i = b->fde_first, j = b->fde_first; i < b->nr_raw; i++) {
		struct raw_row *r = &b->raw[i];
		__u64 s = r->start < f->start ? f->start : r->start;
		__u64 e = r->end > f->end ? f->end : r->end;
		unsigned int kind = r->rule.kind & EMBER_UNW_KIND_MASK;

		b->c->kind_rows[kind]++;
		if (s >= e)
			continue;
		b->c->kind_bytes[kind] += e - s;
		r->start = s - f->start + off;
		r->end = e - f->start + off;
		b->raw[j++] = *r;
	}
	b->nr_raw = j;
	b->c->fde_bytes += f->end - f->start;
	if (!b->eh_done) {
		if (b->nr_eh_fdes == b->cap_eh_fdes) {
			size_t cap = b->cap_eh_fdes ? b->cap_eh_fdes * 2 : 256;
			struct range *n = realloc(b->eh_fdes, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			b->eh_fdes = n;
			b->cap_eh_fdes = cap;
		}
		b->eh_fdes[b->nr_eh_fdes++] = (struct range){ f->start, f->end };
	}
	if (b->nr_raw > b->fde_first &&
	    push_span(b, b->raw[b->fde_first].start, b->fde_first, b->nr_raw - b->fde_first))
		return -ENOMEM;
	b->fde_first = b->nr_raw;
	return 0;
}

/* By start; the FDE that came first first, as raw_cmp. */
static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* Parses one CFI section of file d into the builder. */
static int parse_section(struct builder *b, const struct elf_dso *d, const char *name, bool eh,
			 struct cfi_stats *st)
{
	static const struct cfi_ops ops = { .row = on_row, .fde = on_fde };
	struct elf_dso_section sec;
	struct cfi_section cs;
	int ret;

	if (elf_dso__section(d, name, &sec))
		return -ENOENT;
	if (sec.type != SHT_PROGBITS && sec.type != SHT_X86_64_UNWIND)
		return -ENOENT;
	cs.data = sec.data;
	cs.size = (size_t)sec.size;
	cs.addr = sec.addr;
	cs.eh_frame = eh;
	b->fde_first = b->nr_raw;
	ret = cfi__parse(&cs, &ops, b, st);
	b->nr_raw = b->fde_first; /* rows of an FDE cut short by an error */
	return ret;
}

/* ---- the file around the CFI ---- */

static int on_section(const struct elf_dso_section *s, void *arg)
{
	struct builder *b = arg;

	if (s->type != SHT_PROGBITS || !(s->flags & SHF_EXECINSTR) || !s->size)
		return 0;
	b->c->exec_bytes += s->size;
	if (s->offset < b->exec_lo)
		b->exec_lo = s->offset;
	if (s->offset + s->size > b->exec_hi)
		b->exec_hi = s->offset + s->size;
	return 0;
}

/* The frame set-ups of .text: push %rbp; mov %rsp,%rbp. */
static void count_prologues(struct builder *b, const struct elf_dso *d)
{
	static const __u8 setup[4] = { 0x55, 0x48, 0x89, 0xe5 };
	struct elf_dso_section text;
	const __u8 *p, *end;

	if (elf_dso__section(d, ".text", &text) || text.type != SHT_PROGBITS)
		return;
	b->c->text_bytes = text.size;
	p = text.data;
	end = p + text.size;
	while (end - p >= 4 && (p = memchr(p, setup[0], (size_t)(end - p - 3)))) {
		if (!memcmp(p, setup, 4))
			b->c->prologues++;
		p++;
	}
}

static bool same_build(const struct elf_dso *a, const struct elf_dso *b)
{
	unsigned int na, nb;
	const __u8 *ia = elf_dso__build_id(a, &na), *ib = elf_dso__build_id(b, &nb);

	return !ia || !ib || (na == nb && !memcmp(ia, ib, na));
}

/* .debug_frame from a separate debug file, if there is one. */
static int parse_debug_file(struct builder *b, struct elf_dso *d, const struct unwind_table_opts *o)
{
	const char *dir = o->debug_dir ? o->debug_dir : DEFAULT_DEBUG_DIR;
	struct elf_dso *dbg;
	int ret;

	if (o->debug_fd >= 0)
		dbg = elf_dso__open_tables_fd(o->debug_fd, "[debug file]");
	else
		dbg = elf_dso__open_debug_tables(d, o->path, dir[0] ? dir : NULL, o->debug_beside,
						 ".debug_frame");
	if (!dbg)
		return errno == ENOMEM ? -ENOMEM : 0;
	ret = 0;
	if (same_build(d, dbg)) {
		ret = parse_section(b, dbg, ".debug_frame", false, &b->c->debug);
		if (!ret)
			b->c->sources |= UNWIND_SRC_DEBUG_FILE;
		else if (ret == -ENOENT)
			ret = 0;
	}
	elf_dso__free(dbg);
	return ret;
}

/* ---- the table ---- */

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_row *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool same_rule(const struct ember_unw_row *a, const struct ember_unw_row *b)
{
	return a->cfa8 == b->cfa8 && a->rbp8 == b->rbp8 && a->kind == b->kind;
}

/* Appends the rule at off, merged into the last row if it is the same;
 * a row at the same offset as the last replaces it. */
static void emit(struct unwind_table *t, __u64 off, struct ember_unw_row rule)
{
	rule.off = (__u32)off;
	if (t->nr_rows && t->rows[t->nr_rows - 1].off == rule.off) {
		t->nr_rows--;
		if (t->nr_rows && same_rule(&t->rows[t->nr_rows - 1], &rule))
			return;
	}
	if (t->nr_rows && same_rule(&t->rows[t->nr_rows - 1], &rule))
		return;
	t->rows[t->nr_rows++] = rule;
}

static int build_rows(struct builder *b)
{
	struct unwind_table *t = b->t;
	bool fp = t->flags & EMBER_UNW_FILE_FP_ONLY;
	struct ember_unw_row marker = { .kind = fp ? EMBER_UNW_FP : EMBER_UNW_INVALID };
	struct ember_unw_row invalid = { .kind = EMBER_UNW_INVALID };
	__u64 cover = 0;
	size_t i;

	/* every raw row, a marker after each, two for the FP file's ends */
	t->rows = malloc((2 * b->nr_raw + 3) * sizeof(*t->rows));
	if (!t->rows)
		return -ENOMEM;
	if (b->nr_raw) {
		/* FDEs in order, each's rows in order already; only FDEs that
		 * overlap leave rows out of order, then all are sorted */
		struct raw_row *sorted = malloc(b->nr_raw * sizeof(*sorted));
		size_t n = 0;
		bool in_order = true;

		if (!sorted)
			return -ENOMEM;
		qsort(b->spans, b->nr_spans, sizeof(*b->spans), span_cmp);
		for (i = 0; i < b->nr_spans; i++) {
			memcpy(sorted + n, b->raw + b->spans[i].first,
			       b->spans[i].n * sizeof(*sorted));
			n += b->spans[i].n;
		}
		for (i = 1; i < n && in_order; i++)
			in_order = raw_cmp(&sorted[i - 1], &sorted[i]) <= 0;
		if (!in_order)
			qsort(sorted, n, sizeof(*sorted), raw_cmp);
		free(b->raw);
		b->raw = sorted;
		b->nr_raw = n;
		b->cap_raw = n;
	}
	/* An FP_ONLY file's code before its first FDE is walked by FP too. */
	if (fp && b->exec_lo < b->exec_hi && b->exec_hi <= UINT32_MAX &&
	    (!b->nr_raw || b->exec_lo < b->raw[0].start)) {
		emit(t, b->exec_lo, marker);
		cover = b->exec_lo;
	}
	for (i = 0; i < b->nr_raw; i++) {
		const struct raw_row *r = &b->raw[i];

		if (t->nr_rows && r->start > cover && r->start - cover > MIN_GAP)
			emit(t, cover, marker);
		emit(t, r->start, r->rule);
		if (r->end > cover)
			cover = r->end;
	}
	if (t->nr_rows) {
		emit(t, cover, marker);
		if (fp && b->exec_hi > cover && b->exec_hi <= UINT32_MAX)
			emit(t, b->exec_hi, invalid);
	}
	for (i = 0; i < t->nr_rows; i++)
		b->c->table_rows[t->rows[i].kind & EMBER_UNW_KIND_MASK]++;
	return 0;
}

/* idx[k]: the last row starting at or before off_lo + k * 256, and one
 * entry past the last row's block, so that a lookup in block k searches
 * rows idx[k]..idx[k + 1]. */
static int build_index(struct unwind_table *t)
{
	__u64 last, nb;
	__u32 r = 0;

	if (!t->nr_rows)
		return 0;
	t->off_lo = t->rows[0].off & ~((1ULL << EMBER_UNW_BLOCK_SHIFT) - 1);
	last = t->rows[t->nr_rows - 1].off;
	nb = ((last - t->off_lo) >> EMBER_UNW_BLOCK_SHIFT) + 2;
	t->index = malloc(nb * sizeof(*t->index));
	if (!t->index)
		return -ENOMEM;
	t->nr_blocks = (__u32)nb;
	for (__u64 k = 0; k < nb; k++) {
		__u64 start = t->off_lo + (k << EMBER_UNW_BLOCK_SHIFT);

		while (r + 1 < t->nr_rows && t->rows[r + 1].off <= start)
			r++;
		t->index[k] = r;
	}
	return 0;
}

static void decide_fp_only(struct builder *b)
{
	const struct unwind_table_counts *c = b->c;
	__u64 covered = 0;

	for (unsigned int k = 0; k < EMBER_UNW_KINDS; k++)
		covered += c->kind_bytes[k];
	if (c->exec_bytes && c->fde_bytes * 100 < c->exec_bytes * FP_COVERAGE_BELOW_PCT &&
	    c->text_bytes && c->prologues * (1 << 20) >= c->text_bytes * FP_PROLOGUES_PER_MB)
		b->t->flags |= EMBER_UNW_FILE_FP_ONLY;
	if (covered && c->kind_bytes[EMBER_UNW_RBP] * 100 >= covered * FP_RBP_CFA_PCT)
		b->t->flags |= EMBER_UNW_FILE_FP_ONLY;
}

/* The build, from a file d opened for its tables. */
/* Code an entry point may run for before a walkable frame exists. */
#define ENTRY_STOP_BYTES 64

/*
 * A process's outermost frame is its entry point, where nothing called
 * it. The executable's _start has CFI saying so (return address
 * undefined: a STOP row), but ld.so's, which runs first in every
 * dynamically linked process, and hand-written ones have none: their
 * frames would end walks as "no rule". An entry point no FDE covers gets
 * a STOP row of its own.
 */
static int stop_at_entry(struct builder *b)
{
	struct raw_row r = { .rule = { .kind = EMBER_UNW_STOP } };
	__u64 entry, off;

	if (!elf_dso__entry(b->elf, &entry) || elf_dso__vaddr_to_offset(b->elf, entry, &off) ||
	    off >= UINT32_MAX - ENTRY_STOP_BYTES)
		return 0;
	for (size_t i = 0; i < b->nr_spans; i++) {
		const struct span *s = &b->spans[i];
		const struct raw_row *last = &b->raw[s->first + s->n - 1];

		if (b->raw[s->first].start <= off && off < last->end)
			return 0; /* its FDE says what it is */
	}
	r.start = off;
	r.end = off + ENTRY_STOP_BYTES;
	r.seq = b->seq++;
	if (push_raw(b, &r))
		return -ENOMEM;
	return push_span(b, off, b->nr_raw - 1, 1);
}

static struct unwind_table *build(struct elf_dso *d, __u64 file_size,
				  const struct unwind_table_opts *o)
{
	struct builder b = { 0 };
	const __u8 *id;
	int err;

	b.t = calloc(1, sizeof(*b.t));
	if (!b.t) {
		err = -ENOMEM;
		goto cleanup;
	}
	b.c = &b.t->counts;
	b.elf = d;
	b.exec_lo = ~0ULL;
	b.file_size = file_size;
	id = elf_dso__build_id(d, &b.t->build_id_size);
	if (id)
		memcpy(b.t->build_id, id, b.t->build_id_size);
	elf_dso__for_each_section(d, on_section, &b);
	count_prologues(&b, d);

	err = parse_section(&b, d, ".eh_frame", true, &b.c->eh);
	if (!err)
		b.c->sources |= UNWIND_SRC_EH_FRAME;
	else if (err != -ENOENT)
		goto cleanup;
	if (b.nr_eh_fdes) /* qsort wants an array, even of none */
		qsort(b.eh_fdes, b.nr_eh_fdes, sizeof(*b.eh_fdes), range_cmp);
	b.eh_done = true;
	err = parse_section(&b, d, ".debug_frame", false, &b.c->debug);
	if (!err)
		b.c->sources |= UNWIND_SRC_DEBUG_FRAME;
	else if (err != -ENOENT)
		goto cleanup;
	err = 0;
	if (o && !(b.c->sources & UNWIND_SRC_DEBUG_FRAME) &&
	    (o->debug_fd >= 0 || b.c->fde_bytes * 100 < b.c->exec_bytes * DEBUG_FILE_BELOW_PCT)) {
		err = parse_debug_file(&b, d, o);
		if (err)
			goto cleanup;
	}
	err = stop_at_entry(&b);
	if (err)
		goto cleanup;
	decide_fp_only(&b);
	err = build_rows(&b);
	if (!err)
		err = build_index(b.t);
cleanup:
	free(b.raw);
	free(b.eh_fdes);
	free(b.spans);
	if (err) {
		unwind_table__free(b.t);
		errno = -err;
		return NULL;
	}
	return b.t;
}

struct unwind_table *unwind_table__new_fd(int fd, const struct unwind_table_opts *o)
{
	static const struct unwind_table_opts defaults = { .debug_fd = -1 };
	struct unwind_table *t;
	struct elf_dso *d;
	struct stat st;
	int saved;

	if (fstat(fd, &st)) /* elf_dso checks it is a regular file */
		return NULL;
	d = elf_dso__open_tables_fd(fd, o && o->path ? o->path : "[fd]");
	if (!d)
		return NULL;
	t = build(d, (__u64)st.st_size, o ? o : &defaults);
	saved = errno;
	elf_dso__free(d);
	errno = saved;
	return t;
}

struct unwind_table *unwind_table__new_mem(const void *image, size_t size, const char *name)
{
	struct unwind_table *t;
	struct elf_dso *d;
	int saved;

	d = elf_dso__open_tables_mem(image, size, name);
	if (!d)
		return NULL;
	t = build(d, size, NULL);
	saved = errno;
	elf_dso__free(d);
	errno = saved;
	return t;
}

void unwind_table__free(struct unwind_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t->index);
	free(t);
}

const struct ember_unw_row *unwind_table__rows(const struct unwind_table *t, __u32 *nr_rows)
{
	*nr_rows = t->nr_rows;
	return t->rows;
}

const __u32 *unwind_table__index(const struct unwind_table *t, __u32 *nr_blocks)
{
	*nr_blocks = t->nr_blocks;
	return t->index;
}

__u64 unwind_table__off_lo(const struct unwind_table *t)
{
	return t->off_lo;
}

__u32 unwind_table__flags(const struct unwind_table *t)
{
	return t->flags;
}

size_t unwind_table__bytes(const struct unwind_table *t)
{
	return (size_t)t->nr_rows * sizeof(*t->rows) + (size_t)t->nr_blocks * sizeof(*t->index);
}

const struct unwind_table_counts *unwind_table__counts(const struct unwind_table *t)
{
	return &t->counts;
}

const __u8 *unwind_table__build_id(const struct unwind_table *t, unsigned int *size)
{
	*size = t->build_id_size;
	return t->build_id_size ? t->build_id : NULL;
}

void unwind_table__file_info(const struct unwind_table *t, __u32 row_lo, __u32 idx_lo,
			     struct ember_unw_file *out)
{
	memset(out, 0, sizeof(*out));
	out->row_lo = row_lo;
	out->nr_rows = t->nr_rows;
	out->idx_lo = idx_lo;
	out->nr_blocks = t->nr_blocks;
	out->off_lo = t->off_lo;
	out->flags = t->flags;
}

const struct ember_unw_row *unwind_table__lookup(const struct unwind_table *t, __u64 off)
{
	__u64 blk;
	__u32 lo, hi;

	if (!t->nr_rows || off < t->off_lo)
		return NULL;
	blk = (off - t->off_lo) >> EMBER_UNW_BLOCK_SHIFT;
	if (blk + 1 >= t->nr_blocks)
		return NULL;
	/* the last row at or before off among idx[blk]..idx[blk + 1] */
	lo = t->index[blk];
	hi = t->index[blk + 1] + 1;
	if (t->rows[lo].off > off)
		return NULL;
	while (hi - lo > 1) {
		__u32 mid = lo + (hi - lo) / 2;

		if (t->rows[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &t->rows[lo];
}
