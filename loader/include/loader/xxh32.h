/*
 * XXH32, the 32-bit xxHash used by the lz4 frame format for its header,
 * block and content checksums, and by the image table.
 */
#ifndef LOADER_XXH32_H
#define LOADER_XXH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hash len bytes at data (any alignment) with the given seed. */
uint32_t xxh32(const void *data, size_t len, uint32_t seed);

/*
 * The same hash fed in pieces, for data that is not contiguous (the image
 * table's checksum skips its own field). Fields are private.
 */
struct xxh32_state {
	uint32_t v[4];
	uint32_t total; /* bytes fed, modulo 2^32 as the hash uses it */
	uint32_t seed;
	uint8_t buf[16]; /* a partial stripe */
	uint32_t buf_len;
	bool large; /* 16 bytes or more fed */
};

void xxh32_init(struct xxh32_state *st, uint32_t seed);
void xxh32_update(struct xxh32_state *st, const void *data, size_t len);
uint32_t xxh32_digest(const struct xxh32_state *st);

#endif
