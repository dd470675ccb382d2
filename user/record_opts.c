// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "ember_abi.h"
#include "env_check.h"
#include "log.h"
#include "record_opts.h"
#include "targets.h"

static const char *const event_names[EVENT_MAX] = {
	[EVENT_CPU] = "cpu",	 [EVENT_OFFCPU] = "offcpu", [EVENT_WALL] = "wall",
	[EVENT_ALLOC] = "alloc", [EVENT_LEAK] = "leak",
};

const char *event__name(enum ember_event e)
{
	return e < EVENT_MAX ? event_names[e] : "?";
}

enum {
	OPT_USER_ONLY = 256,
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
};

static const struct option long_opts[] = {
	{ "all-cpus", no_argument, NULL, 'a' },
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, 't' },
	{ "freq", required_argument, NULL, 'F' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "cpu", required_argument, NULL, 'C' },
	{ "user-only", no_argument, NULL, OPT_USER_ONLY },
	{ "kernel-only", no_argument, NULL, OPT_KERNEL_ONLY },
	{ "per-pid", no_argument, NULL, OPT_PER_PID },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "stack-storage", required_argument, NULL, OPT_STACK_STORAGE },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ "event", required_argument, NULL, 'e' },
	{ "min-block", required_argument, NULL, OPT_MIN_BLOCK },
	{ "max-block", required_argument, NULL, OPT_MAX_BLOCK },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "include-preempted", no_argument, NULL, OPT_INCLUDE_PREEMPTED },
	{ "min-age", required_argument, NULL, OPT_MIN_AGE },
	{ "sample-bytes", required_argument, NULL, OPT_SAMPLE_BYTES },
	{ "alloc-lib", required_argument, NULL, OPT_ALLOC_LIB },
	{ "max-live", required_argument, NULL, OPT_MAX_LIVE },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "summary", required_argument, NULL, OPT_SUMMARY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void record__usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: ember record [OPTIONS] [-- CMD [ARGS...]]\n"
	    "\n"
	    "Profile processes, a thread, a command or the whole machine: where they run\n"
	    "on CPU, where they wait off CPU, or both as wall-clock time; written as folded\n"
	    "stacks (flame-graph input), a flame graph, pprof or JSON.\n"
	    "\n"
	    "Targets (default: the whole machine):\n"
	    "  -a, --all-cpus          every process on the machine\n"
	    "  -p, --pid PID[,PID...]  every thread of these processes; ends when all exit\n"
	    "  -t, --tid TID           one thread\n"
	    "  -- CMD [ARGS...]        run CMD and profile it and every process it forks,\n"
	    "                          from its first instruction; exit with its status\n"
	    "\n"
	    "Events (-e cpu by default; several, e.g. -e cpu,offcpu, need -o):\n"
	    "  -e, --event LIST        cpu:    on-CPU samples (count = samples)\n"
	    "                          offcpu: time blocked, by the stack that blocked\n"
	    "                                  (count = microseconds)\n"
	    "                          wall:   on-CPU samples and off-CPU time in one\n"
	    "                                  profile, in microseconds; off-CPU leaves\n"
	    "                                  end in [off-cpu] (blocked) or [runnable]\n"
	    "                          with -o FILE.EXT, event E goes to FILE.E.EXT\n"
	    "      --min-block USEC    off-CPU: leave out shorter blocks\n"
	    "      --max-block USEC    off-CPU: leave out longer blocks\n"
	    "      --state STATE       off-CPU: interruptible (S), uninterruptible (D) or\n"
	    "                          both (default)\n"
	    "      --include-preempted off-CPU: also time spent runnable after preemption\n"
	    "                          alloc:  bytes allocated (malloc, calloc, realloc,\n"
	    "                                  ..., anonymous mmap) by allocating stack\n"
	    "                                  (count = bytes)\n"
	    "                          leak:   bytes still allocated at the end (for\n"
	    "                                  -- CMD: when it exits) by allocating stack\n"
	    "      --min-age SECONDS   leak: leave out blocks younger than this at the end\n"
	    "      --sample-bytes N    alloc, leak: take about one allocation per N bytes\n"
	    "                          (every one of N bytes or more); totals are then\n"
	    "                          estimates, and say so\n"
	    "      --alloc-lib PATH    alloc, leak: also probe this allocator library\n"
	    "                          (jemalloc, tcmalloc...); may be repeated\n"
	    "      --max-live N        leak: live blocks the kernel can track (default\n"
	    "                          1048576)\n"
	    "\n"
	    "Options:\n"
	    "  -F, --freq HZ           samples per second per CPU (default 99)\n"
	    "  -d, --duration SECONDS  stop after this long (default: Ctrl-C, SIGTERM or\n"
	    "                          the targets' exit)\n"
	    "  -o, --output FILE       write here (default: stdout)\n"
	    "  -f, --format FORMAT     folded, svg (flame graph), pprof (gzip profile.proto,\n"
	    "                          for go tool pprof, Pyroscope, speedscope) or json;\n"
	    "                          default: from the -o extension (.folded .txt .svg\n"
	    "                          .pb.gz .pb .pprof .json), else folded\n"
	    "  -C, --cpu CPUS          sample only these CPUs, e.g. 0,2-3\n"
	    "      --user-only         user stacks only\n"
	    "      --kernel-only       sample only kernel code, kernel stacks only\n"
	    "      --per-pid           root frame is name-PID instead of name\n"
	    "      --interval SECONDS  resource summary: /proc sampled this often (default 1)\n"
	    "      --summary FILE      write the resource time series and summary as JSON\n"
	    "  -q, --quiet             no resource summary on stderr\n"
	    "      --stats             print every drop and error counter\n"
	    "      --stack-storage N   unique stacks the kernel can hold, per event\n"
	    "                          (default 4096 per CPU, 8192 to 65536)\n"
	    "      --max-stacks N      unique (process, stacks) pairs, per event (same default)\n"
	    "  -v, --verbose           more detail (-vv: libbpf debug output)\n"
	    "      --help              this text\n"
	    "\n"
	    "Examples:\n"
	    "  ember record -d 10 -o cpu.folded           whole machine for 10 s\n"
	    "  ember record -p 1234 -F 999 -o app.folded  a running process\n"
	    "  ember record -o run.folded -- ./myprog     a command, start to finish\n"
	    "  ember record -e offcpu -p 1234 -d 30 -o wait.folded   where it blocks\n"
	    "  ember record -e cpu,wall -o prof.folded -- ./myprog   prof.cpu.folded and\n"
	    "                                                        prof.wall.folded\n"
	    "  ember record -e leak -p 1234 -d 60 --min-age 10 -o leaks.folded\n"
	    "  ember record -e cpu,alloc -o prof.pb.gz -- ./myprog   prof.cpu.pb.gz and\n"
	    "                                                        prof.alloc.pb.gz\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ember: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": see 'ember record --help'\n");
	return -EINVAL;
}

