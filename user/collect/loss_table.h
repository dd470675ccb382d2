/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * loss_table: every counter ember reports beside a profile, in one list.
 *
 * Sources are the per-cause counters --stats prints: the BPF programs'
 * (EMBER_BPF_STATS in include/ember_abi.h), then userspace's
 * (EMBER_USER_STATS below), one array indexed by enum stat_src. Losses
 * (EMBER_LOSSES below) are named sums of sources, each for the events it
 * applies to. From that one list come the summary lines' "N lost (...)"
 * and what follows it, each profile's counters (JSON "losses", pprof
 * "ember counter NAME=N" comments), the --stats table of losses and ember
 * top's line of its own: a new loss is one line in EMBER_LOSSES.
 */
#ifndef EMBER_LOSS_TABLE_H
#define EMBER_LOSS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "ember_abi.h"
#include "profile/event.h"

struct stack_builder_stats;
struct mmap_tracker_stats;
struct alloc_leak_stats;
struct symbolizer_stats;

/*
 * Userspace's counters: id, name (--stats), the struct they are read
 * from (sb: stack_builder_stats, ts: mmap_tracker_stats, ls:
 * alloc_leak_stats, ss: symbolizer_stats; see struct stat_inputs), its
 * field, and what it counts.
 */
#define EMBER_USER_STATS(X)                                                                        \
	X(STACKS, "stacks", sb, stacks, "unique (process, user, kernel) stacks read")              \
	X(FRAMES, "frames", sb, frames, "frames symbolized")                                       \
	X(UNNAMED_FRAMES, "unnamed_frames", sb, unnamed_frames, "frames written module+0xOFFSET")  \
	X(UNKNOWN_FRAMES, "unknown_frames", sb, unknown_frames,                                    \
	  "frames written [unknown] (no mapping)")                                                 \
	X(TRUNCATED_DEPTH, "truncated_depth", sb, truncated_depth,                                 \
	  "stacks cut at the depth limit")                                                         \
	X(TRUNCATED_UNWIND, "truncated_unwind", sb, truncated_unwind,                              \
	  "user stacks ending before a thread entry (no frame pointers)")                          \
	X(TRUNCATED_VALUE, "truncated_value", sb, truncated_unwind_value,                          \
	  "their value (samples or ns)")                                                           \
	X(LEAF_NO_FRAME, "leaf_no_frame", sb, leaf_caller_missing,                                 \
	  "stacks whose user leaf had no frame: its caller is missing")                            \
	X(LEAF_NO_FRAME_VALUE, "leaf_no_frame_value", sb, leaf_caller_missing_value,               \
	  "their value (samples or ns)")                                                           \
	X(INTERP_FRAMES, "interp_frames", sb, interp_frames,                                       \
	  "interpreter frames merged in place of their eval loop")                                 \
	X(INTERP_UNANCHORED, "interp_unanchored", sb, interp_unanchored,                           \
	  "of them, naming no native frame of their stack (kept outermost)")                       \
	X(INTERP_MISMATCHED, "interp_mismatched", sb, interp_mismatched,                           \
	  "stacks with such frames")                                                               \
	X(MMAP_RECORDS, "mmap_records", ts, mmaps, "executable mappings seen while recording")     \
	X(FORK_RECORDS, "fork_records", ts, forks, "process forks seen")                           \
	X(EXEC_RECORDS, "exec_records", ts, execs, "execs seen")                                   \
	X(SIDEBAND_LOST, "sideband_lost", ts, lost_records,                                        \
	  "side-band records lost (buffer full)")                                                  \
	X(YOUNG_BLOCKS, "young_blocks", ls, young_blocks,                                          \
	  "live blocks younger than --min-age (left out)")                                         \
	X(YOUNG_BYTES, "young_bytes", ls, young_bytes, "their bytes")                              \
	X(EXITED_BLOCKS, "exited_blocks", ls, exited_blocks,                                       \
	  "live blocks of processes that exited or exec'd (left out)")                             \
	X(DSOS_OPENED, "dsos_opened", ss, dsos_opened, "ELF files loaded")                         \
	X(DSOS_FAILED, "dsos_failed", ss, dsos_failed, "ELF files that could not be read")         \
	X(BUILD_ID_MISMATCH, "build_id_mismatch", ss, build_id_mismatch,                           \
	  "files found not to be the mapped one (replaced, decoy)")                                \
	X(FILES_HELD, "files_held", ss, files_held, "mapped files opened at first sight and held") \
	X(FILES_UNVERIFIED, "files_unverified", ss, files_unverified,                              \
	  "mapped files never provably opened: frames module+0xOFF")                               \
	X(DEBUG_FILES_USED, "debug_files_used", ss, debug_files_used,                              \
	  "symbols from separate debug files")

