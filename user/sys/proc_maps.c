// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * proc_maps: parser for /proc/PID/maps text.
 *
 * Line format (fs/proc/task_mmu.c show_map_vma):
 *   start-end perms offset major:minor inode   path
 * The path is padded with spaces after the inode and runs to the end of
 * the line; it may itself contain spaces, so it is everything after the
 * padding, not a whitespace-separated field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys/proc_maps.h"

struct proc_maps {
	struct proc_map *entries;
	size_t nr;
	size_t cap;
	size_t malformed;
};

static const char deleted_suffix[] = " (deleted)";

/* strtoull accepts signs, leading blanks and "0x": the kernel prints none
 * of those, so a strict scanner rejects garbage instead of guessing. */
static int parse_num(const char **pp, unsigned int base, __u64 *out)
{
	const char *p = *pp;
	__u64 v = 0;
	int n = 0;

	for (;; p++, n++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			break;
		if (v > (~0ULL - d) / base)
			return -EINVAL; /* overflow */
		v = v * base + d;
	}
	if (!n)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

static int expect(const char **pp, char c)
{
	if (**pp != c)
		return -EINVAL;
	(*pp)++;
	return 0;
}

int proc_maps__parse_line(char *line, struct proc_map *e)
{
	const char *p = line;
	__u64 major, minor;
	char *path;
	size_t len;
	int i;

	memset(e, 0, sizeof(*e));
	if (parse_num(&p, 16, &e->start) || expect(&p, '-') || parse_num(&p, 16, &e->end) ||
	    expect(&p, ' '))
		return -EINVAL;
	if (e->end < e->start)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if (!strchr("rwxsp-", p[i]) || p[i] == '\0')
			return -EINVAL;
		e->perms[i] = p[i];
	}
	e->perms[4] = '\0';
	p += 4;
	if (expect(&p, ' ') || parse_num(&p, 16, &e->offset) || expect(&p, ' ') ||
	    parse_num(&p, 16, &major) || expect(&p, ':') || parse_num(&p, 16, &minor) ||
	    expect(&p, ' ') || parse_num(&p, 10, &e->inode))
		return -EINVAL;
	if (major > 0xffffffffu || minor > 0xffffffffu)
		return -EINVAL;
	e->dev_major = (__u32)major;
	e->dev_minor = (__u32)minor;
	/* After the inode: nothing (anonymous), or padding then the path. */
	if (*p != '\0' && *p != '\n' && *p != ' ')
		return -EINVAL;
	while (*p == ' ')
		p++;
	path = line + (p - line);
	len = strlen(path);
	if (len && path[len - 1] == '\n')
		path[--len] = '\0';
	if (len >= sizeof(deleted_suffix) - 1 &&
	    !strcmp(path + len - (sizeof(deleted_suffix) - 1), deleted_suffix)) {
		len -= sizeof(deleted_suffix) - 1;
		path[len] = '\0';
		e->deleted = true;
	}
	e->path = path;
	return 0;
}

bool proc_maps__is_pseudo(const char *path)
{
	size_t len = path ? strlen(path) : 0;

	return len >= 2 && path[0] == '[' && path[len - 1] == ']';
}

static int append(struct proc_maps *m, const struct proc_map *e)
{
	struct proc_map *n;
	char *path;

	if (m->nr == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;

		n = realloc(m->entries, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		m->entries = n;
		m->cap = cap;
	}
	/* e->path points into the getline buffer, reused for the next line. */
	path = strdup(e->path);
	if (!path)
		return -ENOMEM;
	m->entries[m->nr] = *e;
	m->entries[m->nr].path = path;
	m->nr++;
	return 0;
}

struct proc_maps *proc_maps__parse(FILE *f)
{
	struct proc_maps *m;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct proc_map e;

		/* A NUL inside the line would hide the rest from the parser;
		 * such a line is malformed anyway, strlen-based parsing just
		 * sees a shorter line, which is safe. */
		if (proc_maps__parse_line(line, &e)) {
			m->malformed++;
			continue;
		}
		err = append(m, &e);
		if (err)
			goto cleanup;
	}
	if (ferror(f))
		err = errno ? -errno : -EIO;
cleanup:
	free(line);
	if (err) {
		proc_maps__free(m);
		errno = -err;
		return NULL;
	}
	return m;
}

struct proc_maps *proc_maps__read(const char *path)
{
	struct proc_maps *m;
	FILE *f;
	int saved;

	f = fopen(path, "re");
	if (!f)
		return NULL;
	m = proc_maps__parse(f);
	saved = errno;
	fclose(f);
	errno = saved;
	return m;
}

void proc_maps__free(struct proc_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		free((char *)m->entries[i].path);
	free(m->entries);
	free(m);
}

size_t proc_maps__nr(const struct proc_maps *m)
{
	return m ? m->nr : 0;
}

const struct proc_map *proc_maps__entry(const struct proc_maps *m, size_t i)
{
	return m && i < m->nr ? &m->entries[i] : NULL;
}

size_t proc_maps__malformed(const struct proc_maps *m)
{
	return m ? m->malformed : 0;
}
