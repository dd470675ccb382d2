/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ABI shared by ember's BPF programs and userspace. Compiles under
 * clang -target bpf (after vmlinux.h) and under gcc; only __u32-style
 * types, sizes pinned with _Static_assert so a change on one side cannot
 * silently misread the other.
 */
#ifndef EMBER_ABI_H
#define EMBER_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define EMBER_COMM_LEN 16
/* The kernel's default perf_event_max_stack; deeper stacks are cut here. */
#define EMBER_MAX_STACK_DEPTH 127

/* How the BPF side picks the threads it samples. */
enum ember_filter {
	EMBER_FILTER_ALL = 0,  /* whole machine */
	EMBER_FILTER_TGID = 1, /* processes in the targets map */
	EMBER_FILTER_TID = 2,  /* one thread: target_tid */
};

/*
 * Stacks are stored under a 64-bit hash of their addresses, not a
 * BPF_MAP_TYPE_STACK_TRACE id: a stack-trace map keeps one stack per
 * bucket and drops (-EEXIST) any other stack that hashes there, losing a
 * few percent of stacks in a busy whole-machine profile. Two different
 * stacks sharing a 64-bit hash is vanishingly rare. 0 means "no stack".
 */
struct ember_stack {
	__u64 ips[EMBER_MAX_STACK_DEPTH]; /* leaf first, zero after the last */
};
_Static_assert(sizeof(struct ember_stack) == 1016, "ember_stack ABI changed");

/* Aggregation key: one per (process, user stack, kernel stack). */
struct ember_stack_key {
	__u32 tgid;
	__u32 flags;		   /* EMBER_KEY_* */
	__u64 user_stack;	   /* hash key into the stacks map, 0: none */
	__u64 kernel_stack;	   /* 0: none (sample taken in user mode) */
	char comm[EMBER_COMM_LEN]; /* the process's (group leader's) name */
	/* The process's start (group leader's start_boottime, ns): a PID
	 * reused by a new process is another process, named apart. */
	__u64 start_time;
};
_Static_assert(sizeof(struct ember_stack_key) == 48, "ember_stack_key ABI changed");

/* Why a stack is missing from a key, when it is. */
#define EMBER_KEY_USER_LOST (1u << 0) /* stacks map full or error */
#define EMBER_KEY_KERNEL_LOST (1u << 1)
/* Off-CPU: the thread was preempted and stayed runnable (not blocked). */
#define EMBER_KEY_PREEMPTED (1u << 2)
/* The user stack is the .eh_frame walk's (else frame pointers'), and
 * how that walk ended when it did not reach the outermost frame. */
#define EMBER_KEY_USER_CFI (1u << 3)
#define EMBER_KEY_USER_PARTIAL (1u << 4)   /* callers are missing */
#define EMBER_KEY_USER_TRUNCATED (1u << 5) /* EMBER_MAX_STACK_DEPTH frames, more above */

/* Which walk takes user stacks (--unwind): set in every collector's
 * rodata before load. */
enum ember_unwinder {
	EMBER_UNWINDER_FP = 0,	/* frame pointers (bpf_get_stack, fp_walk.h) */
	EMBER_UNWINDER_CFI = 1, /* the .eh_frame tables (unwind_walk.h) */
};

/* Which blocked states count as off-CPU (--state): the kernel's
 * TASK_INTERRUPTIBLE and TASK_UNINTERRUPTIBLE bits. */
#define EMBER_STATE_INTERRUPTIBLE 0x1u
#define EMBER_STATE_UNINTERRUPTIBLE 0x2u

/* A thread that went off CPU and has not come back yet, by TID. Read by
 * userspace at the end to count intervals still open. */
struct ember_offcpu_start {
	__u64 ts; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) when it left */
	struct ember_stack_key key;
};
_Static_assert(sizeof(struct ember_offcpu_start) == 56, "ember_offcpu_start ABI changed");

/* Off-CPU time per key: nanoseconds summed (microseconds only on output,
 * so rounding happens once) and the number of intervals. */
struct ember_offcpu_value {
	__u64 total_ns;
	__u64 count;
};
_Static_assert(sizeof(struct ember_offcpu_value) == 16, "ember_offcpu_value ABI changed");

/*
 * Allocation probes. Each allocator entry point has a kind: how its
 * arguments and result are read. One BPF program per kind; userspace maps
 * symbol names (malloc, je_malloc, tc_malloc, _Znwm, ...) to kinds.
 */
