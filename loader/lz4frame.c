/*
 * LZ4 frame decoder (frame format spec v1.6.x, block format as produced by
 * lz4 1.9). It runs in the boot loader with the MMU off, so:
 *
 *  - no libc: copies are the small static loops below;
 *  - memory is Strongly-ordered, so no unaligned word access is ever made:
 *    words are only loaded/stored at 4-byte aligned addresses and multi-byte
 *    fields are assembled from bytes;
 *  - every length taken from the input is compared against what is left of
 *    the input or output before it is used (as a difference, never as a
 *    possibly-overflowing pointer sum).
 */
#include <stdbool.h>
#include <stdint.h>
#include <loader/lz4frame.h>
#include <loader/xxh32.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "lz4frame.c assumes a little-endian machine"
#endif

#define LZ4F_MAGIC 0x184D2204u

#define FLG_VERSION_MASK 0xC0u
#define FLG_VERSION_01	 0x40u
#define FLG_BLOCK_INDEP	 0x20u
#define FLG_BLOCK_CSUM	 0x10u
#define FLG_CONTENT_SIZE 0x08u
#define FLG_CONTENT_CSUM 0x04u
#define FLG_RESERVED	 0x02u
#define FLG_DICT_ID	 0x01u

#define BD_RESERVED	   0x8Fu
#define BD_BLOCK_MAX_SHIFT 4
#define BD_BLOCK_MAX_MASK  0x7u

#define BLOCK_STORED	0x80000000u
#define BLOCK_SIZE_MASK 0x7FFFFFFFu

#define MIN_MATCH 4
/* Below this, setting up a word copy costs more than it saves. */
#define COPY_WORDS_MIN 16
/* The longest copy_small(): a match whose length fits in its token. */
#define SMALL_MAX (14 + MIN_MATCH)

/*
 * The fast loop of decode_block() runs while more than FAST_IN bytes of
 * input and FAST_OUT bytes of output are left: then a sequence whose two
 * lengths fit in its token (at most 14 literals and a match of 18) cannot
 * run past either end, and only its offset needs checking. The token, 14
 * literals and the offset are 17 bytes; the rest is margin.
 */
#define FAST_IN	 20
#define FAST_OUT (14 + SMALL_MAX)

/* A word that may alias the byte buffer it is read from or written to. */
typedef uint32_t __attribute__((may_alias)) alias_u32;

struct frame_desc {
	bool block_indep;
	bool block_csum;
	bool content_csum;
	bool has_size;
	uint64_t content_size;
	uint32_t block_max;
};

/*
 * The empty asm hides where each byte came from, so the compiler cannot
 * fuse byte loads back into one (possibly unaligned) word load.
 */
static inline uint32_t opaque(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return opaque(p[0]) | opaque(p[1]) << 8 | opaque(p[2]) << 16 |
	       opaque(p[3]) << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Byte copy of any length; opaque() stops fusing into wider accesses. */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
	const uint8_t *end = s + n;

	while (s != end)
		*d++ = (uint8_t)opaque(*s++);
}

#define COPY_AT(k)                                                             \
	case k:                                                                \
		d[-(k)] = (uint8_t)opaque(s[-(k)]);                            \
		__attribute__((fallthrough));

/*
 * Copy n <= SMALL_MAX bytes through a jump into one unrolled run:
 * about two instructions a byte where a loop costs four, and these short
 * runs are most of an LZ4 block's literals and matches. Bytes go in
 * ascending order, so this is right for any forward overlap too.
 */
static inline __attribute__((always_inline)) void
copy_small(uint8_t *d, const uint8_t *s, size_t n)
{
	d += n;
	s += n;
	switch (n) {
		COPY_AT(18)
		COPY_AT(17)
		COPY_AT(16)
		COPY_AT(15)
		COPY_AT(14)
		COPY_AT(13)
		COPY_AT(12)
		COPY_AT(11)
		COPY_AT(10)
		COPY_AT(9)
		COPY_AT(8)
		COPY_AT(7)
		COPY_AT(6)
		COPY_AT(5)
		COPY_AT(4)
		COPY_AT(3)
		COPY_AT(2)
		COPY_AT(1)
	default:
		break;
	}
}

