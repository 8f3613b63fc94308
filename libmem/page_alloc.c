/*
 * Bitmap page-frame allocator (see page_alloc.h for the contract).
 *
 * Bits past nr_pages in the last bitmap word are kept set, so word-at-a-time
 * scans see them as used and never need a special case for the tail. Page
 * indices are at most 2^20, so index arithmetic cannot overflow uint32_t;
 * only byte addresses (which may reach 4 GiB) are computed in 64 bits.
 */
#include <stdint.h>
#include <string.h>

#include <libmem/page_alloc.h>

#define NO_PAGE UINT32_MAX

static inline uint32_t page_index(const struct page_alloc *pa, uint32_t addr)
{
	return (addr - pa->base) >> PAGE_ALLOC_SHIFT;
}

static inline uint32_t page_addr(const struct page_alloc *pa, uint32_t idx)
{
	return pa->base + (idx << PAGE_ALLOC_SHIFT);
}

static uint32_t popcount32(uint32_t w)
{
	w = w - ((w >> 1) & 0x55555555u);
	w = (w & 0x33333333u) + ((w >> 2) & 0x33333333u);
	w = (w + (w >> 4)) & 0x0f0f0f0fu;
	return (w * 0x01010101u) >> 24;
}

/* Mask of the bits [bit, bit + n) of one word; 1 <= n <= 32 - bit. */
static inline uint32_t word_mask(uint32_t bit, uint32_t n)
{
	return (n == 32 ? ~0u : (1u << n) - 1) << bit;
}

/* Marks pages [start, start + n) used or free. */
static void set_range(uint32_t *bm, uint32_t start, uint32_t n, bool used)
{
	while (n) {
		uint32_t bit = start & 31;
		uint32_t chunk = 32 - bit < n ? 32 - bit : n;
		uint32_t mask = word_mask(bit, chunk);

		if (used)
			bm[start >> 5] |= mask;
		else
			bm[start >> 5] &= ~mask;
		start += chunk;
		n -= chunk;
	}
}

/* Returns how many pages of [start, start + n) are in use. */
static uint32_t count_used(const uint32_t *bm, uint32_t start, uint32_t n)
{
	uint32_t used = 0;

	while (n) {
		uint32_t bit = start & 31;
		uint32_t chunk = 32 - bit < n ? 32 - bit : n;

		used += popcount32(bm[start >> 5] & word_mask(bit, chunk));
		start += chunk;
		n -= chunk;
	}
	return used;
}

/*
 * Returns the first index in [start, end) whose bit equals want_used, or
 * end if there is none. Whole words are skipped at a time.
 */
static uint32_t find_bit(const uint32_t *bm, uint32_t start, uint32_t end,
			 bool want_used)
{
	uint32_t flip = want_used ? 0 : ~0u;

	while (start < end) {
		uint32_t w = (bm[start >> 5] ^ flip) & (~0u << (start & 31));

		if (w) {
			uint32_t idx =
			    (start & ~31u) + (uint32_t)__builtin_ctz(w);

			return idx < end ? idx : end;
		}
		start = (start & ~31u) + 32;
	}
	return end;
}

/*
 * Returns the smallest index >= idx whose physical page number is a
 * multiple of align (a power of two), or NO_PAGE if that is past 4 GiB.
 */
static uint32_t align_index(const struct page_alloc *pa, uint32_t idx,
			    uint32_t align)
{
	uint64_t pfn = (uint64_t)(pa->base >> PAGE_ALLOC_SHIFT) + idx;
	uint64_t aligned = (pfn + align - 1) & ~(uint64_t)(align - 1);
	uint64_t res = aligned - (pa->base >> PAGE_ALLOC_SHIFT);

	return res < NO_PAGE ? (uint32_t)res : NO_PAGE;
}

/*
 * Returns the first aligned index i >= from with [i, i + n) free and
 * i + n <= limit, or NO_PAGE.
 */
static uint32_t search(const struct page_alloc *pa, uint32_t from,
		       uint32_t limit, uint32_t n, uint32_t align)
{
	uint32_t i = align_index(pa, from, align);

	while (i < limit && limit - i >= n) {
		uint32_t used = find_bit(pa->bitmap, i, i + n, true);

		if (used == i + n)
			return i;
		/* Resume at the next free page after the obstacle. */
		i = find_bit(pa->bitmap, used + 1, limit, false);
		i = align_index(pa, i, align);
	}
	return NO_PAGE;
}

