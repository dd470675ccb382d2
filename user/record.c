// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember record: profile a process, a thread, a command or the whole machine
 * with one or more collectors (on-CPU samples, off-CPU intervals) and write
 * one file per event (folded, SVG, pprof or JSON).
 *
 * Lifecycle: check the environment, load the targets skeleton and each
 * collector's (configured from the options before load, sharing the
 * targets map), start side-band mmap tracking, attach, let a command run,
 * wait, stop, read every map once, symbolize, write each output to a
 * temporary file and rename it into place.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "cpus.h"
#include "ember_abi.h"
#include "env_check.h"
#include "flamegraph.h"
#include "folded.h"
#include "log.h"
#include "mmap_tracker.h"
#include "options.h"
#include "output_file.h"
#include "output_format.h"
#include "pprof.h"
#include "proc_scan.h"
#include "profile.h"
#include "profile_json.h"
#include "record.h"
#include "record_opts.h"
#include "resources.h"
#include "stack_builder.h"
#include "symbolizer.h"
#include "targets.h"
#include "targets.skel.h"

#define EXIT_USAGE 2

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Only there to interrupt the wait when the command exits. */
static void on_child(int sig)
{
	(void)sig;
}

static const char *const stat_names[] = {
#define X(id, name, desc) name,
	EMBER_BPF_STATS(X)
#undef X
};
static const char *const stat_descs[] = {
#define X(id, name, desc) desc,
	EMBER_BPF_STATS(X)
#undef X
};

/* The values each event's profile keeps; folded files write the first. */
#define MAX_TYPES 3
static const struct {
	struct value_type t[MAX_TYPES];
	unsigned int nr;
	int64_t divisor;	 /* folded output unit */
	const char *folded_unit; /* named in the folded file's first line */
} event_types[EVENT_MAX] = {
	[EVENT_CPU] = { { { "samples", "count", 0 } }, 1, 1, "samples" },
	/* kept in nanoseconds, written as microseconds (rounded once a line) */
	[EVENT_OFFCPU] = { { { "offcpu", "nanoseconds", 0 } }, 1, 1000, "microseconds" },
	[EVENT_WALL] = { { { "wall", "nanoseconds", 0 } }, 1, 1000, "microseconds" },
	[EVENT_ALLOC] = { { { "alloc_space", "bytes", 0 }, { "alloc_objects", "count", 0 } },
			  2,
			  1,
			  "bytes" },
	[EVENT_LEAK] = { { { "inuse_space", "bytes", 0 },
			   { "inuse_objects", "count", 0 },
			   { "oldest_age", "nanoseconds", 1 } },
			 3,
			 1,
			 "bytes" },
};

/* One output profile per requested event. */
struct event_out {
	bool on;
	char *path; /* NULL: stdout */
	struct output_file *file;
	struct profile *prof;
	struct stack_builder *sb;
};

struct record {
	struct record_opts o;
	struct event_out ev[EVENT_MAX];
	const struct collector_ops *ops[3];
	struct collector *coll[3];
	int nr_coll;
	struct symbolizer *sym;
	__u64 cpu_samples, offcpu_ns, offcpu_intervals, runnable_ns;
	__u64 oldest_leak_ns;
	__s64 start_realtime_ns, duration_ns; /* for pprof and JSON */
};

static int check_targets(const struct record_opts *o)
{
	__u32 tgid;
	int err;

	for (int i = 0; i < o->nr_pids; i++) {
		err = targets__tgid_of(o->pids[i], &tgid);
		if (err) {
			p_err("no process with PID %u: check the PID (ps -p %u)", o->pids[i],
			      o->pids[i]);
			return err;
		}
		if (tgid != o->pids[i]) {
			p_err("%u is a thread of process %u: use -t %u for the thread or -p %u for "
			      "the process",
			      o->pids[i], tgid, o->pids[i], tgid);
			return -EINVAL;
		}
	}
	if (o->tid && targets__tgid_of(o->tid, &tgid)) {
		p_err("no thread with TID %u: check the TID (ps -T -p PID)", o->tid);
		return -ESRCH;
	}
	return 0;
}

static int add_to(struct record *r, enum ember_event e, const struct raw_stack *rs, int64_t value)
{
	if (!r->ev[e].on || value <= 0)
		return 0;
	return stack_builder__add(r->ev[e].sb, rs, &value);
}

/* Allocations: bytes, count (and for leaks the oldest block's age). */
static int route_alloc(struct record *r, const struct collected *c)
{
	int64_t v[MAX_TYPES] = { (int64_t)c->value, (int64_t)c->count, (int64_t)c->oldest_ns };
	enum ember_event e = c->source == SOURCE_ALLOC ? EVENT_ALLOC : EVENT_LEAK;

	if (!r->ev[e].on || c->value == 0)
		return 0;
	if (e == EVENT_LEAK && c->oldest_ns > r->oldest_leak_ns)
		r->oldest_leak_ns = c->oldest_ns;
	return stack_builder__add(r->ev[e].sb, c->stack, v);
}

