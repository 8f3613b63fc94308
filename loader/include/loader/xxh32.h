/*
 * XXH32, the 32-bit xxHash used by the lz4 frame format for its header,
 * block and content checksums, and by the image table.
 */
#ifndef LOADER_XXH32_H
#define LOADER_XXH32_H

#include <stddef.h>
#include <stdint.h>

/* Hash len bytes at data (any alignment) with the given seed. */
uint32_t xxh32(const void *data, size_t len, uint32_t seed);

#endif
