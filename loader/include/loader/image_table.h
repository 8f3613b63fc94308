/*
 * Checking and unpacking the packed boot image (see image_format.h). The
 * loader calls image_check() once, before it trusts any table field, then
 * image_unpack_part() for every part.
 */
#ifndef LOADER_IMAGE_TABLE_H
#define LOADER_IMAGE_TABLE_H

#include <stdint.h>
#include <loader/image_format.h>

enum image_error {
	IMAGE_OK = 0,
	IMAGE_ERR_MAGIC = -1,
	IMAGE_ERR_VERSION = -2,
	IMAGE_ERR_LAYOUT = -3, /* header_size/part_size wrong */
	IMAGE_ERR_PART_COUNT = -4,
	IMAGE_ERR_HEADER_CHECKSUM = -5,
	IMAGE_ERR_TRUNCATED = -6, /* end marker missing/wrong */
	IMAGE_ERR_PART_KIND = -7,
	IMAGE_ERR_FRAME_BOUNDS = -8,
	IMAGE_ERR_PART_SIZE = -9, /* raw_size > mem_size */
	IMAGE_ERR_OVERLAP = -10,  /* destination overlaps a part or the image */
	IMAGE_ERR_OUT_OF_RAM = -11,
	IMAGE_ERR_FRAME = -12, /* lz4 decode failed; detail in fault.detail */
	IMAGE_ERR_CHECKSUM = -13, /* decoded content's xxh32 != part.checksum */
	IMAGE_ERR_NO_KERNEL = -14,
	IMAGE_ERR_NO_BOOTINFO = -15,
};

struct image_fault {
	int code;   /* enum image_error */
	int part;   /* part index, or -1 for the table itself */
	int detail; /* enum lz4f_error when code == IMAGE_ERR_FRAME, else 0 */
};

/*
 * Check everything about the table before any field is trusted. image
 * points at image_base in memory (4-byte aligned); avail is how many bytes
 * from there may be read. The table is the first page boundary (4 KiB)
 * holding IMAGE_MAGIC whose table_offset names that same offset. Checks:
 * magic, version, sizes, nr_parts, header checksum, image_size <= avail,
 * the end marker, part kinds, frames within [table end, end marker),
 * raw_size <= mem_size, destinations inside RAM and overlapping neither
 * each other nor the image, and the kernel/boot-info indexes. Returns
 * IMAGE_OK or a negative enum image_error, also left in *fault.
 */
int image_check(const void *image, uint32_t avail, uint32_t ram_base,
		uint32_t ram_size, struct image_fault *fault);

/*
 * Decode part i into dst (mem_size bytes there): the lz4 frame must carry
 * a content checksum and decode to exactly raw_size bytes whose xxh32 is
 * part.checksum; the rest up to mem_size is zeroed. image_check() must
 * have passed. Returns IMAGE_OK or a negative enum image_error.
 */
int image_unpack_part(const void *image, unsigned i, void *dst,
		      struct image_fault *fault);

/* Part entry i (NULL if i is out of range); image_check() must have run. */
const struct image_part *image_part(const void *image, unsigned i);

/* Short human text for an enum image_error, e.g. "header checksum ...". */
const char *image_strerror(int code);

#endif
