/*
 * The reference lz4 library (Debian's liblz4), used by the fuzz targets as
 * an independent oracle for the loader's decoder. Kept in its own file so
 * that liblz4's <lz4frame.h> never meets <loader/lz4frame.h>.
 */
#ifndef FUZZ_LZ4_REF_H
#define FUZZ_LZ4_REF_H

#include <stddef.h>
#include <stdint.h>

struct ref_prefs {
	unsigned block_size_id; /* 4..7: 64 KiB .. 4 MiB */
	int linked;		/* blocks may refer to earlier blocks */
	int block_checksum;
	int content_checksum;
	int content_size; /* write the content size in the header */
	int level;	  /* compression level (< 0: fast, > 2: HC) */
};

/* Worst-case frame size for n bytes with these preferences. */
size_t ref_compress_bound(size_t n, const struct ref_prefs *p);

/* One frame of src[0..n) into dst[0..cap); returns its size, 0 on error. */
size_t ref_compress(const void *src, size_t n, void *dst, size_t cap,
		    const struct ref_prefs *p);

/*
 * Decode exactly one frame occupying all of src[0..n) into dst[0..cap):
 * 0 and the length in *out when liblz4 decodes it completely; -2 when it
 * stopped because dst was full; -1 when it reports an error, does not
 * reach the frame's end or leaves input unread.
 */
int ref_decode(const void *src, size_t n, void *dst, size_t cap, size_t *out);

#endif
