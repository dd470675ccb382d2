// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/array.h"
#include "lib/log.h"
#include "symbolize/mmap_tracker.h"
#include "symbolize/symbolizer.h"

/* 64 pages per CPU: a burst of process starts (a shell loop, a build)
 * emits dozens of records each; losses are counted, not hidden. */
#define TRACKER_PAGES 64

struct listener {
	const struct mmap_listener *l;
	void *ctx;
};

struct mmap_tracker {
	struct listener *listeners;
	size_t nr_listeners;
	struct perf_buffer *pb;
	int map_fd;
	bool track_all, follow_forks;
	int targets_fd; /* the BPF filter's targets, or -1 */
	/* tracked tgids when !track_all: small sorted-free set */
	__u32 *tgids;
	size_t nr_tgids, cap_tgids;
	/* records read but not yet handed on, see mmap_tracker__poll */
	struct pending *pending;
	size_t nr_pending, cap_pending;
	__u64 seq;
	struct mmap_tracker_stats st;
};

struct pending {
	__u64 time, seq;
	struct perf_event_header *h; /* a copy */
};

/* With sample_id_all and sample_type TID|TIME every side-band record ends
 * with this trailer. */
struct sample_id {
	__u32 pid, tid;
	__u64 time;
};

struct rec_mmap2 {
	struct perf_event_header h;
	__u32 pid, tid;
	__u64 addr, len, pgoff;
	union {
		struct {
			__u32 maj, min;
			__u64 ino, ino_generation;
		};
		struct {
			__u8 build_id_size;
			__u8 reserved1;
			__u16 reserved2;
			__u8 build_id[20];
		};
	};
	__u32 prot, flags;
	char filename[];
};

struct rec_comm {
	struct perf_event_header h;
	__u32 pid, tid;
	char comm[];
};

/* PERF_RECORD_FORK and PERF_RECORD_EXIT */
struct rec_fork {
	struct perf_event_header h;
	__u32 pid, ppid, tid, ptid;
	__u64 time;
};

struct rec_lost {
	struct perf_event_header h;
	__u64 id, lost;
};

__u64 mmap_tracker__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static bool tracked_locally(const struct mmap_tracker *t, __u32 tgid)
{
	for (size_t i = 0; i < t->nr_tgids; i++)
		if (t->tgids[i] == tgid)
			return true;
	return false;
}

/*
 * Records from different CPUs arrive out of order: a forked child's exec
 * and mmap records (on its CPU) can come before its parent's FORK record
 * (on the parent's CPU). The BPF fork hook made the child a target at the
 * fork itself, so ask the targets map before dropping a record.
 */
static bool tracked(struct mmap_tracker *t, __u32 tgid)
{
	__u8 v;

	if (t->track_all || tracked_locally(t, tgid))
		return true;
	if (t->targets_fd >= 0 && bpf_map_lookup_elem(t->targets_fd, &tgid, &v) == 0) {
		mmap_tracker__track(t, tgid);
		return true;
	}
	return false;
}

void mmap_tracker__track(struct mmap_tracker *t, __u32 tgid)
{
	if (t->track_all || tracked_locally(t, tgid))
		return;
	if (t->nr_tgids == t->cap_tgids) {
		size_t ncap = t->cap_tgids ? t->cap_tgids * 2 : 16;
		__u32 *n = realloc(t->tgids, ncap * sizeof(*n));

		if (!n) {
			p_warn("out of memory tracking process %u: its frames may stay unnamed",
			       tgid);
			return;
		}
		t->tgids = n;
		t->cap_tgids = ncap;
	}
	t->tgids[t->nr_tgids++] = tgid;
}

static const struct sample_id *trailer(const struct perf_event_header *h)
{
	if (h->size < sizeof(*h) + sizeof(struct sample_id))
		return NULL;
	return (const struct sample_id *)((const char *)h + h->size - sizeof(struct sample_id));
}

/* Calls OP of every listener that has it, in the order they were added. */
#define NOTIFY(t, op, ...)                                                                         \
	do {                                                                                       \
		for (size_t i_ = 0; i_ < (t)->nr_listeners; i_++)                                  \
			if ((t)->listeners[i_].l->op)                                              \
				(t)->listeners[i_].l->op((t)->listeners[i_].ctx, __VA_ARGS__);     \
	} while (0)

