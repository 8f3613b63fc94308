/*
 * Error codes of the file system library, returned negated (-FS_ENOENT).
 *
 * The numbers are Linux's (as libmem's are), so the file server can hand
 * them to a POSIX program unchanged. Newlib agrees on every value below 35;
 * it differs only for ENOTEMPTY (90) and ENAMETOOLONG (91), which a newlib
 * personality would have to translate.
 */
#ifndef FS_ERRNO_H
#define FS_ERRNO_H

#define FS_ENOENT	2  /* no such file or directory */
#define FS_EBADF	9  /* not an open descriptor, or the wrong access */
#define FS_EAGAIN	11 /* would block: the server parks the caller */
#define FS_ENOMEM	12 /* the allocator refused metadata */
#define FS_EBUSY	16 /* the root cannot be removed */
#define FS_EEXIST	17 /* the name exists (O_CREAT|O_EXCL, mkdir) */
#define FS_ENOTDIR	20 /* a path component or O_DIRECTORY target */
#define FS_EISDIR	21 /* a directory where a file is needed */
#define FS_EINVAL	22 /* bad flags, whence, name or rename target */
#define FS_EMFILE	24 /* the process's descriptor table is full */
#define FS_EFBIG	27 /* beyond FS_FILE_MAX */
#define FS_ENOSPC	28 /* file data: no chunk left */
#define FS_ESPIPE	29 /* lseek on a pipe */
#define FS_EPIPE	32 /* write to a pipe with no reader */
#define FS_ERANGE	34 /* getcwd's buffer is too small */
#define FS_ENAMETOOLONG 36 /* a component or a whole path too long */
#define FS_ENOTEMPTY	39 /* rmdir or rename onto a non-empty directory */

#endif
