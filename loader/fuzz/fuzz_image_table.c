/*
 * libFuzzer target: the loader's image table checks (image_check,
 * image_part) over an arbitrary blob and RAM window, then, for an image
 * the checks accept, every part unpacked (image_unpack_part: lz4 frame
 * decoding, size and checksum checks, zero fill) into a buffer of exactly
 * the part's mem_size.
 *
 * Input: a 12-byte prefix, then the image (from image_base).
 *   bytes 0..3   RAM base, little-endian
 *   bytes 4..7   RAM size
 *   bytes 8..11  bit 0: make the end marker match the blob (image_size =
 *                the blob's length, "TEND" + length in its last 8 bytes);
 *                bit 1: recompute the header checksum. Both only when the
 *                table is found; they let mutations of the table reach the
 *                checks behind the checksum.
 * The image sits alone in a heap block of exactly its length, as does each
 * part's destination, so AddressSanitizer sees any access past either.
 *
 * Checked beyond memory safety: image_check's result matches its fault
 * record; an accepted image satisfies, by this file's own reading of
 * docs/image.md, every rule image_check promises (frames inside the image,
 * raw_size <= mem_size, destinations in RAM and disjoint from each other
 * and from the image, kernel and boot-info indexes); image_part gives each
 * entry and NULL past the last; a part that unpacks has the table's xxh32
 * and zeros up to mem_size; a refused one names itself.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <loader/image_format.h>
#include <loader/image_table.h>
#include <loader/lz4frame.h>
#include <loader/xxh32.h>

#define PREFIX	     12
#define FIX_END	     1u
#define FIX_CHECKSUM 2u
#define TABLE_ALIGN  4096u
/* Parts larger than this are decoded into a bounded buffer instead. */
#define MAX_DST (1u << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

/* The table as docs/image.md places it (independent of image_table.c). */
static struct image_header *table_of(uint8_t *img, size_t n)
{
	for (size_t off = 0; off + sizeof(struct image_header) <= n;
	     off += TABLE_ALIGN) {
		struct image_header *h = (void *)(img + off);

		if (h->magic == IMAGE_MAGIC && h->table_offset == off)
			return h;
	}
	return NULL;
}

static uint64_t table_end(const struct image_header *h)
{
	return (uint64_t)h->table_offset + sizeof(struct image_header) +
	       (uint64_t)h->nr_parts * sizeof(struct image_part);
}

static void fix_up(uint8_t *img, size_t n, uint32_t ctl)
{
	struct image_header *h = table_of(img, n);

	if (!h)
		return;
	if ((ctl & FIX_END) && n >= h->table_offset +
					sizeof(struct image_header) +
					sizeof(struct image_end)) {
		h->image_size = (uint32_t)n;
		put_le32(img + n - 8, IMAGE_END_MAGIC);
		put_le32(img + n - 4, (uint32_t)n);
	}
	if ((ctl & FIX_CHECKSUM) && h->nr_parts <= IMAGE_MAX_PARTS &&
	    table_end(h) <= n) {
		h->header_checksum = 0;
		h->header_checksum =
		    xxh32(h, (size_t)table_end(h) - h->table_offset, 0);
	}
}

static bool overlap(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len)
{
	return a_len && b_len && a < b + b_len && b < a + a_len;
}

