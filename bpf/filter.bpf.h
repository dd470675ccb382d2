/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF-only: which threads are targets. Every collector includes this; the
 * targets map is created once (by the targets skeleton) and shared with
 * the others through bpf_map__reuse_fd before they load.
 */
#ifndef EMBER_FILTER_BPF_H
#define EMBER_FILTER_BPF_H

#include "ember_abi.h"

/* Set by userspace before load. */
const volatile __u32 filter_mode = EMBER_FILTER_ALL;
const volatile __u32 target_tid = 0;

/* Processes being profiled (EMBER_FILTER_TGID). Value unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* A thread of the target? tid 0 (the idle task) never is. */
static __always_inline bool is_target(__u32 tgid, __u32 tid)
{
	if (!tid)
		return false;
	if (filter_mode == EMBER_FILTER_TGID)
		return bpf_map_lookup_elem(&targets, &tgid) != NULL;
	if (filter_mode == EMBER_FILTER_TID)
		return tid == target_tid;
	return true;
}

#endif
