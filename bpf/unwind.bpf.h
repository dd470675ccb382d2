/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF-only: the .eh_frame table walk (unwind_walk.h) over its maps.
 *
 * - unw_rows, unw_index: every file's rows and block index, in two
 *   global ARRAYs that userspace sizes before load and fills through
 *   mmap (BPF_F_MMAPABLE); a file's part is given by its ember_unw_file.
 * - unw_files: the ember_unw_file of each file_idx.
 * - unw_maps, unw_parent: per process, which file an address is in
 *   (unwind_maps.bpf.h; unwind_maps.bpf.c keeps them).
 * - unw_states: the walk's state, per CPU and per program kind.
 * How the walks ended is counted in the stats map (EMBER_STAT_UNW_*).
 *
 * unw_walk() is the entry point; unw_regs_perf(), unw_regs_task() and
 * unw_regs_probe() get the user registers it starts from in each kind
 * of program.
 */
#ifndef EMBER_UNWIND_BPF_H
#define EMBER_UNWIND_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "unwind_maps.bpf.h"
#include "unwind_prefix.h"

/* Both sized by userspace before load (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ember_unw_row);
} unw_rows SEC(".maps");

/*
 * An ARRAY's elements are 8-byte aligned (round_up(value_size, 8)): with
 * __u32 values its mmap'd area would have 4 bytes of padding after each
 * entry. So the index is stored two entries per element, and through
 * mmap it is the dense __u32 array the table builder writes; size it
 * (entries + 1) / 2.
 */
struct unw_index_pair {
	__u32 e[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unw_index_pair);
} unw_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ember_unw_file);
} unw_files SEC(".maps");

/* ---- the hooks unwind_walk.h reads through ---- */

/* The mapping holding addr in process tgid, or in the process a forked
 * child (not exec'd yet) took its memory from: the child's own mappings
 * appear only as it changes them. */
static __always_inline const struct ember_unw_mapping *unw_mapping(__u32 tgid, __u64 addr)
{
	struct ember_unw_map_key key;
	const struct ember_unw_mapping *m;
	__u32 *parent;

	unw_prefix_lookup_key(tgid, addr, &key);
	m = bpf_map_lookup_elem(&unw_maps, &key);
	if (m)
		return m;
	parent = bpf_map_lookup_elem(&unw_parent, &tgid);
	if (!parent)
		return NULL;
	unw_prefix_lookup_key(*parent, addr, &key);
	return bpf_map_lookup_elem(&unw_maps, &key);
}

static __always_inline const struct ember_unw_file *unw_file(__u32 idx)
{
	return bpf_map_lookup_elem(&unw_files, &idx);
}

static __always_inline const __u32 *unw_block(__u32 i)
{
	__u32 pair = i >> 1;
	struct unw_index_pair *p = bpf_map_lookup_elem(&unw_index, &pair);

	return p ? &p->e[i & 1] : NULL;
}

static __always_inline const struct ember_unw_row *unw_row(__u32 i)
{
	return bpf_map_lookup_elem(&unw_rows, &i);
}

/* uretprobes nest at most MAX_URETPROBE_DEPTH (64) deep; the instances
 * that matter are the innermost few (ember's own allocator probes) */
#define UNW_URETPROBE_SCAN 16

/*
 * A uretprobe replaced the return address at user address slot by its
 * trampoline; the kernel keeps the original in the thread's
 * return_instance list, innermost first, each instance noting the stack
 * slot it hijacked (ri->stack: the sp at the probed function's entry,
 * where the return address is; arch_uretprobe_is_alive compares sp with
 * it). The current task is the one being walked in every caller.
 */
static __always_inline __u64 unw_uretprobe_ret(__u64 slot)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct return_instance *ri = BPF_CORE_READ(t, utask, return_instances);

	for (int i = 0; i < UNW_URETPROBE_SCAN && ri; i++) {
		if (BPF_CORE_READ(ri, stack) == slot)
			return BPF_CORE_READ(ri, orig_ret_vaddr);
		ri = BPF_CORE_READ(ri, next);
	}
	return 0;
}

#include "unwind_walk.h"

