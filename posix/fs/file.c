/*
 * Open file descriptions and the I/O on them: open, read, write, lseek,
 * fstat, opendir and readdir.
 */
#include <string.h>

#include <fs/file.h>

#include "internal.h"

#define OPEN_FLAGS                                                             \
	(FS_O_ACCMODE | FS_O_APPEND | FS_O_CREAT | FS_O_TRUNC | FS_O_EXCL |    \
	 FS_O_NONBLOCK | FS_O_CLOEXEC | FS_O_DIRECTORY)
/* what a description keeps; the rest only matter to open */
#define STATUS_FLAGS (FS_O_ACCMODE | FS_O_APPEND | FS_O_NONBLOCK)

struct fs_file *file_new(struct fs *fs, struct fs_inode *i, uint32_t flags)
{
	struct fs_file *f = fs_zalloc(fs, sizeof(*f));

	if (!f)
		return NULL;
	f->refs = 1;
	f->flags = flags & STATUS_FLAGS;
	f->inode = i;
	inode_get(i);
	fs->nr_files++;
	return f;
}

void file_get(struct fs_file *f)
{
	f->refs++;
}

void file_put(struct fs *fs, struct fs_file *f)
{
	if (--f->refs)
		return;
	if (IS_FIFO(f->inode))
		pipe_release(fs, f);
	inode_put(fs, f->inode);
	fs->nr_files--;
	fs_free(fs, f, sizeof(*f));
}

static bool readable(const struct fs_file *f)
{
	return (f->flags & FS_O_ACCMODE) != FS_O_WRONLY;
}

static bool writable(const struct fs_file *f)
{
	return (f->flags & FS_O_ACCMODE) != FS_O_RDONLY;
}

/* The checks open makes on what the path names (or will name). */
static int open_check(const struct walk *w, int flags)
{
	int acc = flags & FS_O_ACCMODE;

	if ((flags & ~OPEN_FLAGS) || acc == FS_O_ACCMODE)
		return -FS_EINVAL;
	if (!w->node) {
		if (!(flags & FS_O_CREAT))
			return -FS_ENOENT;
		if (w->slash || (flags & FS_O_DIRECTORY))
			return -FS_EISDIR; /* only a directory could match */
		return w->dir->nlink ? 0 : -FS_ENOENT;
	}
	if ((flags & FS_O_CREAT) && (flags & FS_O_EXCL))
		return -FS_EEXIST;
	if (IS_DIR(w->node)) /* read-only, and not to be created (Linux) */
		return acc != FS_O_RDONLY || (flags & (FS_O_TRUNC | FS_O_CREAT))
			   ? -FS_EISDIR
			   : 0;
	if (flags & FS_O_DIRECTORY)
		return -FS_ENOTDIR;
	return 0;
}

int fs_open(struct fs_fdtable *t, const char *path, int flags, uint32_t mode)
{
	struct fs *fs = t->fs;
	struct fs_inode *i;
	struct walk w;
	int fd, err = path_walk(fs, t->cwd, path, &w);

	if (!err)
		err = open_check(&w, flags);
	if (err)
		return err;
	fd = fd_lowest_free(t, 0);
	if (fd < 0)
		return fd;
	i = w.node;
	if (!i) {
		err = tree_create(fs, w.dir, w.name, w.len,
				  FS_S_IFREG | (mode & FS_S_PERM), &i);
		if (err)
			return err;
	}
	struct fs_file *f = file_new(fs, i, (uint32_t)flags);
	if (!f) {
		if (!w.node) /* undo the creation: the call changes nothing */
			dir_unlink(fs, w.dir, dir_lookup(w.dir, w.name, w.len));
		return -FS_ENOMEM;
	}
	if ((flags & FS_O_TRUNC) && IS_REG(i) && writable(f))
		file_truncate(fs, i);
	fd_install(t, fd, f, flags & FS_O_CLOEXEC);
	return fd;
}