/* Every source, the BPF counters first (SRC_x == EMBER_STAT_x). */
#define STAT_SRC_BPF(id, name, desc) SRC_##id,
#define STAT_SRC_USER(id, name, from, field, desc) SRC_##id,
// clang-format off
enum stat_src {
	EMBER_BPF_STATS(STAT_SRC_BPF)
	EMBER_USER_STATS(STAT_SRC_USER)
	SRC_MAX
};
// clang-format on
#undef STAT_SRC_BPF
#undef STAT_SRC_USER
_Static_assert((int)SRC_STACKS == (int)EMBER_STAT_MAX, "BPF sources first, in ABI order");

/* Where the summary line puts a loss. */
enum loss_place {
	LOSS_AT_LOST,	/* in "N lost (a stacks-map full, b ...)" */
	LOSS_AT_AFTER,	/* ", N PHRASE" after that */
	LOSS_AT_STACKS, /* ", N PHRASE" in the stack-quality tail */
	LOSS_AT_VALUE,	/* " (V UNIT)" after the loss before it: that one's value */
	LOSS_AT_HEAD,	/* in the event's own sentence, by hand (record_summary.c) */
};

/* Which events a loss applies to: bits of enum ember_event, and ember
 * top's process figures. */
#define LOSS_EV(e) (1u << (e))
#define LOSS_EV_TIME (LOSS_EV(EVENT_CPU) | LOSS_EV(EVENT_OFFCPU) | LOSS_EV(EVENT_WALL))
#define LOSS_EV_MEM (LOSS_EV(EVENT_ALLOC) | LOSS_EV(EVENT_LEAK))
#define LOSS_EV_RECORD (LOSS_EV_TIME | LOSS_EV_MEM)
#define LOSS_EV_TOP (1u << EVENT_MAX)

/*
 * Losses: id, name (JSON key, pprof counter), phrase (what it means; the
 * summary line's words where it places it), place, events, then the
 * sources summed. A recording's losses are written in this order
 * everywhere. Every line and profile of a recording has the counters
 * summed over all its collectors, so one loss reads the same on every
 * line it is on.
 */
#define EMBER_LOSSES(X)                                                                            \
	X(STACKS_MAP_FULL, "stacks_map_full", "stacks-map full", LOSS_AT_LOST, LOSS_EV_RECORD,     \
	  SRC_STACKS_FULL)                                                                         \
	X(COUNTS_MAP_FULL, "counts_map_full", "counts-map full", LOSS_AT_LOST, LOSS_EV_RECORD,     \
	  SRC_COUNTS_FULL)                                                                         \
	X(LIVE_MAP_FULL, "live_map_full", "live-map full", LOSS_AT_LOST, LOSS_EV_MEM,              \
	  SRC_LIVE_FULL)                                                                           \
	X(ALLOC_UNTRACKED, "allocator_calls_untracked",                                            \
	  "allocator calls untracked (no memory for a thread's state)", LOSS_AT_LOST, LOSS_EV_MEM, \
	  SRC_PENDING_FULL)                                                                        \
	X(STACK_ERRORS, "stack_errors", "stack errors", LOSS_AT_LOST, LOSS_EV_RECORD,              \
	  SRC_USTACK_ERROR, SRC_KSTACK_ERROR, SRC_STACK_MISSING)                                   \
	X(SIDEBAND_LOST, "sideband_lost", "side-band records", LOSS_AT_LOST, LOSS_EV_TIME,         \
	  SRC_SIDEBAND_LOST)                                                                       \
	X(TOP_PROCS_FULL, "process_map_full", "process-map full", LOSS_AT_LOST, LOSS_EV_TOP,       \
	  SRC_TOP_PROCS_FULL)                                                                      \
	X(TOP_BLOCKS_FULL, "blocked_map_full", "blocked-threads-map full", LOSS_AT_LOST,           \
	  LOSS_EV_TOP, SRC_TOP_BLOCKS_FULL)                                                        \
	X(PROG_RUNS_SKIPPED, "prog_runs_skipped", "program runs skipped by the kernel",            \
	  LOSS_AT_LOST, LOSS_EV_RECORD | LOSS_EV_TOP, SRC_PROG_MISSES)                             \
	X(OFFCPU_LOST, "offcpu_intervals_lost", "off-CPU intervals", LOSS_AT_LOST, LOSS_EV_TIME,   \
	  SRC_START_FULL, SRC_START_STALE)                                                         \
	X(BLOCK_SHORT, "shorter_than_min_block", "shorter than --min-block", LOSS_AT_AFTER,        \
	  LOSS_EV(EVENT_OFFCPU), SRC_BLOCK_SHORT)                                                  \
	X(BLOCK_LONG, "longer_than_max_block", "longer than --max-block left out", LOSS_AT_AFTER,  \
	  LOSS_EV(EVENT_OFFCPU), SRC_BLOCK_LONG)                                                   \
	X(RETURNS_NEVER_SEEN, "returns_never_seen", "returns never seen", LOSS_AT_AFTER,           \
	  LOSS_EV_MEM, SRC_PENDING_STALE)                                                          \
	X(ALLOC_FAILED, "alloc_failed", "allocator calls that failed", LOSS_AT_HEAD,               \
	  LOSS_EV(EVENT_ALLOC), SRC_ALLOC_FAILED)                                                  \
	X(YOUNG_BLOCKS, "younger_than_min_age_blocks", "blocks younger than --min-age left out",   \
	  LOSS_AT_HEAD, LOSS_EV(EVENT_LEAK), SRC_YOUNG_BLOCKS)                                     \
	X(YOUNG_BYTES, "younger_than_min_age_bytes", "their bytes", LOSS_AT_HEAD,                  \
	  LOSS_EV(EVENT_LEAK), SRC_YOUNG_BYTES)                                                    \
	X(EXITED_BLOCKS, "exited_process_blocks",                                                  \
	  "blocks of processes that exited or exec'd left out", LOSS_AT_HEAD, LOSS_EV(EVENT_LEAK), \
	  SRC_EXITED_BLOCKS)                                                                       \
	X(FREES_UNKNOWN, "frees_not_seen_allocated", "frees of blocks not seen allocated ignored", \
	  LOSS_AT_HEAD, LOSS_EV(EVENT_LEAK), SRC_FREE_UNKNOWN)                                     \
	X(MUNMAPS_UNTRACKED, "munmaps_untracked", "munmaps of untracked ranges ignored",           \
	  LOSS_AT_HEAD, LOSS_EV(EVENT_LEAK), SRC_MUNMAP_UNTRACKED)                                 \
	X(TRUNCATED, "truncated_stacks", "truncated stacks", LOSS_AT_STACKS, LOSS_EV_RECORD,       \
	  SRC_TRUNCATED_DEPTH, SRC_TRUNCATED_UNWIND)                                               \
	X(TRUNCATED_VALUE, "truncated_value", "their value", LOSS_AT_VALUE, LOSS_EV_RECORD,        \
	  SRC_TRUNCATED_VALUE)                                                                     \
	X(LEAF_MISSING, "leaf_caller_missing", "missing a frameless leaf's caller",                \
	  LOSS_AT_STACKS, LOSS_EV_RECORD, SRC_LEAF_NO_FRAME)                                       \
	X(LEAF_MISSING_VALUE, "leaf_caller_missing_value", "their value", LOSS_AT_VALUE,           \
	  LOSS_EV_RECORD, SRC_LEAF_NO_FRAME_VALUE)                                                 \
	X(UNNAMED, "unnamed_frames", "unnamed frames", LOSS_AT_STACKS, LOSS_EV_RECORD,             \
	  SRC_UNNAMED_FRAMES, SRC_UNKNOWN_FRAMES)

