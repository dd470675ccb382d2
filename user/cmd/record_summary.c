// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ember record's summary lines, --stats and the profiles' loss counters,
 * all expanded from loss_table: the numbers a line gives are the ones
 * its profile carries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "lib/log.h"
#include "collect/loss_table.h"
#include "profile/profile.h"
#include "cmd/record_summary.h"

/* Adds every stack builder counter the loss table lists (and only those:
 * the others are one per run, not per event). */
#define SUM_sb(field) sum.field += st->field;
#define SUM_ts(field)
#define SUM_ls(field)
#define SUM_ss(field)
#define SUM(id, name, from, field, desc) SUM_##from(field)

void record_summary__sources(const struct record_summary *s, int e, __u64 *src)
{
	struct stack_builder_stats sum = {};
	struct stat_inputs in = { .bpf = s->bpf, .ts = &s->ts, .ls = &s->ls, .ss = &s->ss };

	if (e >= 0 && e < EVENT_MAX) {
		in.sb = &s->ev[e].sb;
	} else {
		for (int i = 0; i < EVENT_MAX; i++) {
			const struct stack_builder_stats *st = &s->ev[i].sb;

			if (!s->ev[i].prof)
				continue;
			EMBER_USER_STATS(SUM)
		}
		in.sb = &sum;
	}
	stat_src__fill(src, &in);
}

/* The largest leaks on stderr: what the folded file cannot show (block
 * counts, the oldest block's age) for the stacks that matter most. */
