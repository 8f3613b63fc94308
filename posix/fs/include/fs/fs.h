/*
 * The POSIX personality's file system core: an in-memory tree of
 * directories, regular files and pipes, used by the file server
 * (docs/posix.md, "File server").
 *
 * The library is freestanding and single-threaded: the server owns one
 * struct fs and serialises every call. Nothing here blocks; an operation
 * that would have to wait (a pipe that is empty or full) returns -FS_EAGAIN
 * and the server parks the caller until the other end moves.
 *
 * Every function returns a value >= 0 on success and a negated FS_E* code
 * (fs/errno.h) on failure. A failing call changes nothing: each one checks
 * and allocates everything it needs before it modifies the tree.
 *
 * Memory comes from one allocator pair the server provides (struct
 * fs_alloc); file data in FS_CHUNK_SIZE chunks, so a page allocator serves
 * both (the ancestor's fs0 freed with a different allocator than it
 * allocated with: here there is only one pair to call).
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fs/errno.h>

/* File data is kept in chunks of this size: one page of the server. */
#define FS_CHUNK_SIZE 4096u
/* A name (one path component), without its terminating NUL. */
#define FS_NAME_MAX 63u
/* A whole path, with its terminating NUL (PATH_MAX). */
#define FS_PATH_MAX 256u
/* The largest file: offsets fit in 32 bits with room for arithmetic. */
#define FS_FILE_MAX (1u << 30)
/* Bytes a pipe holds; writes up to this size are all or nothing. */
#define FS_PIPE_BUF 4096u

/* open() flags, with newlib's values (sys/_default_fcntl.h). */
#define FS_O_RDONLY    0x0
#define FS_O_WRONLY    0x1
#define FS_O_RDWR      0x2
#define FS_O_ACCMODE   0x3
#define FS_O_APPEND    0x0008
#define FS_O_CREAT     0x0200
#define FS_O_TRUNC     0x0400
#define FS_O_EXCL      0x0800
#define FS_O_NONBLOCK  0x4000
#define FS_O_CLOEXEC   0x40000
#define FS_O_DIRECTORY 0x200000

/* File types and permission bits of a mode (as every Unix numbers them). */
#define FS_S_IFMT  0170000u
#define FS_S_IFIFO 0010000u
#define FS_S_IFDIR 0040000u
#define FS_S_IFREG 0100000u
#define FS_S_PERM  07777u

/* lseek() whence. */
#define FS_SEEK_SET 0
#define FS_SEEK_CUR 1
#define FS_SEEK_END 2

/*
 * The server's allocator: alloc returns size bytes (any content) or NULL;
 * free gets back the pointer and the size it was allocated with, so a
 * plain page or slab allocator needs no header per object.
 */
struct fs_alloc {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);
	void *ctx;
};

struct fs_inode;
struct fs_dentry;

/* A directory entry: one name of an inode in its parent. */
struct fs_dentry {
	struct fs_dentry *next; /* in insertion order: seq increases */
	struct fs_inode *inode;
	uint32_t seq; /* readdir position, unique in the dir */
	uint8_t len;
	char name[FS_NAME_MAX + 1];
};

/* A pipe's ring buffer and how many descriptions hold each end. */
struct fs_pipe {
	uint8_t *buf;	  /* FS_PIPE_BUF bytes */
	uint32_t head;	  /* next byte to read */
	uint32_t count;	  /* bytes held */
	uint32_t readers; /* open descriptions of the read end */
	uint32_t writers; /* ... of the write end */
};

/*
 * An inode: a directory, a regular file or a pipe. It lives while it has
 * a name (nlink) or a user (refs: open descriptions, cwds): an unlinked
 * file stays readable until its last close.
 */
struct fs_inode {
	struct fs_inode *all_next, *all_prev; /* every inode of the fs */
	uint32_t ino;
	uint32_t mode;	/* FS_S_IF* | permission bits */
	uint32_t nlink; /* names; a directory: 2 + subdirectories */
	uint32_t refs;	/* open descriptions and cwds using it */
	uint32_t size;	/* bytes of a regular file */
	union {
		struct {		    /* regular file */
			uint8_t **chunks;   /* NULL entries are holes */
			uint32_t nr_chunks; /* slots in chunks[] */
		} file;
		struct { /* directory */
			struct fs_dentry *first, *last;
			struct fs_inode *parent; /* the root's is itself */
			uint32_t next_seq;
		} dir;
		struct fs_pipe pipe; /* pipe (no name, nlink 0) */
	} u;
};

/* One file system: its tree, allocator and limits. */
struct fs {
	struct fs_alloc a;
	struct fs_inode *root;
	struct fs_inode *all; /* every inode, for fs_destroy */
	uint32_t next_ino;
	uint32_t chunks_used; /* data chunks and pipe buffers */
	uint32_t max_chunks;  /* ENOSPC beyond it */
	uint32_t nr_inodes;   /* live inodes, for invariant checks */
	uint32_t nr_files;    /* live open descriptions */
};

/*
 * An open file description: what open() and pipe() create, shared by
 * dup() and fork(), so they share the offset and the status flags.
 */
struct fs_file {
	uint32_t refs;	 /* descriptors (in any table) naming it */
	uint32_t flags;	 /* access mode, FS_O_APPEND, FS_O_NONBLOCK */
	uint32_t offset; /* a directory's: the next readdir position */
	struct fs_inode *inode;
};

/* What stat() and fstat() report. */
struct fs_stat {
	uint32_t ino;
	uint32_t mode;
	uint32_t nlink;
	uint32_t size; /* a pipe's: bytes waiting in it */
};

/* One readdir() entry. */
struct fs_dirent_info {
	uint32_t ino;
	uint32_t mode;
	char name[FS_NAME_MAX + 1];
};

/*
 * Sets up an empty file system (a root directory, mode 0755) using a's
 * allocator; at most max_chunks data chunks (0: no limit but the
 * allocator's). Returns 0 or -FS_ENOMEM.
 */
int fs_init(struct fs *fs, const struct fs_alloc *a, uint32_t max_chunks);

/*
 * Frees every inode, name and data chunk. Every descriptor table using fs
 * must have been destroyed first (their descriptions would dangle).
 */
void fs_destroy(struct fs *fs);

#endif
