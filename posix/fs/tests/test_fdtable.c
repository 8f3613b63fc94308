/*
 * Host tests for posix/fs/fdtable.c: lowest free descriptor and its
 * recycling, EMFILE, dup/dup2, fork's shared descriptions, exec's
 * close-on-exec, destroy.
 */
#include "fs_test.h"

static void test_recycle_10000(void **state)
{
	struct env e;
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "x");
	int keep = fs_open(&e.t, "/f", FS_O_RDONLY, 0); /* fd 0 stays open */
	assert_int_equal(keep, 0);
	long live = e.ca.live, bytes = e.ca.live_bytes, total = e.ca.total;
	for (int k = 0; k < 10000; k++) {
		int fd = fs_open(&e.t, "/f", FS_O_RDWR, 0);
		assert_int_equal(fd, 1); /* the same number every time */
		if (k % 2) {
			int fd2 = fs_dup(&e.t, fd);
			assert_int_equal(fd2, 2);
			assert_int_equal(fs_close(&e.t, fd2), 0);
		}
		assert_int_equal(fs_close(&e.t, fd), 0);
		assert_int_equal(e.ca.live, live);
	}
	assert_int_equal(e.ca.live, live);
	assert_int_equal(e.ca.live_bytes, bytes);
	assert_int_equal(e.ca.total, total + 10000); /* one description each */
	assert_int_equal(e.fs.nr_files, 1);
	assert_int_equal(fdtable_count(&e.t), 1);
	env_done(&e);
}

static void test_lowest_free_and_emfile(void **state)
{
	struct env e;
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "x");
	for (unsigned k = 0; k < FS_FD_MAX; k++)
		assert_int_equal(fs_open(&e.t, "/f", FS_O_RDONLY, 0), (int)k);
	assert_int_equal(fs_open(&e.t, "/f", FS_O_RDONLY, 0), -FS_EMFILE);
	assert_int_equal(fs_open(&e.t, "/g", FS_O_RDONLY | FS_O_CREAT, 0),
			 -FS_EMFILE);
	struct fs_stat st;
	assert_int_equal(fs_stat(&e.t, "/g", &st), -FS_ENOENT); /* not made */
	assert_int_equal(fs_dup(&e.t, 0), -FS_EMFILE);
	int p[2];
	assert_int_equal(fs_pipe(&e.t, p, 0), -FS_EMFILE);
	assert_int_equal(fs_close(&e.t, 40), 0);
	assert_int_equal(fs_close(&e.t, 7), 0);
	assert_int_equal(fs_pipe(&e.t, p, 0), 0);
	assert_int_equal(p[0], 7);
	assert_int_equal(p[1], 40);
	assert_int_equal(fs_close(&e.t, 3), 0);
	assert_int_equal(fs_open(&e.t, "/f", FS_O_RDONLY, 0), 3);
	env_done(&e);
}

static void test_dup_shares_offset(void **state)
{
	struct env e;
	char buf[4];
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "abcdef");
	int fd = fs_open(&e.t, "/f", FS_O_RDONLY | FS_O_CLOEXEC, 0);
	int d = fs_dup(&e.t, fd);
	assert_int_equal(d, fd + 1);
	assert_int_equal(fs_getfd(&e.t, fd), FS_FD_CLOEXEC);
	assert_int_equal(fs_getfd(&e.t, d), 0); /* dup clears it */
	assert_int_equal(fs_read(&e.t, fd, buf, 2), 2);
	assert_int_equal(fs_read(&e.t, d, buf, 2), 2);
	assert_memory_equal(buf, "cd", 2);
	assert_int_equal(fs_close(&e.t, fd), 0);
	assert_int_equal(fs_read(&e.t, d, buf, 2), 2);
	assert_memory_equal(buf, "ef", 2);
	assert_int_equal(fs_close(&e.t, d), 0);
	assert_int_equal(e.fs.nr_files, 0);
	env_done(&e);
}

static void test_dup2(void **state)
{
	struct env e;
	char buf[4];
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/a", "A");
	put_file(&e, "/b", "B");
	int a = fs_open(&e.t, "/a", FS_O_RDONLY, 0);
	int b = fs_open(&e.t, "/b", FS_O_RDONLY | FS_O_CLOEXEC, 0);
	assert_int_equal(fs_dup2(&e.t, a, a), a); /* a no-op */
	assert_int_equal(e.fs.nr_files, 2);
	/* b's description is closed (its last reference), a's shared */
	assert_int_equal(fs_dup2(&e.t, a, b), b);
	assert_int_equal(e.fs.nr_files, 1);
	assert_int_equal(fs_getfd(&e.t, b), 0);
	assert_int_equal(fs_read(&e.t, b, buf, 4), 1);
	assert_memory_equal(buf, "A", 1);
	assert_int_equal(fs_read(&e.t, a, buf, 4), 0); /* offset shared */
	/* to a free number far up */
	assert_int_equal(fs_dup2(&e.t, a, 50), 50);
	assert_int_equal(fs_dup2(&e.t, a, -1), -FS_EBADF);
	assert_int_equal(fs_dup2(&e.t, a, (int)FS_FD_MAX), -FS_EBADF);
	assert_int_equal(fs_dup2(&e.t, 9, 10), -FS_EBADF);
	assert_int_equal(fdtable_count(&e.t), 3);
	/* dup2 onto the other name of the same description */
	assert_int_equal(fs_dup2(&e.t, a, b), b);
	assert_int_equal(e.fs.nr_files, 1);
	env_done(&e);
}

