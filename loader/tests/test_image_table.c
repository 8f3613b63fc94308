/*
 * Host tests for the image table: images are built in memory here (a small
 * builder laid out like tools/pack.py does, with lz4 frames from the lz4
 * tool), then damaged field by field; every image_check() and
 * image_unpack_part() error must come out with the right part index, and a
 * good image must unpack exactly into host buffers standing in for RAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <loader/image_format.h>
#include <loader/image_table.h>
#include <loader/lz4frame.h>
#include <loader/xxh32.h>

#define RAM_BASE   0x40000000u
#define RAM_SIZE   0x00400000u /* 4 MiB, mirrored by host_ram[] */
#define IMAGE_BASE 0x40300000u
#define TABLE_OFF  8192u /* a 2-page "loader" before the table */
#define IMG_CAP	   (256u * 1024u)
#define NR_PARTS   3

struct spec {
	uint32_t kind;
	const char *name;
	uint32_t load, entry, mem;
	uint8_t *data;
	size_t len;
	uint8_t *frame;
	size_t flen;
};

static struct spec specs[NR_PARTS];
static uint8_t *img;	  /* the image, as it sits at IMAGE_BASE */
static uint8_t *host_ram; /* RAM_BASE..RAM_BASE+RAM_SIZE */
static uint32_t img_size;
static struct image_header *hdr;
static struct image_part *ent;
static struct image_fault fault;
static char tmpdir[64];

/* ---- frames from the lz4 tool --------------------------------------- */

static uint8_t *lz4_tool(const uint8_t *data, size_t n, const char *opts,
			 size_t *flen)
{
	char in[128], out[128], cmd[512];
	FILE *f;
	long size;
	uint8_t *frame;

	snprintf(in, sizeof(in), "%s/in", tmpdir);
	snprintf(out, sizeof(out), "%s/in.lz4", tmpdir);
	f = fopen(in, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "lz4 -q -f %s %s %s", opts, in, out);
	assert_int_equal(system(cmd), 0);
	f = fopen(out, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	frame = malloc((size_t)size);
	assert_non_null(frame);
	assert_int_equal(fread(frame, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	unlink(in);
	unlink(out);
	*flen = (size_t)size;
	return frame;
}

static void set_frame(struct spec *s, const char *opts)
{
	free(s->frame);
	s->frame = lz4_tool(s->data, s->len, opts, &s->flen);
}

static uint8_t *make_data(size_t n, uint32_t seed, bool compressible)
{
	uint8_t *p = malloc(n);
	uint32_t x = seed;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = compressible
			   ? (uint8_t)("kernel text "[i % 12] ^ (i / 512 % 3))
			   : (uint8_t)(x >> 16);
	}
	return p;
}

static int group_setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_image_table.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	img = aligned_alloc(4096, IMG_CAP);
	host_ram = malloc(RAM_SIZE);
	if (!img || !host_ram)
		return -1;
	specs[0] = (struct spec){IMAGE_PART_KERNEL,
				 "kernel",
				 0x40010000u,
				 0x40010000u,
				 0x8000u,
				 make_data(20000, 1, true),
				 20000,
				 NULL,
				 0};
	specs[1] = (struct spec){
	    IMAGE_PART_BOOTINFO,      "bootinfo", 0x40020000u, 0, 0x1000u,
	    make_data(200, 2, false), 200,	  NULL,	       0};
	specs[2] = (struct spec){
	    IMAGE_PART_CONTAINER,      "hello", 0x40100000u, 0x8000u, 0x4001u,
	    make_data(5003, 3, false), 5003,	NULL,	     0};
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NR_PARTS; i++) {
		free(specs[i].data);
		free(specs[i].frame);
	}
	free(img);
	free(host_ram);
	return rmdir(tmpdir);
}

/* Every test starts from the standard frames. */
static int setup(void **state)
{
	(void)state;
	set_frame(&specs[0], "-BD -BX");
	set_frame(&specs[1], "");
	set_frame(&specs[2], "-B4 --content-size");
	return 0;
}

/* ---- the builder ---------------------------------------------------- */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the header checksum after a deliberate change. */
static void reseal(void)
{
	size_t len = sizeof(*hdr) + (size_t)hdr->nr_parts * sizeof(*ent);

	hdr->header_checksum = 0;
	hdr->header_checksum = xxh32(hdr, len, 0);
}

