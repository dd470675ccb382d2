// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where the allocation probes go (user/collect/alloc_sites.c): the allocator
 * functions of a target's ELF file, found by symbol name, and the x86-64
 * instruction checks on their first bytes (wrappers followed through
 * calls and PLT stubs, emulated instructions); the input is the file.
 * The instruction classifiers also get the input's first bytes as code.
 */
#include "fuzz.h"
#include "collect/alloc_sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alloc_sites *s = alloc_sites__find(fuzz_memfd(0, data, size));
	size_t code = size < 64 ? size : 64;

	for (unsigned int i = 0; i < alloc_sites__count(s); i++) {
		const struct alloc_site *a = alloc_sites__get(s, i);

		if (!a || !a->func || a->probe_offset < a->entry_offset)
			abort();
	}
	alloc_sites__is_allocator(s);
	alloc_sites__path(s);
	alloc_sites__free(s);
	alloc_sites__emulated_insn(data, code);
	alloc_sites__free_probe_offset(data, code);
	return 0;
}
