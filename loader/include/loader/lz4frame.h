/*
 * Decoder for the LZ4 frame format (lz4 command-line tool output), used by
 * the boot loader to unpack image parts. One frame is decoded in one call
 * into one flat buffer; every input read and output write is bounds-checked
 * so a corrupted or truncated frame yields an error, never a stray access.
 */
#ifndef LOADER_LZ4FRAME_H
#define LOADER_LZ4FRAME_H

#include <stddef.h>

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

/* Short human text for an lz4f_decode() result. */
const char *lz4f_strerror(int err);

#endif
