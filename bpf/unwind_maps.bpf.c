// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Owner of the unwinder's address maps (bpf/unwind_maps.bpf.h), and the
 * hooks that keep them true for every target process without racing it:
 * a process's executable mappings are in the trie before its first
 * instruction (exec) and before mmap returns to it (dlopen), and leave it
 * when munmap, a replacing mmap or mprotect takes them away, at exec and
 * when the process exits.
 *
 * What was inserted is remembered per process (unw_procs, unw_regions,
 * unw_slots: a region per mapping, numbered by a per-process slot
 * counter), so that exec and exit can remove every key of a process in
 * BPF, synchronously: an old image's keys must not outlive the exec (a
 * longer stale prefix would win over the new image's), and a userspace
 * mirror would lag. munmap and mprotect find the regions they touch
 * through the process's VMAs, which still exist at syscall entry.
 *
 * Userspace seeds the processes that existed before attach through the
 * same code (unw_seed_*, run with BPF_PROG_TEST_RUN).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ember_abi.h"
#include "filter.bpf.h"
#include "maps.bpf.h"
#include "unwind_maps.bpf.h"
#include "unwind_prefix.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by userspace before load. */
const volatile __u32 target_tgid = 0; /* EMBER_FILTER_TID: the thread's process */
const volatile __u64 max_files = 1;   /* file ids: the walker's files array size */

/* Kernel constants that are macros, not BTF (include/linux/mm.h,
 * uapi/asm-generic/mman-common.h). */
#define UNW_VM_EXEC 0x4
#define UNW_PROT_EXEC 0x4
#define UNW_MAP_FIXED 0x10
#define UNW_PAGE 4096ULL
/* ERR_PTR range of a syscall's return value */
#define UNW_MAX_ERRNO 4095
/* Slots a process's exit walks at most: regions ever added to it (a
 * dlopen/dlclose loop adds one each time). */
#define UNW_MAX_SLOTS (1u << 20)
/* Trie lookups a range walk makes within one VMA. */
#define UNW_CARVE_STEPS 8

/* open-coded VMA iterator (kernel/bpf/task_iter.c, 6.7+) */
extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task,
				 __u64 addr) __ksym;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym;

/* unw_procs' value is struct ember_unw_proc (include/ember_abi.h): gen
 * changes at each exec (and when the entry is created), so userspace's
 * seeding of a process from an older /proc scan is refused once the
 * process exec'd after the scan. */

struct unw_region_key {
	__u32 tgid;
	__u32 pad;
	__u64 start;
};

struct unw_region {
	__u64 end;
	__u64 slot;
};

struct unw_slot_key {
	__u32 tgid;
	__u32 pad;
	__u64 slot;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1); /* set by userspace */
	__type(key, __u32);
	__type(value, struct ember_unw_proc);
} unw_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct unw_region_key);
	__type(value, struct unw_region);
} unw_regions SEC(".maps");

/* (tgid, slot) -> the region's start */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct unw_slot_key);
	__type(value, __u64);
} unw_slots SEC(".maps");

/* An mmap(PROT_EXEC) or mprotect(PROT_EXEC) between its entry and its
 * exit, by thread id. LRU: a thread killed inside the call leaves one. */
struct unw_pending {
	__u64 addr;
	__u64 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct unw_pending);
} unw_pending SEC(".maps");

/* Generation numbers for unw_proc.gen. */
__u32 unw_gen_seq;

/* The last UNW_DEAD processes that exited, their keys still there: the
 * exit tracepoint runs before the kernel tears the address space down,
 * and samples taken during that teardown still walk the dying process's
 * stack. Each exit clears the one that exited UNW_DEAD exits before. */
#define UNW_DEAD 64
__u32 unw_dead[UNW_DEAD];
__u64 unw_dead_seq;

/* A VMA as the writers need it. */
struct unw_vma {
	__u64 start, end, pgoff;
	__u64 dev, ino;
	__u64 flags; /* vm_flags */
	bool file;
};

