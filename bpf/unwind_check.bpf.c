// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The .eh_frame walk (unwind.bpf.h) in each kind of program that will
 * take user stacks with it: a perf sample, the sched_switch raw
 * tracepoint and a uprobe. Nothing in ember attaches these; the unit
 * test tests/unit/test_unwind_load.c loads them to show the verifier
 * accepts the walk in every context (and how much it costs it), and
 * runs the uprobe one on a call of its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "ember_abi.h"
#include "unwind.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* slots as stacks.bpf.h's scratch_slot */
#define SLOT_SAMPLE 0
#define SLOT_SWITCH 1
#define SLOT_PROBE 2

/* Only this process's threads, when set (userspace, before load). */
const volatile __u32 only_tgid = 0;

/* The last walk of each program kind, for the test to read. */
struct unw_check_last {
	__u32 n;
	__u32 end;
	__u32 cls;
	__u32 fp_steps;
	__u32 uretprobe_fixes;
	__u32 pad;
	struct ember_stack ips;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UNW_SLOTS);
	__type(key, __u32);
	__type(value, struct unw_check_last);
} unw_last SEC(".maps");

static __always_inline int walk_and_keep(__u32 slot, __u32 tgid, const struct unw_regs *r)
{
	struct unw_check_last *last;
	struct unw_state *s;

	s = unw_walk(slot, tgid, r);
	last = bpf_map_lookup_elem(&unw_last, &slot);
	if (!s || !last)
		return 0;
	last->n = s->n;
	last->end = s->end;
	last->cls = s->cls;
	last->fp_steps = s->fp_steps;
	last->uretprobe_fixes = s->uretprobe_fixes;
	__builtin_memcpy(&last->ips, &s->ips, sizeof(last->ips));
	return 0;
}

static __always_inline bool wanted(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return *tgid && (!only_tgid || *tgid == only_tgid);
}

SEC("perf_event")
int unw_check_sample(struct bpf_perf_event_data *ctx)
{
	struct unw_regs r;
	__u32 tgid;

	if (!wanted(&tgid) || !unw_regs_perf(ctx, &r))
		return 0;
	return walk_and_keep(SLOT_SAMPLE, tgid, &r);
}

SEC("raw_tp/sched_switch")
int unw_check_switch(void *ctx)
{
	struct unw_regs r;
	__u32 tgid;

	(void)ctx;
	if (!wanted(&tgid) || !unw_regs_task(&r))
		return 0;
	return walk_and_keep(SLOT_SWITCH, tgid, &r);
}

SEC("uprobe")
int unw_check_probe(struct pt_regs *ctx)
{
	struct unw_regs r;
	__u32 tgid;

	if (!wanted(&tgid))
		return 0;
	unw_regs_probe(ctx, &r);
	return walk_and_keep(SLOT_PROBE, tgid, &r);
}

/* A uretprobe that does nothing: the test sets one on a caller so that
 * the walk above it meets a hijacked return address. */
SEC("uretprobe")
int unw_check_nop(void *ctx)
{
	(void)ctx;
	return 0;
}
