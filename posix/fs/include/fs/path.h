/*
 * Operations by path name. Paths are absolute or relative to the calling
 * process's cwd; "." and ".." are components like others (".." of the
 * root is the root). A trailing "/" requires a directory. A component
 * longer than FS_NAME_MAX or a path of FS_PATH_MAX bytes or more is
 * -FS_ENAMETOOLONG; an empty path is -FS_ENOENT.
 */
#ifndef FS_PATH_H
#define FS_PATH_H

#include <fs/fdtable.h>

int fs_stat(struct fs_fdtable *t, const char *path, struct fs_stat *st);

/* Creates a directory with mode's permission bits. */
int fs_mkdir(struct fs_fdtable *t, const char *path, uint32_t mode);

/* Removes an empty directory; it lives on while a cwd or an open
 * description uses it, with no entries and no way to add one. */
int fs_rmdir(struct fs_fdtable *t, const char *path);

/* Removes a name of a non-directory; open descriptions keep the data. */
int fs_unlink(struct fs_fdtable *t, const char *path);

/*
 * Renames a file or a directory, replacing a file (or, for a directory,
 * an empty directory) at newpath. A directory cannot move into its own
 * subtree (-FS_EINVAL). Renaming a name onto itself does nothing.
 */
int fs_rename(struct fs_fdtable *t, const char *oldpath, const char *newpath);

int fs_chdir(struct fs_fdtable *t, const char *path);

/*
 * Writes the cwd's absolute path into buf; returns its length.
 * -FS_ERANGE when size is too small, -FS_ENOENT when the cwd was removed.
 */
int fs_getcwd(struct fs_fdtable *t, char *buf, uint32_t size);

#endif
