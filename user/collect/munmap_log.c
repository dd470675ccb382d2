// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "collect/munmap_log.h"

#define PAGE 4096ULL

struct event {
	__u64 start, end, ts;
	__u32 tgid;
	bool matched;
};

struct munmap_log {
	struct event *ev;
	size_t nr, cap;
};

struct munmap_log *munmap_log__new(void)
{
	return calloc(1, sizeof(struct munmap_log));
}

void munmap_log__free(struct munmap_log *l)
{
	if (!l)
		return;
	free(l->ev);
	free(l);
}

int munmap_log__add(struct munmap_log *l, __u32 tgid, __u64 addr, __u64 len, __u64 ts)
{
	struct event *e;

	if (l->nr == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct event *n = realloc(l->ev, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->ev = n;
		l->cap = ncap;
	}
	e = &l->ev[l->nr++];
	e->start = addr;
	e->end = addr + ((len + PAGE - 1) & ~(PAGE - 1));
	if (e->end < e->start)
		e->end = ~0ULL;
	e->ts = ts;
	e->tgid = tgid;
	e->matched = false;
	return 0;
}

/* A block's still-mapped pieces; munmaps cut them. A block has few. */
#define MAX_PIECES 64

struct piece {
	__u64 start, end;
};

/* Remove [s, e) from the pieces; true if it overlapped any. */
static bool cut(struct piece *p, unsigned int *n, __u64 s, __u64 e)
{
	bool hit = false;

	for (unsigned int i = 0; i < *n; i++) {
		struct piece cur = p[i];

		if (e <= cur.start || s >= cur.end)
			continue;
		hit = true;
		if (s > cur.start && e < cur.end) {
			/* a hole: split when there is room; else leave the
			 * piece whole (overstating what is left, not hiding it) */
			if (*n < MAX_PIECES) {
				p[i].end = s;
				p[(*n)++] = (struct piece){ e, cur.end };
			}
			continue;
		}
		if (s <= cur.start && e >= cur.end) {
			p[i--] = p[--(*n)]; /* gone; look at the moved one */
			continue;
		}
		if (s <= cur.start)
			p[i].start = e;
		else
			p[i].end = s;
	}
	return hit;
}

__u64 munmap_log__remaining(struct munmap_log *l, __u32 tgid, __u64 ptr, __u64 bytes, __u64 ts)
{
	struct piece p[MAX_PIECES];
	unsigned int n = 1;
	__u64 mapped, left = 0;

	mapped = (bytes + PAGE - 1) & ~(PAGE - 1);
	p[0] = (struct piece){ ptr, ptr + mapped };
	for (size_t i = 0; i < l->nr && n; i++) {
		struct event *e = &l->ev[i];

		if (e->tgid != tgid || e->ts < ts)
			continue;
		if (cut(p, &n, e->start, e->end))
			e->matched = true;
	}
	for (unsigned int i = 0; i < n; i++)
		left += p[i].end - p[i].start;
	/* unmapped pages come off the requested size */
	return mapped - left >= bytes ? 0 : bytes - (mapped - left);
}

size_t munmap_log__unmatched(const struct munmap_log *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nr; i++)
		n += !l->ev[i].matched;
	return n;
}
