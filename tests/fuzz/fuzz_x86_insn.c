// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The x86-64 decoder (user/arch/x86/x86_insn.c) on arbitrary bytes: decoding the
 * input instruction by instruction, as the prologue scan and the wrapper
 * search do. Each decoded instruction must fit the input and
 * X86_INSN_MAX, its parts must fit the instruction, and its length must
 * not depend on the bytes after it.
 */
#include "fuzz.h"
#include "arch/x86/x86_insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_insn in, again;
	size_t off = 0;
	__u64 target;

	while (off < size) {
		unsigned int n = x86_insn__decode(&in, data + off, size - off);

		if (!n) {
			off++; /* resynchronise, as a linear sweep would */
			continue;
		}
		/* prefixes, opcode, ModRM, displacement, immediate within it */
		if (n != in.len || n > X86_INSN_MAX || n > size - off ||
		    in.nr_prefixes + 1 + in.has_modrm + in.disp_size + in.imm_size > n)
			abort();
		/* its own bytes suffice, one fewer do not */
		if (x86_insn__decode(&again, data + off, n) != n ||
		    x86_insn__decode(&again, data + off, n - 1) != 0)
			abort();
		x86_insn__rel_target(&in, off, &target);
		x86_insn__rip_target(&in, off, &target);
		x86_insn__is_endbr64(&in);
		x86_insn__is_rip_call_jmp(&in);
		off += n;
	}
	return 0;
}