/*
 * d and s both word aligned, and s is not in [d - 3, d) (see copy_fwd());
 * copies the whole words of n and returns their byte count.
 */
static inline size_t copy_words_aligned(uint8_t *d, const uint8_t *s, size_t n)
{
	alias_u32 *dw = (alias_u32 *)d;
	const alias_u32 *sw = (const alias_u32 *)s;
	size_t words = n / 4;

	/*
	 * Each word is stored before the next is loaded: s may be only 4
	 * bytes behind, so reading further ahead would see stale bytes.
	 * (The may_alias type keeps the compiler from reordering.)
	 */
#ifdef __arm__
	/* 16 bytes or more apart (or s ahead of d, a literal run from the
	 * frame): four words a load and a store, ldm and stm */
	if ((uintptr_t)d - (uintptr_t)s >= 16) {
		for (; words >= 4; words -= 4) {
			register uint32_t w0 __asm__("r4");
			register uint32_t w1 __asm__("r5");
			register uint32_t w2 __asm__("r6");
			register uint32_t w3 __asm__("r7");

			__asm__ volatile("ldmia %0!, {%2, %3, %4, %5}\n\t"
					 "stmia %1!, {%2, %3, %4, %5}"
					 : "+r"(sw), "+r"(dw), "=&r"(w0),
					   "=&r"(w1), "=&r"(w2), "=&r"(w3)
					 :
					 : "memory");
		}
	}
#endif
	for (; words >= 4; words -= 4) {
		dw[0] = sw[0];
		dw[1] = sw[1];
		dw[2] = sw[2];
		dw[3] = sw[3];
		dw += 4;
		sw += 4;
	}
	while (words--)
		*dw++ = *sw++;
	return (size_t)((uint8_t *)dw - d);
}

/*
 * d word aligned, s not (sh = s & 3 is 1..3): aligned loads are shifted
 * together into aligned stores. Only words lying wholly inside
 * [s, s + n) are loaded. Returns the bytes copied (a multiple of 4); the
 * caller finishes the rest byte-wise. A load reaches 7 - sh bytes past the
 * source of the last word stored, so an overlapping forward copy is right
 * when d - s > 7 - sh; with d aligned that holds for every d - s >= 4
 * (d - s = 5, 6, 7 give sh = 3, 2, 1).
 */
static inline size_t copy_words_shifted(uint8_t *d, const uint8_t *s, size_t n)
{
	unsigned sh = (uintptr_t)s & 3;
	unsigned lo = 8 * (4 - sh), hi = 8 * sh;
	const alias_u32 *sw = (const alias_u32 *)(s - sh + 4);
	alias_u32 *dw = (alias_u32 *)d;
	uint32_t carry = 0;
	size_t words;

	/* Word j loads through s + 4 * j + 7 - sh, which must be < s + n. */
	if (n + sh < 8)
		return 0;
	words = (n + sh - 4) / 4;

	/* The 4 - sh bytes of s before the next aligned word. */
	for (unsigned i = 0; i < 4 - sh; i++)
		carry |= opaque(s[i]) << (8 * i);

	for (size_t k = words / 2; k; k--) {
		uint32_t w0 = sw[0], w1;

		dw[0] = carry | w0 << lo;
		w1 = sw[1];
		dw[1] = w0 >> hi | w1 << lo;
		carry = w1 >> hi;
		sw += 2;
		dw += 2;
	}
	if (words & 1)
		dw[0] = carry | sw[0] << lo;
	return words * 4;
}

/* The word-copying part of copy_fwd(), kept out of line. */
static __attribute__((noinline)) void copy_long(uint8_t *d, const uint8_t *s,
						size_t n)
{
	size_t head = -(uintptr_t)d & 3;
	size_t done;

	copy_bytes(d, s, head);
	d += head;
	s += head;
	n -= head;
	if (((uintptr_t)s & 3) == 0)
		done = copy_words_aligned(d, s, n);
	else
		done = copy_words_shifted(d, s, n);
	copy_bytes(d + done, s + done, n - done);
}

