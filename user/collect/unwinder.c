// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One builder thread owns the store and the mapping hooks' ring: it polls
 * the ring (a file seen for the first time), queues the file and builds
 * the queue's tables in order. Files seen while seeding arrive before
 * the thread starts and wait in the same queue. Building never blocks on
 * a target: the file is opened through /proc/TGID/map_files (the kernel's
 * own reference to the mapped file, not the target's path) and must be
 * the very file the event names (device and inode).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "collect/unwinder.h"
#include "lib/file_open.h"
#include "lib/log.h"
#include "sys/proc_maps.h"
#include "unwind/unwind_maps.h"
#include "unwind/unwind_store.h"
#include "unwind/unwind_table.h"

struct unwinder {
	struct unwind_maps *maps;
	struct unwind_store *store;
	int rows_fd, index_fd, files_fd;
	__u32 max_files;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;	   /* queue, stats, stop */
	pthread_mutex_t ring_lock; /* the hooks' ring: one reader at a time */
	pthread_cond_t done;	   /* the queue ran empty */
	struct ember_unw_event *queue;
	size_t nr_queued, cap_queued, next; /* next: first not yet built */
	bool building;			    /* the thread holds an event */
	bool stop;
	struct unwinder_stats st;
	struct unwind_table *vdso; /* built once, for every process */
	bool vdso_tried;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Runs in unwind_maps__new (seeding) and in the thread's polls. */
static void on_file(void *ctx, const struct ember_unw_event *ev)
{
	struct unwinder *u = ctx;

	pthread_mutex_lock(&u->lock);
	u->st.files++;
	if (u->nr_queued == u->cap_queued) {
		size_t ncap = u->cap_queued ? 2 * u->cap_queued : 64;
		struct ember_unw_event *nq = realloc(u->queue, ncap * sizeof(*nq));

		if (!nq) {
			u->st.failed++;
			pthread_mutex_unlock(&u->lock);
			return;
		}
		u->queue = nq;
		u->cap_queued = ncap;
	}
	u->queue[u->nr_queued++] = *ev;
	pthread_mutex_unlock(&u->lock);
}

/* This process's own vDSO: the kernel maps one image into every process. */
static struct unwind_table *vdso_table(void)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	struct unwind_table *t = NULL;
	struct proc_maps *pm;

	if (!base || !(pm = proc_maps__read("/proc/self/maps")))
		return NULL;
	for (size_t i = 0; i < proc_maps__nr(pm) && !t; i++) {
		const struct proc_map *e = proc_maps__entry(pm, i);

		if (e->start == base && strcmp(e->path, "[vdso]") == 0)
			t = unwind_table__new_mem((const void *)base, e->end - e->start, "[vdso]");
	}
	proc_maps__free(pm);
	return t;
}

/* The table of the file an event names, or NULL with the reason counted
 * (under the lock the caller takes for stats). */
static struct unwind_table *build(struct unwinder *u, const struct ember_unw_event *ev, __u64 **why)
{
	struct unwind_table *t;
	char path[64];
	struct stat sb;
	int fd;

	if (ev->flags & EMBER_UNW_MAP_VDSO) {
		if (!u->vdso_tried) {
			u->vdso = vdso_table();
			u->vdso_tried = true;
		}
		*why = &u->st.failed;
		return u->vdso;
	}
	snprintf(path, sizeof(path), "/proc/%u/map_files/%llx-%llx", ev->tgid,
		 (unsigned long long)ev->start, (unsigned long long)ev->end);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*why = &u->st.gone;
		return NULL;
	}
	fd = file_check_regular(fd);
	if (fd < 0 || fstat(fd, &sb) || unwind_maps__kdev_of(sb.st_dev) != ev->dev ||
	    sb.st_ino != ev->ino) {
		if (fd >= 0)
			close(fd);
		*why = &u->st.not_same;
		return NULL;
	}
	t = unwind_table__new_fd(fd, NULL);
	close(fd);
	*why = &u->st.failed;
	return t;
}

