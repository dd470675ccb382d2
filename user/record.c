// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember record: sample stacks of a process, a thread, a command or the
 * whole machine, and write them as folded stacks.
 *
 * Lifecycle: check the environment, open the skeleton, configure rodata
 * and map sizes, load, add targets, start side-band mmap tracking, attach,
 * let a command run, wait, stop sampling, read the maps once, symbolize,
 * write to a temporary file and rename it into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ember_abi.h"
#include "env_check.h"
#include "folded.h"
#include "log.h"
#include "mmap_tracker.h"
#include "output_file.h"
#include "proc_scan.h"
#include "profile.h"
#include "profile.skel.h"
#include "record.h"
#include "sampler.h"
#include "stack_builder.h"
#include "symbolizer.h"
#include "targets.h"
#include "cpus.h"

#define EXIT_USAGE 2

struct record_opts {
	unsigned int freq;
	double duration; /* seconds, 0 = until stopped */
	const char *output;
	const char *cpu_list;
	__u32 *pids;
	int nr_pids;
	__u32 tid;
	char **cmd;
	bool all, user_only, kernel_only, per_pid, stats;
	unsigned int stack_storage;
	unsigned int max_entries;
};

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

enum {
	OPT_USER_ONLY = 256,
	OPT_KERNEL_ONLY,
	OPT_PER_PID,
	OPT_STATS,
	OPT_STACK_STORAGE,
	OPT_MAX_STACKS,
	OPT_HELP,
};

static const struct option long_opts[] = {
	{ "all-cpus", no_argument, NULL, 'a' },
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, 't' },
	{ "freq", required_argument, NULL, 'F' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "cpu", required_argument, NULL, 'C' },
	{ "user-only", no_argument, NULL, OPT_USER_ONLY },
	{ "kernel-only", no_argument, NULL, OPT_KERNEL_ONLY },
	{ "per-pid", no_argument, NULL, OPT_PER_PID },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "stack-storage", required_argument, NULL, OPT_STACK_STORAGE },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void record__usage(FILE *out)
{
	fprintf(out,
		"Usage: ember record [OPTIONS] [-- CMD [ARGS...]]\n"
		"\n"
		"Sample the CPU stacks of processes, a thread, a command or the whole machine,\n"
		"and write them as folded stacks (flame-graph input).\n"
		"\n"
		"Targets (default: the whole machine):\n"
		"  -a, --all-cpus          every process on the machine\n"
		"  -p, --pid PID[,PID...]  every thread of these processes; ends when all exit\n"
		"  -t, --tid TID           one thread\n"
		"  -- CMD [ARGS...]        run CMD and profile it and every process it forks,\n"
		"                          from its first instruction; exit with its status\n"
		"\n"
		"Options:\n"
		"  -F, --freq HZ           samples per second per CPU (default 99)\n"
		"  -d, --duration SECONDS  stop after this long (default: Ctrl-C, SIGTERM or\n"
		"                          the targets' exit)\n"
		"  -o, --output FILE       write here (default: stdout)\n"
		"  -C, --cpu CPUS          sample only these CPUs, e.g. 0,2-3\n"
		"      --user-only         user stacks only\n"
		"      --kernel-only       sample only kernel code, kernel stacks only\n"
		"      --per-pid           root frame is name-PID instead of name\n"
		"      --stats             print every drop and error counter\n"
		"      --stack-storage N   unique stacks the kernel can hold (default 65536)\n"
		"      --max-stacks N      unique (process, stack) pairs (default 65536)\n"
		"  -v, --verbose           more detail (-vv: libbpf debug output)\n"
		"      --help              this text\n"
		"\n"
		"Examples:\n"
		"  ember record -d 10 -o cpu.folded           whole machine for 10 s\n"
		"  ember record -p 1234 -F 999 -o app.folded  a running process\n"
		"  ember record -o run.folded -- ./myprog     a command, start to finish\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ember: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": see 'ember record --help'\n");
	return -EINVAL;
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

static int parse_opts(int argc, char **argv, struct record_opts *o)
{
	unsigned int max_rate = env_check__max_sample_rate();
	unsigned long v;
	char *end;
	int c;

	o->freq = 99;
	o->stack_storage = 65536;
	o->max_entries = 65536;
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so CMD's own options stay its. */
	while ((c = getopt_long(argc, argv, "+ap:t:F:d:o:C:v", long_opts, NULL)) != -1) {
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
					"ember: error: bad frequency '%s': give -F HZ, a whole number from 1 to %u\n",
					optarg, max_rate);
				return -EINVAL;
			}
			if (v > max_rate) {
				fprintf(stderr,
					"ember: error: frequency %lu Hz is above kernel.perf_event_max_sample_rate (%u): use a lower -F or raise the sysctl\n",
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
				return usage_error("bad duration '%s': give -d SECONDS, a positive number",
						   optarg);
			break;
		case 'o':
			if (!*optarg)
				return usage_error("empty output file name%s", "");
			o->output = optarg;
			break;
		case 'C':
			o->cpu_list = optarg;
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
				return usage_error("bad map size '%s': give a number from 64 to 16777216",
						   optarg);
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
	return 0;
}

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
			p_err("%u is a thread of process %u: use -t %u for the thread or -p %u for the process",
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

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_DEBUG && log__verbosity() < 2) || log__verbosity() < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void read_bpf_stats(struct profile_bpf *skel, __u64 *out)
{
	int nr_cpus = libbpf_num_possible_cpus();
	__u64 *vals;

	memset(out, 0, EMBER_STAT_MAX * sizeof(*out));
	if (nr_cpus <= 0)
		return;
	vals = calloc(nr_cpus, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 k = 0; k < EMBER_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &k, vals))
			continue;
		for (int c = 0; c < nr_cpus; c++)
			out[k] += vals[c];
	}
	free(vals);
}

/* Count the used slots of a stack-trace entry (zero-terminated). */
static unsigned int stack_len(const __u64 *ips, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && ips[n])
		n++;
	return n;
}