/*
 * Loader bytes (with stray magic words on its page boundaries that the
 * table search must pass over), header and entries, frames 4-byte aligned,
 * end marker: as tools/pack.py lays it out.
 */
static void build(unsigned n)
{
	uint32_t table_size = sizeof(*hdr) + n * sizeof(*ent);
	uint32_t off = (table_size + 3) & ~3u;

	memset(img, 0xCC, IMG_CAP);
	for (uint32_t i = 0; i < TABLE_OFF; i++)
		img[i] = (uint8_t)(i * 7 + 1);
	put_le32(img, IMAGE_MAGIC);
	put_le32(img + 4096, IMAGE_MAGIC);
	put_le32(img + 4096 + 16, 0);

	hdr = (struct image_header *)(img + TABLE_OFF);
	ent = (struct image_part *)(hdr + 1);
	memset(hdr, 0, off);
	for (unsigned i = 0; i < n; i++) {
		struct spec *s = &specs[i];

		ent[i].kind = s->kind;
		strncpy(ent[i].name, s->name, IMAGE_NAME_LEN);
		ent[i].load_addr = s->load;
		ent[i].entry = s->entry;
		ent[i].mem_size = s->mem;
		ent[i].raw_size = (uint32_t)s->len;
		ent[i].frame_offset = off;
		ent[i].frame_size = (uint32_t)s->flen;
		ent[i].checksum = xxh32(s->data, s->len, 0);
		memcpy((uint8_t *)hdr + off, s->frame, s->flen);
		off += (uint32_t)s->flen;
		while (off & 3)
			((uint8_t *)hdr)[off++] = 0;
	}
	img_size = TABLE_OFF + off + sizeof(struct image_end);
	assert_true(img_size <= IMG_CAP);
	put_le32((uint8_t *)hdr + off, IMAGE_END_MAGIC);
	put_le32((uint8_t *)hdr + off + 4, img_size);

	hdr->magic = IMAGE_MAGIC;
	hdr->version = IMAGE_VERSION;
	hdr->header_size = sizeof(*hdr);
	hdr->part_size = sizeof(*ent);
	hdr->nr_parts = (uint16_t)n;
	hdr->image_base = IMAGE_BASE;
	hdr->table_offset = TABLE_OFF;
	hdr->image_size = img_size;
	hdr->kernel_part = 0;
	hdr->bootinfo_part = 1;
	reseal();
}

static int check_avail(uint32_t avail)
{
	memset(&fault, 0x55, sizeof(fault));
	return image_check(img, avail, RAM_BASE, RAM_SIZE, &fault);
}

static int check(void)
{
	return check_avail(IMG_CAP);
}

#define assert_fault(expr, want_code, want_part)                               \
	do {                                                                   \
		int got_ = (expr);                                             \
		if (got_ != (want_code) || fault.code != (want_code) ||        \
		    fault.part != (want_part))                                 \
			fail_msg("%s: got %d (%s) part %d, want %d (%s) "      \
				 "part %d",                                    \
				 #expr, got_, image_strerror(got_),            \
				 fault.part, (want_code),                      \
				 image_strerror(want_code), (want_part));      \
	} while (0)

static uint8_t *dst_of(unsigned i)
{
	return host_ram + (ent[i].load_addr - RAM_BASE);
}

static int unpack(unsigned i)
{
	memset(&fault, 0x55, sizeof(fault));
	return image_unpack_part(img, i, dst_of(i), &fault);
}

/* ---- a good image --------------------------------------------------- */

static void test_good_image(void **state)
{
	(void)state;
	build(NR_PARTS);
	assert_fault(check(), IMAGE_OK, -1);
	assert_int_equal(fault.detail, 0);
	/* exactly the bytes present is enough */
	assert_fault(check_avail(img_size), IMAGE_OK, -1);

	memset(host_ram, 0xAA, RAM_SIZE);
	for (unsigned i = 0; i < NR_PARTS; i++) {
		const struct spec *s = &specs[i];
		const struct image_part *p = image_part(img, i);
		uint8_t *d = dst_of(i);

		assert_ptr_equal(p, &ent[i]);
		assert_string_equal(p->name, s->name);
		assert_fault(unpack(i), IMAGE_OK, (int)i);
		assert_memory_equal(d, s->data, s->len);
		/* zero-filled to mem_size, nothing written past it */
		for (size_t k = s->len; k < s->mem; k++)
			assert_int_equal(d[k], 0);
		for (size_t k = s->mem; k < s->mem + 64; k++)
			assert_int_equal(d[k], 0xAA);
		assert_int_equal(d[-1], 0xAA);
	}
	assert_null(image_part(img, NR_PARTS));
}

