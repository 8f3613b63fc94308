/*
 * Host tests for the lz4 frame decoder: frames made at test time by the lz4
 * command-line tool over many sizes, data shapes and frame options must
 * decode exactly; hand-made and corrupted frames must be refused with the
 * specific error, without touching memory outside the buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <loader/lz4frame.h>
#include <loader/xxh32.h>

#define REQ LZ4F_REQUIRE_CONTENT_CHECKSUM
#define KiB 1024u
#define MiB (1024u * 1024u)

static char tmpdir[64];
static char in_path[96], out_path[96];

/* ---- data shapes ---------------------------------------------------- */

enum shape { RANDOM, ZEROS, PERIOD3, PERIOD7, PERIOD1000, MIXED, NR_SHAPES };

static const char *const shape_name[] = {"random",  "zeros",	  "period3",
					 "period7", "period1000", "mixed"};

static uint32_t rng_state;

static uint32_t rng(void)
{
	/* xorshift32: deterministic, so failures reproduce */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/*
 * MIXED alternates random runs with copies from earlier at assorted
 * distances (1..9 and far), so the compressor emits literals and matches of
 * every offset class and alignment.
 */
static void fill_mixed(uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 1 + rng() % 40;

		if (run > n - i)
			run = n - i;
		if (i < 16 || rng() % 3 == 0) {
			for (size_t k = 0; k < run; k++)
				p[i + k] = (uint8_t)(rng() % 16 + 'a');
		} else {
			size_t dist = rng() % 4 ? 1 + rng() % 9 : 1 + rng() % i;

			if (dist > i)
				dist = i;
			for (size_t k = 0; k < run; k++)
				p[i + k] = p[i + k - dist];
		}
		i += run;
	}
}

static uint8_t *make_data(enum shape s, size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	rng_state = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		switch (s) {
		case RANDOM:
			p[i] = (uint8_t)(rng() >> 7);
			break;
		case ZEROS:
			p[i] = 0;
			break;
		case PERIOD3:
			p[i] = (uint8_t)(i % 3 * 91 + 1);
			break;
		case PERIOD7:
			p[i] = (uint8_t)(i % 7 * 37 + 5);
			break;
		case PERIOD1000:
			p[i] = (uint8_t)((i % 1000) * 2654435761u >> 24);
			break;
		default:
			break;
		}
	}
	if (s == MIXED)
		fill_mixed(p, n);
	return p;
}

/* ---- the lz4 tool --------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	p = malloc((size_t)size + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*n = (size_t)size;
	return p;
}

/* Compress with the lz4 tool and the given options; returns the frame. */
static uint8_t *lz4_tool(const uint8_t *data, size_t n, const char *opts,
			 size_t *frame_len)
{
	char cmd[512];

	write_file(in_path, data, n);
	snprintf(cmd, sizeof(cmd), "lz4 -q -f %s %s %s", opts, in_path,
		 out_path);
	if (system(cmd) != 0)
		fail_msg("'%s' failed on %zu bytes", cmd, n);
	return read_file(out_path, frame_len);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_lz4frame.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(in_path, sizeof(in_path), "%s/in", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/in.lz4", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(in_path);
	unlink(out_path);
	return rmdir(tmpdir);
}

/* ---- helpers -------------------------------------------------------- */

static int decode(const uint8_t *frame, size_t flen, uint8_t *dst, size_t cap,
		  unsigned flags, size_t *out)
{
	*out = 12345;
	return lz4f_decode(frame, flen, dst, cap, flags, out);
}

#define assert_lz4f(expr, want)                                                \
	do {                                                                   \
		int got_ = (expr);                                             \
		if (got_ != (want))                                            \
			fail_msg("%s: got %d (%s) want %d (%s)", #expr, got_,  \
				 lz4f_strerror(got_), (want),                  \
				 lz4f_strerror(want));                         \
	} while (0)

/*
 * Decode into an exactly sized heap buffer (so valgrind sees any overrun)
 * and compare; then show one byte less of room is refused.
 */
static void check_roundtrip(const uint8_t *data, size_t n, const char *opts)
{
	bool crc = !strstr(opts, "--no-frame-crc");
	size_t flen, got;
	uint8_t *frame = lz4_tool(data, n, opts, &flen);
	uint8_t *dst = malloc(n ? n : 1);

	assert_non_null(dst);
	if (crc) {
		assert_lz4f(decode(frame, flen, dst, n, REQ, &got), LZ4F_OK);
	} else {
		assert_lz4f(decode(frame, flen, dst, n, REQ, &got),
			    LZ4F_ERR_NO_CONTENT_CHECKSUM);
		assert_int_equal(got, 0);
		assert_lz4f(decode(frame, flen, dst, n, 0, &got), LZ4F_OK);
	}
	if (got != n || memcmp(dst, data, n) != 0)
		fail_msg("opts '%s' len %zu: decoded %zu bytes differ", opts, n,
			 got);
	free(dst);

	if (n > 0) {
		dst = malloc(n - 1 ? n - 1 : 1);
		assert_non_null(dst);
		assert_lz4f(decode(frame, flen, dst, n - 1, 0, &got),
			    LZ4F_ERR_OUTPUT_OVERFLOW);
		assert_int_equal(got, 0);
		free(dst);
	}
	free(frame);
}

static const char *const block_opts[] = {"-B4", "-B5", "-B6", "-B7"};
static const char *const link_opts[] = {"", "-BD"};
static const char *const csum_opts[] = {"", "-BX"};
static const char *const size_opts[] = {"", "--content-size"};

/* Every block size / linking / block checksum / content size combination. */
static void check_all_options(const uint8_t *data, size_t n)
{
	char opts[128];

	for (int b = 0; b < 4; b++)
		for (int l = 0; l < 2; l++)
			for (int c = 0; c < 2; c++)
				for (int s = 0; s < 2; s++) {
					snprintf(opts, sizeof(opts),
						 "%s %s %s %s", block_opts[b],
						 link_opts[l], csum_opts[c],
						 size_opts[s]);
					check_roundtrip(data, n, opts);
				}
}

/* ---- round trips with the lz4 tool ---------------------------------- */

static void test_tool_tiny_sizes(void **state)
{
	static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 12, 13, 15, 16, 17};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int s = 0; s < NR_SHAPES; s++) {
			uint8_t *d = make_data(s, sizes[i], (uint32_t)i);

			check_all_options(d, sizes[i]);
			free(d);
		}
}

