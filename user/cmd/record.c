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
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "sys/cpus.h"
#include "ember_abi.h"
#include "sys/env_check.h"
#include "format/flamegraph.h"
#include "format/folded.h"
#include "lib/log.h"
#include "symbolize/mmap_tracker.h"
#include "lib/options.h"
#include "lib/output_file.h"
#include "format/output_format.h"
#include "format/pprof.h"
#include "profile/profile.h"
#include "format/profile_json.h"
#include "cmd/record.h"
#include "cmd/record_opts.h"
#include "cmd/record_summary.h"
#include "collect/resources.h"
#include "collect/session.h"
#include "stack/stack_builder.h"
#include "symbolize/symbolizer.h"
#include "collect/targets.h"
#include "sys/procfs.h"

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
	struct session *s;
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

/* The collectors' configuration: what the options say of each. */
static void collector_config_of(const struct record_opts *o, struct collector_config *cc)
{
	*cc = (struct collector_config){
		.scope = { .tid = o->tid,
			   .all = o->all,
			   .pids = o->pids,
			   .nr_pids = o->nr_pids,
			   .cmd = o->cmd ? o->cmd[0] : NULL,
			   .user_only = o->user_only,
			   .kernel_only = o->kernel_only,
			   .stack_storage = o->stack_storage,
			   .max_entries = o->max_entries },
		.cpu = { .freq = o->freq },
		/* the wall view counts runnable time too; the off-CPU view
		 * only when asked */
		.offcpu = { .state_mask = o->state_mask,
			    .record_preempted =
				o->include_preempted || record_opts__has(o, EVENT_WALL),
			    .min_block_us = o->min_block_us,
			    .max_block_us = o->max_block_us },
		.alloc = { .count_allocs = record_opts__has(o, EVENT_ALLOC),
			   .track_live = record_opts__has(o, EVENT_LEAK),
			   .sample_bytes = o->sample_bytes,
			   .min_age = o->min_age,
			   .max_live = o->max_live,
			   .libs = o->alloc_libs,
			   .nr_libs = o->nr_alloc_libs },
	};
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
	if (raw_stack__has(&rs, RAW_FRAME_USER))
		symbolizer__ensure(session__symbolizer(r->s), rs.tgid, rs.start_time,
				   symbolizer__now());
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

/* What a collector says of itself, or "?" if it did not run. */
static const char *describe(const struct record *r, const struct collector_ops *ops)
{
	for (int i = 0; i < session__nr_collectors(r->s); i++) {
		struct collector *c = session__collector(r->s, i);

		if (c->ops == ops)
			return collector__describe(c);
	}
	return "?";
}

/* Everything the summary lines, --stats and the profiles' loss counters
 * are made of, read once after the drain. */
static void read_summary(const struct record *r, struct record_summary *s,
			 const struct mmap_tracker *tracker, double secs)
{
	static const struct collector_ops *const by_event[EVENT_MAX] = {
		[EVENT_CPU] = &cpu_collector_ops,    [EVENT_OFFCPU] = &offcpu_collector_ops,
		[EVENT_WALL] = &cpu_collector_ops,   [EVENT_ALLOC] = &alloc_collector_ops,
		[EVENT_LEAK] = &alloc_collector_ops,
	};

	for (int i = 0; i < session__nr_collectors(r->s); i++) {
		collector__read_stats(session__collector(r->s, i), s->bpf);
		collector__leak_stats(session__collector(r->s, i), &s->ls);
	}
	for (int e = 0; e < EVENT_MAX; e++) {
		if (!r->ev[e].on)
			continue;
		s->ev[e].prof = r->ev[e].prof;
		stack_builder__stats(r->ev[e].sb, &s->ev[e].sb);
		s->ev[e].desc = describe(r, by_event[e]);
	}
	mmap_tracker__stats(tracker, &s->ts);
	symbolizer__stats(session__symbolizer(r->s), &s->ss);
	s->secs = secs;
	s->freq = r->o.freq;
	s->sample_bytes = r->o.sample_bytes;
	s->cpu_samples = r->cpu_samples;
	s->offcpu_ns = r->offcpu_ns;
	s->offcpu_intervals = r->offcpu_intervals;
	s->runnable_ns = r->runnable_ns;
	s->oldest_leak_ns = r->oldest_leak_ns;
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
		ev->sb =
		    ev->prof ? stack_builder__new(ev->prof, session__symbolizer(r->s), &sbo) : NULL;
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

/* SVG flame graphs: the lead connects flamegraph__write (user/format/flamegraph.h)
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
	struct command *cmd = NULL;
	struct timespec t_start, t_attached, t_stop, t_written, now;
	struct record_summary summary = {};
	struct sigaction sa = {};
	struct attach_info ai = {};
	struct collector_config cc;
	const struct collector_ops *kinds[3];
	int nr_kinds = 0;
	struct resources *res = NULL;
	bool *cpus = NULL, *online = NULL;
	int nr_cpus, err, exit_code = 1, cmd_status = 0;
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
	res = resources__new(&(struct resources_config){ .all = o->all,
							 .interval = o->interval,
							 .summary_path = o->summary_path,
							 .quiet = o->quiet });
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

	r.s = session__new(&(struct session_scope){
	    .cpus = online,
	    .nr_cpus = nr_cpus,
	    .all = o->all,
	    .follow_forks = o->cmd != NULL,
	    /* -p and -- CMD: what the fork hook adds to the filter too */
	    .tracker_reads_filter = !o->all && !o->tid,
	    .unwind = o->unwind,
	    .unwind_memory = (__u64)o->unwind_memory_mb << 20,
	    .tid = o->tid,
	});
	if (!r.s)
		goto cleanup;
	collector_config_of(o, &cc);
	if (record_opts__has(o, EVENT_CPU) || record_opts__has(o, EVENT_WALL))
		kinds[nr_kinds++] = &cpu_collector_ops;
	if (record_opts__has(o, EVENT_OFFCPU) || record_opts__has(o, EVENT_WALL))
		kinds[nr_kinds++] = &offcpu_collector_ops;
	if (record_opts__allocs(o))
		kinds[nr_kinds++] = &alloc_collector_ops;
	for (int i = 0; i < nr_kinds; i++) {
		if (!session__add_collector(r.s, kinds[i], &cc)) {
			p_err("cannot load the %s BPF programs: %s: run with -v for libbpf's and "
			      "the verifier's messages",
			      kinds[i]->name, strerror(errno));
			goto cleanup;
		}
	}

	/* Targets: into the BPF filter, and their current maps into the
	 * symbolizer (later changes arrive as side-band records; a command's
	 * with its exec). */
	if (o->cmd) {
		session__add_target(r.s, command__pid(cmd), SESSION_FILTER);
		session__prebuild(r.s, o->cmd[0]);
	}
	for (int i = 0; i < o->nr_pids; i++)
		session__add_target(r.s, o->pids[i], SESSION_FILTER | SESSION_SCAN);
	if (o->tid) {
		targets__tgid_of(o->tid, &tgid);
		session__add_target(r.s, tgid, SESSION_SCAN);
	}
	ai.cpus = cpus;
	ai.nr_cpus = nr_cpus;
	ai.cmd_pid = cmd ? command__pid(cmd) : 0;
	if (session__start(r.s, &ai))
		goto cleanup;
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
		err = mmap_tracker__poll(session__tracker(r.s), timeout);
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
				alive += procfs__alive(o->pids[i], o->pids[i]);
			if (!alive)
				break;
		}
		if (o->tid && !procfs__alive(tgid, o->tid))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_stop);
	r.duration_ns = (__s64)(ts_ns(&t_stop) - ts_ns(&t_attached));
	session__stop(r.s, ts_ns(&t_stop));
	p_debug(1, "stopped after %.3f s", elapsed_s(&t_attached, &t_stop));
	resources__finish(res, ts_ns(&t_stop) / 1e9);

	if (make_profiles(&r))
		goto oom;
	for (int i = 0; i < session__nr_collectors(r.s); i++) {
		struct collector *c = session__collector(r.s, i);

		err = collector__drain(c, route, &r);
		if (err) {
			p_err("cannot read the %s profile from the kernel: %s", collector__name(c),
			      strerror(-err));
			goto cleanup;
		}
	}
	/* The counters before the outputs: the profiles carry their losses. */
	read_summary(&r, &summary, session__tracker(r.s), elapsed_s(&t_attached, &t_stop));
	resources__stats(res, summary.bpf);
	session__read_stats(r.s, summary.bpf);
	if (record_summary__set_counters(&summary))
		goto oom;
	if (write_outputs(&r))
		goto cleanup;
	clock_gettime(CLOCK_MONOTONIC, &t_written);
	p_debug(1, "output written in %.1f ms", elapsed_s(&t_stop, &t_written) * 1e3);

	record_summary__print(&summary);
	if (o->stats)
		record_summary__print_stats(&summary, stderr);
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
	resources__free(res);
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
	session__free(r.s);
	free(cpus);
	free(online);
	record_opts__free(o);
	return exit_code;
}