static void dispatch(struct mmap_tracker *t, const struct perf_event_header *h)
{
	const struct sample_id *sid = trailer(h);

	switch (h->type) {
	case PERF_RECORD_MMAP2: {
		const struct rec_mmap2 *r = (const void *)h;
		struct sym_mmap m = {};
		size_t max_name;

		if (!sid || h->size < sizeof(*r) + sizeof(*sid) || !tracked(t, r->pid))
			break;
		/* the name is NUL-padded to 8 bytes, but never trust it */
		max_name = h->size - sizeof(*r) - sizeof(*sid);
		if (!memchr(r->filename, '\0', max_name))
			break;
		t->st.mmaps++;
		m.tgid = r->pid;
		m.start = r->addr;
		m.len = r->len;
		m.pgoff = r->pgoff;
		/* Always device and inode: the attr asks for no build ids (and
		 * this kernel flags MISC_MMAP_BUILD_ID on records that carry
		 * inodes all the same). */
		m.dev_major = r->maj;
		m.dev_minor = r->min;
		m.ino = r->ino;
		m.ino_generation = r->ino_generation;
		m.path = r->filename;
		m.time = sid->time;
		NOTIFY(t, mmap, &m);
		break;
	}
	case PERF_RECORD_COMM: {
		const struct rec_comm *r = (const void *)h;

		if (!(h->misc & PERF_RECORD_MISC_COMM_EXEC) || !sid || !tracked(t, r->pid))
			break;
		t->st.execs++;
		NOTIFY(t, exec, r->pid, sid->time);
		break;
	}
	case PERF_RECORD_FORK: {
		const struct rec_fork *r = (const void *)h;

		/* a new thread shares its process's maps: nothing to do */
		if (r->pid == r->ppid || !tracked(t, r->ppid))
			break;
		if (!t->track_all) {
			if (!t->follow_forks)
				break;
			mmap_tracker__track(t, r->pid);
		}
		t->st.forks++;
		NOTIFY(t, fork, r->ppid, r->pid, r->time);
		break;
	}
	case PERF_RECORD_EXIT: {
		const struct rec_fork *r = (const void *)h;

		/* the process, not one of its threads */
		if (r->pid != r->tid || !tracked(t, r->pid))
			break;
		t->st.exits++;
		NOTIFY(t, exit, r->pid, r->time);
		break;
	}
	default:
		break;
	}
}

static __u64 record_time(const struct perf_event_header *h)
{
	const struct sample_id *sid = trailer(h);

	if ((h->type == PERF_RECORD_FORK || h->type == PERF_RECORD_EXIT) &&
	    h->size >= sizeof(struct rec_fork))
		return ((const struct rec_fork *)h)->time;
	return sid ? sid->time : 0;
}

/* Records are kept until mmap_tracker__poll hands them on in time order. */
static enum bpf_perf_event_ret on_record(void *ctx, int cpu, struct perf_event_header *h)
{
	struct mmap_tracker *t = ctx;
	struct perf_event_header *copy;

	(void)cpu;
	if (h->type == PERF_RECORD_LOST) {
		t->st.lost_records += ((const struct rec_lost *)h)->lost;
		return LIBBPF_PERF_EVENT_CONT;
	}
	if (h->type != PERF_RECORD_MMAP2 && h->type != PERF_RECORD_COMM &&
	    h->type != PERF_RECORD_FORK && h->type != PERF_RECORD_EXIT)
		return LIBBPF_PERF_EVENT_CONT;
	if (array__grow((void **)&t->pending, &t->cap_pending, t->nr_pending + 1,
			sizeof(*t->pending), 256))
		goto now;
	copy = malloc(h->size);
	if (!copy)
		goto now;
	memcpy(copy, h, h->size);
	t->pending[t->nr_pending++] = (struct pending){ record_time(h), t->seq++, copy };
	return LIBBPF_PERF_EVENT_CONT;
now:
	/* out of memory: handled at once, out of order at worst */
	dispatch(t, h);
	return LIBBPF_PERF_EVENT_CONT;
}