static void test_tool_small_sizes(void **state)
{
	static const size_t sizes[] = {100, 1000, 4095, 4096, 4097, 30000};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int s = 0; s < NR_SHAPES; s++) {
			uint8_t *d = make_data(s, sizes[i], (uint32_t)i + 7);

			check_roundtrip(d, sizes[i], "-B4 -BD --content-size");
			check_roundtrip(d, sizes[i], "-B5 -BX");
			check_roundtrip(d, sizes[i], "--no-frame-crc");
			free(d);
		}
}

/* Sizes around the 64 KiB block and 64 KiB window boundaries. */
static void test_tool_64k_boundaries(void **state)
{
	/*
	 * Not 65529..65535: lz4 1.9.4 itself fails on those sizes with -B4
	 * (upstream issue #1374, "ERROR_dstMaxSize_tooSmall"; -BX widens it).
	 */
	static const size_t sizes[] = {65528,  65536,  65537,  131071,
				       131072, 131073, 262144, 262145};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int s = 0; s < NR_SHAPES; s++) {
			uint8_t *d = make_data(s, sizes[i], (uint32_t)i + 99);

			check_roundtrip(d, sizes[i], "-B4 -BD");
			check_roundtrip(d, sizes[i], "-B4 -BX --content-size");
			check_roundtrip(d, sizes[i], "-B5 -BD -BX");
			free(d);
		}
	/* every option combination on one boundary size */
	uint8_t *d = make_data(MIXED, 65537, 5);
	check_all_options(d, 65537);
	free(d);
}

/* Several MiB, crossing the 1 MiB and 4 MiB block boundaries. */
static void test_tool_large(void **state)
{
	static const char *const opts[] = {
	    "-B4 -BD --content-size",
	    "-B5 -BX",
	    "-B6 -BD -BX",
	    "-B7 --content-size",
	    "-B7 -BD -BX --content-size",
	    "-B7 --no-frame-crc",
	};
	const size_t n = 5 * MiB + 3;

	(void)state;
	for (int s = 0; s < NR_SHAPES; s++) {
		uint8_t *d = make_data(s, n, 1234);

		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
			check_roundtrip(d, n, opts[i]);
		free(d);
	}
}

/* Exactly at the 4 MiB block size and one byte either side. */
static void test_tool_4m_boundary(void **state)
{
	static const size_t sizes[] = {4 * MiB - 1, 4 * MiB, 4 * MiB + 1};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		uint8_t *d = make_data(MIXED, sizes[i], 77);

		check_roundtrip(d, sizes[i], "-B7 -BD -BX --content-size");
		free(d);
		d = make_data(RANDOM, sizes[i], 78);
		check_roundtrip(d, sizes[i], "-B7");
		free(d);
	}
}

/* Input and output at every byte misalignment decode the same. */
static void test_alignment(void **state)
{
	const size_t n = 200000;
	uint8_t *d = make_data(MIXED, n, 3);
	size_t flen, got;
	uint8_t *frame = lz4_tool(d, n, "-B4 -BD -BX", &flen);
	uint8_t *src = malloc(flen + 8), *dst = malloc(n + 8);

	(void)state;
	assert_non_null(src);
	assert_non_null(dst);
	for (int si = 0; si < 4; si++)
		for (int di = 0; di < 4; di++) {
			memcpy(src + si, frame, flen);
			memset(dst, 0xEE, n + 8);
			assert_lz4f(
			    decode(src + si, flen, dst + di, n, REQ, &got),
			    LZ4F_OK);
			assert_int_equal(got, n);
			assert_memory_equal(dst + di, d, n);
			/* nothing written outside [di, di + n) */
			for (int k = 0; k < di; k++)
				assert_int_equal(dst[k], 0xEE);
			for (size_t k = di + n; k < n + 8; k++)
				assert_int_equal(dst[k], 0xEE);
		}
	free(src);
	free(dst);
	free(frame);
	free(d);
}

/* A bigger buffer than needed is fine and untouched past the output. */
static void test_roomy_output(void **state)
{
	const size_t n = 70000;
	uint8_t *d = make_data(PERIOD7, n, 1);
	size_t flen, got;
	uint8_t *frame = lz4_tool(d, n, "-B4", &flen);
	uint8_t *dst = malloc(n + 4096);

	(void)state;
	memset(dst, 0x5A, n + 4096);
	assert_lz4f(decode(frame, flen, dst, n + 4096, REQ, &got), LZ4F_OK);
	assert_int_equal(got, n);
	assert_memory_equal(dst, d, n);
	for (size_t k = n; k < n + 4096; k++)
		assert_int_equal(dst[k], 0x5A);
	free(dst);
	free(frame);
	free(d);
}

/* ---- corrupted tool frames ------------------------------------------ */

