/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * x86_insn: ember's one x86-64 instruction decoder, for the userspace code
 * that reads machine code: where the allocation probes go (alloc_sites.c:
 * emulated instructions, wrappers, PLT stubs) and whether a function has
 * set its frame pointer up yet (elf_dso.c: the prologue scan).
 *
 * It finds an instruction's parts and so its length: legacy prefixes, REX,
 * the VEX, EVEX and XOP escapes, the opcode and its map, ModRM, SIB,
 * displacement and immediate, for 64-bit mode. It does not tell what an
 * instruction does beyond the few classes below; callers look at the
 * opcode for the rest. Input is untrusted: a truncated or undecodable
 * instruction gives 0, never a read past len.
 *
 * Where 64-bit mode leaves a choice, the answer is objdump's (the unit
 * test's reference): a REX not directly before the opcode is refused (the
 * CPU ignores it; objdump shows it as an instruction of its own), and a
 * 66 prefix makes a call, jmp or jcc rel32 a rel16 (AMD; Intel ignores
 * it; compilers never emit it). One difference: fwait (9b) is an
 * instruction of its own, as for the CPU and the kernel's decoder, where
 * objdump shows it and the x87 instruction after it as one (fstcw, ...).
 */
#ifndef EMBER_X86_INSN_H
#define EMBER_X86_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define X86_INSN_MAX 15 /* the CPU faults on a longer one */

/* Legacy prefixes seen, in struct x86_insn.prefixes. */
#define X86_PFX_OPSIZE 0x001   /* 66 */
#define X86_PFX_ADDRSIZE 0x002 /* 67 */
#define X86_PFX_LOCK 0x004     /* f0 */
#define X86_PFX_REPNE 0x008    /* f2, also bnd */
#define X86_PFX_REP 0x010      /* f3 */
#define X86_PFX_ES 0x020       /* 26 */
#define X86_PFX_CS 0x040       /* 2e */
#define X86_PFX_SS 0x080       /* 36 */
#define X86_PFX_DS 0x100       /* 3e, also notrack */
#define X86_PFX_FS 0x200       /* 64 */
#define X86_PFX_GS 0x400       /* 65 */

enum x86_encoding {
	X86_ENC_LEGACY, /* optional 0f, 0f 38, 0f 3a escapes */
	X86_ENC_VEX,	/* c4, c5 */
	X86_ENC_EVEX,	/* 62 */
	X86_ENC_XOP,	/* 8f with a map of 8 or more */
};

/* Opcode maps of the legacy encoding; VEX, EVEX and XOP name theirs by
 * number (1-3 the same tables, EVEX 5-6, XOP 8-10). */
enum x86_map {
	X86_MAP_ONE_BYTE = 0,
	X86_MAP_0F = 1,
	X86_MAP_0F38 = 2,
	X86_MAP_0F3A = 3,
};

struct x86_insn {
	unsigned int len;	  /* bytes in all, at most X86_INSN_MAX */
	unsigned int prefixes;	  /* X86_PFX_* */
	unsigned int nr_prefixes; /* legacy prefix bytes */
	__u8 rex;		  /* REX byte before the opcode, 0 if none */
	enum x86_encoding enc;
	unsigned int map; /* enum x86_map for the legacy encoding */
	__u8 opcode;	  /* the byte after the escapes */
	bool has_modrm;
	__u8 modrm;
	bool rip_relative;	/* memory operand disp32(%rip) */
	unsigned int disp_size; /* 0, 1, 4 or 8 (the moffs of a0-a3) */
	__s64 disp;		/* sign-extended; the moffs as is */
	unsigned int imm_size;	/* bytes of immediates, rel8/rel32 included */
	__s64 imm;		/* the first immediate, sign-extended */
};

/* Decode the instruction at code[0..len). Returns its length (in->len),
 * or 0 if it is truncated or not an instruction in 64-bit mode. */
unsigned int x86_insn__decode(struct x86_insn *in, const __u8 *code, size_t len);

/* ModRM fields. */
static inline unsigned int x86_insn__mod(const struct x86_insn *in)
{
	return in->modrm >> 6;
}

static inline unsigned int x86_insn__reg(const struct x86_insn *in)
{
	return (in->modrm >> 3) & 7;
}

/* The legacy-encoded opcode op of map. */
static inline bool x86_insn__is(const struct x86_insn *in, enum x86_map map, __u8 op)
{
	return in->enc == X86_ENC_LEGACY && in->map == (unsigned int)map && in->opcode == op;
}

/* endbr64 exactly as the CET instruction is spelled: f3 0f 1e fa. */
bool x86_insn__is_endbr64(const struct x86_insn *in);
/* jcc rel8 or rel32 (70-7f, 0f 80-8f). */
bool x86_insn__is_jcc(const struct x86_insn *in);
/* A direct call or jump with a relative target: call rel32, jmp rel8 or
 * rel32, jcc, loop/jrcxz. */
bool x86_insn__is_rel_branch(const struct x86_insn *in);
/* call or jmp through memory at disp32(%rip): ff /2, ff /4 (a PLT stub's
 * jmp, a -fno-plt call). */
bool x86_insn__is_rip_call_jmp(const struct x86_insn *in);

/* Where a relative branch at addr goes. false if in is none. */
bool x86_insn__rel_target(const struct x86_insn *in, __u64 addr, __u64 *target);
/* The address of the rip-relative memory operand of the instruction at
 * addr. false if it has none. */
bool x86_insn__rip_target(const struct x86_insn *in, __u64 addr, __u64 *target);

#endif
