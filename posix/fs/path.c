/*
 * Path resolution and the operations that act on names: stat, mkdir,
 * rmdir, unlink, rename, chdir, getcwd.
 */
#include <string.h>

#include <fs/path.h>

#include "internal.h"

bool is_dot_name(const char *name, uint32_t len)
{
	return (len == 1 && name[0] == '.') ||
	       (len == 2 && name[0] == '.' && name[1] == '.');
}

/* One step from dir by a component; NULL if absent. */
static struct fs_inode *step(const struct fs_inode *dir, const char *name,
			     uint32_t len, struct fs_dentry **dentry)
{
	*dentry = NULL;
	if (len == 1 && name[0] == '.')
		return (struct fs_inode *)dir;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dir->nlink ? dir->u.dir.parent : NULL; /* removed */
	struct fs_dentry *d = dir_lookup(dir, name, len);
	*dentry = d;
	return d ? d->inode : NULL;
}

/*
 * Resolves every component but the last, which it looks up in its
 * directory without requiring it to exist (create, rename and unlink need
 * the directory and the name). "/" alone gives dir NULL, node the root.
 */
int path_walk(struct fs *fs, struct fs_inode *cwd, const char *path,
	      struct walk *w)
{
	struct fs_inode *cur;
	const char *p = path;

	if (!path)
		return -FS_EINVAL;
	if (strnlen(path, FS_PATH_MAX) >= FS_PATH_MAX)
		return -FS_ENAMETOOLONG;
	if (!*path)
		return -FS_ENOENT;
	memset(w, 0, sizeof(*w));
	cur = *p == '/' ? fs->root : cwd;
	w->node = cur;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *name = p;
		while (*p && *p != '/')
			p++;
		uint32_t len = (uint32_t)(p - name);
		const char *rest = p;
		while (*rest == '/')
			rest++;
		if (len > FS_NAME_MAX)
			return -FS_ENAMETOOLONG;
		if (!IS_DIR(cur))
			return -FS_ENOTDIR;
		struct fs_dentry *d;
		struct fs_inode *next = step(cur, name, len, &d);
		if (!*rest) { /* the last component */
			w->dir = cur;
			w->node = next;
			w->dentry = d;
			w->name = name;
			w->len = len;
			w->slash = *p == '/';
			break;
		}
		if (!next)
			return -FS_ENOENT;
		cur = next;
	}
	if (!w->dir)
		w->slash = true; /* "/" or a run of them: the root */
	if (w->node && w->slash && !IS_DIR(w->node))
		return -FS_ENOTDIR;
	return 0;
}

int fs_stat(struct fs_fdtable *t, const char *path, struct fs_stat *st)
{
	struct walk w;
	int err = path_walk(t->fs, t->cwd, path, &w);

	if (err)
		return err;
	if (!w.node)
		return -FS_ENOENT;
	inode_stat(w.node, st);
	return 0;
}

int fs_mkdir(struct fs_fdtable *t, const char *path, uint32_t mode)
{
	struct fs_inode *dir;
	struct walk w;
	int err = path_walk(t->fs, t->cwd, path, &w);

	if (err)
		return err;
	if (w.node)
		return -FS_EEXIST;
	return tree_create(t->fs, w.dir, w.name, w.len,
			   FS_S_IFDIR | (mode & FS_S_PERM), &dir);
}

int fs_rmdir(struct fs_fdtable *t, const char *path)
{
	struct walk w;
	int err = path_walk(t->fs, t->cwd, path, &w);

	if (err)
		return err;
	if (!w.node)
		return -FS_ENOENT;
	if (!IS_DIR(w.node))
		return -FS_ENOTDIR;
	if (!w.dir)
		return -FS_EBUSY; /* the root */
	if (w.len == 1 && w.name[0] == '.')
		return -FS_EINVAL;
	if (!w.dentry) /* "..": never empty, it holds the caller's path */
		return -FS_ENOTEMPTY;
	if (!dir_empty(w.node))
		return -FS_ENOTEMPTY;
	dir_unlink(t->fs, w.dir, w.dentry);
	return 0;
}

int fs_unlink(struct fs_fdtable *t, const char *path)
{
	struct walk w;
	int err = path_walk(t->fs, t->cwd, path, &w);

	if (err)
		return err;
	if (!w.node)
		return -FS_ENOENT;
	if (IS_DIR(w.node))
		return -FS_EISDIR; /* as Linux says it (POSIX: EPERM) */
	dir_unlink(t->fs, w.dir, w.dentry);
	return 0;
}