enum ember_alloc_kind {
	EMBER_ALLOC_MALLOC = 0,		/* ptr f(size): malloc, valloc, pvalloc, new */
	EMBER_ALLOC_CALLOC = 1,		/* ptr f(n, size) */
	EMBER_ALLOC_REALLOC = 2,	/* ptr f(old, size) */
	EMBER_ALLOC_REALLOCARRAY = 3,	/* ptr f(old, n, size) */
	EMBER_ALLOC_MEMALIGN = 4,	/* ptr f(align, size): memalign, aligned_alloc */
	EMBER_ALLOC_POSIX_MEMALIGN = 5, /* int f(ptr *out, align, size) */
	EMBER_ALLOC_MMAP = 6,		/* ptr f(addr, len, prot, flags, fd, off) */
	EMBER_ALLOC_MALLOCX = 7,	/* ptr f(size, flags): jemalloc */
	EMBER_ALLOC_RALLOCX = 8,	/* ptr f(old, size, flags): jemalloc */
	EMBER_ALLOC_FREE = 9,		/* void f(ptr, ...): free, sdallocx, delete */
	EMBER_ALLOC_MUNMAP = 10,	/* int f(addr, len) */
	EMBER_ALLOC_KIND_MAX,
};

/* Leak mode: one live (allocated, not yet freed) block, by address. */
struct ember_alloc_addr {
	__u64 ptr;
	__u32 tgid;
	__u32 pad;
};
_Static_assert(sizeof(struct ember_alloc_addr) == 16, "ember_alloc_addr ABI changed");

/* Counts are fixed point: one allocation is EMBER_ALLOC_ONE, so sampled
 * estimates (--sample-bytes) keep their fractions until the end. */
#define EMBER_ALLOC_ONE 1024

struct ember_alloc_live {
	__u64 bytes; /* requested size, or its estimate when sampled */
	__u64 count; /* EMBER_ALLOC_ONE, or the sampling estimate */
	__u64 ts;    /* bpf_ktime_get_ns at the allocation */
	__u64 user_stack;
	__u32 flags; /* EMBER_KEY_*; EMBER_LIVE_MMAP */
	__u32 pad;
	char comm[EMBER_COMM_LEN];
	__u64 start_time; /* as in ember_stack_key */
};
_Static_assert(sizeof(struct ember_alloc_live) == 64, "ember_alloc_live ABI changed");

/* The block came from mmap (released by munmap, not free); never
 * sampled, so bytes is its length. */
#define EMBER_LIVE_MMAP (1u << 8)

/* A munmap the BPF side could not settle alone (see munmap_log.h). */
struct ember_munmap {
	__u64 addr;
	__u64 len;
	__u64 ts;
	__u32 tgid;
	__u32 pad;
};
_Static_assert(sizeof(struct ember_munmap) == 32, "ember_munmap ABI changed");

/* Allocations per stack (-e alloc). */
struct ember_alloc_value {
	__u64 bytes; /* requested bytes, or their estimate */
	__u64 count; /* fixed point, EMBER_ALLOC_ONE each */
};
_Static_assert(sizeof(struct ember_alloc_value) == 16, "ember_alloc_value ABI changed");

/* ---- latency histograms (bpf/latency.bpf.c, user/collect/latency.c) ---- */

/* Machine-wide latency histograms: run-queue (wakeup to running) and
 * block I/O (issue to completion). Bucket i holds [2^i, 2^(i+1))
 * microseconds, bucket 0 also everything under 1 us, the last one is
 * open-ended. */
#define EMBER_LATENCY_BUCKETS 32

enum ember_latency_kind {
	EMBER_LATENCY_RUNQ = 0,
	EMBER_LATENCY_BIO = 1,
	EMBER_LATENCY_KINDS,
};

/* One histogram, per CPU in the hists map (index: ember_latency_kind). */
struct ember_latency_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 buckets[EMBER_LATENCY_BUCKETS];
};
_Static_assert(sizeof(struct ember_latency_hist) == 272, "ember_latency_hist ABI changed");

/* ---- end of latency histograms ---- */

/* ---- .eh_frame unwinding (bpf/unwind_walk.h, user/unwind/) ---- */

/*
 * An unwind table is built in userspace from a file's .eh_frame or
 * .debug_frame, once per file, and read by the BPF walker. A row gives
 * the rule that holds from its file offset up to the next row's: how to
 * find the canonical frame address (CFA, the caller's stack pointer) and
 * the caller's rbp. The return address is always at CFA - 8 (every
 * other rule is STOP or INVALID). Offsets are file offsets, as in
 * /proc/PID/maps and MMAP2 records: off = pc - vm_start + pgoff.
 */
