/*
 * General-purpose small allocations: power-of-two size classes from 16 to
 * 2048 bytes, each an obj_cache, all fed from one page source.
 *
 * Every object is aligned to its class size (natural alignment costs no
 * extra space with in-page headers). Sizes above KMALLOC_MAX_SIZE are
 * refused: a 4 KiB page could hold only one such object next to its
 * header, so larger allocations take whole pages from the page allocator.
 *
 * Not thread-safe: the owner serialises calls.
 */
#ifndef LIBMEM_KMALLOC_H
#define LIBMEM_KMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include <libmem/errno.h>
#include <libmem/obj_cache.h>

#define KMALLOC_MIN_SHIFT  4
#define KMALLOC_MAX_SHIFT  11
#define KMALLOC_MIN_SIZE   (1u << KMALLOC_MIN_SHIFT)
#define KMALLOC_MAX_SIZE   (1u << KMALLOC_MAX_SHIFT)
#define KMALLOC_NR_CLASSES (KMALLOC_MAX_SHIFT - KMALLOC_MIN_SHIFT + 1)

struct kmalloc {
	struct obj_cache classes[KMALLOC_NR_CLASSES]; /* 16, 32, ... 2048 */
};

/*
 * Sets up all size classes over the given page source (see obj_cache.h for
 * the callbacks' contract). Returns 0, or -LIBMEM_EINVAL if a callback is
 * missing. No page is taken yet.
 */
int kmalloc_init(struct kmalloc *km, obj_get_page_t get_page,
		 obj_put_page_t put_page, void *ctx);

/*
 * Returns at least size bytes (contents undefined), aligned to the
 * smallest power of two >= size (and >= 16). Returns NULL for size 0,
 * size > KMALLOC_MAX_SIZE, or when no page can be obtained.
 */
void *kmalloc(struct kmalloc *km, size_t size);

/* kmalloc, its first size bytes zeroed (not written again when the page
 * source is declared zero-filled and the object is new: obj_zalloc). */
void *kzalloc(struct kmalloc *km, size_t size);

/* Declares that get_page returns zero-filled pages (see obj_zalloc). */
void kmalloc_pages_zeroed(struct kmalloc *km);

/*
 * Frees ptr; NULL is a no-op returning 0, like free(). Returns
 * -LIBMEM_ERANGE if ptr did not come from km, -LIBMEM_EINVAL if it is not
 * the start of an allocation, -LIBMEM_EALREADY for a double free; on error
 * nothing is changed. ptr must point into readable memory.
 */
int kfree(struct kmalloc *km, void *ptr);

/*
 * Returns the usable size (the class size) of the live allocation ptr, or
 * 0 if ptr's page does not belong to km.
 */
size_t ksize(const struct kmalloc *km, const void *ptr);

/* Returns spare pages of all classes to put_page; returns their number. */
uint32_t kmalloc_shrink(struct kmalloc *km);

/* Returns the total number of pages held by all classes. */
uint32_t kmalloc_pages(const struct kmalloc *km);

#endif
