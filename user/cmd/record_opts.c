// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "collect/collector_config.h"
#include "ember_abi.h"
#include "sys/env_check.h"
#include "lib/log.h"
#include "lib/number.h"
#include "lib/options.h"
#include "cmd/record_opts.h"
#include "collect/targets.h"

enum {
	OPT_USER_ONLY = OPTION_LONG_ONLY,
	OPT_KERNEL_ONLY,
	OPT_PER_PID,
	OPT_STATS,
	OPT_STACK_STORAGE,
	OPT_MAX_STACKS,
	OPT_HELP,
	OPT_MIN_BLOCK,
	OPT_MAX_BLOCK,
	OPT_STATE,
	OPT_INCLUDE_PREEMPTED,
	OPT_MIN_AGE,
	OPT_SAMPLE_BYTES,
	OPT_ALLOC_LIB,
	OPT_MAX_LIVE,
	OPT_INTERVAL,
	OPT_SUMMARY,
	OPT_UNWIND,
	OPT_CALL_GRAPH,
	OPT_UNWIND_MEMORY,
};

static const struct option_spec record_specs[] = {
	{ .help = "Targets (default: the whole machine):" },
	{ 'a', "all-cpus", NULL, "every process on the machine" },
	{ 'p', "pid", "PID[,PID...]", "every thread of these processes; ends when all exit" },
	{ 't', "tid", "TID", "one thread" },
	{ 0, NULL, "-- CMD [ARGS...]",
	  "run CMD and profile it and every process it forks,\n"
	  "from its first instruction; exit with its status" },
	{ .help = "Events (-e cpu by default; several, e.g. -e cpu,offcpu, need -o):" },
	{ 'e', "event", "LIST",
	  "cpu:    on-CPU samples (count = samples)\n"
	  "offcpu: time blocked, by the stack that blocked\n"
	  "        (count = microseconds)\n"
	  "wall:   on-CPU samples and off-CPU time in one\n"
	  "        profile, in microseconds; off-CPU leaves\n"
	  "        end in [off-cpu] (blocked) or [runnable]\n"
	  "alloc:  bytes allocated (malloc, calloc, realloc,\n"
	  "        ..., anonymous mmap) by allocating stack\n"
	  "        (count = bytes)\n"
	  "leak:   bytes still allocated at the end (for\n"
	  "        -- CMD: when it exits) by allocating stack\n"
	  "with -o FILE.EXT, event E goes to FILE.E.EXT" },
	{ OPT_MIN_BLOCK, "min-block", "USEC", "off-CPU: leave out shorter blocks" },
	{ OPT_MAX_BLOCK, "max-block", "USEC", "off-CPU: leave out longer blocks" },
	{ OPT_STATE, "state", "STATE",
	  "off-CPU: interruptible (S), uninterruptible (D) or\n"
	  "both (default)" },
	{ OPT_INCLUDE_PREEMPTED, "include-preempted", NULL,
	  "off-CPU: also time spent runnable after preemption" },
	{ OPT_MIN_AGE, "min-age", "SECONDS",
	  "leak: leave out blocks younger than this at the end" },
	{ OPT_SAMPLE_BYTES, "sample-bytes", "N",
	  "alloc, leak: take about one allocation per N bytes\n"
	  "(every one of N bytes or more); totals are then\n"
	  "estimates, and say so" },
	{ OPT_ALLOC_LIB, "alloc-lib", "PATH",
	  "alloc, leak: also probe this allocator library\n"
	  "(jemalloc, tcmalloc...); may be repeated" },
	{ OPT_MAX_LIVE, "max-live", "N",
	  "leak: live blocks the kernel can track (default\n"
	  "1048576)" },
	{ .help = "Options:" },
	{ 'F', "freq", "HZ", "samples per second per CPU (default 99)" },
	{ 'd', "duration", "SECONDS",
	  "stop after this long (default: Ctrl-C, SIGTERM or\n"
	  "the targets' exit)" },
	{ 'o', "output", "FILE", "write here (default: stdout)" },
	{ 'f', "format", "FORMAT",
	  "folded, svg (flame graph), pprof (gzip profile.proto,\n"
	  "for go tool pprof, Pyroscope, speedscope) or json;\n"
	  "default: from the -o extension (.folded .txt .svg\n"
	  ".pb.gz .pb .pprof .json), else folded" },
	{ 'C', "cpu", "CPUS", "sample only these CPUs, e.g. 0,2-3" },
	{ OPT_UNWIND, "unwind", "MODE",
	  "how user stacks are walked: auto (default: by the\n"
	  "files' .eh_frame tables, so code without frame\n"
	  "pointers unwinds completely; frame pointers if the\n"
	  "tables cannot be set up), cfi (the tables, or\n"
	  "fail) or fp (frame pointers only)" },
	{ OPT_CALL_GRAPH, "call-graph", "MODE", "perf's spelling: fp, or dwarf (--unwind cfi)" },
	{ OPT_UNWIND_MEMORY, "unwind-memory", "MB",
	  "memory for the unwind tables (default 64); files\n"
	  "past it are walked as far as their caller, counted" },
	{ OPT_USER_ONLY, "user-only", NULL, "user stacks only" },
	{ OPT_KERNEL_ONLY, "kernel-only", NULL, "sample only kernel code, kernel stacks only" },
	{ OPT_PER_PID, "per-pid", NULL, "root frame is name-PID instead of name" },
	{ OPT_INTERVAL, "interval", "SECONDS",
	  "resource summary: /proc sampled this often (default 1)" },
	{ OPT_SUMMARY, "summary", "FILE", "write the resource time series and summary as JSON" },
	{ 'q', "quiet", NULL, "no resource summary on stderr" },
	{ OPT_STATS, "stats", NULL, "print every drop and error counter" },
	{ OPT_STACK_STORAGE, "stack-storage", "N",
	  "unique stacks the kernel can hold, per event\n"
	  "(default 4096 per CPU, 8192 to 65536)" },
	{ OPT_MAX_STACKS, "max-stacks", "N",
	  "unique (process, stacks) pairs, per event (same default)" },
	{ 'v', "verbose", NULL, "more detail (-vv: libbpf debug output)" },
	{ OPT_HELP, "help", NULL, "this text" },
	{},
};

