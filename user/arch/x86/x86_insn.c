// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * x86_insn: x86-64 instruction lengths (see x86_insn.h). The opcode tables
 * are the Intel SDM's (volume 2, appendix A) and AMD's for XOP, reduced to
 * what the length depends on: whether a ModRM byte follows and how many
 * immediate bytes.
 */
#include <string.h>
#include "arch/x86/x86_insn.h"

/* Immediate sizes that depend on the operand size. */
#define IMM_Z 0x10 /* 2 with 66, else 4 (imm16/imm32, rel16/rel32) */
#define IMM_V 0x20 /* 8 with REX.W, 2 with 66, else 4 (mov $imm,%reg) */
#define IMM_MASK 0x0f
#define BAD 0xff

/* One-byte map: the immediate of each opcode, BAD where 64-bit mode has
 * none (or it is a prefix or escape, decoded before). */
static unsigned int imm_one_byte(__u8 op, unsigned int reg)
{
	if (op < 0x40) {
		switch (op & 7) {
		case 4:
			return 1;
		case 5:
			return IMM_Z;
		case 6:
		case 7:
			return BAD; /* push/pop es..., daa...: gone (0f: decoded before) */
		default:
			return 0;
		}
	}
	switch (op) {
	case 0x60: /* pusha, popa, bound, les, lds */
	case 0x61:
	case 0x62:
	case 0x82:
	case 0x9a: /* far call, jmp, into, aam, aad, salc */
	case 0xc4:
	case 0xc5:
	case 0xce:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xea:
		return BAD;
	case 0x68:
	case 0x69:
	case 0x81:
	case 0xa9:
	case 0xc7:
	case 0xe8:
	case 0xe9:
		return IMM_Z;
	case 0x6a:
	case 0x6b:
	case 0x80:
	case 0x83:
	case 0xa8:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0xcd:
	case 0xeb:
		return 1;
	case 0xc2:
	case 0xca:
		return 2;
	case 0xc8: /* enter $imm16,$imm8 */
		return 3;
	case 0xf6: /* group 3: only test (/0, /1) has one */
		return reg <= 1 ? 1 : 0;
	case 0xf7:
		return reg <= 1 ? IMM_Z : 0;
	default:
		break;
	}
	if ((op >= 0x70 && op <= 0x7f) || (op >= 0xb0 && op <= 0xb7) || (op >= 0xe0 && op <= 0xe7))
		return 1;
	if (op >= 0xb8 && op <= 0xbf)
		return IMM_V;
	return 0;
}

static bool modrm_one_byte(__u8 op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	switch (op) {
	case 0x63:
	case 0x69:
	case 0x6b:
	case 0xc0:
	case 0xc1:
	case 0xc6:
	case 0xc7:
	case 0xf6:
	case 0xf7:
	case 0xfe:
	case 0xff:
		return true;
	default:
		return (op >= 0x80 && op <= 0x8f) || (op >= 0xd0 && op <= 0xd3) ||
		       (op >= 0xd8 && op <= 0xdf);
	}
}

/* Map 0f, legacy encoded: the ModRM-less opcodes, BAD for the undefined. */
static bool modrm_0f(__u8 op, bool *bad)
{
	*bad = false;
	switch (op) {
	case 0x04:
	case 0x0a:
	case 0x0c:
	case 0x24:
	case 0x25:
	case 0x26:
	case 0x27:
	case 0x36:
	case 0x39:
	case 0x3b:
	case 0x3c:
	case 0x3d:
	case 0x3e:
	case 0x3f:
	case 0x7a:
	case 0x7b:
		*bad = true;
		return false;
	case 0x05: /* syscall, clts, sysret, invd, wbinvd, ud2, femms */
	case 0x06:
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x0b:
	case 0x0e:
	case 0x77: /* emms */
	case 0xa0: /* push/pop fs, cpuid, push/pop gs, rsm */
	case 0xa1:
	case 0xa2:
	case 0xa8:
	case 0xa9:
	case 0xaa:
		return false;
	default:
		/* wrmsr..getsec, jcc rel32, bswap */
		return !((op >= 0x30 && op <= 0x37) || (op >= 0x80 && op <= 0x8f) ||
			 (op >= 0xc8 && op <= 0xcf));
	}
}

/* Map 0f: imm8 of the shifts by immediate, pshufw, shld/shrd, bt group,
 * cmpps, pinsrw/pextrw, shufps (VEX and EVEX keep these). */
static bool imm8_0f(__u8 op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4 || op == 0xc5 || op == 0xc6;
}

/* The immediate bytes after ModRM for the legacy 0f map. */
static unsigned int imm_0f(__u8 op, unsigned int prefixes)
{
	if (op >= 0x80 && op <= 0x8f)
		return IMM_Z;
	if (imm8_0f(op) || op == 0xa4 || op == 0xac || op == 0xba || op == 0x0f)
		return 1; /* 0f 0f: 3DNow!'s opcode suffix */
	if (op == 0x78 && (prefixes & (X86_PFX_OPSIZE | X86_PFX_REPNE)))
		return 2; /* SSE4a extrq, insertq $imm8,$imm8 */
	return 0;
}

