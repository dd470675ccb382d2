/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF-only helpers: per-CPU outcome counters. */
#ifndef EMBER_STATS_BPF_H
#define EMBER_STATS_BPF_H

#include "ember_abi.h"

/* errno values the helpers return (vmlinux.h has no errno.h). */
#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef EEXIST
#define EEXIST 17
#endif

/* Per-CPU, so counting needs no atomics on the sampling path. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EMBER_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_inc(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &id);

	/* Never NULL for an index below max_entries; the check is for the verifier. */
	if (v)
		(*v)++;
}

#endif
