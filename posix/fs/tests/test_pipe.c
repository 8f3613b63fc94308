/*
 * Host tests for posix/fs/pipe.c: data through the ring, would-block,
 * end of file without writers, EPIPE without readers, ends shared by dup
 * and fork, errors.
 */
#include "fs_test.h"

static void test_pipe_roundtrip_and_wrap(void **state)
{
	struct env e;
	struct fs_stat st;
	static uint8_t in[FS_PIPE_BUF], out[FS_PIPE_BUF];
	int p[2];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_pipe(&e.t, p, 0), 0);
	assert_int_equal(p[0], 0);
	assert_int_equal(p[1], 1);
	assert_int_equal(fs_fstat(&e.t, p[0], &st), 0);
	assert_int_equal(st.mode & FS_S_IFMT, FS_S_IFIFO);
	assert_int_equal(fs_read(&e.t, p[1], out, 1), -FS_EBADF);
	assert_int_equal(fs_write(&e.t, p[0], in, 1), -FS_EBADF);
	assert_int_equal(fs_lseek(&e.t, p[0], 0, FS_SEEK_SET), -FS_ESPIPE);
	/* empty with a writer: would block */
	assert_int_equal(fs_read(&e.t, p[0], out, 1), -FS_EAGAIN);
	for (unsigned k = 0; k < sizeof(in); k++)
		in[k] = (uint8_t)(k * 13);
	/* many rounds of odd sizes: the ring wraps */
	for (unsigned round = 0, off = 0; round < 50; round++) {
		unsigned n = 1000 + round * 37;
		for (unsigned k = 0; k < n; k++)
			in[k] = (uint8_t)(off + k);
		assert_int_equal(fs_write(&e.t, p[1], in, n), n);
		assert_int_equal(fs_fstat(&e.t, p[1], &st), 0);
		assert_int_equal(st.size, n);
		assert_int_equal(fs_read(&e.t, p[0], out, sizeof(out)), n);
		assert_memory_equal(in, out, n);
		off += n;
	}
	/* full: a write of up to FS_PIPE_BUF waits for room for all of it */
	assert_int_equal(fs_write(&e.t, p[1], in, FS_PIPE_BUF - 10),
			 FS_PIPE_BUF - 10);
	assert_int_equal(fs_write(&e.t, p[1], in, 11), -FS_EAGAIN);
	assert_int_equal(fs_write(&e.t, p[1], in, 10), 10);
	assert_int_equal(fs_write(&e.t, p[1], in, 1), -FS_EAGAIN);
	assert_int_equal(fs_write(&e.t, p[1], in, 0), 0);
	assert_int_equal(fs_read(&e.t, p[0], out, 100), 100);
	static uint8_t bigger[FS_PIPE_BUF + 500];
	/* a bigger write takes what fits */
	assert_int_equal(fs_write(&e.t, p[1], bigger, sizeof(bigger)), 100);
	assert_int_equal(fs_close(&e.t, p[0]), 0);
	assert_int_equal(fs_close(&e.t, p[1]), 0);
	assert_int_equal(e.fs.nr_inodes, 1);
	env_done(&e);
}

static void test_pipe_eof_when_no_writers(void **state)
{
	struct env e;
	struct fs_fdtable child;
	char buf[8];
	int p[2];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_pipe(&e.t, p, 0), 0);
	fdtable_fork(&e.t, &child);
	int w2 = fs_dup(&e.t, p[1]);
	assert_int_equal(fs_write(&child, p[1], "hi", 2), 2);
	/* writers remain (the parent's two names, one description) */
	assert_int_equal(fs_close(&child, p[1]), 0);
	assert_int_equal(fs_close(&e.t, p[1]), 0);
	assert_int_equal(fs_read(&child, p[0], buf, 8), 2);
	assert_int_equal(fs_read(&child, p[0], buf, 8), -FS_EAGAIN);
	/* the last writer gone: what is left, then end of file */
	assert_int_equal(fs_write(&e.t, w2, "!", 1), 1);
	assert_int_equal(fs_close(&e.t, w2), 0);
	assert_int_equal(fs_read(&child, p[0], buf, 8), 1);
	assert_int_equal(fs_read(&child, p[0], buf, 8), 0);
	assert_int_equal(fs_read(&e.t, p[0], buf, 8), 0);
	fdtable_destroy(&child);
	env_done(&e);
}

static void test_pipe_epipe_when_no_readers(void **state)
{
	struct env e;
	int p[2];
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_pipe(&e.t, p, FS_O_NONBLOCK), 0);
	int r2 = fs_dup(&e.t, p[0]);
	assert_int_equal(fs_close(&e.t, p[0]), 0);
	assert_int_equal(fs_write(&e.t, p[1], "a", 1), 1); /* r2 reads */
	assert_int_equal(fs_close(&e.t, r2), 0);
	assert_int_equal(fs_write(&e.t, p[1], "a", 1), -FS_EPIPE);
	assert_int_equal(fs_write(&e.t, p[1], "a", 0), -FS_EPIPE);
	/* the buffer lives until the write end goes too */
	assert_int_equal(e.fs.chunks_used, 1);
	assert_int_equal(fs_close(&e.t, p[1]), 0);
	assert_int_equal(e.fs.chunks_used, 0);
	env_done(&e);
}

static void test_pipe_errors(void **state)
{
	struct env e;
	int p[2] = {-1, -1};
	(void)state;

	env_init(&e, 0);
	assert_int_equal(fs_pipe(&e.t, p, FS_O_APPEND), -FS_EINVAL);
	/* each allocation refused in turn: nothing left behind */
	for (long ok = 0; ok < 4; ok++) {
		e.ca.fail_after = ok;
		assert_int_equal(fs_pipe(&e.t, p, 0), -FS_ENOMEM);
		e.ca.fail_after = -1;
		assert_int_equal(e.ca.live, 1); /* the root */
		assert_int_equal(e.fs.nr_inodes, 1);
		assert_int_equal(e.fs.chunks_used, 0);
		assert_int_equal(fdtable_count(&e.t), 0);
	}
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pipe_roundtrip_and_wrap),
	    cmocka_unit_test(test_pipe_eof_when_no_writers),
	    cmocka_unit_test(test_pipe_epipe_when_no_readers),
	    cmocka_unit_test(test_pipe_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
