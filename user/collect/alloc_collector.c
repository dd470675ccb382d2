// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Allocations and leaks: the alloc skeleton on uprobes in the allocator
 * libraries the targets use (their libc, a static executable's own
 * malloc, --alloc-lib). Probes are attached per target process, so only
 * the targets' breakpoints exist: other processes using the same libc run
 * untouched.
 */
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "alloc.skel.h"
#include "collect/alloc_libs.h"
#include "collect/alloc_sites.h"
#include "collect/collector.h"
#include "collect/leak_table.h"
#include "collect/munmap_log.h"
#include "lib/log.h"
#include "sys/procfs.h"
#include "stack/stack_builder.h"
#include "collect/targets.h"

struct alloc_collector {
	struct collector base;
	struct alloc_bpf *skel;
	struct bpf_link **links;
	size_t nr_links, cap_links;
	pthread_t remover; /* removes the links after the stop */
	bool removing;
	unsigned int nr_funcs, single_stepped;
	__u32 cmd_pid;
	__u64 stop_ns;
	struct alloc_leak_stats leak;
	char desc[256];
};

static struct alloc_collector *alloc_of(struct collector *c)
{
	return (struct alloc_collector *)c;
}

static int alloc_load(struct collector *c, const struct shared_maps *sm)
{
	const struct collector_scope *sc = &c->cfg.scope;
	const struct alloc_config *ac = &c->cfg.alloc;
	bool leak = ac->track_live, alloc = ac->count_allocs;
	struct alloc_bpf *skel = alloc_bpf__open();
	int err;

	if (!skel)
		return errno ? -errno : -ENOMEM;
	/* Probes are attached to the target processes themselves; only a
	 * single thread needs filtering, and ember itself with -a. */
	skel->rodata->filter_mode = sc->tid ? EMBER_FILTER_TID : EMBER_FILTER_ALL;
	skel->rodata->target_tid = sc->tid;
	skel->rodata->self_tgid = getpid();
	skel->rodata->count_allocs = alloc;
	skel->rodata->track_live = leak;
	skel->rodata->sample_bytes = ac->sample_bytes;
	bpf_map__set_max_entries(skel->maps.stacks, sc->stack_storage);
	bpf_map__set_max_entries(skel->maps.alloc_counts, alloc ? sc->max_entries : 1);
	bpf_map__set_max_entries(skel->maps.live, leak ? ac->max_live : 1);
	if (!leak) {
		bpf_program__set_autoload(skel->progs.free_enter, false);
		bpf_program__set_autoload(skel->progs.munmap_enter, false);
		bpf_program__set_autoload(skel->progs.on_exec, false);
	}
	skel->rodata->user_unwinder = sc->unwinder;
	err = shared_maps__reuse(sm, skel->obj);
	if (!err)
		err = alloc_bpf__load(skel);
	if (err) {
		alloc_bpf__destroy(skel);
		return err;
	}
	alloc_of(c)->skel = skel;
	return 0;
}

static struct bpf_program *entry_program(struct alloc_bpf *skel, enum ember_alloc_kind kind)
{
	switch (kind) {
	case EMBER_ALLOC_MALLOC:
	case EMBER_ALLOC_MALLOCX:
		return skel->progs.malloc_enter;
	case EMBER_ALLOC_CALLOC:
		return skel->progs.calloc_enter;
	case EMBER_ALLOC_REALLOC:
	case EMBER_ALLOC_RALLOCX:
		return skel->progs.realloc_enter;
	case EMBER_ALLOC_REALLOCARRAY:
		return skel->progs.reallocarray_enter;
	case EMBER_ALLOC_MEMALIGN:
		return skel->progs.memalign_enter;
	case EMBER_ALLOC_POSIX_MEMALIGN:
		return skel->progs.posix_memalign_enter;
	case EMBER_ALLOC_MMAP:
		return skel->progs.mmap_enter;
	case EMBER_ALLOC_FREE:
		return skel->progs.free_enter;
	case EMBER_ALLOC_MUNMAP:
		return skel->progs.munmap_enter;
	default:
		return NULL;
	}
}

