/*
 * Kernel memory. At boot every RAM page is free except the kernel image, the
 * packed boot image (kept: it holds the pristine container programs), each
 * unpacked part and each container's declared regions. Small objects come
 * from libmem's kmalloc, whose pages come from the page allocator.
 */
#include <string.h>
#include <arch/mmu.h>
#include <arch/cpu.h>
#include <boot/bootinfo.h>
#include <tessera/cap.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <libmem/kmalloc.h>
#include <libmem/page_alloc.h>
#include <loader/image_format.h>

#define RAM_PAGES (BOARD_RAM_SIZE / PAGE_SIZE)

static struct page_alloc pages;
static uint32_t page_bitmap[(RAM_PAGES + 31) / 32];
static struct kmalloc objects;
extern uint8_t __kernel_start[], __kernel_end[];

static void reserve(uint32_t addr, uint32_t size, const char *what)
{
	uint32_t start = ALIGN_DOWN(addr, PAGE_SIZE);
	uint32_t end = ALIGN_UP(addr + size, PAGE_SIZE);

	if (page_alloc_reserve(&pages, start, end - start) != 0)
		panic("cannot reserve %s at 0x%08x..0x%08x", what,
		      (unsigned)start, (unsigned)end);
}

static void *get_object_page(void *ctx)
{
	(void)ctx;
	paddr_t p = kmem_alloc_pages(1, 1);
	return p.pa ? phys_to_virt(p) : NULL;
}

static void put_object_page(void *ctx, void *page)
{
	(void)ctx;
	kmem_free_pages(virt_to_phys(page), 1);
}

void kmem_init(const struct image_header *image,
	       const struct bootinfo_header *bi)
{
#ifdef __arm__
	/* page_bitmap is in .bss, which the loader zeroed (the kernel part's
	 * mem_size covers it; head.S does not zero it again) and which
	 * nothing writes before this one call at boot */
	page_alloc_init_zeroed(&pages, BOARD_RAM_BASE, RAM_PAGES, page_bitmap);
#else
	/* host harnesses (fuzz_bootinfo) call this once per input */
	page_alloc_init(&pages, BOARD_RAM_BASE, RAM_PAGES, page_bitmap);
#endif
	reserve(virt_to_phys(__kernel_start).pa,
		(uint32_t)(__kernel_end - __kernel_start), "kernel");
	reserve(image->image_base, image->image_size, "boot image");
	const struct image_part *part = (const void *)((const uint8_t *)image +
						       image->header_size);
	for (unsigned i = 0; i < image->nr_parts; i++) {
		/* kernel: reserved above; programs: inside their regions */
		if (part[i].kind == IMAGE_PART_BOOTINFO)
			reserve(part[i].load_addr, part[i].mem_size, part[i].name);
	}
	/* every physical range a container may map is its own, mapped at
	 * boot or not: the kernel never allocates from it */
	const struct bootinfo_cap *cap =
		(const void *)((const uint8_t *)bi + bi->caps_offset);
	for (unsigned i = 0; i < bi->nr_caps; i++)
		if (cap[i].resource == CAP_RES_PHYSMEM)
			reserve(cap[i].base, cap[i].size, "container memory");
	kmalloc_init(&objects, get_object_page, put_object_page, NULL);
	kmalloc_pages_zeroed(&objects); /* kmem_alloc_pages zeroes them */
}

paddr_t kmem_alloc_pages(uint32_t nr_pages, uint32_t align_pages)
{
	paddr_t p = pa(page_alloc_pages(&pages, nr_pages, align_pages));

	if (p.pa)
		arch_zero_pages(phys_to_virt(p), nr_pages * PAGE_SIZE);
	return p;
}

void kmem_free_pages(paddr_t p, uint32_t nr_pages)
{
	BUG_ON(page_free_pages(&pages, p.pa, nr_pages) != 0,
	       "freeing pages the kernel does not own");
}

uint32_t kmem_free_page_count(void)
{
	return page_alloc_free_count(&pages);
}

void *kmem_alloc(size_t size)
{
	/* zeroed; an object new to its page already is (kzalloc) */
	return kzalloc(&objects, size);
}

void kmem_free(void *obj)
{
	BUG_ON(kfree(&objects, obj) != 0, "freeing an object kmalloc does not own");
}
