// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include "lib/file_open.h"

#define OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

int file_check_regular(int fd)
{
	struct stat st;
	int flags;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* Regular files never block; readers need not see O_NONBLOCK. */
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
}

int file_open_regular(const char *path)
{
	int fd = open(path, OPEN_FLAGS);

	return file_check_regular(fd < 0 ? -errno : fd);
}

int file_open_in_root(int root_fd, const char *path)
{
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	while (*path == '/')
		path++;
	fd = syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));
	return file_check_regular(fd < 0 ? -errno : (int)fd);
}

int file_identity__of_fd(int fd, struct file_identity *id)
{
	struct stat st;
	int gen = 0;

	memset(id, 0, sizeof(*id));
	if (fstat(fd, &st))
		return -errno;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	/* The ioctl's argument is an int despite its declared long. */
	if (!ioctl(fd, FS_IOC_GETVERSION, &gen)) {
		id->gen = (__u32)gen;
		id->has_gen = true;
	}
	return 0;
}