static __always_inline bool unw_target(__u32 tgid)
{
	if (filter_mode == EMBER_FILTER_TGID)
		return bpf_map_lookup_elem(&targets, &tgid) != NULL;
	if (filter_mode == EMBER_FILTER_TID)
		return tgid == target_tgid;
	return true;
}

static __always_inline void unw_vma_read(struct vm_area_struct *v, struct unw_vma *out)
{
	struct file *f = v->vm_file;

	out->start = v->vm_start;
	out->end = v->vm_end;
	out->pgoff = (__u64)v->vm_pgoff * UNW_PAGE;
	out->flags = v->vm_flags;
	out->file = f != NULL;
	out->dev = out->ino = 0;
	if (f) {
		struct inode *ino = f->f_inode;

		out->dev = ino->i_sb->s_dev;
		out->ino = ino->i_ino;
	}
}

static long unw_find_vma_cb(struct task_struct *task, struct vm_area_struct *v, void *ctx)
{
	unw_vma_read(v, ctx);
	return 0;
}

/*
 * The key loop's state, per CPU: a bpf_loop callback over state kept in
 * a map value is verified once, where a bounded loop over stack
 * variables is verified per iteration and path and overflows the
 * verifier's budget (as the unwinding anchor's §2.5 found for the walk).
 * (bpf_loop's context must be on the stack: the callback looks the
 * state up.) busy guards against another of these programs preempting
 * this one on the same CPU mid-loop.
 */
struct unw_keys_state {
	struct ember_unw_mapping val;
	__u64 cur;
	__u64 end;
	__u32 tgid;
	__u32 del;
	__u32 failed;
	__u32 busy;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unw_keys_state);
} unw_scratch SEC(".maps");

static long unw_keys_step(__u64 i, void *ctx)
{
	struct ember_unw_map_key key;
	__u32 zero = 0;
	struct unw_keys_state *s = bpf_map_lookup_elem(&unw_scratch, &zero);
	int last;

	if (!s || s->cur >= s->end)
		return 1;
	last = unw_prefix_next(s->tgid, &s->cur, s->end, &key);
	if (s->del) {
		if (bpf_map_delete_elem(&unw_maps, &key))
			s->failed++;
	} else if (bpf_map_update_elem(&unw_maps, &key, &s->val, BPF_ANY)) {
		s->failed++;
	}
	return last;
}

/* Insert (val) or delete (val NULL) the keys of [start, end) of tgid.
 * Returns the number of keys that failed. */
__noinline int unw_keys(__u32 tgid, __u64 start, __u64 end, const struct ember_unw_mapping *val)
{
	struct unw_keys_state *s;
	__u32 zero = 0;
	int failed;

	s = bpf_map_lookup_elem(&unw_scratch, &zero);
	if (!s)
		return 1;
	if (__sync_lock_test_and_set(&s->busy, 1)) {
		stat_inc(EMBER_STAT_UNW_BUSY);
		return 1;
	}
	s->tgid = tgid;
	s->cur = start;
	s->end = end;
	s->del = !val;
	s->failed = 0;
	if (val)
		s->val = *val;
	bpf_loop(UNW_PREFIX_MAX, unw_keys_step, NULL, 0);
	failed = s->failed;
	/* only the first UNW_PREFIX_MAX blocks, the same both ways */
	if (val && s->cur < s->end)
		stat_inc(EMBER_STAT_UNW_TOO_LARGE);
	s->busy = 0;
	return failed;
}

/* Remove the region of tgid starting at start: its keys and records. */
__noinline int unw_region_remove(__u32 tgid, __u64 start)
{
	struct unw_region_key rk = { .tgid = tgid, .start = start };
	struct unw_slot_key sk = { .tgid = tgid };
	struct unw_region *r = bpf_map_lookup_elem(&unw_regions, &rk);
	__u64 end;

	if (!r)
		return 0;
	end = r->end;
	sk.slot = r->slot;
	if (unw_keys(tgid, start, end, NULL))
		stat_inc(EMBER_STAT_UNW_TRIE_STALE);
	bpf_map_delete_elem(&unw_slots, &sk);
	bpf_map_delete_elem(&unw_regions, &rk);
	stat_inc(EMBER_STAT_UNW_MAPS_REMOVED);
	return 0;
}