/* Part counts: 1..IMAGE_MAX_PARTS are accepted, others refused. */
static void test_part_count_limits(void **state)
{
	(void)state;
	build(1); /* the kernel alone */
	assert_fault(check(), IMAGE_ERR_NO_BOOTINFO, -1);
	hdr->bootinfo_part = 0;
	reseal();
	assert_fault(check(), IMAGE_ERR_NO_BOOTINFO, -1);

	build(NR_PARTS);
	hdr->nr_parts = IMAGE_MAX_PARTS + 1;
	assert_fault(check(), IMAGE_ERR_PART_COUNT, -1);
	hdr->nr_parts = 0;
	assert_fault(check(), IMAGE_ERR_PART_COUNT, -1);
	hdr->nr_parts = 0xFFFF;
	assert_fault(check(), IMAGE_ERR_PART_COUNT, -1);
	/* 64 is allowed: the extra entries are then caught by the checksum */
	hdr->nr_parts = IMAGE_MAX_PARTS;
	assert_fault(check(), IMAGE_ERR_HEADER_CHECKSUM, -1);
}

/* ---- table-level faults --------------------------------------------- */

static void test_magic(void **state)
{
	(void)state;
	build(NR_PARTS);
	hdr->magic ^= 1;
	assert_fault(check(), IMAGE_ERR_MAGIC, -1);

	/* a header whose table_offset names another place is not the table */
	build(NR_PARTS);
	hdr->table_offset += 4096;
	reseal();
	assert_fault(check(), IMAGE_ERR_MAGIC, -1);

	/* not enough bytes for a header */
	build(NR_PARTS);
	assert_fault(check_avail(TABLE_OFF + sizeof(*hdr) - 1), IMAGE_ERR_MAGIC,
		     -1);
	assert_fault(check_avail(0), IMAGE_ERR_MAGIC, -1);
	/* a header but not its entries */
	assert_fault(check_avail(TABLE_OFF + sizeof(*hdr)), IMAGE_ERR_TRUNCATED,
		     -1);
}

static void test_version_and_layout(void **state)
{
	(void)state;
	build(NR_PARTS);
	hdr->version = IMAGE_VERSION + 1;
	assert_fault(check(), IMAGE_ERR_VERSION, -1);
	reseal();
	assert_fault(check(), IMAGE_ERR_VERSION, -1);
	hdr->version = 0;
	reseal();
	assert_fault(check(), IMAGE_ERR_VERSION, -1);

	build(NR_PARTS);
	hdr->header_size += 4;
	assert_fault(check(), IMAGE_ERR_LAYOUT, -1);
	build(NR_PARTS);
	hdr->part_size -= 4;
	reseal();
	assert_fault(check(), IMAGE_ERR_LAYOUT, -1);
}

/*
 * A flipped byte anywhere in the header or the entries is refused at table
 * level: the fields checked before the checksum give their own error,
 * everything else is caught by the checksum.
 */
static void test_every_table_byte(void **state)
{
	uint32_t len = sizeof(*hdr) + NR_PARTS * sizeof(*ent);

	(void)state;
	build(NR_PARTS);
	for (uint32_t i = 0; i < len; i++) {
		uint8_t *b = (uint8_t *)hdr + i;
		int want;

		if (i < 4 || (i >= 16 && i < 20))
			want = IMAGE_ERR_MAGIC; /* magic, table_offset */
		else if (i < 6)
			want = IMAGE_ERR_VERSION;
		else if (i < 10)
			want = IMAGE_ERR_LAYOUT;
		else if (i < 12)
			want = IMAGE_ERR_PART_COUNT; /* 3 ^ 0x5a, 0x5a03 */
		else
			want = IMAGE_ERR_HEADER_CHECKSUM;
		*b ^= 0x5A;
		assert_fault(check(), want, -1);
		*b ^= 0x5A;
	}
	assert_fault(check(), IMAGE_OK, -1);
}