/*
 * Forward copy of n bytes. Either the ranges do not overlap or d - s >= 4
 * (an LZ4 match already widened by copy_match()).
 */
static inline __attribute__((always_inline)) void
copy_fwd(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n >= COPY_WORDS_MIN)
		copy_long(d, s, n);
	else
		copy_small(d, s, n);
}

/*
 * Copy an LZ4 match of len bytes from off bytes back. Short ones go byte
 * by byte, which is right for any offset. For a long one with an offset
 * under 4 (a repeating pattern), the first few bytes go byte-wise until a
 * multiple of the period that is >= 4 bytes back reproduces the same bytes
 * (once k * off - off bytes are out, byte i equals byte i - k * off), and
 * that wider distance lets copy_long() use words.
 */
static inline void copy_match(uint8_t *op, size_t off, size_t len)
{
	size_t dist = off, head;

	if (len < COPY_WORDS_MIN) {
		copy_small(op, op - off, len);
		return;
	}
	if (off < 4) {
		while (dist < 4)
			dist += off;
		head = dist - off;
		copy_bytes(op, op - off, head);
		op += head;
		len -= head;
	}
	copy_long(op, op - dist, len);
}

/*
 * The fast loop of decode_block(): decodes sequences while *ipp < ilimit,
 * *opp < olimit and the token's two lengths are under 15 (FAST_IN), then
 * returns 0 with *ipp at the next token; returns 1 (corrupt) for an offset
 * of 0 or one reaching before lowest. Only the offset needs checking there
 * (off - 1 wraps for 0). Bytes go in ascending order, so an overlapping
 * match (off < len) repeats its pattern as LZ4 means.
 */
#if defined(__arm__) && !defined(__thumb__)
/*
 * The same in ARM assembly: each copy is a jump into an unrolled run of
 * ldrb/strb pairs (8 bytes each) through "add pc" (pc reads 8 ahead), the
 * token's lengths are tested together, and nothing is spilled: about 25
 * instructions a sequence besides two a byte, where the compiled C took
 * about 38. The C below is what the host tests and fuzzers run; every boot
 * runs this (and checks what it produced against the content checksum).
 */
