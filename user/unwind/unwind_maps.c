// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "sys/proc_maps.h"
#include "sys/procfs.h"
#include "unwind/unwind_maps.h"
#include "unwind_maps.skel.h"

/* A 64-byte record (56 + the ring's 8-byte header): 16k files pending. */
#define EVENTS_BYTES (1u << 20)

struct unwind_maps {
	struct unwind_maps_bpf *skel;
	struct ring_buffer *rb;
	__u64 *file_ids; /* the allocator's counter, mmapped */
	__u32 max_files;
	unwind_maps_file_fn on_file;
	void *ctx;
	int nr_events; /* handled by the current poll */
	struct unwind_maps_seed seed;
};

__u64 unwind_maps__kdev(__u32 major, __u32 minor)
{
	return ((__u64)major << EMBER_KDEV_MINOR_BITS) | minor;
}

__u64 unwind_maps__kdev_of(dev_t st_dev)
{
	return unwind_maps__kdev(major(st_dev), minor(st_dev));
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct unwind_maps *m = ctx;
	const struct ember_unw_event *ev = data;

	if (size < sizeof(*ev) || ev->kind != EMBER_UNW_EV_NEW_FILE)
		return 0;
	m->nr_events++;
	if (m->on_file)
		m->on_file(m->ctx, ev);
	return 0;
}

/* Runs one of the seeding programs with args as its raw tracepoint
 * arguments; its return value, or a negative errno. */
static long run_seed_prog(struct bpf_program *prog, __u64 *args, size_t n)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = n * sizeof(*args));
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	return err ? -errno : (long)o.retval;
}

/*
 * Enters the executable file mappings of one process, as read from
 * /proc/TGID/maps after taking the process's generation: if it exec'd
 * since, BPF refuses the old image's mappings (the exec hook entered the
 * new ones itself).
 */
/* The executable file mappings of a process ember does not profile: their
 * files get ids and tables (see unw_seed_file), no keys. */
static void seed_files_of(struct unwind_maps *m, __u32 tgid)
{
	__u64 args[7] = { tgid };
	struct proc_maps *pm;
	char path[48];

	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	pm = proc_maps__read(path);
	if (!pm)
		return;
	for (size_t i = 0; i < proc_maps__nr(pm); i++) {
		const struct proc_map *e = proc_maps__entry(pm, i);

		if (e->perms[2] != 'x' || !e->inode || proc_maps__is_pseudo(e->path))
			continue;
		args[1] = e->start;
		args[2] = e->end;
		args[3] = e->offset;
		args[4] = unwind_maps__kdev(e->dev_major, e->dev_minor);
		args[5] = e->inode;
		args[6] = 0;
		if (run_seed_prog(m->skel->progs.unw_seed_file, args, 7) >= 0)
			m->seed.files++;
	}
	proc_maps__free(pm);
	ring_buffer__consume(m->rb);
}

