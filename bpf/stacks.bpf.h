/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF-only: how every collector takes its stacks. store_user_stack and
 * store_kernel_stack are the only entry points: a stack is taken (by
 * bpf_get_stack or the frame-pointer walk of fp_walk.h) into a per-CPU
 * scratch slot, hashed, and stored once in the stacks map under its hash
 * (see struct ember_stack).
 */
#ifndef EMBER_STACKS_BPF_H
#define EMBER_STACKS_BPF_H

#include <bpf/bpf_tracing.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "fp_walk.h"
#include "unwind.bpf.h"

/* Set by userspace before load (enum ember_unwinder). */
const volatile __u32 user_unwinder = EMBER_UNWINDER_FP;

/* One scratch slot per program kind: a perf sample (NMI) can interrupt a
 * tracepoint program on the same CPU, so they must not share one. */
enum scratch_slot {
	SCRATCH_SAMPLE = 0, /* perf_event (NMI-like) */
	SCRATCH_SWITCH = 1, /* sched_switch raw tracepoint */
	SCRATCH_ALLOC = 2,  /* allocator uprobes */
	SCRATCH_MAX = 4,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCRATCH_MAX);
	__type(key, __u32);
	__type(value, struct ember_stack);
} stack_scratch SEC(".maps");

/* max_entries is set by userspace before load (--stack-storage). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ember_stack);
} stacks SEC(".maps");

static __always_inline __u64 mix64(__u64 h)
{
	/* splitmix64 finalizer */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Store the n frames in buf under their hash; see store_user_stack. */
static __always_inline __u64 store_frames(struct ember_stack *buf, int n, bool user, bool *lost)
{
	__u64 h;
	int err;

	/* user and kernel stacks never share a key */
	h = user ? 0x75736572ULL : 0x6b65726eULL;
	for (int i = 0; i < EMBER_MAX_STACK_DEPTH; i++) {
		if (i >= n)
			break;
		h = mix64(h ^ buf->ips[i]);
	}
	h = mix64(h ^ n);
	if (!h)
		h = 1;
	if (bpf_map_lookup_elem(&stacks, &h))
		return h;
	err = bpf_map_update_elem(&stacks, &h, buf, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		stat_inc(EMBER_STAT_STACKS_FULL);
		*lost = true;
		return 0;
	}
	/* how full the map is, for live views that renew before it fills */
	if (!err)
		stat_inc(EMBER_STAT_STACKS_STORED);
	return h;
}

/*
 * Take the current user (BPF_F_USER_STACK) or kernel stack by the
 * kernel's walk and store it; see store_user_stack for what it returns.
 */
static __always_inline __u64 store_stack_by_helper(void *ctx, __u32 slot, __u64 flags, bool *lost)
{
	bool user = flags & BPF_F_USER_STACK;
	struct ember_stack *buf;
	long len;
	int n;

	*lost = false;
	buf = bpf_map_lookup_elem(&stack_scratch, &slot);
	if (!buf)
		return 0; /* only for the verifier: slot < SCRATCH_MAX */
	len = bpf_get_stack(ctx, buf->ips, sizeof(buf->ips), flags);
	if (len <= 0) {
		/* -EFAULT or an empty chain: there is no stack of this kind */
		if (len == 0 || len == -EFAULT) {
			stat_inc(user ? EMBER_STAT_USTACK_NONE : EMBER_STAT_KSTACK_NONE);
		} else {
			stat_inc(user ? EMBER_STAT_USTACK_ERROR : EMBER_STAT_KSTACK_ERROR);
			*lost = true;
		}
		return 0;
	}
	/* bpf_get_stack zeroes the buffer past the copied frames, so the
	 * stored entry is zero-terminated for userspace. */
	n = len / sizeof(__u64);
	return store_frames(buf, n, user, lost);
}

/* The user stack by frame pointers (fp_walk.h) from a probe's user
 * registers, stored like store_stack_by_helper's. */
static __always_inline __u64 store_user_stack_fp(struct pt_regs *regs, __u32 slot, bool *lost)
{
	struct ember_stack *buf;
	int n;

	*lost = false;
	buf = bpf_map_lookup_elem(&stack_scratch, &slot);
	if (!buf)
		return 0;
	n = fp_walk(buf, PT_REGS_IP(regs), PT_REGS_FP(regs));
	return store_frames(buf, n, true, lost);
}