static inline __attribute__((always_inline)) int
fast_run(const uint8_t **ipp, uint8_t **opp, const uint8_t *ilimit,
	 uint8_t *olimit, const uint8_t *lowest)
{
	const uint8_t *ip = *ipp;
	uint8_t *op = *opp;
	const uint8_t *src;
	uint32_t tok, l, m, t, x;
	int bad = 0;

	__asm__ volatile(
	    "1:\tcmp\t%[ip], %[il]\n"
	    "\tcmpcc\t%[op], %[ol]\n"
	    "\tbcs\t9f\n"
	    "\tldrb\t%[tok], [%[ip]], #1\n"
	    "\tlsr\t%[l], %[tok], #4\n"
	    "\tand\t%[m], %[tok], #15\n"
	    "\tcmp\t%[l], #15\n"
	    "\tcmpne\t%[m], #15\n"
	    "\tbeq\t7f\n"
	    /* literals: ip, op past them, then jump to the pair for -l */
	    "\tadd\t%[ip], %[ip], %[l]\n"
	    "\tadd\t%[op], %[op], %[l]\n"
	    "\trsb\t%[l], %[l], #14\n"
	    "\tadd\tpc, pc, %[l], lsl #3\n"
	    "\tnop\n"
	    "ldrb\t%[t], [%[ip], #-14]\n\tstrb\t%[t], [%[op], #-14]\n"
	    "ldrb\t%[t], [%[ip], #-13]\n\tstrb\t%[t], [%[op], #-13]\n"
	    "ldrb\t%[t], [%[ip], #-12]\n\tstrb\t%[t], [%[op], #-12]\n"
	    "ldrb\t%[t], [%[ip], #-11]\n\tstrb\t%[t], [%[op], #-11]\n"
	    "ldrb\t%[t], [%[ip], #-10]\n\tstrb\t%[t], [%[op], #-10]\n"
	    "ldrb\t%[t], [%[ip], #-9]\n\tstrb\t%[t], [%[op], #-9]\n"
	    "ldrb\t%[t], [%[ip], #-8]\n\tstrb\t%[t], [%[op], #-8]\n"
	    "ldrb\t%[t], [%[ip], #-7]\n\tstrb\t%[t], [%[op], #-7]\n"
	    "ldrb\t%[t], [%[ip], #-6]\n\tstrb\t%[t], [%[op], #-6]\n"
	    "ldrb\t%[t], [%[ip], #-5]\n\tstrb\t%[t], [%[op], #-5]\n"
	    "ldrb\t%[t], [%[ip], #-4]\n\tstrb\t%[t], [%[op], #-4]\n"
	    "ldrb\t%[t], [%[ip], #-3]\n\tstrb\t%[t], [%[op], #-3]\n"
	    "ldrb\t%[t], [%[ip], #-2]\n\tstrb\t%[t], [%[op], #-2]\n"
	    "ldrb\t%[t], [%[ip], #-1]\n\tstrb\t%[t], [%[op], #-1]\n"
	    /* the offset, little-endian, and its check */
	    "\tldrb\t%[t], [%[ip]], #1\n"
	    "\tldrb\t%[x], [%[ip]], #1\n"
	    "\torr\t%[t], %[t], %[x], lsl #8\n"
	    "\tsub\t%[x], %[op], %[lo]\n"
	    "\tsub\t%[l], %[t], #1\n"
	    "\tcmp\t%[l], %[x]\n"
	    "\tbcs\t8f\n"
	    /* the match: m + 4 bytes from off back */
	    "\tadd\t%[op], %[op], %[m]\n"
	    "\tadd\t%[op], %[op], #4\n"
	    "\tsub\t%[src], %[op], %[t]\n"
	    "\trsb\t%[m], %[m], #14\n"
	    "\tadd\tpc, pc, %[m], lsl #3\n"
	    "\tnop\n"
	    "ldrb\t%[t], [%[src], #-18]\n\tstrb\t%[t], [%[op], #-18]\n"
	    "ldrb\t%[t], [%[src], #-17]\n\tstrb\t%[t], [%[op], #-17]\n"
	    "ldrb\t%[t], [%[src], #-16]\n\tstrb\t%[t], [%[op], #-16]\n"
	    "ldrb\t%[t], [%[src], #-15]\n\tstrb\t%[t], [%[op], #-15]\n"
	    "ldrb\t%[t], [%[src], #-14]\n\tstrb\t%[t], [%[op], #-14]\n"
	    "ldrb\t%[t], [%[src], #-13]\n\tstrb\t%[t], [%[op], #-13]\n"
	    "ldrb\t%[t], [%[src], #-12]\n\tstrb\t%[t], [%[op], #-12]\n"
	    "ldrb\t%[t], [%[src], #-11]\n\tstrb\t%[t], [%[op], #-11]\n"
	    "ldrb\t%[t], [%[src], #-10]\n\tstrb\t%[t], [%[op], #-10]\n"
	    "ldrb\t%[t], [%[src], #-9]\n\tstrb\t%[t], [%[op], #-9]\n"
	    "ldrb\t%[t], [%[src], #-8]\n\tstrb\t%[t], [%[op], #-8]\n"
	    "ldrb\t%[t], [%[src], #-7]\n\tstrb\t%[t], [%[op], #-7]\n"
	    "ldrb\t%[t], [%[src], #-6]\n\tstrb\t%[t], [%[op], #-6]\n"
	    "ldrb\t%[t], [%[src], #-5]\n\tstrb\t%[t], [%[op], #-5]\n"
	    "ldrb\t%[t], [%[src], #-4]\n\tstrb\t%[t], [%[op], #-4]\n"
	    "ldrb\t%[t], [%[src], #-3]\n\tstrb\t%[t], [%[op], #-3]\n"
	    "ldrb\t%[t], [%[src], #-2]\n\tstrb\t%[t], [%[op], #-2]\n"
	    "ldrb\t%[t], [%[src], #-1]\n\tstrb\t%[t], [%[op], #-1]\n"
	    "\tb\t1b\n"
	    "7:\tsub\t%[ip], %[ip], #1\n" /* the checked path reads it again */
	    "\tb\t9f\n"
	    "8:\tmov\t%[bad], #1\n"
	    "9:\n"
	    : [ip] "+r"(ip), [op] "+r"(op), [bad] "+r"(bad), [tok] "=&r"(tok),
	      [l] "=&r"(l), [m] "=&r"(m), [t] "=&r"(t), [x] "=&r"(x),
	      [src] "=&r"(src)
	    : [il] "r"(ilimit), [ol] "r"(olimit), [lo] "r"(lowest)
	    : "cc", "memory");
	*ipp = ip;
	*opp = op;
	return bad;
}
#else
static inline __attribute__((always_inline)) int
fast_run(const uint8_t **ipp, uint8_t **opp, const uint8_t *ilimit,
	 uint8_t *olimit, const uint8_t *lowest)
{
	const uint8_t *ip = *ipp;
	uint8_t *op = *opp;
	int bad = 0;

	while (ip < ilimit && op < olimit) {
		unsigned token = *ip;
		size_t len = token >> 4, off;

		if (len == 15 || (token & 15) == 15)
			break;
		ip++;
		copy_small(op, ip, len);
		op += len;
		ip += len;
		off = opaque(ip[0]) | opaque(ip[1]) << 8;
		ip += 2;
		if (off - 1 >= (size_t)(op - lowest)) {
			bad = 1;
			break;
		}
		len = (token & 15) + MIN_MATCH;
		copy_small(op, op - off, len);
		op += len;
	}
	*ipp = ip;
	*opp = op;
	return bad;
}
#endif

