/*
 * Host tests for xxh32: known vectors (computed with the reference
 * libxxhash 0.8.1 and cross-checked against python-lz4 content checksums),
 * alignment independence, and the content checksum the lz4 tool writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <loader/xxh32.h>

#define SEED_PRIME 0x9E3779B1u

static uint8_t pattern[1024];

static void fill_pattern(void)
{
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)((i * 131 + 7) ^ (i >> 3));
}

struct vector {
	size_t len;
	uint32_t seed;
	uint32_t hash;
};

/* Reference values for the first len bytes of pattern[]. */
static const struct vector vectors[] = {
    {0, 0, 0x02cc5d05},	   {0, SEED_PRIME, 0x36b78ae7},
    {1, 0, 0x002e0d32},	   {1, SEED_PRIME, 0xd40fe509},
    {3, 0, 0x7d92e8db},	   {3, SEED_PRIME, 0xd2ba9eda},
    {4, 0, 0xf189ec97},	   {4, SEED_PRIME, 0xda1f7e37},
    {15, 0, 0xc5bbef7c},   {15, SEED_PRIME, 0xed35bcd2},
    {16, 0, 0x20d3d91e},   {16, SEED_PRIME, 0xaaaaf89e},
    {17, 0, 0xcbb7d465},   {17, SEED_PRIME, 0x7f89adc5},
    {31, 0, 0x61fee82d},   {31, SEED_PRIME, 0xc7b0ad58},
    {32, 0, 0xc7b91d35},   {32, SEED_PRIME, 0xebbb72d6},
    {33, 0, 0xbb8fc99d},   {33, SEED_PRIME, 0x2e53d4fd},
    {100, 0, 0xa14e84f6},  {100, SEED_PRIME, 0x15a4d56f},
    {1000, 0, 0x345431a8}, {1000, SEED_PRIME, 0x2a07df87},
    {1024, 0, 0xe32e3944}, {1024, SEED_PRIME, 0x659c86b2},
};

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(xxh32(NULL, 0, 0), 0x02CC5D05u);
	assert_int_equal(xxh32("", 0, SEED_PRIME), 0x36B78AE7u);
}

static void test_abc(void **state)
{
	(void)state;
	assert_int_equal(xxh32("abc", 3, 0), 0x32D153FFu);
}

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		uint32_t h = xxh32(pattern, v->len, v->seed);

		if (h != v->hash)
			fail_msg("len %zu seed %#x: got %#x want %#x", v->len,
				 v->seed, h, v->hash);
	}
}

/* The same bytes at every misalignment must hash the same. */
static void test_unaligned(void **state)
{
	static uint8_t shifted[1024 + 8];

	(void)state;
	for (unsigned off = 0; off < 8; off++) {
		memset(shifted, 0xAA, sizeof(shifted));
		memcpy(shifted + off, pattern, 1000);
		assert_int_equal(xxh32(shifted + off, 1000, 0), 0x345431a8u);
		assert_int_equal(xxh32(shifted + off, 33, SEED_PRIME),
				 0x2e53d4fdu);
	}
}

/* Bytes past len must not influence the hash. */
static void test_reads_only_len(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	memcpy(a, pattern, sizeof(a));
	memcpy(b, pattern, sizeof(b));
	b[17] ^= 0xFF;
	assert_int_equal(xxh32(a, 17, 0), xxh32(b, 17, 0));
	assert_int_not_equal(xxh32(a, 18, 0), xxh32(b, 18, 0));
}

/* Fed in pieces of every size pattern, the stream hash equals the one-shot. */
static void test_streaming(void **state)
{
	static const size_t steps[] = {1, 3, 4, 15, 16, 17, 100, 1024};

	(void)state;
	for (size_t len = 0; len <= 300; len += 1 + len / 16) {
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			struct xxh32_state st;
			size_t done = 0, step = steps[k];

			xxh32_init(&st, SEED_PRIME);
			while (done < len) {
				size_t n =
				    len - done < step ? len - done : step;

				xxh32_update(&st, pattern + done, n);
				done += n;
				/* vary the piece size as we go */
				step = step % 7 + 1 + (step > 16 ? 16 : 0);
			}
			assert_int_equal(xxh32_digest(&st),
					 xxh32(pattern, len, SEED_PRIME));
		}
	}
}

static void test_streaming_vectors(void **state)
{
	struct xxh32_state st;

	(void)state;
	xxh32_init(&st, 0);
	assert_int_equal(xxh32_digest(&st), 0x02CC5D05u);
	xxh32_update(&st, pattern, 0);
	assert_int_equal(xxh32_digest(&st), 0x02CC5D05u);
	xxh32_update(&st, pattern, 7);
	xxh32_update(&st, pattern + 7, 993);
	assert_int_equal(xxh32_digest(&st), 0x345431a8u);
	/* digest does not disturb the state */
	xxh32_update(&st, pattern + 1000, 24);
	assert_int_equal(xxh32_digest(&st), 0xe32e3944u);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The lz4 tool's content checksum is xxh32(seed 0) of the input. */
static void test_against_lz4_tool(void **state)
{
	char dir[] = "/tmp/test_xxh32.XXXXXX";
	char in[64], out[64], cmd[256];
	size_t lens[] = {1, 5, 16, 4096, 100003};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		size_t len = lens[k], got;
		uint8_t *data = malloc(len), *frame = malloc(len + 1024);
		uint32_t x = 12345;
		FILE *f;

		assert_non_null(data);
		assert_non_null(frame);
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			data[i] = (uint8_t)(x >> 16);
		}
		f = fopen(in, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(data, 1, len, f), len);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "lz4 -q -f %s %s", in, out);
		assert_int_equal(system(cmd), 0);
		f = fopen(out, "rb");
		assert_non_null(f);
		got = fread(frame, 1, len + 1024, f);
		fclose(f);
		assert_true(got > 4);
		assert_int_equal(get_le32(frame + got - 4),
				 xxh32(data, len, 0));
		free(data);
		free(frame);
	}
	unlink(in);
	unlink(out);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_abc),
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_unaligned),
	    cmocka_unit_test(test_reads_only_len),
	    cmocka_unit_test(test_against_lz4_tool),
	    cmocka_unit_test(test_streaming),
	    cmocka_unit_test(test_streaming_vectors),
	};

	fill_pattern();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
