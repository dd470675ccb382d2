// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json_writer.h"
#include "sys/procfs.h"
#include "sys/sys_rates.h"
#include "sys/sysmon.h"

/* One figure over the samples: v[i] for sample i, NaN where absent. */
struct series {
	char *name;
	const char *unit; /* for the printed summary: "%", "B", "B/s", "/s", "" */
	double *v;
};

struct metrics {
	struct series *s;
	size_t n, cap;
};

/* The counters of one thing at the previous sample, for rates. */
struct counters {
	bool valid;
	double t;
	__u64 a[16];
};

struct proc {
	__u32 pid;
	__u64 starttime; /* tells a reused pid apart */
	char comm[17];
	bool seen;	      /* in the current sample */
	struct counters prev; /* ticks, io, faults, switches */
	struct counters base; /* at the first sample it was seen: totals start there */
	struct metrics m;
};

/* A CPU's times at the previous sample, for its shares. */
struct cpu_prev {
	bool valid;
	struct cpu_times c;
};

struct dev_prev {
	char name[32];
	struct counters c;
	struct counters base;
};

struct sysmon {
	struct sysmon_opts o;
	long ticks, page_size;
	double *t;
	size_t nr, cap; /* samples */
	struct metrics sys;
	struct cpu_prev cpu_prev;
	struct cpu_prev *percpu_prev;
	int nr_percpu;
	struct counters ctxt_prev;
	struct dev_prev *disks, *nets;
	int nr_disks, nr_nets;
	struct proc *procs;
	size_t nr_procs, cap_procs;
	__u32 *roots;
	int nr_roots;
};

static const double nan_v = NAN;

struct sysmon *sysmon__new(const struct sysmon_opts *o)
{
	struct sysmon *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (o)
		m->o = *o;
	m->ticks = procfs__ticks_per_sec();
	m->page_size = sysconf(_SC_PAGESIZE);
	if (m->ticks <= 0)
		m->ticks = 100;
	return m;
}

static void metrics_free(struct metrics *ms)
{
	for (size_t i = 0; i < ms->n; i++) {
		free(ms->s[i].name);
		free(ms->s[i].v);
	}
	free(ms->s);
}

void sysmon__free(struct sysmon *m)
{
	if (!m)
		return;
	metrics_free(&m->sys);
	for (size_t i = 0; i < m->nr_procs; i++)
		metrics_free(&m->procs[i].m);
	free(m->procs);
	free(m->t);
	free(m->percpu_prev);
	free(m->disks);
	free(m->nets);
	free(m->roots);
	free(m);
}

int sysmon__add_root(struct sysmon *m, __u32 pid)
{
	__u32 *n = realloc(m->roots, (m->nr_roots + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	m->roots = n;
	m->roots[m->nr_roots++] = pid;
	return 0;
}

size_t sysmon__nr_samples(const struct sysmon *m)
{
	return m->nr;
}

/* The series called name, created (NaN so far) if new; NULL: no memory. */
static struct series *series_of(struct sysmon *m, struct metrics *ms, const char *name,
				const char *unit)
{
	struct series *s;

	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->s[i].name, name))
			return &ms->s[i];
	if (ms->n == ms->cap) {
		size_t ncap = ms->cap ? ms->cap * 2 : 32;
		struct series *n = realloc(ms->s, ncap * sizeof(*n));

		if (!n)
			return NULL;
		ms->s = n;
		ms->cap = ncap;
	}
	s = &ms->s[ms->n];
	s->name = strdup(name);
	s->unit = unit;
	s->v = malloc((m->cap ? m->cap : 1) * sizeof(*s->v));
	if (!s->name || !s->v) {
		free(s->name);
		free(s->v);
		return NULL;
	}
	for (size_t i = 0; i < m->cap; i++)
		s->v[i] = nan_v;
	ms->n++;
	return s;
}

/* Record value v of the current sample (m->nr - 1). */
static int put(struct sysmon *m, struct metrics *ms, const char *name, const char *unit, double v)
{
	struct series *s = series_of(m, ms, name, unit);

	if (!s)
		return -ENOMEM;
	s->v[m->nr - 1] = v;
	return 0;
}

