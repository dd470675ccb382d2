// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "symbolize/mmap_tracker.h"
#include "symbolize/proc_scan.h"
#include "collect/session.h"
#include "symbolize/symbolizer.h"
#include "collect/targets.h"
#include "collect/unwinder.h"
#include "targets.skel.h"

/* record runs three at most (cpu, offcpu, alloc), top one */
#define MAX_COLLECTORS 4

struct session {
	struct session_scope sc;
	struct targets_bpf *targets;
	struct bpf_link *fork_link;
	struct symbolizer *sym;
	struct mmap_tracker *tracker;
	struct unwinder *unw;	   /* NULL: frame pointers */
	struct shared_maps shared; /* with every collector's object */
	struct collector *coll[MAX_COLLECTORS];
	int nr_coll;
};

/* The .eh_frame walk's tables and mappings, before any collector loads:
 * each shares them. --unwind auto goes on with frame pointers without. */
static int start_unwinder(struct session *s)
{
	const struct session_scope *sc = &s->sc;
	struct unwinder_opts uo = {
		.mode = sc->all	  ? EMBER_FILTER_ALL
			: sc->tid ? EMBER_FILTER_TID
				  : EMBER_FILTER_TGID,
		.targets_fd = session__targets_fd(s),
		.memory =
		    sc->unwind_memory ? sc->unwind_memory : (__u64)UNWIND_MEMORY_DEFAULT_MB << 20,
	};

	if (sc->tid && targets__tgid_of(sc->tid, &uo.target_tgid))
		uo.target_tgid = sc->tid;
	s->unw = unwinder__new(&uo);
	if (!s->unw) {
		if (sc->unwind == UNWIND_CFI)
			return -1;
		p_warn("user stacks follow frame pointers only (--unwind fp)");
		return 0;
	}
	if (unwinder__share(s->unw, &s->shared)) {
		p_err("too many shared maps");
		return -1;
	}
	return 0;
}

struct session *session__new(const struct session_scope *sc)
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		goto oom;
	s->sc = *sc;
	s->targets = targets__load(sc->follow_forks);
	if (!s->targets) {
		p_err("cannot load the BPF programs: %s: run with -v for libbpf's and the "
		      "verifier's messages",
		      strerror(errno));
		goto fail;
	}
	shared_maps__add(&s->shared, "targets", session__targets_fd(s));
	if (sc->unwind != UNWIND_FP && start_unwinder(s))
		goto fail; /* printed why */
	s->sym = symbolizer__new(NULL);
	if (!s->sym)
		goto oom;
	s->tracker = mmap_tracker__new(sc->cpus, sc->nr_cpus, sc->all, sc->follow_forks,
				       sc->tracker_reads_filter ? session__targets_fd(s) : -1);
	if (!s->tracker)
		goto fail; /* printed why */
	if (mmap_tracker__listen(s->tracker, &symbolizer__listener, s->sym))
		goto oom;
	/* every process's mappings now; their changes arrive as records */
	if (sc->all)
		proc_scan__all(s->sym);
	return s;
oom:
	p_err("out of memory");
fail:
	session__free(s);
	return NULL;
}

void session__free(struct session *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nr_coll; i++)
		collector__free(s->coll[i]);
	bpf_link__destroy(s->fork_link);
	unwinder__free(s->unw);
	mmap_tracker__free(s->tracker);
	symbolizer__free(s->sym);
	targets_bpf__destroy(s->targets);
	free(s);
}

int session__targets_fd(const struct session *s)
{
	return bpf_map__fd(s->targets->maps.targets);
}

unsigned int session__unwinder(const struct session *s)
{
	return s->unw ? EMBER_UNWINDER_CFI : EMBER_UNWINDER_FP;
}

struct unwinder *session__unwind(const struct session *s)
{
	return s->unw;
}

struct symbolizer *session__symbolizer(const struct session *s)
{
	return s->sym;
}

struct mmap_tracker *session__tracker(const struct session *s)
{
	return s->tracker;
}

int session__add_target(struct session *s, __u32 tgid, unsigned int how)
{
	__u8 one = 1;

	if ((how & SESSION_FILTER) &&
	    bpf_map_update_elem(session__targets_fd(s), &tgid, &one, BPF_ANY))
		return -errno;
	/* its mappings for the table walk (a command not exec'd yet has
	 * none worth entering: the exec hook enters its new image) */
	if ((how & SESSION_FILTER) && (how & SESSION_SCAN) && s->unw)
		unwinder__add_pid(s->unw, tgid);
	if (!s->sc.all)
		mmap_tracker__track(s->tracker, tgid);
	if (how & SESSION_SCAN)
		symbolizer__scan_pid(s->sym, tgid, symbolizer__now());
	return 0;
}

void session__prebuild(struct session *s, const char *argv0)
{
	char *path;

	if (!s->unw || targets__resolve_command(argv0, &path))
		return;
	unwinder__prebuild(s->unw, path);
	free(path);
}

void session__clear_filter(struct session *s)
{
	int fd = session__targets_fd(s);
	__u32 key;

	while (bpf_map_get_next_key(fd, NULL, &key) == 0)
		bpf_map_delete_elem(fd, &key);
}

struct collector *session__add_collector(struct session *s, const struct collector_ops *ops,
					 const struct collector_config *cfg)
{
	struct collector_config own;
	struct collector *c;

	if (s->nr_coll == MAX_COLLECTORS) {
		errno = E2BIG;
		return NULL;
	}
	own = *cfg;
	own.scope.unwinder = session__unwinder(s);
	c = collector__new(ops, &own, &s->shared);
	if (c)
		s->coll[s->nr_coll++] = c;
	return c;
}

int session__nr_collectors(const struct session *s)
{
	return s->nr_coll;
}

struct collector *session__collector(const struct session *s, int i)
{
	return i >= 0 && i < s->nr_coll ? s->coll[i] : NULL;
}

struct collector *session__remove_collector(struct session *s, struct collector *c)
{
	for (int i = 0; i < s->nr_coll; i++) {
		if (s->coll[i] != c)
			continue;
		memmove(&s->coll[i], &s->coll[i + 1], (s->nr_coll - i - 1) * sizeof(s->coll[0]));
		s->nr_coll--;
		return c;
	}
	return NULL;
}

int session__start(struct session *s, const struct attach_info *ai)
{
	int err;

	if (s->sc.follow_forks) {
		s->fork_link = bpf_program__attach(s->targets->progs.on_fork);
		if (!s->fork_link) {
			err = -errno;
			p_err("cannot follow the command's child processes: %s", strerror(-err));
			return err;
		}
	}
	/* the tables of the files mapped now (libc, ld.so, interpreters), so
	 * that the first samples of a target walk completely; bounded, the
	 * rest keep building while the collectors run */
	if (s->unw)
		unwinder__settle(s->unw, 2000);
	for (int i = 0; i < s->nr_coll; i++) {
		err = collector__attach(s->coll[i], ai);
		if (err)
			return err; /* the collector printed why */
	}
	return 0;
}

void session__stop(struct session *s, __u64 stop_ns)
{
	for (int i = 0; i < s->nr_coll; i++)
		collector__stop(s->coll[i], stop_ns);
	bpf_link__destroy(s->fork_link);
	s->fork_link = NULL;
	/* records written before the stop may still sit in the buffers */
	mmap_tracker__flush(s->tracker);
}

void session__read_stats(const struct session *s, __u64 *stats)
{
	collector__add_stats(bpf_map__fd(s->targets->maps.stats), stats);
	if (s->unw)
		unwinder__read_stats(s->unw, stats);
}
