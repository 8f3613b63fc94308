/*
 * Decoder for the LZ4 frame format (lz4 command-line tool output), used by
 * the boot loader to unpack image parts. One frame is decoded in one call
 * into one flat buffer; every input read and output write is bounds-checked
 * so a corrupted or truncated frame yields an error, never a stray access.
 */
#ifndef LOADER_LZ4FRAME_H
#define LOADER_LZ4FRAME_H

#include <stddef.h>
#include <stdint.h>

enum lz4f_error {
	LZ4F_OK = 0,
	LZ4F_ERR_TRUNCATED = -1,
	LZ4F_ERR_MAGIC = -2,
	LZ4F_ERR_VERSION = -3,
	LZ4F_ERR_RESERVED_BITS = -4,
	LZ4F_ERR_DICT_ID = -5,
	LZ4F_ERR_HEADER_CHECKSUM = -6,
	LZ4F_ERR_BLOCK_SIZE = -7,
	LZ4F_ERR_BLOCK_CHECKSUM = -8,
	LZ4F_ERR_CORRUPT_BLOCK = -9,
	LZ4F_ERR_OUTPUT_OVERFLOW = -10,
	LZ4F_ERR_CONTENT_SIZE = -11,
	LZ4F_ERR_CONTENT_CHECKSUM = -12,
	LZ4F_ERR_NO_CONTENT_CHECKSUM = -13,
	LZ4F_ERR_TRAILING_DATA = -14,
};

/* Refuse frames that carry no content checksum. */
#define LZ4F_REQUIRE_CONTENT_CHECKSUM 1u

/*
 * Decode exactly one frame occupying all of src[0..src_len) into
 * dst[0..dst_cap). src and dst must not overlap. Returns LZ4F_OK and the
 * decoded length in *out_len, or a negative enum lz4f_error (then the
 * contents of dst are unspecified and *out_len is 0).
 */
int lz4f_decode(const void *src, size_t src_len, void *dst, size_t dst_cap,
		unsigned flags, size_t *out_len);

/*
 * The content checksum a frame stores: its last 4 bytes, little-endian (0
 * when src_len < 4). Meaningful only for a frame that lz4f_decode() has
 * accepted with LZ4F_REQUIRE_CONTENT_CHECKSUM: it then is the xxh32 of
 * the decoded bytes, which the decoder has verified. A caller that holds
 * the checksum elsewhere (the image table's) compares it with this rather
 * than hashing the output a second time.
 */
static inline uint32_t lz4f_content_checksum(const void *src, size_t src_len)
{
	/* byte loads (volatile: never fused into an unaligned word load,
	 * which the loader's Strongly-ordered memory does not allow) */
	const volatile uint8_t *p;

	if (src_len < 4)
		return 0;
	p = (const volatile uint8_t *)src + src_len - 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Short human text for an lz4f_decode() result. */
const char *lz4f_strerror(int err);

#endif