static void test_truncated(void **state)
{
	uint32_t table_end = TABLE_OFF + sizeof(*hdr) + NR_PARTS * sizeof(*ent);

	(void)state;
	build(NR_PARTS);
	/* fewer bytes present than image_size says */
	for (uint32_t avail = table_end; avail < img_size;
	     avail += 1 + (img_size - avail) / 3)
		assert_fault(check_avail(avail), IMAGE_ERR_TRUNCATED, -1);
	assert_fault(check_avail(img_size - 1), IMAGE_ERR_TRUNCATED, -1);

	/* the end marker damaged */
	for (uint32_t i = img_size - 8; i < img_size; i++) {
		img[i] ^= 0x5A;
		assert_fault(check(), IMAGE_ERR_TRUNCATED, -1);
		img[i] ^= 0x5A;
	}

	/* image_size moved off the end marker (checksum kept valid) */
	hdr->image_size += 4;
	reseal();
	assert_fault(check(), IMAGE_ERR_TRUNCATED, -1);
	hdr->image_size -= 8;
	reseal();
	assert_fault(check(), IMAGE_ERR_TRUNCATED, -1);
	/* too small to hold the table and the marker, or absurdly large */
	hdr->image_size = table_end + 7;
	reseal();
	assert_fault(check(), IMAGE_ERR_TRUNCATED, -1);
	hdr->image_size = 0;
	reseal();
	assert_fault(check(), IMAGE_ERR_TRUNCATED, -1);
	hdr->image_size = 0xFFFFFFFF;
	reseal();
	assert_fault(check_avail(0xFFFFFFFE), IMAGE_ERR_TRUNCATED, -1);
}

/*
 * Only the avail bytes are read: each prefix of the image is copied into a
 * heap block of exactly that size (so ASan/valgrind see any over-read).
 */
static void test_reads_only_avail(void **state)
{
	uint32_t hdr_end = TABLE_OFF + sizeof(*hdr);

	(void)state;
	build(NR_PARTS);
	/* every length around the header and entries, a sample elsewhere */
	for (uint32_t avail = 0; avail <= img_size;
	     avail += avail + 512 < TABLE_OFF		   ? 509
		      : avail < hdr_end + 3 * sizeof(*ent) ? 1
							   : 97) {
		uint8_t *copy = malloc(avail ? avail : 1);
		struct image_fault f;
		int want = avail < hdr_end    ? IMAGE_ERR_MAGIC
			   : avail < img_size ? IMAGE_ERR_TRUNCATED
					      : IMAGE_OK;

		memcpy(copy, img, avail);
		assert_int_equal(
		    image_check(copy, avail, RAM_BASE, RAM_SIZE, &f), want);
		free(copy);
	}
	uint8_t *copy = malloc(img_size);
	struct image_fault f;

	memcpy(copy, img, img_size);
	assert_int_equal(image_check(copy, img_size, RAM_BASE, RAM_SIZE, &f),
			 IMAGE_OK);
	free(copy);
}

static void test_kernel_and_bootinfo_indexes(void **state)
{
	(void)state;
	build(NR_PARTS);
	hdr->kernel_part = NR_PARTS;
	reseal();
	assert_fault(check(), IMAGE_ERR_NO_KERNEL, -1);
	hdr->kernel_part = 0xFFFFFFFF;
	reseal();
	assert_fault(check(), IMAGE_ERR_NO_KERNEL, -1);
	hdr->kernel_part = 2; /* a container */
	reseal();
	assert_fault(check(), IMAGE_ERR_NO_KERNEL, -1);

	build(NR_PARTS);
	hdr->bootinfo_part = 0; /* the kernel */
	reseal();
	assert_fault(check(), IMAGE_ERR_NO_BOOTINFO, -1);
	hdr->bootinfo_part = NR_PARTS;
	reseal();
	assert_fault(check(), IMAGE_ERR_NO_BOOTINFO, -1);
}

/* ---- part-level faults ---------------------------------------------- */

static void test_part_kind(void **state)
{
	static const uint32_t bad[] = {0, 4, 0x100, 0xFFFFFFFF};

	(void)state;
	for (unsigned i = 0; i < NR_PARTS; i++)
		for (unsigned k = 0; k < 4; k++) {
			build(NR_PARTS);
			ent[i].kind = bad[k];
			reseal();
			assert_fault(check(), IMAGE_ERR_PART_KIND, (int)i);
		}
	/* a second kernel is a valid kind; only kernel_part is started */
	build(NR_PARTS);
	ent[2].kind = IMAGE_PART_KERNEL;
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
}

