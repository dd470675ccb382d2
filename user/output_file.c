// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "output_file.h"

struct output_file {
	FILE *stream;
	char *path; /* NULL for stdout */
	char *tmp;
	int committed;
};

struct output_file *output_file__open(const char *path)
{
	struct output_file *f = calloc(1, sizeof(*f));
	char *dup = NULL, *base_dup = NULL;
	struct stat st;
	mode_t mask;
	int fd;

	if (!f)
		goto oom;
	if (!path || strcmp(path, "-") == 0) {
		f->stream = stdout;
		return f;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		p_err("cannot write %s: it is a directory: give a file name with -o", path);
		goto fail;
	}
	f->path = strdup(path);
	dup = strdup(path);
	base_dup = strdup(path);
	if (!f->path || !dup || !base_dup)
		goto oom;
	if (asprintf(&f->tmp, "%s/.%s.XXXXXX", dirname(dup), basename(base_dup)) < 0) {
		f->tmp = NULL;
		goto oom;
	}
	fd = mkostemp(f->tmp, O_CLOEXEC);
	if (fd < 0) {
		p_err("cannot write %s: %s: choose a writable path with -o", path, strerror(errno));
		free(f->tmp);
		f->tmp = NULL;
		goto fail;
	}
	/* mkstemp makes 0600; give the file the mode open(2) would have */
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	f->stream = fdopen(fd, "w");
	if (!f->stream) {
		close(fd);
		goto oom;
	}
	free(dup);
	free(base_dup);
	return f;
oom:
	p_err("out of memory");
fail:
	free(dup);
	free(base_dup);
	output_file__free(f);
	return NULL;
}

FILE *output_file__stream(struct output_file *f)
{
	return f->stream;
}

int output_file__commit(struct output_file *f)
{
	int err = 0;

	if (!f->path)
		return fflush(f->stream) ? -errno : 0;
	if (fflush(f->stream) || fsync(fileno(f->stream)))
		err = -errno;
	if (fclose(f->stream) && !err)
		err = -errno;
	f->stream = NULL;
	if (!err && rename(f->tmp, f->path))
		err = -errno;
	if (!err)
		f->committed = 1;
	return err;
}

void output_file__free(struct output_file *f)
{
	if (!f)
		return;
	if (f->stream && f->path)
		fclose(f->stream);
	if (f->tmp && !f->committed)
		unlink(f->tmp);
	free(f->tmp);
	free(f->path);
	free(f);
}