int32_t fs_read(struct fs_fdtable *t, int fd, void *buf, uint32_t n)
{
	struct fs_file *f = fd_file(t, fd);

	if (!f || !readable(f))
		return -FS_EBADF;
	if (IS_DIR(f->inode))
		return -FS_EISDIR;
	if (IS_FIFO(f->inode))
		return pipe_read(f, buf, n);
	if (n > INT32_MAX)
		n = INT32_MAX;
	int32_t r = file_read_at(f->inode, f->offset, buf, n);
	if (r > 0)
		f->offset += (uint32_t)r;
	return r;
}

int32_t fs_write(struct fs_fdtable *t, int fd, const void *buf, uint32_t n)
{
	struct fs_file *f = fd_file(t, fd);

	if (!f || !writable(f))
		return -FS_EBADF;
	if (IS_FIFO(f->inode))
		return pipe_write(f, buf, n);
	if (n > INT32_MAX)
		n = INT32_MAX;
	if (f->flags & FS_O_APPEND)
		f->offset = f->inode->size;
	int32_t r = file_write_at(t->fs, f->inode, f->offset, buf, n);
	if (r > 0)
		f->offset += (uint32_t)r;
	return r;
}

int64_t fs_lseek(struct fs_fdtable *t, int fd, int64_t offset, int whence)
{
	struct fs_file *f = fd_file(t, fd);
	int64_t base;

	if (!f)
		return -FS_EBADF;
	if (IS_FIFO(f->inode))
		return -FS_ESPIPE;
	if (IS_DIR(f->inode)) {
		if (whence != FS_SEEK_SET || offset != 0)
			return -FS_EINVAL;
		f->offset = 0;
		return 0;
	}
	switch (whence) {
	case FS_SEEK_SET:
		base = 0;
		break;
	case FS_SEEK_CUR:
		base = f->offset;
		break;
	case FS_SEEK_END:
		base = f->inode->size;
		break;
	default:
		return -FS_EINVAL;
	}
	/* both within +-2^62: the sum cannot overflow */
	if (offset < -((int64_t)1 << 62) || offset > ((int64_t)1 << 62))
		return -FS_EINVAL;
	if (base + offset < 0 || base + offset > FS_FILE_MAX)
		return -FS_EINVAL;
	f->offset = (uint32_t)(base + offset);
	return f->offset;
}

int fs_fstat(struct fs_fdtable *t, int fd, struct fs_stat *st)
{
	struct fs_file *f = fd_file(t, fd);

	if (!f)
		return -FS_EBADF;
	inode_stat(f->inode, st);
	return 0;
}

int fs_opendir(struct fs_fdtable *t, const char *path)
{
	return fs_open(t, path, FS_O_RDONLY | FS_O_DIRECTORY, 0);
}

int fs_readdir(struct fs_fdtable *t, int fd, struct fs_dirent_info *out)
{
	struct fs_file *f = fd_file(t, fd);
	const struct fs_inode *dir;
	const struct fs_dentry *d;

	if (!f)
		return -FS_EBADF;
	dir = f->inode;
	if (!IS_DIR(dir))
		return -FS_ENOTDIR;
	if (dir->nlink == 0) /* removed: empty, not even "." */
		return 0;
	if (f->offset < 2) {
		const struct fs_inode *i = f->offset ? dir->u.dir.parent : dir;
		out->ino = i->ino;
		out->mode = i->mode;
		strlcpy(out->name, f->offset ? ".." : ".", sizeof(out->name));
		f->offset++;
		return 1;
	}
	/* the first entry at or after the position: the one returned last
	 * may be gone, the sequence numbers still order the rest */
	for (d = dir->u.dir.first; d && d->seq < f->offset; d = d->next)
		;
	if (!d)
		return 0;
	out->ino = d->inode->ino;
	out->mode = d->inode->mode;
	memcpy(out->name, d->name, d->len);
	out->name[d->len] = '\0';
	f->offset = d->seq + 1;
	return 1;
}
