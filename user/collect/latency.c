// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Run-queue and block I/O latency histograms: the latency skeleton. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "collect/collector.h"
#include "collect/latency.h"
#include "latency.skel.h"
#include "lib/log.h"

_Static_assert(sizeof(struct latency_hist) == sizeof(struct ember_latency_hist),
	       "latency_hist and ember_latency_hist differ");

struct latency {
	struct latency_bpf *skel;
	struct bpf_link **links;
	int nr_links;
	int nr_cpus;
	struct ember_latency_hist *percpu; /* nr_cpus values, for reading */
};

static int attach_all(struct latency *l)
{
	struct bpf_program *prog;
	int n = 0;

	bpf_object__for_each_program(prog, l->skel->obj)
	{
		n++;
	}
	l->links = calloc(n, sizeof(*l->links));
	if (!l->links)
		return -ENOMEM;
	bpf_object__for_each_program(prog, l->skel->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		const char *tp = strchr(sec, '/');
		struct bpf_link *link = bpf_program__attach(prog);

		if (!link) {
			int err = -errno;

			p_err("latency: cannot attach to the %s raw tracepoint: %s",
			      tp ? tp + 1 : sec, strerror(-err));
			return err;
		}
		l->links[l->nr_links++] = link;
	}
	return 0;
}

struct latency *latency__open(void)
{
	struct latency *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->nr_cpus = libbpf_num_possible_cpus();
	if (l->nr_cpus <= 0) {
		err = l->nr_cpus ? l->nr_cpus : -EINVAL;
		p_err("latency: cannot count the possible CPUs: %s", strerror(-err));
		goto fail;
	}
	l->percpu = calloc(l->nr_cpus, sizeof(*l->percpu));
	if (!l->percpu) {
		err = -ENOMEM;
		goto fail;
	}
	l->skel = latency_bpf__open();
	if (!l->skel) {
		err = -errno;
		p_err("latency: cannot open the BPF programs: %s", strerror(-err));
		goto fail;
	}
	err = latency_bpf__load(l->skel);
	if (err) {
		p_err("latency: cannot load the BPF programs: %s", strerror(-err));
		goto fail;
	}
	err = attach_all(l);
	if (err)
		goto fail;
	return l;
fail:
	latency__free(l);
	errno = -err;
	return NULL;
}

static int read_hist(struct latency *l, __u32 kind, struct latency_hist *h)
{
	int fd = bpf_map__fd(l->skel->maps.hists);

	memset(h, 0, sizeof(*h));
	if (bpf_map_lookup_elem(fd, &kind, l->percpu))
		return -errno;
	for (int c = 0; c < l->nr_cpus; c++) {
		const struct ember_latency_hist *p = &l->percpu[c];

		h->count += p->count;
		h->sum_ns += p->sum_ns;
		for (int i = 0; i < LATENCY_BUCKETS; i++)
			h->buckets[i] += p->buckets[i];
	}
	return 0;
}

int latency__read(struct latency *l, struct latency_hist *runq, struct latency_hist *bio)
{
	int err = 0;

	if (runq)
		err = read_hist(l, EMBER_LATENCY_RUNQ, runq);
	if (!err && bio)
		err = read_hist(l, EMBER_LATENCY_BIO, bio);
	return err;
}

static __u64 sub_sat(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

void latency_hist__sub(struct latency_hist *a, const struct latency_hist *b)
{
	a->count = sub_sat(a->count, b->count);
	a->sum_ns = sub_sat(a->sum_ns, b->sum_ns);
	for (int i = 0; i < LATENCY_BUCKETS; i++)
		a->buckets[i] = sub_sat(a->buckets[i], b->buckets[i]);
}

/* Bucket i covers [lo, hi) us. */
static double bucket_lo(int i)
{
	return i ? (double)(1ULL << i) : 0.0;
}

static double bucket_hi(int i)
{
	return (double)(1ULL << (i + 1));
}

double latency_hist__percentile(const struct latency_hist *h, double p)
{
	__u64 total = 0, below = 0;
	double target;

	for (int i = 0; i < LATENCY_BUCKETS; i++)
		total += h->buckets[i];
	if (!total)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	target = p / 100 * (double)total;
	for (int i = 0; i < LATENCY_BUCKETS; i++) {
		__u64 n = h->buckets[i];

		if (!n)
			continue;
		if ((double)(below + n) >= target || i == LATENCY_BUCKETS - 1) {
			double frac = (target - (double)below) / (double)n;

			if (frac < 0)
				frac = 0;
			if (i == LATENCY_BUCKETS - 1)
				return bucket_lo(i);
			return bucket_lo(i) + frac * (bucket_hi(i) - bucket_lo(i));
		}
		below += n;
	}
	return 0; /* not reached: the last non-empty bucket meets the target */
}

static void print_stars(FILE *out, __u64 val, __u64 val_max, int width)
{
	__u64 stars;

	if (val_max <= UINT64_MAX / (__u64)width)
		stars = val * width / val_max;
	else
		stars = val / (val_max / width);
	for (int i = 0; i < width; i++)
		fputc((__u64)i < stars ? '*' : ' ', out);
}

void latency_hist__print(const struct latency_hist *h, const char *title, FILE *out)
{
	enum {
		STARS = 40,
		WIDTH = 10
	};
	int first = -1, last = -1;
	__u64 val_max = 0;

	for (int i = 0; i < LATENCY_BUCKETS; i++) {
		if (!h->buckets[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->buckets[i] > val_max)
			val_max = h->buckets[i];
	}
	if (first < 0) {
		fprintf(out, "%s: no events\n", title);
		return;
	}
	fprintf(out, "%s: %llu events, mean %.1f us, p50 %.1f us, p99 %.1f us\n", title,
		(unsigned long long)h->count,
		h->count ? (double)h->sum_ns / 1000.0 / (double)h->count : 0.0,
		latency_hist__percentile(h, 50), latency_hist__percentile(h, 99));
	fprintf(out, "%*s%-*s : count    distribution\n", 5, "", 19, "usecs");
	for (int i = first; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0, hi = (1ULL << (i + 1)) - 1;

		if (i == LATENCY_BUCKETS - 1)
			fprintf(out, "%*llu -> %-*s : ", WIDTH, lo, WIDTH, "inf");
		else
			fprintf(out, "%*llu -> %-*llu : ", WIDTH, lo, WIDTH, hi);
		fprintf(out, "%-8llu |", (unsigned long long)h->buckets[i]);
		print_stars(out, h->buckets[i], val_max, STARS);
		fputs("|\n", out);
	}
}

void latency__stats(struct latency *l, __u64 *stats)
{
	collector__add_bpf_stats(bpf_map__fd(l->skel->maps.stats), l->skel->obj, NULL, stats);
}

void latency__free(struct latency *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nr_links; i++)
		bpf_link__destroy(l->links[i]);
	free(l->links);
	latency_bpf__destroy(l->skel);
	free(l->percpu);
	free(l);
}