struct tool_frame {
	uint8_t *data;
	size_t n;
	uint8_t *frame;
	size_t flen;
	uint8_t *dst;
};

static void tool_frame(struct tool_frame *t, enum shape s, size_t n,
		       const char *opts)
{
	t->data = make_data(s, n, 42);
	t->n = n;
	t->frame = lz4_tool(t->data, n, opts, &t->flen);
	t->dst = malloc(n ? n : 1);
	assert_non_null(t->dst);
}

static void tool_frame_free(struct tool_frame *t)
{
	free(t->data);
	free(t->frame);
	free(t->dst);
}

static int decode_tf(struct tool_frame *t, const uint8_t *frame, size_t flen)
{
	size_t got;
	int rc = decode(frame, flen, t->dst, t->n, REQ, &got);

	if (rc == LZ4F_OK)
		assert_int_equal(got, t->n);
	else
		assert_int_equal(got, 0);
	return rc;
}

static void test_bad_magic(void **state)
{
	struct tool_frame t;

	(void)state;
	tool_frame(&t, MIXED, 1000, "");
	for (int i = 0; i < 4; i++)
		for (int bit = 0; bit < 8; bit++) {
			t.frame[i] ^= (uint8_t)(1 << bit);
			assert_lz4f(decode_tf(&t, t.frame, t.flen),
				    LZ4F_ERR_MAGIC);
			t.frame[i] ^= (uint8_t)(1 << bit);
		}
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_OK);
	/* Skippable frames are not image content. */
	for (unsigned m = 0; m < 16; m++) {
		t.frame[0] = (uint8_t)(0x50 + m);
		t.frame[1] = 0x2A;
		assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_ERR_MAGIC);
	}
	tool_frame_free(&t);
}

/* Flip each descriptor bit; the expected error follows from the bit. */
static void test_bad_descriptor(void **state)
{
	struct tool_frame t;

	(void)state;
	tool_frame(&t, MIXED, 5000, "-B5 -BX --content-size");
	assert_int_equal(t.frame[4] & 0x08, 0x08); /* content size present */
	for (int byte = 4; byte <= 5; byte++)
		for (int bit = 0; bit < 8; bit++) {
			uint8_t flg, bd;
			int want;

			t.frame[byte] ^= (uint8_t)(1 << bit);
			flg = t.frame[4];
			bd = t.frame[5];
			if ((flg & 0xC0) != 0x40)
				want = LZ4F_ERR_VERSION;
			else if ((flg & 0x02) || (bd & 0x8F))
				want = LZ4F_ERR_RESERVED_BITS;
			else if (flg & 0x01)
				want = LZ4F_ERR_DICT_ID;
			else if (((bd >> 4) & 7) < 4)
				want = LZ4F_ERR_BLOCK_SIZE;
			else
				want = 1; /* decided below */
			if (want == 1) {
				size_t dlen = (flg & 0x08) ? 10 : 2;
				uint8_t hc =
				    (uint8_t)(xxh32(t.frame + 4, dlen, 0) >> 8);

				/* a real mismatch unless the byte collides */
				if (hc != t.frame[4 + dlen])
					want = LZ4F_ERR_HEADER_CHECKSUM;
			}
			if (want == 1)
				assert_int_not_equal(
				    decode_tf(&t, t.frame, t.flen), LZ4F_OK);
			else
				assert_lz4f(decode_tf(&t, t.frame, t.flen),
					    want);
			t.frame[byte] ^= (uint8_t)(1 << bit);
		}
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_OK);
	tool_frame_free(&t);
}

static void test_bad_header_checksum(void **state)
{
	struct tool_frame t;

	(void)state;
	tool_frame(&t, RANDOM, 300, "--content-size");
	/* magic(4) FLG BD size(8) HC */
	for (int bit = 0; bit < 8; bit++) {
		t.frame[14] ^= (uint8_t)(1 << bit);
		assert_lz4f(decode_tf(&t, t.frame, t.flen),
			    LZ4F_ERR_HEADER_CHECKSUM);
		t.frame[14] ^= (uint8_t)(1 << bit);
	}
	/* content size bytes are covered by the header checksum */
	for (int i = 6; i < 14; i++) {
		t.frame[i] ^= 0x01;
		uint8_t hc = (uint8_t)(xxh32(t.frame + 4, 10, 0) >> 8);
		if (hc != t.frame[14])
			assert_lz4f(decode_tf(&t, t.frame, t.flen),
				    LZ4F_ERR_HEADER_CHECKSUM);
		else
			assert_int_not_equal(decode_tf(&t, t.frame, t.flen),
					     LZ4F_OK);
		t.frame[i] ^= 0x01;
	}
	tool_frame_free(&t);
}

/* Rewrite the content size field and fix up the header checksum. */
static void set_content_size(uint8_t *frame, uint64_t size)
{
	for (int i = 0; i < 8; i++)
		frame[6 + i] = (uint8_t)(size >> (8 * i));
	frame[14] = (uint8_t)(xxh32(frame + 4, 10, 0) >> 8);
}

