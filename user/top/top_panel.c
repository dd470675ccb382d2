// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "sys/cpus.h"
#include "profile/func_stats.h"
#include "lib/log.h"
#include "collect/loss_table.h"
#include "symbolize/mmap_tracker.h"
#include "collect/session.h"
#include "stack/stack_builder.h"
#include "symbolize/symbolizer.h"
#include "top/top_panel.h"

/* Refreshes kept for the window; faster refreshes shorten it. */
#define MAX_TICKS 64
#define MAX_RETIRED 16

struct tick {
	struct profile *funcs; /* values: self, total */
	double start;	       /* what was new between start and the read */
};

struct top_panel {
	unsigned int freq, stack_storage;
	double window_s;
	enum top_panel_kind kind;
	__u32 pid, pid_buf[1];
	struct collector_config cfg;
	bool *cpus;
	int nr_cpus;
	struct session *s;
	struct collector *coll; /* the running one, held by the session */
	struct tick ticks[MAX_TICKS];
	int nr_ticks; /* oldest first */
	struct profile *merged;
	struct top_func *funcs;
	size_t nr_funcs;
	double total, window;
	double last; /* when the collector was last read (or started) */
	struct top_panel_losses losses;
	__u64 lost_before; /* losses of collectors already replaced */
	__u64 stored;	   /* stacks the collector had stored at the last refresh */
	__u64 dsos_opened; /* by the symbolizer, at the last refresh */
	char status[200];
	/* collectors being freed in the background (probe removal waits
	 * for the kernel) */
	pthread_t retired[MAX_RETIRED];
	int nr_retired;
};

static const struct value_type func_types[] = { { "self", "count", 0 }, { "total", "count", 0 } };

struct top_panel *top_panel__new(unsigned int freq, double window_s, unsigned int stack_storage)
{
	struct top_panel *p = calloc(1, sizeof(*p));

	if (!p)
		goto oom;
	p->freq = freq;
	p->window_s = window_s;
	p->stack_storage = stack_storage;
	p->nr_cpus = libbpf_num_possible_cpus();
	if (p->nr_cpus <= 0) {
		p_err("cannot count CPUs: %s", strerror(-p->nr_cpus));
		goto fail;
	}
	p->cpus = calloc(p->nr_cpus, sizeof(*p->cpus));
	if (!p->cpus)
		goto oom;
	if (cpulist__online(NULL, p->cpus, p->nr_cpus)) {
		p_err("cannot read the online CPUs");
		goto fail;
	}
	/* every process's mappings now, their changes as they happen */
	p->s = session__new(
	    &(struct session_scope){ .cpus = p->cpus, .nr_cpus = p->nr_cpus, .all = true });
	if (!p->s)
		goto fail;
	return p;
oom:
	p_err("out of memory");
fail:
	top_panel__free(p);
	return NULL;
}

static void *free_collector(void *c)
{
	collector__free(c);
	return NULL;
}

/* Stop the running collector and free it in the background: removing
 * uprobes waits for the kernel a fraction of a second each. */
static void retire(struct top_panel *p)
{
	if (!p->coll)
		return;
	session__remove_collector(p->s, p->coll);
	collector__stop(p->coll, mmap_tracker__now());
	if (p->nr_retired == MAX_RETIRED) {
		/* long done by now, normally: a view that renews its collector
		 * every few minutes runs for days */
		for (int i = 0; i < p->nr_retired; i++)
			pthread_join(p->retired[i], NULL);
		p->nr_retired = 0;
	}
	if (pthread_create(&p->retired[p->nr_retired], NULL, free_collector, p->coll) == 0)
		p->nr_retired++;
	else
		collector__free(p->coll);
	p->coll = NULL;
}

static void clear_window(struct top_panel *p)
{
	for (int i = 0; i < p->nr_ticks; i++)
		profile__free(p->ticks[i].funcs);
	p->nr_ticks = 0;
	profile__free(p->merged);
	p->merged = NULL;
	free(p->funcs);
	p->funcs = NULL;
	p->nr_funcs = 0;
	p->total = p->window = 0;
}

void top_panel__free(struct top_panel *p)
{
	if (!p)
		return;
	retire(p);
	for (int i = 0; i < p->nr_retired; i++)
		pthread_join(p->retired[i], NULL);
	clear_window(p);
	session__free(p->s);
	free(p->cpus);
	free(p);
}

