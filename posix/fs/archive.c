/*
 * Loading the initial files from the archive tools/pack.py builds
 * (format in fs/archive.h). Two passes: the first checks every byte's
 * place without touching the tree, so a malformed archive creates
 * nothing; the second creates the entries, and can only fail on what
 * needs the tree (a duplicate, a missing parent) or on memory.
 */
#include <string.h>

#include <fs/archive.h>

#include "internal.h"

/* Fields are read bytewise: the archive may sit at any alignment. */
static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* One entry, as located by the first pass. */
struct entry {
	uint32_t mode, size, path_len;
	const uint8_t *path, *data;
};

static enum fs_archive_err check_path(const uint8_t *p, uint32_t len)
{
	uint32_t start = 0;

	if (len == 0 || len >= FS_PATH_MAX)
		return FS_AR_PATH;
	for (uint32_t k = 0; k <= len; k++) {
		if (k < len && p[k] == '\0')
			return FS_AR_PATH;
		if (k < len && p[k] != '/')
			continue;
		uint32_t n = k - start;
		if (n == 0 || n > FS_NAME_MAX ||
		    is_dot_name((const char *)p + start, n))
			return FS_AR_PATH; /* also a leading or doubled "/" */
		start = k + 1;
	}
	return FS_AR_OK;
}

static bool zero(const uint8_t *p, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		if (p[k])
			return false;
	return true;
}

/*
 * Locates the entry at *off (bounds: total) into *e and moves *off past
 * it. Every size is compared with what is left before it is added, so no
 * sum can wrap.
 */
static enum fs_archive_err parse_entry(const uint8_t *a, uint32_t total,
				       uint32_t *off, struct entry *e)
{
	uint32_t left = total - *off;
	const uint8_t *h = a + *off;

	if (left < FS_ARCHIVE_ENTRY_SIZE)
		return FS_AR_ENTRY_BOUNDS;
	e->mode = le32(h);
	e->size = le32(h + 4);
	e->path_len = le16(h + 8);
	if (le16(h + 10) != 0)
		return FS_AR_RESERVED;
	left -= FS_ARCHIVE_ENTRY_SIZE;
	if (e->path_len >= FS_PATH_MAX || pad4(e->path_len) > left)
		return e->path_len >= FS_PATH_MAX ? FS_AR_PATH
						  : FS_AR_ENTRY_BOUNDS;
	e->path = h + FS_ARCHIVE_ENTRY_SIZE;
	left -= pad4(e->path_len);
	if (e->size > left || pad4(e->size) > left)
		return e->size > FS_FILE_MAX ? FS_AR_FILE_SIZE
					     : FS_AR_ENTRY_BOUNDS;
	e->data = e->path + pad4(e->path_len);
	if (!zero(e->path + e->path_len, pad4(e->path_len) - e->path_len) ||
	    !zero(e->data + e->size, pad4(e->size) - e->size))
		return FS_AR_RESERVED;
	enum fs_archive_err err = check_path(e->path, e->path_len);
	if (err)
		return err;
	uint32_t type = e->mode & FS_S_IFMT;
	if ((type != FS_S_IFDIR && type != FS_S_IFREG) ||
	    (e->mode & ~(FS_S_IFMT | FS_S_PERM)))
		return FS_AR_MODE;
	if (type == FS_S_IFDIR && e->size)
		return FS_AR_DIR_SIZE;
	if (e->size > FS_FILE_MAX)
		return FS_AR_FILE_SIZE;
	*off = total - left + pad4(e->size);
	return FS_AR_OK;
}

static int fault_at(struct fs_archive_fault *f, enum fs_archive_err code,
		    uint32_t entry, uint32_t offset, int err)
{
	f->code = code;
	f->entry = entry;
	f->offset = offset;
	return err;
}