static void test_content_size_mismatch(void **state)
{
	struct tool_frame t;
	size_t got;

	(void)state;
	tool_frame(&t, MIXED, 3000, "--content-size");
	uint8_t *big = malloc(10000);
	assert_non_null(big);
	set_content_size(t.frame, 2999);
	assert_lz4f(decode(t.frame, t.flen, big, 10000, REQ, &got),
		    LZ4F_ERR_CONTENT_SIZE);
	set_content_size(t.frame, 3001);
	assert_lz4f(decode(t.frame, t.flen, big, 10000, REQ, &got),
		    LZ4F_ERR_CONTENT_SIZE);
	set_content_size(t.frame, 0);
	assert_lz4f(decode(t.frame, t.flen, big, 10000, REQ, &got),
		    LZ4F_ERR_CONTENT_SIZE);
	/* a declared size beyond the buffer is refused up front */
	set_content_size(t.frame, 10001);
	assert_lz4f(decode(t.frame, t.flen, big, 10000, REQ, &got),
		    LZ4F_ERR_OUTPUT_OVERFLOW);
	set_content_size(t.frame, UINT64_MAX);
	assert_lz4f(decode(t.frame, t.flen, big, 10000, REQ, &got),
		    LZ4F_ERR_OUTPUT_OVERFLOW);
	set_content_size(t.frame, 3000);
	assert_lz4f(decode(t.frame, t.flen, big, 10000, REQ, &got), LZ4F_OK);
	assert_int_equal(got, 3000);
	free(big);
	tool_frame_free(&t);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_bad_block_size(void **state)
{
	struct tool_frame t;
	const size_t bs = 7; /* first block size word: magic FLG BD HC */
	uint32_t word;

	(void)state;
	tool_frame(&t, MIXED, 100000, "-B4 -BX");
	word = le32(t.frame + bs);
	assert_true((word & 0x7FFFFFFF) <= 65536);

	/* bigger than the 64 KiB block maximum */
	put_le32(t.frame + bs, 65537);
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_ERR_BLOCK_SIZE);
	put_le32(t.frame + bs, 0x7FFFFFFF);
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_ERR_BLOCK_SIZE);
	put_le32(t.frame + bs, 0xFFFFFFFF);
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_ERR_BLOCK_SIZE);
	/* a shorter block no longer matches its block checksum */
	put_le32(t.frame + bs, word - 1);
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_ERR_BLOCK_CHECKSUM);
	/* every single-bit flip of the size word is refused */
	for (int bit = 0; bit < 32; bit++) {
		put_le32(t.frame + bs, word ^ (1u << bit));
		assert_int_not_equal(decode_tf(&t, t.frame, t.flen), LZ4F_OK);
	}
	put_le32(t.frame + bs, word);
	assert_lz4f(decode_tf(&t, t.frame, t.flen), LZ4F_OK);
	tool_frame_free(&t);
}

/* With block checksums, any corrupted block byte is caught before use. */
static void test_bad_block_data_checksummed(void **state)
{
	struct tool_frame t;
	uint32_t bsize;

	(void)state;
	tool_frame(&t, MIXED, 20000, "-B4 -BX");
	bsize = le32(t.frame + 7) & 0x7FFFFFFF;
	for (uint32_t i = 0; i < bsize + 4; i += 1 + i / 64) {
		t.frame[11 + i] ^= 0x40;
		assert_lz4f(decode_tf(&t, t.frame, t.flen),
			    LZ4F_ERR_BLOCK_CHECKSUM);
		t.frame[11 + i] ^= 0x40;
	}
	tool_frame_free(&t);
}

/*
 * Without block checksums, a corrupted byte anywhere must still be refused
 * (bad sequence, overflow or content checksum) unless it did not change the
 * output at all (e.g. a match offset changed to another one pointing at the
 * same bytes); the decoder must stay within its buffers (valgrind checks).
 */
static void test_every_byte_corrupted(void **state)
{
	static const enum shape shapes[] = {MIXED, ZEROS, RANDOM, PERIOD3};
	static const uint8_t xors[] = {0x01, 0x80, 0xFF, 0x10};

	(void)state;
	for (int s = 0; s < 4; s++) {
		struct tool_frame t;

		tool_frame(&t, shapes[s], 2000, "-B4 -BD --content-size");
		for (size_t i = 0; i < t.flen; i++)
			for (int x = 0; x < 4; x++) {
				t.frame[i] ^= xors[x];
				if (decode_tf(&t, t.frame, t.flen) == LZ4F_OK &&
				    memcmp(t.dst, t.data, t.n) != 0)
					fail_msg("%s: byte %zu ^ %#x accepted",
						 shape_name[shapes[s]], i,
						 xors[x]);
				if (i < 15 || i >= t.flen - 4)
					assert_int_not_equal(
					    decode_tf(&t, t.frame, t.flen),
					    LZ4F_OK);
				t.frame[i] ^= xors[x];
			}
		tool_frame_free(&t);
	}
}

static void test_bad_content_checksum(void **state)
{
	struct tool_frame t;

	(void)state;
	tool_frame(&t, MIXED, 50000, "-B4 -BD");
	for (size_t i = t.flen - 4; i < t.flen; i++)
		for (int bit = 0; bit < 8; bit++) {
			t.frame[i] ^= (uint8_t)(1 << bit);
			assert_lz4f(decode_tf(&t, t.frame, t.flen),
				    LZ4F_ERR_CONTENT_CHECKSUM);
			t.frame[i] ^= (uint8_t)(1 << bit);
		}
	tool_frame_free(&t);
}

/* Every proper prefix of a small frame is truncated. */
static void test_truncated_small(void **state)
{
	static const char *const opts[] = {"-BX --content-size", "",
					   "--no-frame-crc"};

	(void)state;
	for (int o = 0; o < 3; o++) {
		struct tool_frame t;

		tool_frame(&t, MIXED, 3000, opts[o]);
		for (size_t len = 0; len < t.flen; len++) {
			/* an exact-size copy so valgrind sees over-reads */
			uint8_t *cut = malloc(len ? len : 1);
			size_t got;

			memcpy(cut, t.frame, len);
			assert_lz4f(decode(cut, len, t.dst, t.n, 0, &got),
				    LZ4F_ERR_TRUNCATED);
			free(cut);
		}
		tool_frame_free(&t);
	}
}

