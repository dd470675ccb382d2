// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sys/sys_rates.h"
#include "top/top_sys.h"

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

/* The header has no room to explain an unknown figure (a counter that went
 * backwards, a CPU that was offline): it shows 0, as top does. */
static double shown(double v)
{
	return isnan(v) ? 0 : v;
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
			if (!sys_rates__net_counted(nets[i].name))
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
			busy = shown(
			    sys_rates__disk_busy_pct(s->prev.disks[j].busy_ms, d->busy_ms, dt));
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
	double dt = s->cur.t - s->prev.t;
	struct top_sys_view *v = &s->v;
	struct sys_cpu_shares sh;

	v->rates = dt > 0;
	if (!v->rates)
		return;
	sys_rates__cpu(&s->prev.st.total, &s->cur.st.total, &sh);
	v->busy_pct = shown(sh.busy);
	v->user_pct = shown(sh.user);
	v->system_pct = shown(sh.system);
	v->iowait_pct = shown(sh.iowait);
	v->irq_pct = shown(sh.irq);
	v->softirq_pct = shown(sh.softirq);
	v->steal_pct = shown(sh.steal);
	v->idle_pct = shown(sh.idle);
	for (int i = 0; i < v->nr_cpu; i++) {
		s->cpu_busy[i] = 0;
		if (i < s->prev.st.nr_cpu) {
			sys_rates__cpu(&s->prev.st.cpu[i], &s->cur.st.cpu[i], &sh);
			s->cpu_busy[i] = shown(sh.busy);
		}
	}
	v->disk_read_bps = shown(sys_rates__per_sec(s->prev.disk_read, s->cur.disk_read, dt));
	v->disk_write_bps = shown(sys_rates__per_sec(s->prev.disk_write, s->cur.disk_write, dt));
	disk_busy(s, dt);
	v->net_rx_bps = shown(sys_rates__per_sec(s->prev.net_rx, s->cur.net_rx, dt));
	v->net_tx_bps = shown(sys_rates__per_sec(s->prev.net_tx, s->cur.net_tx, dt));
	v->net_rx_pps = shown(sys_rates__per_sec(s->prev.net_rxp, s->cur.net_rxp, dt));
	v->net_tx_pps = shown(sys_rates__per_sec(s->prev.net_txp, s->cur.net_txp, dt));
	v->ctxt_per_s = shown(sys_rates__per_sec(s->prev.st.ctxt, s->cur.st.ctxt, dt));
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