/* Load and attach the collector for the current kind and process. */
static int start(struct top_panel *p)
{
	struct attach_info ai = { .cpus = p->cpus, .nr_cpus = p->nr_cpus };
	const struct collector_ops *kind = &cpu_collector_ops;
	int err;

	collector_config__defaults(&p->cfg);
	p->cfg.cpu.freq = p->freq;
	if (p->stack_storage)
		p->cfg.scope.stack_storage = p->stack_storage;
	switch (p->kind) {
	case TOP_PANEL_CPU:
		break;
	case TOP_PANEL_OFFCPU:
		/* where threads blocked, by the user function that called
		 * into the kernel: the kernel part is always the scheduler */
		kind = &offcpu_collector_ops;
		p->cfg.scope.user_only = true;
		break;
	case TOP_PANEL_ALLOC:
		kind = &alloc_collector_ops;
		p->cfg.alloc.count_allocs = true;
		break;
	}
	if (p->pid) {
		p->pid_buf[0] = p->pid;
		p->cfg.scope.pids = p->pid_buf;
		p->cfg.scope.nr_pids = 1;
	} else {
		p->cfg.scope.all = true;
	}
	session__clear_filter(p->s);
	if (p->pid)
		session__add_target(p->s, p->pid, SESSION_FILTER);
	p->coll = session__add_collector(p->s, kind, &p->cfg);
	if (!p->coll) {
		err = -errno;
		snprintf(p->status, sizeof(p->status), "cannot load the %s programs: %s",
			 kind->name, strerror(errno));
		return err;
	}
	err = collector__attach(p->coll, &ai);
	if (err) {
		snprintf(p->status, sizeof(p->status), "cannot attach the %s programs: %s",
			 kind->name, strerror(-err));
		collector__free(session__remove_collector(p->s, p->coll));
		p->coll = NULL;
		return err;
	}
	p->last = mmap_tracker__now() / 1e9;
	p->stored = 0;
	return 0;
}

int top_panel__set(struct top_panel *p, enum top_panel_kind kind, __u32 pid)
{
	retire(p);
	clear_window(p);
	p->kind = kind;
	p->pid = pid;
	p->status[0] = '\0';
	if (kind == TOP_PANEL_ALLOC && !pid) {
		snprintf(p->status, sizeof(p->status),
			 "allocations are per process: select one and press Enter");
		return -EINVAL;
	}
	return start(p);
}

enum top_panel_kind top_panel__kind(const struct top_panel *p)
{
	return p->kind;
}

__u32 top_panel__pid(const struct top_panel *p)
{
	return p->pid;
}

struct tick_ctx {
	struct top_panel *p;
	struct stack_builder *sb;
	int err;
};

/* What one stack gained since the last refresh, into this refresh's
 * stacks. */
static int add_new(void *ctx, const struct collected *c)
{
	struct tick_ctx *t = ctx;
	int64_t v = (int64_t)c->value;

	if (!c->value)
		return 0;
	if (raw_stack__has(c->stack, RAW_FRAME_USER))
		symbolizer__ensure(session__symbolizer(t->p->s), c->stack->tgid,
				   c->stack->start_time, symbolizer__now());
	return stack_builder__add(t->sb, c->stack, &v);
}

/* This refresh's stacks as functions, folded as ember report folds them
 * (func_stats.h): one row a function, its self and its total, a stack
 * counted once however deep it recurses. The panel lists code, so no
 * process root, not even one left alone in a stack whose only frames were
 * the probe's own. */
static int fold_functions(const struct profile *stacks, struct profile *funcs)
{
	struct func_stats *fs = func_stats__new(stacks, 0);
	int err = 0;

	if (!fs)
		return -errno;
	for (size_t i = 0; i < func_stats__nr(fs) && !err; i++) {
		const struct func_stat *f = func_stats__get(fs, i);
		struct frame fr = { .name = f->name, .module = f->module, .kind = f->kind };
		int64_t v[2] = { f->self, f->total };

		if (f->kind != FRAME_PROCESS)
			err = profile__add(funcs, &fr, 1, v);
	}
	func_stats__free(fs);
	return err;
}

static int cmp_funcs(const void *a, const void *b)
{
	const struct top_func *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return func_stat__cmp_key(
	    &(struct func_stat){ .name = x->name, .module = x->module, .kind = x->kind },
	    &(struct func_stat){ .name = y->name, .module = y->module, .kind = y->kind });
}

/* The window's functions: every kept refresh summed. */
static int merge_window(struct top_panel *p, double now)
{
	int kept = 0;

	for (int i = 0; i < p->nr_ticks; i++) {
		/* the newest refresh stays even if it was longer than the
		 * window (the view was stopped, or blocked on its output) */
		if (p->ticks[i].start < now - p->window_s - 1e-3 && i < p->nr_ticks - 1) {
			profile__free(p->ticks[i].funcs);
			continue;
		}
		p->ticks[kept++] = p->ticks[i];
	}
	p->nr_ticks = kept;
	profile__free(p->merged);
	free(p->funcs);
	p->funcs = NULL;
	p->nr_funcs = 0;
	p->total = 0;
	p->merged = profile__new(func_types, 2);
	if (!p->merged)
		return -ENOMEM;
	for (int i = 0; i < p->nr_ticks; i++) {
		const struct profile *f = p->ticks[i].funcs;

		for (size_t s = 0; s < profile__nr_stacks(f); s++) {
			struct profile_stack st;

			profile__stack(f, s, &st);
			if (profile__add(p->merged, st.frames, st.nr_frames, st.values))
				return -ENOMEM;
		}
		p->total += profile__total(f, 0);
	}
	p->funcs = calloc(profile__nr_stacks(p->merged) + 1, sizeof(*p->funcs));
	if (!p->funcs)
		return -ENOMEM;
	for (size_t s = 0; s < profile__nr_stacks(p->merged); s++) {
		struct profile_stack st;
		struct top_func *fn = &p->funcs[p->nr_funcs++];

		profile__stack(p->merged, s, &st);
		fn->name = st.frames[0].name;
		fn->module = st.frames[0].module;
		fn->kind = st.frames[0].kind;
		fn->self = st.values[0];
		fn->total = st.values[1];
	}
	qsort(p->funcs, p->nr_funcs, sizeof(*p->funcs), cmp_funcs);
	p->window = p->nr_ticks ? now - p->ticks[0].start : 0;
	return 0;
}

