/*
 * What every posix/fs host test shares: a counting allocator (every
 * allocation and its size checked on free, failures injectable), a fresh
 * file system with one process table, and the end-of-test check that
 * everything was given back.
 */
#ifndef FS_TEST_H
#define FS_TEST_H

#include "../../../libc/tests/host_rename.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fs/archive.h>
#include <fs/file.h>
#include <fs/path.h>
#include <fs/pipe.h>

struct counting_alloc {
	long live; /* allocations not yet freed */
	long live_bytes;
	long total;	 /* allocations ever made */
	long fail_after; /* refuse once this many more succeeded; -1 never */
};

/* Each block carries its size in front, so a free with another size (or
 * a pointer not from here) fails the test. */
static void *ca_alloc(void *ctx, size_t size)
{
	struct counting_alloc *ca = ctx;

	if (ca->fail_after == 0)
		return NULL;
	if (ca->fail_after > 0)
		ca->fail_after--;
	size_t *p = malloc(size + 16);
	assert_non_null(p);
	p[0] = size;
	p[1] = 0x5eed;
	ca->live++;
	ca->live_bytes += (long)size;
	ca->total++;
	memset(p + 2, 0xa5, size); /* callers must not expect zeros */
	return (char *)p + 16;
}

static void ca_free(void *ctx, void *ptr, size_t size)
{
	struct counting_alloc *ca = ctx;
	size_t *p = (size_t *)((char *)ptr - 16);

	assert_int_equal(p[1], 0x5eed);
	assert_int_equal(p[0], size);
	p[1] = 0;
	ca->live--;
	ca->live_bytes -= (long)size;
	free(p);
}

struct env {
	struct counting_alloc ca;
	struct fs fs;
	struct fs_fdtable t;
};

static inline void env_init(struct env *e, uint32_t max_chunks)
{
	memset(e, 0, sizeof(*e));
	e->ca.fail_after = -1;
	struct fs_alloc a = {ca_alloc, ca_free, &e->ca};
	assert_int_equal(fs_init(&e->fs, &a, max_chunks), 0);
	fdtable_init(&e->t, &e->fs);
}

/* Everything closed and freed: counters back to zero. */
static inline void env_done(struct env *e)
{
	fdtable_destroy(&e->t);
	assert_int_equal(e->fs.nr_files, 0);
	fs_destroy(&e->fs);
	assert_int_equal(e->fs.nr_inodes, 0);
	assert_int_equal(e->fs.chunks_used, 0);
	assert_int_equal(e->ca.live, 0);
	assert_int_equal(e->ca.live_bytes, 0);
}

static inline int put_file(struct env *e, const char *path, const char *text)
{
	int fd =
	    fs_open(&e->t, path, FS_O_WRONLY | FS_O_CREAT | FS_O_TRUNC, 0644);
	assert_true(fd >= 0);
	uint32_t n = (uint32_t)strlen(text);
	assert_int_equal(fs_write(&e->t, fd, text, n), n);
	assert_int_equal(fs_close(&e->t, fd), 0);
	return 0;
}

static inline void assert_file(struct env *e, const char *path,
			       const char *text)
{
	char buf[256];
	int fd = fs_open(&e->t, path, FS_O_RDONLY, 0);
	assert_true(fd >= 0);
	int32_t n = fs_read(&e->t, fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
	assert_int_equal(fs_close(&e->t, fd), 0);
}

#endif