/* include/linux/sched.h */
#define UNW_PF_EXITING 0x00000004

/*
 * The user stack by the .eh_frame tables (unwind.bpf.h), from the user
 * registers each program kind has: a sample's own when it interrupted
 * user mode, else (a sample in the kernel, a context switch) those the
 * thread saved entering the kernel; a uprobe's. How the walk ended goes
 * into *key_flags.
 */
static __always_inline __u64 store_user_stack_cfi(void *ctx, __u32 slot, __u32 *key_flags,
						  bool *lost)
{
	struct task_struct *task;
	struct unw_state *s;
	struct unw_regs r;
	bool have;

	*lost = false;
	/* An exiting thread runs no user code any more, and its address
	 * space is being torn down under the walk; one inside execve has
	 * the old image's registers over the new image's memory. Their time
	 * is the kernel's (the kernel stack shows do_exit, or the exec). */
	task = bpf_get_current_task_btf();
	if ((task->flags & UNW_PF_EXITING) || BPF_CORE_READ_BITFIELD(task, in_execve)) {
		stat_inc(EMBER_STAT_USTACK_NONE);
		return 0;
	}
	if (slot == SCRATCH_SAMPLE)
		have = unw_regs_perf(ctx, &r);
	else if (slot == SCRATCH_SWITCH)
		have = unw_regs_task(&r);
	else
		have = (unw_regs_probe(ctx, &r), true);
	if (!have) {
		stat_inc(EMBER_STAT_USTACK_NONE); /* a kernel thread */
		return 0;
	}
	s = unw_walk(slot, bpf_get_current_pid_tgid() >> 32, &r);
	if (!s)
		return 0; /* only for the verifier: slot < UNW_SLOTS */
	*key_flags |= EMBER_KEY_USER_CFI;
	if (s->cls == EMBER_UNW_PARTIAL)
		*key_flags |= EMBER_KEY_USER_PARTIAL;
	else if (s->cls == EMBER_UNW_TRUNCATED)
		*key_flags |= EMBER_KEY_USER_TRUNCATED;
	return store_frames(&s->ips, s->n, true, lost);
}

/*
 * The current thread's user stack, for every collector: its key in the
 * stacks map, 0 when there is none (a kernel thread), 0 with *lost set
 * when it could not be taken or stored; every outcome is counted. ctx is
 * the program's own context and slot its program kind, which says what
 * ctx is and so how the stack can be taken. This is the one place that
 * picks an unwinder.
 *
 * - SCRATCH_ALLOC (uprobes, ctx is the user pt_regs): the walk of
 *   fp_walk.h. From a uprobe bpf_get_stack costs ~0.9 us for a few
 *   frames, this walk a fraction, and allocations are the hottest path.
 * - SCRATCH_SAMPLE (perf_event) and SCRATCH_SWITCH (sched_switch):
 *   bpf_get_stack. Its walk starts at the thread's user registers
 *   whichever mode the thread was in, where these contexts hold kernel
 *   registers (a sample taken in the kernel) or none (sched_switch: an
 *   unwinder of ours would need bpf_task_pt_regs), and it is the walk
 *   perf's own callchains make. It follows frame pointers too, but
 *   stops on other rules (perf_callchain_user checks only that a frame
 *   lies in user space: no alignment, zero-return or rising-fp check),
 *   so moving these to fp_walk would change the stacks they report.
 *
 * slot is a constant at every call site: the branch not taken is
 * compiled out. With user_unwinder CFI (--unwind), every kind walks the
 * .eh_frame tables instead, and says how in *key_flags; the verifier
 * drops the branch the frozen rodata rules out.
 */
static __always_inline __u64 store_user_stack(void *ctx, __u32 slot, __u32 *key_flags, bool *lost)
{
	if (user_unwinder == EMBER_UNWINDER_CFI)
		return store_user_stack_cfi(ctx, slot, key_flags, lost);
	if (slot == SCRATCH_ALLOC)
		return store_user_stack_fp(ctx, slot, lost);
	return store_stack_by_helper(ctx, slot, BPF_F_USER_STACK, lost);
}

/* The current kernel stack, for every collector: as store_user_stack, 0
 * also when the program ran on a user-mode sample. */
static __always_inline __u64 store_kernel_stack(void *ctx, __u32 slot, bool *lost)
{
	return store_stack_by_helper(ctx, slot, 0, lost);
}

#endif