static unsigned int default_capacity(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF) * 4096L;

	return n < 8192 ? 8192 : n > 65536 ? 65536 : n;
}

/* "cpu,offcpu": a bit per event; each name at most once. */
static int parse_events(const char *arg, unsigned int *events)
{
	const char *p = arg;

	*events = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int e;

		for (e = 0; e < EVENT_MAX; e++) {
			if (strlen(event_names[e]) == len && !strncmp(p, event_names[e], len))
				break;
		}
		if (e == EVENT_MAX || (*events & (1u << e))) {
			fprintf(stderr,
				"ember: error: bad event list '%s': give -e with cpu, offcpu, "
				"wall, alloc, leak, comma-separated, each once\n",
				arg);
			return -EINVAL;
		}
		*events |= 1u << e;
		p += len;
		if (*p == ',' && *++p == '\0')
			break; /* trailing comma */
	}
	if (!*events || p[-1] == ',') {
		fprintf(stderr,
			"ember: error: bad event list '%s': give -e with cpu, offcpu, wall, "
			"alloc, leak, comma-separated, each once\n",
			arg);
		return -EINVAL;
	}
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

void record_opts__defaults(struct record_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->events = 1u << EVENT_CPU;
	o->freq = 99;
	o->state_mask = EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE;
	/* Unique stacks grow with the samples taken, so with the CPUs:
	 * 4096 a CPU (4 MB of kernel memory each), 8192 to 65536. */
	o->stack_storage = default_capacity();
	o->max_entries = default_capacity();
	o->max_live = 1u << 20;
	o->interval = 1.0;
}