static void seed_one(struct unwind_maps *m, __u32 tgid)
{
	__u64 args[8] = { tgid };
	struct proc_maps *pm;
	char path[48];
	long gen;

	m->seed.procs++;
	gen = run_seed_prog(m->skel->progs.unw_seed_begin, args, 1);
	if (gen < 0) {
		m->seed.failed++;
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	pm = proc_maps__read(path);
	if (!pm) {
		m->seed.failed++;
		return;
	}
	for (size_t i = 0; i < proc_maps__nr(pm); i++) {
		const struct proc_map *e = proc_maps__entry(pm, i);
		bool vdso = !strcmp(e->path, "[vdso]");
		long r;

		if (e->perms[2] != 'x' || (!vdso && (!e->inode || proc_maps__is_pseudo(e->path))))
			continue; /* not code, or code of no file (JIT, [uprobes]) */
		args[1] = (__u64)gen;
		args[2] = e->start;
		args[3] = e->end;
		args[4] = e->offset;
		args[5] = vdso ? 0 : unwind_maps__kdev(e->dev_major, e->dev_minor);
		args[6] = vdso ? 0 : e->inode;
		args[7] = vdso ? EMBER_UNW_MAP_VDSO : 0;
		r = run_seed_prog(m->skel->progs.unw_seed, args, 8);
		if (r == 0) {
			m->seed.mappings++;
		} else if (r == 1) {
			m->seed.changed++;
			break;
		} else {
			m->seed.failed++;
		}
	}
	proc_maps__free(pm);
	/* keep the ring from filling while a whole machine is seeded */
	ring_buffer__consume(m->rb);
}

static bool parse_pid(const char *s, __u32 *pid)
{
	char *end;
	unsigned long v;

	if (*s < '1' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v > 0x3fffffff)
		return false;
	*pid = v;
	return true;
}

static int seed(struct unwind_maps *m, const struct unwind_maps_opts *o)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* every process: all of it (-a), or its files' tables, so that a
	 * target mapping a file already in use (libc, ld.so, an
	 * interpreter) finds the table built */
	{
		DIR *d = opendir("/proc");
		struct dirent *de;
		__u32 pid;

		if (!d)
			return -errno;
		while ((de = readdir(d))) {
			if (!parse_pid(de->d_name, &pid))
				continue;
			if (o->mode == EMBER_FILTER_ALL)
				seed_one(m, pid);
			else
				seed_files_of(m, pid);
		}
		closedir(d);
	}
	if (o->mode == EMBER_FILTER_ALL) {
		/* done above */
	} else if (o->mode == EMBER_FILTER_TGID) {
		/* the targets map, forked children followed so far included */
		__u32 key, next, *prev = NULL;

		while (!bpf_map_get_next_key(o->targets_fd, prev, &next)) {
			key = next;
			prev = &key;
			seed_one(m, key);
		}
	} else {
		seed_one(m, o->target_tgid);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	m->seed.ns = (__u64)(t1.tv_sec - t0.tv_sec) * 1000000000ULL + t1.tv_nsec - t0.tv_nsec;
	return 0;
}

static int open_and_load(struct unwind_maps *m, const struct unwind_maps_opts *o)
{
	__u32 mappings = o->max_mappings ? o->max_mappings : UNWIND_MAPS_DEF_MAPPINGS;
	__u32 files = o->max_files ? o->max_files : UNWIND_MAPS_DEF_FILES;
	__u32 procs = o->max_procs ? o->max_procs : UNWIND_MAPS_DEF_PROCS;
	struct unwind_maps_bpf *skel;
	int err;

	skel = m->skel = unwind_maps_bpf__open();
	if (!skel)
		return errno ? -errno : -ENOMEM;
	skel->rodata->filter_mode = o->mode;
	skel->rodata->target_tgid = o->target_tgid;
	skel->rodata->max_files = files;
	m->max_files = files;
	bpf_map__set_max_entries(skel->maps.unw_maps, mappings * UNWIND_MAPS_KEYS_PER_MAPPING);
	bpf_map__set_max_entries(skel->maps.unw_regions, mappings);
	bpf_map__set_max_entries(skel->maps.unw_slots, mappings);
	bpf_map__set_max_entries(skel->maps.unw_inodes, files);
	bpf_map__set_max_entries(skel->maps.unw_procs, procs);
	bpf_map__set_max_entries(skel->maps.unw_parent, procs);
	bpf_map__set_max_entries(skel->maps.unw_events, EVENTS_BYTES);
	/* the seeding programs are run, not attached */
	bpf_program__set_autoattach(skel->progs.unw_seed_begin, false);
	bpf_program__set_autoattach(skel->progs.unw_seed, false);
	bpf_program__set_autoattach(skel->progs.unw_reap, false);
	bpf_program__set_autoattach(skel->progs.unw_seed_file, false);
	if (o->mode == EMBER_FILTER_TGID) {
		err = bpf_map__reuse_fd(skel->maps.targets, o->targets_fd);
		if (err)
			return err;
	} else {
		bpf_map__set_max_entries(skel->maps.targets, 1); /* unused */
	}
	err = unwind_maps_bpf__load(skel);
	if (err)
		return err;
	m->file_ids = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
			   bpf_map__fd(skel->maps.unw_file_ids), 0);
	if (m->file_ids == MAP_FAILED) {
		m->file_ids = NULL;
		return -errno;
	}
	m->rb = ring_buffer__new(bpf_map__fd(skel->maps.unw_events), on_event, m, NULL);
	if (!m->rb)
		return errno ? -errno : -ENOMEM;
	return 0;
}