static __always_inline struct ember_unw_proc *unw_proc_get(__u32 tgid)
{
	struct ember_unw_proc init = { .gen = __sync_fetch_and_add(&unw_gen_seq, 1) + 1 };

	return map_lookup_or_try_init(&unw_procs, &tgid, &init);
}

/*
 * Enter val's [start, end) of tgid as one region. The caller has removed
 * what it overlaps. An identical region already there is left as it is:
 * seeding may find what the hooks already entered.
 */
__noinline int unw_region_insert(__u32 tgid, const struct ember_unw_mapping *val)
{
	struct unw_region_key rk = { .tgid = tgid };
	struct unw_slot_key sk = { .tgid = tgid };
	struct unw_region reg = {};
	struct unw_region *old;
	__u64 start;
	struct ember_unw_proc *p;

	if (!val || val->start >= val->end)
		return 0;
	start = val->start;
	rk.start = start;
	reg.end = val->end;
	old = bpf_map_lookup_elem(&unw_regions, &rk);
	if (old) {
		if (old->end == val->end)
			return 0;
		unw_region_remove(tgid, start);
	}
	p = unw_proc_get(tgid);
	if (!p) {
		stat_inc(EMBER_STAT_UNW_REGIONS_FULL);
		return 0;
	}
	reg.slot = sk.slot = __sync_fetch_and_add(&p->next_slot, 1);
	if (bpf_map_update_elem(&unw_regions, &rk, &reg, BPF_ANY)) {
		stat_inc(EMBER_STAT_UNW_REGIONS_FULL);
		return 0;
	}
	if (bpf_map_update_elem(&unw_slots, &sk, &start, BPF_ANY)) {
		bpf_map_delete_elem(&unw_regions, &rk);
		stat_inc(EMBER_STAT_UNW_REGIONS_FULL);
		return 0;
	}
	/* keys that failed stay recorded, so the region's removal is whole */
	if (unw_keys(tgid, val->start, val->end, val))
		stat_inc(EMBER_STAT_UNW_TRIE_FULL);
	stat_inc(EMBER_STAT_UNW_MAPS_ADDED);
	return 0;
}

/*
 * The file_idx of (dev, ino), allocating one and telling userspace when
 * the file is new. The event is reserved before the id is claimed, so a
 * file is either announced or not entered at all (then the next mapping
 * of it tries again); two CPUs racing on one new file both allocate, the
 * one whose insert lands announces it, the other's id is left unused.
 * EMBER_UNW_FILE_PENDING when no id could be given.
 */
__noinline __u32 unw_file_idx(const struct unw_vma *v, __u32 tgid, __u32 flags)
{
	struct ember_unw_inode key = {};
	struct ember_unw_event *ev;
	__u32 zero = 0, idx;
	__u32 *known;
	__u64 *next;
	long err;

	if (!v)
		return EMBER_UNW_FILE_PENDING;
	key.dev = v->dev;
	key.ino = v->ino;
	known = bpf_map_lookup_elem(&unw_inodes, &key);
	if (known)
		return *known;
	next = bpf_map_lookup_elem(&unw_file_ids, &zero);
	if (!next)
		return EMBER_UNW_FILE_PENDING;
	ev = bpf_ringbuf_reserve(&unw_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(EMBER_STAT_UNW_EVENTS_FULL);
		return EMBER_UNW_FILE_PENDING;
	}
	{
		__u64 id = __sync_fetch_and_add(next, 1);

		if (id >= max_files) {
			bpf_ringbuf_discard(ev, 0);
			stat_inc(EMBER_STAT_UNW_FILES_FULL);
			return EMBER_UNW_FILE_PENDING;
		}
		idx = id;
	}
	err = bpf_map_update_elem(&unw_inodes, &key, &idx, BPF_NOEXIST);
	if (err) {
		bpf_ringbuf_discard(ev, 0);
		if ((int)err != -EEXIST) {
			stat_inc(EMBER_STAT_UNW_INODES_FULL);
			return EMBER_UNW_FILE_PENDING;
		}
		known = bpf_map_lookup_elem(&unw_inodes, &key);
		return known ? *known : EMBER_UNW_FILE_PENDING;
	}
	ev->kind = EMBER_UNW_EV_NEW_FILE;
	ev->tgid = tgid;
	ev->start = v->start;
	ev->end = v->end;
	ev->pgoff = v->pgoff;
	ev->dev = v->dev;
	ev->ino = v->ino;
	ev->file_idx = idx;
	ev->flags = flags;
	bpf_ringbuf_submit(ev, 0);
	stat_inc(EMBER_STAT_UNW_NEW_FILES);
	return idx;
}

