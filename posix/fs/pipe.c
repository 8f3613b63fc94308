/*
 * Pipes: an inode with no name holding a ring buffer of FS_PIPE_BUF
 * bytes. Each end is its own description; the reader and writer counts
 * follow those descriptions (not descriptors: dup and fork share them),
 * so end of file and EPIPE come when the last description of the other
 * end is released.
 */
#include <string.h>

#include <fs/pipe.h>

#include "internal.h"

int fs_pipe(struct fs_fdtable *t, int fds[2], int flags)
{
	struct fs *fs = t->fs;
	struct fs_inode *i;
	struct fs_file *r, *w;
	int rfd, wfd;

	if (flags & ~(FS_O_CLOEXEC | FS_O_NONBLOCK))
		return -FS_EINVAL;
	rfd = fd_lowest_free(t, 0);
	wfd = rfd < 0 ? rfd : fd_lowest_free(t, rfd + 1);
	if (wfd < 0)
		return -FS_EMFILE;
	if (fs->max_chunks && fs->chunks_used >= fs->max_chunks)
		return -FS_ENOSPC;
	i = inode_new(fs, FS_S_IFIFO | 0600);
	if (!i)
		return -FS_ENOMEM;
	i->u.pipe.buf = fs->a.alloc(fs->a.ctx, FS_PIPE_BUF);
	if (!i->u.pipe.buf) {
		inode_maybe_free(fs, i);
		return -FS_ENOMEM;
	}
	fs->chunks_used++; /* the buffer is freed as a chunk */
	/* counted as each end exists, so an unwinding file_put balances */
	r = file_new(fs, i, FS_O_RDONLY | (flags & FS_O_NONBLOCK));
	if (r)
		i->u.pipe.readers = 1;
	w = r ? file_new(fs, i, FS_O_WRONLY | (flags & FS_O_NONBLOCK)) : NULL;
	if (!w) {
		if (r)
			file_put(fs, r); /* the last user: frees the inode */
		else
			inode_maybe_free(fs, i);
		return -FS_ENOMEM;
	}
	i->u.pipe.writers = 1;
	fd_install(t, rfd, r, flags & FS_O_CLOEXEC);
	fd_install(t, wfd, w, flags & FS_O_CLOEXEC);
	fds[0] = rfd;
	fds[1] = wfd;
	return 0;
}

int32_t pipe_read(struct fs_file *f, void *buf, uint32_t n)
{
	struct fs_pipe *p = &f->inode->u.pipe;
	uint8_t *dst = buf;
	uint32_t done = 0;

	if (p->count == 0)
		return p->writers ? -FS_EAGAIN : 0;
	if (n > p->count)
		n = p->count;
	while (done < n) {
		uint32_t step = FS_PIPE_BUF - p->head;
		if (step > n - done)
			step = n - done;
		memcpy(dst + done, p->buf + p->head, step);
		p->head = (p->head + step) % FS_PIPE_BUF;
		p->count -= step;
		done += step;
	}
	return (int32_t)done;
}

int32_t pipe_write(struct fs_file *f, const void *buf, uint32_t n)
{
	struct fs_pipe *p = &f->inode->u.pipe;
	const uint8_t *src = buf;
	uint32_t room = FS_PIPE_BUF - p->count, done = 0;

	if (p->readers == 0)
		return -FS_EPIPE;
	if (n == 0)
		return 0;
	/* up to FS_PIPE_BUF bytes go in at once or not at all (POSIX) */
	if (room == 0 || (n <= FS_PIPE_BUF && room < n))
		return -FS_EAGAIN;
	if (n > room)
		n = room;
	while (done < n) {
		uint32_t tail = (p->head + p->count) % FS_PIPE_BUF;
		uint32_t step = FS_PIPE_BUF - tail;
		if (step > n - done)
			step = n - done;
		memcpy(p->buf + tail, src + done, step);
		p->count += step;
		done += step;
	}
	return (int32_t)done;
}

void pipe_release(struct fs *fs, struct fs_file *f)
{
	(void)fs;
	if ((f->flags & FS_O_ACCMODE) == FS_O_RDONLY)
		f->inode->u.pipe.readers--;
	else
		f->inode->u.pipe.writers--;
}