static __s64 read_le(const __u8 *p, unsigned int n)
{
	__u64 v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (__u64)p[i] << (8 * i);
	if (n && n < 8 && (v >> (8 * n - 1)) & 1)
		v |= ~0ULL << (8 * n); /* sign-extend */
	return (__s64)v;
}

static bool legacy_prefix(__u8 b, unsigned int *flag)
{
	static const struct {
		__u8 byte;
		unsigned int flag;
	} pfx[] = {
		{ 0x66, X86_PFX_OPSIZE }, { 0x67, X86_PFX_ADDRSIZE }, { 0xf0, X86_PFX_LOCK },
		{ 0xf2, X86_PFX_REPNE },  { 0xf3, X86_PFX_REP },      { 0x26, X86_PFX_ES },
		{ 0x2e, X86_PFX_CS },	  { 0x36, X86_PFX_SS },	      { 0x3e, X86_PFX_DS },
		{ 0x64, X86_PFX_FS },	  { 0x65, X86_PFX_GS },
	};
	size_t i;

	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		if (pfx[i].byte == b) {
			*flag = pfx[i].flag;
			return true;
		}
	}
	return false;
}

/* The VEX (c4, c5), EVEX (62) or XOP (8f) escape at code[i]: sets the
 * encoding and map and returns the escape's length, 0 if code[i] starts
 * none (8f /0 is pop), -1 if truncated or malformed. */
static int vex_escape(struct x86_insn *in, const __u8 *code, size_t len, size_t i)
{
	__u8 op = code[i];
	unsigned int map;

	if (op != 0xc4 && op != 0xc5 && op != 0x62 && op != 0x8f)
		return 0;
	if (i + 1 >= len)
		return -1;
	if (op == 0x8f && (code[i + 1] & 0x1f) < 8)
		return 0;
	if (op == 0xc5) {
		in->enc = X86_ENC_VEX;
		in->map = X86_MAP_0F;
		return 2;
	}
	if (op == 0x62) {
		/* P0's map (0 4 7 reserved), P1's fixed 1 bit */
		if (i + 3 >= len)
			return -1;
		map = code[i + 1] & 7;
		if (!map || map == 4 || map == 7 || !(code[i + 2] & 4))
			return -1;
		in->enc = X86_ENC_EVEX;
		in->map = map;
		return 4;
	}
	map = code[i + 1] & 0x1f;
	if (op == 0xc4 ? map < 1 || map > 3 : map > 10)
		return -1;
	in->enc = op == 0xc4 ? X86_ENC_VEX : X86_ENC_XOP;
	in->map = map;
	return 3;
}

/* The immediate size of a VEX, EVEX or XOP instruction. */
static unsigned int imm_vex(const struct x86_insn *in)
{
	if (in->enc == X86_ENC_XOP)
		return in->map == 8 ? 1 : in->map == 10 ? 4 : 0;
	if (in->map == X86_MAP_0F3A)
		return 1;
	return in->map == X86_MAP_0F && imm8_0f(in->opcode) ? 1 : 0;
}

/* ModRM, SIB and displacement at code[i]: their length, 0 if truncated. */
static size_t modrm_operand(struct x86_insn *in, const __u8 *code, size_t len, size_t i)
{
	unsigned int mod, rm;
	size_t n = 1;

	if (i >= len)
		return 0;
	in->has_modrm = true;
	in->modrm = code[i];
	mod = x86_insn__mod(in);
	rm = in->modrm & 7;
	if (mod != 3 && rm == 4) {
		if (i + 1 >= len)
			return 0;
		n++;
		if (mod == 0 && (code[i + 1] & 7) == 5)
			in->disp_size = 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		in->disp_size = 4;
		in->rip_relative = true;
	}
	if (mod == 1)
		in->disp_size = 1;
	else if (mod == 2)
		in->disp_size = 4;
	if (i + n + in->disp_size > len)
		return 0;
	in->disp = read_le(code + i + n, in->disp_size);
	return n + in->disp_size;
}