struct drain_stats {
	__u64 samples;        /* total value added to the profile */
	__u64 missing_stacks; /* a stack id that had no entry any more */
};

/* Look up a stored stack; false if it is gone or was never stored. */
static bool read_stack(int fd, __u64 key, struct ember_stack *st, unsigned int *nr, bool *truncated)
{
	if (!key || bpf_map_lookup_elem(fd, &key, st))
		return false;
	*nr = stack_len(st->ips, EMBER_MAX_STACK_DEPTH);
	*truncated = *nr == EMBER_MAX_STACK_DEPTH;
	return true;
}

/*
 * Read the counts map once and turn every (process, user stack, kernel
 * stack) into a profile stack. A sample whose stack could not be stored
 * keeps its count under a marker frame, so totals stay true.
 */
static int drain(struct profile_bpf *skel, const struct record_opts *o, struct symbolizer *sym,
		 struct stack_builder *sb, struct drain_stats *ds)
{
	int counts_fd = bpf_map__fd(skel->maps.counts);
	int stacks_fd = bpf_map__fd(skel->maps.stacks);
	struct ember_stack_key key, next, *prev = NULL;
	struct ember_stack *ustack, *kstack;
	__u64 count;
	int err = 0;

	ustack = calloc(1, sizeof(*ustack));
	kstack = calloc(1, sizeof(*kstack));
	if (!ustack || !kstack) {
		err = -ENOMEM;
		goto out;
	}
	while (bpf_map_get_next_key(counts_fd, prev, &next) == 0) {
		struct raw_stack rs = {};
		char comm[EMBER_COMM_LEN + 1];
		int64_t value;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &count))
			continue;
		memcpy(comm, key.comm, EMBER_COMM_LEN);
		comm[EMBER_COMM_LEN] = '\0';
		rs.tgid = key.tgid;
		rs.comm = comm[0] ? comm : "[unknown]";
		if (read_stack(stacks_fd, key.user_stack, ustack, &rs.nr_user, &rs.user_truncated))
			rs.user_ips = ustack->ips;
		else if (key.user_stack)
			ds->missing_stacks++;
		if (read_stack(stacks_fd, key.kernel_stack, kstack, &rs.nr_kernel,
			       &rs.kernel_truncated))
			rs.kernel_ips = kstack->ips;
		else if (key.kernel_stack)
			ds->missing_stacks++;
		if (key.flags & (EMBER_KEY_USER_LOST | EMBER_KEY_KERNEL_LOST))
			rs.marker = "[lost stack]";
		else if (!rs.nr_user && !rs.nr_kernel)
			rs.marker = o->user_only ? "[kernel]" : "[no stack]";
		/* A process that began after the start scan and before its
		 * first mmap record (or whose records were lost) may still be
		 * alive: read its maps now rather than leave it unnamed. */
		if (rs.nr_user && !symbolizer__knows(sym, key.tgid))
			symbolizer__scan_pid(sym, key.tgid, mmap_tracker__now());
		value = count;
		err = stack_builder__add(sb, &rs, &value);
		if (err)
			goto out;
		ds->samples += count;
	}
