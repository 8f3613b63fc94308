/*
 * Image table checks and part unpacking for the boot loader.
 *
 * Nothing in the table is used before it has been checked: the header's
 * own fields first, then the checksum over header and entries, then every
 * entry against the image, RAM and each other. All range arithmetic is
 * done in 64 bits so that 32-bit wrap-around cannot make a bad range look
 * good. Runs with the MMU off: no libc, and the only multi-byte fields read
 * at addresses not known to be aligned (the end marker) are read bytewise.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <loader/image_format.h>
#include <loader/image_table.h>
#include <loader/lz4frame.h>
#include <loader/xxh32.h>

/* The table starts on a page boundary after the loader. */
#define TABLE_ALIGN 4096u

static const struct image_part *parts_of(const struct image_header *h)
{
	return (const struct image_part *)(h + 1);
}

/*
 * The table is the first page boundary within limit bytes of image that
 * holds the magic and whose table_offset names that same offset (so stray
 * magic words in the loader's own bytes are passed over).
 */
static const struct image_header *find_table(const void *image, uint64_t limit)
{
	const uint8_t *base = image;
	uint64_t off;

	for (off = 0; off + sizeof(struct image_header) <= limit;
	     off += TABLE_ALIGN) {
		const struct image_header *h = (const void *)(base + off);

		if (h->magic == IMAGE_MAGIC && h->table_offset == off)
			return h;
	}
	return NULL;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int fail(struct image_fault *fault, int code, int part)
{
	fault->code = code;
	fault->part = part;
	fault->detail = 0;
	return code;
}

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	/* empty ranges overlap nothing */
	return a < a_end && b < b_end && a < b_end && b < a_end;
}

/* xxh32 of the header with header_checksum as zero, then every entry. */
static uint32_t table_checksum(const struct image_header *h)
{
	static const uint8_t zero[4];
	struct xxh32_state st;

	xxh32_init(&st, 0);
	xxh32_update(&st, h, offsetof(struct image_header, header_checksum));
	xxh32_update(&st, zero, sizeof(zero));
	xxh32_update(&st, parts_of(h),
		     (size_t)h->nr_parts * sizeof(struct image_part));
	return xxh32_digest(&st);
}

/* The header's own fields, up to and including its checksum. */
static int check_header(const void *image, uint32_t avail,
			const struct image_header **hp)
{
	const struct image_header *h = find_table(image, avail);
	uint64_t table_end;

	if (!h)
		return IMAGE_ERR_MAGIC;
	if (h->version != IMAGE_VERSION)
		return IMAGE_ERR_VERSION;
	if (h->header_size != sizeof(struct image_header) ||
	    h->part_size != sizeof(struct image_part))
		return IMAGE_ERR_LAYOUT;
	if (h->nr_parts == 0 || h->nr_parts > IMAGE_MAX_PARTS)
		return IMAGE_ERR_PART_COUNT;
	table_end = (uint64_t)h->table_offset + sizeof(struct image_header) +
		    (uint64_t)h->nr_parts * sizeof(struct image_part);
	if (table_end > avail)
		return IMAGE_ERR_TRUNCATED;
	if (table_checksum(h) != h->header_checksum)
		return IMAGE_ERR_HEADER_CHECKSUM;
	*hp = h;
	return IMAGE_OK;
}

/* image_size against what is there, and the end marker it points at. */
static int check_extent(const void *image, uint32_t avail,
			const struct image_header *h)
{
	const uint8_t *end;
	uint64_t table_end = (uint64_t)h->table_offset +
			     sizeof(struct image_header) +
			     (uint64_t)h->nr_parts * sizeof(struct image_part);

	if (h->image_size > avail ||
	    h->image_size < table_end + sizeof(struct image_end))
		return IMAGE_ERR_TRUNCATED;
	end = (const uint8_t *)image + h->image_size - sizeof(struct image_end);
	if (get_le32(end) != IMAGE_END_MAGIC ||
	    get_le32(end + 4) != h->image_size)
		return IMAGE_ERR_TRUNCATED;
	return IMAGE_OK;
}

struct layout {
	uint64_t frames_start; /* image offset of the first byte after table */
	uint64_t frames_end;   /* image offset of the end marker */
	uint64_t ram_start, ram_end;
	uint64_t image_start, image_end; /* physical */
};

