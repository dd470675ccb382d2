/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * file_open: the one way ember opens a file that a target or another user
 * controls (a mapped binary, a debug file, a target's interpreter).
 *
 * ember runs as root on other people's processes: any of them can put a
 * FIFO, a device node or a symlink where a library was. So such files are
 * opened without ever blocking (O_NONBLOCK: a FIFO opens at once instead
 * of waiting for a writer), never become a controlling terminal, and are
 * refused unless they turn out to be regular files. Paths inside another
 * process's root are resolved inside that root, symlinks included
 * (openat2 RESOLVE_IN_ROOT), never against ours.
 */
#ifndef EMBER_FILE_OPEN_H
#define EMBER_FILE_OPEN_H

#include <stdbool.h>
#include <linux/types.h>

/* Which file an open descriptor is: device and inode, and the inode's
 * generation where the filesystem tells it (FS_IOC_GETVERSION: ext4, xfs,
 * btrfs...), so that an inode number reused for a new file is told apart. */
struct file_identity {
	__u64 dev;
	__u64 ino;
	__u32 gen;
	bool has_gen;
};

/* Open path read-only; a regular file or -EINVAL (-errno otherwise). */
int file_open_regular(const char *path);
/* The same for path resolved inside the directory root_fd, as the process
 * whose root it is would see it. */
int file_open_in_root(int root_fd, const char *path);
/* The same for an open descriptor (a /proc/PID/map_files entry): fd if it
 * is a regular file, else it is closed and -EINVAL returned. */
int file_check_regular(int fd);

/* 0 or -errno. */
int file_identity__of_fd(int fd, struct file_identity *id);

#endif
