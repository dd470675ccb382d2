// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Allocation and leak profiles from uprobes on the allocator's entry
 * points (malloc, calloc, realloc, ..., free, mmap, munmap).
 *
 * An entry program notes the call's arguments per thread; the return
 * program sees the result, takes the user stack there and aggregates:
 * bytes and calls per stack (-e alloc), and each live block by address
 * (-e leak), which free/munmap remove. The stack is taken at the return
 * because at a function's first instruction the return address is on top
 * of the stack, not behind the frame pointer, and a frame-pointer walk
 * from there would skip the function that called the allocator; at the
 * return it is the leaf, where it belongs.
 *
 * Allocator functions call each other (glibc's realloc(NULL, n) calls
 * malloc, realloc(p, 0) calls free, reallocarray tail-calls realloc,
 * malloc mmaps large blocks): only the outermost call of a thread counts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ember_abi.h"
#include "stats.bpf.h"
#include "stacks.bpf.h"
#include "maps.bpf.h"
#include "filter.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAP_ANONYMOUS 0x20
#define MAP_STACK 0x20000
#define MAP_FAILED ((__u64)-1)

/* Set by userspace before load. */
const volatile __u32 want_user = 1;
const volatile __u32 count_allocs = 0; /* -e alloc */
const volatile __u32 track_live = 0;   /* -e leak */
const volatile __u64 sample_bytes = 0; /* --sample-bytes, 0: every allocation */
const volatile __u32 self_tgid = 0;    /* ember itself, never profiled */
/* Set by userspace at the stop: removing uprobes takes seconds, so they
 * are told to stop first and removed while the profile is written. */
volatile __u32 stopped = 0;

/* An allocator call in progress on a thread: task-local storage, one
 * pointer away from the task, cheaper than a hash lookup on every call. */
struct pending {
	__u64 size;
	__u64 old;    /* realloc's old block */
	__u64 memptr; /* posix_memalign's result pointer */
	__u64 sp;     /* stack pointer at entry */
	__u32 kind;
	__u32 depth; /* allocator calls nested inside this one */
	__u32 active;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pending);
} pending SEC(".maps");

/* -e alloc: bytes and calls per stack. max_entries set before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct ember_stack_key);
	__type(value, struct ember_alloc_value);
} alloc_counts SEC(".maps");

/* -e leak: every live block. Allocated on demand (uprobes run in process
 * context, where that works): a preallocated million entries would pin
 * its memory whether used or not. max_entries set before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1048576);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ember_alloc_addr);
	__type(value, struct ember_alloc_live);
} live SEC(".maps");

/* When each process last exec'd: its blocks from before are gone with
 * the old image. LRU: a busy machine execs without end. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} exec_ts SEC(".maps");

/* munmaps of anything but a whole live mapping, for userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 65536);
	__type(value, struct ember_munmap);
} munmaps SEC(".maps");

/* --sample-bytes: bytes left until the next sample point, per CPU. */
struct sampler {
	__s64 left;
	__u64 started;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sampler);
} sampler SEC(".maps");

/* Uprobe programs can be preempted (they run with migration, not
 * preemption, disabled): a per-CPU counter needs an atomic add to be
 * exact. The counts on every call (allocations, frees) take the
 * non-atomic stat_inc; a preemption between its load and store could
 * lose one increment, a price paid for ~20 ns a call. The rare ones
 * (losses) are exact. */
static __always_inline void stat_add(__u32 id)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &id);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* The distance to the next sample point: uniform in [1, 2N], mean N. A
 * random rather than fixed distance, so an allocation pattern repeating
 * with the period N cannot be sampled always at the same call. */
static __always_inline __s64 next_interval(void)
{
	return (__s64)(((__u64)bpf_get_prandom_u32() * (2 * sample_bytes)) >> 32) + 1;
}

/*
 * Byte sampling: sample points fall every ~N bytes of the allocation
 * stream, and an allocation is taken with the number k of points that
 * fall inside it. Each point stands for N bytes, so k*N is an unbiased
 * estimate of its bytes and k*N/size of the allocations it stands for.
 * Blocks of N bytes or more are always taken, exactly. Returns false to
 * skip the allocation.
 */
static __always_inline bool sample(__u64 size, __u64 *bytes, __u64 *count)
{
	struct sampler *s;
	__u32 zero = 0;
	__u64 k = 0;

	*bytes = size;
	*count = EMBER_ALLOC_ONE;
	if (!sample_bytes || size >= sample_bytes)
		return true;
	s = bpf_map_lookup_elem(&sampler, &zero);
	if (!s)
		return true;
	if (!s->started) {
		s->started = 1;
		s->left = next_interval();
	}
	s->left -= size ? size : 1;
	if (s->left > 0)
		return false;
	for (int i = 0; i < 64 && s->left <= 0; i++) {
		k++;
		s->left += next_interval();
	}
	if (s->left <= 0)
		s->left = next_interval();
	*bytes = k * sample_bytes;
	*count = *bytes * EMBER_ALLOC_ONE / (size ? size : 1);
	return true;
}