#define LOSS_ENUM(id, name, phrase, place, events, ...) LOSS_##id,
// clang-format off
enum loss {
	EMBER_LOSSES(LOSS_ENUM)
	LOSS_MAX
};
// clang-format on
#undef LOSS_ENUM

struct loss_info {
	const char *name;
	const char *phrase;
	enum loss_place place;
	unsigned int events; /* LOSS_EV bits, LOSS_EV_TOP */
	const enum stat_src *src;
	unsigned int nr_src;
};

extern const struct loss_info loss_table[LOSS_MAX];

/* What the sources are read from; a NULL member reads as zeros. */
struct stat_inputs {
	const __u64 *bpf; /* [EMBER_STAT_MAX] */
	const struct stack_builder_stats *sb;
	const struct mmap_tracker_stats *ts;
	const struct alloc_leak_stats *ls;
	const struct symbolizer_stats *ss;
};

/* src[SRC_MAX] from the inputs. */
void stat_src__fill(__u64 *src, const struct stat_inputs *in);
const char *stat_src__name(enum stat_src s);
const char *stat_src__desc(enum stat_src s);

static inline bool loss__applies(enum loss l, unsigned int events)
{
	return loss_table[l].events & events;
}

/* The loss's sum of its sources. */
__u64 loss__value(enum loss l, const __u64 *src);
/* All LOSS_AT_LOST losses of the events: the N of "N lost (...)". */
__u64 loss__lost(unsigned int events, const __u64 *src);

/*
 * Summary text for events (a LOSS_EV bit, or LOSS_EV_TOP): "N lost (a
 * stacks-map full, ...)"; with tail, then each LOSS_AT_AFTER loss (", N
 * PHRASE") and the LOSS_AT_STACKS ones, their LOSS_AT_VALUE in parentheses
 * divided by divisor, in unit. Like snprintf: the length it needed.
 */
int loss__format(char *buf, size_t size, unsigned int events, const __u64 *src, bool tail,
		 const char *unit, __u64 divisor);

/* "ustack_error + kstack_error + stack_missing": what a loss sums. Like
 * snprintf. */
int loss__sum_text(char *buf, size_t size, enum loss l);

#endif
