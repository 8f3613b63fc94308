/*
 * Pipes: a bounded ring buffer (FS_PIPE_BUF bytes) with reader and writer
 * counts, read and written through fs_read and fs_write. Blocking is the
 * server's: an empty pipe with writers, or a full one with readers,
 * returns -FS_EAGAIN and the server parks the caller until the other end
 * moves (or closes: then a reader sees end of file, a writer -FS_EPIPE).
 */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include <fs/fdtable.h>

/*
 * Creates a pipe: fds[0] the read end, fds[1] the write end (the two
 * lowest free descriptors). flags: FS_O_CLOEXEC, FS_O_NONBLOCK.
 */
int fs_pipe(struct fs_fdtable *t, int fds[2], int flags);

#endif