/* Enter a VMA as a region if it is executable code of a file (or the
 * vDSO, when vdso). */
__noinline int unw_vma_add(__u32 tgid, struct unw_vma *v, __u32 vdso)
{
	__u32 flags = vdso ? EMBER_UNW_MAP_VDSO : 0, idx;

	if (!v || !(v->flags & UNW_VM_EXEC))
		return 0;
	if (vdso) {
		v->dev = v->ino = 0;
		v->pgoff = 0; /* the table is of the image, from its first byte */
	} else if (!v->file) {
		return 0; /* anonymous code (JIT): no table to have */
	}
	idx = unw_file_idx(v, tgid, flags);
	{
		struct ember_unw_mapping m = { .start = v->start,
					       .end = v->end,
					       .pgoff = v->pgoff,
					       .file_idx = idx,
					       .flags = flags };

		return unw_region_insert(tgid, &m);
	}
}

/* What a range walk takes out: [a, b) of tgid, and the range just
 * mapped that has no region yet (empty for unmaps). */
struct unw_carve_args {
	__u64 a, b;
	__u64 hole_lo, hole_hi;
	__u32 tgid;
	__u32 pad;
};

/*
 * The regions in [x, vend), one VMA's part of the range: a trie lookup
 * finds the region holding x, which is removed, what of it lies outside
 * [a, b) entered again, and the walk goes on from its end; a miss steps a
 * page, or past the hole. A global function: verified once, not once
 * per VMA the caller's iterator loop might visit.
 */
__noinline int unw_carve_vma(const struct unw_carve_args *c, __u64 x, __u64 vend)
{
	struct ember_unw_mapping cp, part;
	struct ember_unw_map_key key;

	if (!c)
		return 0;
	for (int i = 0; i < UNW_CARVE_STEPS && x < vend; i++) {
		const struct ember_unw_mapping *m;

		unw_prefix_lookup_key(c->tgid, x, &key);
		m = bpf_map_lookup_elem(&unw_maps, &key);
		if (!m || m->start > x || m->end <= x) {
			/* not entered: just mapped, or a failed insert */
			x = x >= c->hole_lo && x < c->hole_hi ? c->hole_hi : x + UNW_PAGE;
			continue;
		}
		cp = *m;
		x = cp.end;
		unw_region_remove(c->tgid, cp.start);
		if (cp.start < c->a) { /* what stays below the range */
			part = cp;
			part.end = c->a;
			unw_region_insert(c->tgid, &part);
		}
		if (cp.end > c->b) { /* and above it */
			part = cp;
			part.start = c->b;
			part.pgoff = cp.pgoff + (c->b - cp.start);
			unw_region_insert(c->tgid, &part);
		}
	}
	if (x < vend)
		stat_inc(EMBER_STAT_UNW_CARVE_LIMIT);
	return 0;
}

/*
 * Take [a, b) out of tgid's regions: every region it overlaps is removed
 * and what lies outside [a, b) entered again. The regions are found
 * through the current task's VMAs in the range that are executable file
 * code (they exist: this runs before an unmap, or after a map that may
 * have merged a VMA with a neighbour entered before), then through the
 * trie within each (unw_carve_vma). The caller checked a < b.
 */