static void test_truncated_large(void **state)
{
	struct tool_frame t;

	(void)state;
	tool_frame(&t, MIXED, 3 * MiB, "-B6 -BD -BX --content-size");
	for (size_t len = 0; len < t.flen; len = len * 3 / 2 + 1 + len % 7) {
		uint8_t *cut = malloc(len ? len : 1);
		size_t got;

		memcpy(cut, t.frame, len);
		assert_lz4f(decode(cut, len, t.dst, t.n, REQ, &got),
			    LZ4F_ERR_TRUNCATED);
		free(cut);
	}
	tool_frame_free(&t);
}

static void test_output_too_small(void **state)
{
	static const char *const opts[] = {"-B4", "-B4 --content-size",
					   "-B7 -BD"};

	(void)state;
	for (int o = 0; o < 3; o++) {
		struct tool_frame t;

		tool_frame(&t, MIXED, 200000, opts[o]);
		for (size_t cap = 0; cap < t.n; cap += 1 + cap / 2) {
			uint8_t *dst = malloc(cap ? cap : 1);
			size_t got;

			assert_lz4f(
			    decode(t.frame, t.flen, dst, cap, REQ, &got),
			    LZ4F_ERR_OUTPUT_OVERFLOW);
			free(dst);
		}
		tool_frame_free(&t);
	}
}

static void test_trailing_data(void **state)
{
	struct tool_frame t;
	uint8_t *two;

	(void)state;
	tool_frame(&t, MIXED, 1000, "");
	two = malloc(2 * t.flen);
	assert_non_null(two);
	memcpy(two, t.frame, t.flen);
	memcpy(two + t.flen, t.frame, t.flen);
	assert_lz4f(decode_tf(&t, two, t.flen + 1), LZ4F_ERR_TRAILING_DATA);
	assert_lz4f(decode_tf(&t, two, t.flen + 4), LZ4F_ERR_TRAILING_DATA);
	assert_lz4f(decode_tf(&t, two, 2 * t.flen), LZ4F_ERR_TRAILING_DATA);
	assert_lz4f(decode_tf(&t, two, t.flen), LZ4F_OK);
	free(two);
	tool_frame_free(&t);
}

/* ---- hand-made frames ----------------------------------------------- */

#define FLG_V1	  0x40
#define FLG_INDEP 0x20
#define FLG_BCSUM 0x10
#define FLG_CSIZE 0x08
#define FLG_CCSUM 0x04
#define BD_64K	  0x40
#define BD_4M	  0x70

struct fb {
	uint8_t buf[1 << 17];
	size_t len;
	uint8_t flg;
};

static void fb_bytes(struct fb *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->buf));
	memcpy(f->buf + f->len, p, n);
	f->len += n;
}

static void fb_le32(struct fb *f, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	fb_bytes(f, b, 4);
}

static void fb_header(struct fb *f, uint8_t flg, uint8_t bd, uint64_t csize)
{
	size_t d;

	f->len = 0;
	f->flg = flg;
	fb_le32(f, 0x184D2204);
	d = f->len;
	fb_bytes(f, &flg, 1);
	fb_bytes(f, &bd, 1);
	if (flg & FLG_CSIZE) {
		fb_le32(f, (uint32_t)csize);
		fb_le32(f, (uint32_t)(csize >> 32));
	}
	uint8_t hc = (uint8_t)(xxh32(f->buf + d, f->len - d, 0) >> 8);
	fb_bytes(f, &hc, 1);
}

static void fb_block(struct fb *f, const void *p, size_t n, bool stored)
{
	fb_le32(f, (uint32_t)n | (stored ? 0x80000000u : 0));
	fb_bytes(f, p, n);
	if (f->flg & FLG_BCSUM)
		fb_le32(f, xxh32(p, n, 0));
}

static void fb_end(struct fb *f, const void *content, size_t n)
{
	fb_le32(f, 0);
	if (f->flg & FLG_CCSUM)
		fb_le32(f, xxh32(content, n, 0));
}

static struct fb fb;
static uint8_t out[1 << 20];

static int fb_decode(size_t cap, size_t *got)
{
	assert_true(cap <= sizeof(out));
	return lz4f_decode(fb.buf, fb.len, out, cap, 0, got);
}

static void test_hand_stored_and_sequences(void **state)
{
	/* "abcd", then match off 4 len 8, then literal "x" */
	static const uint8_t blk[] = {0x44, 'a', 'b',  'c', 'd',
				      4,    0,	 0x10, 'x'};
	static const char want[] = "abcdabcdabcdx";
	size_t got;

	(void)state;
	fb_header(&fb, FLG_V1 | FLG_INDEP | FLG_CCSUM | FLG_BCSUM | FLG_CSIZE,
		  BD_64K, 13 + 5);
	fb_block(&fb, blk, sizeof(blk), false);
	fb_block(&fb, "hello", 5, true);
	fb_end(&fb, "abcdabcdabcdxhello", 18);
	assert_lz4f(fb_decode(sizeof(out), &got), LZ4F_OK);
	assert_int_equal(got, 18);
	assert_memory_equal(out, "abcdabcdabcdxhello", 18);
	assert_memory_equal(out, want, 13);
	/* the require flag is satisfied */
	assert_lz4f(lz4f_decode(fb.buf, fb.len, out, 18, REQ, &got), LZ4F_OK);
}

