/*
 * Host tests for posix/fs/archive.c: a good archive loads; every
 * malformation gives its own clean error and creates nothing; every
 * truncation and every single-byte corruption is refused or loaded,
 * never a crash, and all memory comes back.
 */
#include "fs_test.h"

/* An archive under construction (the format of fs/archive.h). */
struct ar {
	uint8_t b[8192];
	uint32_t len, nr;
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void ar_begin(struct ar *a)
{
	memset(a, 0, sizeof(*a));
	a->len = FS_ARCHIVE_HEADER_SIZE;
}

/* Appends an entry with path_len bytes of path (any bytes). */
static uint32_t ar_add_raw(struct ar *a, uint32_t mode, const char *path,
			   uint32_t path_len, const void *data, uint32_t size)
{
	uint32_t at = a->len;
	uint8_t *e = a->b + at;

	put32(e, mode);
	put32(e + 4, size);
	put16(e + 8, path_len);
	memcpy(e + FS_ARCHIVE_ENTRY_SIZE, path, path_len);
	a->len += FS_ARCHIVE_ENTRY_SIZE + ((path_len + 3) & ~3u);
	memcpy(a->b + a->len, data, size);
	a->len += (size + 3) & ~3u;
	assert_true(a->len <= sizeof(a->b));
	a->nr++;
	return at;
}

static uint32_t ar_add(struct ar *a, uint32_t mode, const char *path,
		       const char *data)
{
	return ar_add_raw(a, mode, path, (uint32_t)strlen(path), data,
			  data ? (uint32_t)strlen(data) : 0);
}

static void ar_end(struct ar *a)
{
	put32(a->b, FS_ARCHIVE_MAGIC);
	put16(a->b + 4, FS_ARCHIVE_VERSION);
	put16(a->b + 6, FS_ARCHIVE_HEADER_SIZE);
	put32(a->b + 8, a->nr);
	put32(a->b + 12, a->len);
}

static void sample(struct ar *a)
{
	ar_begin(a);
	ar_add(a, FS_S_IFDIR | 0755, "etc", NULL);
	ar_add(a, FS_S_IFREG | 0600, "etc/motd", "welcome");
	ar_add(a, FS_S_IFDIR | 0700, "etc/x", NULL);
	ar_add(a, FS_S_IFREG | 0644, "etc/x/empty", "");
	ar_add(a, FS_S_IFREG | 0755, "run", "#!");
	ar_end(a);
}

static void test_load_good_archive(void **state)
{
	struct env e;
	struct ar a;
	struct fs_archive_fault f;
	struct fs_stat st;
	(void)state;

	sample(&a);
	env_init(&e, 0);
	assert_int_equal(fs_archive_load(&e.fs, a.b, a.len, &f), 0);
	assert_int_equal(f.code, FS_AR_OK);
	assert_file(&e, "/etc/motd", "welcome");
	assert_file(&e, "/run", "#!");
	assert_int_equal(fs_stat(&e.t, "/etc/x/empty", &st), 0);
	assert_int_equal(st.mode, FS_S_IFREG | 0644);
	assert_int_equal(st.size, 0);
	assert_int_equal(fs_stat(&e.t, "/etc/x", &st), 0);
	assert_int_equal(st.mode, FS_S_IFDIR | 0700);
	assert_int_equal(fs_stat(&e.t, "/etc", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(e.fs.nr_inodes, 6);
	env_done(&e);
	/* an empty archive, and one longer than its total (the region) */
	ar_begin(&a);
	ar_end(&a);
	env_init(&e, 0);
	assert_int_equal(fs_archive_load(&e.fs, a.b, sizeof(a.b), &f), 0);
	assert_int_equal(e.fs.nr_inodes, 1);
	env_done(&e);
}

/* Loads a.b (len bytes) into a fresh fs: the error, fault code and
 * entry; checks nothing was created for a malformed archive. */
static void expect(struct ar *a, uint32_t len, int err,
		   enum fs_archive_err code, uint32_t entry)
{
	struct env e;
	struct fs_archive_fault f;

	env_init(&e, 0);
	assert_int_equal(fs_archive_load(&e.fs, a->b, len, &f), err);
	assert_int_equal(f.code, code);
	assert_int_equal(f.entry, entry);
	if (err == -FS_EINVAL)
		assert_int_equal(e.fs.nr_inodes, 1);
	env_done(&e);
}

static void test_header_errors(void **state)
{
	struct ar a;
	(void)state;

	sample(&a);
	expect(&a, 0, -FS_EINVAL, FS_AR_TRUNCATED, 0);
	expect(&a, FS_ARCHIVE_HEADER_SIZE - 1, -FS_EINVAL, FS_AR_TRUNCATED, 0);
	expect(&a, a.len - 1, -FS_EINVAL, FS_AR_TRUNCATED, 0);
	a.b[0] ^= 1;
	expect(&a, a.len, -FS_EINVAL, FS_AR_MAGIC, 0);
	sample(&a);
	put16(a.b + 4, 2);
	expect(&a, a.len, -FS_EINVAL, FS_AR_VERSION, 0);
	sample(&a);
	put16(a.b + 6, 20);
	expect(&a, a.len, -FS_EINVAL, FS_AR_HEADER_SIZE, 0);
	sample(&a);
	put32(a.b + 12, 8); /* total below the header */
	expect(&a, a.len, -FS_EINVAL, FS_AR_TRUNCATED, 0);
	sample(&a);
	put32(a.b + 8, 6); /* one entry more than there is */
	expect(&a, a.len, -FS_EINVAL, FS_AR_ENTRY_BOUNDS, 5);
	sample(&a);
	put32(a.b + 8, UINT32_MAX);
	expect(&a, a.len, -FS_EINVAL, FS_AR_ENTRY_BOUNDS, 5);
	sample(&a);
	put32(a.b + 8, 4); /* the last entry left over */
	expect(&a, a.len, -FS_EINVAL, FS_AR_TRAILING, 4);
	expect(&a, FS_ARCHIVE_HEADER_SIZE, -FS_EINVAL, FS_AR_TRUNCATED, 0);
}

static void test_entry_errors(void **state)
{
	struct ar a;
	char name[FS_PATH_MAX + 4];
	(void)state;

	/* each path a bad one, alone in the archive */
	const char *bad_paths[] = {"/etc", "etc/", "a//b", ".",
				   "..",   "a/.",  "../x", "a/../b"};
	for (unsigned k = 0; k < sizeof(bad_paths) / sizeof(*bad_paths); k++) {
		ar_begin(&a);
		ar_add(&a, FS_S_IFDIR | 0755, bad_paths[k], NULL);
		ar_end(&a);
		expect(&a, a.len, -FS_EINVAL, FS_AR_PATH, 0);
	}
	ar_begin(&a);
	ar_add_raw(&a, FS_S_IFREG, "", 0, NULL, 0);
	ar_end(&a);
	expect(&a, a.len, -FS_EINVAL, FS_AR_PATH, 0);
	ar_begin(&a);
	ar_add_raw(&a, FS_S_IFREG, "a\0b", 3, NULL, 0);
	ar_end(&a);
	expect(&a, a.len, -FS_EINVAL, FS_AR_PATH, 0);
	/* a name one byte too long, then a path at FS_PATH_MAX */
	memset(name, 'n', sizeof(name));
	ar_begin(&a);
	ar_add_raw(&a, FS_S_IFREG, name, FS_NAME_MAX + 1, NULL, 0);
	ar_end(&a);
	expect(&a, a.len, -FS_EINVAL, FS_AR_PATH, 0);
	for (unsigned k = 10; k < FS_PATH_MAX; k += 11)
		name[k] = '/';
	ar_begin(&a);
	ar_add_raw(&a, FS_S_IFREG, name, FS_PATH_MAX, NULL, 0);
	ar_end(&a);
	expect(&a, a.len, -FS_EINVAL, FS_AR_PATH, 0);
	/* modes: a symlink, a FIFO, bits beyond the permissions */
	const uint32_t bad_modes[] = {0120777, FS_S_IFIFO | 0644, 0,
				      FS_S_IFREG | 010000 << 4};
	for (unsigned k = 0; k < sizeof(bad_modes) / sizeof(*bad_modes); k++) {
		ar_begin(&a);
		ar_add(&a, bad_modes[k], "f", "x");
		ar_end(&a);
		expect(&a, a.len, -FS_EINVAL, FS_AR_MODE, 0);
	}
	ar_begin(&a);
	ar_add(&a, FS_S_IFDIR | 0755, "d", "data");
	ar_end(&a);
	expect(&a, a.len, -FS_EINVAL, FS_AR_DIR_SIZE, 0);
	/* reserved field, path padding, data padding */
	uint32_t at;
	ar_begin(&a);
	ar_add(&a, FS_S_IFREG, "ok", "x");
	at = ar_add(&a, FS_S_IFREG, "f", "x");
	ar_end(&a);
	a.b[at + 10] = 1;
	expect(&a, a.len, -FS_EINVAL, FS_AR_RESERVED, 1);
	a.b[at + 10] = 0;
	a.b[at + FS_ARCHIVE_ENTRY_SIZE + 1] = 1;
	expect(&a, a.len, -FS_EINVAL, FS_AR_RESERVED, 1);
	a.b[at + FS_ARCHIVE_ENTRY_SIZE + 1] = 0;
	a.b[at + FS_ARCHIVE_ENTRY_SIZE + 4 + 1] = 1;
	expect(&a, a.len, -FS_EINVAL, FS_AR_RESERVED, 1);
	a.b[at + FS_ARCHIVE_ENTRY_SIZE + 4 + 1] = 0;
	expect(&a, a.len, 0, FS_AR_OK, 0);
	/* sizes that run past the end, including ones that would wrap */
	const uint32_t sizes[] = {5, 0xfffffffd, 0xffffffff, FS_FILE_MAX + 1};
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		put32(a.b + at + 4, sizes[k]);
		expect(&a, a.len, -FS_EINVAL,
		       sizes[k] > FS_FILE_MAX ? FS_AR_FILE_SIZE
					      : FS_AR_ENTRY_BOUNDS,
		       1);
	}
	put32(a.b + at + 4, 1);
	put16(a.b + at + 8, 0xffff); /* path length past the end */
	expect(&a, a.len, -FS_EINVAL, FS_AR_PATH, 1);
	put16(a.b + at + 8, 200);
	expect(&a, a.len, -FS_EINVAL, FS_AR_ENTRY_BOUNDS, 1);
}

static void test_tree_errors(void **state)
{
	struct ar a;
	struct env e;
	struct fs_archive_fault f;
	(void)state;

	ar_begin(&a);
	ar_add(&a, FS_S_IFREG, "a/b", "x"); /* before its folder */
	ar_end(&a);
	expect(&a, a.len, -FS_ENOENT, FS_AR_NO_PARENT, 0);
	ar_begin(&a);
	ar_add(&a, FS_S_IFREG, "a", "x");
	ar_add(&a, FS_S_IFREG, "a/b", "x");
	ar_end(&a);
	expect(&a, a.len, -FS_ENOTDIR, FS_AR_NO_PARENT, 1);
	ar_begin(&a);
	ar_add(&a, FS_S_IFDIR, "a", NULL);
	ar_add(&a, FS_S_IFREG, "a", "x");
	ar_end(&a);
	expect(&a, a.len, -FS_EEXIST, FS_AR_DUPLICATE, 1);
	/* out of chunks, then out of memory, part way: a clean error */
	sample(&a);
	env_init(&e, 1);
	assert_int_equal(fs_archive_load(&e.fs, a.b, a.len, &f), -FS_ENOSPC);
	assert_int_equal(f.code, FS_AR_NO_SPACE);
	assert_int_equal(f.entry, 4);
	env_done(&e);
	for (long ok = 0; ok < 12; ok++) {
		env_init(&e, 0);
		e.ca.fail_after = ok;
		int err = fs_archive_load(&e.fs, a.b, a.len, &f);
		e.ca.fail_after = -1;
		assert_true(err == -FS_ENOMEM || err == -FS_ENOSPC || err == 0);
		assert_int_equal(f.code, err ? FS_AR_NO_SPACE : FS_AR_OK);
		env_done(&e);
	}
}

/* Every truncation and every byte changed (to a few values): no crash,
 * an error with a fault inside the archive or a tree, no leak. */
static void test_corruptions(void **state)
{
	struct ar a, c;
	struct env e;
	struct fs_archive_fault f;
	unsigned loaded = 0, refused = 0;
	(void)state;

	sample(&a);
	for (uint32_t len = 0; len < a.len; len++) {
		env_init(&e, 0);
		assert_int_equal(fs_archive_load(&e.fs, a.b, len, &f),
				 -FS_EINVAL);
		env_done(&e);
	}
	const uint8_t xors[] = {0x01, 0x80, 0xff, 0x2e, 0x2f};
	for (uint32_t at = 0; at < a.len; at++) {
		for (unsigned k = 0; k < sizeof(xors); k++) {
			c = a;
			c.b[at] ^= xors[k];
			env_init(&e, 0);
			int err = fs_archive_load(&e.fs, c.b, c.len, &f);
			if (err) {
				refused++;
				assert_true(f.code != FS_AR_OK);
				assert_true(
				    f.offset <=
				    c.len); /* at the end: a missing entry */
				assert_true(f.entry <= a.nr);
				assert_non_null(fs_archive_strerror(f.code));
			} else {
				loaded++;
			}
			env_done(&e);
		}
	}
	/* data and permission bytes may change and still load */
	assert_true(loaded > 0);
	assert_true(refused > loaded);
	assert_string_equal(fs_archive_strerror((enum fs_archive_err)99),
			    "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_good_archive),
	    cmocka_unit_test(test_header_errors),
	    cmocka_unit_test(test_entry_errors),
	    cmocka_unit_test(test_tree_errors),
	    cmocka_unit_test(test_corruptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
