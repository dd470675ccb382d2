// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_writer.h"
#include "collect/latency.h"
#include "lib/log.h"
#include "lib/output_file.h"
#include "collect/resources.h"
#include "sys/sysmon.h"

struct resources {
	struct resources_config cfg;
	struct sysmon *mon;
	struct latency *lat;
	struct latency_hist runq0, bio0; /* at the start: the report shows the difference */
	struct output_file *json;
	double interval, next, start, last;
	bool started;
};

struct resources *resources__new(const struct resources_config *cfg)
{
	struct sysmon_opts so = { .all = cfg->all };
	struct resources *r = calloc(1, sizeof(*r));

	if (!r)
		goto oom;
	r->cfg = *cfg;
	r->interval = cfg->interval > 0 ? cfg->interval : 1.0;
	r->mon = sysmon__new(&so);
	if (!r->mon)
		goto oom;
	if (cfg->summary_path) {
		r->json = output_file__open(cfg->summary_path);
		if (!r->json) {
			resources__free(r);
			return NULL; /* output_file printed why */
		}
	}
	r->lat = latency__open();
	if (!r->lat)
		p_warn("no run-queue and block I/O latency histograms in the summary");
	else
		latency__read(r->lat, &r->runq0, &r->bio0);
	return r;
oom:
	p_err("out of memory");
	resources__free(r);
	return NULL;
}

void resources__free(struct resources *r)
{
	if (!r)
		return;
	output_file__free(r->json);
	latency__free(r->lat);
	sysmon__free(r->mon);
	free(r);
}

int resources__add_root(struct resources *r, __u32 pid)
{
	return sysmon__add_root(r->mon, pid);
}

int resources__due_ms(const struct resources *r, double now)
{
	double left;

	if (!r->started)
		return 0;
	left = r->next - now;
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

static void sample(struct resources *r, double now)
{
	int err = sysmon__sample(r->mon, now);

	r->last = now;
	if (err)
		p_debug(1, "resource sample: %s", strerror(-err));
}

void resources__tick(struct resources *r, double now)
{
	if (!r->started) {
		r->started = true;
		r->start = now;
		r->next = now + r->interval;
		sample(r, now);
		return;
	}
	if (now < r->next)
		return;
	sample(r, now);
	/* late (a long wait elsewhere): the next one an interval from now */
	r->next += r->interval;
	if (r->next <= now)
		r->next = now + r->interval;
}

void resources__finish(struct resources *r, double now)
{
	/* a last sample, short runs included (a command that ran for 50 ms
	 * has only its baseline otherwise), unless one was just taken */
	if (!r->started || now > r->last + 0.01)
		sample(r, now);
}

static void write_hist(struct json_writer *w, const char *key, const struct latency_hist *h)
{
	json__key(w, key);
	json__object_begin(w);
	json__key(w, "unit");
	json__string(w, "microseconds");
	json__key(w, "count");
	json__uint(w, h->count);
	json__key(w, "mean");
	json__double(w, h->count ? h->sum_ns / 1e3 / h->count : NAN);
	json__key(w, "p50");
	json__double(w, latency_hist__percentile(h, 50));
	json__key(w, "p99");
	json__double(w, latency_hist__percentile(h, 99));
	/* bucket i: [2^i, 2^(i+1)) microseconds, the first from 0 */
	json__key(w, "log2_buckets");
	json__array_begin(w);
	for (int i = 0; i < LATENCY_BUCKETS; i++)
		json__uint(w, h->buckets[i]);
	json__array_end(w);
	json__object_end(w);
}

int resources__report(struct resources *r)
{
	struct latency_hist runq = {}, bio = {};
	bool have_lat = r->lat && !latency__read(r->lat, &runq, &bio);
	struct json_writer *w;
	int err;

	if (have_lat) {
		latency_hist__sub(&runq, &r->runq0);
		latency_hist__sub(&bio, &r->bio0);
	}
	if (!r->cfg.quiet) {
		sysmon__print(r->mon, stderr, 10);
		if (have_lat) {
			latency_hist__print(&runq, "run-queue latency (wakeup to running)", stderr);
			latency_hist__print(&bio, "block I/O latency (issue to completion)",
					    stderr);
		}
	}
	if (!r->json)
		return 0;
	w = json_writer__new(output_file__stream(r->json), true);
	if (!w)
		return -ENOMEM;
	json__object_begin(w);
	json__key(w, "interval_s");
	json__double(w, r->interval);
	sysmon__write_json(r->mon, w);
	if (have_lat) {
		json__key(w, "latency");
		json__object_begin(w);
		write_hist(w, "runqueue", &runq);
		write_hist(w, "block_io", &bio);
		json__object_end(w);
	}
	json__object_end(w);
	err = json_writer__free(w);
	if (!err)
		err = output_file__commit(r->json);
	if (err)
		p_err("cannot write %s: %s: check free space and permissions", r->cfg.summary_path,
		      strerror(-err));
	return err;
}

void resources__stats(struct resources *r, __u64 *stats)
{
	if (r->lat)
		latency__stats(r->lat, stats);
}