static void test_frame_bounds(void **state)
{
	uint32_t table_size = sizeof(*hdr) + NR_PARTS * sizeof(*ent);
	uint32_t marker;

	(void)state;
	build(NR_PARTS);
	marker = img_size - 8 - TABLE_OFF; /* end marker, table-relative */

	struct {
		unsigned part;
		uint32_t off, size;
		int want;
	} cases[] = {
	    {0, 0, 100, IMAGE_ERR_FRAME_BOUNDS},
	    {0, table_size - 1, 100, IMAGE_ERR_FRAME_BOUNDS},
	    {1, table_size, 8, IMAGE_OK},
	    {2, marker - 8, 8, IMAGE_OK},
	    {2, marker - 8, 9, IMAGE_ERR_FRAME_BOUNDS},
	    {2, marker, 0, IMAGE_OK},
	    {2, marker, 1, IMAGE_ERR_FRAME_BOUNDS},
	    {1, img_size, 4, IMAGE_ERR_FRAME_BOUNDS},
	    {1, 0xFFFFFFF0u, 0x20, IMAGE_ERR_FRAME_BOUNDS},
	    {1, table_size, 0xFFFFFFFFu, IMAGE_ERR_FRAME_BOUNDS},
	    {1, 0xFFFFFFFFu, 0xFFFFFFFFu, IMAGE_ERR_FRAME_BOUNDS},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		build(NR_PARTS);
		ent[cases[c].part].frame_offset = cases[c].off;
		ent[cases[c].part].frame_size = cases[c].size;
		reseal();
		assert_fault(check(), cases[c].want,
			     cases[c].want ? (int)cases[c].part : -1);
	}
}

static void test_part_size(void **state)
{
	(void)state;
	build(NR_PARTS);
	ent[1].raw_size = ent[1].mem_size + 1;
	reseal();
	assert_fault(check(), IMAGE_ERR_PART_SIZE, 1);
	ent[1].raw_size = 0xFFFFFFFF;
	reseal();
	assert_fault(check(), IMAGE_ERR_PART_SIZE, 1);
	/* raw_size == mem_size: nothing to zero */
	build(NR_PARTS);
	ent[2].mem_size = ent[2].raw_size;
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
	memset(host_ram, 0xAA, RAM_SIZE);
	assert_fault(unpack(2), IMAGE_OK, 2);
	assert_memory_equal(dst_of(2), specs[2].data, specs[2].len);
	assert_int_equal(dst_of(2)[specs[2].len], 0xAA);
}

static void test_out_of_ram(void **state)
{
	(void)state;
	struct {
		uint32_t load, mem;
		int want;
	} cases[] = {
	    {RAM_BASE - 0x1000, 0x1000, IMAGE_ERR_OUT_OF_RAM},
	    {RAM_BASE - 1, 0x1000, IMAGE_ERR_OUT_OF_RAM},
	    {RAM_BASE, 0x1000, IMAGE_OK},
	    {RAM_BASE + RAM_SIZE - 0x1000, 0x1000, IMAGE_OK},
	    {RAM_BASE + RAM_SIZE - 0x1000, 0x1001, IMAGE_ERR_OUT_OF_RAM},
	    {RAM_BASE + RAM_SIZE, 0x1000, IMAGE_ERR_OUT_OF_RAM},
	    {0xFFFFF000u, 0x2000, IMAGE_ERR_OUT_OF_RAM}, /* wraps */
	    {RAM_BASE + 0x1000, 0xFFFFFFFFu, IMAGE_ERR_OUT_OF_RAM},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		build(NR_PARTS);
		ent[1].load_addr = cases[c].load;
		ent[1].mem_size = cases[c].mem;
		reseal();
		assert_fault(check(), cases[c].want, cases[c].want ? 1 : -1);
	}

	/* RAM reaching the very top of the 32-bit space */
	build(NR_PARTS);
	ent[2].load_addr = 0xFFFFC000u;
	ent[2].mem_size = 0x4000;
	reseal();
	memset(&fault, 0, sizeof(fault));
	assert_int_equal(
	    image_check(img, IMG_CAP, RAM_BASE, 0xC0000000u, &fault), IMAGE_OK);
	ent[2].mem_size = 0x4001;
	reseal();
	assert_int_equal(
	    image_check(img, IMG_CAP, RAM_BASE, 0xC0000000u, &fault),
	    IMAGE_ERR_OUT_OF_RAM);
	assert_int_equal(fault.part, 2);
}

