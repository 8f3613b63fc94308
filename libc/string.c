/*
 * Freestanding string and memory functions.
 *
 * memcpy/memmove/memset move whole 32-bit words when both pointers share the
 * same alignment (the common case for structures and page buffers) and fall
 * back to bytes otherwise. Word accesses go through a may_alias type so the
 * compiler cannot assume they do not touch the caller's objects.
 */
#include <stdint.h>
#include <string.h>

typedef uint32_t __attribute__((__may_alias__)) word_t;

#define WORD_SIZE  sizeof(word_t)
#define WORD_MASK  (WORD_SIZE - 1)
#define BLOCK_SIZE (4 * WORD_SIZE)
#define SET_BLOCK  (8 * WORD_SIZE) /* memset's turn on ARM */

/*
 * Stop gcc from recognising our own byte loops as memcpy/memset and turning
 * them into calls to themselves. -ffreestanding/-fno-builtin already prevent
 * this; the attribute keeps it true if the flags ever change (glibc does the
 * same). clang has no such attribute and no such transformation to fear.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LIBCALL                                                             \
	__attribute__((__optimize__("-fno-tree-loop-distribute-patterns")))
#else
#define NO_LIBCALL
#endif

static inline int is_word_aligned(const void *p)
{
	return ((uintptr_t)p & WORD_MASK) == 0;
}

/* Copies n bytes forwards; both pointers word aligned. Returns bytes left. */
static NO_LIBCALL size_t copy_words_fwd(unsigned char *d,
					const unsigned char *s, size_t n)
{
	word_t *dw = (word_t *)d;
	const word_t *sw = (const word_t *)s;

	for (; n >= BLOCK_SIZE; n -= BLOCK_SIZE, dw += 4, sw += 4) {
		word_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];

		dw[0] = a;
		dw[1] = b;
		dw[2] = c;
		dw[3] = e;
	}
	for (; n >= WORD_SIZE; n -= WORD_SIZE)
		*dw++ = *sw++;
	return n;
}

/* Forward copy for any alignment; safe for overlap when dst < src. */
static NO_LIBCALL void copy_fwd(unsigned char *d, const unsigned char *s,
				size_t n)
{
	if ((((uintptr_t)d ^ (uintptr_t)s) & WORD_MASK) == 0) {
		while (n && !is_word_aligned(d)) {
			*d++ = *s++;
			n--;
		}
		size_t left = copy_words_fwd(d, s, n);

		d += n - left;
		s += n - left;
		n = left;
	}
	while (n--)
		*d++ = *s++;
}

/* Backward copy for any alignment; safe for overlap when dst > src. */
static NO_LIBCALL void copy_bwd(unsigned char *d, const unsigned char *s,
				size_t n)
{
	d += n;
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & WORD_MASK) == 0) {
		while (n && !is_word_aligned(d)) {
			*--d = *--s;
			n--;
		}
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_fwd(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	/* Unsigned distance: dst - src >= n means a forward copy is safe. */
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		copy_fwd(dst, src, n);
	else
		copy_bwd(dst, src, n);
	return dst;
}

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;

	while (n && !is_word_aligned(d)) {
		*d++ = b;
		n--;
	}
	if (n >= WORD_SIZE) {
		word_t w = b * (word_t)0x01010101u;
		word_t *dw = (word_t *)d;

#if defined(__arm__) && !defined(__thumb__)
		/* ARM: 32 bytes a turn in two stores of four registers (an
		 * object of a few hundred bytes, a thread, in a tenth of the
		 * instructions of a byte loop and half those of the words) */
		if (n >= 2 * SET_BLOCK) {
			register word_t r4 __asm__("r4") = w;
			register word_t r5 __asm__("r5") = w;
			register word_t r6 __asm__("r6") = w;
			register word_t r7 __asm__("r7") = w;
			word_t *end = (word_t *)((unsigned char *)dw +
						 (n & ~(size_t)(SET_BLOCK - 1)));

			__asm__ volatile("1:	stmia	%0!, {r4, r5, r6, r7}\n"
					 "	stmia	%0!, {r4, r5, r6, r7}\n"
					 "	cmp	%0, %1\n"
					 "	bne	1b\n"
					 : "+r"(dw)
					 : "r"(end), "r"(r4), "r"(r5), "r"(r6),
					   "r"(r7)
					 : "cc", "memory");
			n &= SET_BLOCK - 1;
		}
#endif
		for (; n >= BLOCK_SIZE; n -= BLOCK_SIZE, dw += 4) {
			dw[0] = w;
			dw[1] = w;
			dw[2] = w;
			dw[3] = w;
		}
		for (; n >= WORD_SIZE; n -= WORD_SIZE)
			*dw++ = w;
		d = (unsigned char *)dw;
	}
	while (n--)
		*d++ = b;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	/* Skip equal words quickly; the differing word is redone bytewise. */
	if (is_word_aligned(p) && is_word_aligned(q)) {
		while (n >= WORD_SIZE &&
		       *(const word_t *)p == *(const word_t *)q) {
			p += WORD_SIZE;
			q += WORD_SIZE;
			n -= WORD_SIZE;
		}
	}
	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
		if (!*p)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