out:
	free(ustack);
	free(kstack);
	return err;
}

static void print_stats(const __u64 *bpf, const struct stack_builder_stats *sbs,
			const struct mmap_tracker_stats *ts, const struct symbolizer_stats *ss,
			const struct drain_stats *ds)
{
	fprintf(stderr, "ember: stats (BPF):\n");
	for (int i = 0; i < EMBER_STAT_MAX; i++)
		fprintf(stderr, "  %-18s %12" PRIu64 "  %s\n", stat_names[i], (uint64_t)bpf[i],
			stat_descs[i]);
	fprintf(stderr, "ember: stats (userspace):\n");
#define P(name, v, desc) \
	fprintf(stderr, "  %-18s %12" PRIu64 "  %s\n", name, (uint64_t)(v), desc)
	P("stacks", sbs->stacks, "unique (process, user, kernel) stacks read");
	P("frames", sbs->frames, "frames symbolized");
	P("unnamed_frames", sbs->unnamed_frames, "frames written module+0xOFFSET");
	P("unknown_frames", sbs->unknown_frames, "frames written [unknown] (no mapping)");
	P("truncated_depth", sbs->truncated_depth, "stacks cut at the depth limit");
	P("truncated_unwind", sbs->truncated_unwind,
	  "user stacks ending before a thread entry (no frame pointers)");
	P("truncated_samples", sbs->truncated_unwind_value, "samples in those stacks");
	P("missing_stacks", ds->missing_stacks, "stack keys with no stored stack");
	P("mmap_records", ts->mmaps, "executable mappings seen while recording");
	P("fork_records", ts->forks, "process forks seen");
	P("exec_records", ts->execs, "execs seen");
	P("sideband_lost", ts->lost_records, "side-band records lost (buffer full)");
	P("dsos_opened", ss->dsos_opened, "ELF files loaded");
	P("dsos_failed", ss->dsos_failed, "ELF files that could not be read");
	P("build_id_mismatch", ss->build_id_mismatch, "files changed on disk since mapped");
	P("debug_files_used", ss->debug_files_used, "symbols from separate debug files");
#undef P
}

/* Open the skeleton, configure it from the options, load it. NULL with
 * errno set on failure. */
static struct profile_bpf *open_and_load(const struct record_opts *o, bool on_demand)
{
	struct profile_bpf *skel = profile_bpf__open();
	int err;

