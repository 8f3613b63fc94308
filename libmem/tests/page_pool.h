/*
 * Test page provider for obj_cache/kmalloc host tests: hands out 4 KiB
 * aligned pages from a static pool, up to a per-provider limit, and checks
 * every put_page returns a page this provider handed out and still owns.
 * Pages are filled with garbage on the way out (the allocators must not
 * expect zeroed pages) and poisoned on the way back.
 *
 * Header-only (static inline) because the build compiles one test file
 * per program; the pool is static memory, so reading a "foreign" page
 * header in a test stays within valid memory under valgrind.
 */
#ifndef LIBMEM_TESTS_PAGE_POOL_H
#define LIBMEM_TESTS_PAGE_POOL_H

#include <stdbool.h>
#include <stdint.h>

#define POOL_PAGES     256
#define POOL_PAGE_SIZE 4096

struct page_pool {
	unsigned limit;	      /* most pages outstanding at once */
	unsigned outstanding; /* pages currently handed out */
	unsigned gets, puts;  /* successful calls */
	bool misalign;	      /* hand out page + 8, to test rejection */
};

static uint8_t pool_mem[POOL_PAGES][POOL_PAGE_SIZE]
    __attribute__((aligned(POOL_PAGE_SIZE)));
static struct page_pool *pool_owner[POOL_PAGES];
static unsigned pool_cursor;

static inline void pool_init(struct page_pool *pp, unsigned limit)
{
	*pp = (struct page_pool){.limit = limit};
}

static inline void *pool_get(void *ctx)
{
	struct page_pool *pp = ctx;

	if (pp->outstanding >= pp->limit)
		return NULL;
	/* Rotate through the pool so freed pages are not reused at once. */
	for (unsigned n = 0; n < POOL_PAGES; n++) {
		unsigned i = (pool_cursor + n) % POOL_PAGES;

		if (pool_owner[i])
			continue;
		pool_owner[i] = pp;
		pool_cursor = i + 1;
		pp->outstanding++;
		pp->gets++;
		for (unsigned b = 0; b < POOL_PAGE_SIZE; b++)
			pool_mem[i][b] = (uint8_t)(0xc3 ^ b);
		return pool_mem[i] + (pp->misalign ? 8 : 0);
	}
	return NULL;
}

/* Index of the pool page holding p, or -1. */
static inline int pool_index(const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)pool_mem;

	return off < sizeof(pool_mem) ? (int)(off / POOL_PAGE_SIZE) : -1;
}

static inline void pool_put(void *ctx, void *page)
{
	struct page_pool *pp = ctx;
	int i = pool_index(page);

	assert_true(i >= 0);
	assert_ptr_equal(page, pool_mem[i] + (pp->misalign ? 8 : 0));
	assert_ptr_equal(pool_owner[i], pp);
	pool_owner[i] = NULL;
	pp->outstanding--;
	pp->puts++;
	for (unsigned b = 0; b < POOL_PAGE_SIZE; b++)
		pool_mem[i][b] = 0xdd;
}

/* A pool page nobody owns (for foreign-pointer tests), or NULL. */
static inline uint8_t *pool_unowned_page(void)
{
	for (unsigned i = POOL_PAGES; i-- > 0;) {
		if (!pool_owner[i])
			return pool_mem[i];
	}
	return NULL;
}

#endif