static void test_fork_shares_offsets(void **state)
{
	struct env e;
	struct fs_fdtable child;
	char buf[8], cwd[32];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/home", 0755), 0);
	assert_int_equal(fs_chdir(&e.t, "/home"), 0);
	put_file(&e, "log", "0123456789");
	int fd = fs_open(&e.t, "log", FS_O_RDWR, 0);
	fdtable_fork(&e.t, &child);
	assert_int_equal(fdtable_count(&child), 1);
	assert_int_equal(e.fs.nr_files, 1); /* the same description */
	assert_int_equal(fs_read(&child, fd, buf, 3), 3);
	assert_int_equal(fs_read(&e.t, fd, buf, 3), 3);
	assert_memory_equal(buf, "345", 3);
	assert_int_equal(fs_lseek(&child, fd, 0, FS_SEEK_CUR), 6);
	/* the cwd is inherited; then each process's own */
	assert_int_equal(fs_getcwd(&child, cwd, sizeof(cwd)), 5);
	assert_string_equal(cwd, "/home");
	assert_int_equal(fs_chdir(&child, "/"), 0);
	assert_int_equal(fs_getcwd(&e.t, cwd, sizeof(cwd)), 5);
	/* closing in the child leaves the parent's open */
	assert_int_equal(fs_close(&child, fd), 0);
	assert_int_equal(fs_read(&e.t, fd, buf, 8), 4);
	/* a descriptor opened after the fork is the parent's alone */
	int fd2 = fs_open(&e.t, "log", FS_O_RDONLY, 0);
	assert_int_equal(fs_read(&child, fd2, buf, 1), -FS_EBADF);
	fdtable_destroy(&child);
	assert_int_equal(e.fs.nr_files, 2);
	/* the parent exits too, with its cwd removed under it */
	assert_int_equal(fs_unlink(&e.t, "log"), 0);
	assert_int_equal(fs_rmdir(&e.t, "/home"), 0);
	env_done(&e);
}

static void test_cloexec(void **state)
{
	struct env e;
	struct fs_fdtable child;
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "x");
	int keep = fs_open(&e.t, "/f", FS_O_RDONLY, 0);
	int gone = fs_open(&e.t, "/f", FS_O_RDONLY | FS_O_CLOEXEC, 0);
	int flagged = fs_open(&e.t, "/f", FS_O_RDONLY, 0);
	int unflagged = fs_open(&e.t, "/f", FS_O_RDONLY | FS_O_CLOEXEC, 0);
	int p[2];
	assert_int_equal(fs_pipe(&e.t, p, FS_O_CLOEXEC), 0);
	assert_int_equal(fs_setfd(&e.t, flagged, FS_FD_CLOEXEC), 0);
	assert_int_equal(fs_setfd(&e.t, unflagged, 0), 0);
	assert_int_equal(fs_setfd(&e.t, keep, 2), -FS_EINVAL);
	assert_int_equal(fs_getfd(&e.t, p[0]), FS_FD_CLOEXEC);
	/* the flag is the descriptor's: fork copies it, exec acts on it */
	fdtable_fork(&e.t, &child);
	assert_int_equal(fs_getfd(&child, gone), FS_FD_CLOEXEC);
	fdtable_exec(&child);
	assert_int_equal(fdtable_count(&child), 2);
	assert_int_equal(fs_getfd(&child, keep), 0);
	assert_int_equal(fs_getfd(&child, unflagged), 0);
	assert_int_equal(fs_getfd(&child, gone), -FS_EBADF);
	assert_int_equal(fs_getfd(&child, flagged), -FS_EBADF);
	assert_int_equal(fs_getfd(&child, p[1]), -FS_EBADF);
	assert_int_equal(fdtable_count(&e.t), 6); /* the parent's untouched */
	/* the next descriptor the child opens reuses the lowest freed */
	assert_int_equal(fs_open(&child, "/f", FS_O_RDONLY, 0), gone);
	fdtable_destroy(&child);
	fdtable_exec(&e.t);
	assert_int_equal(fdtable_count(&e.t), 2);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_recycle_10000),
	    cmocka_unit_test(test_lowest_free_and_emfile),
	    cmocka_unit_test(test_dup_shares_offset),
	    cmocka_unit_test(test_dup2),
	    cmocka_unit_test(test_fork_shares_offsets),
	    cmocka_unit_test(test_cloexec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
