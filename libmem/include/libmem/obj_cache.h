/*
 * Fixed-size object cache (slab-like). Objects are carved from 4 KiB pages
 * that the owner supplies through get_page/put_page, so the same code runs
 * in the kernel (pages from the page allocator) and in pagers.
 *
 * Each page starts with a header (owner, free list, a bit per object), so
 * obj_free() finds an object's page by rounding its address down, and
 * checks the header before trusting it: foreign pointers, misaligned
 * pointers and double frees are refused without touching any state.
 * This requires obj_free()'s argument to point into readable memory.
 *
 * Pages whose objects are all free go back through put_page, except that
 * one empty page is kept as a spare so a cache hovering at a page boundary
 * does not call get_page/put_page on every alloc/free pair.
 *
 * Not thread-safe: the owner serialises calls.
 */
#ifndef LIBMEM_OBJ_CACHE_H
#define LIBMEM_OBJ_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmem/errno.h>

#define OBJ_CACHE_PAGE_SIZE 4096u

/* Returns a 4 KiB aligned, 4 KiB page or NULL; ctx is the owner's. */
typedef void *(*obj_get_page_t)(void *ctx);
/* Takes back a page obtained from the matching get_page. */
typedef void (*obj_put_page_t)(void *ctx, void *page);

struct obj_link {
	struct obj_link *next, *prev;
};

struct obj_cache {
	uint32_t obj_size;	 /* stride: requested size rounded up */
	uint32_t align;		 /* every object is aligned to this */
	uint32_t objs_per_page;	 /* objects carved from each page */
	uint32_t first_offset;	 /* of object 0 from the page start */
	uint32_t nr_in_use;	 /* objects allocated */
	uint32_t nr_pages;	 /* pages held, including the spare */
	uint32_t nr_empty;	 /* empty pages held (0 or 1) */
	uint32_t nr_repairs;	 /* free lists rebuilt after corruption */
	bool zeroed_pages;	 /* owner: get_page returns zero-filled pages */
	struct obj_link partial; /* pages with free objects, spare last */
	obj_get_page_t get_page;
	obj_put_page_t put_page;
	void *ctx;
};

/*
 * Sets up cache for objects of obj_size bytes aligned to align (a power of
 * two; 0 means pointer alignment, smaller values are raised to it because
 * free objects hold a free-list pointer). Returns 0, or -LIBMEM_EINVAL if a
 * callback is missing, align is not a power of two, obj_size is 0 or no
 * object fits in a page next to the header. No page is taken yet.
 */
int obj_cache_init(struct obj_cache *cache, size_t obj_size, size_t align,
		   obj_get_page_t get_page, obj_put_page_t put_page, void *ctx);

/*
 * Returns an object (contents undefined), or NULL when there is no free
 * object and get_page fails or returns a misaligned page (which is handed
 * straight back).
 */
void *obj_alloc(struct obj_cache *cache);

/*
 * obj_alloc with the object's first size bytes (at most obj_size) zeroed.
 * When the owner set cache->zeroed_pages (its get_page returns zero-filled
 * pages), an object never handed out before is not written: it is still
 * all zero.
 */
void *obj_zalloc(struct obj_cache *cache, size_t size);

/*
 * Frees obj. Returns 0, -LIBMEM_EINVAL for NULL or a pointer that is not
 * the start of an object slot, -LIBMEM_ERANGE if obj is not in a page of
 * this cache, -LIBMEM_EALREADY if it is already free. On error nothing is
 * changed.
 */
int obj_free(struct obj_cache *cache, void *obj);

/*
 * Returns the cache whose page obj lies in, or NULL if that page carries no
 * valid cache header. obj must point into readable memory; it need not be
 * an object start.
 */
struct obj_cache *obj_cache_of(const void *obj);

/* Returns the number of pages released (the spare, if any) via put_page. */
uint32_t obj_cache_shrink(struct obj_cache *cache);

/* Returns the number of objects currently allocated. */
uint32_t obj_cache_in_use(const struct obj_cache *cache);

/* Returns the number of pages currently held, including the spare. */
uint32_t obj_cache_pages(const struct obj_cache *cache);

#endif
