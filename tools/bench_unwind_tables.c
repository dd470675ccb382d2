// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_unwind_tables: builds the unwind table (user/unwind/) of each file
 * given, or with --maps of every distinct executable file mapped on this
 * machine (from /proc/PID/maps, opened through /proc/PID/map_files as
 * ember will), and prints per file its rows, its size in the BPF maps
 * (rows * 8 + index * 4), the build time and the census of its rules;
 * then the totals. A dev tool (make bench-unwind-tables), not part of ember.
 *
 *   bench_unwind_tables [-r REPEAT] [--classes] FILE...
 *   bench_unwind_tables [-r REPEAT] [--classes] --maps
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "unwind/unwind_table.h"

struct totals {
	unsigned int files, failed, fp_only;
	__u64 rows, bytes, cfi_rows, fdes, exec_bytes;
	double ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *const kind_names[EMBER_UNW_KINDS] = {
	"rsp", "rbp", "deref_rsp", "deref_rbp", "plt10", "plt11", "signal", "stop", "fp", "invalid",
};

/* Builds fd's table repeat times; prints one line (and the classes). */
static void one(int fd, const char *name, unsigned int repeat, int classes, struct totals *tot)
{
	struct unwind_table_opts o = { .path = name, .debug_fd = -1 };
	const struct unwind_table_counts *c;
	struct unwind_table *t = NULL;
	double best = 0;
	__u32 nr_rows, nr_blocks;

	for (unsigned int i = 0; i < repeat; i++) {
		double t0 = now_ms(), dt;

		unwind_table__free(t);
		t = unwind_table__new_fd(fd, &o);
		dt = now_ms() - t0;
		if (!t)
			break;
		if (!i || dt < best)
			best = dt;
	}
	if (!t) {
		printf("%-60s failed: %s\n", name, strerror(errno));
		tot->failed++;
		return;
	}
	c = unwind_table__counts(t);
	unwind_table__rows(t, &nr_rows);
	unwind_table__index(t, &nr_blocks);
	printf("%-60s rows %8u bytes %9zu ms %7.3f  cfi rows %8llu fdes %6llu exec KiB %7llu "
	       "invalid %5llu%s\n",
	       name, nr_rows, unwind_table__bytes(t), best,
	       (unsigned long long)(c->eh.rows + c->debug.rows),
	       (unsigned long long)(c->eh.fdes + c->debug.fdes),
	       (unsigned long long)(c->exec_bytes >> 10),
	       (unsigned long long)c->table_rows[EMBER_UNW_INVALID],
	       unwind_table__flags(t) & EMBER_UNW_FILE_FP_ONLY ? " FP_ONLY" : "");
	if (classes) {
		printf(
		    "    cfa rsp %llu rbp %llu plt %llu deref %llu expr %llu reg %llu | rbp unch "
		    "%llu cfa %llu expr %llu other %llu | ra cfa-8 %llu undef %llu other %llu\n",
		    (unsigned long long)c->cfa[UNWIND_CFA_RSP],
		    (unsigned long long)c->cfa[UNWIND_CFA_RBP],
		    (unsigned long long)c->cfa[UNWIND_CFA_PLT],
		    (unsigned long long)c->cfa[UNWIND_CFA_DEREF],
		    (unsigned long long)c->cfa[UNWIND_CFA_EXPR_OTHER],
		    (unsigned long long)c->cfa[UNWIND_CFA_REG_OTHER],
		    (unsigned long long)c->rbp[UNWIND_RBP_UNCHANGED],
		    (unsigned long long)c->rbp[UNWIND_RBP_CFA],
		    (unsigned long long)c->rbp[UNWIND_RBP_EXPR],
		    (unsigned long long)c->rbp[UNWIND_RBP_OTHER],
		    (unsigned long long)c->ra[UNWIND_RA_CFA8],
		    (unsigned long long)c->ra[UNWIND_RA_UNDEF],
		    (unsigned long long)c->ra[UNWIND_RA_OTHER]);
		printf("    rows by kind:");
		for (unsigned int k = 0; k < EMBER_UNW_KINDS; k++)
			printf(" %s %llu/%llu", kind_names[k], (unsigned long long)c->kind_rows[k],
			       (unsigned long long)c->table_rows[k]);
		printf("  (cfi/table); fde KiB %llu, prologues %llu in %llu KiB .text\n",
		       (unsigned long long)(c->fde_bytes >> 10), (unsigned long long)c->prologues,
		       (unsigned long long)(c->text_bytes >> 10));
	}
	tot->files++;
	tot->rows += nr_rows;
	tot->bytes += unwind_table__bytes(t);
	tot->cfi_rows += c->eh.rows + c->debug.rows;
	tot->fdes += c->eh.fdes + c->debug.fdes;
	tot->exec_bytes += c->exec_bytes;
	tot->ms += best;
	if (unwind_table__flags(t) & EMBER_UNW_FILE_FP_ONLY)
		tot->fp_only++;
	unwind_table__free(t);
}

struct seen {
	__u64 (*v)[2];
	size_t n, cap;
};

/* Whether (dev, ino) was seen already; records it if not. */
static int seen_before(struct seen *s, __u64 dev, __u64 ino)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i][0] == dev && s->v[i][1] == ino)
			return 1;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			perror("realloc");
			exit(1);
		}
	}
	s->v[s->n][0] = dev;
	s->v[s->n][1] = ino;
	s->n++;
	return 0;
}

