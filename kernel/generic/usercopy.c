/*
 * User-to-user copies (ipc's full and extended messages): straight from
 * the sender's pages to the receiver's, through the kernel's linear map of
 * RAM, with no kernel buffer in between (so nothing global that two cores
 * would have to share).
 *
 * Check, then act. Each range (at most COPY_USER_MAX bytes, so at most two
 * pages) is resolved page by page through its space's page tables, by
 * space_user_page's rule (copy_from_user's for the source, copy_to_user's
 * for the destination), and only when every page of both is known good
 * does a byte move: a fault on either side writes nothing.
 *
 * The copy then goes in pieces, a piece ending wherever either side's page
 * ends (at most three). Pieces that share no memory are copied forwards
 * with eight-word ldm/stm blocks when both sides are word aligned alike,
 * else a word at a time from an unaligned source (ARMv7 normal memory
 * takes unaligned ldr; SCTLR.A is clear), bytes for the ends. Pieces that
 * do share memory (one space and overlapping ranges, or a page mapped in
 * both) go in an order that reads each piece's source before any other
 * piece writes over it, each with memmove: the destination gets what the
 * source held before the copy. Such an order always exists when neither
 * range maps one page twice: within a page both sides are linear, so the
 * shared bytes lie at one distance d in both ranges, and every piece
 * waits only for pieces on one side of it (later ones for d > 0, earlier
 * for d < 0); pages shared in crossed orders cannot overlap on both, a
 * range being at most a page long (space.h for the one exception).
 */
#include <stddef.h>
#include <string.h>
#include <kernel/space.h>
#include <tessera/errno.h>
#include <tessera/syscall.h>

#define RANGE_PAGES 2 /* pages COPY_USER_MAX bytes can touch */
#define MAX_PIECES (2 * RANGE_PAGES - 1)

_Static_assert(COPY_USER_MAX <= PAGE_SIZE, "a range touches two pages");

/* One side of a copy, resolved: the kernel address of its first byte and
 * of the start of its second page (if it reaches one), and how many of
 * its bytes lie in the first page. */
struct user_range {
	uint8_t *first, *second;
	uint32_t first_bytes;
};

/* The same checks as copy_from_user/copy_to_user (space.c's
 * user_range_ok), resolving as they go. */
static inline __attribute__((always_inline)) bool resolve(const struct space *s, uint32_t va, uint32_t bytes,
		    unsigned need, struct user_range *r)
{
	paddr_t p;

	if (va + bytes < va || va + bytes > USER_VA_END)
		return false;
	r->first_bytes = PAGE_SIZE - (va & (PAGE_SIZE - 1));
	if (r->first_bytes >= bytes) {
		r->first_bytes = bytes;
		if (!bytes)
			return true;
	}
	if (!space_user_page(s, va, need, &p))
		return false;
	r->first = phys_to_virt(p);
	if (bytes == r->first_bytes)
		return true;
	if (!space_user_page(s, va + r->first_bytes, need, &p))
		return false;
	r->second = phys_to_virt(p);
	return true;
}

/* Kernel address of byte `at` of a resolved range, and how many bytes
 * from there on lie in the same page (the second page holds the rest). */
static uint8_t *range_at(const struct user_range *r, uint32_t at,
			 uint32_t bytes, uint32_t *in_page)
{
	if (at < r->first_bytes) {
		*in_page = r->first_bytes - at;
		return r->first + at;
	}
	*in_page = bytes - at;
	return r->second + (at - r->first_bytes);
}

typedef uint32_t __attribute__((may_alias)) word_t;
/* a word at any address: one ldr on ARMv7 (the kernel is built with
 * unaligned access, its RAM mapping is normal memory) */
typedef struct {
	uint32_t w;
} __attribute__((packed, may_alias)) unaligned_word_t;

/* n (a multiple of 32, not 0) bytes between word-aligned addresses, eight
 * words per ldm/stm pair. */
static inline void copy_blocks(uint8_t *d, const uint8_t *s, uint32_t n)
{
#ifdef __arm__
	__asm__ volatile("1:	ldmia	%1!, {r3-r10}\n"
			 "	subs	%2, %2, #32\n"
			 "	stmia	%0!, {r3-r10}\n"
			 "	bne	1b\n"
			 : "+r"(d), "+r"(s), "+r"(n)
			 :
			 : "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10",
			   "cc", "memory");
#else
	word_t *dw = (word_t *)d;
	const word_t *sw = (const word_t *)s;

	for (; n; n -= 32, dw += 8, sw += 8)
		for (unsigned i = 0; i < 8; i++)
			dw[i] = sw[i];
#endif
}

/* n bytes from s to d, which share no byte. */
static void copy_forward(uint8_t *d, const uint8_t *s, uint32_t n)
{
	uint32_t blocks;

	/* align the destination; then the source is aligned too, or never */
	while (n && ((uintptr_t)d & 3)) {
		*d++ = *s++;
		n--;
	}
	if (!((uintptr_t)s & 3)) {
		blocks = n & ~31u;
		if (blocks) {
			copy_blocks(d, s, blocks);
			d += blocks;
			s += blocks;
			n -= blocks;
		}
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(word_t *)d = *(const word_t *)s;
	} else {
		for (; n >= 16; n -= 16, d += 16, s += 16) {
			const unaligned_word_t *sw = (const unaligned_word_t *)s;
			word_t *dw = (word_t *)d;
			uint32_t a = sw[0].w, b = sw[1].w, c = sw[2].w,
				 e = sw[3].w;

			dw[0] = a;
			dw[1] = b;
			dw[2] = c;
			dw[3] = e;
		}
		for (; n >= 4; n -= 4, d += 4, s += 4)
			*(word_t *)d = ((const unaligned_word_t *)s)->w;
	}
	while (n--)
		*d++ = *s++;
}