static __always_inline void add_alloc_count(struct ember_stack_key *key, __u64 bytes, __u64 count)
{
	struct ember_alloc_value *v, init = {};

	v = map_lookup_or_try_init(&alloc_counts, key, &init);
	if (!v) {
		stat_add(EMBER_STAT_COUNTS_FULL);
		return;
	}
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->count, count);
}

/* A block was freed (free, or realloc moving it): forget it. */
static __always_inline void release(__u32 tgid, __u64 ptr)
{
	struct ember_alloc_addr a = { .ptr = ptr, .tgid = tgid };

	if (bpf_map_delete_elem(&live, &a) == 0)
		stat_inc(EMBER_STAT_FREES);
	else
		stat_add(EMBER_STAT_FREE_UNKNOWN);
}

/* A new block at ptr of size bytes (flags: EMBER_LIVE_MMAP or 0). */
static __always_inline void record(void *ctx, __u32 tgid, __u64 ptr, __u64 size, __u32 flags)
{
	struct ember_alloc_live l = {};
	struct ember_stack_key key = {};
	__u64 bytes, count;
	bool lost;

	if (!sample(size, &bytes, &count)) {
		stat_inc(EMBER_STAT_SAMPLED_OUT);
		return;
	}
	stat_inc(EMBER_STAT_ALLOCS);
	key.tgid = tgid;
	if (want_user) {
		key.user_stack = store_user_stack(ctx, SCRATCH_ALLOC, &key.flags, &lost);
		if (lost)
			key.flags |= EMBER_KEY_USER_LOST;
	}
	read_process_name_btf(bpf_get_current_task_btf(), key.comm);
	key.start_time = process_start_btf(bpf_get_current_task_btf());
	if (count_allocs)
		add_alloc_count(&key, bytes, count);
	if (track_live) {
		struct ember_alloc_addr a = { .ptr = ptr, .tgid = tgid };

		l.bytes = bytes;
		l.count = count;
		l.ts = bpf_ktime_get_ns();
		l.user_stack = key.user_stack;
		l.flags = key.flags | flags;
		__builtin_memcpy(l.comm, key.comm, sizeof(l.comm));
		l.start_time = key.start_time;
		if (bpf_map_update_elem(&live, &a, &l, BPF_ANY))
			stat_add(EMBER_STAT_LIVE_FULL);
	}
}

/*
 * The thread's call in progress, if this call runs inside it (deeper on
 * the stack). A call in progress at the same depth or above has returned
 * without its return probe firing (the kernel drops return probes past a
 * nesting limit; a tail call from one allocator entry point into another
 * looks the same and is best counted once, as the inner call): it is
 * replaced.
 */
static __always_inline struct pending *outer_call(struct pending *p, __u64 sp, bool count_stale)
{
	if (!p || !p->active)
		return NULL;
	if (sp < p->sp)
		return p;
	if (count_stale && sp > p->sp)
		stat_add(EMBER_STAT_PENDING_STALE);
	return NULL;
}

static __always_inline int enter(struct pt_regs *ctx, __u32 kind, __u64 size, __u64 old,
				 __u64 memptr)
{
	__u64 id = bpf_get_current_pid_tgid(), sp = PT_REGS_SP(ctx);
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct pending *p;

	if (stopped || tgid == self_tgid || !is_target(tgid, tid))
		return 0;
	p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p) {
		stat_add(EMBER_STAT_PENDING_FULL);
		return 0;
	}
	if (outer_call(p, sp, true)) {
		p->depth++;
		stat_inc(EMBER_STAT_ALLOC_NESTED);
		return 0;
	}
	/* Only anonymous, non-stack mappings are heap-like allocations;
	 * others still count as calls in progress above. */
	if (kind == EMBER_ALLOC_MMAP && !size) {
		p->active = 0;
		return 0;
	}
	p->size = size;
	p->old = old;
	p->memptr = memptr;
	p->kind = kind;
	p->sp = sp;
	p->depth = 0;
	p->active = 1;
	return 0;
}