static int init(struct page_alloc *pa, uint32_t base, uint32_t nr_pages,
		uint32_t *bitmap_words, bool zeroed)
{
	uint32_t words = PAGE_ALLOC_BITMAP_WORDS(nr_pages);

	/* Start empty so a failed init leaves a safe allocator behind. */
	pa->base = base;
	pa->nr_pages = 0;
	pa->nr_free = 0;
	pa->hint = 0;
	pa->bitmap = bitmap_words;
	if ((base & (PAGE_ALLOC_SIZE - 1)) || nr_pages == 0 || !bitmap_words)
		return -LIBMEM_EINVAL;
	if ((uint64_t)base + ((uint64_t)nr_pages << PAGE_ALLOC_SHIFT) >
	    (1ull << 32))
		return -LIBMEM_ERANGE;

	if (!zeroed)
		memset(bitmap_words, 0, words * sizeof(uint32_t));
	if (nr_pages & 31)
		bitmap_words[words - 1] = ~0u << (nr_pages & 31);
	pa->nr_pages = nr_pages;
	pa->nr_free = nr_pages;
	/* Address 0 means failure, so physical page 0 is never handed out. */
	if (base == 0) {
		set_range(bitmap_words, 0, 1, true);
		pa->nr_free--;
	}
	return 0;
}

int page_alloc_init(struct page_alloc *pa, uint32_t base, uint32_t nr_pages,
		    uint32_t *bitmap_words)
{
	return init(pa, base, nr_pages, bitmap_words, false);
}

int page_alloc_init_zeroed(struct page_alloc *pa, uint32_t base,
			   uint32_t nr_pages, uint32_t *bitmap_words)
{
	return init(pa, base, nr_pages, bitmap_words, true);
}

bool page_alloc_contains(const struct page_alloc *pa, uint32_t addr)
{
	return addr >= pa->base && page_index(pa, addr) < pa->nr_pages;
}

int page_alloc_reserve(struct page_alloc *pa, uint32_t addr, uint32_t size)
{
	uint64_t end = (uint64_t)addr + size;
	uint64_t range_end =
	    (uint64_t)pa->base + ((uint64_t)pa->nr_pages << PAGE_ALLOC_SHIFT);

	if (size == 0)
		return 0;
	if (addr < pa->base || end > range_end)
		return -LIBMEM_ERANGE;

	uint32_t first = page_index(pa, addr);
	uint32_t last = (uint32_t)((end - pa->base + PAGE_ALLOC_SIZE - 1) >>
				   PAGE_ALLOC_SHIFT);
	uint32_t already = count_used(pa->bitmap, first, last - first);

	set_range(pa->bitmap, first, last - first, true);
	pa->nr_free -= (last - first) - already;
	return (int)already;
}

uint32_t page_alloc_pages(struct page_alloc *pa, uint32_t nr_pages,
			  uint32_t align_pages)
{
	uint32_t align = align_pages ? align_pages : 1;

	if (nr_pages == 0 || nr_pages > pa->nr_free || (align & (align - 1)))
		return 0;

	uint32_t i = search(pa, pa->hint, pa->nr_pages, nr_pages, align);

	if (i == NO_PAGE && pa->hint) {
		/* Wrap around; a run starting before the hint may cross it. */
		uint32_t limit = pa->hint + nr_pages - 1;

		if (limit > pa->nr_pages)
			limit = pa->nr_pages;
		i = search(pa, 0, limit, nr_pages, align);
	}
	if (i == NO_PAGE)
		return 0;
	set_range(pa->bitmap, i, nr_pages, true);
	pa->nr_free -= nr_pages;
	pa->hint = i + nr_pages < pa->nr_pages ? i + nr_pages : 0;
	return page_addr(pa, i);
}

int page_free_pages(struct page_alloc *pa, uint32_t addr, uint32_t nr_pages)
{
	/* 0 is never a valid allocation (see page_alloc_init()). */
	if (addr == 0 || (addr & (PAGE_ALLOC_SIZE - 1)) || nr_pages == 0)
		return -LIBMEM_EINVAL;
	if (!page_alloc_contains(pa, addr) ||
	    nr_pages > pa->nr_pages - page_index(pa, addr))
		return -LIBMEM_ERANGE;

	uint32_t first = page_index(pa, addr);

	if (count_used(pa->bitmap, first, nr_pages) != nr_pages)
		return -LIBMEM_EALREADY;
	set_range(pa->bitmap, first, nr_pages, false);
	pa->nr_free += nr_pages;
	return 0;
}

uint32_t page_alloc_free_count(const struct page_alloc *pa)
{
	return pa->nr_free;
}