/* A literal run with 255-continued length bytes. */
static void test_hand_long_literals(void **state)
{
	uint8_t blk[3 + 300];
	size_t got;

	(void)state;
	blk[0] = 0xF0;
	blk[1] = 0xFF;
	blk[2] = 300 - 15 - 255;
	for (int i = 0; i < 300; i++)
		blk[3 + i] = (uint8_t)i;
	fb_header(&fb, FLG_V1 | FLG_INDEP, BD_64K, 0);
	fb_block(&fb, blk, sizeof(blk), false);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(sizeof(out), &got), LZ4F_OK);
	assert_int_equal(got, 300);
	assert_memory_equal(out, blk + 3, 300);
}

static int one_block(const uint8_t *blk, size_t n, uint8_t flg, size_t cap)
{
	size_t got;

	fb_header(&fb, FLG_V1 | flg, BD_64K, 0);
	fb_block(&fb, blk, n, false);
	fb_end(&fb, NULL, 0);
	return fb_decode(cap, &got);
}

static void test_hand_corrupt_sequences(void **state)
{
	static const uint8_t off0[] = {0x44, 'a', 'b',	'c', 'd',
				       0,    0,	  0x10, 'x'};
	static const uint8_t off_far[] = {0x44, 'a', 'b',  'c', 'd',
					  5,	0,   0x10, 'x'};
	static const uint8_t ends_in_match[] = {0x44, 'a', 'b', 'c', 'd', 4, 0};
	static const uint8_t short_offset[] = {0x44, 'a', 'b', 'c', 'd', 4};
	static const uint8_t lit_past_end[] = {0x50, 'a', 'b', 'c', 'd'};
	static const uint8_t lit_len_cut[] = {0xF0, 0xFF};
	static const uint8_t match_len_cut[] = {0x4F, 'a', 'b', 'c',
						'd',  4,   0,	0xFF};
	static const uint8_t empty_token_only[] = {0x00};
	static const uint8_t good[] = {0x44, 'a', 'b',	'c', 'd',
				       4,    0,	  0x10, 'x'};

	(void)state;
	assert_lz4f(one_block(good, sizeof(good), 0, 100), LZ4F_OK);
	assert_lz4f(one_block(off0, sizeof(off0), 0, 100),
		    LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(one_block(off_far, sizeof(off_far), 0, 100),
		    LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(one_block(ends_in_match, sizeof(ends_in_match), 0, 100),
		    LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(one_block(short_offset, sizeof(short_offset), 0, 100),
		    LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(one_block(lit_past_end, sizeof(lit_past_end), 0, 100),
		    LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(one_block(lit_len_cut, sizeof(lit_len_cut), 0, 100),
		    LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(one_block(match_len_cut, sizeof(match_len_cut), 0, 1000),
		    LZ4F_ERR_CORRUPT_BLOCK);
	/* a lone zero token is an empty literal run: valid, no output */
	assert_lz4f(one_block(empty_token_only, 1, 0, 100), LZ4F_OK);
	/* output limits: 13 bytes needed */
	assert_lz4f(one_block(good, sizeof(good), 0, 13), LZ4F_OK);
	assert_lz4f(one_block(good, sizeof(good), 0, 12),
		    LZ4F_ERR_OUTPUT_OVERFLOW);
	assert_lz4f(one_block(good, sizeof(good), 0, 4),
		    LZ4F_ERR_OUTPUT_OVERFLOW);
	assert_lz4f(one_block(good, sizeof(good), 0, 3),
		    LZ4F_ERR_OUTPUT_OVERFLOW);
}

/* Linked blocks may refer into earlier blocks; independent ones may not. */
static void test_hand_block_linking(void **state)
{
	static const uint8_t b2[] = {0x00, 4, 0, 0x10, 'z'};
	size_t got;

	(void)state;
	fb_header(&fb, FLG_V1, BD_64K, 0);
	fb_block(&fb, "abcd", 4, true);
	fb_block(&fb, b2, sizeof(b2), false);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(sizeof(out), &got), LZ4F_OK);
	assert_int_equal(got, 9);
	assert_memory_equal(out, "abcdabcdz", 9);

	fb_header(&fb, FLG_V1 | FLG_INDEP, BD_64K, 0);
	fb_block(&fb, "abcd", 4, true);
	fb_block(&fb, b2, sizeof(b2), false);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(sizeof(out), &got), LZ4F_ERR_CORRUPT_BLOCK);
}

/* One block may not decode to more than the frame's block maximum. */
static void test_hand_block_max_output(void **state)
{
	/* 'a', then match offset 1 of 15 + 255 * 257 + 0 + 4 bytes */
	uint8_t blk[2 + 2 + 258 + 2];
	size_t n = 0, got;

	(void)state;
	blk[n++] = 0x1F;
	blk[n++] = 'a';
	blk[n++] = 1;
	blk[n++] = 0;
	for (int i = 0; i < 257; i++)
		blk[n++] = 0xFF;
	blk[n++] = 0;
	blk[n++] = 0x00; /* final empty literal run */
	assert_true(n <= sizeof(blk));
	const size_t total = 1 + 15 + 255 * 257 + 4;

	assert_true(total > 65536);
	/* 64 KiB frame: refused even with room to spare */
	fb_header(&fb, FLG_V1, BD_64K, 0);
	fb_block(&fb, blk, n, false);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(sizeof(out), &got), LZ4F_ERR_CORRUPT_BLOCK);
	assert_lz4f(fb_decode(1000, &got), LZ4F_ERR_OUTPUT_OVERFLOW);
	/* 4 MiB frame: fine */
	fb_header(&fb, FLG_V1, BD_4M, 0);
	fb_block(&fb, blk, n, false);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(sizeof(out), &got), LZ4F_OK);
	assert_int_equal(got, total);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(out[i], 'a');
	assert_lz4f(fb_decode(total - 1, &got), LZ4F_ERR_OUTPUT_OVERFLOW);
	/* a stored block too big for the output */
	fb_header(&fb, FLG_V1, BD_64K, 0);
	fb_block(&fb, blk, n, true);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(n, &got), LZ4F_OK);
	assert_lz4f(fb_decode(n - 1, &got), LZ4F_ERR_OUTPUT_OVERFLOW);
}

/* Append the 255-continued extra bytes of a length whose nibble was 15. */
static size_t put_length(uint8_t *blk, size_t n, size_t len)
{
	if (len < 15)
		return n;
	for (len -= 15; len >= 255; len -= 255)
		blk[n++] = 255;
	blk[n++] = (uint8_t)len;
	return n;
}

/*
 * Matches of every short offset, several lengths and every output
 * alignment, against a byte-by-byte reference copy: exercises the
 * pattern-widening and word-copy paths.
 */
static void test_hand_match_offsets(void **state)
{
	static const size_t lens[] = {4, 5, 11, 12, 13, 18, 19, 40, 1000};
	uint8_t blk[128], want[1200];

	(void)state;
	for (size_t off = 1; off <= 40; off++)
		for (size_t pre = 0; pre < 4; pre++)
			for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]);
			     li++) {
				size_t lit = off + pre, len = lens[li], n = 0;
				size_t ml = len - 4, got;

				blk[n++] =
				    (uint8_t)((lit < 15 ? lit : 15) << 4 |
					      (ml < 15 ? ml : 15));
				n = put_length(blk, n, lit);
				for (size_t i = 0; i < lit; i++)
					blk[n++] = want[i] =
					    (uint8_t)(i * 29 + 3);
				blk[n++] = (uint8_t)off;
				blk[n++] = 0;
				n = put_length(blk, n, ml);
				blk[n++] = 0x10;
				blk[n++] = 'E';
				for (size_t i = lit; i < lit + len; i++)
					want[i] = want[i - off];
				want[lit + len] = 'E';

				fb_header(&fb, FLG_V1 | FLG_CCSUM, BD_64K, 0);
				fb_block(&fb, blk, n, false);
				fb_end(&fb, want, lit + len + 1);
				assert_lz4f(fb_decode(lit + len + 1, &got),
					    LZ4F_OK);
				assert_int_equal(got, lit + len + 1);
				assert_memory_equal(out, want, got);
			}
}

