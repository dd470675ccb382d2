// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "collect/sampler.h"

struct sampler {
	int *fds;
	struct bpf_link **links;
	int nr;
	bool hardware;
};

static int perf_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void fill_attr(struct perf_event_attr *attr, bool hw, unsigned int freq, bool kernel_only)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	attr->config = hw ? PERF_COUNT_HW_CPU_CYCLES : PERF_COUNT_SW_CPU_CLOCK;
	attr->freq = 1;
	attr->sample_freq = freq;
	attr->exclude_user = kernel_only;
}

/* errno values meaning "this event does not exist here", as opposed to a
 * permission or resource problem that the fallback would only hide. */
static bool event_unsupported(int err)
{
	return err == ENOENT || err == EOPNOTSUPP || err == ENODEV || err == EINVAL;
}

struct sampler *sampler__open(const bool *cpus, int nr_cpus, unsigned int freq, bool kernel_only)
{
	struct perf_event_attr attr;
	struct sampler *s;
	int err = 0, cpu;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fds = calloc(nr_cpus, sizeof(*s->fds));
	s->links = calloc(nr_cpus, sizeof(*s->links));
	if (!s->fds || !s->links) {
		err = ENOMEM;
		goto fail;
	}
	s->hardware = true;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		int fd;

		if (!cpus[cpu])
			continue;
		fill_attr(&attr, s->hardware, freq, kernel_only);
		fd = perf_open(&attr, cpu);
		if (fd < 0 && s->hardware && event_unsupported(errno)) {
			/* No PMU (VMs, some ARM boards): every CPU uses cpu-clock. */
			p_debug(1, "cycles not available (%s), using cpu-clock", strerror(errno));
			for (int i = 0; i < s->nr; i++)
				close(s->fds[i]);
			s->nr = 0;
			s->hardware = false;
			cpu = -1;
			continue;
		}
		if (fd < 0) {
			err = errno;
			if (err == ENODEV)
				continue; /* offline CPU */
			p_err("cannot open a %s sampling event on CPU %d: %s: check "
			      "kernel.perf_event_paranoid and that -F is within "
			      "kernel.perf_event_max_sample_rate",
			      s->hardware ? "cycles" : "cpu-clock", cpu, strerror(err));
			goto fail;
		}
		s->fds[s->nr++] = fd;
	}
	if (!s->nr) {
		p_err("no online CPU to sample: check -C against /sys/devices/system/cpu/online");
		err = ENODEV;
		goto fail;
	}
	return s;
fail:
	sampler__free(s);
	errno = err ? err : EINVAL;
	return NULL;
}

int sampler__attach(struct sampler *s, struct bpf_program *prog)
{
	for (int i = 0; i < s->nr; i++) {
		s->links[i] = bpf_program__attach_perf_event(prog, s->fds[i]);
		if (!s->links[i]) {
			int err = -errno;

			p_err("cannot attach the sampling program: %s", strerror(-err));
			return err;
		}
	}
	return 0;
}

void sampler__stop(struct sampler *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nr; i++) {
		/* A link owns its perf fd and closes it; close only the fds
		 * that never got a link. */
		if (s->links[i])
			bpf_link__destroy(s->links[i]);
		else if (s->fds[i] >= 0)
			close(s->fds[i]);
		s->links[i] = NULL;
		s->fds[i] = -1;
	}
}

void sampler__free(struct sampler *s)
{
	if (!s)
		return;
	if (s->fds)
		sampler__stop(s);
	free(s->fds);
	free(s->links);
	free(s);
}

const char *sampler__event_name(const struct sampler *s)
{
	return s->hardware ? "cycles" : "cpu-clock";
}

bool sampler__is_hardware(const struct sampler *s)
{
	return s->hardware;
}