/* Stacks are stored once and kept while the collector lives (a live view
 * takes the counts but cannot tell which stored stacks a program is about
 * to use again): a fresh collector replaces one whose stacks map is nearly
 * full, before stacks are lost, or whose maps filled anyway. The window
 * keeps what was read. */
static void renew_if_full(struct top_panel *p)
{
	__u64 stats[EMBER_STAT_MAX] = {}, src[SRC_MAX], stored;
	struct stat_inputs in = { .bpf = stats };

	collector__read_stats(p->coll, stats);
	stat_src__fill(src, &in);
	/* the stacks a recording would count lost (record's summary line) */
	p->losses.lost = p->lost_before + loss__value(LOSS_STACKS_MAP_FULL, src) +
			 loss__value(LOSS_COUNTS_MAP_FULL, src) +
			 loss__value(LOSS_STACK_ERRORS, src);
	stored = stats[EMBER_STAT_STACKS_STORED];
	/* room for twice the last refresh's new stacks, and an eighth */
	if (stored + 2 * (stored - p->stored) < p->cfg.scope.stack_storage / 8 * 7 &&
	    !stats[EMBER_STAT_STACKS_FULL] && !stats[EMBER_STAT_COUNTS_FULL]) {
		p->stored = stored;
		return;
	}
	p->lost_before = p->losses.lost;
	p->losses.renewals++;
	retire(p);
	start(p);
}

/* What the collector counted since the last refresh, as this refresh's
 * functions, into the window. */
static int read_tick(struct top_panel *p, double now)
{
	struct tick_ctx t = { .p = p };
	struct stack_builder_stats sbs;
	struct profile *stacks = NULL, *funcs = NULL;
	int err = -ENOMEM;

	stacks = profile__new(func_types, 1);
	funcs = profile__new(func_types, 2);
	t.sb = stacks ? stack_builder__new(stacks, session__symbolizer(p->s), NULL) : NULL;
	if (!t.sb || !funcs)
		goto cleanup;
	err = collector__take(p->coll, add_new, &t);
	if (!err)
		err = fold_functions(stacks, funcs);
	if (err)
		goto cleanup;
	stack_builder__stats(t.sb, &sbs);
	p->losses.truncated += sbs.truncated_depth + sbs.truncated_unwind;
	p->losses.unnamed += sbs.unnamed_frames + sbs.unknown_frames;
	if (p->nr_ticks == MAX_TICKS) {
		profile__free(p->ticks[0].funcs);
		memmove(p->ticks, p->ticks + 1, (MAX_TICKS - 1) * sizeof(*p->ticks));
		p->nr_ticks--;
	}
	p->ticks[p->nr_ticks].funcs = funcs;
	p->ticks[p->nr_ticks++].start = p->last;
	p->last = now;
	funcs = NULL;
	err = merge_window(p, now);
	renew_if_full(p);
cleanup:
	stack_builder__free(t.sb);
	profile__free(stacks);
	profile__free(funcs);
	return err;
}

int top_panel__refresh(struct top_panel *p, double now)
{
	struct symbolizer_stats st;
	__u64 taken;
	int err = 0;

	mmap_tracker__poll(session__tracker(p->s), 0);
	taken = symbolizer__now();
	if (p->coll)
		err = read_tick(p, now);
	/* Every stack a process that exited before the take left was in it
	 * and is named now: its mappings are no longer needed (a view that
	 * runs for days sees millions of processes come and go). */
	symbolizer__forget_exited(session__symbolizer(p->s), taken);
	symbolizer__stats(session__symbolizer(p->s), &st);
	if (st.dsos_opened + st.dsos_failed != p->dsos_opened) {
		/* Reading a big binary's sections (a 30 MB compiler) leaves as
		 * much free heap, which glibc keeps: give it back, or a view
		 * that runs for days grows by every big binary it ever saw. */
		p->dsos_opened = st.dsos_opened + st.dsos_failed;
		malloc_trim(0);
	}
	return err;
}

size_t top_panel__funcs(const struct top_panel *p, const struct top_func **out)
{
	*out = p->funcs;
	return p->nr_funcs;
}

double top_panel__total(const struct top_panel *p)
{
	return p->total;
}

double top_panel__window(const struct top_panel *p)
{
	return p->window;
}

const char *top_panel__status(const struct top_panel *p)
{
	return p->status[0] ? p->status : NULL;
}

void top_panel__losses(const struct top_panel *p, struct top_panel_losses *l)
{
	*l = p->losses;
}