struct piece {
	uint8_t *dst;
	const uint8_t *src;
	uint32_t bytes;
};

static bool meet(const uint8_t *a, uint32_t an, const uint8_t *b,
		 uint32_t bn)
{
	return a < b + bn && b < a + an;
}

/*
 * Pieces that share memory: each goes (with memmove, for the part it may
 * share with its own source) once no other piece still to be copied has
 * its source where this one writes; with no such piece left (a range
 * reaching one page twice) the first left goes.
 */
static void copy_overlapping(struct piece *p, unsigned n)
{
	bool done[MAX_PIECES] = {false};

	for (unsigned left = n; left; left--) {
		unsigned pick = n;

		for (unsigned k = 0; k < n && pick == n; k++) {
			bool blocked = false;

			if (done[k])
				continue;
			for (unsigned j = 0; j < n && !blocked; j++)
				blocked = j != k && !done[j] &&
					  meet(p[k].dst, p[k].bytes, p[j].src,
					       p[j].bytes);
			if (!blocked)
				pick = k;
		}
		for (unsigned k = 0; pick == n; k++)
			if (!done[k])
				pick = k;
		memmove(p[pick].dst, p[pick].src, p[pick].bytes);
		done[pick] = true;
	}
}

int copy_user_to_user(const struct space *from, uint32_t from_va,
		      const struct space *to, uint32_t to_va, uint32_t bytes)
{
	struct user_range s = {0}, d = {0}; /* (gcc cannot see they are set where used) */
	struct piece p[MAX_PIECES];
	unsigned n = 0;
	bool shared = false;

	if (bytes > COPY_USER_MAX)
		return -E_INVAL;
	if (!resolve(from, from_va, bytes, MAP_READ, &s) ||
	    !resolve(to, to_va, bytes, MAP_READ | MAP_WRITE, &d))
		return -E_FAULT;
	/* nothing has been written: from here on nothing can fail */
	if (likely(bytes == s.first_bytes && bytes == d.first_bytes)) {
		/* one page each side (a full message, always) */
		if (unlikely(meet(d.first, bytes, s.first, bytes)))
			memmove(d.first, s.first, bytes);
		else
			copy_forward(d.first, s.first, bytes);
		return 0;
	}
	for (uint32_t at = 0; at < bytes; n++) {
		uint32_t s_left, d_left;

		p[n].src = range_at(&s, at, bytes, &s_left);
		p[n].dst = range_at(&d, at, bytes, &d_left);
		p[n].bytes = s_left < d_left ? s_left : d_left;
		at += p[n].bytes;
	}
	for (unsigned k = 0; k < n; k++)
		for (unsigned j = 0; j < n; j++)
			shared |= meet(p[k].dst, p[k].bytes, p[j].src,
				       p[j].bytes);
	if (unlikely(shared)) {
		copy_overlapping(p, n);
		return 0;
	}
	for (unsigned k = 0; k < n; k++)
		copy_forward(p[k].dst, p[k].src, p[k].bytes);
	return 0;
}

/*
 * A full message's words, from one UTCB to another. A UTCB is
 * UTCB_SIZE-aligned (exchange_registers refuses any other address) and
 * its message registers come first, so each side lies in one page, word
 * aligned, and two of them are the same bytes or share none: one lookup a
 * side, no pieces, no overlap to order. An address not so aligned takes
 * copy_user_to_user, which knows every case.
 */
int copy_utcb_words(const struct space *from, uint32_t from_utcb,
		    const struct space *to, uint32_t to_utcb, uint32_t words)
{
	uint32_t bytes = words * sizeof(uint32_t);
	paddr_t s, d;

	_Static_assert(offsetof(struct utcb, mr) == 0 &&
			       UTCB_MRS * sizeof(uint32_t) <= UTCB_SIZE &&
			       PAGE_SIZE % UTCB_SIZE == 0,
		       "a UTCB's message registers lie in one page");
	if (words > UTCB_MRS)
		return -E_INVAL;
	if (unlikely((from_utcb | to_utcb) & (UTCB_SIZE - 1)))
		return copy_user_to_user(from, from_utcb, to, to_utcb, bytes);
	if (!words)
		return 0; /* as copy_user_to_user: no page to look at */
	if (from_utcb >= USER_VA_END || to_utcb >= USER_VA_END ||
	    !space_user_page(from, from_utcb, MAP_READ, &s) ||
	    !space_user_page(to, to_utcb, MAP_READ | MAP_WRITE, &d))
		return -E_FAULT;
	/* nothing has been written: from here on nothing can fail */
	if (s.pa == d.pa)
		return 0; /* one UTCB: the words are where they go */
	uint8_t *to_k = phys_to_virt(d);
	const uint8_t *from_k = phys_to_virt(s);
	uint32_t blocks = bytes & ~31u;

	/* both word aligned, apart: eight words a block, then words */
	if (blocks)
		copy_blocks(to_k, from_k, blocks);
	for (uint32_t at = blocks; at < bytes; at += 4)
		*(word_t *)(to_k + at) = *(const word_t *)(from_k + at);
	return 0;
}
