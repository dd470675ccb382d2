// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <stdlib.h>
#include "symbolize/proc_scan.h"
#include "symbolize/symbolizer.h"

int proc_scan__all(struct symbolizer *sym)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid)
			continue;
		/* Gone already, or a kernel thread with no maps: either way
		 * nothing to remember. */
		if (symbolizer__scan_pid(sym, pid, symbolizer__now()) == 0)
			n++;
	}
	closedir(d);
	return n;
}