enum ember_unw_kind {
	EMBER_UNW_RSP = 0,	 /* CFA = rsp + cfa8 * 8 */
	EMBER_UNW_RBP = 1,	 /* CFA = rbp + cfa8 * 8 */
	EMBER_UNW_DEREF_RSP = 2, /* CFA = *(rsp + cfa8 * 8) */
	EMBER_UNW_DEREF_RBP = 3, /* CFA = *(rbp + cfa8 * 8): GCC's realigned frames */
	/* PLT stubs: CFA = rsp + 8, + 8 more when (pc & 15) >= 10 or 11 */
	EMBER_UNW_PLT10 = 4,
	EMBER_UNW_PLT11 = 5,
	EMBER_UNW_SIGNAL = 6,  /* a signal frame: registers from the ucontext at rsp */
	EMBER_UNW_STOP = 7,    /* the outermost frame (return address undefined) */
	EMBER_UNW_FP = 8,      /* no CFI, frame-pointer code: one frame-pointer step */
	EMBER_UNW_INVALID = 9, /* no rule here: a gap, or a rule rows cannot express */
	EMBER_UNW_KINDS,
};
#define EMBER_UNW_KIND_MASK 0x0f
/* rbp is saved at rbp + rbp8 * 8 (realigned frames), not at CFA + rbp8 * 8;
 * with this flag rbp8 == 0 means at rbp itself */
#define EMBER_UNW_RBP_REL 0x80

struct ember_unw_row {
	__u32 off;  /* file offset of the first byte the rule covers */
	__s16 cfa8; /* CFA offset / 8 */
	__s8 rbp8;  /* 0: rbp unchanged (unless RBP_REL); else saved at CFA + rbp8 * 8 */
	__u8 kind;  /* enum ember_unw_kind | EMBER_UNW_RBP_REL */
};
_Static_assert(sizeof(struct ember_unw_row) == 8, "ember_unw_row ABI changed");

/* The block index: one __u32 per 2^EMBER_UNW_BLOCK_SHIFT bytes of a file's
 * offsets, the table-relative index of the last row starting at or before
 * the block's first byte (ORC's lookup blocks), so a lookup searches only
 * the rows between idx[b] and idx[b + 1]. */
#define EMBER_UNW_BLOCK_SHIFT 8

/* One file's table inside the global row and index arrays. */
struct ember_unw_file {
	__u32 row_lo; /* first row in the global row array */
	__u32 nr_rows;
	__u32 idx_lo;	 /* first block index entry in the global index array */
	__u32 nr_blocks; /* entries: blocks from off_lo, plus one past the last */
	__u64 off_lo;	 /* file offset of block 0 (block-aligned) */
	__u32 flags;	 /* EMBER_UNW_FILE_* */
	__u32 pad;
};
_Static_assert(sizeof(struct ember_unw_file) == 32, "ember_unw_file ABI changed");

/* The whole file is frame-pointer code with little or no CFI: walk it by
 * frame pointers (rows, where present, still serve the leaf). */
#define EMBER_UNW_FILE_FP_ONLY (1u << 0)
/* The file's table is in place (it may have no rows: a file without CFI,
 * whose frames end the walk as INVALID). Until then the entry's file is
 * known but its table is being built, and walks stop there as NO_TABLE. */
#define EMBER_UNW_FILE_READY (1u << 1)

/*
 * Which file a user address belongs to, per process: the unw_maps LPM
 * trie (bpf/unwind.bpf.h). The key is big-endian so that a prefix runs
 * from the tgid's top bit on into the address; an executable mapping is
 * stored as the aligned power-of-two blocks that make it up, each with
 * prefixlen 32 + its leading address bits.
 */
struct ember_unw_map_key {
	__u32 prefixlen;
	__u32 tgid_be; /* tgid, big-endian */
	__u64 addr_be; /* address, big-endian */
};
_Static_assert(sizeof(struct ember_unw_map_key) == 16, "ember_unw_map_key ABI changed");

struct ember_unw_mapping {
	__u64 start; /* the whole mapping [start, end), not the prefix's block */
	__u64 end;
	__u64 pgoff;	/* file offset of start, in bytes (as /proc/PID/maps prints it) */
	__u32 file_idx; /* into unw_files, or EMBER_UNW_FILE_PENDING */
	__u32 flags;	/* none yet: 0 */
};
_Static_assert(sizeof(struct ember_unw_mapping) == 32, "ember_unw_mapping ABI changed");