/* The uprobes page of the current process (uprobe_get_trampoline_vaddr:
 * mm->uprobes_state.xol_area->vaddr), 0 before its first uprobe hit. */
static __always_inline __u64 unw_xol_page(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(t, mm, uprobes_state.xol_area, vaddr);
}

/* Indexed by stacks.bpf.h's scratch_slot: a perf sample (NMI) can
 * interrupt a tracepoint or uprobe program's walk on the same CPU. */
#define UNW_SLOTS 4

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UNW_SLOTS);
	__type(key, __u32);
	__type(value, struct unw_state);
} unw_states SEC(".maps");

/* The user registers a walk starts from. */
struct unw_regs {
	__u64 ip;
	__u64 sp;
	__u64 bp;
};

/*
 * An 8-byte load at a constant offset of ctx. The perf_event context
 * rejects narrower loads (pt_regs.cs is a u16: "invalid bpf_context
 * access off=136 size=2"), and clang may compute ctx + off first, which
 * the verifier rejects as a modified ctx pointer.
 */
#define UNW_CTX_U64(ctx, field)                                                                    \
	({                                                                                         \
		__u64 v_;                                                                          \
		asm volatile("%0 = *(u64 *)(%1 + %2)"                                              \
			     : "=r"(v_)                                                            \
			     : "r"(ctx), "i"(__builtin_offsetof(struct pt_regs, field)));          \
		v_;                                                                                \
	})

/* A kprobe-type context (uprobes): the user registers themselves. */
static __always_inline void unw_regs_probe(void *ctx, struct unw_regs *r)
{
	r->ip = UNW_CTX_U64(ctx, ip);
	r->sp = UNW_CTX_U64(ctx, sp);
	r->bp = UNW_CTX_U64(ctx, bp);
}

/* The current thread's user registers as saved on kernel entry
 * (sched_switch: prev is current; samples taken in the kernel). false
 * for a kernel thread, which has none. */
static __always_inline bool unw_regs_task(struct unw_regs *r)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (!regs || (regs->csx & 3) != 3)
		return false;
	r->ip = regs->ip;
	r->sp = regs->sp;
	r->bp = regs->bp;
	return true;
}

/* A perf sample: its registers when it interrupted user mode, else the
 * thread's saved user registers. */
static __always_inline bool unw_regs_perf(struct bpf_perf_event_data *ctx, struct unw_regs *r)
{
	if ((UNW_CTX_U64(ctx, csx) & 3) != 3)
		return unw_regs_task(r);
	unw_regs_probe(ctx, r);
	return true;
}

/* bpf_loop wants its context on the stack; it only names the slot, and
 * never changes, so the callback is verified once, not per iteration. */
struct unw_loop_ctx {
	__u32 slot;
};

static long unw_loop_step(__u64 i, void *ctx)
{
	__u32 slot = ((struct unw_loop_ctx *)ctx)->slot;
	struct unw_state *s = bpf_map_lookup_elem(&unw_states, &slot);

	(void)i;
	if (!s)
		return 1;
	return unw_step(s);
}

/*
 * Walk the current thread's user stack from r in process tgid, in the
 * state of slot (the program kind). Returns the state: s->ips holds
 * s->n frames, leaf first, zero-terminated, and s->end / s->cls say how
 * it ended (counted in stats). NULL only for a slot out of range.
 */
static __always_inline struct unw_state *unw_walk(__u32 slot, __u32 tgid, const struct unw_regs *r)
{
	struct unw_loop_ctx c = { .slot = slot };
	struct unw_state *s;
	__u32 end;

	s = bpf_map_lookup_elem(&unw_states, &slot);
	if (!s)
		return NULL;
	unw_init(s, tgid, r->ip, r->sp, r->bp, unw_xol_page());
	/* each step records a frame or ends the walk: the n == 127 step
	 * ends it (cleanly, or as truncated) */
	bpf_loop(EMBER_MAX_STACK_DEPTH, unw_loop_step, &c, 0);
	if (!s->end)
		unw_end(s, EMBER_UNW_END_DEPTH);
	end = s->end;
	if (end > EMBER_UNW_END_NONE && end < EMBER_UNW_END_MAX)
		stat_inc(EMBER_STAT_UNW_FIRST + end - 1);
	return s;
}

#endif
