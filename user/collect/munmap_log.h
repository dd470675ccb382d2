/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * munmap_log: the munmaps the kernel could not settle on its own (the
 * BPF side removes a mapping unmapped whole from its start; anything else,
 * a tail, a hole, several mappings at once, is logged), replayed over the
 * live mapped blocks at the end: each block keeps the bytes no later
 * munmap of its process covered.
 */
#ifndef EMBER_MUNMAP_LOG_H
#define EMBER_MUNMAP_LOG_H

#include <stddef.h>
#include <linux/types.h>

struct munmap_log;

struct munmap_log *munmap_log__new(void);
void munmap_log__free(struct munmap_log *l);
/* 0 or -ENOMEM. len is rounded up to whole pages, as the kernel does. */
int munmap_log__add(struct munmap_log *l, __u32 tgid, __u64 addr, __u64 len, __u64 ts);
/* Bytes of the block [ptr, ptr + bytes) mapped at time ts by process tgid
 * still mapped after the munmaps logged later (pages rounded as mmap
 * does; a partly unmapped page still counts whole). Marks those munmaps
 * as matched. */
__u64 munmap_log__remaining(struct munmap_log *l, __u32 tgid, __u64 ptr, __u64 bytes, __u64 ts);
/* Logged munmaps that covered no live block (libc's own, or of blocks
 * already gone). */
size_t munmap_log__unmatched(const struct munmap_log *l);

#endif
