// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ksyms: /proc/kallsyms parser and address lookup.
 *
 * Line format: "ffffffff81000000 T _stext" optionally followed by
 * "\t[module]". Names may be up to KSYM_NAME_LEN (512 since 6.1), so lines
 * are read with getline. The file is sorted by module, not by address,
 * hence the sort here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/ksyms.h"

/* The kernel does not say where a module's text ends; when the next known
 * symbol belongs to someone else, assume a function is at most this big
 * rather than extending it to a neighbour that may be far away. */
#define KSYM_MAX_GUESSED_SIZE (16 * 1024)

static const char core_module[] = "[kernel.kallsyms]";

struct kent {
	struct ksym sym;
	char type;
	bool func;
};

struct ksyms {
	struct kent *ents;
	size_t nr;
	size_t cap;
	size_t nr_funcs;
	char **modules; /* interned module names, owned */
	size_t nr_modules;
	bool available;
};

static bool type_is_func(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* Section end markers are emitted as text symbols at the first address
 * past the section: treat them as boundaries, not as functions. */
static bool name_is_marker(const char *name)
{
	size_t len = strlen(name);

	if (!strcmp(name, "_etext") || !strcmp(name, "_einittext") || !strcmp(name, "_end"))
		return true;
	return len > 6 && !strncmp(name, "__", 2) && !strcmp(name + len - 4, "_end");
}

static unsigned int leading_underscores(const char *s)
{
	unsigned int n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

static int type_rank(const struct kent *e)
{
	if (!e->func)
		return 3;
	if (e->type == 'T')
		return 0;
	if (e->type == 'W' || e->type == 'w')
		return 1;
	return 2;
}

/* Address order; at one address the entry that a lookup should report
 * comes first: functions before boundaries, then global > weak > local,
 * then fewer leading underscores, shorter name, and strcmp for a total
 * order (so the choice never depends on file order). */
static int kent_cmp(const void *a, const void *b)
{
	const struct kent *x = a, *y = b;
	unsigned int ux, uy;
	size_t lx, ly;

	if (x->sym.addr != y->sym.addr)
		return x->sym.addr < y->sym.addr ? -1 : 1;
	if (type_rank(x) != type_rank(y))
		return type_rank(x) - type_rank(y);
	ux = leading_underscores(x->sym.name);
	uy = leading_underscores(y->sym.name);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	lx = strlen(x->sym.name);
	ly = strlen(y->sym.name);
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->sym.name, y->sym.name);
}

static const char *intern_module(struct ksyms *k, const char *mod, size_t len)
{
	char **n;
	char *s;
	size_t i;

	/* Symbols come grouped by module: check the latest first. */
	for (i = k->nr_modules; i-- > 0;) {
		if (strlen(k->modules[i]) == len && !strncmp(k->modules[i], mod, len))
			return k->modules[i];
	}
	n = realloc(k->modules, (k->nr_modules + 1) * sizeof(*n));
	if (!n)
		return NULL;
	k->modules = n;
	s = strndup(mod, len);
	if (!s)
		return NULL;
	k->modules[k->nr_modules++] = s;
	return s;
}

/* Returns 0 (entry added or line skipped), 1 for a malformed line,
 * -ENOMEM. */
static int parse_line(struct ksyms *k, char *line)
{
	const char *module = core_module;
	unsigned long long addr;
	char *p = line, *end, *name, *tab;
	struct kent *e;
	char type;

	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
		return 1;
	errno = 0;
	addr = strtoull(p, &end, 16);
	if (errno || end == p || *end != ' ')
		return 1;
	type = end[1];
	if (!type || end[2] != ' ' || !end[3] || end[3] == '\n' || end[3] == '\t')
		return 1;
	name = end + 3;
	name[strcspn(name, "\n")] = '\0';
	tab = strchr(name, '\t');
	if (tab) {
		char *mod = tab + 1;
		size_t len = strlen(mod);

		*tab = '\0';
		if (len < 3 || mod[0] != '[' || mod[len - 1] != ']')
			return 1;
		module = intern_module(k, mod, len);
		if (!module)
			return -ENOMEM;
	}
	/* Absolute symbols (per-CPU offsets...) and undefined ones are not
	 * code addresses at all. */
	if (type == 'a' || type == 'A' || type == 'U')
		return 0;
	if (!addr)
		return 0;
	if (k->nr == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		struct kent *n = realloc(k->ents, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		k->ents = n;
		k->cap = cap;
	}
	e = &k->ents[k->nr];
	e->sym.name = strdup(name);
	if (!e->sym.name)
		return -ENOMEM;
	e->sym.addr = addr;
	e->sym.end = 0;
	e->sym.module = module;
	e->type = type;
	e->func = type_is_func(type) && !name_is_marker(name);
	k->nr++;
	return 0;
}

static void finish(struct ksyms *k)
{
	size_t i, j;

	if (!k->nr)
		return;
	qsort(k->ents, k->nr, sizeof(*k->ents), kent_cmp);
	/* Keep one entry per address: the first, by kent_cmp's preference. */
	for (i = 0, j = 0; i < k->nr; i++) {
		if (j && k->ents[j - 1].sym.addr == k->ents[i].sym.addr) {
			free((char *)k->ents[i].sym.name);
			continue;
		}
		k->ents[j++] = k->ents[i];
	}
	k->nr = j;
	for (i = 0; i < k->nr; i++) {
		struct kent *e = &k->ents[i];
		__u64 guess = e->sym.addr + KSYM_MAX_GUESSED_SIZE;

		if (guess < e->sym.addr)
			guess = ~0ULL;
		/* Within one module symbols are dense, so the next one ends
		 * this one however far it is; across modules, guess. */
		if (i + 1 < k->nr &&
		    (k->ents[i + 1].sym.module == e->sym.module || k->ents[i + 1].sym.addr < guess))
			e->sym.end = k->ents[i + 1].sym.addr;
		else
			e->sym.end = guess;
		if (e->func)
			k->nr_funcs++;
	}
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *k = NULL;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (getline(&line, &cap, f) >= 0) {
		int ret = parse_line(k, line);

		if (ret < 0) {
			err = ret;
			goto cleanup;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		goto cleanup;
	}
	finish(k);
	/* kptr_restrict shows every address as zero; a file of nothing but
	 * zeros (or nothing at all) cannot place any address. */
	k->available = k->nr_funcs > 0;
cleanup:
	free(line);
	fclose(f);
	if (err) {
		ksyms__free(k);
		errno = -err;
		return NULL;
	}
	return k;
}

void ksyms__free(struct ksyms *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->nr; i++)
		free((char *)k->ents[i].sym.name);
	for (i = 0; i < k->nr_modules; i++)
		free(k->modules[i]);
	free(k->modules);
	free(k->ents);
	free(k);
}

bool ksyms__available(const struct ksyms *k)
{
	return k && k->available;
}

size_t ksyms__nr(const struct ksyms *k)
{
	return k ? k->nr_funcs : 0;
}

const struct ksym *ksyms__find(const struct ksyms *k, __u64 addr)
{
	size_t lo = 0, hi;
	const struct kent *e;

	if (!k || !k->nr)
		return NULL;
	hi = k->nr;
	/* Largest start <= addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->ents[mid].sym.addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	e = &k->ents[lo - 1];
	if (!e->func || addr >= e->sym.end)
		return NULL;
	return &e->sym;
}
