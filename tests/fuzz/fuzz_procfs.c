// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc parsers of the resource summary and ember top (user/sys/procfs.c)
 * and the CPU list parser (user/sys/cpus.c: sysfs's online CPUs, -C). The
 * first input byte picks the parser, the rest is the file's text, read
 * back with procfs__read as the readers do (a process's comm, in its stat
 * file, is anyone's to choose; the rest is the kernel's, but its format
 * changes between versions).
 */
#include "fuzz.h"
#include "sys/cpus.h"
#include "sys/procfs.h"

#define NR_CPUS 4096

enum which {
	F_STAT,
	F_MEMINFO,
	F_LOADAVG,
	F_DISKSTATS,
	F_NET_DEV,
	F_PID_STAT,
	F_PID_STATUS,
	F_PID_IO,
	F_SMAPS_ROLLUP,
	F_CPULIST,
	F_SCHEDSTAT,
	NR_WHICH
};

static const char *sysfs;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sysfs = fuzz_tmpdir(); /* empty: no disk has a block/NAME */
	return 0;
}

static void parse(enum which w, const char *text, size_t len)
{
	static bool mask[NR_CPUS];

	switch (w) {
	case F_STAT: {
		struct sys_stat s;

		if (procfs__parse_stat(text, &s))
			break;
		cpu_times__total(&s.total);
		cpu_times__busy(&s.total);
		for (int i = 0; i < s.nr_cpu; i++)
			cpu_times__busy(&s.cpu[i]);
		procfs__sys_stat_free(&s);
		break;
	}
	case F_MEMINFO: {
		struct meminfo m;

		if (!procfs__parse_meminfo(text, &m))
			meminfo__used(&m);
		break;
	}
	case F_LOADAVG: {
		struct loadavg l;

		procfs__parse_loadavg(text, &l);
		break;
	}
	case F_DISKSTATS: {
		struct disk_stat *d = NULL;
		int n = 0;

		if (!procfs__parse_diskstats(text, &d, &n))
			for (int i = 0; i < n && i < 16; i++)
				procfs__is_disk(sysfs, &d[i]);
		free(d);
		break;
	}
	case F_NET_DEV: {
		struct net_stat *s = NULL;
		int n = 0;

		procfs__parse_net_dev(text, &s, &n);
		free(s);
		break;
	}
	case F_PID_STAT: {
		struct pid_stat s;

		/* page sizes of x86 and of arm64's 64 KiB kernels */
		if (!procfs__parse_pid_stat(text, len & 1 ? 65536 : 4096, &s) &&
		    strnlen(s.comm, sizeof(s.comm)) == sizeof(s.comm))
			abort();
		break;
	}
	case F_PID_STATUS: {
		struct pid_status s;

		procfs__parse_pid_status(text, &s);
		break;
	}
	case F_PID_IO: {
		struct pid_io io;

		procfs__parse_pid_io(text, &io);
		break;
	}
	case F_SMAPS_ROLLUP: {
		__u64 pss;

		procfs__parse_smaps_rollup(text, &pss);
		break;
	}
	case F_CPULIST:
		cpulist__parse(text, mask, len & 1 ? 8 : NR_CPUS);
		break;
	case F_SCHEDSTAT: {
		__u64 run;

		procfs__parse_schedstat(text, &run);
		break;
	}
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = NULL, rel[16];
	const char *path;

	if (!size)
		return 0;
	/* the file read back as the readers read /proc files */
	path = fuzz_memfd(0, data + 1, size - 1);
	snprintf(rel, sizeof(rel), "%s", strrchr(path, '/') + 1);
	if (procfs__read("/proc/self/fd", rel, &text))
		fuzz_die("procfs__read");
	parse((enum which)(data[0] % NR_WHICH), text, size - 1);
	free(text);
	return 0;
}
