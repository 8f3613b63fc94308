/*
 * Packed boot image format: the one definition shared by the target loader,
 * the kernel and the host packer (tools/image_format.py mirrors it and a
 * pytest checks the two agree).
 *
 *   image_base:  loader code+data+bss (linked at image_base)
 *   table:       struct image_header + nr_parts * struct image_part
 *                at image_base + header.table_offset (page aligned)
 *   frames:      one lz4 frame (with content checksum) per part, each at
 *                table + part.frame_offset, 4-byte aligned
 *   end marker:  struct image_end right after the last frame
 *
 * All integers are little-endian. The header checksum covers the header
 * (with the checksum field as zero) and every part entry, so a flipped bit
 * anywhere in the table is caught before any field is trusted.
 */
#ifndef LOADER_IMAGE_FORMAT_H
#define LOADER_IMAGE_FORMAT_H

#include <stdint.h>

#define IMAGE_MAGIC 0x41525354u /* "TSRA" */
#define IMAGE_END_MAGIC 0x444e4554u /* "TEND" */
#define IMAGE_VERSION 2u
#define IMAGE_MAX_PARTS 64u
#define IMAGE_NAME_LEN 24u

enum image_part_kind {
	IMAGE_PART_KERNEL = 1,    /* jumped to last; entry is physical */
	IMAGE_PART_BOOTINFO = 2,  /* container descriptors for the kernel */
	IMAGE_PART_CONTAINER = 3, /* a container's program; entry is virtual */
};

struct image_header {
	uint32_t magic;
	uint16_t version;
	uint16_t header_size;     /* sizeof(struct image_header) */
	uint16_t part_size;       /* sizeof(struct image_part) */
	uint16_t nr_parts;
	uint32_t image_base;      /* physical address the image is linked at */
	uint32_t table_offset;    /* of this header, from image_base */
	uint32_t image_size;      /* from image_base to end of end marker */
	uint32_t kernel_part;     /* index of the kernel part */
	uint32_t bootinfo_part;   /* index of the boot-info part */
	uint32_t product_version; /* major << 16 | minor << 8 | patch */
	uint32_t header_checksum; /* xxh32(seed 0) of header+parts, this = 0 */
};

struct image_part {
	uint32_t kind;             /* enum image_part_kind */
	char name[IMAGE_NAME_LEN]; /* NUL-padded */
	uint32_t load_addr;        /* physical destination */
	uint32_t entry;            /* kernel: physical; container: virtual */
	uint32_t mem_size;         /* bytes reserved at load_addr (>= raw) */
	uint32_t raw_size;         /* decompressed bytes */
	uint32_t frame_offset;     /* from the table header */
	uint32_t frame_size;       /* bytes of the lz4 frame */
	uint32_t checksum;         /* xxh32(seed 0) of the decompressed bytes */
};

struct image_end {
	uint32_t magic;      /* IMAGE_END_MAGIC */
	uint32_t image_size; /* repeats header.image_size */
};

_Static_assert(sizeof(struct image_header) == 40, "image header layout");
_Static_assert(sizeof(struct image_part) == 56, "image part layout");
_Static_assert(sizeof(struct image_end) == 8, "image end layout");

#endif