/* Add the 255-continued length bytes at *ipp to *len. */
static inline bool read_length(const uint8_t **ipp, const uint8_t *iend,
			       size_t *len)
{
	const uint8_t *ip = *ipp;
	unsigned b;

	do {
		if (ip == iend)
			return false;
		b = *ip++;
		*len += b;
	} while (b == 255);
	*ipp = ip;
	return true;
}

/*
 * Decode one compressed block [ip, iend) to [op, oend). Matches may reach
 * back to 'lowest' (the block start for independent blocks, else the start
 * of the output). Returns the bytes produced, or a negative error; running
 * into oend is reported as LZ4F_ERR_OUTPUT_OVERFLOW.
 */
static __attribute__((noinline)) long
decode_block(const uint8_t *ip, const uint8_t *iend, uint8_t *const ostart,
	     uint8_t *const oend, const uint8_t *lowest)
{
	uint8_t *op = ostart;
	/* The fast loop's ends (see FAST_IN); where a buffer is too short
	 * for it, the limit is its start and the fast loop never runs. */
	const uint8_t *const ilimit =
	    iend - ip > FAST_IN ? iend - FAST_IN : ip;
	uint8_t *const olimit =
	    oend - op > FAST_OUT ? oend - FAST_OUT : op;

	for (;;) {
		unsigned token;
		size_t len, off;

		/* Most sequences, while far from both ends (fast_run()). */
		if (fast_run(&ip, &op, ilimit, olimit, lowest))
			return LZ4F_ERR_CORRUPT_BLOCK;

		/* A block always ends with a literal run, never a match. */
		if (ip == iend)
			return LZ4F_ERR_CORRUPT_BLOCK;
		token = *ip++;

		/* A third of the sequences have no literals: nothing to check
		 * or copy (both bounds checks pass for 0). */
		len = token >> 4;
		if (len) {
			if (len == 15 && !read_length(&ip, iend, &len))
				return LZ4F_ERR_CORRUPT_BLOCK;
			if (len > (size_t)(iend - ip))
				return LZ4F_ERR_CORRUPT_BLOCK;
			if (len > (size_t)(oend - op))
				return LZ4F_ERR_OUTPUT_OVERFLOW;
			copy_fwd(op, ip, len);
			op += len;
			ip += len;
		}
		if (ip == iend)
			break;

		if (iend - ip < 2)
			return LZ4F_ERR_CORRUPT_BLOCK;
		off = opaque(ip[0]) | opaque(ip[1]) << 8;
		ip += 2;
		if (off == 0 || off > (size_t)(op - lowest))
			return LZ4F_ERR_CORRUPT_BLOCK;

		len = token & 15;
		if (len == 15 && !read_length(&ip, iend, &len))
			return LZ4F_ERR_CORRUPT_BLOCK;
		len += MIN_MATCH;
		if (len > (size_t)(oend - op))
			return LZ4F_ERR_OUTPUT_OVERFLOW;
		copy_match(op, off, len);
		op += len;
	}
	return op - ostart;
}

