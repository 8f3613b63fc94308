/*
 * Operations on open files: open, read, write, lseek, fstat and directory
 * reading. A descriptor's description (struct fs_file) keeps the offset,
 * so dup'ed and inherited descriptors move it together.
 */
#ifndef FS_FILE_H
#define FS_FILE_H

#include <fs/fdtable.h>

/*
 * Opens path (relative to t's cwd unless absolute) and returns the lowest
 * free descriptor. flags: one access mode and any of FS_O_CREAT (mode's
 * permission bits), FS_O_EXCL, FS_O_TRUNC (only with write access),
 * FS_O_APPEND, FS_O_NONBLOCK, FS_O_CLOEXEC, FS_O_DIRECTORY; an unknown bit
 * is -FS_EINVAL (rather than ignored, so a personality mismatch shows).
 * Directories open read-only, without FS_O_CREAT or FS_O_TRUNC (else
 * -FS_EISDIR), and are read with fs_readdir.
 */
int fs_open(struct fs_fdtable *t, const char *path, int flags, uint32_t mode);

/*
 * Reads up to n bytes at the offset and advances it; 0 at end of file.
 * Holes read as zeros. A pipe: what it holds, 0 when empty with no writer
 * left, -FS_EAGAIN when empty with writers.
 */
int32_t fs_read(struct fs_fdtable *t, int fd, void *buf, uint32_t n);

/*
 * Writes n bytes at the offset (at the end with FS_O_APPEND) and advances
 * it. Returns the bytes written: fewer than n when data chunks ran out
 * part way (-FS_ENOSPC when none could be written) or at FS_FILE_MAX. A
 * pipe: -FS_EPIPE without readers, -FS_EAGAIN when full (a write of up to
 * FS_PIPE_BUF bytes waits for room for all of it).
 */
int32_t fs_write(struct fs_fdtable *t, int fd, const void *buf, uint32_t n);

/*
 * Moves the offset; a position past the end is allowed (a later write
 * leaves a hole). Returns the new offset; -FS_EINVAL for a bad whence or a
 * result outside 0..FS_FILE_MAX, -FS_ESPIPE on a pipe. A directory only
 * rewinds (offset 0 with FS_SEEK_SET).
 */
int64_t fs_lseek(struct fs_fdtable *t, int fd, int64_t offset, int whence);

int fs_fstat(struct fs_fdtable *t, int fd, struct fs_stat *st);

/* opendir(): fs_open(path, FS_O_RDONLY | FS_O_DIRECTORY). */
int fs_opendir(struct fs_fdtable *t, const char *path);

/*
 * Fills *out with the next entry of the directory fd: ".", "..", then the
 * names in creation order. Returns 1, or 0 at the end. Positions are
 * per-entry sequence numbers, not list indexes, so unlinking the entry
 * just returned (or any other) neither skips nor repeats an entry.
 */
int fs_readdir(struct fs_fdtable *t, int fd, struct fs_dirent_info *out);

#endif
