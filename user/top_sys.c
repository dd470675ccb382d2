// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "top_sys.h"

struct totals {
	double t;
	struct sys_stat st;
	__u64 disk_read, disk_write, net_rx, net_tx, net_rxp, net_txp;
	struct disk_stat *disks;
	int nr_disks;
};

struct top_sys {
	char *proc_root, *sys_root;
	struct totals cur, prev;
	bool have_prev;
	double *cpu_busy;
	int cap_cpu;
	char busiest[32];
	struct top_sys_view v;
};

struct top_sys *top_sys__new(const char *proc_root, const char *sys_root)
{
	struct top_sys *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->proc_root = strdup(proc_root ? proc_root : "/proc");
	s->sys_root = sys_root ? strdup(sys_root) : NULL;
	if (!s->proc_root || (sys_root && !s->sys_root)) {
		top_sys__free(s);
		return NULL;
	}
	return s;
}

static void totals_free(struct totals *t)
{
	procfs__sys_stat_free(&t->st);
	free(t->disks);
	memset(t, 0, sizeof(*t));
}

void top_sys__free(struct top_sys *s)
{
	if (!s)
		return;
	totals_free(&s->cur);
	totals_free(&s->prev);
	free(s->cpu_busy);
	free(s->proc_root);
	free(s->sys_root);
	free(s);
}

static double pct(__u64 part, __u64 whole)
{
	return whole ? 100.0 * part / whole : 0;
}

