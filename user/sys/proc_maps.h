/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * proc_maps: parser for the text of /proc/PID/maps.
 *
 * Lines are read with getline, so paths of any length work. Lines that do
 * not parse are skipped and counted rather than failing the whole file:
 * a process can change its mappings while we read, and fixtures are odd.
 */
#ifndef EMBER_PROC_MAPS_H
#define EMBER_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct proc_map {
	__u64 start;
	__u64 end;
	__u64 offset; /* file offset of start (pgoff * page size) */
	__u64 inode;
	__u32 dev_major;
	__u32 dev_minor;
	char perms[5];	  /* "r-xp", NUL terminated */
	bool deleted;	  /* path had a " (deleted)" suffix, now stripped */
	const char *path; /* "" for anonymous; "[vdso]", "[stack]"... kept */
};

struct proc_maps;

/* Parse all lines of f / of the file at path. NULL with errno on failure
 * (allocation or open error); malformed lines are not a failure. */
struct proc_maps *proc_maps__parse(FILE *f);
struct proc_maps *proc_maps__read(const char *path);
void proc_maps__free(struct proc_maps *m);

size_t proc_maps__nr(const struct proc_maps *m);
const struct proc_map *proc_maps__entry(const struct proc_maps *m, size_t i);
size_t proc_maps__malformed(const struct proc_maps *m);

/* Parse one line (trailing newline optional). On success fills *e, with
 * e->path pointing into line (which is modified: the path is terminated
 * in place). Returns 0 or -EINVAL. */
int proc_maps__parse_line(char *line, struct proc_map *e);

/* True for "[vdso]", "[stack]"... : names that are not files. */
bool proc_maps__is_pseudo(const char *path);

#endif