static int check_part(const struct image_header *h, unsigned i,
		      const struct layout *l)
{
	const struct image_part *parts = parts_of(h);
	const struct image_part *p = &parts[i];
	uint64_t frame = (uint64_t)h->table_offset + p->frame_offset;
	uint64_t dst = p->load_addr, dst_end = dst + p->mem_size;

	if (p->kind != IMAGE_PART_KERNEL && p->kind != IMAGE_PART_BOOTINFO &&
	    p->kind != IMAGE_PART_CONTAINER)
		return IMAGE_ERR_PART_KIND;
	if (frame < l->frames_start || frame + p->frame_size > l->frames_end)
		return IMAGE_ERR_FRAME_BOUNDS;
	if (p->raw_size > p->mem_size)
		return IMAGE_ERR_PART_SIZE;
	if (dst < l->ram_start || dst_end > l->ram_end)
		return IMAGE_ERR_OUT_OF_RAM;
	if (overlaps(dst, dst_end, l->image_start, l->image_end))
		return IMAGE_ERR_OVERLAP;
	for (unsigned j = 0; j < i; j++) {
		uint64_t o = parts[j].load_addr;

		if (overlaps(dst, dst_end, o, o + parts[j].mem_size))
			return IMAGE_ERR_OVERLAP;
	}
	return IMAGE_OK;
}

int image_check(const void *image, uint32_t avail, uint32_t ram_base,
		uint32_t ram_size, struct image_fault *fault)
{
	const struct image_header *h = NULL;
	const struct image_part *parts;
	struct layout l;
	int err;

	fail(fault, IMAGE_OK, -1);
	err = check_header(image, avail, &h);
	if (!err)
		err = check_extent(image, avail, h);
	if (err)
		return fail(fault, err, -1);

	l.frames_start = (uint64_t)h->table_offset +
			 sizeof(struct image_header) +
			 (uint64_t)h->nr_parts * sizeof(struct image_part);
	l.frames_end = (uint64_t)h->image_size - sizeof(struct image_end);
	l.ram_start = ram_base;
	l.ram_end = (uint64_t)ram_base + ram_size;
	l.image_start = h->image_base;
	l.image_end = (uint64_t)h->image_base + h->image_size;
	for (unsigned i = 0; i < h->nr_parts; i++) {
		err = check_part(h, i, &l);
		if (err)
			return fail(fault, err, (int)i);
	}

	parts = parts_of(h);
	if (h->kernel_part >= h->nr_parts ||
	    parts[h->kernel_part].kind != IMAGE_PART_KERNEL)
		return fail(fault, IMAGE_ERR_NO_KERNEL, -1);
	if (h->bootinfo_part >= h->nr_parts ||
	    parts[h->bootinfo_part].kind != IMAGE_PART_BOOTINFO)
		return fail(fault, IMAGE_ERR_NO_BOOTINFO, -1);
	return IMAGE_OK;
}

const struct image_part *image_part(const void *image, unsigned i)
{
	/* image_check() found it, so the search ends at the same place. */
	const struct image_header *h = find_table(image, UINT32_MAX);

	if (!h || i >= h->nr_parts || i >= IMAGE_MAX_PARTS)
		return NULL;
	return &parts_of(h)[i];
}

/*
 * Zero n bytes: words once aligned, eight at a time while there are (a
 * part's .bss is most of what the loader writes: 177 KB of the bench
 * system's 270 KB), on ARM with stm. The empty asm keeps the compiler
 * from turning the loops into a memset() call, which the loader does not
 * have.
 */
