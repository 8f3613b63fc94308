/*
 * Host tests for posix/fs/path.c and tree.c: resolution, stat, mkdir,
 * rmdir, unlink, rename, chdir, getcwd, and their errors.
 */
#include "fs_test.h"

static void test_resolution_dots_and_slashes(void **state)
{
	struct env e;
	struct fs_stat st, root;
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/a", 0755), 0);
	assert_int_equal(fs_mkdir(&e.t, "a/b", 0700), 0);
	put_file(&e, "/a/b/f", "x");
	assert_int_equal(fs_stat(&e.t, "/", &root), 0);
	assert_int_equal(root.mode, FS_S_IFDIR | 0755);
	assert_int_equal(fs_stat(&e.t, "/..", &st), 0);
	assert_int_equal(st.ino, root.ino); /* the root's ".." is itself */
	assert_int_equal(fs_stat(&e.t, "///a//b/./../b/f", &st), 0);
	assert_int_equal(st.mode, FS_S_IFREG | 0644);
	assert_int_equal(st.size, 1);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(fs_stat(&e.t, "a/b/", &st), 0);
	assert_int_equal(st.mode, FS_S_IFDIR | 0700);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(fs_stat(&e.t, "a", &st), 0);
	assert_int_equal(st.nlink, 3); /* ".", its name, b's ".." */
	assert_int_equal(fs_stat(&e.t, "/", &st), 0);
	assert_int_equal(st.nlink, 3);
	env_done(&e);
}

static void test_resolution_errors(void **state)
{
	struct env e;
	struct fs_stat st;
	char long_name[FS_NAME_MAX + 2], long_path[FS_PATH_MAX + 1];
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "x");
	assert_int_equal(fs_stat(&e.t, "", &st), -FS_ENOENT);
	assert_int_equal(fs_stat(&e.t, NULL, &st), -FS_EINVAL);
	assert_int_equal(fs_stat(&e.t, "/nope", &st), -FS_ENOENT);
	assert_int_equal(fs_stat(&e.t, "/nope/x", &st), -FS_ENOENT);
	assert_int_equal(fs_stat(&e.t, "/f/x", &st), -FS_ENOTDIR);
	assert_int_equal(fs_stat(&e.t, "/f/", &st), -FS_ENOTDIR);
	memset(long_name, 'n', sizeof(long_name));
	long_name[FS_NAME_MAX + 1] = '\0';
	assert_int_equal(fs_stat(&e.t, long_name, &st), -FS_ENAMETOOLONG);
	assert_int_equal(fs_mkdir(&e.t, long_name, 0755), -FS_ENAMETOOLONG);
	long_name[FS_NAME_MAX] = '\0'; /* exactly the limit: fine */
	assert_int_equal(fs_mkdir(&e.t, long_name, 0755), 0);
	assert_int_equal(fs_stat(&e.t, long_name, &st), 0);
	memset(long_path, 'a', sizeof(long_path));
	for (unsigned k = 1; k < FS_PATH_MAX; k += 2)
		long_path[k] = '/';
	long_path[FS_PATH_MAX] = '\0';
	assert_int_equal(fs_stat(&e.t, long_path, &st), -FS_ENAMETOOLONG);
	env_done(&e);
}

/* Every call taking a path, on one path: its result. */
static void each_path_call(struct env *e, const char *path, int want)
{
	struct fs_stat st;

	assert_int_equal(fs_open(&e->t, path, FS_O_RDONLY, 0), want);
	assert_int_equal(fs_open(&e->t, path, FS_O_RDWR | FS_O_CREAT, 0644),
			 want);
	assert_int_equal(fs_opendir(&e->t, path), want);
	assert_int_equal(fs_stat(&e->t, path, &st), want);
	assert_int_equal(fs_mkdir(&e->t, path, 0755), want);
	assert_int_equal(fs_rmdir(&e->t, path), want);
	assert_int_equal(fs_unlink(&e->t, path), want);
	assert_int_equal(fs_chdir(&e->t, path), want);
	assert_int_equal(fs_rename(&e->t, path, "/f"), want);
	assert_int_equal(fs_rename(&e->t, "/f", path), want);
}

