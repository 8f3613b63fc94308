/*
 * Inodes, directory entries and file data: the tree itself, with no notion
 * of paths or descriptors.
 */
#include <string.h>

#include "internal.h"

void *fs_zalloc(struct fs *fs, size_t size)
{
	void *p = fs->a.alloc(fs->a.ctx, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void fs_free(struct fs *fs, void *p, size_t size)
{
	if (p)
		fs->a.free(fs->a.ctx, p, size);
}

/* A data chunk, counted against max_chunks (0 means no limit). */
static uint8_t *chunk_new(struct fs *fs)
{
	if (fs->max_chunks && fs->chunks_used >= fs->max_chunks)
		return NULL;
	uint8_t *c = fs_zalloc(fs, FS_CHUNK_SIZE);
	if (c)
		fs->chunks_used++;
	return c;
}

static void chunk_free(struct fs *fs, uint8_t *c)
{
	if (!c)
		return;
	fs_free(fs, c, FS_CHUNK_SIZE);
	fs->chunks_used--;
}

struct fs_inode *inode_new(struct fs *fs, uint32_t mode)
{
	struct fs_inode *i = fs_zalloc(fs, sizeof(*i));

	if (!i)
		return NULL;
	i->ino = fs->next_ino++;
	i->mode = mode;
	i->all_next = fs->all;
	if (fs->all)
		fs->all->all_prev = i;
	fs->all = i;
	fs->nr_inodes++;
	return i;
}

static void inode_free(struct fs *fs, struct fs_inode *i)
{
	if (IS_REG(i)) {
		file_truncate(fs, i);
		fs_free(fs, i->u.file.chunks,
			i->u.file.nr_chunks * sizeof(*i->u.file.chunks));
	} else if (IS_DIR(i)) {
		struct fs_dentry *d = i->u.dir.first, *next;
		for (; d; d = next) {
			next = d->next;
			fs_free(fs, d, sizeof(*d));
		}
	} else if (IS_FIFO(i)) {
		chunk_free(fs, i->u.pipe.buf);
	}
	if (i->all_prev)
		i->all_prev->all_next = i->all_next;
	else
		fs->all = i->all_next;
	if (i->all_next)
		i->all_next->all_prev = i->all_prev;
	fs->nr_inodes--;
	fs_free(fs, i, sizeof(*i));
}

void inode_maybe_free(struct fs *fs, struct fs_inode *i)
{
	if (i->nlink == 0 && i->refs == 0 && i != fs->root)
		inode_free(fs, i);
}

void inode_get(struct fs_inode *i)
{
	i->refs++;
}

void inode_put(struct fs *fs, struct fs_inode *i)
{
	i->refs--;
	inode_maybe_free(fs, i);
}

int fs_init(struct fs *fs, const struct fs_alloc *a, uint32_t max_chunks)
{
	memset(fs, 0, sizeof(*fs));
	fs->a = *a;
	fs->max_chunks = max_chunks;
	fs->next_ino = 1;
	fs->root = inode_new(fs, FS_S_IFDIR | 0755);
	if (!fs->root)
		return -FS_ENOMEM;
	fs->root->nlink = 2;
	fs->root->u.dir.parent = fs->root;
	fs->root->u.dir.next_seq = 2; /* 0 and 1 are "." and ".." */
	return 0;
}

void fs_destroy(struct fs *fs)
{
	while (fs->all)
		inode_free(fs, fs->all);
	fs->root = NULL;
}

struct fs_dentry *dir_lookup(const struct fs_inode *dir, const char *name,
			     uint32_t len)
{
	for (struct fs_dentry *d = dir->u.dir.first; d; d = d->next)
		if (d->len == len && memcmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

struct fs_dentry *dentry_new(struct fs *fs, const char *name, uint32_t len)
{
	struct fs_dentry *d = fs_zalloc(fs, sizeof(*d));

	if (d) {
		memcpy(d->name, name, len);
		d->len = (uint8_t)len;
	}
	return d;
}

void dir_link(struct fs_inode *dir, struct fs_dentry *d, struct fs_inode *i)
{
	d->inode = i;
	d->seq = dir->u.dir.next_seq++;
	d->next = NULL;
	if (dir->u.dir.last)
		dir->u.dir.last->next = d;
	else
		dir->u.dir.first = d;
	dir->u.dir.last = d;
	i->nlink++;
	if (IS_DIR(i)) {
		i->nlink++; /* its own "." */
		i->u.dir.parent = dir;
		dir->nlink++; /* its ".." */
	}
}

void dir_detach(struct fs_inode *dir, struct fs_dentry *d)
{
	struct fs_dentry **pp = &dir->u.dir.first, *prev = NULL;

	while (*pp != d) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	*pp = d->next;
	if (dir->u.dir.last == d)
		dir->u.dir.last = prev;
}

void dir_unlink(struct fs *fs, struct fs_inode *dir, struct fs_dentry *d)
{
	struct fs_inode *i = d->inode;

	dir_detach(dir, d);
	fs_free(fs, d, sizeof(*d));
	if (IS_DIR(i)) {
		i->nlink = 0; /* empty: its "." goes with its name */
		dir->nlink--;
		/* a cwd may keep it alive after dir is freed: no pointer back
		 */
		i->u.dir.parent = i;
	} else {
		i->nlink--;
	}
	inode_maybe_free(fs, i);
}

bool dir_empty(const struct fs_inode *dir)
{
	return dir->u.dir.first == NULL;
}

int tree_create(struct fs *fs, struct fs_inode *dir, const char *name,
		uint32_t len, uint32_t mode, struct fs_inode **out)
{
	struct fs_dentry *d;
	struct fs_inode *i;

	if (dir->nlink == 0) /* removed: nothing may be added */
		return -FS_ENOENT;
	d = dentry_new(fs, name, len);
	if (!d)
		return -FS_ENOMEM;
	i = inode_new(fs, mode);
	if (!i) {
		fs_free(fs, d, sizeof(*d));
		return -FS_ENOMEM;
	}
	if (IS_DIR(i))
		i->u.dir.next_seq = 2;
	dir_link(dir, d, i);
	*out = i;
	return 0;
}

int32_t file_read_at(const struct fs_inode *i, uint32_t off, void *buf,
		     uint32_t n)
{
	uint8_t *dst = buf;
	uint32_t done = 0;

	if (off >= i->size)
		return 0;
	if (n > i->size - off)
		n = i->size - off;
	while (done < n) {
		uint32_t c = (off + done) / FS_CHUNK_SIZE;
		uint32_t in = (off + done) % FS_CHUNK_SIZE;
		uint32_t step = FS_CHUNK_SIZE - in;
		if (step > n - done)
			step = n - done;
		if (c < i->u.file.nr_chunks && i->u.file.chunks[c])
			memcpy(dst + done, i->u.file.chunks[c] + in, step);
		else
			memset(dst + done, 0, step); /* a hole */
		done += step;
	}
	return (int32_t)done;
}

/* Makes room for chunk slot c in i's table (doubling). */
static int chunk_slots(struct fs *fs, struct fs_inode *i, uint32_t c)
{
	uint32_t old = i->u.file.nr_chunks, n = old ? old : 4;

	if (c < old)
		return 0;
	while (n <= c)
		n *= 2;
	uint8_t **t = fs_zalloc(fs, n * sizeof(*t));
	if (!t)
		return -FS_ENOSPC;
	if (old)
		memcpy(t, i->u.file.chunks, old * sizeof(*t));
	fs_free(fs, i->u.file.chunks, old * sizeof(*t));
	i->u.file.chunks = t;
	i->u.file.nr_chunks = n;
	return 0;
}

int32_t file_write_at(struct fs *fs, struct fs_inode *i, uint32_t off,
		      const void *buf, uint32_t n)
{
	const uint8_t *src = buf;
	uint32_t done = 0;

	if (off >= FS_FILE_MAX)
		return n ? -FS_EFBIG : 0;
	if (n > FS_FILE_MAX - off)
		n = FS_FILE_MAX - off;
	while (done < n) {
		uint32_t c = (off + done) / FS_CHUNK_SIZE;
		uint32_t in = (off + done) % FS_CHUNK_SIZE;
		uint32_t step = FS_CHUNK_SIZE - in;
		if (step > n - done)
			step = n - done;
		if (chunk_slots(fs, i, c) != 0)
			break;
		if (!i->u.file.chunks[c] &&
		    !(i->u.file.chunks[c] = chunk_new(fs)))
			break;
		memcpy(i->u.file.chunks[c] + in, src + done, step);
		done += step;
		if (off + done > i->size)
			i->size = off + done;
	}
	return done || !n ? (int32_t)done : -FS_ENOSPC;
}

void file_truncate(struct fs *fs, struct fs_inode *i)
{
	for (uint32_t c = 0; c < i->u.file.nr_chunks; c++) {
		chunk_free(fs, i->u.file.chunks[c]);
		i->u.file.chunks[c] = NULL;
	}
	i->size = 0;
}

void inode_stat(const struct fs_inode *i, struct fs_stat *st)
{
	st->ino = i->ino;
	st->mode = i->mode;
	st->nlink = i->nlink;
	st->size = IS_FIFO(i) ? i->u.pipe.count : i->size;
}
