/*
 * libFuzzer target: posix/fs driven by random operation sequences on two
 * processes, optionally over a random initial archive, against the
 * library's invariants.
 *
 * Input: byte 0: bit 0: an archive follows (u16 length, then that many
 * bytes, loaded from a heap block of exactly that size); bits 1..3: an
 * allocation to refuse every 2^n (0: never); bits 4..7: the data chunk
 * limit (0: none). Then operations, each an opcode byte and argument
 * bytes (missing bytes read as 0).
 *
 * Checked after every operation: each result is a count, a descriptor or
 * one of the library's error codes; the live descriptions are exactly
 * those the tables name, each with as many references as names; every
 * live directory's nlink is 2 + its subdirectories; every live inode is
 * named, open or a cwd; chunks within the limit. At the end, with every
 * table destroyed and the fs too, every allocation has been freed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fs/archive.h>
#include <fs/file.h>
#include <fs/path.h>
#include <fs/pipe.h>

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			__builtin_trap();                                      \
	} while (0)

static long live, nth, refuse_every;

static void *f_alloc(void *ctx, size_t size)
{
	(void)ctx;
	if (refuse_every && ++nth % refuse_every == 0)
		return NULL;
	void *p = malloc(size);
	if (p)
		live++;
	return p;
}

static void f_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	live--;
	free(p);
}

struct in {
	const uint8_t *p;
	size_t left;
};

static uint8_t byte(struct in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* A path of up to three components from a small set, so names meet. */
static const char *path(struct in *in, char *buf)
{
	static const char *const parts[] = {"a",  "b", "c",   ".",
					    "..", "",  "dir", "f"};
	uint8_t b = byte(in);
	size_t n = 0;

	if (b & 1)
		buf[n++] = '/';
	for (unsigned k = 0; k < ((b >> 1) & 3); k++) {
		const char *s = parts[byte(in) & 7];
		if (k)
			buf[n++] = '/';
		memcpy(buf + n, s, strlen(s));
		n += strlen(s);
	}
	if (b & 0x80)
		buf[n++] = '/';
	buf[n] = '\0';
	return buf;
}

static bool is_error(long r)
{
	static const int codes[] = {
	    FS_ENOENT,	     FS_EBADF,	  FS_EAGAIN, FS_ENOMEM, FS_EBUSY,
	    FS_EEXIST,	     FS_ENOTDIR,  FS_EISDIR, FS_EINVAL, FS_EMFILE,
	    FS_EFBIG,	     FS_ENOSPC,	  FS_ESPIPE, FS_EPIPE,	FS_ERANGE,
	    FS_ENAMETOOLONG, FS_ENOTEMPTY};
	for (unsigned k = 0; k < sizeof(codes) / sizeof(*codes); k++)
		if (r == -codes[k])
			return true;
	return false;
}

static void check(struct fs *fs, struct fs_fdtable *t, bool *up)
{
	uint32_t files = 0, cwds = 0;

	/* every description's references are the names it has */
	for (int p = 0; p < 2; p++) {
		if (!up[p])
			continue;
		cwds++;
		for (unsigned fd = 0; fd < FS_FD_MAX; fd++) {
			struct fs_file *f = t[p].files[fd];
			if (!f)
				continue;
			uint32_t names = 0, first = 1;
			for (int q = 0; q < 2; q++)
				for (unsigned g = 0; up[q] && g < FS_FD_MAX;
				     g++)
					if (t[q].files[g] == f) {
						names++;
						if (q < p || (q == p && g < fd))
							first = 0;
					}
			CHECK(f->refs == names);
			files += first;
		}
	}
	CHECK(files == fs->nr_files);
	uint32_t inodes = 0;
	for (struct fs_inode *i = fs->all; i; i = i->all_next) {
		inodes++;
		CHECK(i->nlink || i->refs || i == fs->root);
		if ((i->mode & FS_S_IFMT) != FS_S_IFDIR || !i->nlink)
			continue;
		uint32_t subdirs = 0;
		for (struct fs_dentry *d = i->u.dir.first; d; d = d->next)
			subdirs += (d->inode->mode & FS_S_IFMT) == FS_S_IFDIR;
		CHECK(i->nlink == 2 + subdirs);
	}
	CHECK(inodes == fs->nr_inodes);
	CHECK(!fs->max_chunks || fs->chunks_used <= fs->max_chunks);
	(void)cwds;
}