struct unwind_maps *unwind_maps__new(const struct unwind_maps_opts *o)
{
	struct unwind_maps *m = calloc(1, sizeof(*m));
	const char *step = "open";
	int err;

	if (!m)
		return NULL;
	m->on_file = o->on_file;
	m->ctx = o->ctx;
	err = open_and_load(m, o);
	if (!err) {
		step = "attach";
		err = unwind_maps_bpf__attach(m->skel);
	}
	if (!err) {
		step = "seed";
		err = seed(m, o);
	}
	if (err)
		goto cleanup;
	return m;
cleanup:
	p_err("unwind maps: %s: %s", step, strerror(-err));
	unwind_maps__free(m);
	errno = -err;
	return NULL;
}

void unwind_maps__free(struct unwind_maps *m)
{
	if (!m)
		return;
	ring_buffer__free(m->rb);
	if (m->file_ids)
		munmap(m->file_ids, sysconf(_SC_PAGESIZE));
	unwind_maps_bpf__destroy(m->skel);
	free(m);
}

int unwind_maps__poll(struct unwind_maps *m, int timeout_ms)
{
	int err;

	m->nr_events = 0;
	err = ring_buffer__poll(m->rb, timeout_ms);
	if (err < 0 && err != -EINTR)
		return err;
	return m->nr_events;
}

int unwind_maps__event_fd(const struct unwind_maps *m)
{
	return ring_buffer__epoll_fd(m->rb);
}

void unwind_maps__fds(const struct unwind_maps *m, struct unwind_maps_fds *out)
{
	out->maps = bpf_map__fd(m->skel->maps.unw_maps);
	out->inodes = bpf_map__fd(m->skel->maps.unw_inodes);
	out->file_ids = bpf_map__fd(m->skel->maps.unw_file_ids);
	out->parent = bpf_map__fd(m->skel->maps.unw_parent);
	out->events = bpf_map__fd(m->skel->maps.unw_events);
}

const struct unwind_maps_seed *unwind_maps__seeding(const struct unwind_maps *m)
{
	return &m->seed;
}

__u32 unwind_maps__files_used(const struct unwind_maps *m)
{
	__u64 n = __atomic_load_n(m->file_ids, __ATOMIC_RELAXED);

	return n < m->max_files ? (__u32)n : m->max_files;
}

long unwind_maps__register_file(struct unwind_maps *m, __u64 dev, __u64 ino)
{
	__u64 args[7] = { 0, 0, 0, 0, dev, ino, 0 };
	long idx = run_seed_prog(m->skel->progs.unw_seed_file, args, 7);

	return idx < 0 ? idx : idx == EMBER_UNW_FILE_PENDING ? -ENOSPC : idx;
}

void unwind_maps__seed_pid(struct unwind_maps *m, __u32 tgid)
{
	seed_one(m, tgid);
}

int unwind_maps__reap(struct unwind_maps *m)
{
	int fd = bpf_map__fd(m->skel->maps.unw_procs), n = 0;
	__u32 key, next, *prev = NULL;
	__u32 dead[256];
	int nr = 0;

	/* collect first: deleting while iterating restarts the walk */
	while (nr < (int)(sizeof(dead) / sizeof(dead[0])) &&
	       bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct ember_unw_proc v;

		if (bpf_map_lookup_elem(fd, &next, &v) == 0 && v.dead)
			dead[nr++] = next;
		key = next;
		prev = &key;
	}
	for (int i = 0; i < nr; i++) {
		__u64 args[1] = { dead[i] };

		/* gone or a zombie: its address space is released */
		if (!procfs__alive(dead[i], dead[i]) &&
		    run_seed_prog(m->skel->progs.unw_reap, args, 1) == 0)
			n++;
	}
	return n;
}

int unwind_maps__stats_fd(const struct unwind_maps *m)
{
	return bpf_map__fd(m->skel->maps.stats);
}

bool unwind_maps__prog(const struct unwind_maps *m, int i, int *fd, const char **name)
{
	struct bpf_program *p;
	int n = 0;

	bpf_object__for_each_program(p, m->skel->obj)
	{
		if (n++ != i)
			continue;
		*fd = bpf_program__fd(p);
		*name = bpf_program__name(p);
		return true;
	}
	return false;
}