/* The header's checks; the number of entries and total size out. */
static enum fs_archive_err check_header(const uint8_t *a, size_t len,
					uint32_t *nr, uint32_t *total)
{
	if (!a || len < FS_ARCHIVE_HEADER_SIZE)
		return FS_AR_TRUNCATED;
	if (le32(a) != FS_ARCHIVE_MAGIC)
		return FS_AR_MAGIC;
	if (le16(a + 4) != FS_ARCHIVE_VERSION)
		return FS_AR_VERSION;
	if (le16(a + 6) != FS_ARCHIVE_HEADER_SIZE)
		return FS_AR_HEADER_SIZE;
	*nr = le32(a + 8);
	*total = le32(a + 12);
	if (*total < FS_ARCHIVE_HEADER_SIZE || *total > len)
		return FS_AR_TRUNCATED;
	return FS_AR_OK;
}

/* Pass 1: every entry within bounds and well formed, none left over. */
static int check_all(const uint8_t *a, uint32_t nr, uint32_t total,
		     struct fs_archive_fault *fault)
{
	uint32_t off = FS_ARCHIVE_HEADER_SIZE;
	struct entry e;

	for (uint32_t k = 0; k < nr; k++) {
		uint32_t at = off;
		enum fs_archive_err err = parse_entry(a, total, &off, &e);
		if (err)
			return fault_at(fault, err, k, at, -FS_EINVAL);
	}
	if (off != total)
		return fault_at(fault, FS_AR_TRAILING, nr, off, -FS_EINVAL);
	return 0;
}

/* Pass 2, one entry: create it under the root. */
static int create(struct fs *fs, const struct entry *e)
{
	char path[FS_PATH_MAX];
	struct fs_inode *i;
	struct walk w;
	int err;

	memcpy(path, e->path, e->path_len);
	path[e->path_len] = '\0';
	err = path_walk(fs, fs->root, path, &w);
	if (err)
		return err;
	if (w.node)
		return -FS_EEXIST;
	err = tree_create(fs, w.dir, w.name, w.len, e->mode, &i);
	if (err || !e->size)
		return err;
	int32_t n = file_write_at(fs, i, 0, e->data, e->size);
	return n == (int32_t)e->size ? 0 : -FS_ENOSPC;
}

int fs_archive_load(struct fs *fs, const void *data, size_t len,
		    struct fs_archive_fault *fault)
{
	const uint8_t *a = data;
	uint32_t nr = 0, total = 0, off = FS_ARCHIVE_HEADER_SIZE;
	struct entry e;
	enum fs_archive_err code = check_header(a, len, &nr, &total);
	int err;

	fault_at(fault, FS_AR_OK, 0, 0, 0);
	if (code)
		return fault_at(fault, code, 0, 0, -FS_EINVAL);
	err = check_all(a, nr, total, fault);
	if (err)
		return err;
	for (uint32_t k = 0; k < nr; k++) {
		uint32_t at = off;
		parse_entry(a, total, &off, &e); /* checked above */
		err = create(fs, &e);
		if (err == -FS_EEXIST)
			return fault_at(fault, FS_AR_DUPLICATE, k, at, err);
		if (err == -FS_ENOSPC || err == -FS_ENOMEM)
			return fault_at(fault, FS_AR_NO_SPACE, k, at, err);
		if (err)
			return fault_at(fault, FS_AR_NO_PARENT, k, at, err);
	}
	return 0;
}

const char *fs_archive_strerror(enum fs_archive_err code)
{
	static const char *const text[] = {
	    [FS_AR_OK] = "ok",
	    [FS_AR_TRUNCATED] = "truncated",
	    [FS_AR_MAGIC] = "bad magic",
	    [FS_AR_VERSION] = "unknown version",
	    [FS_AR_HEADER_SIZE] = "bad header size",
	    [FS_AR_ENTRY_BOUNDS] = "entry runs past the end",
	    [FS_AR_TRAILING] = "bytes after the last entry",
	    [FS_AR_PATH] = "bad path",
	    [FS_AR_MODE] = "not a directory or regular file",
	    [FS_AR_DIR_SIZE] = "directory with data",
	    [FS_AR_FILE_SIZE] = "file too large",
	    [FS_AR_RESERVED] = "reserved bytes not zero",
	    [FS_AR_NO_PARENT] = "parent missing or not a directory",
	    [FS_AR_DUPLICATE] = "path given twice",
	    [FS_AR_NO_SPACE] = "out of memory",
	};

	if ((unsigned)code >= sizeof(text) / sizeof(text[0]))
		return "unknown error";
	return text[code];
}
