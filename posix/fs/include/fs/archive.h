/*
 * The initial files, as tools/pack.py packs a container's files folder
 * (docs/posix.md, "The files archive"). Little-endian:
 *
 *   header (16 bytes): magic "TFSA" (FS_ARCHIVE_MAGIC), u16 version (1),
 *     u16 header size (16), u32 number of entries, u32 total size (header
 *     and entries, the archive's exact length)
 *   entry: u32 mode (FS_S_IFDIR or FS_S_IFREG | permissions), u32 size
 *     (data bytes; 0 for a directory), u16 path length (1..FS_PATH_MAX-1),
 *     u16 reserved (0); the path (no NUL, no leading "/", components
 *     separated by one "/", none empty, "." or "..", each at most
 *     FS_NAME_MAX bytes), zero padding to 4 bytes; the data, zero padding
 *     to 4 bytes
 *
 * A directory comes before what it holds. The archive arrives from the
 * image in the container's own memory, which a bad image (or a wild write)
 * could have changed, so the loader trusts no field: every length and
 * offset is checked against the archive's bounds before it is used.
 */
#ifndef FS_ARCHIVE_H
#define FS_ARCHIVE_H

#include <fs/fs.h>

#define FS_ARCHIVE_MAGIC       0x41534654u /* "TFSA" */
#define FS_ARCHIVE_VERSION     1u
#define FS_ARCHIVE_HEADER_SIZE 16u
#define FS_ARCHIVE_ENTRY_SIZE  12u

/* Why an archive was refused (fs_archive_strerror names them). */
enum fs_archive_err {
	FS_AR_OK = 0,
	FS_AR_TRUNCATED, /* shorter than its header or its total size */
	FS_AR_MAGIC,
	FS_AR_VERSION,
	FS_AR_HEADER_SIZE,
	FS_AR_ENTRY_BOUNDS, /* an entry runs past the total size */
	FS_AR_TRAILING,	    /* bytes after the last entry */
	FS_AR_PATH,	    /* empty, bad component, too long, NUL */
	FS_AR_MODE,	    /* not a directory or regular file */
	FS_AR_DIR_SIZE,	    /* a directory with data */
	FS_AR_FILE_SIZE,    /* beyond FS_FILE_MAX */
	FS_AR_RESERVED,	    /* reserved field or padding not zero */
	FS_AR_NO_PARENT,    /* parent missing or not a directory */
	FS_AR_DUPLICATE,    /* a path given twice */
	FS_AR_NO_SPACE,	    /* the file system ran out of memory */
};

struct fs_archive_fault {
	enum fs_archive_err code;
	uint32_t entry;	 /* index of the entry at fault */
	uint32_t offset; /* its byte offset in the archive */
};

/*
 * Checks the whole archive (len bytes at data), then creates its entries
 * under fs's root. Returns 0, or -FS_EINVAL (a malformed archive, nothing
 * created), -FS_EEXIST / -FS_ENOENT (a duplicate path or a missing parent)
 * or -FS_ENOSPC / -FS_ENOMEM, with *fault saying which entry and why.
 * After a failure in the second phase some entries exist: the server
 * starts without files (fs_destroy and fs_init again).
 */
int fs_archive_load(struct fs *fs, const void *data, size_t len,
		    struct fs_archive_fault *fault);

/* A short description of code. */
const char *fs_archive_strerror(enum fs_archive_err code);

#endif