/*
 * Route one collected stack to the profiles that want it: CPU samples to
 * the cpu profile (as samples) and to the wall profile (as nanoseconds of
 * sampling period); off-CPU intervals to the offcpu profile and, marked, to
 * the wall profile, both in nanoseconds.
 */
static int route(void *ctx, const struct collected *c)
{
	struct record *r = ctx;
	struct raw_stack rs = *c->stack;
	bool preempted = c->key->flags & EMBER_KEY_PREEMPTED;
	int err;

	/* A process nobody recorded maps for (records lost, or it started
	 * between the scan and its first record) may still be alive. */
	if (rs.nr_user)
		symbolizer__ensure(r->sym, rs.tgid, rs.start_time, symbolizer__now());
	if (c->source == SOURCE_ALLOC || c->source == SOURCE_LEAK)
		return route_alloc(r, c);
	if (c->source == SOURCE_CPU) {
		r->cpu_samples += c->value;
		err = add_to(r, EVENT_CPU, &rs, c->value);
		if (!err)
			err = add_to(r, EVENT_WALL, &rs, c->value * 1000000000ULL / r->o.freq);
		return err;
	}
	if (preempted)
		r->runnable_ns += c->value;
	if (!preempted || r->o.include_preempted) {
		if (!preempted) {
			r->offcpu_ns += c->value;
			r->offcpu_intervals += c->count;
		}
		if (preempted && !rs.marker)
			rs.marker = "[runnable]";
		err = add_to(r, EVENT_OFFCPU, &rs, c->value);
		if (err)
			return err;
		rs.marker = c->stack->marker;
	}
	/* Off-CPU leaves are marked in the wall view so a flame graph can
	 * colour them apart from on-CPU time. */
	if (!rs.marker)
		rs.marker = preempted ? "[runnable]" : "[off-cpu]";
	return add_to(r, EVENT_WALL, &rs, c->value);
}

static void sum_builder_stats(const struct record *r, struct stack_builder_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int e = 0; e < EVENT_MAX; e++) {
		struct stack_builder_stats st;

		if (!r->ev[e].on)
			continue;
		stack_builder__stats(r->ev[e].sb, &st);
		sum->stacks += st.stacks;
		sum->frames += st.frames;
		sum->unnamed_frames += st.unnamed_frames;
		sum->unknown_frames += st.unknown_frames;
		sum->truncated_depth += st.truncated_depth;
		sum->truncated_unwind += st.truncated_unwind;
		sum->truncated_unwind_value += st.truncated_unwind_value;
		sum->leaf_caller_missing += st.leaf_caller_missing;
		sum->leaf_caller_missing_value += st.leaf_caller_missing_value;
	}
}

static void print_stats(const __u64 *bpf, const struct stack_builder_stats *sbs,
			const struct mmap_tracker_stats *ts, const struct symbolizer_stats *ss)
{
	fprintf(stderr, "ember: stats (BPF):\n");
	for (int i = 0; i < EMBER_STAT_MAX; i++)
		fprintf(stderr, "  %-18s %12" PRIu64 "  %s\n", stat_names[i], (uint64_t)bpf[i],
			stat_descs[i]);
	fprintf(stderr, "ember: stats (userspace, all events):\n");
#define P(name, v, desc) fprintf(stderr, "  %-18s %12" PRIu64 "  %s\n", name, (uint64_t)(v), desc)
	P("stacks", sbs->stacks, "unique (process, user, kernel) stacks read");
	P("frames", sbs->frames, "frames symbolized");
	P("unnamed_frames", sbs->unnamed_frames, "frames written module+0xOFFSET");
	P("unknown_frames", sbs->unknown_frames, "frames written [unknown] (no mapping)");
	P("truncated_depth", sbs->truncated_depth, "stacks cut at the depth limit");
	P("truncated_unwind", sbs->truncated_unwind,
	  "user stacks ending before a thread entry (no frame pointers)");
	P("truncated_value", sbs->truncated_unwind_value, "their value (samples or ns)");
	P("leaf_no_frame", sbs->leaf_caller_missing,
	  "stacks whose user leaf had no frame: its caller is missing");
	P("leaf_no_frame_value", sbs->leaf_caller_missing_value, "their value (samples or ns)");
	P("mmap_records", ts->mmaps, "executable mappings seen while recording");
	P("fork_records", ts->forks, "process forks seen");
	P("exec_records", ts->execs, "execs seen");
	P("sideband_lost", ts->lost_records, "side-band records lost (buffer full)");
	P("dsos_opened", ss->dsos_opened, "ELF files loaded");
	P("dsos_failed", ss->dsos_failed, "ELF files that could not be read");
	P("build_id_mismatch", ss->build_id_mismatch,
	  "files found not to be the mapped one (replaced, decoy)");
	P("files_held", ss->files_held, "mapped files opened at first sight and held");
	P("files_unverified", ss->files_unverified,
	  "mapped files never provably opened: frames module+0xOFF");
	P("debug_files_used", ss->debug_files_used, "symbols from separate debug files");
#undef P
}