static int grow_series(struct metrics *ms, size_t old_cap, size_t ncap)
{
	for (size_t i = 0; i < ms->n; i++) {
		double *n = realloc(ms->s[i].v, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t k = old_cap; k < ncap; k++)
			n[k] = nan_v;
		ms->s[i].v = n;
	}
	return 0;
}

/* Make room for one more sample in every series. */
static int new_sample(struct sysmon *m, double t)
{
	if (m->nr == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		double *n = realloc(m->t, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->t = n;
		if (grow_series(&m->sys, m->cap, ncap))
			return -ENOMEM;
		for (size_t i = 0; i < m->nr_procs; i++)
			if (grow_series(&m->procs[i].m, m->cap, ncap))
				return -ENOMEM;
		m->cap = ncap;
	}
	m->t[m->nr++] = t;
	return 0;
}

/* Per second since the previous sample; NaN before there is one. */
static double rate(const struct counters *prev, int k, __u64 now, double t)
{
	return prev->valid ? sys_rates__per_sec(prev->a[k], now, t - prev->t) : NAN;
}

/* Busy % and, with kinds, each kind's share since the previous sample
 * (sys_rates__cpu). A share that cannot be known is a missing reading. */
static int put_cpu(struct sysmon *m, const char *prefix, const struct cpu_times *c,
		   struct cpu_prev *prev, bool kinds)
{
	struct sys_cpu_shares sh;
	char name[64];
	int err = 0;

	if (prev->valid && sys_rates__cpu(&prev->c, c, &sh)) {
		const struct {
			const char *name;
			double v;
		} kind[] = { { "user", sh.user },  { "system", sh.system },
			     { "idle", sh.idle },  { "iowait", sh.iowait },
			     { "irq", sh.irq },	   { "softirq", sh.softirq },
			     { "steal", sh.steal } };

		snprintf(name, sizeof(name), "%spercent", prefix);
		err = put(m, &m->sys, name, "%", sh.busy);
		for (size_t k = 0; kinds && k < sizeof(kind) / sizeof(kind[0]) && !err; k++) {
			snprintf(name, sizeof(name), "%s%s_percent", prefix, kind[k].name);
			err = put(m, &m->sys, name, "%", kind[k].v);
		}
	}
	prev->c = *c;
	prev->valid = true;
	return err;
}

static int sample_stat(struct sysmon *m, double t)
{
	struct sys_stat st = {};
	char *text = NULL;
	int err = procfs__read(m->o.proc_root, "stat", &text);

	if (err || (err = procfs__parse_stat(text, &st)))
		goto out;
	err = put_cpu(m, "cpu_", &st.total, &m->cpu_prev, true);
	if (!err && st.nr_cpu > m->nr_percpu) {
		struct cpu_prev *n = realloc(m->percpu_prev, st.nr_cpu * sizeof(*n));

		if (!n) {
			err = -ENOMEM;
			goto out;
		}
		memset(n + m->nr_percpu, 0, (st.nr_cpu - m->nr_percpu) * sizeof(*n));
		m->percpu_prev = n;
		m->nr_percpu = st.nr_cpu;
	}
	for (int c = 0; c < st.nr_cpu && !err; c++) {
		char prefix[32];

		if (!cpu_times__total(&st.cpu[c]))
			continue; /* offline */
		snprintf(prefix, sizeof(prefix), "cpu%d_", c);
		err = put_cpu(m, prefix, &st.cpu[c], &m->percpu_prev[c], false);
	}
	if (!err) {
		double r = rate(&m->ctxt_prev, 0, st.ctxt, t);

		if (!isnan(r))
			err = put(m, &m->sys, "context_switches_per_sec", "/s", r);
		m->ctxt_prev.a[0] = st.ctxt;
		m->ctxt_prev.t = t;
		m->ctxt_prev.valid = true;
	}
	if (!err)
		err = put(m, &m->sys, "procs_running", "", st.procs_running);
	if (!err)
		err = put(m, &m->sys, "procs_blocked", "", st.procs_blocked);
out:
	procfs__sys_stat_free(&st);
	free(text);
	return err;
}

static int sample_mem(struct sysmon *m)
{
	struct meminfo mi = {};
	struct loadavg la = {};
	char *text = NULL;
	int err = procfs__read(m->o.proc_root, "meminfo", &text);

	if (!err && !procfs__parse_meminfo(text, &mi)) {
		err = put(m, &m->sys, "memory_total_bytes", "B", mi.total);
		if (!err)
			err = put(m, &m->sys, "memory_used_bytes", "B", meminfo__used(&mi));
		if (!err)
			err = put(m, &m->sys, "memory_available_bytes", "B", mi.available);
		if (!err)
			err = put(m, &m->sys, "memory_cached_bytes", "B",
				  mi.cached + mi.sreclaimable);
		if (!err)
			err = put(m, &m->sys, "swap_used_bytes", "B",
				  mi.swap_total > mi.swap_free ? mi.swap_total - mi.swap_free : 0);
	}
	free(text);
	text = NULL;
	if (!err && !procfs__read(m->o.proc_root, "loadavg", &text) &&
	    !procfs__parse_loadavg(text, &la)) {
		err = put(m, &m->sys, "load_1", "", la.one);
		if (!err)
			err = put(m, &m->sys, "load_5", "", la.five);
		if (!err)
			err = put(m, &m->sys, "load_15", "", la.fifteen);
	}
	free(text);
	return err == -ENOMEM ? err : 0;
}

static struct dev_prev *dev_prev_of(struct dev_prev **arr, int *nr, const char *name)
{
	struct dev_prev *n;

	for (int i = 0; i < *nr; i++)
		if (!strcmp((*arr)[i].name, name))
			return &(*arr)[i];
	n = realloc(*arr, (*nr + 1) * sizeof(*n));
	if (!n)
		return NULL;
	*arr = n;
	n = &n[(*nr)++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	return n;
}

/* Rates since the previous sample and totals since the first, for the
 * counters a[0..nr) named names[] of one device. */
static int put_device(struct sysmon *m, const char *prefix, struct dev_prev *d, const __u64 *now,
		      const char *const *names, int nr, double t)
{
	char name[96];
	int err = 0;

	if (!d->base.valid) {
		memcpy(d->base.a, now, nr * sizeof(*now));
		d->base.valid = true;
	}
	for (int k = 0; k < nr && !err; k++) {
		double r = rate(&d->c, k, now[k], t);

		bool bytes = strstr(names[k], "bytes") != NULL;

		if (!isnan(r)) {
			snprintf(name, sizeof(name), "%s%s_per_sec", prefix, names[k]);
			err = put(m, &m->sys, name, bytes ? "B/s" : "/s", r);
		}
		if (!err) {
			snprintf(name, sizeof(name), "%s%s", prefix, names[k]);
			err = put(m, &m->sys, name, bytes ? "B" : "",
				  now[k] >= d->base.a[k] ? now[k] - d->base.a[k] : 0);
		}
	}
	memcpy(d->c.a, now, nr * sizeof(*now));
	d->c.t = t;
	d->c.valid = true;
	return err;
}

static int sample_disks(struct sysmon *m, double t)
{
	static const char *const names[] = { "read_bytes", "write_bytes", "reads", "writes",
					     "busy_ms" };
	struct disk_stat *ds = NULL;
	char *text = NULL;
	int n = 0, err;

	err = procfs__read(m->o.proc_root, "diskstats", &text);
	if (err || procfs__parse_diskstats(text, &ds, &n))
		goto out;
	for (int i = 0; i < n && !err; i++) {
		__u64 now[5] = { ds[i].read_bytes, ds[i].write_bytes, ds[i].reads, ds[i].writes,
				 ds[i].busy_ms };
		struct dev_prev *d;
		char prefix[96];
		double busy;

		if (!procfs__is_disk(m->o.sys_root, &ds[i]))
			continue;
		d = dev_prev_of(&m->disks, &m->nr_disks, ds[i].name);
		if (!d) {
			err = -ENOMEM;
			break;
		}
		busy = d->c.valid ? sys_rates__disk_busy_pct(d->c.a[4], now[4], t - d->c.t) : NAN;
		snprintf(prefix, sizeof(prefix), "disk.%s.", ds[i].name);
		err = put_device(m, prefix, d, now, names, 5, t);
		if (!err && !isnan(busy)) {
			snprintf(prefix, sizeof(prefix), "disk.%s.busy_percent", ds[i].name);
			err = put(m, &m->sys, prefix, "%", busy);
		}
	}
out:
	free(ds);
	free(text);
	return err == -ENOMEM ? err : 0;
}

static int sample_nets(struct sysmon *m, double t)
{
	static const char *const names[] = { "rx_bytes",   "tx_bytes", "rx_packets",
					     "tx_packets", "errors",   "drops" };
	struct net_stat *ns = NULL;
	char *text = NULL;
	int n = 0, err;

	err = procfs__read(m->o.proc_root, "net/dev", &text);
	if (err || procfs__parse_net_dev(text, &ns, &n))
		goto out;
	/* a list per interface: lo too (sys_rates__net_counted is for totals) */
	for (int i = 0; i < n && !err; i++) {
		__u64 now[6] = { ns[i].rx_bytes,
				 ns[i].tx_bytes,
				 ns[i].rx_packets,
				 ns[i].tx_packets,
				 ns[i].rx_errs + ns[i].tx_errs,
				 ns[i].rx_drop + ns[i].tx_drop };
		struct dev_prev *d = dev_prev_of(&m->nets, &m->nr_nets, ns[i].name);
		char prefix[48];

		if (!d) {
			err = -ENOMEM;
			break;
		}
		snprintf(prefix, sizeof(prefix), "net.%s.", ns[i].name);
		err = put_device(m, prefix, d, now, names, 6, t);
	}
out:
	free(ns);
	free(text);
	return err == -ENOMEM ? err : 0;
}

static struct proc *proc_of(struct sysmon *m, __u32 pid, __u64 starttime)
{
	struct proc *p;

	for (size_t i = 0; i < m->nr_procs; i++)
		if (m->procs[i].pid == pid && m->procs[i].starttime == starttime)
			return &m->procs[i];
	if (m->nr_procs == m->cap_procs) {
		size_t ncap = m->cap_procs ? m->cap_procs * 2 : 16;
		struct proc *n = realloc(m->procs, ncap * sizeof(*n));

		if (!n)
			return NULL;
		m->procs = n;
		m->cap_procs = ncap;
	}
	p = &m->procs[m->nr_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->starttime = starttime;
	return p;
}

enum {
	C_TICKS,
	C_RCHAR,
	C_WCHAR,
	C_READ,
	C_WRITE,
	C_MINFLT,
	C_MAJFLT,
	C_VOL,
	C_NONVOL,
	C_NR
};

static int put_proc_counter(struct sysmon *m, struct proc *p, const char *name, int k, __u64 now,
			    double t, bool with_rate)
{
	int err;

	if (!p->base.valid)
		return 0;
	err = put(m, &p->m, name, "", now >= p->base.a[k] ? now - p->base.a[k] : 0);
	if (!err && with_rate) {
		double r = rate(&p->prev, k, now, t);
		char rname[64];

		snprintf(rname, sizeof(rname), "%s_per_sec", name);
		if (!isnan(r))
			err = put(m, &p->m, rname, "B/s", r);
	}
	return err;
}

static int sample_proc(struct sysmon *m, __u32 pid, double t, bool details)
{
	struct pid_stat ps;
	struct pid_status pst = {};
	struct pid_io io = {};
	char rel[64], *text = NULL;
	bool have_status = false, have_io = false;
	__u64 now[C_NR] = {};
	struct proc *p;
	int err;

	snprintf(rel, sizeof(rel), "%u/stat", pid);
	if (procfs__read(m->o.proc_root, rel, &text) ||
	    procfs__parse_pid_stat(text, m->page_size, &ps)) {
		free(text);
		return 0; /* gone */
	}
	free(text);
	text = NULL;
	p = proc_of(m, pid, ps.starttime);
	if (!p)
		return -ENOMEM;
	p->seen = true;
	memcpy(p->comm, ps.comm, sizeof(p->comm));
	now[C_TICKS] = ps.utime + ps.stime;
	now[C_MINFLT] = ps.minflt;
	now[C_MAJFLT] = ps.majflt;
	snprintf(rel, sizeof(rel), "%u/status", pid);
	if (details && !procfs__read(m->o.proc_root, rel, &text))
		have_status = !procfs__parse_pid_status(text, &pst);
	free(text);
	text = NULL;
	snprintf(rel, sizeof(rel), "%u/io", pid);
	if (details && !procfs__read(m->o.proc_root, rel, &text))
		have_io = !procfs__parse_pid_io(text, &io);
	free(text);
	text = NULL;
	now[C_RCHAR] = io.rchar;
	now[C_WCHAR] = io.wchar;
	now[C_READ] = io.read_bytes;
	now[C_WRITE] = io.write_bytes;
	now[C_VOL] = pst.vol_ctxt;
	now[C_NONVOL] = pst.nonvol_ctxt;

	err = put(m, &p->m, "rss_bytes", "B", ps.rss);
	if (!err)
		err = put(m, &p->m, "vms_bytes", "B", ps.vsize);
	if (!err)
		err = put(m, &p->m, "threads", "", ps.num_threads);
	if (!err && p->prev.valid) {
		double r = rate(&p->prev, C_TICKS, now[C_TICKS], t);

		if (!isnan(r))
			err = put(m, &p->m, "cpu_percent", "%", 100.0 * r / m->ticks);
	}
	if (!p->base.valid) {
		memcpy(p->base.a, now, sizeof(now));
		p->base.valid = true;
	}
	if (!err)
		err = put_proc_counter(m, p, "minor_faults", C_MINFLT, now[C_MINFLT], t, false);
	if (!err)
		err = put_proc_counter(m, p, "major_faults", C_MAJFLT, now[C_MAJFLT], t, false);
	if (!err && have_io) {
		err = put_proc_counter(m, p, "read_bytes", C_READ, now[C_READ], t, true);
		if (!err)
			err = put_proc_counter(m, p, "write_bytes", C_WRITE, now[C_WRITE], t, true);
		if (!err)
			err = put_proc_counter(m, p, "read_chars", C_RCHAR, now[C_RCHAR], t, false);
		if (!err)
			err =
			    put_proc_counter(m, p, "write_chars", C_WCHAR, now[C_WCHAR], t, false);
	}
	if (!err && have_status) {
		err = put_proc_counter(m, p, "ctx_switches_voluntary", C_VOL, now[C_VOL], t, false);
		if (!err)
			err = put_proc_counter(m, p, "ctx_switches_involuntary", C_NONVOL,
					       now[C_NONVOL], t, false);
	}
	if (!err && details) {
		int fds = procfs__count_fds(m->o.proc_root, pid);
		__u64 pss;

		if (fds >= 0)
			err = put(m, &p->m, "open_fds", "", fds);
		snprintf(rel, sizeof(rel), "%u/smaps_rollup", pid);
		if (!err && !procfs__read(m->o.proc_root, rel, &text) &&
		    !procfs__parse_smaps_rollup(text, &pss))
			err = put(m, &p->m, "pss_bytes", "B", pss);
		free(text);
	}
	memcpy(p->prev.a, now, sizeof(now));
	p->prev.t = t;
	p->prev.valid = true;
	return err;
}

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int sample_procs(struct sysmon *m, double t)
{
	int err = 0;

	for (size_t i = 0; i < m->nr_procs; i++)
		m->procs[i].seen = false;
	if (m->o.all) {
		DIR *d = opendir(m->o.proc_root ? m->o.proc_root : "/proc");
		struct dirent *e;

		if (!d)
			return 0;
		/* the whole machine: the cheap figures of every process */
		while (!err && (e = readdir(d)))
			if (is_pid_name(e->d_name))
				err = sample_proc(m, strtoul(e->d_name, NULL, 10), t, false);
		closedir(d);
		return err;
	}
	for (int r = 0; r < m->nr_roots && !err; r++) {
		__u32 *kids = NULL;
		int n;

		err = sample_proc(m, m->roots[r], t, true);
		n = procfs__descendants(m->o.proc_root, m->roots[r], &kids);
		for (int k = 0; k < n && !err; k++)
			err = sample_proc(m, kids[k], t, true);
		free(kids);
	}
	return err;
}

int sysmon__sample(struct sysmon *m, double t)
{
	int err = new_sample(m, t);

	if (!err)
		err = sample_stat(m, t);
	if (!err)
		err = sample_mem(m);
	if (!err)
		err = sample_disks(m, t);
	if (!err)
		err = sample_nets(m, t);
	if (!err)
		err = sample_procs(m, t);
	return err;
}

/* Rates and percentages are averaged over time (each reading weighted by
 * the time since the sample before it), so a short last interval (the
 * reading of a command that just exited) does not count as much as a
 * whole one; levels (bytes in use, threads) by reading. */
static bool stat_of(const struct sysmon *m, const struct series *s, struct sysmon_stat *st)
{
	bool timed = strchr(s->unit, '/') || !strcmp(s->unit, "%");
	double sum = 0, weight = 0;
	size_t cnt = 0;

	st->current = st->avg = st->min = st->max = NAN;
	for (size_t i = 0; i < m->nr; i++) {
		double v = s->v[i], w = 1;

		if (isnan(v))
			continue;
		if (timed)
			w = i ? m->t[i] - m->t[i - 1] : 0;
		if (!cnt || v < st->min)
			st->min = v;
		if (!cnt || v > st->max)
			st->max = v;
		sum += v * w;
		weight += w;
		cnt++;
		st->current = v;
	}
	if (cnt)
		st->avg = weight > 0 ? sum / weight : st->current;
	return cnt > 0;
}

static const struct series *find(const struct metrics *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (!strcmp(ms->s[i].name, name))
			return &ms->s[i];
	return NULL;
}

bool sysmon__system_stat(const struct sysmon *m, const char *name, struct sysmon_stat *st)
{
	const struct series *s = find(&m->sys, name);

	return s && stat_of(m, s, st);
}

static const struct proc *find_proc(const struct sysmon *m, __u32 pid)
{
	const struct proc *best = NULL;

	/* a reused pid: the latest process */
	for (size_t i = 0; i < m->nr_procs; i++)
		if (m->procs[i].pid == pid && (!best || m->procs[i].starttime > best->starttime))
			best = &m->procs[i];
	return best;
}

bool sysmon__process_stat(const struct sysmon *m, __u32 pid, const char *name,
			  struct sysmon_stat *st)
{
	const struct proc *p = find_proc(m, pid);
	const struct series *s = p ? find(&p->m, name) : NULL;

	return s && stat_of(m, s, st);
}

static void write_stat(struct json_writer *w, const struct sysmon_stat *st)
{
	json__object_begin(w);
	json__key(w, "current");
	json__double(w, st->current);
	json__key(w, "avg");
	json__double(w, st->avg);
	json__key(w, "min");
	json__double(w, st->min);
	json__key(w, "max");
	json__double(w, st->max);
	json__object_end(w);
}

static void write_metrics(const struct sysmon *m, const struct metrics *ms, struct json_writer *w)
{
	for (size_t i = 0; i < ms->n; i++) {
		struct sysmon_stat st;

		if (!stat_of(m, &ms->s[i], &st))
			continue;
		json__key(w, ms->s[i].name);
		write_stat(w, &st);
	}
}

/* Average CPU of a process, for sorting. */
static double avg_cpu(const struct sysmon *m, const struct proc *p)
{
	const struct series *s = find(&p->m, "cpu_percent");
	struct sysmon_stat st;

	return s && stat_of(m, s, &st) ? st.avg : -1;
}

struct ranked {
	const struct proc *p;
	double cpu;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	return x->cpu < y->cpu ? 1 : x->cpu > y->cpu ? -1 : (int)x->p->pid - (int)y->p->pid;
}

/* Processes by average CPU, most first; *n of them. malloc'd. */
static struct ranked *rank(const struct sysmon *m, size_t *n)
{
	struct ranked *r = calloc(m->nr_procs + 1, sizeof(*r));

	*n = 0;
	if (!r)
		return NULL;
	for (size_t i = 0; i < m->nr_procs; i++) {
		r[*n].p = &m->procs[i];
		r[*n].cpu = avg_cpu(m, &m->procs[i]);
		(*n)++;
	}
	qsort(r, *n, sizeof(*r), cmp_ranked);
	return r;
}

void sysmon__write_json(const struct sysmon *m, struct json_writer *w)
{
	size_t n;
	struct ranked *r = rank(m, &n);

	json__key(w, "interval_samples");
	json__uint(w, m->nr);
	json__key(w, "system");
	json__object_begin(w);
	write_metrics(m, &m->sys, w);
	json__object_end(w);
	json__key(w, "processes");
	json__array_begin(w);
	for (size_t i = 0; r && i < n; i++) {
		json__object_begin(w);
		json__key(w, "pid");
		json__uint(w, r[i].p->pid);
		json__key(w, "comm");
		json__string(w, r[i].p->comm);
		write_metrics(m, &r[i].p->m, w);
		json__object_end(w);
	}
	json__array_end(w);
	free(r);

	/* the time series itself: one object per sample */
	json__key(w, "samples");
	json__array_begin(w);
	for (size_t k = 0; k < m->nr; k++) {
		json__object_begin(w);
		json__key(w, "t");
		json__double(w, m->t[k] - m->t[0]);
		json__key(w, "system");
		json__object_begin(w);
		for (size_t i = 0; i < m->sys.n; i++) {
			if (isnan(m->sys.s[i].v[k]))
				continue;
			json__key(w, m->sys.s[i].name);
			json__double(w, m->sys.s[i].v[k]);
		}
		json__object_end(w);
		json__key(w, "processes");
		json__array_begin(w);
		for (size_t p = 0; p < m->nr_procs; p++) {
			const struct proc *pr = &m->procs[p];
			bool any = false;

			for (size_t i = 0; i < pr->m.n && !any; i++)
				any = !isnan(pr->m.s[i].v[k]);
			if (!any)
				continue;
			json__object_begin(w);
			json__key(w, "pid");
			json__uint(w, pr->pid);
			for (size_t i = 0; i < pr->m.n; i++) {
				if (isnan(pr->m.s[i].v[k]))
					continue;
				json__key(w, pr->m.s[i].name);
				json__double(w, pr->m.s[i].v[k]);
			}
			json__object_end(w);
		}
		json__array_end(w);
		json__object_end(w);
	}
	json__array_end(w);
}

/* 1234567 -> "1.2M" (binary units for bytes), plain numbers otherwise. */
static void fmt(char *buf, size_t len, double v, const char *unit)
{
	static const char sfx[] = "KMGTP";
	bool bytes = unit[0] == 'B';
	int i = -1;

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (bytes || unit[0] == '/') {
		double div = bytes ? 1024 : 1000;

		while (fabs(v) >= div * 10 && i < 4) {
			v /= div;
			i++;
		}
	}
	if (i >= 0)
		snprintf(buf, len, "%.1f%c", v, sfx[i]);
	else if (v == (double)(long long)v && fabs(v) < 1e9)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.1f", v);
}

static void print_row(FILE *out, const char *label, const char *unit, const struct sysmon_stat *st)
{
	char c[32], a[32], lo[32], hi[32];

	fmt(c, sizeof(c), st->current, unit);
	fmt(a, sizeof(a), st->avg, unit);
	fmt(lo, sizeof(lo), st->min, unit);
	fmt(hi, sizeof(hi), st->max, unit);
	/* a unit column never empty: a row must not read as "name number" */
	fprintf(out, "  %-36s %4s %10s %10s %10s %10s\n", label, unit[0] ? unit : "-", c, a, lo,
		hi);
}

void sysmon__print(const struct sysmon *m, FILE *out, int top_n)
{
	struct ranked *r;
	size_t n;

	fprintf(out, "ember: system resources, %zu readings over %.1f s:\n", m->nr,
		m->nr ? m->t[m->nr - 1] - m->t[0] : 0.0);
	fprintf(out, "  %-36s %4s %10s %10s %10s %10s\n", "figure", "unit", "current", "avg", "min",
		"max");
	for (size_t i = 0; i < m->sys.n; i++) {
		const struct series *s = &m->sys.s[i];
		struct sysmon_stat st;

		if (!stat_of(m, s, &st))
			continue;
		/* Devices: the byte rates and busy time of those that did
		 * anything, and errors or drops if any; the rest (totals,
		 * packets, operations) is in the JSON. */
		if (!strncmp(s->name, "disk.", 5) || !strncmp(s->name, "net.", 4)) {
			const char *leaf = strrchr(s->name, '.') + 1;
			size_t len = strlen(leaf);

			if (!(st.max > 0) || (!strchr(s->unit, '/') && strcmp(s->unit, "%")))
				continue;
			if (!(len > 14 && !strcmp(leaf + len - 14, "_bytes_per_sec")) &&
			    strcmp(leaf, "busy_percent") && strncmp(leaf, "errors", 6) &&
			    strncmp(leaf, "drops", 5))
				continue;
		}
		print_row(out, s->name, s->unit, &st);
	}
	r = rank(m, &n);
	if (!r || !n || top_n <= 0) {
		free(r);
		return;
	}
	fprintf(out, "ember: processes by average CPU (100%% = one core)\n");
	fprintf(out, "  %7s %-16s %7s %7s %9s %9s %7s %9s %9s\n", "PID", "COMM", "CPU%avg",
		"CPU%max", "RSS", "RSSmax", "threads", "read", "written");
	for (size_t i = 0; i < n && (int)i < top_n; i++) {
		const struct proc *p = r[i].p;
		struct sysmon_stat cpu = {}, rss = {}, thr = {}, rd = {}, wr = {};
		char b[5][32];
		const struct series *s;

		s = find(&p->m, "cpu_percent");
		if (!s || !stat_of(m, s, &cpu))
			cpu.avg = cpu.max = NAN;
		s = find(&p->m, "rss_bytes");
		if (!s || !stat_of(m, s, &rss))
			rss.current = rss.max = NAN;
		s = find(&p->m, "threads");
		if (!s || !stat_of(m, s, &thr))
			thr.max = NAN;
		s = find(&p->m, "read_bytes");
		if (!s || !stat_of(m, s, &rd))
			rd.current = NAN;
		s = find(&p->m, "write_bytes");
		if (!s || !stat_of(m, s, &wr))
			wr.current = NAN;
		fmt(b[0], sizeof(b[0]), rss.current, "B");
		fmt(b[1], sizeof(b[1]), rss.max, "B");
		fmt(b[2], sizeof(b[2]), thr.max, "");
		fmt(b[3], sizeof(b[3]), rd.current, "B");
		fmt(b[4], sizeof(b[4]), wr.current, "B");
		fprintf(out, "  %7u %-16s %7.1f %7.1f %9s %9s %7s %9s %9s\n", p->pid, p->comm,
			isnan(cpu.avg) ? 0.0 : cpu.avg, isnan(cpu.max) ? 0.0 : cpu.max, b[0], b[1],
			b[2], b[3], b[4]);
	}
	free(r);
}