static int add_link(struct alloc_collector *c, struct bpf_link *l)
{
	if (c->nr_links == c->cap_links) {
		size_t ncap = c->cap_links ? c->cap_links * 2 : 64;
		struct bpf_link **n = realloc(c->links, ncap * sizeof(*n));

		if (!n) {
			bpf_link__destroy(l);
			return -ENOMEM;
		}
		c->links = n;
		c->cap_links = ncap;
	}
	c->links[c->nr_links++] = l;
	return 0;
}

static int attach_one(struct alloc_collector *c, struct bpf_program *prog, int pid,
		      const char *path, __u64 offset, bool retprobe, const char *func)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = retprobe);
	struct bpf_link *l;

	l = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &uo);
	if (!l) {
		int err = -errno;

		p_err("cannot attach a %s to %s in %s: %s: run with -v for details",
		      retprobe ? "return probe" : "probe", func, path, strerror(-err));
		return err;
	}
	return add_link(c, l);
}

/* Probe every allocator function of one library in process pid (-1: all). */
static int attach_sites(struct alloc_collector *c, const struct alloc_sites *s, int pid, bool count)
{
	bool leak = c->base.cfg.alloc.track_live;
	const char *path = alloc_sites__path(s);
	int err;

	for (unsigned int i = 0; i < alloc_sites__count(s); i++) {
		const struct alloc_site *site = alloc_sites__get(s, i);
		struct bpf_program *prog = entry_program(c->skel, site->kind);

		/* frees only matter to the live blocks */
		if (!prog || (!site->has_return && !leak))
			continue;
		err = attach_one(c, prog, pid, path, site->probe_offset, false, site->func);
		if (!err && site->has_return)
			err = attach_one(c, c->skel->progs.alloc_return, pid, path,
					 site->entry_offset, true, site->func);
		if (err)
			return err;
		if (count) {
			c->nr_funcs++;
			if (!site->emulated)
				c->single_stepped++;
			p_debug(1, "alloc: %s+0x%" PRIx64 " (%s)%s", site->func,
				(uint64_t)(site->probe_offset - site->entry_offset), path,
				site->emulated ? "" : ": single-stepped by the kernel, slow");
		}
	}
	return 0;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The allocator libraries of every target, and --alloc-lib's. */
static int find_libs(const struct collector_config *cfg, struct alloc_libs *libs)
{
	const struct collector_scope *sc = &cfg->scope;
	const struct alloc_config *ac = &cfg->alloc;
	__u32 tgid;
	int err = 0;

	if (sc->cmd) {
		err = alloc_libs__add_command(libs, sc->cmd);
		if (err) {
			p_err("cannot find the allocator '%s' will use: %s: check the command, or "
			      "name its allocator with --alloc-lib",
			      sc->cmd, strerror(-err));
			return err;
		}
	}
	for (int i = 0; i < sc->nr_pids && !err; i++)
		err = alloc_libs__add_pid(libs, sc->pids[i]);
	if (!err && sc->tid && !targets__tgid_of(sc->tid, &tgid))
		err = alloc_libs__add_pid(libs, tgid);
	if (!err && sc->all)
		err = alloc_libs__add_pid(libs, getpid());
	if (err) {
		p_err("cannot read the target's libraries: %s: check that it still runs",
		      strerror(-err));
		return err;
	}
	for (int i = 0; i < ac->nr_libs; i++) {
		err = alloc_libs__add(libs, ac->libs[i]);
		if (err) {
			p_err("cannot use --alloc-lib %s: %s: give the path of a shared library",
			      ac->libs[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int alloc_attach(struct collector *base, const struct attach_info *ai)
{
	struct alloc_collector *c = alloc_of(base);
	const struct collector_scope *sc = &base->cfg.scope;
	struct alloc_libs *libs = alloc_libs__new();
	struct alloc_sites **sites = NULL;
	unsigned int nr_libs = 0;
	int *pids = NULL, nr_pids = 0, err = -ENOMEM;
	size_t used = 0;
	__u32 tgid;

	c->cmd_pid = ai->cmd_pid;
	if (!libs)
		goto out;
	err = find_libs(&base->cfg, libs);
	if (err)
		goto out;
	nr_libs = alloc_libs__count(libs);
	sites = calloc(nr_libs ? nr_libs : 1, sizeof(*sites));
	pids = calloc(sc->nr_pids + 2, sizeof(*pids));
	err = -ENOMEM;
	if (!sites || !pids)
		goto out;

	/* uprobes filtered by process: the kernel installs breakpoints in
	 * the targets' address spaces only, every thread of them, present
	 * and future (and a command's from its exec on). */
	if (sc->cmd)
		pids[nr_pids++] = ai->cmd_pid;
	for (int i = 0; i < sc->nr_pids; i++)
		pids[nr_pids++] = sc->pids[i];
	if (sc->tid && !targets__tgid_of(sc->tid, &tgid))
		pids[nr_pids++] = tgid;
	if (sc->all)
		pids[nr_pids++] = -1;

	for (unsigned int l = 0; l < nr_libs; l++) {
		const char *path = alloc_libs__path(libs, l);

		sites[l] = alloc_sites__find(path);
		if (!sites[l]) {
			err = -errno;
			p_err("cannot read the allocator functions of %s: %s", path,
			      strerror(-err));
			goto out;
		}
		if (!alloc_sites__count(sites[l])) {
			p_warn("%s defines no allocator function ember knows; not probed", path);
			continue;
		}
		for (int p = 0; p < nr_pids; p++) {
			err = attach_sites(c, sites[l], pids[p], p == 0);
			if (err)
				goto out;
		}
		used +=
		    snprintf(c->desc + used, used < sizeof(c->desc) ? sizeof(c->desc) - used : 0,
			     "%s%s", used ? ", " : "", basename_of(path));
	}
	if (base->cfg.alloc.track_live) {
		struct bpf_link *l = bpf_program__attach(c->skel->progs.on_exec);

		err = l ? add_link(c, l) : -errno;
		if (err) {
			p_err("cannot attach to the sched_process_exec raw tracepoint: %s",
			      strerror(-err));
			goto out;
		}
	}
	if (!c->nr_funcs) {
		p_err("found no allocator functions to probe: name the target's allocator "
		      "library with --alloc-lib PATH");
		err = -ENOENT;
		goto out;
	}
	{
		char libs_desc[sizeof(c->desc)];

		memcpy(libs_desc, c->desc, sizeof(libs_desc));
		snprintf(c->desc, sizeof(c->desc), "uprobes on %u functions in %.180s%s",
			 c->nr_funcs, libs_desc, c->single_stepped ? ", some single-stepped" : "");
	}
	if (sc->all)
		p_warn("every process on the machine now traps into the kernel on each "
		       "allocation; prefer -p PID or -- CMD");
	err = 0;
out:
	for (unsigned int l = 0; l < nr_libs && sites; l++)
		alloc_sites__free(sites[l]);
	free(sites);
	free(pids);
	alloc_libs__free(libs);
	return err;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Removing a uprobe waits for a tasks-trace RCU grace period (a large
 * fraction of a second), one link after another: seconds for a libc's
 * worth of probes.
 * Removed from parallel threads, the waits overlap.
 */
static void destroy_links(struct bpf_link **links, size_t n)
{
	enum {
		MAX_THREADS = 64
	};
	pthread_t th[MAX_THREADS];
	bool started[MAX_THREADS];

	for (size_t base = 0; base < n; base += MAX_THREADS) {
		size_t m = n - base < MAX_THREADS ? n - base : MAX_THREADS;

		for (size_t i = 0; i < m; i++)
			started[i] = !pthread_create(&th[i], NULL, destroy_link, links[base + i]);
		for (size_t i = 0; i < m; i++) {
			if (started[i])
				pthread_join(th[i], NULL);
			else
				bpf_link__destroy(links[base + i]);
		}
	}
}

static void *remove_links(void *arg)
{
	struct alloc_collector *c = arg;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	destroy_links(c->links, c->nr_links);
	clock_gettime(CLOCK_MONOTONIC, &b);
	p_debug(1, "removed %zu uprobes in %.1f ms", c->nr_links,
		(b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
	c->nr_links = 0;
	return NULL;
}

/* The programs stop counting at once; the probes go in the background
 * while the maps are read and the profile written (joined in free). */
static void alloc_stop(struct collector *base, __u64 stop_ns)
{
	struct alloc_collector *c = alloc_of(base);

	c->skel->bss->stopped = 1;
	__sync_synchronize();
	c->stop_ns = stop_ns;
	c->removing = !pthread_create(&c->remover, NULL, remove_links, c);
	if (!c->removing)
		remove_links(c);
}

/* A process that exited while recording freed everything it had; only
 * the processes whose exit ends the recording keep theirs ("the end" is
 * their exit). A process that exec'd lost what it had before. */
static bool ended_recording(const struct alloc_collector *c, __u32 tgid)
{
	const struct collector_scope *sc = &c->base.cfg.scope;

	if (sc->cmd && tgid == c->cmd_pid)
		return true;
	for (int i = 0; i < sc->nr_pids; i++)
		if (tgid == sc->pids[i])
			return true;
	return false;
}

/* Whether the process that started at start (boot clock ns) still has
 * pid: a PID reused by a new process holds none of the old one's blocks. */
static bool same_process(__u32 pid, __u64 start)
{
	__u64 lo, hi;

	return !procfs__pid_start("/proc", pid, &lo, &hi) && lo <= start && start <= hi;
}

/* Fold the live blocks by stack, then hand each stack to the sink. */
static int drain_live(struct alloc_collector *c, collector_sink sink, void *ctx)
{
	int live_fd = bpf_map__fd(c->skel->maps.live);
	int stacks_fd = bpf_map__fd(c->skel->maps.stacks);
	__u64 min_age_ns = (__u64)(c->base.cfg.alloc.min_age * 1e9);
	struct ember_alloc_addr a, next, *prev = NULL;
	struct leak_table *t = leak_table__new();
	struct munmap_log *ml = munmap_log__new();
	struct collector_bufs *b = malloc(sizeof(*b));
	struct ember_munmap m;
	int exec_fd = bpf_map__fd(c->skel->maps.exec_ts);
	__u32 last_tgid = 0;
	__u64 last_exec = 0, last_start = 0;
	bool last_alive = true;
	int err = -ENOMEM;

	if (!t || !b || !ml)
		goto out;
	while (!bpf_map_lookup_and_delete_elem(bpf_map__fd(c->skel->maps.munmaps), NULL, &m)) {
		if (munmap_log__add(ml, m.tgid, m.addr, m.len, m.ts))
			goto out;
	}
	while (bpf_map_get_next_key(live_fd, prev, &next) == 0) {
		struct ember_alloc_live l;
		struct ember_stack_key key = {};

		a = next;
		prev = &a;
		if (bpf_map_lookup_elem(live_fd, &a, &l))
			continue;
		if (a.tgid != last_tgid || l.start_time != last_start) {
			last_tgid = a.tgid;
			last_start = l.start_time;
			last_alive =
			    ended_recording(c, a.tgid) || same_process(a.tgid, l.start_time);
			if (bpf_map_lookup_elem(exec_fd, &a.tgid, &last_exec))
				last_exec = 0;
		}
		if (!last_alive || l.ts < last_exec) {
			c->leak.exited_blocks++;
			continue;
		}
		if (l.flags & EMBER_LIVE_MMAP) {
			l.bytes = munmap_log__remaining(ml, a.tgid, a.ptr, l.bytes, l.ts);
			if (!l.bytes)
				continue;
		}
		if (l.ts < c->stop_ns && c->stop_ns - l.ts < min_age_ns) {
			c->leak.young_blocks++;
			c->leak.young_bytes += l.bytes;
			continue;
		}
		key.tgid = a.tgid;
		key.flags = l.flags & (EMBER_KEY_USER_LOST | EMBER_KEY_KERNEL_LOST);
		key.user_stack = l.user_stack;
		key.start_time = l.start_time;
		memcpy(key.comm, l.comm, sizeof(key.comm));
		if (leak_table__add(t, &key, l.bytes, l.count, l.ts))
			goto out;
	}
	c->leak.munmap_untracked = munmap_log__unmatched(ml);
	err = 0;
	for (size_t i = 0; i < leak_table__size(t) && !err; i++) {
		const struct leak_entry *e = leak_table__entry(t, i);
		struct collected col = { .source = SOURCE_LEAK, .key = &e->key };
		struct raw_stack rs;

		col.value = e->bytes;
		col.count = (e->count + EMBER_ALLOC_ONE / 2) / EMBER_ALLOC_ONE;
		col.oldest_ns = e->oldest_ts < c->stop_ns ? c->stop_ns - e->oldest_ts : 0;
		/* taken at the allocator's return */
		collector__resolve(&c->base, stacks_fd, &e->key, true, b, &rs);
		col.stack = &rs;
		err = sink(ctx, &col);
	}
out:
	leak_table__free(t);
	munmap_log__free(ml);
	free(b);
	return err;
}

static int alloc_drain(struct collector *base, collector_sink sink, void *ctx)
{
	struct alloc_collector *c = alloc_of(base);
	int err = 0;

	if (base->cfg.alloc.count_allocs)
		err = collector__drain_counts(base, SOURCE_ALLOC,
					      bpf_map__fd(c->skel->maps.alloc_counts),
					      bpf_map__fd(c->skel->maps.stacks), sink, ctx);
	if (!err && base->cfg.alloc.track_live)
		err = drain_live(c, sink, ctx);
	return err;
}

static int alloc_take(struct collector *base, collector_sink sink, void *ctx)
{
	struct alloc_collector *c = alloc_of(base);

	return collector__take_counts(base, SOURCE_ALLOC, bpf_map__fd(c->skel->maps.alloc_counts),
				      bpf_map__fd(c->skel->maps.stacks), sink, ctx);
}

static void alloc_read_stats(struct collector *base, __u64 *stats)
{
	struct alloc_collector *c = alloc_of(base);

	collector__add_bpf_stats(bpf_map__fd(c->skel->maps.stats), c->skel->obj, &base->ds, stats);
	stats[EMBER_STAT_MUNMAP_UNTRACKED] += c->leak.munmap_untracked;
}

static void alloc_leak_stats(const struct collector *base, struct alloc_leak_stats *st)
{
	*st = ((const struct alloc_collector *)base)->leak;
}

static const char *alloc_describe(struct collector *c)
{
	return alloc_of(c)->desc;
}

static void alloc_free(struct collector *base)
{
	struct alloc_collector *c = alloc_of(base);

	if (c->removing)
		pthread_join(c->remover, NULL);
	destroy_links(c->links, c->nr_links);
	free(c->links);
	alloc_bpf__destroy(c->skel);
}

const struct collector_ops alloc_collector_ops = {
	.name = "alloc",
	.size = sizeof(struct alloc_collector),
	.load = alloc_load,
	.attach = alloc_attach,
	.stop = alloc_stop,
	.drain = alloc_drain,
	.take = alloc_take,
	.read_stats = alloc_read_stats,
	.leak_stats = alloc_leak_stats,
	.describe = alloc_describe,
	.free = alloc_free,
};