static void print_top_leaks(const struct profile *p)
{
	enum {
		TOP = 5,
		TAIL = 4
	};
	size_t top[TOP], n = 0;
	struct profile_stack st, other;

	for (size_t i = 0; i < profile__nr_stacks(p); i++) {
		size_t k;

		profile__stack(p, i, &st);
		for (k = n; k > 0; k--) {
			profile__stack(p, top[k - 1], &other);
			if (other.values[0] >= st.values[0])
				break;
			if (k < TOP)
				top[k] = top[k - 1];
		}
		if (k < TOP) {
			top[k] = i;
			if (n < TOP)
				n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		char frames[512];
		size_t used = 0;
		unsigned int first;

		profile__stack(p, top[i], &st);
		first = st.nr_frames > TAIL + 1 ? st.nr_frames - TAIL : 1;
		frames[0] = 0;
		for (unsigned int f = first; f < st.nr_frames && used < sizeof(frames); f++)
			used += snprintf(frames + used, sizeof(frames) - used, "%s%s",
					 f > first ? ";" : "", st.frames[f].name);
		fprintf(stderr,
			"ember:   %" PRId64 " bytes in %" PRId64 " blocks, oldest %.1f s: %s%s%s\n",
			st.values[0], st.values[1], st.values[2] / 1e9, st.frames[0].name,
			first > 1 ? ";...;" : ";", frames);
	}
}

/* What the event measured: the line up to its losses. */
static int head(const struct record_summary *s, enum ember_event e, const __u64 *src, char *buf,
		size_t size)
{
	const struct record_summary_event *ev = &s->ev[e];
	char est[160] = "";

	if ((e == EVENT_ALLOC || e == EVENT_LEAK) && s->sample_bytes)
		snprintf(est, sizeof(est),
			 ", estimated from --sample-bytes %" PRIu64 " (%" PRIu64
			 " allocations sampled, %" PRIu64 " skipped)",
			 (uint64_t)s->sample_bytes, (uint64_t)src[SRC_ALLOCS],
			 (uint64_t)src[SRC_SAMPLED_OUT]);
	switch (e) {
	case EVENT_CPU:
		return snprintf(buf, size, "%s: %" PRIu64 " samples in %.1f s", ev->desc,
				(uint64_t)s->cpu_samples, s->secs);
	case EVENT_OFFCPU:
		return snprintf(
		    buf, size, "offcpu (%s): %" PRIu64 " intervals, %.6f s off CPU in %.1f s",
		    ev->desc, (uint64_t)s->offcpu_intervals, s->offcpu_ns / 1e9, s->secs);
	case EVENT_WALL:
		return snprintf(buf, size,
				"wall: %.6f s in %.1f s: %.6f s on CPU (%" PRIu64
				" cpu samples at %u Hz), %.6f s off CPU, %.6f s runnable",
				profile__total(ev->prof, 0) / 1e9, s->secs,
				s->freq ? s->cpu_samples * (1.0 / s->freq) : 0,
				(uint64_t)s->cpu_samples, s->freq, s->offcpu_ns / 1e9,
				s->runnable_ns / 1e9);
	case EVENT_ALLOC:
		return snprintf(buf, size,
				"alloc (%s): %" PRId64 " allocations, %" PRId64
				" bytes in %.2f s%s, %" PRIu64 " failed",
				ev->desc, profile__total(ev->prof, 1), profile__total(ev->prof, 0),
				s->secs, est, (uint64_t)loss__value(LOSS_ALLOC_FAILED, src));
	case EVENT_LEAK:
		return snprintf(buf, size,
				"leak (%s): %" PRId64 " bytes in %" PRId64
				" blocks outstanding at the end in %zu stacks, oldest %.1f s%s; "
				"left out: %" PRIu64 " blocks (%" PRIu64
				" bytes) younger than --min-age, %" PRIu64
				" of processes that exited or exec'd since; %" PRIu64
				" frees of blocks not seen allocated%s and %" PRIu64
				" munmaps of untracked ranges ignored",
				ev->desc, profile__total(ev->prof, 0), profile__total(ev->prof, 1),
				profile__nr_stacks(ev->prof), s->oldest_leak_ns / 1e9, est,
				(uint64_t)loss__value(LOSS_YOUNG_BLOCKS, src),
				(uint64_t)loss__value(LOSS_YOUNG_BYTES, src),
				(uint64_t)loss__value(LOSS_EXITED_BLOCKS, src),
				(uint64_t)loss__value(LOSS_FREES_UNKNOWN, src),
				s->sample_bytes ? " (mostly unsampled ones)" : "",
				(uint64_t)loss__value(LOSS_MUNMAPS_UNTRACKED, src));
	default:
		if (size)
			buf[0] = '\0';
		return 0;
	}
}

int record_summary__line(const struct record_summary *s, enum ember_event e, char *buf, size_t size)
{
	bool ns = e == EVENT_OFFCPU || e == EVENT_WALL;
	const char *unit = ns ? "us" : e == EVENT_CPU ? "samples" : "bytes";
	__u64 src[SRC_MAX];
	int n, m;

	record_summary__sources(s, e, src);
	n = head(s, e, src, buf, size);
	if (n < 0)
		return n;
	m = snprintf((size_t)n < size ? buf + n : NULL, (size_t)n < size ? size - n : 0, ", ");
	n += m;
	m = loss__format((size_t)n < size ? buf + n : NULL, (size_t)n < size ? size - n : 0,
			 LOSS_EV(e), src, true, unit, ns ? 1000 : 1);
	return n + m;
}

void record_summary__print(const struct record_summary *s)
{
	__u64 src[SRC_MAX];
	char line[2048];

	for (int e = 0; e < EVENT_MAX; e++) {
		if (!s->ev[e].prof)
			continue;
		record_summary__line(s, e, line, sizeof(line));
		p_info("%s", line);
		if (e == EVENT_LEAK)
			print_top_leaks(s->ev[e].prof);
	}
	record_summary__sources(s, EVENT_MAX, src);
	if (loss__value(LOSS_STACKS_MAP_FULL, src) || loss__value(LOSS_COUNTS_MAP_FULL, src))
		p_warn("data was lost: raise --stack-storage (stacks map) or --max-stacks (counts "
		       "map)");
	if (loss__value(LOSS_LIVE_MAP_FULL, src))
		p_warn("live blocks were lost: raise --max-live");
}

void record_summary__print_stats(const struct record_summary *s, FILE *out)
{
	__u64 src[SRC_MAX], ev_src[EVENT_MAX][SRC_MAX];
	unsigned int recorded = 0;
	char sum[160];

	record_summary__sources(s, EVENT_MAX, src);
	fprintf(out, "ember: stats (BPF):\n");
	for (int i = 0; i < SRC_MAX; i++) {
		if (i == SRC_STACKS)
			fprintf(out, "ember: stats (userspace, all events):\n");
		fprintf(out, "  %-18s %12" PRIu64 "  %s\n", stat_src__name(i), (uint64_t)src[i],
			stat_src__desc(i));
	}
	fprintf(out,
		"ember: stats (losses by event, as on the summary lines and in the "
		"profiles):\n  %-27s",
		"loss");
	for (int e = 0; e < EVENT_MAX; e++) {
		if (!s->ev[e].prof)
			continue;
		record_summary__sources(s, e, ev_src[e]);
		fprintf(out, " %12s", event__name(e));
		recorded |= LOSS_EV(e);
	}
	fprintf(out, "  what = the counters above it sums\n");
	for (int l = 0; l < LOSS_MAX; l++) {
		if (!loss__applies(l, recorded))
			continue;
		fprintf(out, "  %-27s", loss_table[l].name);
		for (int e = 0; e < EVENT_MAX; e++) {
			if (!(recorded & LOSS_EV(e)))
				continue;
			if (loss__applies(l, LOSS_EV(e)))
				fprintf(out, " %12" PRIu64, (uint64_t)loss__value(l, ev_src[e]));
			else
				fprintf(out, " %12s", "-");
		}
		loss__sum_text(sum, sizeof(sum), l);
		fprintf(out, "  %s = %s\n", loss_table[l].phrase, sum);
	}
}

int record_summary__set_counters(const struct record_summary *s)
{
	__u64 src[SRC_MAX];

	for (int e = 0; e < EVENT_MAX; e++) {
		if (!s->ev[e].prof)
			continue;
		record_summary__sources(s, e, src);
		for (int l = 0; l < LOSS_MAX; l++)
			if (loss__applies(l, LOSS_EV(e)) &&
			    profile__set_counter(s->ev[e].prof, loss_table[l].name,
						 (int64_t)loss__value(l, src)))
				return -ENOMEM;
	}
	return 0;
}