/* Every rule image_check() promises, for an image it accepted. */
static void check_accepted(uint8_t *img, size_t n, uint64_t ram_base,
			   uint64_t ram_size)
{
	struct image_header *h = table_of(img, n);
	const struct image_part *parts;
	uint64_t frames_end;

	if (!h || h->version != IMAGE_VERSION ||
	    h->header_size != sizeof(struct image_header) ||
	    h->part_size != sizeof(struct image_part) || h->nr_parts == 0 ||
	    h->nr_parts > IMAGE_MAX_PARTS || h->image_size > n ||
	    h->image_size < table_end(h) + sizeof(struct image_end))
		abort();
	frames_end = h->image_size - sizeof(struct image_end);
	if (le32(img + frames_end) != IMAGE_END_MAGIC ||
	    le32(img + frames_end + 4) != h->image_size)
		abort();
	parts = (const void *)(h + 1);
	for (unsigned i = 0; i < h->nr_parts; i++) {
		const struct image_part *p = &parts[i];
		uint64_t frame = (uint64_t)h->table_offset + p->frame_offset;

		if (image_part(img, i) != p)
			abort();
		if (p->kind < IMAGE_PART_KERNEL ||
		    p->kind > IMAGE_PART_CONTAINER)
			abort();
		if (frame < table_end(h) || frame + p->frame_size > frames_end)
			abort();
		if (p->raw_size > p->mem_size)
			abort();
		if (p->load_addr < ram_base ||
		    (uint64_t)p->load_addr + p->mem_size > ram_base + ram_size)
			abort();
		if (overlap(p->load_addr, p->mem_size, h->image_base,
			    h->image_size))
			abort();
		for (unsigned j = 0; j < i; j++)
			if (overlap(p->load_addr, p->mem_size,
				    parts[j].load_addr, parts[j].mem_size))
				abort();
	}
	if (image_part(img, h->nr_parts) || image_part(img, IMAGE_MAX_PARTS))
		abort();
	if (h->kernel_part >= h->nr_parts ||
	    parts[h->kernel_part].kind != IMAGE_PART_KERNEL ||
	    h->bootinfo_part >= h->nr_parts ||
	    parts[h->bootinfo_part].kind != IMAGE_PART_BOOTINFO)
		abort();
}

static void unpack(uint8_t *img, const struct image_header *h, unsigned i)
{
	const struct image_part *p = image_part(img, i);
	struct image_fault fault;
	uint8_t *dst;
	int err;

	if (p->mem_size > MAX_DST) {
		/* too big to give it all: its frame into a bounded buffer */
		size_t cap = p->raw_size < MAX_DST ? p->raw_size : MAX_DST;
		size_t got;

		dst = malloc(cap);
		if (!dst)
			abort();
		err = lz4f_decode((const uint8_t *)h + p->frame_offset,
				  p->frame_size, dst, cap,
				  LZ4F_REQUIRE_CONTENT_CHECKSUM, &got);
		if (!err && got > cap)
			abort();
		free(dst);
		return;
	}
	dst = malloc(p->mem_size);
	if (!dst)
		abort();
	memset(dst, 0xA5, p->mem_size);
	err = image_unpack_part(img, i, dst, &fault);
	if (fault.code != err)
		abort();
	if (!err) {
		if (fault.part != (int)i || fault.detail != 0 ||
		    xxh32(dst, p->raw_size, 0) != p->checksum)
			abort();
		for (uint32_t k = p->raw_size; k < p->mem_size; k++)
			if (dst[k])
				abort();
	} else if (fault.part != (int)i ||
		   (err == IMAGE_ERR_FRAME &&
		    (fault.detail >= 0 ||
		     fault.detail < LZ4F_ERR_TRAILING_DATA)) ||
		   (err != IMAGE_ERR_FRAME &&
		    (err != IMAGE_ERR_CHECKSUM || fault.detail != 0))) {
		abort();
	}
	free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_fault fault;
	uint32_t ram_base, ram_size, n;
	uint8_t *img;
	int err;

	if (size < PREFIX || size - PREFIX > UINT32_MAX)
		return 0;
	ram_base = le32(data);
	ram_size = le32(data + 4);
	n = (uint32_t)(size - PREFIX);

	img = malloc(n ? n : 1);
	if (!img)
		abort();
	memcpy(img, data + PREFIX, n);
	fix_up(img, n, le32(data + 8));

	err = image_check(img, n, ram_base, ram_size, &fault);
	if (fault.code != err || fault.detail != 0 || err > 0 ||
	    err < IMAGE_ERR_NO_BOOTINFO ||
	    !strcmp(image_strerror(err), "unknown image error"))
		abort();
	if (err) {
		if (fault.part < -1 || fault.part >= (int)IMAGE_MAX_PARTS)
			abort();
		free(img);
		return 0;
	}
	if (fault.part != -1)
		abort();

	check_accepted(img, n, ram_base, ram_size);
	{
		const struct image_header *h = table_of(img, n);
		uint8_t spare[4];

		for (unsigned i = 0; i < h->nr_parts; i++)
			unpack(img, h, i);
		if (image_unpack_part(img, h->nr_parts, spare, &fault) !=
			IMAGE_ERR_PART_COUNT ||
		    fault.code != IMAGE_ERR_PART_COUNT)
			abort();
	}
	free(img);
	return 0;
}