static void test_overlap(void **state)
{
	uint32_t k_end = specs[0].load + specs[0].mem;

	(void)state;
	struct {
		unsigned part;
		uint32_t load;
		int want;
	} cases[] = {
	    /* against the kernel, an earlier part */
	    {1, k_end - 1, IMAGE_ERR_OVERLAP},
	    {1, k_end, IMAGE_OK},
	    {1, specs[0].load, IMAGE_ERR_OVERLAP},
	    {2, specs[0].load - 0x4000, IMAGE_ERR_OVERLAP},
	    {2, specs[0].load - 0x4001, IMAGE_OK},
	    /* against the bootinfo, the part just before */
	    {2, specs[1].load + specs[1].mem - 1, IMAGE_ERR_OVERLAP},
	    /* against the image itself */
	    {2, IMAGE_BASE - specs[2].mem, IMAGE_OK},
	    {2, IMAGE_BASE - specs[2].mem + 1, IMAGE_ERR_OVERLAP},
	    {2, IMAGE_BASE + 0x100, IMAGE_ERR_OVERLAP},
	    {0, IMAGE_BASE + 0x100, IMAGE_ERR_OVERLAP},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		build(NR_PARTS);
		ent[cases[c].part].load_addr = cases[c].load;
		reseal();
		assert_fault(check(), cases[c].want,
			     cases[c].want ? (int)cases[c].part : -1);
	}

	/* just past the image's end, and just inside it */
	build(NR_PARTS);
	ent[2].load_addr = IMAGE_BASE + img_size;
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
	ent[2].load_addr = IMAGE_BASE + img_size - 1;
	reseal();
	assert_fault(check(), IMAGE_ERR_OVERLAP, 2);

	/* an empty destination overlaps nothing, even inside another part */
	build(NR_PARTS);
	ent[1].load_addr = specs[0].load + 0x100;
	ent[1].mem_size = 0;
	ent[1].raw_size = 0;
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
	ent[1].mem_size = 1;
	reseal();
	assert_fault(check(), IMAGE_ERR_OVERLAP, 1);

	/* a part that swallows the whole image */
	build(NR_PARTS);
	ent[2].load_addr = IMAGE_BASE - 0x1000;
	ent[2].mem_size = 0x80000;
	reseal();
	assert_fault(check(), IMAGE_ERR_OVERLAP, 2);
}

/* ---- unpacking faults ----------------------------------------------- */

static void test_unpack_corrupt_frame(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_PARTS; i++) {
		uint8_t *frame;

		build(NR_PARTS);
		frame = (uint8_t *)hdr + ent[i].frame_offset;
		/* the table is fine: only decoding can notice */
		frame[ent[i].frame_size / 2] ^= 0x5A;
		assert_fault(check(), IMAGE_OK, -1);
		assert_fault(unpack(i), IMAGE_ERR_FRAME, (int)i);
		assert_int_not_equal(fault.detail, LZ4F_OK);

		/* the frame's header checksum byte */
		build(NR_PARTS);
		frame = (uint8_t *)hdr + ent[i].frame_offset;
		frame[4] ^= 0x5A; /* FLG: version bits change */
		assert_fault(unpack(i), IMAGE_ERR_FRAME, (int)i);
		assert_int_equal(fault.detail, LZ4F_ERR_VERSION);

		build(NR_PARTS);
		frame = (uint8_t *)hdr + ent[i].frame_offset;
		frame[ent[i].frame_size - 2] ^= 0x5A; /* content checksum */
		assert_fault(unpack(i), IMAGE_ERR_FRAME, (int)i);
		assert_int_equal(fault.detail, LZ4F_ERR_CONTENT_CHECKSUM);

		build(NR_PARTS);
		ent[i].frame_size -= 1;
		reseal();
		assert_fault(check(), IMAGE_OK, -1);
		assert_fault(unpack(i), IMAGE_ERR_FRAME, (int)i);
		assert_int_equal(fault.detail, LZ4F_ERR_TRUNCATED);
	}
	/* the block checksums of part 0 catch its damage first */
	build(NR_PARTS);
	((uint8_t *)hdr + ent[0].frame_offset)[ent[0].frame_size / 2] ^= 1;
	assert_fault(unpack(0), IMAGE_ERR_FRAME, 0);
	assert_int_equal(fault.detail, LZ4F_ERR_BLOCK_CHECKSUM);
}