static void test_every_path_call_resolves_alike(void **state)
{
	struct env e;
	char long_name[FS_NAME_MAX + 3] = "/";
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "x");
	memset(long_name + 1, 'n', FS_NAME_MAX + 1);
	each_path_call(&e, long_name, -FS_ENAMETOOLONG);
	each_path_call(&e, "", -FS_ENOENT);
	each_path_call(&e, "/none/x", -FS_ENOENT);
	each_path_call(&e, "/f/x", -FS_ENOTDIR);
	each_path_call(&e, NULL, -FS_EINVAL);
	assert_file(&e, "/f", "x");
	assert_int_equal(e.fs.nr_inodes, 2);
	env_done(&e);
}

static void test_mkdir_rmdir(void **state)
{
	struct env e;
	struct fs_stat st;
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/d", 0755), 0);
	assert_int_equal(fs_mkdir(&e.t, "/d", 0755), -FS_EEXIST);
	assert_int_equal(fs_mkdir(&e.t, "/", 0755), -FS_EEXIST);
	assert_int_equal(fs_mkdir(&e.t, "/d/.", 0755), -FS_EEXIST);
	assert_int_equal(fs_mkdir(&e.t, "/x/y", 0755), -FS_ENOENT);
	assert_int_equal(fs_mkdir(&e.t, "/d/e/", 0755), 0);
	put_file(&e, "/d/f", "x");
	assert_int_equal(fs_rmdir(&e.t, "/d"), -FS_ENOTEMPTY);
	assert_int_equal(fs_rmdir(&e.t, "/d/f"), -FS_ENOTDIR);
	assert_int_equal(fs_rmdir(&e.t, "/d/nope"), -FS_ENOENT);
	assert_int_equal(fs_rmdir(&e.t, "/"), -FS_EBUSY);
	assert_int_equal(fs_rmdir(&e.t, "/d/e/."), -FS_EINVAL);
	assert_int_equal(fs_rmdir(&e.t, "/d/e/.."), -FS_ENOTEMPTY);
	assert_int_equal(fs_rmdir(&e.t, "/d/e"), 0);
	assert_int_equal(fs_stat(&e.t, "/d", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(fs_unlink(&e.t, "/d/f"), 0);
	assert_int_equal(fs_rmdir(&e.t, "/d/"), 0);
	assert_int_equal(fs_stat(&e.t, "/d", &st), -FS_ENOENT);
	assert_int_equal(fs_stat(&e.t, "/", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(e.fs.nr_inodes, 1);
	env_done(&e);
}

static void test_unlink_errors(void **state)
{
	struct env e;
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/d", 0755), 0);
	put_file(&e, "/f", "x");
	assert_int_equal(fs_unlink(&e.t, "/d"), -FS_EISDIR);
	assert_int_equal(fs_unlink(&e.t, "/nope"), -FS_ENOENT);
	assert_int_equal(fs_unlink(&e.t, "/f/"), -FS_ENOTDIR);
	assert_int_equal(fs_unlink(&e.t, "/f"), 0);
	assert_int_equal(fs_unlink(&e.t, "/f"), -FS_ENOENT);
	env_done(&e);
}

static void test_unlink_open_file_stays_readable(void **state)
{
	struct env e;
	struct fs_stat st;
	char buf[16];
	(void)state;

	env_init(&e, 0);
	put_file(&e, "/f", "still here");
	int fd = fs_open(&e.t, "/f", FS_O_RDWR, 0);
	assert_true(fd >= 0);
	long chunks = e.fs.chunks_used;
	assert_int_equal(fs_unlink(&e.t, "/f"), 0);
	assert_int_equal(fs_stat(&e.t, "/f", &st), -FS_ENOENT);
	assert_int_equal(fs_fstat(&e.t, fd, &st), 0);
	assert_int_equal(st.nlink, 0);
	assert_int_equal(e.fs.chunks_used, chunks); /* data kept */
	assert_int_equal(fs_read(&e.t, fd, buf, sizeof(buf)), 10);
	assert_memory_equal(buf, "still here", 10);
	assert_int_equal(fs_write(&e.t, fd, "!", 1), 1);
	/* a new file of the same name is another file */
	put_file(&e, "/f", "new");
	assert_int_equal(fs_lseek(&e.t, fd, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_read(&e.t, fd, buf, sizeof(buf)), 11);
	assert_memory_equal(buf, "still here!", 11);
	long inodes = e.fs.nr_inodes;
	assert_int_equal(fs_close(&e.t, fd), 0);
	assert_int_equal(e.fs.nr_inodes, inodes - 1); /* freed on close */
	assert_file(&e, "/f", "new");
	env_done(&e);
}

static void test_rename_files(void **state)
{
	struct env e;
	struct fs_stat st, before;
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/d", 0755), 0);
	put_file(&e, "/a", "A");
	put_file(&e, "/b", "B");
	assert_int_equal(fs_stat(&e.t, "/a", &before), 0);
	/* a plain move into another directory */
	assert_int_equal(fs_rename(&e.t, "/a", "/d/a2"), 0);
	assert_int_equal(fs_stat(&e.t, "/a", &st), -FS_ENOENT);
	assert_int_equal(fs_stat(&e.t, "/d/a2", &st), 0);
	assert_int_equal(st.ino, before.ino);
	assert_int_equal(st.nlink, 1);
	/* replacing a file: the old one is gone */
	long inodes = e.fs.nr_inodes;
	assert_int_equal(fs_rename(&e.t, "/b", "/d/a2"), 0);
	assert_int_equal(e.fs.nr_inodes, inodes - 1);
	assert_file(&e, "/d/a2", "B");
	/* onto itself: nothing happens */
	assert_int_equal(fs_rename(&e.t, "/d/a2", "/d/../d/a2"), 0);
	assert_file(&e, "/d/a2", "B");
	/* errors */
	assert_int_equal(fs_rename(&e.t, "/nope", "/x"), -FS_ENOENT);
	assert_int_equal(fs_rename(&e.t, "/d/a2", "/nope/x"), -FS_ENOENT);
	assert_int_equal(fs_rename(&e.t, "/d/a2", "/d"), -FS_EISDIR);
	assert_int_equal(fs_rename(&e.t, "/d/a2", "/x/"), -FS_ENOTDIR);
	assert_int_equal(fs_rename(&e.t, "/d/a2", "/d/.."), -FS_EINVAL);
	assert_int_equal(fs_rename(&e.t, "/", "/x"), -FS_EINVAL);
	assert_file(&e, "/d/a2", "B");
	/* out of memory: nothing changed */
	e.ca.fail_after = 0;
	assert_int_equal(fs_rename(&e.t, "/d/a2", "/c"), -FS_ENOMEM);
	e.ca.fail_after = -1;
	assert_file(&e, "/d/a2", "B");
	env_done(&e);
}

static void test_rename_directories(void **state)
{
	struct env e;
	struct fs_stat st;
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_mkdir(&e.t, "/a", 0755), 0);
	assert_int_equal(fs_mkdir(&e.t, "/a/b", 0755), 0);
	assert_int_equal(fs_mkdir(&e.t, "/c", 0755), 0);
	assert_int_equal(fs_mkdir(&e.t, "/full", 0755), 0);
	put_file(&e, "/a/b/f", "F");
	put_file(&e, "/full/g", "G");
	put_file(&e, "/file", "x");
	/* not into its own subtree, nor onto itself's child */
	assert_int_equal(fs_rename(&e.t, "/a", "/a/b/x"), -FS_EINVAL);
	assert_int_equal(fs_rename(&e.t, "/a", "/a/x"), -FS_EINVAL);
	assert_int_equal(fs_rename(&e.t, "/a", "/full"), -FS_ENOTEMPTY);
	assert_int_equal(fs_rename(&e.t, "/a", "/file"), -FS_ENOTDIR);
	/* onto an empty directory: replaced */
	assert_int_equal(fs_rename(&e.t, "/a/b", "/c"), 0);
	assert_file(&e, "/c/f", "F");
	assert_int_equal(fs_stat(&e.t, "/a", &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(fs_stat(&e.t, "/", &st), 0);
	assert_int_equal(st.nlink, 5); /* a, c, full */
	/* moved under another parent: ".." follows */
	assert_int_equal(fs_rename(&e.t, "/c", "/a/c2/"), 0);
	assert_file(&e, "/a/c2/../c2/f", "F");
	assert_int_equal(fs_stat(&e.t, "/a", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(fs_stat(&e.t, "/", &st), 0);
	assert_int_equal(st.nlink, 4);
	env_done(&e);
}

static void test_chdir_getcwd(void **state)
{
	struct env e;
	char buf[FS_PATH_MAX];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_getcwd(&e.t, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/");
	assert_int_equal(fs_mkdir(&e.t, "/usr", 0755), 0);
	assert_int_equal(fs_mkdir(&e.t, "/usr/lib", 0755), 0);
	put_file(&e, "/usr/f", "x");
	assert_int_equal(fs_chdir(&e.t, "usr/lib"), 0);
	assert_int_equal(fs_getcwd(&e.t, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "/usr/lib");
	assert_int_equal(fs_getcwd(&e.t, buf, 8), -FS_ERANGE);
	assert_int_equal(fs_getcwd(&e.t, buf, 9), 8);
	assert_file(&e, "../f", "x");
	assert_int_equal(fs_chdir(&e.t, "../f"), -FS_ENOTDIR);
	assert_int_equal(fs_chdir(&e.t, "nope"), -FS_ENOENT);
	/* rename of an ancestor: the cwd follows */
	assert_int_equal(fs_rename(&e.t, "/usr", "/opt"), 0);
	assert_int_equal(fs_getcwd(&e.t, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "/opt/lib");
	/* the cwd removed: kept alive, empty, no way back up */
	assert_int_equal(fs_rmdir(&e.t, "/opt/lib"), 0);
	assert_int_equal(fs_getcwd(&e.t, buf, sizeof(buf)), -FS_ENOENT);
	assert_int_equal(fs_open(&e.t, "new", FS_O_CREAT | FS_O_WRONLY, 0644),
			 -FS_ENOENT);
	assert_int_equal(fs_mkdir(&e.t, "new", 0755), -FS_ENOENT);
	struct fs_stat st;
	assert_int_equal(fs_stat(&e.t, ".", &st), 0);
	assert_int_equal(st.nlink, 0);
	assert_int_equal(fs_stat(&e.t, "..", &st), -FS_ENOENT);
	assert_int_equal(fs_rmdir(&e.t, "/opt/f"), -FS_ENOTDIR);
	assert_int_equal(fs_unlink(&e.t, "/opt/f"), 0);
	assert_int_equal(fs_rmdir(&e.t, "/opt"), 0); /* the old parent goes */
	assert_int_equal(fs_chdir(&e.t, "/"), 0);
	assert_int_equal(e.fs.nr_inodes, 1);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolution_dots_and_slashes),
	    cmocka_unit_test(test_resolution_errors),
	    cmocka_unit_test(test_every_path_call_resolves_alike),
	    cmocka_unit_test(test_mkdir_rmdir),
	    cmocka_unit_test(test_unlink_errors),
	    cmocka_unit_test(test_unlink_open_file_stays_readable),
	    cmocka_unit_test(test_rename_files),
	    cmocka_unit_test(test_rename_directories),
	    cmocka_unit_test(test_chdir_getcwd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
