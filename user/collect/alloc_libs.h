/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * alloc_libs: the files a target allocates from, i.e. where the
 * allocation probes go (see alloc_sites for what is probed in each).
 *
 * A list of unique files: two paths to one file (a symlink, a hard link,
 * the same library seen by two targets) keep the first path.
 *
 * For a process or a command: its libc (glibc's libc.so.6, libc-2.*.so,
 * libc.so, musl's ld-musl-*.so.1 / libc.musl-*), and every other file it
 * maps or will load that is an allocator itself (alloc_sites__is_allocator:
 * defines malloc, je_malloc, tc_malloc or mallocx): a static executable, a
 * program with its own allocator, a linked or LD_PRELOADed jemalloc,
 * tcmalloc, mimalloc, the ASan runtime. A preloaded wrapper that defines
 * malloc and forwards to libc's is found too; its calls then reach two
 * probed functions, which the BPF side counts once as nested calls.
 */
#ifndef EMBER_ALLOC_LIBS_H
#define EMBER_ALLOC_LIBS_H

#include <linux/types.h>

struct alloc_libs;

struct alloc_libs *alloc_libs__new(void);
void alloc_libs__free(struct alloc_libs *l);

/* Add path unless the same file (st_dev, st_ino) is already in: 0, or
 * -errno from stat (-ENOENT: no such file) or -ENOMEM. */
int alloc_libs__add(struct alloc_libs *l, const char *path);

/*
 * The allocators process pid uses, from /proc/PID/maps (see the top).
 * Paths are made reachable from ember: /proc/PID/root/<path> for a file
 * the process sees in another mount namespace (a container), <path>
 * otherwise (a chroot's files are listed with ember's view of the path
 * already); a mapped file deleted since (a library upgraded under a
 * running process) as /proc/PID/map_files/START-END. The one holding the
 * mapped inode is taken. Returns 0, -ESRCH if there is no such process,
 * -ENOMEM.
 */
int alloc_libs__add_pid(struct alloc_libs *l, __u32 pid);

/*
 * The allocators a command will use once exec'd (it has not run yet):
 * argv0 is resolved through PATH as execvp does (a file that is neither
 * ELF nor "#!" runs under /bin/sh); a "#!" script leads to its interpreter
 * (two levels at most; "#!/usr/bin/env NAME" to NAME through PATH). A
 * static executable (no PT_INTERP) is its own allocator. For a dynamic one
 * its loader lists what it would load (`LOADER --list EXE`, as ldd does:
 * run without a shell, with ember's environment so LD_LIBRARY_PATH and
 * LD_PRELOAD apply, killed after 5 s). Returns 0, -ENOENT if the command
 * cannot be found, -EACCES if it is not executable, -ENOEXEC if its
 * loader cannot list it, -ETIMEDOUT, -ENOMEM.
 */
int alloc_libs__add_command(struct alloc_libs *l, const char *argv0);

unsigned int alloc_libs__count(const struct alloc_libs *l);
const char *alloc_libs__path(const struct alloc_libs *l, unsigned int i);

#endif
