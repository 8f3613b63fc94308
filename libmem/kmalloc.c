/*
 * Power-of-two kmalloc over obj_cache (see kmalloc.h for the contract).
 * kfree() needs no size: the page header names the owning obj_cache, which
 * must be one of this kmalloc's classes.
 */
#include <stddef.h>
#include <stdint.h>

#include <libmem/kmalloc.h>

/* Returns the class index for 1 <= size <= KMALLOC_MAX_SIZE. */
static unsigned size_class(size_t size)
{
	if (size <= KMALLOC_MIN_SIZE)
		return 0;
	/* Bits needed for size - 1 is log2 of the rounded-up power. */
	return 32 - (unsigned)__builtin_clz((uint32_t)size - 1) -
	       KMALLOC_MIN_SHIFT;
}

/* Returns ptr's class in km, or NULL if its page belongs to none: the
 * page's cache must be an element of km->classes (by its offset, not a
 * walk over the classes). */
static struct obj_cache *class_of(const struct kmalloc *km, const void *ptr)
{
	struct obj_cache *c = obj_cache_of(ptr);
	uintptr_t off = (uintptr_t)c - (uintptr_t)km->classes;

	if (!c || off >= sizeof(km->classes) ||
	    off % sizeof(km->classes[0]) != 0)
		return NULL;
	return c;
}

int kmalloc_init(struct kmalloc *km, obj_get_page_t get_page,
		 obj_put_page_t put_page, void *ctx)
{
	for (unsigned i = 0; i < KMALLOC_NR_CLASSES; i++) {
		size_t size = (size_t)KMALLOC_MIN_SIZE << i;
		int err = obj_cache_init(&km->classes[i], size, size, get_page,
					 put_page, ctx);

		if (err)
			return err;
	}
	return 0;
}

void *kmalloc(struct kmalloc *km, size_t size)
{
	if (size == 0 || size > KMALLOC_MAX_SIZE)
		return NULL;
	return obj_alloc(&km->classes[size_class(size)]);
}

void *kzalloc(struct kmalloc *km, size_t size)
{
	if (size == 0 || size > KMALLOC_MAX_SIZE)
		return NULL;
	return obj_zalloc(&km->classes[size_class(size)], size);
}

void kmalloc_pages_zeroed(struct kmalloc *km)
{
	for (unsigned i = 0; i < KMALLOC_NR_CLASSES; i++)
		km->classes[i].zeroed_pages = true;
}

int kfree(struct kmalloc *km, void *ptr)
{
	if (!ptr)
		return 0;

	struct obj_cache *c = class_of(km, ptr);

	if (!c)
		return -LIBMEM_ERANGE;
	return obj_free(c, ptr);
}

size_t ksize(const struct kmalloc *km, const void *ptr)
{
	const struct obj_cache *c = ptr ? class_of(km, ptr) : NULL;

	return c ? c->obj_size : 0;
}

uint32_t kmalloc_shrink(struct kmalloc *km)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < KMALLOC_NR_CLASSES; i++)
		n += obj_cache_shrink(&km->classes[i]);
	return n;
}

uint32_t kmalloc_pages(const struct kmalloc *km)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < KMALLOC_NR_CLASSES; i++)
		n += obj_cache_pages(&km->classes[i]);
	return n;
}