static void zero_fill(uint8_t *p, size_t n)
{
	typedef uint32_t __attribute__((may_alias)) alias_u32;

	for (; n && ((uintptr_t)p & 3); n--)
		*p++ = 0;
#ifdef __arm__
	if (n >= 32) {
		register uint32_t z0 __asm__("r4") = 0;
		register uint32_t z1 __asm__("r5") = 0;
		register uint32_t z2 __asm__("r6") = 0;
		register uint32_t z3 __asm__("r7") = 0;

		/* eight stm of four zero registers: 128 bytes in 11 */
		for (; n >= 128; n -= 128)
			__asm__ volatile("stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}"
					 : "+r"(p)
					 : "r"(z0), "r"(z1), "r"(z2), "r"(z3)
					 : "memory");
		for (; n >= 32; n -= 32)
			__asm__ volatile("stmia %0!, {%1, %2, %3, %4}\n\t"
					 "stmia %0!, {%1, %2, %3, %4}"
					 : "+r"(p)
					 : "r"(z0), "r"(z1), "r"(z2), "r"(z3)
					 : "memory");
	}
#else
	for (; n >= 32; n -= 32) {
		alias_u32 *w = (alias_u32 *)p;

		w[0] = 0;
		w[1] = 0;
		w[2] = 0;
		w[3] = 0;
		w[4] = 0;
		w[5] = 0;
		w[6] = 0;
		w[7] = 0;
		p += 32;
		__asm__("" : "+r"(p));
	}
#endif
	for (; n >= 4; n -= 4) {
		*(alias_u32 *)p = 0;
		p += 4;
		__asm__("" : "+r"(p));
	}
	for (; n; n--) {
		*p++ = 0;
		__asm__("" : "+r"(p));
	}
}

int image_unpack_part(const void *image, unsigned i, void *dst,
		      struct image_fault *fault)
{
	const struct image_header *h = find_table(image, UINT32_MAX);
	const struct image_part *p;
	size_t got = 0;
	int err;

	fail(fault, IMAGE_OK, (int)i);
	if (!h)
		return fail(fault, IMAGE_ERR_MAGIC, -1);
	if (i >= h->nr_parts || i >= IMAGE_MAX_PARTS)
		return fail(fault, IMAGE_ERR_PART_COUNT, -1);
	p = &parts_of(h)[i];

	/* Room for raw_size only: a frame that decodes to more is refused. */
	err =
	    lz4f_decode((const uint8_t *)h + p->frame_offset, p->frame_size,
			dst, p->raw_size, LZ4F_REQUIRE_CONTENT_CHECKSUM, &got);
	if (!err && got != p->raw_size)
		err = LZ4F_ERR_CONTENT_SIZE;
	if (err) {
		fail(fault, IMAGE_ERR_FRAME, (int)i);
		fault->detail = err;
		return IMAGE_ERR_FRAME;
	}
	/*
	 * The decoder has checked the frame's content checksum against the
	 * xxh32 of every decoded byte (it had to be there); the table's is
	 * the same hash of the same bytes, so comparing the two checks the
	 * table's without hashing the part a second time.
	 */
	if (lz4f_content_checksum((const uint8_t *)h + p->frame_offset,
				  p->frame_size) != p->checksum)
		return fail(fault, IMAGE_ERR_CHECKSUM, (int)i);
	zero_fill((uint8_t *)dst + p->raw_size, p->mem_size - p->raw_size);
	return IMAGE_OK;
}

const char *image_strerror(int code)
{
	switch (code) {
	case IMAGE_OK:
		return "ok";
	case IMAGE_ERR_MAGIC:
		return "no image table (bad magic)";
	case IMAGE_ERR_VERSION:
		return "unsupported table version";
	case IMAGE_ERR_LAYOUT:
		return "bad header or entry size";
	case IMAGE_ERR_PART_COUNT:
		return "bad part count";
	case IMAGE_ERR_HEADER_CHECKSUM:
		return "header checksum mismatch";
	case IMAGE_ERR_TRUNCATED:
		return "image truncated (end marker missing or wrong)";
	case IMAGE_ERR_PART_KIND:
		return "bad part kind";
	case IMAGE_ERR_FRAME_BOUNDS:
		return "frame outside the image";
	case IMAGE_ERR_PART_SIZE:
		return "raw size exceeds memory size";
	case IMAGE_ERR_OVERLAP:
		return "destination overlaps another part or the image";
	case IMAGE_ERR_OUT_OF_RAM:
		return "destination outside RAM";
	case IMAGE_ERR_FRAME:
		return "bad lz4 frame";
	case IMAGE_ERR_CHECKSUM:
		return "part checksum mismatch";
	case IMAGE_ERR_NO_KERNEL:
		return "no kernel part";
	case IMAGE_ERR_NO_BOOTINFO:
		return "no boot-info part";
	default:
		return "unknown image error";
	}
}
