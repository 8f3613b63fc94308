/*
 * Physical page-frame allocator: one bitmap bit per 4 KiB page of one
 * contiguous physical range (bit set = page in use).
 *
 * Memory made of several ranges is handled either with one struct
 * page_alloc per range (page_alloc_contains() tells which one owns an
 * address) or with one allocator spanning them all and the holes reserved.
 *
 * The caller provides the bitmap storage, PAGE_ALLOC_BITMAP_WORDS(nr_pages)
 * words, so the kernel can place it wherever it likes at boot. Addresses
 * are physical uint32_t; 0 is the failure value, so when the range starts
 * at physical 0 that page is marked used at init and never handed out.
 *
 * The bitmap does not remember why a page is in use, so reserved pages can
 * be freed like allocated ones (e.g. to release boot-time memory), and part
 * of a multi-page allocation can be freed on its own.
 *
 * Not thread-safe: the owner serialises calls.
 */
#ifndef LIBMEM_PAGE_ALLOC_H
#define LIBMEM_PAGE_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include <libmem/errno.h>

#define PAGE_ALLOC_SHIFT 12
#define PAGE_ALLOC_SIZE	 (1u << PAGE_ALLOC_SHIFT)

/* Bitmap words needed for nr_pages pages. */
#define PAGE_ALLOC_BITMAP_WORDS(nr_pages) (((nr_pages) + 31u) / 32u)

struct page_alloc {
	uint32_t base;	   /* physical address of page 0 */
	uint32_t nr_pages; /* pages in the range */
	uint32_t nr_free;  /* pages currently free */
	uint32_t hint;	   /* next-fit: page index to search from */
	uint32_t *bitmap;  /* PAGE_ALLOC_BITMAP_WORDS(nr_pages) words */
};

/*
 * Sets up pa over [base, base + nr_pages * 4 KiB) with every page free
 * (except physical page 0, see above), using bitmap_words for state.
 * Returns 0, or -LIBMEM_EINVAL if base is not page aligned or nr_pages is
 * 0, -LIBMEM_ERANGE if the range runs past 4 GiB; on error pa is left
 * empty so every later allocation fails cleanly.
 */
int page_alloc_init(struct page_alloc *pa, uint32_t base, uint32_t nr_pages,
		    uint32_t *bitmap_words);

/*
 * page_alloc_init() for a bitmap the caller knows to be all zero already
 * (the kernel's, in a .bss the loader zeroed): the same, without clearing
 * it first. The bitmap must be zero: the free count would not match it.
 */
int page_alloc_init_zeroed(struct page_alloc *pa, uint32_t base,
			   uint32_t nr_pages, uint32_t *bitmap_words);

/*
 * Marks every page touching [addr, addr + size) as used, e.g. the kernel
 * image; addr and size need not be page aligned, and size 0 reserves
 * nothing. Pages already in use stay in use and are not an error, because
 * boot regions often share a boundary page; instead the function returns
 * how many of the pages were already in use (0 if all were free), so a
 * caller that wants exclusivity can check for 0. Returns -LIBMEM_ERANGE,
 * changing nothing, if any part lies outside the allocator's range.
 */
int page_alloc_reserve(struct page_alloc *pa, uint32_t addr, uint32_t size);

/*
 * Allocates nr_pages contiguous pages whose physical address is a multiple
 * of align_pages pages (a power of two; 0 or 1 means no constraint, 4 gives
 * a 16 KiB aligned ARM L1 table). Searches next-fit from where the last
 * allocation ended, so runs of single-page allocations are O(1)-ish.
 * Returns the physical address, or 0 if no such run is free or the
 * arguments are invalid (nr_pages 0, align_pages not a power of two).
 */
uint32_t page_alloc_pages(struct page_alloc *pa, uint32_t nr_pages,
			  uint32_t align_pages);

/*
 * Frees nr_pages pages starting at addr. Returns 0, -LIBMEM_EINVAL if addr
 * is 0 or not page aligned or nr_pages is 0, -LIBMEM_ERANGE if the pages are
 * not all inside the range, -LIBMEM_EALREADY if any of them is already free
 * (double free). On error nothing is changed.
 */
int page_free_pages(struct page_alloc *pa, uint32_t addr, uint32_t nr_pages);

/* Returns the number of free pages. */
uint32_t page_alloc_free_count(const struct page_alloc *pa);

/* Returns true if addr lies inside pa's range (used or not). */
bool page_alloc_contains(const struct page_alloc *pa, uint32_t addr);

#endif