/* The file's table is not loaded yet (being built): stacks stop there. */
#define EMBER_UNW_FILE_PENDING 0xffffffffu

/* ember_unw_mapping.flags: the mapping is the vDSO, which has no file:
 * its file_idx is the one shared vDSO table (userspace builds it from
 * its own vDSO, the same kernel's image). */
#define EMBER_UNW_MAP_VDSO (1u << 0)

/*
 * A file as BPF knows it, the key of unw_inodes (bpf/unwind_maps.bpf.h)
 * whose value is the file's __u32 file_idx: dev is the kernel's
 * encoding of inode->i_sb->s_dev (major << 20 | minor; /proc/PID/maps
 * prints major:minor in hex, stat() encodes them differently), ino the
 * inode number. The vDSO is {0, 0}: no file system has device 0:0.
 */
struct ember_unw_inode {
	__u64 dev;
	__u64 ino;
};
_Static_assert(sizeof(struct ember_unw_inode) == 16, "ember_unw_inode ABI changed");

/* A process in unw_procs (bpf/unwind_maps.bpf.c): its next region slot,
 * its generation (bumped at exec: a /proc scan older than it is refused),
 * and whether it exited (its keys wait for the teardown, and userspace
 * reaps them once the process is gone). */
struct ember_unw_proc {
	__u64 next_slot;
	__u32 gen;
	__u32 dead;
};
_Static_assert(sizeof(struct ember_unw_proc) == 16, "ember_unw_proc ABI changed");

/* The kernel's dev_t layout (MINORBITS in include/linux/kdev_t.h). */
#define EMBER_KDEV_MINOR_BITS 20

/*
 * The unw_events ringbuf: a file seen for the first time, once per
 * (dev, ino) however many processes map it, with the mapping it was
 * seen in, so that userspace can open /proc/TGID/map_files/START-END
 * (checking dev and ino on the opened file: the path is the target's)
 * and build the table for file_idx.
 */
enum ember_unw_event_kind {
	EMBER_UNW_EV_NEW_FILE = 1,
};

struct ember_unw_event {
	__u32 kind; /* enum ember_unw_event_kind */
	__u32 tgid;
	__u64 start; /* the mapping: [start, end) at file offset pgoff */
	__u64 end;
	__u64 pgoff;
	__u64 dev; /* as in ember_unw_inode */
	__u64 ino;
	__u32 file_idx;
	__u32 flags; /* EMBER_UNW_MAP_* */
};
_Static_assert(sizeof(struct ember_unw_event) == 56, "ember_unw_event ABI changed");

/*
 * The address maps' outcome counters (bpf/unwind_maps.bpf.c), rows of
 * EMBER_BPF_STATS below. X-macro: id, name, description.
 */
#define EMBER_UNW_MAP_STATS(X)                                                                     \
	X(UNW_MAPS_ADDED, "unw_maps_added", "unwind: executable mappings entered in the trie")     \
	X(UNW_MAPS_REMOVED, "unw_maps_removed", "unwind: mappings removed (munmap, exec, exit)")   \
	X(UNW_NEW_FILES, "unw_new_files", "unwind: files seen for the first time (table wanted)")  \
	X(UNW_TRIE_FULL, "unw_trie_full", "unwind: mapping lost: trie insert failed (full)")       \
	X(UNW_TRIE_STALE, "unw_trie_stale", "unwind: prefix to delete was not in the trie")        \
	X(UNW_TOO_LARGE, "unw_too_large", "unwind: mapping over 64 prefixes, covered in part")     \
	X(UNW_REGIONS_FULL, "unw_regions_full", "unwind: mapping lost: region map full")           \
	X(UNW_FILES_FULL, "unw_files_full", "unwind: mapping without table: file ids exhausted")   \
	X(UNW_INODES_FULL, "unw_inodes_full", "unwind: mapping without table: inode map full")     \
	X(UNW_EVENTS_FULL, "unw_events_full", "unwind: mapping without table: event ring full")    \
	X(UNW_FIND_VMA, "unw_find_vma", "unwind: mapping lost: bpf_find_vma failed")               \
	X(UNW_CARVE_LIMIT, "unw_carve_limit", "unwind: range walk cut short (mappings missed)")    \
	X(UNW_PARENT_FULL, "unw_parent_full", "unwind: forked child not linked: parent map full")  \
	X(UNW_PENDING_FULL, "unw_pending_full",                                                    \
	  "unwind: mmap/mprotect untracked: thread map full")                                      \
	X(UNW_BUSY, "unw_busy", "unwind: mapping change lost: CPU's scratch in use (preempted)")

