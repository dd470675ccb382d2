// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Owner of the targets map, and the fork hook that keeps it current:
 * `ember record -- CMD` follows every process CMD forks, and a child of a
 * target becomes a target before it runs its first instruction.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "filter.bpf.h"
#include "stats.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("raw_tp/sched_process_fork")
int on_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid, ctgid;
	__u8 one = 1;

	ptgid = BPF_CORE_READ(parent, tgid);
	ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !bpf_map_lookup_elem(&targets, &ptgid))
		return 0; /* a new thread, or not ours */
	if (bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY))
		stat_inc(EMBER_STAT_TARGETS_FULL);
	else
		stat_inc(EMBER_STAT_FORKS_FOLLOWED);
	return 0;
}
