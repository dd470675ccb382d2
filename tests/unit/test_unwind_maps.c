// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The unwinder's address maps live (user/unwind/unwind_maps.c and
 * bpf/unwind_maps.bpf.c), as root: fixture processes this test compiles
 * (a PIE that dlopen()s a library, maps a file as code, forks, unmaps)
 * are looked up in the LPM trie and checked against their own
 * /proc/PID/maps, read here with sscanf, and stat() of the files.
 */
#include "elf_fixtures.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <endian.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/targets.h"
#include "targets.skel.h"
#include "collect/collector.h"
#include "unwind/unwind_maps.h"

#define EMBER_UNWIND_PREFIX_HOST
#include "unwind_prefix.h"

/* The fixture: commands on stdin, one answer line each on stdout. */
static const char fixture_main[] =
    "#include <dlfcn.h>\n"
    "#include <fcntl.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <signal.h>\n"
    "#include <unistd.h>\n"
    "#include <sys/mman.h>\n"
    "#include <sys/wait.h>\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "	void *h = dlopen(argv[1], RTLD_NOW);\n"
    "	char *blob = 0; pid_t kid = 0; int c;\n"
    "	if (!h || argc < 3) return 2;\n"
    "	setvbuf(stdout, 0, _IOLBF, 0);\n"
    "	printf(\"ready %p\\n\", dlsym(h, \"lib_func\"));\n"
    "	while ((c = getchar()) != EOF) {\n"
    "		switch (c) {\n"
    "		case 'm': { int fd = open(argv[2], O_RDONLY);\n"
    "			blob = mmap(0, 4 * 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);\n"
    "			close(fd); printf(\"%p\\n\", blob); break; }\n"
    "		case 'p': printf(\"%d\\n\", munmap(blob + 4096, 4096)); break;\n"
    "		case 'r': printf(\"%d\\n\", mprotect(blob + 8192, 4096, PROT_READ)); break;\n"
    "		case 'x': printf(\"%d\\n\", mprotect(blob + 8192, 4096, PROT_READ | PROT_EXEC)); "
    "break;\n"
    "		case 'u': printf(\"%d\\n\", dlclose(h)); break;\n"
    "		case 'f': kid = fork(); if (!kid) { for (;;) pause(); }\n"
    "			printf(\"%d\\n\", (int)kid); break;\n"
    "		case 'q': if (kid) { kill(kid, SIGKILL); waitpid(kid, 0, 0); } return 0;\n"
    "		}\n"
    "	}\n"
    "	return 0;\n"
    "}\n";

static const char fixture_lib[] =
    "__attribute__((noinline)) int lib_func(int x) { return x * 3 + 1; }\n";

static char *dir, *exe, *lib, *blob;

/* A fixture process and its pipes. */
struct fix {
	pid_t pid;
	FILE *in, *out;
};

/* "New file" events, as the callback saw them. */
#define MAX_EVENTS 512
static struct ember_unw_event events[MAX_EVENTS];
static int nr_events;

static void on_file(void *ctx, const struct ember_unw_event *ev)
{
	(void)ctx;
	if (nr_events < MAX_EVENTS)
		events[nr_events++] = *ev;
}

/* How many events were for (dev, ino). */
static int events_for(__u64 dev, __u64 ino)
{
	int n = 0;

	for (int i = 0; i < nr_events; i++)
		n += events[i].dev == dev && events[i].ino == ino;
	return n;
}