static int record_handle(const struct options *cmd, int key, const char *arg, void *ctx);

static const struct options record_options = {
	.cmd = "record",
	.usage = "[OPTIONS] [-- CMD [ARGS...]]",
	.doc = "Profile processes, a thread, a command or the whole machine: where they run\n"
	       "on CPU, where they wait off CPU, or both as wall-clock time; written as folded\n"
	       "stacks (flame-graph input), a flame graph, pprof or JSON.\n",
	.footer = "Examples:\n"
		  "  ember record -d 10 -o cpu.folded           whole machine for 10 s\n"
		  "  ember record -p 1234 -F 999 -o app.folded  a running process\n"
		  "  ember record -o run.folded -- ./myprog     a command, start to finish\n"
		  "  ember record -e offcpu -p 1234 -d 30 -o wait.folded   where it blocks\n"
		  "  ember record -e cpu,wall -o prof.folded -- ./myprog   prof.cpu.folded and\n"
		  "                                                        prof.wall.folded\n"
		  "  ember record -e leak -p 1234 -d 60 --min-age 10 -o leaks.folded\n"
		  "  ember record -e cpu,alloc -o prof.pb.gz -- ./myprog   prof.cpu.pb.gz and\n"
		  "                                                        prof.alloc.pb.gz\n",
	.specs = record_specs,
	/* CMD's own options after -- or after CMD stay its */
	.in_order = true,
	.handle = record_handle,
};

/* "cpu,offcpu": a bit per event; each name at most once. */
static int parse_events(const char *arg, unsigned int *events)
{
	const char *p = arg;

	*events = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int e;

		for (e = 0; e < EVENT_MAX; e++) {
			if (strlen(event__name(e)) == len && !strncmp(p, event__name(e), len))
				break;
		}
		if (e == EVENT_MAX || (*events & (1u << e)))
			break;
		*events |= 1u << e;
		p += len;
		if (*p == ',' && *++p == '\0')
			break; /* trailing comma */
	}
	if (*p || !*events || p[-1] == ',') {
		p_err("bad event list '%s': give -e with cpu, offcpu, wall, alloc, leak, "
		      "comma-separated, each once",
		      arg);
		return -EINVAL;
	}
	return 0;
}

void record_opts__defaults(struct record_opts *o)
{
	struct collector_config cc;

	collector_config__defaults(&cc);
	memset(o, 0, sizeof(*o));
	o->events = 1u << EVENT_CPU;
	o->freq = cc.cpu.freq;
	o->state_mask = cc.offcpu.state_mask;
	o->stack_storage = cc.scope.stack_storage;
	o->max_entries = cc.scope.max_entries;
	o->max_live = cc.alloc.max_live;
	o->interval = 1.0;
	o->unwind = UNWIND_AUTO;
	o->unwind_memory_mb = UNWIND_MEMORY_DEFAULT_MB;
}

struct record_parse {
	struct record_opts *o;
	bool format_given;
};

