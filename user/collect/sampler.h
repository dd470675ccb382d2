/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sampler: one sampling perf event per selected CPU, each running a BPF
 * program. Hardware cycles where the CPU has a PMU, else software
 * cpu-clock; the event used is reported, never guessed.
 */
#ifndef EMBER_SAMPLER_H
#define EMBER_SAMPLER_H

#include <stdbool.h>

struct bpf_program;
struct sampler;

/* Opens the events (nothing runs until attach). On error returns NULL and
 * sets errno; the message is already printed. */
/* kernel_only: sample only while a CPU runs kernel code (exclude_user). */
struct sampler *sampler__open(const bool *cpus, int nr_cpus, unsigned int freq, bool kernel_only);
int sampler__attach(struct sampler *s, struct bpf_program *prog);
/* Stop sampling (detach and close); safe to call twice. */
void sampler__stop(struct sampler *s);
void sampler__free(struct sampler *s);

const char *sampler__event_name(const struct sampler *s); /* "cycles" or "cpu-clock" */
bool sampler__is_hardware(const struct sampler *s);

#endif
