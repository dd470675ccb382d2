/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF-only: the maps that say which file a user address belongs to, for
 * every profiled process. bpf/unwind_maps.bpf.c owns them and keeps them
 * true (exec, mmap, mprotect, munmap, fork, exit); objects that walk
 * stacks include this header and reuse the owner's fds
 * (bpf_map__reuse_fd; user/unwind/unwind_maps.h hands them out) before
 * they load, as the collectors share the targets map. max_entries here
 * are placeholders: userspace sizes the owner's maps.
 */
#ifndef EMBER_UNWIND_MAPS_BPF_H
#define EMBER_UNWIND_MAPS_BPF_H

#include "ember_abi.h"

/*
 * (tgid, address) -> the executable file mapping holding it. Each
 * mapping is stored as the aligned power-of-two blocks of
 * bpf/unwind_prefix.h; a full-length key (unw_prefix_lookup_key) finds
 * the one block holding the address. No prealloc: an LPM trie cannot be
 * preallocated, and its writers run in process context (syscalls, exec),
 * where allocation does not fail for want of a refill.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct ember_unw_map_key);
	__type(value, struct ember_unw_mapping);
} unw_maps SEC(".maps");

/* (dev, ino) -> file_idx: one id per file, whoever maps it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct ember_unw_inode);
	__type(value, __u32);
} unw_inodes SEC(".maps");

/*
 * The file-id allocator: the next unused id, bumped atomically by BPF
 * (__sync_fetch_and_add) and, through mmap of this array, by userspace
 * (__atomic_fetch_add). 64 bits so that failed allocations past the
 * limit, which also bump it, cannot wrap it back into range.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} unw_file_ids SEC(".maps");

/*
 * A forked child that has not exec'd -> the process whose mappings it
 * inherited (tgid -> tgid): on a miss under its own tgid the walker looks
 * up this one (one more lookup). Exec and exit remove the link.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} unw_parent SEC(".maps");

/* struct ember_unw_event records: files seen for the first time. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} unw_events SEC(".maps");

#endif
