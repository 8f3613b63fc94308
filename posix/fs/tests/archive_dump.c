/*
 * Loads an archive file (argv[1]) into a fresh file system and prints
 * every path with its mode, size and contents' sum, walking the tree with
 * opendir/readdir: how tools/tests/test_posix_files.py checks that what
 * tools/pack.py packs is what posix/fs reads. Not a unit test (no cmocka);
 * the test compiles it with the library's sources.
 */
#include "../../../libc/tests/host_rename.h"

#include <stdarg.h>

#include <fcntl.h>
#include <stdio.h> /* libc/include's: snprintf */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fs/archive.h>
#include <fs/file.h>
#include <fs/path.h>

static void *a_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void a_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

/* printf through the project's snprintf (its stdio.h is the one here) */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(1, line, (size_t)n) != n)
		exit(3);
}

static void dump(struct fs_fdtable *t, const char *dir)
{
	struct fs_dirent_info de;
	char path[FS_PATH_MAX + FS_NAME_MAX + 2];
	int fd = fs_opendir(t, dir);

	while (fs_readdir(t, fd, &de) == 1) {
		if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", dir,
			 strcmp(dir, "/") ? "/" : "", de.name);
		struct fs_stat st;
		fs_stat(t, path, &st);
		unsigned long sum = 0;
		if ((st.mode & FS_S_IFMT) == FS_S_IFREG) {
			unsigned char buf[512];
			int f = fs_open(t, path, FS_O_RDONLY, 0);
			int32_t n;
			while ((n = fs_read(t, f, buf, sizeof(buf))) > 0)
				for (int32_t k = 0; k < n; k++)
					sum = sum * 31 + buf[k];
			fs_close(t, f);
		}
		say("%s %o %u %lu\n", path, (unsigned)st.mode,
		    (unsigned)st.size, sum);
		if ((st.mode & FS_S_IFMT) == FS_S_IFDIR)
			dump(t, path);
	}
	fs_close(t, fd);
}

int main(int argc, char **argv)
{
	static unsigned char blob[1 << 22];
	struct fs_alloc a = {a_alloc, a_free, NULL};
	struct fs_archive_fault fault;
	struct fs fs;
	struct fs_fdtable t;

	if (argc != 2)
		return 2;
	int in = open(argv[1], O_RDONLY);
	if (in < 0)
		return 2;
	ssize_t len = read(in, blob, sizeof(blob));
	close(in);
	if (len < 0)
		return 2;
	fs_init(&fs, &a, 0);
	int err = fs_archive_load(&fs, blob, (size_t)len, &fault);
	if (err) {
		say("error %d: entry %u at %u: %s\n", err,
		    (unsigned)fault.entry, (unsigned)fault.offset,
		    fs_archive_strerror(fault.code));
		fs_destroy(&fs);
		return 1;
	}
	fdtable_init(&t, &fs);
	dump(&t, "/");
	fdtable_destroy(&t);
	fs_destroy(&fs);
	return 0;
}
