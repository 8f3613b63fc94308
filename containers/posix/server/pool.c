/*
 * The memory server's pages and memory: a bitmap over its pool (the
 * manifest's second memory entry, mapped at POOL_VIRT), and posix/vm's
 * allocator pair over the same pages: blocks of power-of-two sizes up to
 * half a page carved from pages, larger ones as whole contiguous pages.
 */
#include <string.h>
#include <tessera/boot.h>
#include <tessera/cap.h>
#include <tessera/mutex.h>
#include "server.h"

#define NPAGES	  (POOL_SIZE / PAGE)
#define MIN_SHIFT 4
#define NCLASSES  8 /* 16 .. 2048 bytes */

static uint32_t pool_phys;
static uint32_t bitmap[NPAGES / 32];
static uint32_t nfree;
static void *freelist[NCLASSES];
/* the memory server and the file server thread share the pool */
static struct mutex pool_lock = MUTEX_INIT;

void *pool_va(uint32_t phys)
{
	return (void *)(uintptr_t)(phys - pool_phys + POOL_VIRT);
}

static int run_alloc(uint32_t n)
{
	for (uint32_t i = 0; i + n <= NPAGES; i++) {
		uint32_t j = 0;
		while (j < n &&
		       !(bitmap[(i + j) / 32] & (1u << ((i + j) % 32))))
			j++;
		if (j == n) {
			for (j = 0; j < n; j++)
				bitmap[(i + j) / 32] |= 1u << ((i + j) % 32);
			nfree -= n;
			return (int)i;
		}
		i += j;
	}
	return -1;
}

static void run_free(uint32_t i, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++)
		bitmap[(i + j) / 32] &= ~(1u << ((i + j) % 32));
	nfree += n;
}

uint32_t pool_free_pages(void)
{
	mutex_lock(&pool_lock);
	uint32_t n = nfree;
	mutex_unlock(&pool_lock);
	return n;
}

static unsigned size_class(size_t size)
{
	unsigned c = 0;
	while ((1u << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

static void *alloc_locked(void *ctx, size_t size)
{
	(void)ctx;
	if (size == 0)
		size = 1;
	if (size > PAGE / 2) {
		int i = run_alloc((uint32_t)((size + PAGE - 1) / PAGE));
		return i < 0 ? NULL : (void *)(uintptr_t)(POOL_VIRT + i * PAGE);
	}
	unsigned c = size_class(size);
	if (!freelist[c]) {
		int i = run_alloc(1);
		if (i < 0)
			return NULL;
		char *pg = (char *)(uintptr_t)(POOL_VIRT + (uint32_t)i * PAGE);
		uint32_t sz = 1u << (c + MIN_SHIFT);
		for (uint32_t off = 0; off < PAGE; off += sz) {
			*(void **)(pg + off) = freelist[c];
			freelist[c] = pg + off;
		}
	}
	void *b = freelist[c];
	freelist[c] = *(void **)b;
	return b;
}

/* Blocks go back to their class's list (pages carved for small blocks
 * stay carved: the free-page count the tests compare is taken with the
 * lists warm). */
static void free_locked(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (!ptr)
		return;
	if (size == 0)
		size = 1;
	if (size > PAGE / 2) {
		run_free(((uint32_t)(uintptr_t)ptr - POOL_VIRT) / PAGE,
			 (uint32_t)((size + PAGE - 1) / PAGE));
		return;
	}
	unsigned c = size_class(size);
	*(void **)ptr = freelist[c];
	freelist[c] = ptr;
}

static int page_alloc_locked(void *ctx, vm_phys_t *out)
{
	(void)ctx;
	int i = run_alloc(1);
	if (i < 0)
		return -12;
	out->pa = pool_phys + (uint32_t)i * PAGE;
	return 0;
}

static void page_free_locked(void *ctx, vm_phys_t page)
{
	(void)ctx;
	run_free((uint32_t)(page.pa - pool_phys) / PAGE, 1);
}

void *pool_alloc(void *ctx, size_t size)
{
	mutex_lock(&pool_lock);
	void *p = alloc_locked(ctx, size);
	mutex_unlock(&pool_lock);
	return p;
}

void pool_free(void *ctx, void *ptr, size_t size)
{
	mutex_lock(&pool_lock);
	free_locked(ctx, ptr, size);
	mutex_unlock(&pool_lock);
}

static int pool_page_alloc(void *ctx, vm_phys_t *out)
{
	mutex_lock(&pool_lock);
	int r = page_alloc_locked(ctx, out);
	mutex_unlock(&pool_lock);
	return r;
}

static void pool_page_free(void *ctx, vm_phys_t page)
{
	mutex_lock(&pool_lock);
	page_free_locked(ctx, page);
	mutex_unlock(&pool_lock);
}

/* Set at start, so it lives in .bss like all the server's state: the
 * processes' copies of the image have .bss zero (mem.c). */
struct vm_env env;

/* The pool is the PHYSMEM capability of POOL_SIZE bytes that is not the
 * program region. */
int pool_init(void)
{
	struct cap_info caps[64];
	int n = cap_read(caps, 64);
	for (int i = 0; i < n; i++)
		if (caps[i].resource == CAP_RES_PHYSMEM &&
		    caps[i].size == POOL_SIZE &&
		    caps[i].base != container_region.phys)
			pool_phys = caps[i].base;
	if (!pool_phys)
		return -1;
	nfree = NPAGES;
	env.alloc = pool_alloc;
	env.free = pool_free;
	env.page_alloc = pool_page_alloc;
	env.page_free = pool_page_free;
	return 0;
}

uint32_t budget_used(uint32_t resource)
{
	struct cap_info caps[64];
	int n = cap_read(caps, 64);
	uint32_t used = 0;
	for (int i = 0; i < n; i++)
		if (caps[i].resource == resource)
			used += caps[i].used;
	return used;
}