/* FLG, BD and the optional fields; *ipp is left after the header. */
static int parse_header(const uint8_t **ipp, const uint8_t *iend,
			struct frame_desc *fd)
{
	const uint8_t *ip = *ipp;
	size_t avail = (size_t)(iend - ip);
	size_t desc_len = 2;
	unsigned flg, bd, max_id;

	if (avail < 4)
		return LZ4F_ERR_TRUNCATED;
	if (get_le32(ip) != LZ4F_MAGIC)
		return LZ4F_ERR_MAGIC;
	if (avail < 6)
		return LZ4F_ERR_TRUNCATED;
	flg = ip[4];
	bd = ip[5];

	/* Refuse what we cannot interpret before trusting its length. */
	if ((flg & FLG_VERSION_MASK) != FLG_VERSION_01)
		return LZ4F_ERR_VERSION;
	if ((flg & FLG_RESERVED) || (bd & BD_RESERVED))
		return LZ4F_ERR_RESERVED_BITS;
	if (flg & FLG_DICT_ID)
		return LZ4F_ERR_DICT_ID;
	max_id = (bd >> BD_BLOCK_MAX_SHIFT) & BD_BLOCK_MAX_MASK;
	if (max_id < 4)
		return LZ4F_ERR_BLOCK_SIZE;

	fd->block_indep = flg & FLG_BLOCK_INDEP;
	fd->block_csum = flg & FLG_BLOCK_CSUM;
	fd->content_csum = flg & FLG_CONTENT_CSUM;
	fd->has_size = flg & FLG_CONTENT_SIZE;
	/* 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB */
	fd->block_max = 1u << (2 * max_id + 8);
	if (fd->has_size)
		desc_len += 8;

	/* magic + descriptor + header checksum byte */
	if (avail < 4 + desc_len + 1)
		return LZ4F_ERR_TRUNCATED;
	if (((xxh32(ip + 4, desc_len, 0) >> 8) & 0xFF) != ip[4 + desc_len])
		return LZ4F_ERR_HEADER_CHECKSUM;
	fd->content_size = fd->has_size ? get_le64(ip + 6) : 0;

	*ipp = ip + 4 + desc_len + 1;
	return LZ4F_OK;
}

/* Decode one data block of size bsize at ip to *opp, advancing *opp. */
static int decode_data_block(const uint8_t *ip, uint32_t bsize, bool stored,
			     const struct frame_desc *fd, uint8_t *ostart,
			     uint8_t **opp, uint8_t *oend)
{
	uint8_t *op = *opp;
	size_t room = (size_t)(oend - op);
	bool dst_limited = room <= fd->block_max;
	long got;

	if (stored) {
		if (bsize > room)
			return LZ4F_ERR_OUTPUT_OVERFLOW;
		copy_fwd(op, ip, bsize);
		*opp = op + bsize;
		return LZ4F_OK;
	}

	/* No block may decode to more than the frame's block maximum. */
	if (!dst_limited)
		room = fd->block_max;
	got = decode_block(ip, ip + bsize, op, op + room,
			   fd->block_indep ? op : ostart);
	if (got == LZ4F_ERR_OUTPUT_OVERFLOW && !dst_limited)
		return LZ4F_ERR_CORRUPT_BLOCK;
	if (got < 0)
		return (int)got;
	*opp = op + got;
	return LZ4F_OK;
}