int record_opts__parse(int argc, char **argv, struct record_opts *o)
{
	unsigned int max_rate = env_check__max_sample_rate();
	unsigned long v;
	char *end;
	bool format_given = false;
	struct stat st;
	int c;

	record_opts__defaults(o);
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so CMD's own options stay its;
	 * ':': a missing value is reported as such, not as an unknown option. */
	while ((c = getopt_long(argc, argv, "+:ap:t:F:d:o:f:C:e:vq", long_opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = true;
			break;
		case 'p':
			free(o->pids);
			o->nr_pids = targets__parse_pids(optarg, &o->pids);
			if (o->nr_pids <= 0)
				return usage_error("bad PID list '%s': give PID[,PID...]", optarg);
			break;
		case 't':
			if (parse_uint(optarg, 0x3fffffff, &v) || !v)
				return usage_error("bad thread id '%s'", optarg);
			o->tid = v;
			break;
		case 'F':
			if (parse_uint(optarg, UINT_MAX, &v) || v == 0) {
				fprintf(stderr,
					"ember: error: bad frequency '%s': give -F HZ, a whole "
					"number from 1 to %u\n",
					optarg, max_rate);
				return -EINVAL;
			}
			if (v > max_rate) {
				fprintf(stderr,
					"ember: error: frequency %lu Hz is above "
					"kernel.perf_event_max_sample_rate (%u): use a lower -F or "
					"raise the sysctl\n",
					v, max_rate);
				return -EINVAL;
			}
			o->freq = v;
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->duration > 0) ||
			    !isfinite(o->duration))
				return usage_error(
				    "bad duration '%s': give -d SECONDS, a positive number",
				    optarg);
			break;
		case 'o':
			if (!*optarg)
				return usage_error("empty output file name%s", "");
			o->output = optarg;
			break;
		case 'f':
			if (output_format__parse(optarg, &o->format))
				return -EINVAL;
			format_given = true;
			break;
		case 'C':
			o->cpu_list = optarg;
			break;
		case 'e':
			if (parse_events(optarg, &o->events))
				return -EINVAL;
			break;
		case OPT_MIN_BLOCK:
		case OPT_MAX_BLOCK:
			if (parse_uint(optarg, ULONG_MAX / 1000, &v))
				return usage_error(
				    "bad block time '%s': give microseconds, a whole number",
				    optarg);
			if (c == OPT_MIN_BLOCK)
				o->min_block_us = v;
			else
				o->max_block_us = v;
			break;
		case OPT_STATE:
			if (!strcmp(optarg, "interruptible") || !strcmp(optarg, "S"))
				o->state_mask = EMBER_STATE_INTERRUPTIBLE;
			else if (!strcmp(optarg, "uninterruptible") || !strcmp(optarg, "D"))
				o->state_mask = EMBER_STATE_UNINTERRUPTIBLE;
			else if (!strcmp(optarg, "both"))
				o->state_mask =
				    EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE;
			else
				return usage_error(
				    "bad --state '%s': give interruptible, uninterruptible or both",
				    optarg);
			break;
		case OPT_INCLUDE_PREEMPTED:
			o->include_preempted = true;
			break;
		case OPT_MIN_AGE:
			errno = 0;
			o->min_age = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->min_age >= 0) ||
			    !isfinite(o->min_age))
				return usage_error(
				    "bad --min-age '%s': give SECONDS, a number 0 or more", optarg);
			break;
		case OPT_SAMPLE_BYTES:
			if (parse_uint(optarg, 1ul << 40, &v) || !v)
				return usage_error(
				    "bad --sample-bytes '%s': give a number of bytes "
				    "from 1 to 2^40",
				    optarg);
			o->sample_bytes = v;
			break;
		case OPT_ALLOC_LIB: {
			const char **n =
			    realloc(o->alloc_libs, (o->nr_alloc_libs + 1) * sizeof(*n));

			if (!n)
				return usage_error("out of memory%s", "");
			o->alloc_libs = n;
			o->alloc_libs[o->nr_alloc_libs++] = optarg;
			break;
		}
		case OPT_MAX_LIVE:
			if (parse_uint(optarg, 1u << 26, &v) || v < 64)
				return usage_error(
				    "bad --max-live '%s': give a number from 64 to 67108864",
				    optarg);
			o->max_live = v;
			break;
		case OPT_INTERVAL:
			errno = 0;
			o->interval = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(o->interval >= 0.05) ||
			    !(o->interval <= 3600))
				return usage_error(
				    "bad --interval '%s': give SECONDS from 0.05 to 3600", optarg);
			break;
		case OPT_SUMMARY:
			if (!*optarg)
				return usage_error("empty --summary file name%s", "");
			o->summary_path = optarg;
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
			if (parse_uint(optarg, 1u << 24, &v) || v < 64)
				return usage_error(
				    "bad map size '%s': give a number from 64 to 16777216", optarg);
			if (c == OPT_STACK_STORAGE)
				o->stack_storage = v;
			else
				o->max_entries = v;
			break;
		case OPT_HELP:
			record__usage(stdout);
			exit(0);
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt && optopt < 256) {
				char s[3] = { '-', (char)optopt, 0 };

				return usage_error("unknown option '%s'", s);
			}
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		/* getopt stops at "--" (consumed) or at the first non-option */
		if (strcmp(argv[optind - 1], "--") != 0)
			return usage_error("unexpected argument '%s': put a command after --",
					   argv[optind]);
		o->cmd = &argv[optind];
	}
	if (o->user_only && o->kernel_only)
		return usage_error("--user-only and --kernel-only exclude each other%s", "");
	if ((o->nr_pids > 0) + (o->tid > 0) + (o->cmd != NULL) + o->all > 1)
		return usage_error("choose one target: -a, -p, -t or -- CMD%s", "");
	if (!o->nr_pids && !o->tid && !o->cmd)
		o->all = true;
	if (!o->events)
		o->events = 1u << EVENT_CPU;
	if (!format_given)
		o->format = output_format__from_path(o->output);
	if (o->max_block_us && o->min_block_us > o->max_block_us)
		return usage_error("--min-block is above --max-block%s", "");
	if (record_opts__allocs(o) && o->kernel_only)
		return usage_error("alloc and leak profiles have user stacks only: drop "
				   "--kernel-only%s",
				   "");
	if (!record_opts__allocs(o) && (o->sample_bytes || o->nr_alloc_libs || o->min_age > 0))
		return usage_error("--sample-bytes, --alloc-lib and --min-age are for -e alloc or "
				   "-e leak%s",
				   "");
	if ((o->events & (o->events - 1)) && (!o->output || !strcmp(o->output, "-")))
		return usage_error("several events need -o FILE (each event gets FILE.EVENT)%s",
				   "");
	/* FILE.EVENT beside a device or FIFO (-o /dev/null) would create
	 * regular files in /dev: refuse rather than guess */
	if ((o->events & (o->events - 1)) && !stat(o->output, &st) && !S_ISREG(st.st_mode))
		return usage_error("several events write FILE.EVENT beside -o FILE, and %s is not "
				   "a regular file: give a file path",
				   o->output);
	return 0;
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