__noinline int unw_carve(__u32 tgid, __u64 a, __u64 b, __u64 hole_lo, __u64 hole_hi)
{
	struct unw_carve_args c = {
		.a = a, .b = b, .hole_lo = hole_lo, .hole_hi = hole_hi, .tgid = tgid
	};
	struct task_struct *task = bpf_get_current_task_btf();
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;

	/* no count of VMAs: the iterator ends by itself, and a counter
	 * compared with a bound would keep the verifier from seeing that
	 * one iteration's state is another's (it would verify every one) */
	bpf_iter_task_vma_new(&it, task, a);
	while ((vma = bpf_iter_task_vma_next(&it))) {
		__u64 vs = vma->vm_start, ve = vma->vm_end;

		if (vs >= b)
			break;
		if (!(vma->vm_flags & UNW_VM_EXEC) || !vma->vm_file)
			continue;
		unw_carve_vma(&c, vs > a ? vs : a, ve < b ? ve : b);
	}
	bpf_iter_task_vma_destroy(&it);
	return 0;
}

struct unw_clear_ctx {
	__u32 tgid;
};

static long unw_clear_slot(__u64 i, struct unw_clear_ctx *c)
{
	struct unw_slot_key sk = { .tgid = c->tgid, .slot = i };
	__u64 *start = bpf_map_lookup_elem(&unw_slots, &sk);

	if (start)
		unw_region_remove(c->tgid, *start);
	return 0;
}

/* Remove every region of tgid. Runs when no other thread of it changes
 * its mappings (exec after de_thread, exit of the last thread). Returns
 * the process's entry (still there, no regions) or NULL. */
static __always_inline struct ember_unw_proc *unw_clear(__u32 tgid)
{
	struct unw_clear_ctx c = { .tgid = tgid };
	struct ember_unw_proc *p = bpf_map_lookup_elem(&unw_procs, &tgid);
	__u64 n;

	if (!p)
		return NULL;
	n = p->next_slot;
	if (n > UNW_MAX_SLOTS)
		n = UNW_MAX_SLOTS;
	bpf_loop(n, unw_clear_slot, &c, 0);
	p->next_slot = 0;
	return p;
}

static __always_inline void unw_add_at(struct task_struct *task, __u32 tgid, __u64 addr, bool vdso)
{
	struct unw_vma v = {};

	if (!addr)
		return;
	if (bpf_find_vma(task, addr, unw_find_vma_cb, &v, 0)) {
		stat_inc(EMBER_STAT_UNW_FIND_VMA);
		return;
	}
	unw_vma_add(tgid, &v, vdso);
}