unsigned int x86_insn__decode(struct x86_insn *in, const __u8 *code, size_t len)
{
	unsigned int imm = 0, first, flag;
	size_t i = 0, n;
	bool modrm, bad;
	int esc;

	memset(in, 0, sizeof(*in));
	if (!code)
		return 0;
	if (len > X86_INSN_MAX)
		len = X86_INSN_MAX;
	for (; i < len && legacy_prefix(code[i], &flag); i++)
		in->prefixes |= flag;
	in->nr_prefixes = (unsigned int)i;
	if (i < len && (code[i] & 0xf0) == 0x40)
		in->rex = code[i++];
	if (i >= len)
		return 0;
	esc = vex_escape(in, code, len, i);
	if (esc < 0 || (esc > 0 && in->rex))
		return 0;
	if (esc > 0) {
		i += (size_t)esc;
		if (i >= len)
			return 0;
		in->opcode = code[i++];
		modrm = in->enc != X86_ENC_VEX || in->map != X86_MAP_0F || in->opcode != 0x77;
		imm = imm_vex(in);
	} else if (code[i] == 0x0f) {
		if (++i >= len)
			return 0;
		in->map = X86_MAP_0F;
		if (code[i] == 0x38 || code[i] == 0x3a) {
			in->map = code[i] == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
			if (++i >= len)
				return 0;
		}
		in->opcode = code[i++];
		if (in->map == X86_MAP_0F) {
			modrm = modrm_0f(in->opcode, &bad);
			if (bad)
				return 0;
			imm = imm_0f(in->opcode, in->prefixes);
		} else {
			modrm = true;
			imm = in->map == X86_MAP_0F3A;
		}
	} else {
		in->opcode = code[i++];
		/* a REX or legacy prefix after a REX: see x86_insn.h */
		if ((in->opcode & 0xf0) == 0x40 || legacy_prefix(in->opcode, &flag))
			return 0;
		modrm = modrm_one_byte(in->opcode);
		/* 8f /1-/7 is no pop (nor XOP: see vex_escape) */
		if (in->opcode == 0x8f && i < len && (code[i] & 0x38))
			return 0;
		imm = imm_one_byte(in->opcode, i < len ? (code[i] >> 3) & 7 : 0);
		if (imm == BAD)
			return 0;
		if (in->opcode >= 0xa0 && in->opcode <= 0xa3) {
			/* mov moffs: an address, not an immediate */
			in->disp_size = in->prefixes & X86_PFX_ADDRSIZE ? 4 : 8;
			if (i + in->disp_size > len)
				return 0;
			in->disp = read_le(code + i, in->disp_size);
			i += in->disp_size;
		}
	}
	if (modrm) {
		n = modrm_operand(in, code, len, i);
		if (!n)
			return 0;
		i += n;
	}
	if (imm == IMM_Z)
		imm = in->prefixes & X86_PFX_OPSIZE && !(in->rex & 8) ? 2 : 4;
	else if (imm == IMM_V)
		imm = in->rex & 8 ? 8 : in->prefixes & X86_PFX_OPSIZE ? 2 : 4;
	if (i + imm > len)
		return 0;
	in->imm_size = imm;
	/* enter's and extrq's second immediate is not in imm */
	if (x86_insn__is(in, X86_MAP_ONE_BYTE, 0xc8))
		first = 2;
	else if (x86_insn__is(in, X86_MAP_0F, 0x78))
		first = imm ? 1 : 0;
	else
		first = imm;
	in->imm = read_le(code + i, first);
	in->len = (unsigned int)(i + imm);
	return in->len;
}

bool x86_insn__is_endbr64(const struct x86_insn *in)
{
	return in->len == 4 && in->prefixes == X86_PFX_REP && x86_insn__is(in, X86_MAP_0F, 0x1e) &&
	       in->modrm == 0xfa;
}

bool x86_insn__is_jcc(const struct x86_insn *in)
{
	return in->enc == X86_ENC_LEGACY &&
	       ((in->map == X86_MAP_ONE_BYTE && in->opcode >= 0x70 && in->opcode <= 0x7f) ||
		(in->map == X86_MAP_0F && in->opcode >= 0x80 && in->opcode <= 0x8f));
}

bool x86_insn__is_rel_branch(const struct x86_insn *in)
{
	if (x86_insn__is_jcc(in))
		return true;
	return in->enc == X86_ENC_LEGACY && in->map == X86_MAP_ONE_BYTE &&
	       ((in->opcode >= 0xe0 && in->opcode <= 0xe3) || in->opcode == 0xe8 ||
		in->opcode == 0xe9 || in->opcode == 0xeb);
}

bool x86_insn__is_rip_call_jmp(const struct x86_insn *in)
{
	return x86_insn__is(in, X86_MAP_ONE_BYTE, 0xff) && in->rip_relative &&
	       (x86_insn__reg(in) == 2 || x86_insn__reg(in) == 4);
}

bool x86_insn__rel_target(const struct x86_insn *in, __u64 addr, __u64 *target)
{
	if (!in->len || !x86_insn__is_rel_branch(in))
		return false;
	*target = addr + in->len + (__u64)in->imm;
	if (in->imm_size == 2)
		*target &= 0xffff; /* rel16: a 16-bit ip */
	return true;
}

bool x86_insn__rip_target(const struct x86_insn *in, __u64 addr, __u64 *target)
{
	if (!in->len || !in->rip_relative)
		return false;
	*target = addr + in->len + (__u64)in->disp;
	if (in->prefixes & X86_PFX_ADDRSIZE)
		*target &= 0xffffffffULL; /* eip-relative */
	return true;
}
