/*
 * Kernel memory: physical pages from libmem's page allocator over the RAM
 * that is neither kernel, image nor any container's declared region.
 */
#ifndef KERNEL_KMEM_H
#define KERNEL_KMEM_H

#include <kernel/types.h>

struct bootinfo_header;
struct image_header;

void kmem_init(const struct image_header *image,
	       const struct bootinfo_header *bi);
/* Zeroed, physically contiguous, aligned pages; pa(0) when out of memory. */
paddr_t kmem_alloc_pages(uint32_t nr_pages, uint32_t align_pages);
void kmem_free_pages(paddr_t p, uint32_t nr_pages);
uint32_t kmem_free_page_count(void);
/* Small zeroed kernel objects (TCBs, spaces); NULL when out of memory. */
void *kmem_alloc(size_t size);
void kmem_free(void *obj);

#endif