static long op(struct fs_fdtable *t, bool *up, struct in *in)
{
	static uint8_t data[255 * 53]; /* the largest read or write */
	char pa[64], pb[64];
	struct fs_stat st;
	struct fs_dirent_info de;
	uint8_t code = byte(in);
	int p = code & 1;
	int fd = byte(in) % (FS_FD_MAX + 2) - 1;

	if (!up[p]) { /* fork from the other, or a new process */
		if (up[!p])
			fdtable_fork(&t[!p], &t[p]);
		else
			fdtable_init(&t[p], t[!p].fs);
		up[p] = true;
		return 0;
	}
	switch ((code >> 1) % 22) {
	case 0: {
		int flags = byte(in) | byte(in) << 8 | byte(in) << 16;
		if (!(flags & 0x800000))
			flags &= FS_O_ACCMODE | FS_O_APPEND | FS_O_CREAT |
				 FS_O_TRUNC | FS_O_EXCL | FS_O_NONBLOCK |
				 FS_O_CLOEXEC | FS_O_DIRECTORY;
		return fs_open(&t[p], path(in, pa), flags, 0644);
	}
	case 1:
		return fs_close(&t[p], fd);
	case 2:
		return fs_read(&t[p], fd, data, byte(in) * 53u);
	case 3:
		return fs_write(&t[p], fd, data, byte(in) * 53u);
	case 4:
		return (long)fs_lseek(
		    &t[p], fd, (int64_t)(int8_t)byte(in) * 1000, byte(in) % 4);
	case 5:
		return fs_dup(&t[p], fd);
	case 6:
		return fs_dup2(&t[p], fd, byte(in) % (FS_FD_MAX + 2) - 1);
	case 7: {
		int fds[2];
		return fs_pipe(&t[p], fds, byte(in) & 1 ? FS_O_CLOEXEC : 0);
	}
	case 8:
		return fs_stat(&t[p], path(in, pa), &st);
	case 9:
		return fs_fstat(&t[p], fd, &st);
	case 10:
		return fs_unlink(&t[p], path(in, pa));
	case 11:
		path(in, pa);
		return fs_rename(&t[p], pa, path(in, pb));
	case 12:
		return fs_mkdir(&t[p], path(in, pa), 0755);
	case 13:
		return fs_rmdir(&t[p], path(in, pa));
	case 14:
		return fs_opendir(&t[p], path(in, pa));
	case 15:
		return fs_readdir(&t[p], fd, &de);
	case 16:
		return fs_chdir(&t[p], path(in, pa));
	case 17: {
		char buf[FS_PATH_MAX];
		return fs_getcwd(&t[p], buf, byte(in));
	}
	case 18:
		fdtable_exec(&t[p]);
		return 0;
	case 19:
		fdtable_destroy(&t[p]); /* exit */
		up[p] = false;
		return 0;
	case 20:
		return fs_setfd(&t[p], fd, byte(in) & 3);
	default:
		return fs_getfd(&t[p], fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	struct fs fs;
	struct fs_fdtable t[2];
	struct fs_alloc a = {f_alloc, f_free, NULL};
	bool up[2] = {true, false};
	uint8_t mode = byte(&in);

	live = nth = 0;
	refuse_every = (mode >> 1) & 7 ? 1L << ((mode >> 1) & 7) : 0;
	if (fs_init(&fs, &a, mode >> 4) != 0) {
		CHECK(live == 0);
		return 0;
	}
	if (mode & 1) {
		size_t len = byte(&in) | (size_t)byte(&in) << 8;
		if (len > in.left)
			len = in.left;
		uint8_t *ar = malloc(len ? len : 1);
		memcpy(ar, in.p, len);
		in.p += len;
		in.left -= len;
		struct fs_archive_fault f;
		int err = fs_archive_load(&fs, ar, len, &f);
		CHECK(!err == (f.code == FS_AR_OK));
		CHECK(!err || is_error(err));
		free(ar);
	}
	fdtable_init(&t[0], &fs);
	while (in.left) {
		long r = op(t, up, &in);
		CHECK(r >= 0 || is_error(r));
		check(&fs, t, up);
	}
	for (int p = 0; p < 2; p++)
		if (up[p])
			fdtable_destroy(&t[p]);
	CHECK(fs.nr_files == 0);
	fs_destroy(&fs);
	CHECK(live == 0);
	return 0;
}
