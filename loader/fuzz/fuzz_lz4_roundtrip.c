/*
 * libFuzzer target: round trip through the reference compressor. The
 * input is plain data; liblz4 packs it into a frame with options taken
 * from a 2-byte prefix, and the loader's decoder must give back exactly
 * the data. This reaches what arbitrary frames rarely do: long matches at
 * every offset (1..3 take the pattern path, 4..7 the shifted word copy),
 * linked blocks, block checksums, and every output alignment. xxh32 is
 * checked too: its streaming form against the one-shot one (split where
 * the input says), and both against liblz4's own content checksum, which
 * the decoder verifies.
 *
 * Input: byte 0  bits 0-1: block size 64 KiB << 2 * n; bit 2: linked
 *                blocks; bit 3: block checksums; bit 4: content size;
 *                bit 5: no content checksum; bits 6-7: compression level
 *                (fast, default, HC 9, HC 12)
 *        byte 1  bits 0-1: output misalignment; bits 2-7: xxh32 split
 *        rest    the data
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <loader/lz4frame.h>
#include <loader/xxh32.h>

#include "lz4_ref.h"

#define PREFIX 2

static const int levels[4] = {-1, 1, 9, 12};

static void check_xxh32(const uint8_t *p, size_t n, unsigned split)
{
	struct xxh32_state st;
	size_t a = n ? (size_t)split * 7919u % (n + 1) : 0;
	size_t b = a + (n - a) / 2;

	xxh32_init(&st, split);
	xxh32_update(&st, p, a);
	xxh32_update(&st, p + a, b - a);
	xxh32_update(&st, p + b, 0);
	xxh32_update(&st, p + b, n - b);
	if (xxh32_digest(&st) != xxh32(p, n, split))
		abort();
}

/* Decode into cap bytes at offset mis of a block ending with them. */
static int decode(const uint8_t *frame, size_t flen, size_t cap, unsigned mis,
		  unsigned flags, const uint8_t *want, size_t want_len)
{
	uint8_t *block = malloc(cap + mis);
	size_t got = 1;
	int err;

	if (!block)
		abort();
	err = lz4f_decode(frame, flen, block + mis, cap, flags, &got);
	if (!err && (got != want_len || memcmp(block + mis, want, got)))
		abort();
	if (err && got != 0)
		abort();
	free(block);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ref_prefs prefs;
	const uint8_t *raw;
	uint8_t *frame, *exact;
	size_t n, bound, flen;
	unsigned mis;
	int err;

	if (size < PREFIX)
		return 0;
	prefs.block_size_id = 4 + (data[0] & 3);
	prefs.linked = (data[0] >> 2) & 1;
	prefs.block_checksum = (data[0] >> 3) & 1;
	prefs.content_size = (data[0] >> 4) & 1;
	prefs.content_checksum = !((data[0] >> 5) & 1);
	prefs.level = levels[data[0] >> 6];
	mis = data[1] & 3;
	raw = data + PREFIX;
	n = size - PREFIX;

	check_xxh32(raw, n, data[1] >> 2);

	bound = ref_compress_bound(n, &prefs);
	frame = malloc(bound);
	if (!frame)
		abort();
	flen = ref_compress(raw, n, frame, bound, &prefs);
	if (!flen)
		abort(); /* liblz4 cannot fail with room for its bound */
	/* the frame at the end of its own block */
	exact = malloc(flen);
	if (!exact)
		abort();
	memcpy(exact, frame, flen);
	free(frame);

	/* exactly enough room, and more */
	if (decode(exact, flen, n, mis, 0, raw, n) ||
	    decode(exact, flen, n + 5, mis ^ 3, 0, raw, n))
		abort();
	/* the loader's mode: a content checksum is required */
	err =
	    decode(exact, flen, n, mis, LZ4F_REQUIRE_CONTENT_CHECKSUM, raw, n);
	if (err !=
	    (prefs.content_checksum ? LZ4F_OK : LZ4F_ERR_NO_CONTENT_CHECKSUM))
		abort();
	/* one byte short */
	if (n) {
		err = decode(exact, flen, n - 1, mis, 0, raw, n);
		if (err != LZ4F_ERR_OUTPUT_OVERFLOW)
			abort();
	}
	/* the frame cut short */
	if (flen > 7 && decode(exact, flen - 1, n, mis, 0, raw, n) == LZ4F_OK)
		abort();
	free(exact);
	return 0;
}