/* What a collector says of itself, or "?" if it did not run. */
static const char *describe(const struct record *r, const struct collector_ops *ops)
{
	for (int i = 0; i < r->nr_coll; i++)
		if (r->ops[i] == ops)
			return ops->describe(r->coll[i]);
	return "?";
}

/* One stderr line per event: what was measured, and every loss. */
/* The largest leaks on stderr: what the folded file cannot show (block
 * counts, the oldest block's age) for the stacks that matter most. */
static void print_top_leaks(const struct profile *p)
{
	enum {
		TOP = 5,
		TAIL = 4
	};
	size_t top[TOP], n = 0;
	struct profile_stack st, other;

	for (size_t i = 0; i < profile__nr_stacks(p); i++) {
		size_t k;

		profile__stack(p, i, &st);
		for (k = n; k > 0; k--) {
			profile__stack(p, top[k - 1], &other);
			if (other.values[0] >= st.values[0])
				break;
			if (k < TOP)
				top[k] = top[k - 1];
		}
		if (k < TOP) {
			top[k] = i;
			if (n < TOP)
				n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char frames[512];
		size_t used = 0;
		unsigned int first;

		profile__stack(p, top[i], &st);
		first = st.nr_frames > TAIL + 1 ? st.nr_frames - TAIL : 1;
		frames[0] = 0;
		for (unsigned int f = first; f < st.nr_frames && used < sizeof(frames); f++)
			used += snprintf(frames + used, sizeof(frames) - used, "%s%s",
					 f > first ? ";" : "", st.frames[f].name);
		fprintf(stderr,
			"ember:   %" PRId64 " bytes in %" PRId64 " blocks, oldest %.1f s: %s%s%s\n",
			st.values[0], st.values[1], st.values[2] / 1e9, st.frames[0].name,
			first > 1 ? ";...;" : ";", frames);
	}
}

/* The alloc and leak lines: what was counted, what was left out, lost. */
static void print_alloc_summary(const struct record *r, enum ember_event e, const __u64 *bpf,
				double secs, const char *trunc)
{
	const struct profile *p = r->ev[e].prof;
	struct alloc_leak_stats ls = {};
	char est[160] = "", losses[320];

	for (int i = 0; i < r->nr_coll; i++)
		if (r->ops[i] == &alloc_collector_ops)
			alloc_collector__leak_stats(r->coll[i], &ls);
	if (r->o.sample_bytes)
		snprintf(est, sizeof(est),
			 ", estimated from --sample-bytes %" PRIu64 " (%" PRIu64
			 " allocations sampled, %" PRIu64 " skipped)",
			 (uint64_t)r->o.sample_bytes, (uint64_t)bpf[EMBER_STAT_ALLOCS],
			 (uint64_t)bpf[EMBER_STAT_SAMPLED_OUT]);
	snprintf(losses, sizeof(losses),
		 "%" PRIu64 " lost (%" PRIu64 " stacks-map full, %" PRIu64
		 " counts-map full, %" PRIu64 " live-map full, %" PRIu64
		 " allocator calls untracked (no memory for a thread's state), %" PRIu64
		 " stack errors, %" PRIu64 " program runs skipped by the kernel), %" PRIu64
		 " returns never seen",
		 (uint64_t)(bpf[EMBER_STAT_STACKS_FULL] + bpf[EMBER_STAT_COUNTS_FULL] +
			    bpf[EMBER_STAT_LIVE_FULL] + bpf[EMBER_STAT_PENDING_FULL] +
			    bpf[EMBER_STAT_USTACK_ERROR] + bpf[EMBER_STAT_STACK_MISSING] +
			    bpf[EMBER_STAT_PROG_MISSES]),
		 (uint64_t)bpf[EMBER_STAT_STACKS_FULL], (uint64_t)bpf[EMBER_STAT_COUNTS_FULL],
		 (uint64_t)bpf[EMBER_STAT_LIVE_FULL], (uint64_t)bpf[EMBER_STAT_PENDING_FULL],
		 (uint64_t)(bpf[EMBER_STAT_USTACK_ERROR] + bpf[EMBER_STAT_STACK_MISSING]),
		 (uint64_t)bpf[EMBER_STAT_PROG_MISSES], (uint64_t)bpf[EMBER_STAT_PENDING_STALE]);
	if (e == EVENT_ALLOC) {
		p_info("alloc (%s): %" PRId64 " allocations, %" PRId64
		       " bytes in %.2f s%s, %" PRIu64 " failed, %s, %s",
		       describe(r, &alloc_collector_ops), profile__total(p, 1),
		       profile__total(p, 0), secs, est, (uint64_t)bpf[EMBER_STAT_ALLOC_FAILED],
		       losses, trunc);
		return;
	}
	p_info("leak (%s): %" PRId64 " bytes in %" PRId64
	       " blocks outstanding at the end in %zu stacks, oldest %.1f s%s; left out: %" PRIu64
	       " blocks (%" PRIu64 " bytes) younger than --min-age, %" PRIu64
	       " of processes that exited or exec'd since; %" PRIu64
	       " frees of blocks not seen allocated%s and %" PRIu64
	       " munmaps of untracked ranges ignored, %s, %s",
	       describe(r, &alloc_collector_ops), profile__total(p, 0), profile__total(p, 1),
	       profile__nr_stacks(p), r->oldest_leak_ns / 1e9, est, (uint64_t)ls.young_blocks,
	       (uint64_t)ls.young_bytes, (uint64_t)ls.exited_blocks,
	       (uint64_t)bpf[EMBER_STAT_FREE_UNKNOWN],
	       r->o.sample_bytes ? " (mostly unsampled ones)" : "",
	       (uint64_t)bpf[EMBER_STAT_MUNMAP_UNTRACKED], losses, trunc);
	print_top_leaks(p);
}

static void print_summary(const struct record *r, const __u64 *bpf, double secs,
			  const struct mmap_tracker_stats *ts)
{
	__u64 stack_errors = bpf[EMBER_STAT_USTACK_ERROR] + bpf[EMBER_STAT_KSTACK_ERROR] +
			     bpf[EMBER_STAT_STACK_MISSING];
	__u64 offcpu_lost = bpf[EMBER_STAT_START_FULL] + bpf[EMBER_STAT_START_STALE];
	char losses[320];

	/* Counters are summed over the collectors that ran: a loss line
	 * speaks for the whole recording. */
	snprintf(
	    losses, sizeof(losses),
	    "%" PRIu64 " lost (%" PRIu64 " stacks-map full, %" PRIu64 " counts-map full, %" PRIu64
	    " stack errors, %" PRIu64 " side-band records, %" PRIu64
	    " program runs skipped by the kernel, %" PRIu64 " off-CPU intervals)",
	    (uint64_t)(bpf[EMBER_STAT_STACKS_FULL] + bpf[EMBER_STAT_COUNTS_FULL] + stack_errors +
		       ts->lost_records + bpf[EMBER_STAT_PROG_MISSES] + offcpu_lost),
	    (uint64_t)bpf[EMBER_STAT_STACKS_FULL], (uint64_t)bpf[EMBER_STAT_COUNTS_FULL],
	    (uint64_t)stack_errors, (uint64_t)ts->lost_records,
	    (uint64_t)bpf[EMBER_STAT_PROG_MISSES], (uint64_t)offcpu_lost);
	for (int e = 0; e < EVENT_MAX; e++) {
		struct stack_builder_stats st;
		char trunc[256];
		bool ns = e == EVENT_OFFCPU || e == EVENT_WALL;
		const char *unit = ns ? "us" : e == EVENT_CPU ? "samples" : "bytes";

		if (!r->ev[e].on)
			continue;
		stack_builder__stats(r->ev[e].sb, &st);
		snprintf(
		    trunc, sizeof(trunc),
		    "%" PRIu64 " truncated stacks (%" PRIu64 " %s), %" PRIu64
		    " missing a frameless leaf's caller (%" PRIu64 " %s), %" PRIu64
		    " unnamed frames",
		    (uint64_t)(st.truncated_depth + st.truncated_unwind),
		    (uint64_t)(ns ? st.truncated_unwind_value / 1000 : st.truncated_unwind_value),
		    unit, (uint64_t)st.leaf_caller_missing,
		    (uint64_t)(ns ? st.leaf_caller_missing_value / 1000
				  : st.leaf_caller_missing_value),
		    unit, (uint64_t)(st.unnamed_frames + st.unknown_frames));
		switch (e) {
		case EVENT_CPU:
			p_info("%s: %" PRIu64 " samples in %.1f s, %s, %s",
			       describe(r, &cpu_collector_ops), (uint64_t)r->cpu_samples, secs,
			       losses, trunc);
			break;
		case EVENT_OFFCPU:
			p_info("offcpu (%s): %" PRIu64
			       " intervals, %.6f s off CPU in %.1f s, %s, %" PRIu64
			       " shorter than --min-block, %" PRIu64
			       " longer than --max-block left out, %s",
			       describe(r, &offcpu_collector_ops), (uint64_t)r->offcpu_intervals,
			       r->offcpu_ns / 1e9, secs, losses,
			       (uint64_t)bpf[EMBER_STAT_BLOCK_SHORT],
			       (uint64_t)bpf[EMBER_STAT_BLOCK_LONG], trunc);
			break;
		case EVENT_WALL:
			p_info("wall: %.6f s in %.1f s: %.6f s on CPU (%" PRIu64
			       " cpu samples at %u Hz), %.6f s off CPU, %.6f s runnable, %s, %s",
			       profile__total(r->ev[e].prof, 0) / 1e9, secs,
			       r->cpu_samples * (1.0 / r->o.freq), (uint64_t)r->cpu_samples,
			       r->o.freq, r->offcpu_ns / 1e9, r->runnable_ns / 1e9, losses, trunc);
			break;
		case EVENT_ALLOC:
		case EVENT_LEAK:
			print_alloc_summary(r, e, bpf, secs, trunc);
			break;
		default:
			break;
		}
	}
	if (bpf[EMBER_STAT_STACKS_FULL] || bpf[EMBER_STAT_COUNTS_FULL])
		p_warn("data was lost: raise --stack-storage (stacks map) or --max-stacks (counts "
		       "map)");
	if (bpf[EMBER_STAT_LIVE_FULL])
		p_warn("live blocks were lost: raise --max-live");
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

static __u64 ts_ns(const struct timespec *t)
{
	return (__u64)t->tv_sec * 1000000000ULL + t->tv_nsec;
}

static int open_outputs(struct record *r)
{
	bool several = r->o.events & (r->o.events - 1);

	for (int e = 0; e < EVENT_MAX; e++) {
		struct event_out *ev = &r->ev[e];

		if (!record_opts__has(&r->o, e))
			continue;
		ev->on = true;
		ev->path = record_opts__event_path(r->o.output, event__name(e), several);
		if (r->o.output && strcmp(r->o.output, "-") && !ev->path)
			return -ENOMEM;
		ev->file = output_file__open(ev->path);
		if (!ev->file)
			return -EIO;
	}
	return 0;
}

static int make_profiles(struct record *r)
{
	struct stack_builder_opts sbo = { .per_pid = r->o.per_pid };

	for (int e = 0; e < EVENT_MAX; e++) {
		struct event_out *ev = &r->ev[e];

		if (!ev->on)
			continue;
		ev->prof = profile__new(event_types[e].t, event_types[e].nr);
		ev->sb = ev->prof ? stack_builder__new(ev->prof, r->sym, &sbo) : NULL;
		if (!ev->sb)
			return -ENOMEM;
		if ((e == EVENT_ALLOC || e == EVENT_LEAK) && r->o.sample_bytes) {
			char note[200];

			/* a comment must not end in a number: some folded
			 * readers would take that for a count */
			snprintf(note, sizeof(note),
				 "ember %s: estimated values: about one allocation sampled per "
				 "%llu bytes allocated (--sample-bytes), larger ones all taken",
				 event__name(e), (unsigned long long)r->o.sample_bytes);
			if (profile__add_comment(ev->prof, note))
				return -ENOMEM;
		}
	}
	return 0;
}

/* One event's counters; names as in the summary lines. */
static int set_event_counters(struct profile *p, enum ember_event e, const __u64 *bpf,
			      const struct mmap_tracker_stats *ts,
			      const struct alloc_leak_stats *ls,
			      const struct stack_builder_stats *st)
{
	bool mem = e == EVENT_ALLOC || e == EVENT_LEAK, leak = e == EVENT_LEAK;
	const struct {
		const char *name;
		__u64 v;
		bool on;
	} c[] = {
		{ "stacks_map_full", bpf[EMBER_STAT_STACKS_FULL], true },
		{ "counts_map_full", bpf[EMBER_STAT_COUNTS_FULL], true },
		{ "live_map_full", bpf[EMBER_STAT_LIVE_FULL], mem },
		{ "allocator_calls_untracked", bpf[EMBER_STAT_PENDING_FULL], mem },
		{ "stack_errors",
		  bpf[EMBER_STAT_USTACK_ERROR] + bpf[EMBER_STAT_STACK_MISSING] +
		      (mem ? 0 : bpf[EMBER_STAT_KSTACK_ERROR]),
		  true },
		{ "sideband_lost", ts->lost_records, !mem },
		{ "prog_runs_skipped", bpf[EMBER_STAT_PROG_MISSES], true },
		{ "offcpu_intervals_lost", bpf[EMBER_STAT_START_FULL] + bpf[EMBER_STAT_START_STALE],
		  !mem },
		{ "shorter_than_min_block", bpf[EMBER_STAT_BLOCK_SHORT], e == EVENT_OFFCPU },
		{ "longer_than_max_block", bpf[EMBER_STAT_BLOCK_LONG], e == EVENT_OFFCPU },
		{ "returns_never_seen", bpf[EMBER_STAT_PENDING_STALE], mem },
		{ "alloc_failed", bpf[EMBER_STAT_ALLOC_FAILED], e == EVENT_ALLOC },
		{ "younger_than_min_age_blocks", ls->young_blocks, leak },
		{ "younger_than_min_age_bytes", ls->young_bytes, leak },
		{ "exited_process_blocks", ls->exited_blocks, leak },
		{ "frees_not_seen_allocated", bpf[EMBER_STAT_FREE_UNKNOWN], leak },
		{ "munmaps_untracked", bpf[EMBER_STAT_MUNMAP_UNTRACKED], leak },
		{ "truncated_stacks", st->truncated_depth + st->truncated_unwind, true },
		{ "truncated_value", st->truncated_unwind_value, true },
		{ "leaf_caller_missing", st->leaf_caller_missing, true },
		{ "leaf_caller_missing_value", st->leaf_caller_missing_value, true },
		{ "unnamed_frames", st->unnamed_frames + st->unknown_frames, true },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (c[i].on && profile__set_counter(p, c[i].name, (int64_t)c[i].v))
			return -ENOMEM;
	return 0;
}

/* The summary lines' losses as named counters in each profile, so that
 * every format that can carry them does (JSON "losses", pprof comments);
 * folded files cannot. */
static int set_counters(struct record *r, const __u64 *bpf, const struct mmap_tracker_stats *ts)
{
	struct alloc_leak_stats ls = {};
	struct stack_builder_stats st;

	for (int i = 0; i < r->nr_coll; i++)
		if (r->ops[i] == &alloc_collector_ops)
			alloc_collector__leak_stats(r->coll[i], &ls);
	for (int e = 0; e < EVENT_MAX; e++) {
		if (!r->ev[e].on)
			continue;
		stack_builder__stats(r->ev[e].sb, &st);
		if (set_event_counters(r->ev[e].prof, e, bpf, ts, &ls, &st))
			return -ENOMEM;
	}
	return 0;
}

/* SVG flame graphs: the lead connects flamegraph__write (user/flamegraph.h)
 * here. */
/* ember's flame graph, titled by the event, in the folded file's unit. */
static int write_svg(const struct record *r, enum ember_event e, FILE *out)
{
	struct flamegraph_opts fo;
	char title[64];

	flamegraph_opts__init(&fo);
	snprintf(title, sizeof(title), "ember: %s", event__name(e));
	fo.title = title;
	fo.unit = event_types[e].folded_unit;
	fo.divisor = event_types[e].divisor;
	fo.offcpu = e == EVENT_OFFCPU;
	return flamegraph__write(r->ev[e].prof, &fo, out);
}

static int write_event(const struct record *r, enum ember_event e, FILE *out)
{
	const struct event_out *ev = &r->ev[e];
	struct pprof_opts po = { .time_nanos = r->start_realtime_ns,
				 .duration_nanos = r->duration_ns };
	struct profile_json_opts jo = { .event = event__name(e), .duration_nanos = r->duration_ns };

	switch (r->o.format) {
	case OUTPUT_SVG:
		return write_svg(r, e, out);
	case OUTPUT_PPROF:
		if (e == EVENT_CPU) {
			po.frequency = r->o.freq;
			po.period_type = "cpu";
			po.period_unit = "nanoseconds";
			po.period = 1000000000LL / r->o.freq;
		} else if ((e == EVENT_ALLOC || e == EVENT_LEAK) && r->o.sample_bytes) {
			po.period_type = "space";
			po.period_unit = "bytes";
			po.period = (int64_t)r->o.sample_bytes;
		}
		return pprof__write(ev->prof, &po, out);
	case OUTPUT_JSON:
		return profile_json__write(ev->prof, &jo, out);
	default:
		/* readers skip lines without a trailing count; this one
		 * tells them the event and unit (it must not end in a number) */
		if (fprintf(out, "# ember: event %s, values in %s\n", event__name(e),
			    event_types[e].folded_unit) < 0)
			return errno ? -errno : -EIO;
		return folded__write(ev->prof, 0, event_types[e].divisor, out);
	}
}

static int write_outputs(struct record *r)
{
	int err;

	for (int e = 0; e < EVENT_MAX; e++) {
		struct event_out *ev = &r->ev[e];

		if (!ev->on)
			continue;
		/* folded order in every format, whatever the drain order */
		err = profile__sort(ev->prof);
		if (!err)
			err = write_event(r, e, output_file__stream(ev->file));
		if (!err)
			err = output_file__commit(ev->file);
		if (err == -ENOTSUP)
			return err; /* said why already */
		if (err) {
			p_err("cannot write %s: %s: check free space and permissions",
			      ev->path ? ev->path : "stdout", strerror(-err));
			return err;
		}
	}
	return 0;
}

int record__main(int argc, char **argv)
{
	struct record r = {};
	struct record_opts *o = &r.o;
	struct targets_bpf *tskel = NULL;
	struct mmap_tracker *tracker = NULL;
	struct command *cmd = NULL;
	struct bpf_link *fork_link = NULL;
	struct timespec t_start, t_attached, t_stop, t_written, now;
	struct stack_builder_stats sbs;
	struct mmap_tracker_stats ts = {};
	struct symbolizer_stats ss = {};
	__u64 bpf_stats[EMBER_STAT_MAX] = {};
	struct sigaction sa = {};
	struct attach_info ai = {};
	struct resources *res = NULL;
	bool *cpus = NULL, *online = NULL;
	int nr_cpus, err, exit_code = 1, cmd_status = 0, targets_fd;
	bool cmd_done = false;
	__u32 tgid = 0;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	err = record_opts__parse(argc, argv, o);
	if (err) {
		exit_code = err == OPTIONS_HELP ? 0 : EXIT_USAGE;
		goto cleanup;
	}
	if (env_check__caps() || env_check__btf() || check_targets(o))
		goto cleanup;

	nr_cpus = libbpf_num_possible_cpus();
	if (nr_cpus <= 0) {
		p_err("cannot count CPUs: %s", strerror(-nr_cpus));
		goto cleanup;
	}
	cpus = calloc(nr_cpus, sizeof(*cpus));
	online = calloc(nr_cpus, sizeof(*online));
	if (!cpus || !online)
		goto oom;
	err = cpulist__online(NULL, online, nr_cpus);
	if (err) {
		p_err("cannot read the online CPUs: %s", strerror(-err));
		goto cleanup;
	}
	if (o->cpu_list) {
		if (cpulist__parse(o->cpu_list, cpus, nr_cpus)) {
			p_err("bad CPU list '%s': give -C like 0,2-3 with CPUs below %d",
			      o->cpu_list, nr_cpus);
			exit_code = EXIT_USAGE;
			goto cleanup;
		}
		for (int c = 0; c < nr_cpus; c++)
			cpus[c] = cpus[c] && online[c];
	} else {
		memcpy(cpus, online, nr_cpus * sizeof(*cpus));
	}

	/* Create the outputs now: an unwritable path fails before any work,
	 * and nothing appears under its name until it is complete. */
	err = open_outputs(&r);
	if (err) {
		if (err == -ENOMEM)
			goto oom;
		goto cleanup;
	}
	res = resources__new(o);
	if (!res)
		goto cleanup;

	log__libbpf_messages();
	sa.sa_handler = on_signal; /* no SA_RESTART: let poll return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o->cmd) {
		cmd = command__spawn(o->cmd);
		if (!cmd)
			goto cleanup;
	}

	tskel = targets__load(o->cmd != NULL);
	if (!tskel) {
		p_err("cannot load the BPF programs: %s: run with -v for libbpf's and the "
		      "verifier's messages",
		      strerror(errno));
		goto cleanup;
	}
	targets_fd = bpf_map__fd(tskel->maps.targets);
	if (record_opts__has(o, EVENT_CPU) || record_opts__has(o, EVENT_WALL))
		r.ops[r.nr_coll++] = &cpu_collector_ops;
	if (record_opts__has(o, EVENT_OFFCPU) || record_opts__has(o, EVENT_WALL))
		r.ops[r.nr_coll++] = &offcpu_collector_ops;
	if (record_opts__allocs(o))
		r.ops[r.nr_coll++] = &alloc_collector_ops;
	for (int i = 0; i < r.nr_coll; i++) {
		r.coll[i] = r.ops[i]->load(o, targets_fd);
		if (!r.coll[i]) {
			p_err("cannot load the %s BPF programs: %s: run with -v for libbpf's and "
			      "the verifier's messages",
			      r.ops[i]->name, strerror(errno));
			goto cleanup;
		}
	}

	r.sym = symbolizer__new(NULL);
	if (!r.sym)
		goto oom;
	tracker = mmap_tracker__new(r.sym, online, nr_cpus, o->all, o->cmd != NULL,
				    o->all || o->tid ? -1 : targets_fd);
	if (!tracker)
		goto cleanup;

	/* Targets: into the BPF filter, and their current maps into the
	 * symbolizer (later changes arrive as side-band records). */
	if (o->cmd) {
		__u32 pid = command__pid(cmd);
		__u8 one = 1;

		bpf_map_update_elem(targets_fd, &pid, &one, BPF_ANY);
		mmap_tracker__track(tracker, pid);
	}
	for (int i = 0; i < o->nr_pids; i++) {
		__u8 one = 1;

		bpf_map_update_elem(targets_fd, &o->pids[i], &one, BPF_ANY);
		mmap_tracker__track(tracker, o->pids[i]);
		symbolizer__scan_pid(r.sym, o->pids[i], symbolizer__now());
	}
	if (o->tid) {
		targets__tgid_of(o->tid, &tgid);
		mmap_tracker__track(tracker, tgid);
		symbolizer__scan_pid(r.sym, tgid, symbolizer__now());
	}
	if (o->all)
		proc_scan__all(r.sym);

	if (o->cmd) {
		fork_link = bpf_program__attach(tskel->progs.on_fork);
		if (!fork_link) {
			p_err("cannot follow the command's child processes: %s", strerror(errno));
			goto cleanup;
		}
	}
	ai.cpus = cpus;
	ai.nr_cpus = nr_cpus;
	ai.cmd_pid = cmd ? command__pid(cmd) : 0;
	for (int i = 0; i < r.nr_coll; i++) {
		if (r.ops[i]->attach(r.coll[i], o, &ai))
			goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_attached);
	clock_gettime(CLOCK_REALTIME, &now);
	r.start_realtime_ns = (__s64)ts_ns(&now);
	p_debug(1, "attached in %.1f ms", elapsed_s(&t_start, &t_attached) * 1e3);

	/* The resource baseline: the targets as they are before they run. */
	if (cmd)
		resources__add_root(res, command__pid(cmd));
	for (int i = 0; i < o->nr_pids; i++)
		resources__add_root(res, o->pids[i]);
	if (o->tid)
		resources__add_root(res, tgid);
	resources__tick(res, ts_ns(&t_attached) / 1e9);

	if (o->cmd) {
		err = command__release(cmd);
		if (err) {
			p_err("cannot run '%s': %s: check the command name and PATH", o->cmd[0],
			      strerror(-err));
			command__reap(cmd, &cmd_status, 1000);
			exit_code = 127;
			goto cleanup;
		}
	}

	/* Record until the duration passes, a signal arrives or the targets
	 * are gone; meanwhile keep up with side-band records. Each wake-up
	 * costs ember CPU: a command's exit interrupts the wait (SIGCHLD),
	 * only -p/-t need polling for their targets' exit. */
	for (;;) {
		int timeout = o->nr_pids || o->tid ? 250 : 1000, due_ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o->duration > 0) {
			double left = o->duration - elapsed_s(&t_attached, &now);

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		if (stop_signal)
			break;
		due_ms = resources__due_ms(res, ts_ns(&now) / 1e9);
		if (due_ms < timeout)
			timeout = due_ms;
		err = mmap_tracker__poll(tracker, timeout);
		clock_gettime(CLOCK_MONOTONIC, &now);
		resources__tick(res, ts_ns(&now) / 1e9);
		if (err < 0 && err != -EINTR)
			p_debug(1, "side-band poll: %s", strerror(-err));
		if (stop_signal)
			break;
		/* its last figures, read from the zombie before it is reaped */
		if (cmd && command__exited(cmd))
			resources__finish(res, ts_ns(&now) / 1e9);
		if (cmd && command__reap(cmd, &cmd_status, 0)) {
			cmd_done = true;
			break;
		}
		if (o->nr_pids) {
			int alive = 0;

			for (int i = 0; i < o->nr_pids; i++)
				alive += targets__alive(o->pids[i], o->pids[i]);
			if (!alive)
				break;
		}
		if (o->tid && !targets__alive(tgid, o->tid))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_stop);
	r.duration_ns = (__s64)(ts_ns(&t_stop) - ts_ns(&t_attached));
	for (int i = 0; i < r.nr_coll; i++)
		r.ops[i]->stop(r.coll[i], ts_ns(&t_stop));
	p_debug(1, "stopped after %.3f s", elapsed_s(&t_attached, &t_stop));
	resources__finish(res, ts_ns(&t_stop) / 1e9);
	bpf_link__destroy(fork_link);
	fork_link = NULL;
	/* Records written before the stop may still sit in the buffers. */
	mmap_tracker__poll(tracker, 0);

	if (make_profiles(&r))
		goto oom;
	for (int i = 0; i < r.nr_coll; i++) {
		err = r.ops[i]->drain(r.coll[i], o, route, &r);
		if (err) {
			p_err("cannot read the %s profile from the kernel: %s", r.ops[i]->name,
			      strerror(-err));
			goto cleanup;
		}
	}
	/* The counters before the outputs: the profiles carry their losses. */
	for (int i = 0; i < r.nr_coll; i++)
		r.ops[i]->read_stats(r.coll[i], bpf_stats);
	resources__stats(res, bpf_stats);
	collector__add_stats(bpf_map__fd(tskel->maps.stats), bpf_stats);
	mmap_tracker__stats(tracker, &ts);
	symbolizer__stats(r.sym, &ss);
	if (set_counters(&r, bpf_stats, &ts))
		goto oom;
	if (write_outputs(&r))
		goto cleanup;
	clock_gettime(CLOCK_MONOTONIC, &t_written);
	p_debug(1, "output written in %.1f ms", elapsed_s(&t_stop, &t_written) * 1e3);

	print_summary(&r, bpf_stats, elapsed_s(&t_attached, &t_stop), &ts);
	if (o->stats) {
		sum_builder_stats(&r, &sbs);
		print_stats(bpf_stats, &sbs, &ts, &ss);
	}
	if (resources__report(res))
		goto cleanup;
	exit_code = 0;

	if (cmd) {
		/* SIGTERM came to ember alone: pass it on. Ctrl-C already
		 * reached the command through the terminal. */
		if (!cmd_done && stop_signal == SIGTERM)
			command__kill(cmd, SIGTERM);
		if (cmd_done || command__reap(cmd, &cmd_status, 2000))
			exit_code = cmd_status;
		else
			exit_code = 128 + (stop_signal ? stop_signal : SIGTERM);
	}
	goto cleanup;
oom:
	p_err("out of memory");
cleanup:
	for (int i = 0; i < r.nr_coll; i++)
		r.ops[i]->free(r.coll[i]);
	resources__free(res);
	bpf_link__destroy(fork_link);
	if (cmd && exit_code != 0 && !cmd_done)
		command__kill(cmd, SIGKILL);
	command__free(cmd);
	for (int e = 0; e < EVENT_MAX; e++) {
		/* removes the temporary file unless committed */
		output_file__free(r.ev[e].file);
		stack_builder__free(r.ev[e].sb);
		profile__free(r.ev[e].prof);
		free(r.ev[e].path);
	}
	mmap_tracker__free(tracker);
	symbolizer__free(r.sym);
	targets_bpf__destroy(tskel);
	free(cpus);
	free(online);
	record_opts__free(o);
	return exit_code;
}
