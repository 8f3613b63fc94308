/*
 * Host tests for posix/fs/file.c and the data side of tree.c: open's
 * flags and errors, read, write, lseek with holes, ENOSPC, fstat,
 * opendir/readdir.
 */
#include "fs_test.h"

static void test_open_flags(void **state)
{
	struct env e;
	struct fs_stat st;
	char buf[8];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_open(&e.t, "/f", FS_O_RDONLY, 0), -FS_ENOENT);
	int fd = fs_open(&e.t, "/f", FS_O_RDWR | FS_O_CREAT | FS_O_EXCL, 0640);
	assert_int_equal(fd, 0);
	assert_int_equal(fs_fstat(&e.t, fd, &st), 0);
	assert_int_equal(st.mode, FS_S_IFREG | 0640);
	assert_int_equal(fs_write(&e.t, fd, "hello", 5), 5);
	assert_int_equal(
	    fs_open(&e.t, "/f", FS_O_RDWR | FS_O_CREAT | FS_O_EXCL, 0640),
	    -FS_EEXIST);
	/* O_CREAT alone opens what exists, mode ignored */
	int fd2 = fs_open(&e.t, "/f", FS_O_RDONLY | FS_O_CREAT, 0777);
	assert_int_equal(fd2, 1);
	assert_int_equal(fs_read(&e.t, fd2, buf, 8), 5);
	assert_int_equal(fs_write(&e.t, fd2, "x", 1), -FS_EBADF);
	/* O_TRUNC with write access empties it */
	int fd3 = fs_open(&e.t, "/f", FS_O_WRONLY | FS_O_TRUNC, 0);
	assert_int_equal(fd3, 2);
	assert_int_equal(fs_read(&e.t, fd3, buf, 8), -FS_EBADF);
	assert_int_equal(fs_fstat(&e.t, fd, &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(e.fs.chunks_used, 0);
	/* O_APPEND writes at the end whatever the offset */
	assert_int_equal(fs_write(&e.t, fd, "abc", 3), 3); /* at offset 5 */
	int fa = fs_open(&e.t, "/f", FS_O_WRONLY | FS_O_APPEND, 0);
	assert_int_equal(fs_lseek(&e.t, fa, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_write(&e.t, fa, "Z", 1), 1);
	assert_int_equal(fs_lseek(&e.t, fa, 0, FS_SEEK_CUR), 9);
	for (int k = 0; k < 4; k++)
		assert_int_equal(fs_close(&e.t, k), 0);
	env_done(&e);
}

static void test_open_errors(void **state)
{
	struct env e;
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/d", 0755), 0);
	put_file(&e, "/f", "x");
	assert_int_equal(fs_open(&e.t, "/f", FS_O_ACCMODE, 0), -FS_EINVAL);
	assert_int_equal(fs_open(&e.t, "/f", 0x10000000, 0), -FS_EINVAL);
	assert_int_equal(fs_open(&e.t, "/d", FS_O_WRONLY, 0), -FS_EISDIR);
	assert_int_equal(fs_open(&e.t, "/d", FS_O_RDWR, 0), -FS_EISDIR);
	assert_int_equal(fs_open(&e.t, "/d", FS_O_RDONLY | FS_O_TRUNC, 0),
			 -FS_EISDIR);
	assert_int_equal(fs_open(&e.t, "/d", FS_O_RDONLY | FS_O_CREAT, 0),
			 -FS_EISDIR);
	assert_int_equal(fs_open(&e.t, "/", FS_O_RDONLY | FS_O_CREAT, 0),
			 -FS_EISDIR);
	assert_int_equal(fs_open(&e.t, "/f", FS_O_RDONLY | FS_O_DIRECTORY, 0),
			 -FS_ENOTDIR);
	assert_int_equal(fs_open(&e.t, "/f/", FS_O_RDONLY, 0), -FS_ENOTDIR);
	assert_int_equal(fs_open(&e.t, "/f/x", FS_O_RDONLY | FS_O_CREAT, 0),
			 -FS_ENOTDIR);
	assert_int_equal(fs_open(&e.t, "/n/", FS_O_WRONLY | FS_O_CREAT, 0),
			 -FS_EISDIR);
	assert_int_equal(fs_open(&e.t, "/nope/x", FS_O_WRONLY | FS_O_CREAT, 0),
			 -FS_ENOENT);
	/* a directory opens read-only, and only readdir reads it */
	int fd = fs_open(&e.t, "/d", FS_O_RDONLY, 0);
	char buf[4];
	assert_true(fd >= 0);
	assert_int_equal(fs_read(&e.t, fd, buf, 4), -FS_EISDIR);
	assert_int_equal(fs_lseek(&e.t, fd, 1, FS_SEEK_SET), -FS_EINVAL);
	assert_int_equal(fs_close(&e.t, fd), 0);
	/* out of memory creating: no half-created name stays */
	long inodes = e.fs.nr_inodes;
	for (long ok = 0; ok < 3; ok++) {
		e.ca.fail_after = ok;
		assert_int_equal(
		    fs_open(&e.t, "/new", FS_O_WRONLY | FS_O_CREAT, 0644),
		    -FS_ENOMEM);
		e.ca.fail_after = -1;
		struct fs_stat st;
		assert_int_equal(fs_stat(&e.t, "/new", &st), -FS_ENOENT);
		assert_int_equal(e.fs.nr_inodes, inodes);
	}
	env_done(&e);
}

static void test_bad_descriptors(void **state)
{
	struct env e;
	struct fs_stat st;
	struct fs_dirent_info de;
	char buf[4];
	(void)state;

	env_init(&e, 0);
	int bad[] = {-1, 0, 5, (int)FS_FD_MAX, 1 << 30};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		assert_int_equal(fs_read(&e.t, bad[k], buf, 4), -FS_EBADF);
		assert_int_equal(fs_write(&e.t, bad[k], buf, 4), -FS_EBADF);
		assert_int_equal(fs_lseek(&e.t, bad[k], 0, FS_SEEK_SET),
				 -FS_EBADF);
		assert_int_equal(fs_fstat(&e.t, bad[k], &st), -FS_EBADF);
		assert_int_equal(fs_close(&e.t, bad[k]), -FS_EBADF);
		assert_int_equal(fs_dup(&e.t, bad[k]), -FS_EBADF);
		assert_int_equal(fs_dup2(&e.t, bad[k], 3), -FS_EBADF);
		assert_int_equal(fs_readdir(&e.t, bad[k], &de), -FS_EBADF);
		assert_int_equal(fs_getfd(&e.t, bad[k]), -FS_EBADF);
		assert_int_equal(fs_setfd(&e.t, bad[k], 0), -FS_EBADF);
	}
	env_done(&e);
}

static void test_lseek_and_holes(void **state)
{
	struct env e;
	struct fs_stat st;
	static char buf[3 * FS_CHUNK_SIZE];
	(void)state;

	env_init(&e, 0);
	int fd = fs_open(&e.t, "/h", FS_O_RDWR | FS_O_CREAT, 0644);
	assert_int_equal(fs_write(&e.t, fd, "ab", 2), 2);
	/* a write far past the end leaves a hole that reads as zeros */
	int64_t far = 2 * FS_CHUNK_SIZE + 10;
	assert_int_equal(fs_lseek(&e.t, fd, far, FS_SEEK_SET), far);
	assert_int_equal(fs_write(&e.t, fd, "z", 1), 1);
	assert_int_equal(fs_fstat(&e.t, fd, &st), 0);
	assert_int_equal(st.size, far + 1);
	assert_int_equal(e.fs.chunks_used, 2); /* the middle one is a hole */
	assert_int_equal(fs_lseek(&e.t, fd, 0, FS_SEEK_SET), 0);
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(fs_read(&e.t, fd, buf, sizeof(buf)), far + 1);
	assert_memory_equal(buf, "ab", 2);
	for (int64_t k = 2; k < far; k++)
		assert_int_equal(buf[k], 0);
	assert_int_equal(buf[far], 'z');
	assert_int_equal(fs_read(&e.t, fd, buf, 4), 0); /* end of file */
	/* whence */
	assert_int_equal(fs_lseek(&e.t, fd, -1, FS_SEEK_END), far);
	assert_int_equal(fs_lseek(&e.t, fd, -5, FS_SEEK_CUR), far - 5);
	assert_int_equal(fs_lseek(&e.t, fd, 100, FS_SEEK_END), far + 101);
	assert_int_equal(fs_lseek(&e.t, fd, 0, 3), -FS_EINVAL);
	assert_int_equal(fs_lseek(&e.t, fd, -1, FS_SEEK_SET), -FS_EINVAL);
	assert_int_equal(fs_lseek(&e.t, fd, -far - 102, FS_SEEK_CUR),
			 -FS_EINVAL);
	assert_int_equal(
	    fs_lseek(&e.t, fd, (int64_t)FS_FILE_MAX + 1, FS_SEEK_SET),
	    -FS_EINVAL);
	assert_int_equal(fs_lseek(&e.t, fd, INT64_MAX, FS_SEEK_END),
			 -FS_EINVAL);
	assert_int_equal(fs_lseek(&e.t, fd, INT64_MIN, FS_SEEK_CUR),
			 -FS_EINVAL);
	assert_int_equal(fs_lseek(&e.t, fd, 0, FS_SEEK_CUR), far + 101);
	/* at the largest size: nothing more fits */
	assert_int_equal(fs_lseek(&e.t, fd, FS_FILE_MAX, FS_SEEK_SET),
			 FS_FILE_MAX);
	assert_int_equal(fs_write(&e.t, fd, "x", 1), -FS_EFBIG);
	assert_int_equal(fs_lseek(&e.t, fd, FS_FILE_MAX - 1, FS_SEEK_SET),
			 FS_FILE_MAX - 1);
	assert_int_equal(fs_write(&e.t, fd, "xy", 2), 1);
	assert_int_equal(fs_close(&e.t, fd), 0);
	env_done(&e);
}

static void test_enospc(void **state)
{
	struct env e;
	static char big[3 * FS_CHUNK_SIZE];
	(void)state;

	env_init(&e, 2);
	memset(big, 'q', sizeof(big));
	int fd = fs_open(&e.t, "/f", FS_O_RDWR | FS_O_CREAT, 0644);
	/* two chunks fit: a short write, then none */
	assert_int_equal(fs_write(&e.t, fd, big, sizeof(big)),
			 2 * FS_CHUNK_SIZE);
	assert_int_equal(fs_write(&e.t, fd, big, 1), -FS_ENOSPC);
	int p[2];
	assert_int_equal(fs_pipe(&e.t, p, 0), -FS_ENOSPC);
	/* truncation gives the chunks back */
	int fd2 = fs_open(&e.t, "/f", FS_O_WRONLY | FS_O_TRUNC, 0);
	assert_int_equal(e.fs.chunks_used, 0);
	assert_int_equal(fs_write(&e.t, fd2, big, 10), 10);
	/* the allocator itself refusing a chunk is ENOSPC too */
	e.ca.fail_after = 0;
	assert_int_equal(fs_lseek(&e.t, fd2, FS_CHUNK_SIZE, FS_SEEK_SET),
			 FS_CHUNK_SIZE);
	assert_int_equal(fs_write(&e.t, fd2, big, 10), -FS_ENOSPC);
	e.ca.fail_after = -1;
	assert_int_equal(fs_close(&e.t, fd), 0);
	assert_int_equal(fs_close(&e.t, fd2), 0);
	env_done(&e);
}

static void test_large_file_roundtrip(void **state)
{
	struct env e;
	static uint8_t in[10 * FS_CHUNK_SIZE + 123], out[sizeof(in)];
	(void)state;

	env_init(&e, 0);
	for (unsigned k = 0; k < sizeof(in); k++)
		in[k] = (uint8_t)(k * 7 + k / 4096);
	int fd = fs_open(&e.t, "/big", FS_O_RDWR | FS_O_CREAT, 0644);
	/* written in odd pieces across chunk boundaries */
	for (unsigned off = 0; off < sizeof(in);) {
		unsigned n = sizeof(in) - off < 1000 ? sizeof(in) - off : 1000;
		assert_int_equal(fs_write(&e.t, fd, in + off, n), n);
		off += n;
	}
	assert_int_equal(fs_lseek(&e.t, fd, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_read(&e.t, fd, out, sizeof(out)), sizeof(in));
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(e.fs.chunks_used, 11);
	assert_int_equal(fs_close(&e.t, fd), 0);
	assert_int_equal(fs_unlink(&e.t, "/big"), 0);
	assert_int_equal(e.fs.chunks_used, 0);
	env_done(&e);
}

/* Reads every remaining entry name of fd into names (joined by ' '). */
static void read_names(struct env *e, int fd, char *names, size_t size)
{
	struct fs_dirent_info de;
	int r;

	names[0] = '\0';
	while ((r = fs_readdir(&e->t, fd, &de)) == 1) {
		size_t len = strlen(names);
		snprintf(names + len, size - len, "%s%s", len ? " " : "",
			 de.name);
	}
	assert_int_equal(r, 0);
}

static void test_readdir(void **state)
{
	struct env e;
	struct fs_dirent_info de;
	char names[256];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/d", 0755), 0);
	put_file(&e, "/d/a", "1");
	assert_int_equal(fs_mkdir(&e.t, "/d/b", 0755), 0);
	put_file(&e, "/d/c", "3");
	int fd = fs_opendir(&e.t, "/d");
	assert_true(fd >= 0);
	read_names(&e, fd, names, sizeof(names));
	assert_string_equal(names, ". .. a b c");
	assert_int_equal(fs_readdir(&e.t, fd, &de), 0); /* stays at the end */
	assert_int_equal(fs_lseek(&e.t, fd, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_readdir(&e.t, fd, &de), 1);
	assert_string_equal(de.name, ".");
	assert_int_equal(fs_readdir(&e.t, fd, &de), 1);
	assert_string_equal(de.name, "..");
	assert_int_equal(fs_readdir(&e.t, fd, &de), 1);
	assert_string_equal(de.name, "a");
	assert_int_equal(de.mode & FS_S_IFMT, FS_S_IFREG);
	/* unlinking the entry just returned skips nothing */
	assert_int_equal(fs_unlink(&e.t, "/d/a"), 0);
	assert_int_equal(fs_readdir(&e.t, fd, &de), 1);
	assert_string_equal(de.name, "b");
	assert_int_equal(de.mode & FS_S_IFMT, FS_S_IFDIR);
	/* nor does unlinking the next one repeat or skip another */
	assert_int_equal(fs_unlink(&e.t, "/d/c"), 0);
	put_file(&e, "/d/e", "5");
	read_names(&e, fd, names, sizeof(names));
	assert_string_equal(names, "e");
	assert_int_equal(fs_close(&e.t, fd), 0);
	/* a removed directory reads empty; readdir on a file is ENOTDIR */
	int ffd = fs_open(&e.t, "/d/e", FS_O_RDONLY, 0);
	assert_int_equal(fs_readdir(&e.t, ffd, &de), -FS_ENOTDIR);
	assert_int_equal(fs_close(&e.t, ffd), 0);
	assert_int_equal(fs_opendir(&e.t, "/d/e"), -FS_ENOTDIR);
	fd = fs_opendir(&e.t, "/d/b");
	assert_int_equal(fs_rmdir(&e.t, "/d/b"), 0);
	assert_int_equal(fs_readdir(&e.t, fd, &de), 0);
	assert_int_equal(fs_close(&e.t, fd), 0);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_flags),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_bad_descriptors),
	    cmocka_unit_test(test_lseek_and_holes),
	    cmocka_unit_test(test_enospc),
	    cmocka_unit_test(test_large_file_roundtrip),
	    cmocka_unit_test(test_readdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