SEC("raw_tp/sched_process_exec")
int unw_exec(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct mm_struct *mm = task->mm;
	struct pt_regs *regs;
	struct ember_unw_proc *p;

	(void)ctx;
	/* the old image's keys go first, target or not (none: one lookup) */
	p = unw_clear(tgid);
	if (p)
		p->gen = __sync_fetch_and_add(&unw_gen_seq, 1) + 1;
	if (p)
		p->dead = 0;
	bpf_map_delete_elem(&unw_parent, &tgid);
	if (!mm || !unw_target(tgid))
		return 0;
	unw_add_at(task, tgid, mm->start_code, false);
	/* the entry point the new image starts at: ld.so's, for a dynamic one */
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (regs)
		unw_add_at(task, tgid, BPF_CORE_READ(regs, ip), false);
	unw_add_at(task, tgid, (__u64)mm->context.vdso, true);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int unw_mmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u64 addr = ctx->args[0], len = ctx->args[1];
	struct unw_pending pend = { .addr = addr, .len = len };

	/* a fixed mapping replaces what was there: code among it goes now,
	 * while its VMAs can still be found */
	if ((ctx->args[3] & UNW_MAP_FIXED) && len && !(addr & (UNW_PAGE - 1)) &&
	    bpf_map_lookup_elem(&unw_procs, &tgid))
		unw_carve(tgid, addr, addr + ((len + UNW_PAGE - 1) & ~(UNW_PAGE - 1)), 0, 0);
	if (!(ctx->args[2] & UNW_PROT_EXEC) || !unw_target(tgid))
		return 0;
	if (bpf_map_update_elem(&unw_pending, &tid, &pend, BPF_ANY))
		stat_inc(EMBER_STAT_UNW_PENDING_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int unw_mmap_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct unw_pending *pp = bpf_map_lookup_elem(&unw_pending, &tid);
	__u64 ret = ctx->ret, len;
	struct task_struct *task;
	struct unw_vma v = {};

	if (!pp)
		return 0; /* not executable: one lookup */
	len = (pp->len + UNW_PAGE - 1) & ~(UNW_PAGE - 1);
	bpf_map_delete_elem(&unw_pending, &tid);
	if (ret >= (__u64)-UNW_MAX_ERRNO)
		return 0;
	task = bpf_get_current_task_btf();
	if (bpf_find_vma(task, ret, unw_find_vma_cb, &v, 0)) {
		stat_inc(EMBER_STAT_UNW_FIND_VMA);
		return 0;
	}
	/* the VMA may have merged with a neighbour already entered */
	if (bpf_map_lookup_elem(&unw_procs, &tgid))
		unw_carve(tgid, v.start, v.end, ret, ret + len);
	unw_vma_add(tgid, &v, false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int unw_mprotect_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	__u64 addr = ctx->args[0], len = (ctx->args[1] + UNW_PAGE - 1) & ~(UNW_PAGE - 1);
	struct unw_pending pend = { .addr = addr, .len = len };

	if (!len || (addr & (UNW_PAGE - 1)))
		return 0; /* the call fails: nothing changes */
	if (!(ctx->args[2] & UNW_PROT_EXEC)) {
		/* code made not executable: out now, while its VMAs say exec */
		if (bpf_map_lookup_elem(&unw_procs, &tgid))
			unw_carve(tgid, addr, addr + len, 0, 0);
		return 0;
	}
	if (!unw_target(tgid))
		return 0;
	if (bpf_map_update_elem(&unw_pending, &tid, &pend, BPF_ANY))
		stat_inc(EMBER_STAT_UNW_PENDING_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mprotect")
int unw_mprotect_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid;
	struct unw_pending *pp = bpf_map_lookup_elem(&unw_pending, &tid);
	struct task_struct *task;
	__u64 x, b, pp_a;

	if (!pp)
		return 0;
	x = pp_a = pp->addr;
	b = x + pp->len;
	bpf_map_delete_elem(&unw_pending, &tid);
	if (ctx->ret != 0)
		return 0;
	/* the VMAs now executable in the range, one after the other (the
	 * call succeeded, so there are no holes); a merged one reaches past */
	task = bpf_get_current_task_btf();
	for (int i = 0; i < UNW_CARVE_STEPS && x < b; i++) {
		struct unw_vma v = {};

		if (bpf_find_vma(task, x, unw_find_vma_cb, &v, 0)) {
			stat_inc(EMBER_STAT_UNW_FIND_VMA);
			return 0;
		}
		if ((v.flags & UNW_VM_EXEC) && v.file) {
			if (bpf_map_lookup_elem(&unw_procs, &tgid))
				unw_carve(tgid, v.start, v.end, pp_a, b);
			unw_vma_add(tgid, &v, false);
		}
		x = v.end;
	}
	if (x < b)
		stat_inc(EMBER_STAT_UNW_CARVE_LIMIT);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_munmap")
int unw_munmap(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 addr = ctx->args[0], len = (ctx->args[1] + UNW_PAGE - 1) & ~(UNW_PAGE - 1);

	/* before the unmap: after it, another thread may map new code there */
	if (!len || (addr & (UNW_PAGE - 1)) || !bpf_map_lookup_elem(&unw_procs, &tgid))
		return 0;
	unw_carve(tgid, addr, addr + len, 0, 0);
	return 0;
}

/* The keys of an exited process whose tgid is reused (or whose turn in
 * unw_dead came): a process alive again under it is left alone. */
static __always_inline void unw_clear_dead(__u32 tgid)
{
	struct ember_unw_proc *p = bpf_map_lookup_elem(&unw_procs, &tgid);

	if (!p || !p->dead)
		return;
	if (unw_clear(tgid))
		bpf_map_delete_elem(&unw_procs, &tgid);
}

SEC("raw_tp/sched_process_fork")
int unw_fork(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u32 owner = ptgid, *up;

	if (ptgid == ctgid)
		return 0; /* a thread */
	/* a new process under an exited one's tgid: those keys are stale */
	unw_clear_dead(ctgid);
	if (!unw_target(ptgid))
		return 0; /* not ours */
	/* a child of a child that did not exec has its grandparent's code */
	if (!bpf_map_lookup_elem(&unw_procs, &ptgid)) {
		up = bpf_map_lookup_elem(&unw_parent, &ptgid);
		if (up)
			owner = *up;
	}
	if (bpf_map_update_elem(&unw_parent, &ctgid, &owner, BPF_ANY))
		stat_inc(EMBER_STAT_UNW_PARENT_FULL);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int unw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	__u32 tgid, old;
	struct ember_unw_proc *p;
	__u64 slot;

	/* the last thread of the process: do_exit counted it out of
	 * signal->live before this tracepoint */
	if (BPF_CORE_READ(task, signal, live.counter))
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	p = bpf_map_lookup_elem(&unw_procs, &tgid);
	if (p) {
		/* its keys stay for the teardown; they go UNW_DEAD exits
		 * later, or when the tgid is reused (unw_fork) */
		p->dead = 1;
		slot = __sync_fetch_and_add(&unw_dead_seq, 1) % UNW_DEAD;
		old = unw_dead[slot];
		unw_dead[slot] = tgid;
		if (old && old != tgid)
			unw_clear_dead(old);
	}
	bpf_map_delete_elem(&unw_parent, &tgid);
	return 0;
}

/* Run by userspace (BPF_PROG_TEST_RUN; args: tgid, start, end, pgoff,
 * dev, ino, flags) for a file mapped by a process ember does not profile:
 * its id, and its table wanted now, so that a target that maps it later
 * (a command's libc) finds the table built. No keys are entered. */
SEC("raw_tp")
int unw_seed_file(struct bpf_raw_tracepoint_args *ctx)
{
	struct unw_vma v = {
		.start = ctx->args[1],
		.end = ctx->args[2],
		.pgoff = ctx->args[3],
		.dev = ctx->args[4],
		.ino = ctx->args[5],
		.flags = UNW_VM_EXEC,
		.file = true,
	};

	return unw_file_idx(&v, ctx->args[0], ctx->args[6]);
}

/* Run by userspace (BPF_PROG_TEST_RUN; args: tgid) for an exited process
 * that is gone or a zombie, its address space torn down: its keys go
 * now. Left alone if the tgid lives again (its record is not dead). */
SEC("raw_tp")
int unw_reap(struct bpf_raw_tracepoint_args *ctx)
{
	unw_clear_dead(ctx->args[0]);
	return 0;
}

/*
 * Seeding, run by userspace (BPF_PROG_TEST_RUN) for processes that
 * existed before the hooks were attached. unw_seed_begin (args: tgid)
 * returns the process's generation, taken before /proc/TGID/maps is
 * read; unw_seed (args: tgid, gen, start, end, pgoff, dev, ino, flags)
 * enters one executable mapping of that scan, unless the process exec'd
 * or exited since (returns 1 then, else 0).
 */
SEC("raw_tp")
int unw_seed_begin(struct bpf_raw_tracepoint_args *ctx)
{
	struct ember_unw_proc *p = unw_proc_get(ctx->args[0]);

	if (!p) {
		stat_inc(EMBER_STAT_UNW_REGIONS_FULL);
		return 0;
	}
	return p->gen;
}

SEC("raw_tp")
int unw_seed(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = ctx->args[0];
	struct ember_unw_proc *p = bpf_map_lookup_elem(&unw_procs, &tgid);
	struct unw_vma v = {
		.start = ctx->args[2],
		.end = ctx->args[3],
		.pgoff = ctx->args[4],
		.dev = ctx->args[5],
		.ino = ctx->args[6],
		.flags = UNW_VM_EXEC,
		.file = true,
	};

	if (!p || p->gen != (__u32)ctx->args[1])
		return 1;
	unw_vma_add(tgid, &v, ctx->args[7] & EMBER_UNW_MAP_VDSO);
	return 0;
}
