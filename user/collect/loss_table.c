// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The loss table's expansion: sources, sums and the summary's words. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include "collect/collector.h"
#include "lib/log.h"
#include "collect/loss_table.h"
#include "symbolize/mmap_tracker.h"
#include "stack/stack_builder.h"
#include "symbolize/symbolizer.h"

/* Every source's name and description, in one row each. */
static const struct {
	const char *name;
	const char *desc;
} src_info[SRC_MAX] = {
#define BPF(id, name_, desc_) [SRC_##id] = { .name = name_, .desc = desc_ },
#define USER(id, name_, from, field, desc_) [SRC_##id] = { .name = name_, .desc = desc_ },
	EMBER_BPF_STATS(BPF) EMBER_USER_STATS(USER)
#undef BPF
#undef USER
};

/* Each loss's sources, then the table pointing into them. */
#define SOURCES(id, name, phrase, place, events, ...)                                              \
	static const enum stat_src src_of_##id[] = { __VA_ARGS__ };
EMBER_LOSSES(SOURCES)
#undef SOURCES

const struct loss_info loss_table[LOSS_MAX] = {
#define ROW(id, name_, phrase_, place_, events_, ...)                                              \
	[LOSS_##id] = { .name = name_,                                                             \
			.phrase = phrase_,                                                         \
			.place = place_,                                                           \
			.events = events_,                                                         \
			.src = src_of_##id,                                                        \
			.nr_src = sizeof(src_of_##id) / sizeof(src_of_##id[0]) },
	EMBER_LOSSES(ROW)
#undef ROW
};

void stat_src__fill(__u64 *src, const struct stat_inputs *in)
{
	for (int i = 0; i < EMBER_STAT_MAX; i++)
		src[i] = in->bpf ? in->bpf[i] : 0;
#define USER(id, name, from, field, desc) src[SRC_##id] = in->from ? in->from->field : 0;
	EMBER_USER_STATS(USER)
#undef USER
}

const char *stat_src__name(enum stat_src s)
{
	return (unsigned int)s < SRC_MAX ? src_info[s].name : "?";
}

const char *stat_src__desc(enum stat_src s)
{
	return (unsigned int)s < SRC_MAX ? src_info[s].desc : "?";
}

__u64 loss__value(enum loss l, const __u64 *src)
{
	__u64 v = 0;

	for (unsigned int i = 0; i < loss_table[l].nr_src; i++)
		v += src[loss_table[l].src[i]];
	return v;
}

__u64 loss__lost(unsigned int events, const __u64 *src)
{
	__u64 v = 0;

	for (int l = 0; l < LOSS_MAX; l++)
		if (loss_table[l].place == LOSS_AT_LOST && loss__applies(l, events))
			v += loss__value(l, src);
	return v;
}

/* snprintf that keeps going: len is what the whole text needs. */
struct text {
	char *buf;
	size_t size, len;
};

static void __printf(2, 3) add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->len < t->size ? t->buf + t->len : NULL,
		      t->len < t->size ? t->size - t->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += n;
}

int loss__format(char *buf, size_t size, unsigned int events, const __u64 *src, bool tail,
		 const char *unit, __u64 divisor)
{
	struct text t = { buf, size, 0 };
	bool first = true;

	if (size)
		buf[0] = '\0';
	add(&t, "%" PRIu64 " lost (", (uint64_t)loss__lost(events, src));
	for (int l = 0; l < LOSS_MAX; l++) {
		if (loss_table[l].place != LOSS_AT_LOST || !loss__applies(l, events))
			continue;
		add(&t, "%s%" PRIu64 " %s", first ? "" : ", ", (uint64_t)loss__value(l, src),
		    loss_table[l].phrase);
		first = false;
	}
	add(&t, ")");
	if (!tail)
		return (int)t.len;
	for (int l = 0; l < LOSS_MAX; l++) {
		if (loss_table[l].place == LOSS_AT_AFTER && loss__applies(l, events))
			add(&t, ", %" PRIu64 " %s", (uint64_t)loss__value(l, src),
			    loss_table[l].phrase);
	}
	for (int l = 0; l < LOSS_MAX; l++) {
		if (!loss__applies(l, events))
			continue;
		if (loss_table[l].place == LOSS_AT_STACKS)
			add(&t, ", %" PRIu64 " %s", (uint64_t)loss__value(l, src),
			    loss_table[l].phrase);
		else if (loss_table[l].place == LOSS_AT_VALUE)
			add(&t, " (%" PRIu64 " %s)",
			    (uint64_t)(loss__value(l, src) / (divisor ? divisor : 1)), unit);
	}
	return (int)t.len;
}

int loss__sum_text(char *buf, size_t size, enum loss l)
{
	struct text t = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	for (unsigned int i = 0; i < loss_table[l].nr_src; i++)
		add(&t, "%s%s", i ? " + " : "", stat_src__name(loss_table[l].src[i]));
	return (int)t.len;
}