static void build_one(struct unwinder *u, const struct ember_unw_event *ev)
{
	__u64 t0 = now_ns(), *why = NULL;
	struct unwind_table *t;
	__u32 nr_rows = 0;
	int err = -1;

	/* a file placed before it was mapped (unwinder__prebuild) */
	if (!ev->tgid && !(ev->flags & EMBER_UNW_MAP_VDSO))
		return;
	t = build(u, ev, &why);
	/* the store's writers (this thread, unwinder__prebuild) and the
	 * stats' readers take the lock */
	pthread_mutex_lock(&u->lock);
	if (t)
		err = unwind_store__place(u->store, ev->file_idx, t);
	if (!t) {
		(*why)++;
	} else if (err == -ENOSPC) {
		u->st.full++;
	} else if (err) {
		u->st.failed++;
	} else {
		unwind_table__rows(t, &nr_rows);
		u->st.built++;
		if (!nr_rows)
			u->st.no_cfi++;
	}
	u->st.build_ns += now_ns() - t0;
	pthread_mutex_unlock(&u->lock);
	if (t != u->vdso)
		unwind_table__free(t);
}

static void *builder(void *arg)
{
	struct unwinder *u = arg;
	__u64 last_reap = now_ns();

	for (;;) {
		struct ember_unw_event ev;

		pthread_mutex_lock(&u->lock);
		if (u->stop) {
			pthread_mutex_unlock(&u->lock);
			break;
		}
		if (u->next == u->nr_queued) {
			u->building = false;
			pthread_cond_broadcast(&u->done);
			pthread_mutex_unlock(&u->lock);
			pthread_mutex_lock(&u->ring_lock);
			unwind_maps__poll(u->maps, 50);
			if (now_ns() - last_reap > 1000000000ull) {
				unwind_maps__reap(u->maps);
				last_reap = now_ns();
			}
			pthread_mutex_unlock(&u->ring_lock);
			continue;
		}
		ev = u->queue[u->next++];
		u->building = true;
		pthread_mutex_unlock(&u->lock);
		build_one(u, &ev);
	}
	return NULL;
}

static int make_arrays(struct unwinder *u, __u64 memory, __u32 *max_rows, __u32 *max_index)
{
	LIBBPF_OPTS(bpf_map_create_opts, mmapable, .map_flags = BPF_F_MMAPABLE);
	/* index entries are ~1/20 of the rows (one per 256 bytes of code,
	 * ~19 rows per KiB): give them 1/16 of the memory */
	__u64 index_bytes = memory / 16, rows_bytes = memory - index_bytes;

	*max_rows = rows_bytes / sizeof(struct ember_unw_row) > UINT32_MAX - 1
			? UINT32_MAX - 1
			: (__u32)(rows_bytes / sizeof(struct ember_unw_row));
	*max_index = index_bytes / 4 > UINT32_MAX - 1 ? UINT32_MAX - 1 : (__u32)(index_bytes / 4);
	u->rows_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unw_rows", 4, sizeof(struct ember_unw_row),
				    *max_rows, &mmapable);
	/* two index entries per element: see unwind_store.h */
	u->index_fd =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, "unw_index", 4, 8, (*max_index + 1) / 2, &mmapable);
	u->files_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unw_files", 4,
				     sizeof(struct ember_unw_file), u->max_files, NULL);
	if (u->rows_fd < 0 || u->index_fd < 0 || u->files_fd < 0)
		return -errno;
	return 0;
}

struct unwinder *unwinder__new(const struct unwinder_opts *o)
{
	struct unwinder *u = calloc(1, sizeof(*u));
	struct unwind_store_maps sm;
	__u32 max_rows, max_index;
	int err;

	if (!u) {
		p_err("out of memory");
		return NULL;
	}
	u->rows_fd = u->index_fd = u->files_fd = -1;
	pthread_mutex_init(&u->lock, NULL);
	pthread_mutex_init(&u->ring_lock, NULL);
	pthread_cond_init(&u->done, NULL);
	u->max_files = UNWIND_MAPS_DEF_FILES;
	err = make_arrays(u, o->memory, &max_rows, &max_index);
	if (err) {
		p_err("cannot create the unwind tables' maps (%llu MB): %s: give less "
		      "--unwind-memory, or --unwind fp",
		      (unsigned long long)(o->memory >> 20), strerror(-err));
		goto fail;
	}
	sm = (struct unwind_store_maps){ .rows_fd = u->rows_fd,
					 .index_fd = u->index_fd,
					 .files_fd = u->files_fd,
					 .max_rows = max_rows,
					 .max_index = max_index,
					 .max_files = u->max_files };
	u->store = unwind_store__new(&sm);
	if (!u->store) {
		p_err("cannot map the unwind tables' memory: %s", strerror(errno));
		goto fail;
	}
	u->maps = unwind_maps__new(&(struct unwind_maps_opts){ .mode = o->mode,
							       .targets_fd = o->targets_fd,
							       .target_tgid = o->target_tgid,
							       .max_files = u->max_files,
							       .on_file = on_file,
							       .ctx = u });
	if (!u->maps)
		goto fail; /* printed why */
	u->st.seed_ns = unwind_maps__seeding(u->maps)->ns;
	u->st.seed_mappings = unwind_maps__seeding(u->maps)->mappings;
	err = pthread_create(&u->thread, NULL, builder, u);
	if (err) {
		p_err("cannot start the unwind table builder: %s", strerror(err));
		goto fail;
	}
	u->started = true;
	return u;
fail:
	unwinder__free(u);
	return NULL;
}

