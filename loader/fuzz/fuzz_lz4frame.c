/*
 * libFuzzer target: the loader's lz4 frame decoder over arbitrary frames
 * and arbitrary output capacities.
 *
 * Input: a 4-byte prefix, then the frame.
 *   bytes 0..2  output capacity, little-endian, 20 bits (0 .. 1 MiB - 1)
 *   byte 3      bit 0: LZ4F_REQUIRE_CONTENT_CHECKSUM
 *               bits 1-2: output misalignment (0..3 bytes)
 *               bits 3-4: input misalignment (0..3 bytes)
 *               bit 5: pass out_len as NULL
 * The frame and the output each sit at the very end of their own heap
 * block, so AddressSanitizer sees any access one byte past either.
 *
 * Checked beyond memory safety:
 *  - the result is one of enum lz4f_error and has a description;
 *  - a failure reports length 0;
 *  - a success reports a length <= capacity; the frame had a content
 *    checksum if one was required; the declared content size (if any) is
 *    the length; the content checksum (if any) is xxh32 of the output;
 *  - a success decodes the same again into exactly that many bytes, and
 *    fails with one byte less;
 *  - when liblz4 also decodes the frame completely, it gives the same
 *    bytes (liblz4 may refuse frames ours accepts or the reverse: it is
 *    stricter about the end of a block, ours about dictionary ids, content
 *    size 0 and skippable frames).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <loader/lz4frame.h>
#include <loader/xxh32.h>

#include "lz4_ref.h"

#define PREFIX	 4
#define CAP_MASK 0xFFFFFu

#define FLG_CONTENT_SIZE 0x08u
#define FLG_CONTENT_CSUM 0x04u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A buffer of n bytes at offset mis into its own heap block, so that its
 * end is the block's end. */
struct buf {
	uint8_t *block, *p;
};

static struct buf buf_new(size_t n, unsigned mis)
{
	struct buf b;

	b.block = malloc(n + mis);
	if (!b.block)
		abort();
	b.p = b.block + mis;
	return b;
}

static int decode(const uint8_t *src, size_t n, size_t cap, unsigned mis,
		  unsigned flags, uint8_t *copy_out, size_t *out_len)
{
	struct buf dst = buf_new(cap, mis);
	int err = lz4f_decode(src, n, dst.p, cap, flags, out_len);

	if (!err && copy_out)
		memcpy(copy_out, dst.p, *out_len);
	free(dst.block);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap, n, got = 12345, again = 0;
	unsigned flags, out_mis, in_mis;
	int null_len, err;
	struct buf src, dst;

	if (size < PREFIX)
		return 0;
	cap = le32(data) & CAP_MASK;
	flags = data[3] & 1 ? LZ4F_REQUIRE_CONTENT_CHECKSUM : 0;
	out_mis = (data[3] >> 1) & 3;
	in_mis = (data[3] >> 3) & 3;
	null_len = (data[3] >> 5) & 1;
	n = size - PREFIX;

	src = buf_new(n, in_mis);
	memcpy(src.p, data + PREFIX, n);
	dst = buf_new(cap, out_mis);

	err = lz4f_decode(src.p, n, dst.p, cap, flags, null_len ? NULL : &got);
	if (err > 0 || err < LZ4F_ERR_TRAILING_DATA)
		abort(); /* not an enum lz4f_error */
	if (!lz4f_strerror(err) ||
	    !strcmp(lz4f_strerror(err), "unknown lz4 frame error"))
		abort();
	if (null_len) {
		/* the same call with a length to look at */
		if (decode(src.p, n, cap, out_mis, flags, NULL, &got) != err)
			abort();
	}
	if (err) {
		if (got != 0)
			abort();
		goto out;
	}

	/* Success: n >= 7 bytes of header were read, FLG is data[4]. */
	{
		const uint8_t *frame = src.p;
		unsigned flg = frame[4];

		if (got > cap)
			abort();
		if ((flags & LZ4F_REQUIRE_CONTENT_CHECKSUM) &&
		    !(flg & FLG_CONTENT_CSUM))
			abort();
		if ((flg & FLG_CONTENT_SIZE) && le64(frame + 6) != got)
			abort();
		if ((flg & FLG_CONTENT_CSUM) &&
		    xxh32(dst.p, got, 0) != le32(frame + n - 4))
			abort();
	}

	/* Exactly the room it needs is enough, one byte less is not. */
	{
		uint8_t *copy = malloc(got + 1);

		if (!copy)
			abort();
		if (decode(src.p, n, got, out_mis ^ 1, flags, copy, &again) ||
		    again != got || memcmp(copy, dst.p, got))
			abort();
		if (got &&
		    !decode(src.p, n, got - 1, out_mis, flags, NULL, &again))
			abort();

		/* liblz4, given room for one byte more than ours produced:
		 * filling it all means it reads the frame as longer */
		switch (ref_decode(src.p, n, copy, got + 1, &again)) {
		case 0:
			if (again != got || memcmp(copy, dst.p, got))
				abort();
			break;
		case -2:
			abort();
		default:
			break;
		}
		free(copy);
	}
out:
	free(src.block);
	free(dst.block);
	return 0;
}
