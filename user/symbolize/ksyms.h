/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ksyms: kernel symbols from /proc/kallsyms (or a fixture with its format).
 *
 * Every non-absolute symbol is kept as a boundary, but only text symbols
 * (t/T/w/W) are returned by lookups: an address that falls on data, on an
 * end marker such as _etext, or far past a module's last symbol gets no
 * name rather than the name of whatever function precedes it.
 */
#ifndef EMBER_KSYMS_H
#define EMBER_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct ksyms;

struct ksym {
	__u64 addr;
	__u64 end; /* exclusive; estimated from the next symbol */
	const char *name;
	const char *module; /* "[kernel.kallsyms]" or "[ext4]"-style */
};

/* NULL with errno if the file cannot be read or memory runs out. A file
 * whose addresses are all zero (kptr_restrict) loads fine but is not
 * available. */
struct ksyms *ksyms__load(const char *path);
void ksyms__free(struct ksyms *k);

bool ksyms__available(const struct ksyms *k);
/* Number of function symbols that lookups can return. */
size_t ksyms__nr(const struct ksyms *k);
/* The function covering addr, or NULL. */
const struct ksym *ksyms__find(const struct ksyms *k, __u64 addr);

#endif