static int decode_frame(const uint8_t *ip, const uint8_t *iend, uint8_t *out,
			size_t cap, unsigned flags, size_t *out_len)
{
	uint8_t *op = out, *oend = out + cap;
	struct frame_desc fd;
	int err;

	err = parse_header(&ip, iend, &fd);
	if (err)
		return err;
	if ((flags & LZ4F_REQUIRE_CONTENT_CHECKSUM) && !fd.content_csum)
		return LZ4F_ERR_NO_CONTENT_CHECKSUM;
	if (fd.has_size && fd.content_size > cap)
		return LZ4F_ERR_OUTPUT_OVERFLOW;

	for (;;) {
		uint32_t word, bsize;
		size_t need;

		if (iend - ip < 4)
			return LZ4F_ERR_TRUNCATED;
		word = get_le32(ip);
		ip += 4;
		if (word == 0)
			break; /* EndMark */

		bsize = word & BLOCK_SIZE_MASK;
		if (bsize > fd.block_max)
			return LZ4F_ERR_BLOCK_SIZE;
		need = (size_t)bsize + (fd.block_csum ? 4 : 0);
		if (need > (size_t)(iend - ip))
			return LZ4F_ERR_TRUNCATED;
		/* Check a block before decoding any of it. */
		if (fd.block_csum &&
		    xxh32(ip, bsize, 0) != get_le32(ip + bsize))
			return LZ4F_ERR_BLOCK_CHECKSUM;

		err = decode_data_block(ip, bsize, word & BLOCK_STORED, &fd,
					out, &op, oend);
		if (err)
			return err;
		ip += need;
	}

	if (fd.content_csum) {
		if (iend - ip < 4)
			return LZ4F_ERR_TRUNCATED;
		ip += 4;
	}
	if (ip != iend)
		return LZ4F_ERR_TRAILING_DATA;
	if (fd.has_size && fd.content_size != (uint64_t)(op - out))
		return LZ4F_ERR_CONTENT_SIZE;
	if (fd.content_csum &&
	    xxh32(out, (size_t)(op - out), 0) != get_le32(ip - 4))
		return LZ4F_ERR_CONTENT_CHECKSUM;

	*out_len = (size_t)(op - out);
	return LZ4F_OK;
}

int lz4f_decode(const void *src, size_t src_len, void *dst, size_t dst_cap,
		unsigned flags, size_t *out_len)
{
	size_t len = 0;
	int err;

	err = decode_frame(src, (const uint8_t *)src + src_len, dst, dst_cap,
			   flags, &len);
	if (out_len)
		*out_len = err ? 0 : len;
	return err;
}

const char *lz4f_strerror(int err)
{
	switch (err) {
	case LZ4F_OK:
		return "ok";
	case LZ4F_ERR_TRUNCATED:
		return "frame truncated";
	case LZ4F_ERR_MAGIC:
		return "bad frame magic";
	case LZ4F_ERR_VERSION:
		return "unsupported frame version";
	case LZ4F_ERR_RESERVED_BITS:
		return "reserved descriptor bits set";
	case LZ4F_ERR_DICT_ID:
		return "dictionary frames not supported";
	case LZ4F_ERR_HEADER_CHECKSUM:
		return "header checksum mismatch";
	case LZ4F_ERR_BLOCK_SIZE:
		return "bad block size";
	case LZ4F_ERR_BLOCK_CHECKSUM:
		return "block checksum mismatch";
	case LZ4F_ERR_CORRUPT_BLOCK:
		return "corrupt block data";
	case LZ4F_ERR_OUTPUT_OVERFLOW:
		return "output buffer too small";
	case LZ4F_ERR_CONTENT_SIZE:
		return "content size mismatch";
	case LZ4F_ERR_CONTENT_CHECKSUM:
		return "content checksum mismatch";
	case LZ4F_ERR_NO_CONTENT_CHECKSUM:
		return "frame has no content checksum";
	case LZ4F_ERR_TRAILING_DATA:
		return "trailing data after frame";
	default:
		return "unknown lz4 frame error";
	}
}