static void test_unpack_raw_size_mismatch(void **state)
{
	(void)state;
	memset(host_ram, 0xAA, RAM_SIZE);
	build(NR_PARTS);
	ent[1].raw_size -= 1;
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
	assert_fault(unpack(1), IMAGE_ERR_FRAME, 1);
	assert_int_equal(fault.detail, LZ4F_ERR_OUTPUT_OVERFLOW);
	/* nothing was written past raw_size */
	assert_int_equal(dst_of(1)[ent[1].raw_size], 0xAA);

	build(NR_PARTS);
	ent[1].raw_size += 1;
	reseal();
	assert_fault(unpack(1), IMAGE_ERR_FRAME, 1);
	assert_int_equal(fault.detail, LZ4F_ERR_CONTENT_SIZE);

	/* part 2's frame declares its size: refused before decoding */
	build(NR_PARTS);
	ent[2].raw_size -= 1;
	reseal();
	assert_fault(unpack(2), IMAGE_ERR_FRAME, 2);
	assert_int_equal(fault.detail, LZ4F_ERR_OUTPUT_OVERFLOW);
}

static void test_unpack_needs_content_checksum(void **state)
{
	(void)state;
	set_frame(&specs[2], "--no-frame-crc");
	build(NR_PARTS);
	assert_fault(check(), IMAGE_OK, -1);
	assert_fault(unpack(2), IMAGE_ERR_FRAME, 2);
	assert_int_equal(fault.detail, LZ4F_ERR_NO_CONTENT_CHECKSUM);
	assert_fault(unpack(0), IMAGE_OK, 0);
}

static void test_unpack_part_checksum(void **state)
{
	(void)state;
	for (unsigned i = 0; i < NR_PARTS; i++) {
		build(NR_PARTS);
		ent[i].checksum ^= 0x00010000;
		reseal();
		assert_fault(check(), IMAGE_OK, -1);
		assert_fault(unpack(i), IMAGE_ERR_CHECKSUM, (int)i);
		assert_int_equal(fault.detail, 0);
	}
}

/* A frame of one stored block holding data[0..n), with its content
 * checksum (given, not computed: a test may lie). Returns its length. */
static size_t stored_frame(uint8_t *f, const uint8_t *data, size_t n,
			   uint32_t content_checksum)
{
	put_le32(f, 0x184D2204);
	f[4] = 0x64; /* version 01, independent blocks, content checksum */
	f[5] = 0x40; /* 64 KiB blocks */
	f[6] = (uint8_t)(xxh32(f + 4, 2, 0) >> 8);
	put_le32(f + 7, 0x80000000u | (uint32_t)n);
	memcpy(f + 11, data, n);
	put_le32(f + 11 + n, 0);
	put_le32(f + 15 + n, content_checksum);
	return n + 19;
}

/*
 * Each part is hashed once, by the decoder against the frame's content
 * checksum; the loader compares the table's checksum with the frame's
 * stored one. So a frame that is whole in itself (its content checksum
 * matches its content) but holds other bytes than the table says is
 * refused by that comparison, and a frame whose stored checksum is wrong
 * by the decoder even when the table agrees with it.
 */
