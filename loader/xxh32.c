/*
 * XXH32 as specified by the xxHash project (and used by lz4 frames).
 *
 * The loader runs this with the MMU off, where every data access is
 * Strongly-ordered and an unaligned word load is not allowed. Word-aligned
 * input (the common case: decoded parts at page-aligned addresses) is read
 * with aligned word loads; anything else is read a byte at a time.
 */
#include <stdint.h>
#include <loader/xxh32.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "xxh32.c assumes a little-endian machine"
#endif

#define PRIME1 0x9E3779B1u
#define PRIME2 0x85EBCA77u
#define PRIME3 0xC2B2AE3Du
#define PRIME4 0x27D4EB2Fu
#define PRIME5 0x165667B1u

/* A word that may alias the byte buffer it is read from. */
typedef uint32_t __attribute__((may_alias)) alias_u32;

static inline uint32_t rotl32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
}

/*
 * The empty asm hides where each byte came from, so the compiler cannot
 * fuse the four byte loads back into one (unaligned) word load.
 */
static inline uint32_t opaque(uint32_t x)
{
	__asm__("" : "+r"(x));
	return x;
}

static inline uint32_t read_le32(const uint8_t *p, int aligned)
{
	if (aligned)
		return *(const alias_u32 *)p;
	return opaque(p[0]) | opaque(p[1]) << 8 | opaque(p[2]) << 16 |
	       opaque(p[3]) << 24;
}

static inline uint32_t round32(uint32_t acc, uint32_t lane)
{
	acc += lane * PRIME2;
	acc = rotl32(acc, 13);
	return acc * PRIME1;
}

/* Four independent lanes over each whole 16-byte stripe of p[0..len). */
static inline __attribute__((always_inline)) const uint8_t *
stripes(uint32_t v[4], const uint8_t *p, size_t len, int aligned)
{
	uint32_t v1 = v[0], v2 = v[1], v3 = v[2], v4 = v[3];
	const uint8_t *end = p + (len & ~(size_t)15);

#ifdef __arm__
	/* one ldm for the four lanes' words: 15 instructions a stripe
	 * where four loads made it 18 */
	if (aligned) {
		while (p != end) {
			register uint32_t w0 __asm__("r4");
			register uint32_t w1 __asm__("r5");
			register uint32_t w2 __asm__("r6");
			register uint32_t w3 __asm__("r7");

			__asm__("ldmia %0!, {%1, %2, %3, %4}"
				: "+r"(p), "=r"(w0), "=r"(w1), "=r"(w2),
				  "=r"(w3)
				: "m"(*(const uint8_t(*)[16])p));
			v1 = round32(v1, w0);
			v2 = round32(v2, w1);
			v3 = round32(v3, w2);
			v4 = round32(v4, w3);
		}
	}
#endif
	while (p != end) {
		v1 = round32(v1, read_le32(p, aligned));
		v2 = round32(v2, read_le32(p + 4, aligned));
		v3 = round32(v3, read_le32(p + 8, aligned));
		v4 = round32(v4, read_le32(p + 12, aligned));
		p += 16;
	}
	v[0] = v1;
	v[1] = v2;
	v[2] = v3;
	v[3] = v4;
	return p;
}

static inline void lanes_init(uint32_t v[4], uint32_t seed)
{
	v[0] = seed + PRIME1 + PRIME2;
	v[1] = seed + PRIME2;
	v[2] = seed;
	v[3] = seed - PRIME1;
}

static inline uint32_t lanes_merge(const uint32_t v[4])
{
	return rotl32(v[0], 1) + rotl32(v[1], 7) + rotl32(v[2], 12) +
	       rotl32(v[3], 18);
}

/* Mix in the (< 16) bytes after the last stripe, then avalanche. */
static inline __attribute__((always_inline)) uint32_t
finish(uint32_t h, const uint8_t *p, size_t len, int aligned)
{
	const uint8_t *end = p + len;

	while ((size_t)(end - p) >= 4) {
		h += read_le32(p, aligned) * PRIME3;
		h = rotl32(h, 17) * PRIME4;
		p += 4;
	}
	while (p < end) {
		h += *p * PRIME5;
		h = rotl32(h, 11) * PRIME1;
		p++;
	}

	h ^= h >> 15;
	h *= PRIME2;
	h ^= h >> 13;
	h *= PRIME3;
	h ^= h >> 16;
	return h;
}

/* Always inlined with a constant 'aligned', giving two specialised copies. */
static inline __attribute__((always_inline)) uint32_t
xxh32_body(const uint8_t *p, size_t len, uint32_t seed, int aligned)
{
	uint32_t v[4], h;

	if (len >= 16) {
		lanes_init(v, seed);
		p = stripes(v, p, len, aligned);
		h = lanes_merge(v);
	} else {
		h = seed + PRIME5;
	}
	/* The length is mixed in modulo 2^32, as the reference does. */
	h += (uint32_t)len;
	return finish(h, p, len & 15, aligned);
}

uint32_t xxh32(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data;

	if (((uintptr_t)p & 3) == 0)
		return xxh32_body(p, len, seed, 1);
	return xxh32_body(p, len, seed, 0);
}

void xxh32_init(struct xxh32_state *st, uint32_t seed)
{
	lanes_init(st->v, seed);
	st->seed = seed;
	st->total = 0;
	st->buf_len = 0;
	st->large = false;
}

void xxh32_update(struct xxh32_state *st, const void *data, size_t len)
{
	const uint8_t *p = data;

	st->total += (uint32_t)len;
	/* Once 16 bytes are in, the digest merges the lanes (even if the
	 * 32-bit total later wraps). */
	st->large |= len >= 16 || st->total >= 16;

	/* Top up a partial stripe first. */
	if (st->buf_len) {
		while (len && st->buf_len < 16) {
			st->buf[st->buf_len++] = *p++;
			len--;
		}
		if (st->buf_len < 16)
			return;
		stripes(st->v, st->buf, 16, 0);
		st->buf_len = 0;
	}

	if (((uintptr_t)p & 3) == 0)
		p = stripes(st->v, p, len, 1);
	else
		p = stripes(st->v, p, len, 0);

	for (len &= 15; len; len--)
		st->buf[st->buf_len++] = *p++;
}

uint32_t xxh32_digest(const struct xxh32_state *st)
{
	uint32_t h;

	if (st->large)
		h = lanes_merge(st->v);
	else
		h = st->seed + PRIME5;
	h += st->total;
	return finish(h, st->buf, st->buf_len, 0);
}
