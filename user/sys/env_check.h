/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Checks of what ember needs from the system, each with a fix to offer. */
#ifndef EMBER_ENV_CHECK_H
#define EMBER_ENV_CHECK_H

/* 0 if the process may load BPF and open perf events, else prints one
 * error naming the missing capabilities and returns -EPERM. */
int env_check__caps(void);
/* 0 if kernel BTF is readable (EMBER_BTF_PATH overrides the path, for
 * tests), else prints one error and returns -ENOENT. */
int env_check__btf(void);
/* The kernel's limit on -F (kernel.perf_event_max_sample_rate). */
unsigned int env_check__max_sample_rate(void);

#endif