	if (!skel)
		return NULL;
	skel->rodata->filter_mode = o->tid ? EMBER_FILTER_TID
				    : o->all ? EMBER_FILTER_ALL : EMBER_FILTER_TGID;
	skel->rodata->target_tid = o->tid;
	skel->rodata->follow_forks = o->cmd != NULL;
	skel->rodata->want_user = !o->kernel_only;
	skel->rodata->want_kernel = !o->user_only;
	bpf_map__set_max_entries(skel->maps.stacks, o->stack_storage);
	bpf_map__set_max_entries(skel->maps.counts, o->max_entries);
	if (on_demand) {
		/* Memory grows with the stacks seen instead of ~70 MB reserved
		 * for the worst case. */
		bpf_map__set_map_flags(skel->maps.stacks, BPF_F_NO_PREALLOC);
		bpf_map__set_map_flags(skel->maps.counts, BPF_F_NO_PREALLOC);
	}
	if (!o->cmd)
		bpf_program__set_autoload(skel->progs.on_fork, false);
	err = profile_bpf__load(skel);
	if (err) {
		profile_bpf__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

static double elapsed_s(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) / 1e9;
}

int record__main(int argc, char **argv)
{
	struct record_opts o = {};
	struct profile_bpf *skel = NULL;
	struct sampler *sampler = NULL;
	struct mmap_tracker *tracker = NULL;
	struct symbolizer *sym = NULL;
	struct stack_builder *sb = NULL;
	struct profile *prof = NULL;
	struct command *cmd = NULL;
	struct output_file *out = NULL;
	struct bpf_link *fork_link = NULL;
	struct timespec t_start, t_attached, t_stop, t_written, now;
	struct drain_stats ds = {};
	struct stack_builder_stats sbs = {};
	struct mmap_tracker_stats ts = {};
	struct symbolizer_stats ss = {};
	__u64 bpf_stats[EMBER_STAT_MAX];
	static const struct value_type types[] = { { "samples", "count" } };
	struct sigaction sa = {};
	bool *cpus = NULL, *online = NULL;
	int nr_cpus, err, exit_code = 1, cmd_status = 0;
	bool cmd_done = false;
	__u32 tgid = 0;

	clock_gettime(CLOCK_MONOTONIC, &t_start);
	err = parse_opts(argc, argv, &o);
	if (err) {
		exit_code = EXIT_USAGE;
		goto cleanup;
	}
	if (env_check__caps() || env_check__btf() || check_targets(&o))
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
	if (o.cpu_list) {
		if (cpulist__parse(o.cpu_list, cpus, nr_cpus)) {
			fprintf(stderr,
				"ember: error: bad CPU list '%s': give -C like 0,2-3 with CPUs below %d\n",
				o.cpu_list, nr_cpus);
			exit_code = EXIT_USAGE;
			goto cleanup;
		}
		for (int c = 0; c < nr_cpus; c++)
			cpus[c] = cpus[c] && online[c];
	} else {
		memcpy(cpus, online, nr_cpus * sizeof(*cpus));
	}

	/* Create the output now: an unwritable path fails before any work,
	 * and nothing appears under its name until it is complete. */
	out = output_file__open(o.output);
	if (!out)
		goto cleanup;

	libbpf_set_print(libbpf_print);
	sa.sa_handler = on_signal; /* no SA_RESTART: let poll return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_child;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.cmd) {
		cmd = command__spawn(o.cmd);
		if (!cmd)
			goto cleanup;
	}

	skel = open_and_load(&o, true);
	if (!skel) {
		/* Kernels before 6.1 want preallocated hash maps in perf_event
		 * programs: same maps, memory reserved up front. */
		p_debug(1, "loading with on-demand map memory failed, preallocating");
		skel = open_and_load(&o, false);
	}
	if (!skel) {
		p_err("cannot load the BPF programs: %s: run with -v for libbpf's and the verifier's messages",
		      strerror(errno));
		goto cleanup;
	}

	sym = symbolizer__new(NULL);
	if (!sym)
		goto oom;
	tracker = mmap_tracker__new(sym, online, nr_cpus, o.all, o.cmd != NULL,
				    o.all || o.tid ? -1 : bpf_map__fd(skel->maps.targets));
	if (!tracker)
		goto cleanup;

