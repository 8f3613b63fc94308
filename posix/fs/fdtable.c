/*
 * Per-process descriptor tables: fixed arrays of description pointers,
 * lowest free number first, with the FD_CLOEXEC flag per descriptor.
 */
#include <string.h>

#include <fs/fdtable.h>

#include "internal.h"

struct fs_file *fd_file(const struct fs_fdtable *t, int fd)
{
	if (fd < 0 || (unsigned)fd >= FS_FD_MAX)
		return NULL;
	return t->files[fd];
}

int fd_lowest_free(const struct fs_fdtable *t, int from)
{
	for (unsigned fd = (unsigned)from; fd < FS_FD_MAX; fd++)
		if (!t->files[fd])
			return (int)fd;
	return -FS_EMFILE;
}

void fd_install(struct fs_fdtable *t, int fd, struct fs_file *f, bool cloexec)
{
	t->files[fd] = f;
	t->fdflags[fd] = cloexec ? FS_FD_CLOEXEC : 0;
}

void fdtable_init(struct fs_fdtable *t, struct fs *fs)
{
	memset(t, 0, sizeof(*t));
	t->fs = fs;
	t->cwd = fs->root;
	inode_get(t->cwd);
}

void fdtable_fork(const struct fs_fdtable *parent, struct fs_fdtable *child)
{
	*child = *parent;
	inode_get(child->cwd);
	for (unsigned fd = 0; fd < FS_FD_MAX; fd++)
		if (child->files[fd])
			file_get(child->files[fd]);
}

void fdtable_exec(struct fs_fdtable *t)
{
	for (unsigned fd = 0; fd < FS_FD_MAX; fd++)
		if (t->files[fd] && (t->fdflags[fd] & FS_FD_CLOEXEC))
			fs_close(t, (int)fd);
}

void fdtable_destroy(struct fs_fdtable *t)
{
	for (unsigned fd = 0; fd < FS_FD_MAX; fd++)
		if (t->files[fd])
			fs_close(t, (int)fd);
	if (t->cwd)
		inode_put(t->fs, t->cwd);
	t->cwd = NULL;
}

int fs_close(struct fs_fdtable *t, int fd)
{
	struct fs_file *f = fd_file(t, fd);

	if (!f)
		return -FS_EBADF;
	t->files[fd] = NULL;
	t->fdflags[fd] = 0;
	file_put(t->fs, f);
	return 0;
}

int fs_dup(struct fs_fdtable *t, int fd)
{
	struct fs_file *f = fd_file(t, fd);
	int nfd;

	if (!f)
		return -FS_EBADF;
	nfd = fd_lowest_free(t, 0);
	if (nfd < 0)
		return nfd;
	file_get(f);
	fd_install(t, nfd, f, false);
	return nfd;
}

int fs_dup2(struct fs_fdtable *t, int oldfd, int newfd)
{
	struct fs_file *f = fd_file(t, oldfd);

	if (!f || newfd < 0 || (unsigned)newfd >= FS_FD_MAX)
		return -FS_EBADF;
	if (oldfd == newfd)
		return newfd;
	file_get(f); /* before the close: newfd may hold the last other ref */
	if (t->files[newfd])
		fs_close(t, newfd);
	fd_install(t, newfd, f, false);
	return newfd;
}

int fs_getfd(const struct fs_fdtable *t, int fd)
{
	return fd_file(t, fd) ? t->fdflags[fd] : -FS_EBADF;
}

int fs_setfd(struct fs_fdtable *t, int fd, unsigned flags)
{
	if (!fd_file(t, fd))
		return -FS_EBADF;
	if (flags & ~FS_FD_CLOEXEC)
		return -FS_EINVAL;
	t->fdflags[fd] = (uint8_t)flags;
	return 0;
}

unsigned fdtable_count(const struct fs_fdtable *t)
{
	unsigned n = 0;

	for (unsigned fd = 0; fd < FS_FD_MAX; fd++)
		n += t->files[fd] != NULL;
	return n;
}