/*
 * Sequences for the decoder's fast loop (lengths that fit in the token,
 * far from both ends of input and output) and its hand-over to the checked
 * path: every literal length 0..14 with every match length 4..18 at every
 * offset 1..8 (overlapping: the pattern repeats) and some far ones, then a
 * last literal run of 0..20 bytes that ends the block (a literal run at the
 * very end of the output), decoded into exactly the output size and with
 * room to spare; one byte less of room must fail.
 */
static uint8_t fast_blk[1 << 16], fast_want[1 << 16];

static size_t fast_block(size_t last_lit, size_t *raw)
{
	size_t n = 0, w = 0;
	uint32_t x = 12345;

	/* something to reach back to */
	fast_blk[n++] = 0xF0;
	fast_blk[n++] = 40 - 15;
	for (size_t i = 0; i < 40; i++)
		fast_blk[n++] = fast_want[w++] = (uint8_t)(i * 7 + 1);
	fast_blk[n++] = 8; /* offset 8, match 4 */
	fast_blk[n++] = 0;
	for (size_t i = 0; i < 4; i++, w++)
		fast_want[w] = fast_want[w - 8];
	for (size_t off = 1; off <= 40; off += off < 8 ? 1 : 11)
		for (size_t lit = 0; lit <= 14; lit++)
			for (size_t ml = 4; ml <= 18; ml += 1) {
				fast_blk[n++] =
				    (uint8_t)(lit << 4 | (ml - 4));
				for (size_t i = 0; i < lit; i++) {
					x = x * 1103515245u + 12345u;
					fast_blk[n++] = fast_want[w++] =
					    (uint8_t)(x >> 16);
				}
				fast_blk[n++] = (uint8_t)off;
				fast_blk[n++] = 0;
				for (size_t i = 0; i < ml; i++, w++)
					fast_want[w] = fast_want[w - off];
			}
	fast_blk[n++] = (uint8_t)((last_lit < 15 ? last_lit : 15) << 4);
	n = put_length(fast_blk, n, last_lit);
	for (size_t i = 0; i < last_lit; i++)
		fast_blk[n++] = fast_want[w++] = (uint8_t)(0xA0 + i);
	assert_true(n <= sizeof(fast_blk) && w <= sizeof(fast_want));
	*raw = w;
	return n;
}

static void test_hand_fast_loop(void **state)
{
	(void)state;
	for (size_t last = 0; last <= 20; last++) {
		size_t raw, got, n = fast_block(last, &raw);

		fb_header(&fb, FLG_V1 | FLG_CCSUM, BD_64K, 0);
		fb_block(&fb, fast_blk, n, false);
		fb_end(&fb, fast_want, raw);
		for (size_t extra = 0; extra <= 40; extra += 40) {
			memset(out, 0x5A, raw + 64);
			assert_lz4f(fb_decode(raw + extra, &got), LZ4F_OK);
			assert_int_equal(got, raw);
			assert_memory_equal(out, fast_want, raw);
			/* nothing written past the output */
			for (size_t i = raw; i < raw + 64; i++)
				assert_int_equal(out[i], 0x5A);
		}
		assert_lz4f(fb_decode(raw - 1, &got),
			    LZ4F_ERR_OUTPUT_OVERFLOW);
	}
}