	/* Targets: into the BPF filter, and their current maps into the
	 * symbolizer (later changes arrive as side-band records). */
	if (o.cmd) {
		__u32 pid = command__pid(cmd);
		__u8 one = 1;

		bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &pid, &one, BPF_ANY);
		mmap_tracker__track(tracker, pid);
	}
	for (int i = 0; i < o.nr_pids; i++) {
		__u8 one = 1;

		bpf_map_update_elem(bpf_map__fd(skel->maps.targets), &o.pids[i], &one, BPF_ANY);
		mmap_tracker__track(tracker, o.pids[i]);
		symbolizer__scan_pid(sym, o.pids[i], mmap_tracker__now());
	}
	if (o.tid) {
		targets__tgid_of(o.tid, &tgid);
		mmap_tracker__track(tracker, tgid);
		symbolizer__scan_pid(sym, tgid, mmap_tracker__now());
	}
	if (o.all)
		proc_scan__all(sym);

	sampler = sampler__open(cpus, nr_cpus, o.freq, o.kernel_only);
	if (!sampler)
		goto cleanup;
	if (o.cmd) {
		fork_link = bpf_program__attach(skel->progs.on_fork);
		if (!fork_link) {
			p_err("cannot follow the command's child processes: %s", strerror(errno));
			goto cleanup;
		}
	}
	if (sampler__attach(sampler, skel->progs.on_sample))
		goto cleanup;
	clock_gettime(CLOCK_MONOTONIC, &t_attached);
	p_debug(1, "attached in %.1f ms (%s on %d CPUs at %u Hz)",
		elapsed_s(&t_start, &t_attached) * 1e3, sampler__event_name(sampler),
		sampler__nr_events(sampler), o.freq);

	if (o.cmd) {
		err = command__release(cmd);
		if (err) {
			p_err("cannot run '%s': %s: check the command name and PATH", o.cmd[0],
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
		int timeout = o.nr_pids || o.tid ? 250 : 1000;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o.duration > 0) {
			double left = o.duration - elapsed_s(&t_attached, &now);

			if (left <= 0)
				break;
			if (left * 1000 < timeout)
				timeout = (int)(left * 1000) + 1;
		}
		if (stop_signal)
			break;
		err = mmap_tracker__poll(tracker, timeout);
		if (err < 0 && err != -EINTR)
			p_debug(1, "side-band poll: %s", strerror(-err));
		if (stop_signal)
			break;
		if (cmd && command__reap(cmd, &cmd_status, 0)) {
			cmd_done = true;
			break;
		}
		if (o.nr_pids) {
			int alive = 0;

			for (int i = 0; i < o.nr_pids; i++)
				alive += targets__alive(o.pids[i], o.pids[i]);
			if (!alive)
				break;
		}
		if (o.tid && !targets__alive(tgid, o.tid))
			break;
	}
	sampler__stop(sampler);
	bpf_link__destroy(fork_link);
	fork_link = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t_stop);
	/* Records written before the stop may still sit in the buffers. */
	mmap_tracker__poll(tracker, 0);

	prof = profile__new(types, 1);
	if (!prof)
		goto oom;
	{
		struct stack_builder_opts sbo = { .per_pid = o.per_pid };

		sb = stack_builder__new(prof, sym, &sbo);
	}
	if (!sb)
		goto oom;
	err = drain(skel, &o, sym, sb, &ds);
	if (err) {
		p_err("cannot read the profile from the kernel: %s", strerror(-err));
		goto cleanup;
	}
	err = folded__write(prof, 0, output_file__stream(out));
	if (!err)
		err = output_file__commit(out);
	if (err) {
		p_err("cannot write %s: %s: check free space and permissions", o.output ? o.output : "stdout",
		      strerror(-err));
		goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &t_written);
	p_debug(1, "output written in %.1f ms", elapsed_s(&t_stop, &t_written) * 1e3);

	read_bpf_stats(skel, bpf_stats);
	stack_builder__stats(sb, &sbs);
	mmap_tracker__stats(tracker, &ts);
	symbolizer__stats(sym, &ss);
	{
		__u64 stacks_full = bpf_stats[EMBER_STAT_STACKS_FULL];
		__u64 stack_errors = bpf_stats[EMBER_STAT_USTACK_ERROR] +
				     bpf_stats[EMBER_STAT_KSTACK_ERROR] + ds.missing_stacks;
		__u64 full = bpf_stats[EMBER_STAT_COUNTS_FULL];

		p_info("%s at %u Hz%s: %" PRIu64 " samples in %.1f s, %" PRIu64
		       " lost (%" PRIu64 " stacks-map full, %" PRIu64 " counts-map full, %" PRIu64
		       " stack errors, %" PRIu64 " side-band records), %" PRIu64
		       " truncated stacks (%" PRIu64 " samples), %" PRIu64 " unnamed frames",
		       sampler__event_name(sampler), o.freq,
		       sampler__is_hardware(sampler) ? "" : " (software event; no hardware PMU)",
		       (uint64_t)ds.samples, elapsed_s(&t_attached, &t_stop),
		       (uint64_t)(stacks_full + full + stack_errors + ts.lost_records),
		       (uint64_t)stacks_full, (uint64_t)full, (uint64_t)stack_errors,
		       (uint64_t)ts.lost_records,
		       (uint64_t)(sbs.truncated_depth + sbs.truncated_unwind),
		       (uint64_t)sbs.truncated_unwind_value,
		       (uint64_t)(sbs.unnamed_frames + sbs.unknown_frames));
		if (stacks_full || full)
			p_warn("samples were lost: raise --stack-storage (stacks map) or --max-stacks (counts map)");
	}
	if (o.stats)
		print_stats(bpf_stats, &sbs, &ts, &ss, &ds);
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
	sampler__free(sampler);
	bpf_link__destroy(fork_link);
	if (cmd && exit_code != 0 && !cmd_done)
		command__kill(cmd, SIGKILL);
	command__free(cmd);
	output_file__free(out); /* removes the temporary file unless committed */
	stack_builder__free(sb);
	profile__free(prof);
	mmap_tracker__free(tracker);
	symbolizer__free(sym);
	profile_bpf__destroy(skel);
	free(cpus);
	free(online);
	free(o.pids);
	return exit_code;
}
