/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What to profile: processes by PID, one thread, or a command ember starts. */
#ifndef EMBER_TARGETS_H
#define EMBER_TARGETS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

struct targets_bpf;
/* The targets map's owner, loaded; the fork hook (children of a command
 * become targets) only if follow_forks. NULL with errno set. */
struct targets_bpf *targets__load(bool follow_forks);

/* Parse "PID[,PID...]"; returns count (>0) or -EINVAL. *out is malloc'd. */
int targets__parse_pids(const char *s, __u32 **out);
/* The process a thread belongs to (Tgid in /proc/TID/status), or a
 * negative errno (-ESRCH: no such thread). */
int targets__tgid_of(__u32 tid, __u32 *tgid);
/* argv0 as execvp finds it (through PATH unless it has a '/'): 0 and
 * *out malloc'd, or -ENOENT / -EACCES. */
int targets__resolve_command(const char *argv0, char **out);

/*
 * A command started stopped before exec: the child waits until
 * command__release(), so it is a target from its first instruction.
 */
struct command;
struct command *command__spawn(char *const argv[]);
pid_t command__pid(const struct command *c);
/* Let it exec. Returns 0, or -errno if exec failed (message printed). */
int command__release(struct command *c);
/* Non-blocking reap: true once it exited; *status is the exit code ember
 * should return (its exit status, or 128+signal). */
bool command__reap(struct command *c, int *status, int timeout_ms);
/* Has it exited? It is not reaped: a zombie's /proc figures (CPU time,
 * I/O) can still be read. */
bool command__exited(struct command *c);
void command__kill(struct command *c, int sig);
/* Kills a never-released child; frees. */
void command__free(struct command *c);

#endif