/* Whether dir is d or lies below it. */
static bool inside(const struct fs_inode *dir, const struct fs_inode *d)
{
	for (;;) {
		if (dir == d)
			return true;
		if (dir->u.dir.parent == dir)
			return false;
		dir = dir->u.dir.parent;
	}
}

/* The checks of rename: 0 when from can take to's place. */
static int rename_check(const struct walk *from, const struct walk *to)
{
	struct fs_inode *i = from->node;

	if (!from->dir || !to->dir || !from->dentry ||
	    is_dot_name(to->name, to->len))
		return -FS_EINVAL; /* the root, ".", ".." */
	if (to->dir->nlink == 0)
		return -FS_ENOENT;
	if (IS_DIR(i) && inside(to->dir, i))
		return -FS_EINVAL; /* into its own subtree */
	if (!IS_DIR(i) && to->slash)
		return -FS_ENOTDIR;
	if (!to->node)
		return 0;
	if (IS_DIR(i) && !IS_DIR(to->node))
		return -FS_ENOTDIR;
	if (!IS_DIR(i) && IS_DIR(to->node))
		return -FS_EISDIR;
	if (IS_DIR(to->node) && !dir_empty(to->node))
		return -FS_ENOTEMPTY;
	return 0;
}

int fs_rename(struct fs_fdtable *t, const char *oldpath, const char *newpath)
{
	struct walk from, to;
	int err = path_walk(t->fs, t->cwd, oldpath, &from);

	if (!err)
		err = path_walk(t->fs, t->cwd, newpath, &to);
	if (err)
		return err;
	if (!from.node)
		return -FS_ENOENT;
	err = rename_check(&from, &to);
	if (err)
		return err;
	if (to.node == from.node)
		return 0;
	struct fs_dentry *d = dentry_new(t->fs, to.name, to.len);
	if (!d)
		return -FS_ENOMEM;
	/* nothing can fail from here on */
	struct fs_inode *i = from.node;
	if (to.dentry)
		dir_unlink(t->fs, to.dir, to.dentry);
	dir_detach(from.dir, from.dentry);
	fs_free(t->fs, from.dentry, sizeof(*from.dentry));
	if (IS_DIR(i)) {
		i->nlink -= 2;
		from.dir->nlink--;
	} else {
		i->nlink--;
	}
	dir_link(to.dir, d, i);
	return 0;
}

int fs_chdir(struct fs_fdtable *t, const char *path)
{
	struct walk w;
	int err = path_walk(t->fs, t->cwd, path, &w);

	if (err)
		return err;
	if (!w.node)
		return -FS_ENOENT;
	if (!IS_DIR(w.node))
		return -FS_ENOTDIR;
	inode_get(w.node);
	inode_put(t->fs, t->cwd);
	t->cwd = w.node;
	return 0;
}

/* The name dir has in its parent. */
static const struct fs_dentry *name_in_parent(const struct fs_inode *dir)
{
	const struct fs_dentry *d = dir->u.dir.parent->u.dir.first;

	while (d && d->inode != dir)
		d = d->next;
	return d;
}

int fs_getcwd(struct fs_fdtable *t, char *buf, uint32_t size)
{
	char tmp[FS_PATH_MAX];
	uint32_t pos = sizeof(tmp) - 1;
	const struct fs_inode *dir = t->cwd;

	if (dir->nlink == 0)
		return -FS_ENOENT;
	tmp[pos] = '\0';
	for (; dir != t->fs->root; dir = dir->u.dir.parent) {
		const struct fs_dentry *d = name_in_parent(dir);
		if (!d || d->len + 1u > pos)
			return -FS_ENAMETOOLONG;
		pos -= d->len;
		memcpy(tmp + pos, d->name, d->len);
		tmp[--pos] = '/';
	}
	if (pos == sizeof(tmp) - 1)
		tmp[--pos] = '/';
	uint32_t len = (uint32_t)(sizeof(tmp) - 1 - pos);
	if (!buf || size < len + 1)
		return -FS_ERANGE;
	memcpy(buf, tmp + pos, len + 1);
	return (int)len;
}