/* Every distinct r-x file mapping of every process. */
static void all_maps(unsigned int repeat, int classes, struct totals *tot)
{
	struct seen seen = { 0 };
	struct dirent *de;
	DIR *proc = opendir("/proc");

	if (!proc) {
		perror("/proc");
		exit(1);
	}
	while ((de = readdir(proc))) {
		char path[640], line[4096];
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/maps", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char range[64], perms[8], file[4096] = "";
			unsigned long long off, ino;
			unsigned int maj, min;
			struct stat st;
			int fd;

			if (sscanf(line, "%63s %7s %llx %x:%x %llu %4095[^\n]", range, perms, &off,
				   &maj, &min, &ino, file) < 6 ||
			    perms[2] != 'x' || !ino)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/map_files/%s", de->d_name, range);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (fstat(fd, &st) || seen_before(&seen, st.st_dev, st.st_ino)) {
				close(fd);
				continue;
			}
			one(fd, file[0] ? file + strspn(file, " ") : path, repeat, classes, tot);
			close(fd);
		}
		fclose(f);
	}
	closedir(proc);
	free(seen.v);
}

int main(int argc, char **argv)
{
	struct totals tot = { 0 };
	unsigned int repeat = 1;
	int classes = 0, maps = 0, i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			repeat = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--classes"))
			classes = 1;
		else if (!strcmp(argv[i], "--maps"))
			maps = 1;
		else
			break;
	}
	if (!repeat || (!maps && i == argc)) {
		fprintf(stderr, "usage: %s [-r REPEAT] [--classes] --maps | FILE...\n", argv[0]);
		return 2;
	}
	if (maps)
		all_maps(repeat, classes, &tot);
	for (; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			printf("%-60s failed: %s\n", argv[i], strerror(errno));
			tot.failed++;
			continue;
		}
		one(fd, argv[i], repeat, classes, &tot);
		close(fd);
	}
	printf("total: %u files (%u failed, %u FP_ONLY), %llu rows (%llu CFI rows, %llu FDEs), "
	       "%llu bytes (%.2f MB) for %.2f MB of code, %.1f ms\n",
	       tot.files, tot.failed, tot.fp_only, (unsigned long long)tot.rows,
	       (unsigned long long)tot.cfi_rows, (unsigned long long)tot.fdes,
	       (unsigned long long)tot.bytes, tot.bytes / 1e6, tot.exec_bytes / 1e6, tot.ms);
	return tot.failed && !tot.files;
}