static __u64 diff(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

static void read_disks(struct top_sys *s, struct totals *t)
{
	char *text = NULL;

	if (procfs__read(s->proc_root, "diskstats", &text))
		return;
	if (procfs__parse_diskstats(text, &t->disks, &t->nr_disks) == 0) {
		int kept = 0;

		/* whole devices only: partitions repeat their disk's I/O */
		for (int i = 0; i < t->nr_disks; i++) {
			if (!procfs__is_disk(s->sys_root, &t->disks[i]))
				continue;
			t->disk_read += t->disks[i].read_bytes;
			t->disk_write += t->disks[i].write_bytes;
			t->disks[kept++] = t->disks[i];
		}
		t->nr_disks = kept;
	}
	free(text);
}

static void read_net(struct top_sys *s, struct totals *t)
{
	struct net_stat *nets = NULL;
	char *text = NULL;
	int n = 0;

	if (procfs__read(s->proc_root, "net/dev", &text))
		return;
	if (procfs__parse_net_dev(text, &nets, &n) == 0) {
		for (int i = 0; i < n; i++) {
			if (strcmp(nets[i].name, "lo") == 0)
				continue;
			t->net_rx += nets[i].rx_bytes;
			t->net_tx += nets[i].tx_bytes;
			t->net_rxp += nets[i].rx_packets;
			t->net_txp += nets[i].tx_packets;
		}
	}
	free(nets);
	free(text);
}

/* The busiest disk over the interval, by the share of time it had I/O in
 * flight. */
static void disk_busy(struct top_sys *s, double dt)
{
	s->v.disk_busy_pct = 0;
	s->v.busiest_disk = NULL;
	for (int i = 0; i < s->cur.nr_disks; i++) {
		const struct disk_stat *d = &s->cur.disks[i];

		for (int j = 0; j < s->prev.nr_disks; j++) {
			double busy;

			if (strcmp(s->prev.disks[j].name, d->name))
				continue;
			busy = 100.0 * diff(d->busy_ms, s->prev.disks[j].busy_ms) / 1000.0 / dt;
			if (busy > 100)
				busy = 100;
			if (!s->v.busiest_disk || busy > s->v.disk_busy_pct) {
				s->v.disk_busy_pct = busy;
				snprintf(s->busiest, sizeof(s->busiest), "%s", d->name);
				s->v.busiest_disk = s->busiest;
			}
		}
	}
}

static void compute_rates(struct top_sys *s)
{
	const struct cpu_times *c = &s->cur.st.total, *p = &s->prev.st.total;
	__u64 all = diff(cpu_times__total(c), cpu_times__total(p));
	double dt = s->cur.t - s->prev.t;
	struct top_sys_view *v = &s->v;

	v->rates = dt > 0;
	if (!v->rates)
		return;
	v->busy_pct = pct(diff(cpu_times__busy(c), cpu_times__busy(p)), all);
	v->user_pct = pct(diff(c->user + c->nice, p->user + p->nice), all);
	v->system_pct = pct(diff(c->system, p->system), all);
	v->iowait_pct = pct(diff(c->iowait, p->iowait), all);
	v->irq_pct = pct(diff(c->irq + c->softirq, p->irq + p->softirq), all);
	v->steal_pct = pct(diff(c->steal, p->steal), all);
	v->idle_pct = pct(diff(c->idle, p->idle), all);
	for (int i = 0; i < v->nr_cpu; i++) {
		const struct cpu_times *ci = &s->cur.st.cpu[i];

		s->cpu_busy[i] = 0;
		if (i < s->prev.st.nr_cpu) {
			const struct cpu_times *pi = &s->prev.st.cpu[i];

			s->cpu_busy[i] = pct(diff(cpu_times__busy(ci), cpu_times__busy(pi)),
					     diff(cpu_times__total(ci), cpu_times__total(pi)));
		}
	}
	v->disk_read_bps = diff(s->cur.disk_read, s->prev.disk_read) / dt;
	v->disk_write_bps = diff(s->cur.disk_write, s->prev.disk_write) / dt;
	disk_busy(s, dt);
	v->net_rx_bps = diff(s->cur.net_rx, s->prev.net_rx) / dt;
	v->net_tx_bps = diff(s->cur.net_tx, s->prev.net_tx) / dt;
	v->net_rx_pps = diff(s->cur.net_rxp, s->prev.net_rxp) / dt;
	v->net_tx_pps = diff(s->cur.net_txp, s->prev.net_txp) / dt;
	v->ctxt_per_s = diff(s->cur.st.ctxt, s->prev.st.ctxt) / dt;
}

int top_sys__update(struct top_sys *s, double now)
{
	struct totals t = { .t = now };
	char *text = NULL;
	int err;

	err = procfs__read(s->proc_root, "stat", &text);
	if (!err)
		err = procfs__parse_stat(text, &t.st);
	free(text);
	text = NULL;
	if (err)
		return err;
	err = procfs__read(s->proc_root, "meminfo", &text);
	if (!err)
		err = procfs__parse_meminfo(text, &s->v.mem);
	free(text);
	text = NULL;
	if (err) {
		totals_free(&t);
		return err;
	}
	s->v.mem_used = meminfo__used(&s->v.mem);
	if (procfs__read(s->proc_root, "loadavg", &text) == 0)
		procfs__parse_loadavg(text, &s->v.load);
	free(text);
	text = NULL;
	if (procfs__read(s->proc_root, "uptime", &text) == 0)
		s->v.uptime_s = strtod(text, NULL);
	free(text);
	read_disks(s, &t);
	read_net(s, &t);

	if (t.st.nr_cpu > s->cap_cpu) {
		double *n = realloc(s->cpu_busy, t.st.nr_cpu * sizeof(*n));

		if (!n) {
			totals_free(&t);
			return -ENOMEM;
		}
		s->cpu_busy = n;
		s->cap_cpu = t.st.nr_cpu;
	}
	totals_free(&s->prev);
	s->prev = s->cur;
	s->cur = t;
	s->v.nr_cpu = t.st.nr_cpu;
	s->v.cpu_busy_pct = s->cpu_busy;
	if (s->have_prev)
		compute_rates(s);
	s->have_prev = true;
	return 0;
}

const struct top_sys_view *top_sys__view(const struct top_sys *s)
{
	return &s->v;
}
