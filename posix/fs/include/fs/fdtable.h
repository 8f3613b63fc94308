/*
 * Per-process descriptor tables (and the process's working directory).
 *
 * A table maps small integers to open file descriptions (struct fs_file).
 * New descriptors take the lowest free number, so numbers are recycled as
 * POSIX requires (the ancestor's fs0 never reused them). The table is a
 * fixed array the server embeds in its process record: opening and closing
 * allocate only the description, never table space.
 */
#ifndef FS_FDTABLE_H
#define FS_FDTABLE_H

#include <fs/fs.h>

/* Descriptors per process (OPEN_MAX): 0..FS_FD_MAX-1. */
#define FS_FD_MAX 64u

/* Descriptor flags (fcntl F_GETFD/F_SETFD). */
#define FS_FD_CLOEXEC 1u

struct fs_fdtable {
	struct fs *fs;
	struct fs_inode *cwd;		  /* holds a reference */
	struct fs_file *files[FS_FD_MAX]; /* NULL: free */
	uint8_t fdflags[FS_FD_MAX];
};

/* A new process's table: no descriptors, cwd at the root. */
void fdtable_init(struct fs_fdtable *t, struct fs *fs);

/*
 * fork(): child gets the same descriptors, naming the same descriptions
 * (offsets shared), with the same FD_CLOEXEC flags, and the same cwd.
 * Takes references only, so it cannot fail.
 */
void fdtable_fork(const struct fs_fdtable *parent, struct fs_fdtable *child);

/* exec(): closes every descriptor marked FS_FD_CLOEXEC. */
void fdtable_exec(struct fs_fdtable *t);

/* exit(): closes every descriptor and drops the cwd. */
void fdtable_destroy(struct fs_fdtable *t);

/* Closes fd. Returns 0 or -FS_EBADF. */
int fs_close(struct fs_fdtable *t, int fd);

/* A new descriptor (the lowest free) for fd's description, cloexec off. */
int fs_dup(struct fs_fdtable *t, int fd);

/*
 * Makes newfd name oldfd's description (closing what newfd held), cloexec
 * off; nothing happens when they are equal. Returns newfd or -FS_EBADF.
 */
int fs_dup2(struct fs_fdtable *t, int oldfd, int newfd);

/* fcntl(F_GETFD) and F_SETFD: FS_FD_CLOEXEC or 0; -FS_EBADF, -FS_EINVAL. */
int fs_getfd(const struct fs_fdtable *t, int fd);
int fs_setfd(struct fs_fdtable *t, int fd, unsigned flags);

/* Number of descriptors open in t (for the server's accounting, tests). */
unsigned fdtable_count(const struct fs_fdtable *t);

#endif
