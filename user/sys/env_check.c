// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sys/env_check.h"
#include "lib/log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return !!(d[cap / 32].effective & (1u << (cap % 32)));
}

int env_check__caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	int bpf, perfmon;

	if (syscall(SYS_capget, &hdr, data)) {
		p_err("cannot read capabilities: %s: run ember as root", strerror(errno));
		return -EPERM;
	}
	/* CAP_SYS_ADMIN implies both on every kernel; CAP_BPF+CAP_PERFMON
	 * suffice since 5.8. */
	if (has_cap(data, CAP_SYS_ADMIN))
		return 0;
	bpf = has_cap(data, CAP_BPF);
	perfmon = has_cap(data, CAP_PERFMON);
	if (bpf && perfmon)
		return 0;
	p_err("missing capabilit%s %s%s%s (or CAP_SYS_ADMIN): run ember as root (sudo ember ...) "
	      "or grant them: sudo setcap cap_bpf,cap_perfmon+ep ember",
	      bpf || perfmon ? "y" : "ies", bpf ? "" : "CAP_BPF", !bpf && !perfmon ? " and " : "",
	      perfmon ? "" : "CAP_PERFMON");
	return -EPERM;
}

int env_check__btf(void)
{
	const char *path = getenv("EMBER_BTF_PATH");

	if (!path || !*path)
		path = "/sys/kernel/btf/vmlinux";
	if (access(path, R_OK) == 0)
		return 0;
	p_err("no kernel BTF at %s (%s): ember needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
	      path, strerror(errno));
	return -ENOENT;
}

unsigned int env_check__max_sample_rate(void)
{
	unsigned int rate = 100000;
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "re");

	if (f) {
		if (fscanf(f, "%u", &rate) != 1)
			rate = 100000;
		fclose(f);
	}
	return rate;
}