static int record_handle(const struct options *cmd, int key, const char *arg, void *ctx)
{
	struct record_parse *rp = ctx;
	struct record_opts *o = rp->o;
	unsigned int max_rate;
	unsigned long v;

	switch (key) {
	case 'a':
		o->all = true;
		break;
	case 'p':
		free(o->pids);
		o->nr_pids = targets__parse_pids(arg, &o->pids);
		if (o->nr_pids <= 0)
			return options__error(cmd, "bad PID list '%s': give PID[,PID...]", arg);
		break;
	case 't':
		if (number__ulong(arg, 1, 0x3fffffff, &v))
			return options__error(cmd, "bad thread id '%s'", arg);
		o->tid = v;
		break;
	case 'F':
		max_rate = env_check__max_sample_rate();
		if (number__ulong(arg, 1, UINT_MAX, &v)) {
			p_err("bad frequency '%s': give -F HZ, a whole number from 1 to %u", arg,
			      max_rate);
			return -EINVAL;
		}
		if (v > max_rate) {
			p_err(
			    "frequency %lu Hz is above kernel.perf_event_max_sample_rate (%u): use "
			    "a lower -F or raise the sysctl",
			    v, max_rate);
			return -EINVAL;
		}
		o->freq = v;
		break;
	case 'd':
		if (number__double(arg, 0, DBL_MAX, &o->duration) || o->duration == 0)
			return options__error(
			    cmd, "bad duration '%s': give -d SECONDS, a positive number", arg);
		break;
	case 'o':
		if (!*arg)
			return options__error(cmd, "empty output file name");
		o->output = arg;
		break;
	case 'f':
		if (output_format__parse(arg, &o->format))
			return -EINVAL;
		rp->format_given = true;
		break;
	case 'C':
		o->cpu_list = arg;
		break;
	case 'e':
		return parse_events(arg, &o->events);
	case OPT_MIN_BLOCK:
	case OPT_MAX_BLOCK:
		if (number__ulong(arg, 0, ULONG_MAX / 1000, &v))
			return options__error(
			    cmd, "bad block time '%s': give microseconds, a whole number", arg);
		if (key == OPT_MIN_BLOCK)
			o->min_block_us = v;
		else
			o->max_block_us = v;
		break;
	case OPT_STATE:
		if (!strcmp(arg, "interruptible") || !strcmp(arg, "S"))
			o->state_mask = EMBER_STATE_INTERRUPTIBLE;
		else if (!strcmp(arg, "uninterruptible") || !strcmp(arg, "D"))
			o->state_mask = EMBER_STATE_UNINTERRUPTIBLE;
		else if (!strcmp(arg, "both"))
			o->state_mask = EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE;
		else
			return options__error(
			    cmd, "bad --state '%s': give interruptible, uninterruptible or both",
			    arg);
		break;
	case OPT_INCLUDE_PREEMPTED:
		o->include_preempted = true;
		break;
	case OPT_MIN_AGE:
		if (number__double(arg, 0, DBL_MAX, &o->min_age))
			return options__error(
			    cmd, "bad --min-age '%s': give SECONDS, a number 0 or more", arg);
		break;
	case OPT_SAMPLE_BYTES:
		if (number__ulong(arg, 1, 1ul << 40, &v))
			return options__error(
			    cmd, "bad --sample-bytes '%s': give a number of bytes from 1 to 2^40",
			    arg);
		o->sample_bytes = v;
		break;
	case OPT_ALLOC_LIB: {
		const char **n = realloc(o->alloc_libs, (o->nr_alloc_libs + 1) * sizeof(*n));

		if (!n)
			return options__error(cmd, "out of memory");
		o->alloc_libs = n;
		o->alloc_libs[o->nr_alloc_libs++] = arg;
		break;
	}
	case OPT_MAX_LIVE:
		if (number__ulong(arg, 64, 1u << 26, &v))
			return options__error(
			    cmd, "bad --max-live '%s': give a number from 64 to 67108864", arg);
		o->max_live = v;
		break;
	case OPT_INTERVAL:
		if (number__double(arg, 0.05, 3600, &o->interval))
			return options__error(
			    cmd, "bad --interval '%s': give SECONDS from 0.05 to 3600", arg);
		break;
	case OPT_SUMMARY:
		if (!*arg)
			return options__error(cmd, "empty --summary file name");
		o->summary_path = arg;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'v':
		log__set_verbosity(log__verbosity() + 1);
		break;
	case OPT_USER_ONLY:
		o->user_only = true;
		break;
	case OPT_KERNEL_ONLY:
		o->kernel_only = true;
		break;
	case OPT_PER_PID:
		o->per_pid = true;
		break;
	case OPT_STATS:
		o->stats = true;
		break;
	case OPT_STACK_STORAGE:
	case OPT_MAX_STACKS:
		if (number__ulong(arg, 64, 1u << 24, &v))
			return options__error(
			    cmd, "bad map size '%s': give a number from 64 to 16777216", arg);
		if (key == OPT_STACK_STORAGE)
			o->stack_storage = v;
		else
			o->max_entries = v;
		break;
	case OPT_UNWIND:
		if (!strcmp(arg, "auto"))
			o->unwind = UNWIND_AUTO;
		else if (!strcmp(arg, "cfi"))
			o->unwind = UNWIND_CFI;
		else if (!strcmp(arg, "fp"))
			o->unwind = UNWIND_FP;
		else
			return options__error(cmd, "bad --unwind '%s': give auto, cfi or fp", arg);
		break;
	case OPT_CALL_GRAPH:
		/* perf's "dwarf[,SIZE]" and "fp"; the tables need no size */
		if (!strcmp(arg, "fp"))
			o->unwind = UNWIND_FP;
		else if (!strncmp(arg, "dwarf", 5) && (!arg[5] || arg[5] == ','))
			o->unwind = UNWIND_CFI;
		else
			return options__error(cmd, "bad --call-graph '%s': give fp or dwarf", arg);
		break;
	case OPT_UNWIND_MEMORY:
		if (number__ulong(arg, 1, 1u << 16, &v))
			return options__error(
			    cmd, "bad --unwind-memory '%s': give megabytes from 1 to 65536", arg);
		o->unwind_memory_mb = v;
		break;
	case OPT_HELP:
		return OPTIONS_HELP;
	}
	return 0;
}