static int setup(void **state)
{
	char *src;

	(void)state;
	if (geteuid() != 0)
		return 0;
	dir = strdup("/tmp/ember-unwmaps-XXXXXX");
	assert_non_null(mkdtemp(dir));
	src = fpath(dir, "main.c");
	write_text(src, fixture_main);
	free(src);
	src = fpath(dir, "lib.c");
	write_text(src, fixture_lib);
	free(src);
	exe = fpath(dir, "fixture");
	lib = fpath(dir, "libfix.so");
	blob = fpath(dir, "blob");
	run("cd %s && gcc -O1 -fPIE -pie -o fixture main.c -ldl && "
	    "gcc -O1 -fPIC -shared -o libfix.so lib.c && head -c 16384 /dev/urandom > blob",
	    dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (dir)
		run("rm -rf %s", dir);
	free(dir);
	free(exe);
	free(lib);
	free(blob);
	return 0;
}

/* Starts the fixture; before it execs, target_fd (>= 0) gets its pid. */
static void fix_start(struct fix *f, int targets_fd)
{
	int in[2], out[2], go[2];
	char line[128], b;
	__u8 one = 1;

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(go), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (!f->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(126);
		execl(exe, exe, lib, blob, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(go[0]);
	if (targets_fd >= 0) {
		__u32 key = f->pid;

		assert_int_equal(bpf_map_update_elem(targets_fd, &key, &one, BPF_ANY), 0);
	}
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	f->in = fdopen(in[1], "w");
	f->out = fdopen(out[0], "r");
	assert_non_null(f->in);
	assert_non_null(f->out);
	setvbuf(f->in, NULL, _IONBF, 0);
	assert_non_null(fgets(line, sizeof(line), f->out));
	assert_true(!strncmp(line, "ready ", 6));
}

/* Sends one command, returns the answer as a number (hex for pointers). */
static unsigned long long fix_cmd(struct fix *f, char c)
{
	char line[128];

	assert_int_equal(fputc(c, f->in), c);
	assert_non_null(fgets(line, sizeof(line), f->out));
	return strtoull(line, NULL, 0);
}

static void fix_quit(struct fix *f)
{
	int st;

	fputc('q', f->in);
	fclose(f->in);
	fclose(f->out);
	assert_int_equal(waitpid(f->pid, &st, 0), f->pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* One line of /proc/PID/maps, parsed here (not by the code under test). */
struct line {
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[8], path[256];
};

static int read_maps(pid_t pid, struct line *out, int max)
{
	char name[64], buf[512];
	FILE *f;
	int n = 0;

	snprintf(name, sizeof(name), "/proc/%d/maps", (int)pid);
	f = fopen(name, "r");
	assert_non_null(f);
	while (n < max && fgets(buf, sizeof(buf), f)) {
		struct line *l = &out[n];

		l->path[0] = 0;
		if (sscanf(buf, "%llx-%llx %7s %llx %x:%x %llu %255s", &l->start, &l->end, l->perms,
			   &l->off, &l->maj, &l->min, &l->ino, l->path) >= 7)
			n++;
	}
	fclose(f);
	return n;
}

/* The trie's answer for (tgid, addr): 0 and *m, or -ENOENT. */
static int lookup(int fd, __u32 tgid, __u64 addr, struct ember_unw_mapping *m)
{
	struct ember_unw_map_key k;

	unw_prefix_lookup_key(tgid, addr, &k);
	return bpf_map_lookup_elem(fd, &k, m) ? -errno : 0;
}

/* Keys of tgid in the trie. */
static int count_keys(int fd, __u32 tgid)
{
	struct ember_unw_map_key k, next;
	int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		n += next.tgid_be == htobe32(tgid);
		k = next;
		prev = &k;
	}
	return n;
}

static bool is_code(const struct line *l)
{
	return l->perms[2] == 'x' && (l->ino || !strcmp(l->path, "[vdso]"));
}

/* A file's id as the trie gave it for one of its mappings. */
struct seen {
	unsigned long long dev, ino;
	__u32 idx;
};

/*
 * Every executable file mapping of pid (and its vDSO) resolves, at its
 * first, middle and last byte, to itself with one file id per file,
 * consistent with ids seen before (seen); everything else misses.
 */
static void check_process(int fd, pid_t pid, struct seen *seen, int *nseen)
{
	struct line maps[256];
	int n = read_maps(pid, maps, 256), code = 0;

	for (int i = 0; i < n; i++) {
		const struct line *l = &maps[i];
		__u64 probes[3] = { l->start, l->start + (l->end - l->start) / 2, l->end - 1 };
		bool vdso = !strcmp(l->path, "[vdso]");
		unsigned long long dev = vdso ? 0 : unwind_maps__kdev(l->maj, l->min);
		unsigned long long ino = vdso ? 0 : l->ino;

		for (int p = 0; p < 3; p++) {
			struct ember_unw_mapping m;
			int r = lookup(fd, pid, probes[p], &m);

			if (!is_code(l)) {
				if (r == 0)
					fail_msg("%s %s %llx: entry %llx-%llx", l->perms, l->path,
						 (unsigned long long)probes[p],
						 (unsigned long long)m.start,
						 (unsigned long long)m.end);
				continue;
			}
			if (r)
				fail_msg("%s %s %llx: no entry", l->perms, l->path,
					 (unsigned long long)probes[p]);
			if (m.start != l->start || m.end != l->end)
				fail_msg("%s %s %llx-%llx: entry %llx-%llx", l->perms, l->path,
					 l->start, l->end, (unsigned long long)m.start,
					 (unsigned long long)m.end);
			assert_int_equal(m.end, l->end);
			assert_int_equal(m.pgoff, vdso ? 0 : l->off);
			assert_int_equal(!!(m.flags & EMBER_UNW_MAP_VDSO), vdso);
			assert_int_not_equal(m.file_idx, EMBER_UNW_FILE_PENDING);
			if (p)
				continue;
			code++;
			{
				int j;

				for (j = 0; j < *nseen; j++) {
					if (seen[j].dev == dev && seen[j].ino == ino) {
						assert_int_equal(seen[j].idx, m.file_idx);
						break;
					}
					/* another file: another id */
					assert_int_not_equal(seen[j].idx, m.file_idx);
				}
				if (j == *nseen) {
					seen[j].dev = dev;
					seen[j].ino = ino;
					seen[j].idx = m.file_idx;
					(*nseen)++;
				}
			}
		}
	}
	/* exe, ld.so, libc, libfix at least (and the vDSO) */
	assert_true(code >= 5);
}

static void drain(struct unwind_maps *um)
{
	while (unwind_maps__poll(um, 50) > 0)
		;
}

/* The kernel's device encoding three ways: /proc maps' major:minor,
 * stat()'s st_dev, and what BPF read from the inode (the events). */
static void check_devs(pid_t pid)
{
	struct line maps[256];
	int n = read_maps(pid, maps, 256);
	struct stat st;

	assert_int_equal(stat(exe, &st), 0);
	for (int i = 0; i < n; i++) {
		if (!is_code(&maps[i]) || strcmp(maps[i].path, exe))
			continue;
		assert_int_equal(maps[i].ino, st.st_ino);
		assert_int_equal(unwind_maps__kdev(maps[i].maj, maps[i].min),
				 unwind_maps__kdev_of(st.st_dev));
		assert_int_equal(events_for(unwind_maps__kdev_of(st.st_dev), st.st_ino), 1);
		return;
	}
	fail_msg("no code mapping of %s", exe);
}

static void test_live(void **state)
{
	struct seen seen[64];
	int nseen = 0;
	struct targets_bpf *tg;
	struct unwind_maps *um;
	struct unwind_maps_fds fds;
	struct ember_unw_mapping m;
	struct fix a, b;
	struct line maps[256];
	unsigned long long base;
	__u32 owner;
	int n;

	(void)state;
	if (geteuid() != 0) {
		printf("# live unwind maps test needs root\n");
		skip();
	}
	tg = targets__load(true);
	assert_non_null(tg);
	{
		struct unwind_maps_opts o = {
			.mode = EMBER_FILTER_TGID,
			.targets_fd = bpf_map__fd(tg->maps.targets),
			.on_file = on_file,
		};

		nr_events = 0;
		um = unwind_maps__new(&o);
	}
	assert_non_null(um);
	unwind_maps__fds(um, &fds);

	fix_start(&a, bpf_map__fd(tg->maps.targets));
	fix_start(&b, bpf_map__fd(tg->maps.targets));
	check_process(fds.maps, a.pid, seen, &nseen);
	check_process(fds.maps, b.pid, seen, &nseen);
	drain(um);
	/* one event per file, and one file per event (the files other
	 * processes map are announced too, at seeding, for their tables) */
	for (int i = 0; i < nseen; i++)
		assert_int_equal(events_for(seen[i].dev, seen[i].ino), 1);
	for (int i = 0; i < nr_events; i++)
		assert_int_equal(events_for(events[i].dev, events[i].ino), 1);
	assert_true(nr_events >= nseen);
	check_devs(a.pid);

	/* a file mapped as code, then cut: page 1 unmapped, page 2 made
	 * data and code again */
	base = fix_cmd(&a, 'm');
	assert_int_equal(lookup(fds.maps, a.pid, base + 5000, &m), 0);
	assert_true(m.start == base && m.end == base + 16384 && m.pgoff == 0);
	assert_int_equal(fix_cmd(&a, 'p'), 0);
	assert_int_equal(lookup(fds.maps, a.pid, base + 100, &m), 0);
	assert_true(m.start == base && m.end == base + 4096 && m.pgoff == 0);
	assert_int_equal(lookup(fds.maps, a.pid, base + 4096 + 100, &m), -ENOENT);
	assert_int_equal(lookup(fds.maps, a.pid, base + 16383, &m), 0);
	assert_true(m.start == base + 8192 && m.end == base + 16384 && m.pgoff == 8192);
	assert_int_equal(fix_cmd(&a, 'r'), 0);
	assert_int_equal(lookup(fds.maps, a.pid, base + 8192, &m), -ENOENT);
	assert_int_equal(lookup(fds.maps, a.pid, base + 12288, &m), 0);
	assert_true(m.start == base + 12288 && m.pgoff == 12288);
	assert_int_equal(fix_cmd(&a, 'x'), 0);
	assert_int_equal(lookup(fds.maps, a.pid, base + 8192, &m), 0);
	/* the kernel merged pages 2 and 3 back into one VMA: one region */
	assert_true(m.start == base + 8192 && m.end == base + 16384 && m.pgoff == 8192);
	check_process(fds.maps, a.pid, seen, &nseen);

	/* dlclose unmaps the library: its code is gone from the trie */
	n = read_maps(a.pid, maps, 256);
	assert_int_equal(fix_cmd(&a, 'u'), 0);
	for (int i = 0; i < n; i++) {
		if (strcmp(maps[i].path, lib))
			continue;
		assert_int_equal(lookup(fds.maps, a.pid, maps[i].start, &m), -ENOENT);
		assert_int_equal(lookup(fds.maps, a.pid, maps[i].end - 1, &m), -ENOENT);
	}

	/* a forked child resolves through its parent */
	{
		pid_t kid = fix_cmd(&b, 'f');
		__u32 k = kid;

		assert_true(kid > 0);
		assert_int_equal(bpf_map_lookup_elem(fds.parent, &k, &owner), 0);
		assert_int_equal(owner, b.pid);
		n = read_maps(kid, maps, 256);
		for (int i = 0; i < n; i++) {
			if (!is_code(&maps[i]))
				continue;
			assert_int_equal(lookup(fds.maps, kid, maps[i].start, &m), -ENOENT);
			assert_int_equal(lookup(fds.maps, owner, maps[i].start, &m), 0);
			assert_int_equal(m.start, maps[i].start);
		}
		fix_quit(&b); /* kills the child first */
		assert_int_equal(bpf_map_lookup_elem(fds.parent, &k, &owner), -ENOENT);
	}
	assert_true(count_keys(fds.maps, a.pid) > 0);
	fix_quit(&a);
	/* kept through the exit, for samples of the teardown; reaped once
	 * the process is gone */
	assert_true(count_keys(fds.maps, a.pid) > 0);
	assert_true(unwind_maps__reap(um) >= 1);
	assert_int_equal(count_keys(fds.maps, a.pid), 0);
	assert_int_equal(count_keys(fds.maps, b.pid), 0);
	{
		__u64 stats[EMBER_STAT_MAX] = {};

		collector__add_stats(unwind_maps__stats_fd(um), stats);
		assert_int_equal(stats[EMBER_STAT_UNW_TRIE_FULL], 0);
		assert_int_equal(stats[EMBER_STAT_UNW_TRIE_STALE], 0);
		assert_int_equal(stats[EMBER_STAT_UNW_FIND_VMA], 0);
		assert_int_equal(stats[EMBER_STAT_UNW_EVENTS_FULL], 0);
		assert_true(stats[EMBER_STAT_UNW_MAPS_ADDED] >= 10);
		assert_int_equal(stats[EMBER_STAT_UNW_MAPS_ADDED],
				 stats[EMBER_STAT_UNW_MAPS_REMOVED]);
	}
	unwind_maps__free(um);
	targets_bpf__destroy(tg);
}

/* A process that was there before: covered by seeding, its files
 * announced once; the whole machine's seeding is timed. */
static void test_seeded(void **state)
{
	struct seen seen[64];
	int nseen = 0;
	struct unwind_maps *um;
	struct unwind_maps_fds fds;
	struct unwind_maps_opts o = { .mode = EMBER_FILTER_ALL, .on_file = on_file };
	const struct unwind_maps_seed *sd;
	struct fix a;

	(void)state;
	if (geteuid() != 0) {
		printf("# live unwind maps test needs root\n");
		skip();
	}
	fix_start(&a, -1);
	nr_events = 0;
	um = unwind_maps__new(&o);
	assert_non_null(um);
	unwind_maps__fds(um, &fds);
	sd = unwind_maps__seeding(um);
	printf(
	    "# seeded %llu processes, %llu mappings (%llu changed, %llu unreadable) in %.2f ms\n",
	    (unsigned long long)sd->procs, (unsigned long long)sd->mappings,
	    (unsigned long long)sd->changed, (unsigned long long)sd->failed, sd->ns / 1e6);
	assert_true(sd->procs >= 2 && sd->mappings >= 5);
	check_process(fds.maps, a.pid, seen, &nseen);
	drain(um);
	for (int i = 0; i < nseen; i++)
		assert_int_equal(events_for(seen[i].dev, seen[i].ino), 1);
	for (int i = 0; i < nr_events; i++)
		for (int j = 0; j < i; j++)
			assert_false(events[i].dev == events[j].dev &&
				     events[i].ino == events[j].ino);
	assert_int_equal(unwind_maps__files_used(um), nr_events);
	check_devs(a.pid);
	unwind_maps__free(um);

	/* the same by the targets map: its processes are the ones seeded */
	{
		struct targets_bpf *tg = targets__load(true);
		__u32 key = a.pid;
		__u8 one = 1;

		assert_non_null(tg);
		assert_int_equal(bpf_map_update_elem(bpf_map__fd(tg->maps.targets), &key, &one, 0),
				 0);
		o.mode = EMBER_FILTER_TGID;
		o.targets_fd = bpf_map__fd(tg->maps.targets);
		nseen = nr_events = 0;
		um = unwind_maps__new(&o);
		assert_non_null(um);
		assert_int_equal(unwind_maps__seeding(um)->procs, 1);
		unwind_maps__fds(um, &fds);
		check_process(fds.maps, a.pid, seen, &nseen);
		fix_quit(&a);
		unwind_maps__reap(um);
		assert_int_equal(count_keys(fds.maps, a.pid), 0);
		unwind_maps__free(um);
		targets_bpf__destroy(tg);
	}
}

/* run_time_ns and run_cnt of the owner's programs, by name. */
#define MAX_PROGS 16
struct costs {
	const char *name[MAX_PROGS];
	__u64 ns[MAX_PROGS], cnt[MAX_PROGS];
	int n;
};

static void costs_read(struct unwind_maps *um, struct costs *c)
{
	const char *name;
	int fd;

	c->n = 0;
	for (int i = 0; i < MAX_PROGS && unwind_maps__prog(um, i, &fd, &name); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
		c->name[i] = name;
		c->ns[i] = info.run_time_ns;
		c->cnt[i] = info.run_cnt;
		c->n++;
	}
}

/* Prints what each program cost since *before (runs it had), *before
 * moved on; returns the runs of the program called must. */
static __u64 costs_print(struct unwind_maps *um, struct costs *before, const char *phase,
			 const char *must)
{
	struct costs now;
	__u64 runs = 0;

	costs_read(um, &now);
	for (int i = 0; i < now.n; i++) {
		__u64 cnt = now.cnt[i] - before->cnt[i], ns = now.ns[i] - before->ns[i];

		if (!strcmp(now.name[i], must))
			runs = cnt;
		if (cnt)
			printf("# %-14s %-20s %7llu runs %8.2f us/run\n", phase, now.name[i],
			       (unsigned long long)cnt, ns / 1e3 / cnt);
	}
	*before = now;
	return runs;
}

/*
 * What the hooks cost (bpf_stats, as `sysctl kernel.bpf_stats_enabled=1`
 * gives), phase by phase: this process maps and unmaps anonymous memory
 * (the common case the hooks must pass cheaply), maps the blob as code
 * and unmaps it, and runs /bin/true (exec: exe, ld.so, vDSO; its mmaps
 * of libc; its exit). Figures printed, runs and cleanup checked.
 */
static void test_cost(void **state)
{
	struct unwind_maps_opts o = { .mode = EMBER_FILTER_ALL };
	__u64 stats[EMBER_STAT_MAX] = {};
	struct unwind_maps_fds fds;
	struct unwind_maps *um;
	struct costs c;
	int sfd, fd, st;
	enum {
		N = 2000,
		EXECS = 200
	};
	pid_t kids[EXECS];

	(void)state;
	if (geteuid() != 0) {
		printf("# live unwind maps test needs root\n");
		skip();
	}
	sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	assert_true(sfd >= 0);
	um = unwind_maps__new(&o);
	assert_non_null(um);
	for (int i = 0;; i++) { /* what the verifier went through, per program */
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		const char *name;

		if (!unwind_maps__prog(um, i, &fd, &name))
			break;
		assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
		printf("# %-20s %7u insns verified\n", name, info.verified_insns);
	}
	costs_read(um, &c);
	for (int i = 0; i < N; i++) {
		void *q =
		    mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(q != MAP_FAILED);
		assert_int_equal(munmap(q, 65536), 0);
	}
	assert_true(costs_print(um, &c, "anon mmap", "unw_mmap_exit") >= N);
	fd = open(blob, O_RDONLY);
	assert_true(fd >= 0);
	for (int i = 0; i < N; i++) {
		void *p = mmap(NULL, 16384, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);

		assert_true(p != MAP_FAILED);
		assert_int_equal(munmap(p, 16384), 0);
	}
	close(fd);
	assert_true(costs_print(um, &c, "code mmap", "unw_mmap_exit") >= N);
	for (int i = 0; i < EXECS; i++) {
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (!pid) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		kids[i] = pid;
	}
	assert_true(costs_print(um, &c, "fork+exec+exit", "unw_exec") >= EXECS);
	collector__add_stats(unwind_maps__stats_fd(um), stats);
	assert_true(stats[EMBER_STAT_UNW_MAPS_ADDED] >= N + 3 * EXECS);
	assert_int_equal(stats[EMBER_STAT_UNW_TRIE_STALE], 0);
	assert_int_equal(stats[EMBER_STAT_UNW_BUSY], 0);
	/* the children exec'd, exited and left nothing */
	unwind_maps__fds(um, &fds);
	unwind_maps__reap(um);
	for (int i = 0; i < EXECS; i++)
		assert_int_equal(count_keys(fds.maps, kids[i]), 0);
	unwind_maps__free(um);
	close(sfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_seeded),
		cmocka_unit_test(test_cost),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