/* A bad offset (0, or reaching before the output) inside the fast loop and
 * near the end is refused as corrupt. */
static void test_hand_fast_loop_bad_offsets(void **state)
{
	size_t raw, got, n = fast_block(5, &raw);

	(void)state;
	/* the offset bytes of every 7th sequence: 0, and 65535 (before the
	 * start of the output, which is under 64 KiB) */
	for (size_t at = 44, seq = 0; at < n - 8; seq++) {
		size_t lit = fast_blk[at] >> 4, o = at + 1 + lit;
		uint8_t save0 = fast_blk[o], save1 = fast_blk[o + 1];

		if (seq % 7 == 0) {
			for (unsigned v = 0; v <= 0xFF; v += 0xFF) {
				fast_blk[o] = fast_blk[o + 1] = (uint8_t)v;
				fb_header(&fb, FLG_V1 | FLG_CCSUM, BD_64K, 0);
				fb_block(&fb, fast_blk, n, false);
				fb_end(&fb, fast_want, raw);
				assert_lz4f(fb_decode(raw, &got),
					    LZ4F_ERR_CORRUPT_BLOCK);
			}
			fast_blk[o] = save0;
			fast_blk[o + 1] = save1;
		}
		at = o + 2;
	}
	assert_true(raw < 0xFFFF);
}

static void test_hand_header_fields(void **state)
{
	size_t got;

	(void)state;
	/* every version other than 01 */
	for (unsigned v = 0; v < 4; v++) {
		if (v == 1)
			continue;
		fb_header(&fb, (uint8_t)(v << 6), BD_64K, 0);
		fb_end(&fb, NULL, 0);
		assert_lz4f(fb_decode(10, &got), LZ4F_ERR_VERSION);
	}
	/* a dictionary ID, even with a valid header checksum */
	fb_header(&fb, FLG_V1 | 0x01, BD_64K, 0);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(10, &got), LZ4F_ERR_DICT_ID);
	/* reserved block-maximum codes 0..3 */
	for (unsigned id = 0; id < 4; id++) {
		fb_header(&fb, FLG_V1, (uint8_t)(id << 4), 0);
		fb_end(&fb, NULL, 0);
		assert_lz4f(fb_decode(10, &got), LZ4F_ERR_BLOCK_SIZE);
	}
	/* reserved bits */
	fb_header(&fb, FLG_V1 | 0x02, BD_64K, 0);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(10, &got), LZ4F_ERR_RESERVED_BITS);
	for (unsigned bit = 0; bit < 8; bit++) {
		if (bit >= 4 && bit <= 6)
			continue;
		fb_header(&fb, FLG_V1, (uint8_t)(BD_64K | 1u << bit), 0);
		fb_end(&fb, NULL, 0);
		assert_lz4f(fb_decode(10, &got), LZ4F_ERR_RESERVED_BITS);
	}
	/* empty frames: with and without content size / checksum */
	fb_header(&fb, FLG_V1 | FLG_CSIZE | FLG_CCSUM, BD_64K, 0);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(0, &got), LZ4F_OK);
	assert_int_equal(got, 0);
	fb_header(&fb, FLG_V1, BD_64K, 0);
	fb_end(&fb, NULL, 0);
	assert_lz4f(fb_decode(0, &got), LZ4F_OK);
	assert_lz4f(lz4f_decode(fb.buf, fb.len, out, 0, REQ, &got),
		    LZ4F_ERR_NO_CONTENT_CHECKSUM);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(lz4f_strerror(LZ4F_ERR_CONTENT_CHECKSUM),
			    "content checksum mismatch");
	for (int e = LZ4F_OK; e >= LZ4F_ERR_TRAILING_DATA; e--) {
		assert_non_null(lz4f_strerror(e));
		assert_string_not_equal(lz4f_strerror(e), lz4f_strerror(-1000));
		for (int o = LZ4F_OK; o > e; o--)
			assert_string_not_equal(lz4f_strerror(e),
						lz4f_strerror(o));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tool_tiny_sizes),
	    cmocka_unit_test(test_tool_small_sizes),
	    cmocka_unit_test(test_tool_64k_boundaries),
	    cmocka_unit_test(test_tool_large),
	    cmocka_unit_test(test_tool_4m_boundary),
	    cmocka_unit_test(test_alignment),
	    cmocka_unit_test(test_roomy_output),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_bad_descriptor),
	    cmocka_unit_test(test_bad_header_checksum),
	    cmocka_unit_test(test_content_size_mismatch),
	    cmocka_unit_test(test_bad_block_size),
	    cmocka_unit_test(test_bad_block_data_checksummed),
	    cmocka_unit_test(test_every_byte_corrupted),
	    cmocka_unit_test(test_bad_content_checksum),
	    cmocka_unit_test(test_truncated_small),
	    cmocka_unit_test(test_truncated_large),
	    cmocka_unit_test(test_output_too_small),
	    cmocka_unit_test(test_trailing_data),
	    cmocka_unit_test(test_hand_stored_and_sequences),
	    cmocka_unit_test(test_hand_long_literals),
	    cmocka_unit_test(test_hand_corrupt_sequences),
	    cmocka_unit_test(test_hand_block_linking),
	    cmocka_unit_test(test_hand_block_max_output),
	    cmocka_unit_test(test_hand_match_offsets),
	    cmocka_unit_test(test_hand_fast_loop),
	    cmocka_unit_test(test_hand_fast_loop_bad_offsets),
	    cmocka_unit_test(test_hand_header_fields),
	    cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
