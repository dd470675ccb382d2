// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * /proc/kallsyms (user/symbolize/ksyms.c): the input loaded as the kallsyms file,
 * then looked up at every address it names, their neighbours and a few
 * taken from the input's bytes.
 */
#include <inttypes.h>
#include "fuzz.h"
#include "symbolize/ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksyms *k = ksyms__load(fuzz_memfd(0, data, size));
	char *text, *line, *save = NULL;
	unsigned int n = 0;

	if (!k)
		return 0;
	ksyms__available(k);
	ksyms__nr(k);
	text = fuzz_cstr(data, size);
	for (line = strtok_r(text, "\n", &save); line && n < 256;
	     line = strtok_r(NULL, "\n", &save), n++) {
		uint64_t a;

		if (sscanf(line, "%" SCNx64, &a) != 1)
			continue;
		for (uint64_t d = 0; d < 3; d++) {
			const struct ksym *s = ksyms__find(k, a - 1 + d);

			if (s &&
			    (a - 1 + d < s->addr || a - 1 + d >= s->end || !s->name || !s->module))
				abort();
		}
	}
	for (unsigned int i = 0; i < 4; i++)
		ksyms__find(k, fuzz_u64(data, size, 8 * i));
	free(text);
	ksyms__free(k);
	return 0;
}