/*
 * Why a walk ended, one counter each; the class says what the stack is
 * worth: COMPLETE (reached the outermost frame), PARTIAL (stopped
 * before it: the frames it has are right, the callers are missing) or
 * TRUNCATED (EMBER_MAX_STACK_DEPTH frames, more above). X-macro: one
 * list for the enum here and the stats rows (unwind_NAME) below; P is
 * passed through to X, so that the stats list can hand on its own X.
 */
enum ember_unw_class {
	EMBER_UNW_COMPLETE = 0,
	EMBER_UNW_PARTIAL = 1,
	EMBER_UNW_TRUNCATED = 2,
};

#define EMBER_UNW_ENDS(X, P)                                                                       \
	X(P, STOP_ROW, "stop_row", COMPLETE, "outermost frame (return address undefined)")         \
	X(P, RA_ZERO, "ra_zero", COMPLETE, "return address 0")                                     \
	X(P, NO_MAPPING, "no_mapping", PARTIAL, "address in no known file mapping (JIT, anon)")    \
	X(P, NO_TABLE, "no_table", PARTIAL, "the file's table is not loaded yet")                  \
	X(P, INVALID, "invalid", PARTIAL, "no rule for the address (no CFI, or inexpressible)")    \
	X(P, BSEARCH, "bsearch", PARTIAL, "row search did not converge (corrupt table)")           \
	X(P, READ_FAULT, "read_fault", PARTIAL, "stack memory not readable")                       \
	X(P, SP_BACK, "sp_back", PARTIAL, "caller's stack pointer not above the callee's")         \
	X(P, REPEATED, "repeated", PARTIAL, "the same frame (ip, sp) twice")                       \
	X(P, FP_END, "fp_end", PARTIAL, "frame-pointer code whose rbp is not a frame")             \
	X(P, URETPROBE, "uretprobe", PARTIAL, "uretprobe trampoline with no return instance")      \
	X(P, DEPTH, "depth", TRUNCATED, "EMBER_MAX_STACK_DEPTH frames")

#define EMBER_UNW_END_ENUM(p, id, name, cls, desc) EMBER_UNW_END_##id,
// clang-format off
enum ember_unw_end {
	EMBER_UNW_END_NONE = 0, /* still walking */
	EMBER_UNW_ENDS(EMBER_UNW_END_ENUM, _)
	EMBER_UNW_END_MAX
};
// clang-format on
#undef EMBER_UNW_END_ENUM

/* ---- end of .eh_frame unwinding ---- */

/* ---- ember top: per-process figures for the live view ---- */

/* One process (by tgid), cumulative since ember top started: userspace
 * takes differences between refreshes, so nothing is reset under a
 * running program. */
struct ember_top_proc {
	__u64 oncpu_ns;	 /* run time of its threads, counted at their switches */
	__u64 offcpu_ns; /* blocked time of its threads, counted at wakeup */
	char comm[EMBER_COMM_LEN];
};
_Static_assert(sizeof(struct ember_top_proc) == 32, "ember_top_proc ABI changed");

/* A thread as of its last switch seen: since when it has been blocked (0:
 * it is not), its run time so far (the kernel's se.sum_exec_runtime, which
 * /proc/TID/schedstat prints first), whose it is, and whether it was left
 * on a CPU or waiting for one (1) or not runnable (0). */
struct ember_top_thread {
	__u64 blocked_ts;
	__u64 run_ns;
	__u32 tgid;
	__u32 runnable;
};
_Static_assert(sizeof(struct ember_top_thread) == 24, "ember_top_thread ABI changed");

/*
 * Every BPF-side outcome that is not a clean sample gets a counter, so the
 * profile can say how far to trust it. X-macro: one list, expanded into the
 * enum here and into the names table in userspace.
 */