static void test_unpack_checks_each_part_once(void **state)
{
	struct spec *s = &specs[1];
	uint8_t *other = malloc(s->len), *f = malloc(s->len + 32);
	uint32_t want = xxh32(s->data, s->len, 0);

	(void)state;
	/* the tool's frames store the table's checksum */
	for (unsigned i = 0; i < NR_PARTS; i++) {
		build(NR_PARTS);
		assert_int_equal(lz4f_content_checksum((uint8_t *)hdr +
							   ent[i].frame_offset,
						       ent[i].frame_size),
				 ent[i].checksum);
	}
	assert_int_equal(lz4f_content_checksum(f, 3), 0);

	/* one byte changed, the frame's checksum made to match it */
	memcpy(other, s->data, s->len);
	other[s->len / 2] ^= 0x20;
	free(s->frame);
	s->frame = f;
	s->flen = stored_frame(f, other, s->len, xxh32(other, s->len, 0));
	build(NR_PARTS);
	ent[1].checksum = want; /* the table holds the original's */
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
	assert_fault(unpack(1), IMAGE_ERR_CHECKSUM, 1);
	assert_int_equal(fault.detail, 0);

	/* the original bytes, the frame's checksum and the table's both
	 * wrong but equal: the decoder's hash refuses it */
	s->flen = stored_frame(f, s->data, s->len, want ^ 0x100);
	build(NR_PARTS);
	ent[1].checksum = want ^ 0x100;
	reseal();
	assert_fault(check(), IMAGE_OK, -1);
	assert_fault(unpack(1), IMAGE_ERR_FRAME, 1);
	assert_int_equal(fault.detail, LZ4F_ERR_CONTENT_CHECKSUM);

	/* and the whole frame with the table's checksum is good */
	s->flen = stored_frame(f, s->data, s->len, want);
	build(NR_PARTS);
	assert_fault(check(), IMAGE_OK, -1);
	assert_fault(unpack(1), IMAGE_OK, 1);
	assert_memory_equal(dst_of(1), s->data, s->len);
	free(other);
}

/* A stored-block frame built by hand decodes like the tool's. */
static void test_hand_made_frame(void **state)
{
	struct spec *s = &specs[1];
	uint8_t *f = malloc(s->len + 32);
	size_t n = 0;

	(void)state;
	put_le32(f, 0x184D2204);
	f[4] = 0x64; /* version 01, independent blocks, content checksum */
	f[5] = 0x40; /* 64 KiB blocks */
	f[6] = (uint8_t)(xxh32(f + 4, 2, 0) >> 8);
	n = 7;
	put_le32(f + n, 0x80000000u | (uint32_t)s->len);
	n += 4;
	memcpy(f + n, s->data, s->len);
	n += s->len;
	put_le32(f + n, 0);
	put_le32(f + n + 4, xxh32(s->data, s->len, 0));
	n += 8;
	free(s->frame);
	s->frame = f;
	s->flen = n;

	build(NR_PARTS);
	assert_fault(check(), IMAGE_OK, -1);
	memset(host_ram, 0xAA, RAM_SIZE);
	assert_fault(unpack(1), IMAGE_OK, 1);
	assert_memory_equal(dst_of(1), s->data, s->len);
	assert_int_equal(dst_of(1)[s->mem - 1], 0);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_true(strncmp(image_strerror(IMAGE_ERR_HEADER_CHECKSUM),
			    "header checksum", 15) == 0);
	for (int e = IMAGE_OK; e >= IMAGE_ERR_NO_BOOTINFO; e--) {
		assert_non_null(image_strerror(e));
		assert_string_not_equal(image_strerror(e),
					image_strerror(-1000));
		for (int o = IMAGE_OK; o > e; o--)
			assert_string_not_equal(image_strerror(e),
						image_strerror(o));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_good_image, setup),
	    cmocka_unit_test_setup(test_part_count_limits, setup),
	    cmocka_unit_test_setup(test_magic, setup),
	    cmocka_unit_test_setup(test_version_and_layout, setup),
	    cmocka_unit_test_setup(test_every_table_byte, setup),
	    cmocka_unit_test_setup(test_truncated, setup),
	    cmocka_unit_test_setup(test_reads_only_avail, setup),
	    cmocka_unit_test_setup(test_kernel_and_bootinfo_indexes, setup),
	    cmocka_unit_test_setup(test_part_kind, setup),
	    cmocka_unit_test_setup(test_frame_bounds, setup),
	    cmocka_unit_test_setup(test_part_size, setup),
	    cmocka_unit_test_setup(test_out_of_ram, setup),
	    cmocka_unit_test_setup(test_overlap, setup),
	    cmocka_unit_test_setup(test_unpack_corrupt_frame, setup),
	    cmocka_unit_test_setup(test_unpack_raw_size_mismatch, setup),
	    cmocka_unit_test_setup(test_unpack_needs_content_checksum, setup),
	    cmocka_unit_test_setup(test_unpack_part_checksum, setup),
	    cmocka_unit_test_setup(test_unpack_checks_each_part_once, setup),
	    cmocka_unit_test_setup(test_hand_made_frame, setup),
	    cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