void unwinder__free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->started) {
		pthread_mutex_lock(&u->lock);
		u->stop = true;
		pthread_mutex_unlock(&u->lock);
		pthread_join(u->thread, NULL);
	}
	unwind_maps__free(u->maps);
	unwind_store__free(u->store);
	unwind_table__free(u->vdso);
	if (u->rows_fd >= 0)
		close(u->rows_fd);
	if (u->index_fd >= 0)
		close(u->index_fd);
	if (u->files_fd >= 0)
		close(u->files_fd);
	free(u->queue);
	pthread_cond_destroy(&u->done);
	pthread_mutex_destroy(&u->lock);
	pthread_mutex_destroy(&u->ring_lock);
	free(u);
}

int unwinder__prebuild(struct unwinder *u, const char *path)
{
	struct unwind_table *t;
	struct stat sb;
	long idx;
	int fd = file_open_regular(path), err;

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb)) {
		err = -errno;
		close(fd);
		return err;
	}
	pthread_mutex_lock(&u->ring_lock);
	idx = unwind_maps__register_file(u->maps, unwind_maps__kdev_of(sb.st_dev), sb.st_ino);
	pthread_mutex_unlock(&u->ring_lock);
	if (idx < 0) {
		close(fd);
		return (int)idx;
	}
	t = unwind_table__new_fd(fd, NULL);
	close(fd);
	if (!t)
		return -errno;
	pthread_mutex_lock(&u->lock);
	err = unwind_store__place(u->store, (__u32)idx, t);
	if (!err)
		u->st.built++;
	pthread_mutex_unlock(&u->lock);
	unwind_table__free(t);
	return err;
}

void unwinder__add_pid(struct unwinder *u, __u32 tgid)
{
	pthread_mutex_lock(&u->ring_lock);
	unwind_maps__seed_pid(u->maps, tgid);
	pthread_mutex_unlock(&u->ring_lock);
}

int unwinder__share(const struct unwinder *u, struct shared_maps *sm)
{
	struct unwind_maps_fds fds;
	int err;

	unwind_maps__fds(u->maps, &fds);
	err = shared_maps__add(sm, "unw_rows", u->rows_fd);
	if (!err)
		err = shared_maps__add(sm, "unw_index", u->index_fd);
	if (!err)
		err = shared_maps__add(sm, "unw_files", u->files_fd);
	if (!err)
		err = shared_maps__add(sm, "unw_maps", fds.maps);
	if (!err)
		err = shared_maps__add(sm, "unw_parent", fds.parent);
	return err;
}

bool unwinder__settle(struct unwinder *u, int timeout_ms)
{
	struct timespec until;
	bool settled;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&u->lock);
	while ((u->next < u->nr_queued || u->building) &&
	       pthread_cond_timedwait(&u->done, &u->lock, &until) == 0)
		;
	settled = u->next == u->nr_queued && !u->building;
	pthread_mutex_unlock(&u->lock);
	return settled;
}

void unwinder__read_stats(const struct unwinder *u, __u64 *stats)
{
	collector__add_stats(unwind_maps__stats_fd(u->maps), stats);
}

void unwinder__stats(struct unwinder *u, struct unwinder_stats *st)
{
	pthread_mutex_lock(&u->lock);
	*st = u->st;
	st->bytes = unwind_store__stats(u->store)->bytes;
	st->shared = unwind_store__stats(u->store)->shared;
	pthread_mutex_unlock(&u->lock);
}