#define EMBER_BPF_STATS(X)                                                                         \
	X(SAMPLES, "samples", "perf events that ran the program")                                  \
	X(IDLE, "idle", "samples in the idle task (not recorded)")                                 \
	X(FILTERED, "filtered", "samples of threads outside the target (not recorded)")            \
	X(RECORDED, "recorded", "samples aggregated into the counts map")                          \
	X(STACKS_FULL, "stacks_full", "stack dropped: stacks map full (or no memory)")             \
	X(STACKS_STORED, "stacks_stored", "distinct stacks stored in the stacks map")              \
	X(USTACK_NONE, "ustack_none", "no user stack (kernel thread or fault)")                    \
	X(KSTACK_NONE, "kstack_none", "no kernel stack (sample in user mode)")                     \
	X(USTACK_ERROR, "ustack_error", "user stack lost: other bpf_get_stack error")              \
	X(KSTACK_ERROR, "kstack_error", "kernel stack lost: other bpf_get_stack error")            \
	X(COUNTS_FULL, "counts_full", "sample dropped: counts map full")                           \
	X(TARGETS_FULL, "targets_full", "forked child not followed: targets map full")             \
	X(FORKS_FOLLOWED, "forks_followed", "child processes added to the targets")                \
	X(SWITCHES, "switches", "context switches seen (off-CPU)")                                 \
	X(BLOCKS, "blocks", "off-CPU intervals started by target threads")                         \
	X(PREEMPTIONS, "preemptions", "target threads preempted while runnable")                   \
	X(WAKEUPS, "wakeups", "off-CPU intervals ended and counted")                               \
	X(BLOCK_SHORT, "block_short", "intervals left out: shorter than --min-block")              \
	X(BLOCK_LONG, "block_long", "intervals left out: longer than --max-block")                 \
	X(START_FULL, "start_full", "off-CPU interval lost: start map full")                       \
	X(START_STALE, "start_stale", "off-CPU interval lost: its end was never seen")             \
	X(ALLOCS, "allocs", "allocations recorded (sampled ones when sampling)")                   \
	X(ALLOC_FAILED, "alloc_failed", "allocator calls that returned no memory")                 \
	X(ALLOC_NESTED, "alloc_nested", "allocator calls inside another (counted once, outside)")  \
	X(SAMPLED_OUT, "sampled_out", "allocations skipped by --sample-bytes")                     \
	X(FREES, "frees", "live blocks freed (leak)")                                              \
	X(FREE_UNKNOWN, "free_unknown", "frees of blocks not seen allocated (ignored)")            \
	X(MUNMAP_UNTRACKED, "munmap_untracked", "(userspace) munmaps of ranges not seen mapped")   \
	X(MUNMAP_LOST, "munmap_lost", "munmap not replayed: its queue was full")                   \
	X(LIVE_FULL, "live_full", "live block lost: live map full (--max-live)")                   \
	X(PENDING_FULL, "pending_full", "allocator call untracked: no memory for thread state")    \
	X(PENDING_STALE, "pending_stale", "allocator calls whose return was never seen")           \
	X(RUNQ_FULL, "runq_full", "run-queue wait lost: latency start map full")                   \
	X(RUNQ_NO_START, "runq_no_start", "thread ran, no wakeup seen (runnable before start)")    \
	X(BIO_FULL, "bio_full", "block I/O lost: latency start map full")                          \
	X(BIO_NO_START, "bio_no_start", "block I/O completed with no issue seen (issued before)")  \
	X(TOP_PROCS_FULL, "top_procs_full", "top: process not counted: process map full")          \
	X(TOP_BLOCKS_FULL, "top_blocks_full", "top: thread not timed: thread map full")            \
	X(STACK_MISSING, "stack_missing", "(userspace) stored stack gone when read back")          \
	X(PROG_MISSES, "prog_misses", "(kernel) program runs skipped: already running on the CPU") \
	EMBER_UNW_ENDS(EMBER_UNW_END_STAT, X)                                                      \
	EMBER_UNW_MAP_STATS(X)

/* How each .eh_frame walk ended: EMBER_STAT_UNW_<end>, in the order of
 * enum ember_unw_end (EMBER_STAT_UNW_FIRST + end - 1). */
#define EMBER_UNW_END_STAT(X, id, name, cls, desc) X(UNW_##id, "unwind_" name, "unwind: " desc)

#define EMBER_STAT_ENUM(id, name, desc) EMBER_STAT_##id,
/* The formatter would join the list and the last value. */
// clang-format off
enum ember_stat {
	EMBER_BPF_STATS(EMBER_STAT_ENUM)
	EMBER_STAT_MAX
};
// clang-format on
#undef EMBER_STAT_ENUM
#define EMBER_STAT_UNW_FIRST EMBER_STAT_UNW_STOP_ROW

#endif