/* What no single option can check: targets, events and outputs together. */
static int check(const struct options *cmd, struct record_opts *o)
{
	struct stat st;

	if (o->user_only && o->kernel_only)
		return options__error(cmd, "--user-only and --kernel-only exclude each other");
	if ((o->nr_pids > 0) + (o->tid > 0) + (o->cmd != NULL) + o->all > 1)
		return options__error(cmd, "choose one target: -a, -p, -t or -- CMD");
	if (!o->nr_pids && !o->tid && !o->cmd)
		o->all = true;
	if (!o->events)
		o->events = 1u << EVENT_CPU;
	if (o->max_block_us && o->min_block_us > o->max_block_us)
		return options__error(cmd, "--min-block is above --max-block");
	if (record_opts__allocs(o) && o->kernel_only)
		return options__error(
		    cmd, "alloc and leak profiles have user stacks only: drop --kernel-only");
	if (!record_opts__allocs(o) && (o->sample_bytes || o->nr_alloc_libs || o->min_age > 0))
		return options__error(
		    cmd, "--sample-bytes, --alloc-lib and --min-age are for -e alloc or -e leak");
	if ((o->events & (o->events - 1)) && (!o->output || !strcmp(o->output, "-")))
		return options__error(cmd,
				      "several events need -o FILE (each event gets FILE.EVENT)");
	/* FILE.EVENT beside a device or FIFO (-o /dev/null) would create
	 * regular files in /dev: refuse rather than guess */
	if ((o->events & (o->events - 1)) && !stat(o->output, &st) && !S_ISREG(st.st_mode))
		return options__error(
		    cmd,
		    "several events write FILE.EVENT beside -o FILE, and %s is not "
		    "a regular file: give a file path",
		    o->output);
	return 0;
}

int record_opts__parse(int argc, char **argv, struct record_opts *o)
{
	struct record_parse rp = { .o = o };
	int err, first;

	record_opts__defaults(o);
	err = options__parse(&record_options, argc, argv, &rp, &first);
	if (err)
		return err;
	if (first < argc) {
		/* getopt stops at "--" (consumed) or at the first non-option */
		if (strcmp(argv[first - 1], "--") != 0)
			return options__error(&record_options,
					      "unexpected argument '%s': put a command after --",
					      argv[first]);
		o->cmd = &argv[first];
	}
	if (!rp.format_given)
		o->format = output_format__from_path(o->output);
	return check(&record_options, o);
}

void record_opts__free(struct record_opts *o)
{
	free(o->pids);
	o->pids = NULL;
	free(o->alloc_libs);
	o->alloc_libs = NULL;
}

char *record_opts__event_path(const char *path, const char *event, bool several)
{
	const char *slash, *dot, *base;
	char *p;

	if (!path || !strcmp(path, "-"))
		return NULL;
	if (!several)
		return strdup(path);
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dot = strrchr(base, '.');
	/* "prof.pb.gz": the event goes before the extension ".pb", not ".gz" */
	if (dot && dot > base && !strcmp(dot, ".gz")) {
		const char *prev = dot;

		while (prev > base && prev[-1] != '.')
			prev--;
		if (prev > base + 1)
			dot = prev - 1;
	}
	/* no extension, or a dot file like ".folded": append */
	if (!dot || dot == base)
		return asprintf(&p, "%s.%s", path, event) < 0 ? NULL : p;
	return asprintf(&p, "%.*s.%s%s", (int)(dot - path), path, event, dot) < 0 ? NULL : p;
}
