/*
 * What the library's files share and the server does not see: inode and
 * description life cycles, path walking, file data. One file per family:
 * tree.c (inodes, names, data), path.c (walking and name operations),
 * file.c (descriptions and I/O), pipe.c, fdtable.c, archive.c.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H

#include <fs/fdtable.h>

#define IS_DIR(i)  (((i)->mode & FS_S_IFMT) == FS_S_IFDIR)
#define IS_REG(i)  (((i)->mode & FS_S_IFMT) == FS_S_IFREG)
#define IS_FIFO(i) (((i)->mode & FS_S_IFMT) == FS_S_IFIFO)

/* tree.c */
void *fs_zalloc(struct fs *fs, size_t size);
void fs_free(struct fs *fs, void *p, size_t size);
/* A new inode (refs 0, nlink 0), or NULL. */
struct fs_inode *inode_new(struct fs *fs, uint32_t mode);
/* Frees the inode if it has neither names nor users. */
void inode_maybe_free(struct fs *fs, struct fs_inode *i);
void inode_get(struct fs_inode *i);
void inode_put(struct fs *fs, struct fs_inode *i);
struct fs_dentry *dir_lookup(const struct fs_inode *dir, const char *name,
			     uint32_t len);
/* Links a prepared dentry (from dentry_new) as name in dir. */
struct fs_dentry *dentry_new(struct fs *fs, const char *name, uint32_t len);
void dir_link(struct fs_inode *dir, struct fs_dentry *d, struct fs_inode *i);
/* Takes d out of dir's list, counts untouched (rename moves it). */
void dir_detach(struct fs_inode *dir, struct fs_dentry *d);
/* Unlinks d from dir and frees it; the inode loses a name. */
void dir_unlink(struct fs *fs, struct fs_inode *dir, struct fs_dentry *d);
bool dir_empty(const struct fs_inode *dir);
/* Creates name in dir as a new inode of mode (nlink set). */
int tree_create(struct fs *fs, struct fs_inode *dir, const char *name,
		uint32_t len, uint32_t mode, struct fs_inode **out);
int32_t file_read_at(const struct fs_inode *i, uint32_t off, void *buf,
		     uint32_t n);
int32_t file_write_at(struct fs *fs, struct fs_inode *i, uint32_t off,
		      const void *buf, uint32_t n);
void file_truncate(struct fs *fs, struct fs_inode *i);
void inode_stat(const struct fs_inode *i, struct fs_stat *st);

/* path.c: a resolved path. */
struct walk {
	struct fs_inode *dir;	  /* holds the last component; NULL for "/" */
	struct fs_inode *node;	  /* what it names, or NULL if absent */
	struct fs_dentry *dentry; /* node's entry in dir (NULL: ".", "..") */
	const char *name;	  /* the last component (not NUL-ended) */
	uint32_t len;
	bool slash; /* a trailing "/" */
};
int path_walk(struct fs *fs, struct fs_inode *cwd, const char *path,
	      struct walk *w);
/* Whether a last component is "." or "..". */
bool is_dot_name(const char *name, uint32_t len);

/* file.c */
struct fs_file *file_new(struct fs *fs, struct fs_inode *i, uint32_t flags);
void file_get(struct fs_file *f);
void file_put(struct fs *fs, struct fs_file *f);

/* pipe.c */
int32_t pipe_read(struct fs_file *f, void *buf, uint32_t n);
int32_t pipe_write(struct fs_file *f, const void *buf, uint32_t n);
void pipe_release(struct fs *fs, struct fs_file *f);

/* fdtable.c */
struct fs_file *fd_file(const struct fs_fdtable *t, int fd);
/* The lowest free descriptor, or -FS_EMFILE. */
int fd_lowest_free(const struct fs_fdtable *t, int from);
void fd_install(struct fs_fdtable *t, int fd, struct fs_file *f, bool cloexec);

#endif
