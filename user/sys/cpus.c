// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sys/cpus.h"

static int parse_num(const char **s, long *out)
{
	char *end;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtol(*s, &end, 10);
	if (errno)
		return -EINVAL;
	*s = end;
	return 0;
}

int cpulist__parse(const char *s, bool *mask, int nr)
{
	long lo, hi;

	memset(mask, 0, nr * sizeof(*mask));
	if (!s || !*s)
		return -EINVAL;
	for (;;) {
		if (parse_num(&s, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_num(&s, &hi))
				return -EINVAL;
		}
		if (lo > hi || hi >= nr)
			return -EINVAL;
		for (long c = lo; c <= hi; c++)
			mask[c] = true;
		if (*s == '\0' || *s == '\n')
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

int cpulist__online(const char *path, bool *mask, int nr)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err;

	f = fopen(path ? path : "/sys/devices/system/cpu/online", "re");
	if (!f)
		return -errno;
	err = getline(&line, &cap, f) < 0 ? -EIO : cpulist__parse(line, mask, nr);
	free(line);
	fclose(f);
	return err;
}