/* calloc(n, size) and reallocarray: a product that overflows fails. */
static __always_inline __u64 mul_size(__u64 n, __u64 size)
{
	__u64 max = ~0ULL;

	/* keeps clang from turning the test into a 128-bit multiply */
	asm volatile("" : "+r"(max));
	if (size && n > max / size)
		return ~0ULL;
	return n * size;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, __u64 size)
{
	return enter(ctx, EMBER_ALLOC_MALLOC, size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, __u64 n, __u64 size)
{
	return enter(ctx, EMBER_ALLOC_CALLOC, mul_size(n, size), 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, __u64 old, __u64 size)
{
	return enter(ctx, EMBER_ALLOC_REALLOC, size, old, 0);
}

SEC("uprobe")
int BPF_KPROBE(reallocarray_enter, __u64 old, __u64 n, __u64 size)
{
	return enter(ctx, EMBER_ALLOC_REALLOC, mul_size(n, size), old, 0);
}

SEC("uprobe")
int BPF_KPROBE(memalign_enter, __u64 align, __u64 size)
{
	return enter(ctx, EMBER_ALLOC_MEMALIGN, size, 0, 0);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	return enter(ctx, EMBER_ALLOC_POSIX_MEMALIGN, size, 0, memptr);
}

SEC("uprobe")
int BPF_KPROBE(mmap_enter, __u64 addr, __u64 len, __u64 prot, __u64 flags)
{
	bool heap = (flags & MAP_ANONYMOUS) && !(flags & MAP_STACK);

	return enter(ctx, EMBER_ALLOC_MMAP, heap ? len : 0, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(alloc_return, __u64 ret)
{
	__u64 id = bpf_get_current_pid_tgid(), ptr = ret;
	__u32 tgid = id >> 32;
	struct pending *pp, p;

	pp = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0, 0);
	if (!pp || !pp->active || stopped)
		return 0;
	if (pp->depth) {
		pp->depth--; /* an inner call's return */
		return 0;
	}
	p = *pp;
	pp->active = 0;

	if (p.kind == EMBER_ALLOC_POSIX_MEMALIGN) {
		ptr = 0;
		if ((int)ret == 0)
			bpf_probe_read_user(&ptr, sizeof(ptr), (void *)p.memptr);
	} else if (p.kind == EMBER_ALLOC_MMAP && ret == MAP_FAILED) {
		ptr = 0;
	}
	/* realloc moves ownership: the old block is gone when a new one
	 * came back, or when it was freed by realloc(p, 0). */
	if (p.kind == EMBER_ALLOC_REALLOC && p.old && (ptr || !p.size) && track_live)
		release(tgid, p.old);
	if (!ptr) {
		if (p.size)
			stat_add(EMBER_STAT_ALLOC_FAILED);
		return 0;
	}
	record(ctx, tgid, ptr, p.size, p.kind == EMBER_ALLOC_MMAP ? EMBER_LIVE_MMAP : 0);
	return 0;
}

/* Inside an allocator call of this thread (realloc freeing the old block
 * itself, free unmapping a large chunk): the outer call accounts for it. */
static __always_inline bool nested(struct pt_regs *ctx)
{
	struct pending *p = bpf_task_storage_get(&pending, bpf_get_current_task_btf(), 0, 0);

	return outer_call(p, PT_REGS_SP(ctx), false) != NULL;
}

SEC("uprobe")
int BPF_KPROBE(free_enter, __u64 ptr)
{
	__u64 id = bpf_get_current_pid_tgid();

	/* No target filter: a block may be freed by another thread than
	 * the one that allocated it, and only target blocks are live. */
	if (!ptr || !track_live || stopped)
		return 0;
	if (nested(ctx)) {
		stat_inc(EMBER_STAT_ALLOC_NESTED);
		return 0;
	}
	release(id >> 32, ptr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(munmap_enter, __u64 addr, __u64 len)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ember_alloc_addr a = { .ptr = addr, .tgid = id >> 32 };
	struct ember_munmap m = { .addr = addr, .len = len, .tgid = id >> 32 };
	struct ember_alloc_live *l;

	if (!track_live || stopped || nested(ctx))
		return 0;
	/* The usual case, a mapping unmapped whole, is settled here. */
	l = bpf_map_lookup_elem(&live, &a);
	if (l && (l->flags & EMBER_LIVE_MMAP) && ((len + 4095) & ~4095ULL) >= l->bytes) {
		bpf_map_delete_elem(&live, &a);
		stat_inc(EMBER_STAT_FREES);
		return 0;
	}
	/* Part of one, several, or none of ours (libc unmapping a large
	 * chunk): replayed over the live mappings at the end. */
	m.ts = bpf_ktime_get_ns();
	if (bpf_map_push_elem(&munmaps, &m, 0))
		stat_add(EMBER_STAT_MUNMAP_LOST);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_ns();

	if (track_live && !stopped)
		bpf_map_update_elem(&exec_ts, &tgid, &now, BPF_ANY);
	return 0;
}
