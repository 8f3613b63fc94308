/*
 * What the memory server provides to the VM library: one allocator pair
 * for the library's own structures and one pair for physical pages.
 *
 * Why exactly one alloc/free pair: Codezero's mm0 once freed with one
 * allocator what it had allocated with another. Every byte the library
 * holds goes through vm_env.alloc and back through vm_env.free with the
 * same size, and every page through page_alloc/page_free, so
 *  - the server can charge each page and structure to the container's
 *    budgets (containers/lib/domain.c) inside its callbacks and refuse by
 *    returning failure, which the library turns into a clean VM_ENOMEM
 *    with nothing half-done;
 *  - tests can count both and check that every path gives everything back.
 *
 * The library never reads or writes page contents: it returns what must be
 * zeroed or copied (vm/fault.h) and the server does it through its own
 * mappings.
 */
#ifndef VM_ENV_H
#define VM_ENV_H

#include <vm/types.h>

struct vm_env {
	void *ctx; /* the server's, passed to every callback */
	/* Returns size bytes (any content) or NULL. */
	void *(*alloc)(void *ctx, size_t size);
	/* Takes back a block from alloc, with the size it was asked for. */
	void (*free)(void *ctx, void *ptr, size_t size);
	/* Stores a fresh page in *out and returns 0, or returns -VM_ENOMEM. */
	int (*page_alloc)(void *ctx, vm_phys_t *out);
	/* Takes back a page from page_alloc. */
	void (*page_free)(void *ctx, vm_phys_t page);

	/* Kept by the library: blocks and pages it holds right now. */
	size_t nr_allocs;
	size_t nr_pages;
};

#endif
