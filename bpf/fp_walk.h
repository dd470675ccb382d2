/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The frame-pointer walk of a user stack, as BPF and as host C. The walk
 * itself does nothing but read user memory, so it is written once over
 * fp_walk_read_user(): in BPF that is bpf_probe_read_user; a host build
 * (EMBER_FP_WALK_HOST, the unit tests in tests/unit/test_fp_walk.c)
 * declares it and the test defines it over a synthetic memory image, as
 * the OpenTelemetry profiler builds its BPF unwinders for host tests.
 * Nothing here may use another BPF helper or map: stacks.bpf.h wraps the
 * walk with the scratch slot and the stacks map.
 */
#ifndef EMBER_FP_WALK_H
#define EMBER_FP_WALK_H

#ifdef EMBER_FP_WALK_HOST
#include "ember_abi.h"
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
/* Copy size bytes of user memory at addr into dst: 0, or a negative
 * errno when addr is not readable (bpf_probe_read_user's contract). */
long fp_walk_read_user(void *dst, __u32 size, __u64 addr);
#else
#define fp_walk_read_user(dst, size, addr) bpf_probe_read_user(dst, size, (void *)(addr))
#endif

/* What a frame pointer points at on x86-64 (and arm64): the caller's
 * saved frame pointer, then the return address into the caller. */
struct fp_walk_frame {
	__u64 next;
	__u64 ret;
};

/*
 * Walk the frame-pointer chain from user registers ip and fp into buf,
 * leaf first: buf->ips[0] is ip, then each frame's saved return address
 * while the saved frame pointers climb the stack. The walk stops before
 * reading a frame at a null or misaligned fp, at a read error or a zero
 * return address (neither is recorded), after a frame whose saved fp
 * does not rise (its return address is recorded; the next one would not
 * be a frame, and a loop would never end), or at EMBER_MAX_STACK_DEPTH
 * frames. The entry after the last is zeroed when there is one, so buf
 * is zero-terminated as the stacks map wants. Returns the number of
 * frames, at least 1.
 *
 * The loop state (i, n, fp, frame) is small and the verifier walks the
 * 126 iterations one by one (~280k instructions processed for the
 * allocation return probe); keep it that simple.
 */
static __always_inline int fp_walk(struct ember_stack *buf, __u64 ip, __u64 fp)
{
	struct fp_walk_frame frame;
	int n = 1;

	buf->ips[0] = ip;
	for (int i = 1; i < EMBER_MAX_STACK_DEPTH; i++) {
		if (!fp || fp & 7 || fp_walk_read_user(&frame, sizeof(frame), fp))
			break;
		if (!frame.ret)
			break;
		buf->ips[i] = frame.ret;
		n = i + 1;
		/* frames lie at rising addresses; anything else is not a frame */
		if (frame.next <= fp)
			break;
		fp = frame.next;
	}
	if (n < EMBER_MAX_STACK_DEPTH)
		buf->ips[n] = 0;
	return n;
}

#endif