static int by_time(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand on, in time order, the pending records older than cut. */
static void hand_on(struct mmap_tracker *t, __u64 cut)
{
	size_t i, j;

	if (t->nr_pending > 1)
		qsort(t->pending, t->nr_pending, sizeof(*t->pending), by_time);
	for (i = 0; i < t->nr_pending && t->pending[i].time < cut; i++) {
		dispatch(t, t->pending[i].h);
		free(t->pending[i].h);
	}
	for (j = 0; i < t->nr_pending; i++, j++)
		t->pending[j] = t->pending[i];
	t->nr_pending = j;
}

int mmap_tracker__listen(struct mmap_tracker *t, const struct mmap_listener *l, void *ctx)
{
	struct listener *n = realloc(t->listeners, (t->nr_listeners + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	n[t->nr_listeners++] = (struct listener){ .l = l, .ctx = ctx };
	t->listeners = n;
	return 0;
}

struct mmap_tracker *mmap_tracker__new(const bool *cpus, int nr_cpus, bool track_all,
				       bool follow_forks, int targets_fd)
{
	struct perf_buffer_raw_opts opts = {};
	struct perf_event_attr attr = {};
	struct mmap_tracker *t;
	int *cpu_list = NULL, *map_keys = NULL, n = 0, err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->track_all = track_all;
	t->follow_forks = follow_forks;
	t->targets_fd = targets_fd;
	t->map_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "ember_sideband", sizeof(int),
				   sizeof(int), nr_cpus, NULL);
	if (t->map_fd < 0) {
		err = -errno;
		p_err("cannot create the side-band event map: %s", strerror(-err));
		goto fail;
	}

	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	attr.sample_id_all = 1;
	attr.mmap = 1; /* executable mappings only */
	attr.mmap2 = 1;
	attr.comm = 1;
	attr.comm_exec = 1;
	attr.task = 1;
	/* Device, inode and inode generation rather than the build id: every
	 * file has an identity, and the symbolizer checks what it opens
	 * against it (a build id is only in files that have one). */
	attr.build_id = 0;
	attr.use_clockid = 1;
	attr.clockid = CLOCK_BOOTTIME; /* the clock of start times in /proc */
	attr.sample_period = 1;
	/* Side-band records do not count as events for wakeup_events; wake
	 * on fill level instead, and consume every buffer on each poll. */
	attr.watermark = 1;
	attr.wakeup_watermark = 4096;

	/* The whole machine, on every CPU, even under -C: a target's mmaps
	 * happen on whatever CPU it runs. */
	cpu_list = calloc(nr_cpus, sizeof(*cpu_list));
	map_keys = calloc(nr_cpus, sizeof(*map_keys));
	if (!cpu_list || !map_keys) {
		err = -ENOMEM;
		goto fail;
	}
	for (int c = 0; c < nr_cpus; c++) {
		if (!cpus[c])
			continue;
		cpu_list[n] = c;
		map_keys[n] = c;
		n++;
	}
	opts.sz = sizeof(opts);
	opts.cpu_cnt = n;
	opts.cpus = cpu_list;
	opts.map_keys = map_keys;
	t->pb = perf_buffer__new_raw(t->map_fd, TRACKER_PAGES, &attr, on_record, t, &opts);
	if (!t->pb) {
		err = -errno;
		p_err("cannot open side-band mmap events: %s", strerror(-err));
		goto fail;
	}
	free(cpu_list);
	free(map_keys);
	return t;
fail:
	free(cpu_list);
	free(map_keys);
	mmap_tracker__free(t);
	errno = -err;
	return NULL;
}

void mmap_tracker__free(struct mmap_tracker *t)
{
	if (!t)
		return;
	perf_buffer__free(t->pb);
	if (t->map_fd > 0)
		close(t->map_fd);
	for (size_t i = 0; i < t->nr_pending; i++)
		free(t->pending[i].h);
	free(t->pending);
	free(t->tgids);
	free(t->listeners);
	free(t);
}

/*
 * Records from different CPUs arrive out of order (a child's exec and
 * mmaps, on its CPU, before its parent's FORK record; under load by whole
 * poll rounds), and a PID reused in between makes that ambiguous. So they
 * are handed on in time order: once every buffer has been read after
 * time cut, every record stamped before cut is here (less a margin for a
 * record stamped just before it was written); later ones wait for the
 * next poll.
 */
#define ORDER_MARGIN_NS 2000000ULL

int mmap_tracker__poll(struct mmap_tracker *t, int timeout_ms)
{
	int err = perf_buffer__poll(t->pb, timeout_ms);
	__u64 cut;

	if (err < 0)
		return err;
	cut = symbolizer__now();
	/* Buffers below the watermark did not wake epoll; read them too so
	 * records are handled while their processes are still alive. */
	err = perf_buffer__consume(t->pb);
	hand_on(t, cut > ORDER_MARGIN_NS ? cut - ORDER_MARGIN_NS : 0);
	return err < 0 ? err : 0;
}

void mmap_tracker__flush(struct mmap_tracker *t)
{
	perf_buffer__consume(t->pb);
	hand_on(t, ~0ULL);
}

void mmap_tracker__stats(const struct mmap_tracker *t, struct mmap_tracker_stats *st)
{
	*st = t->st;
}
