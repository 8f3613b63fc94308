/*
 * A POSIX process's address space as the memory server sees it: a list of
 * VMAs sorted by address, and the layout limits (user range, where mmap
 * looks for room, where the heap starts).
 *
 * The kernel's address space (page tables) is the server's business: the
 * library says which pages to map, remap read-only or unmap, and the
 * server does it with sys_map/sys_unmap. Ordering rule for the server:
 * remove kernel mappings of a range BEFORE asking the library to unmap it
 * (vm_munmap, vm_brk shrink, MAP_FIXED replace, vm_space_destroy), because
 * the library frees the pages at once and another thread of the process
 * must not keep using a page that goes to someone else.
 */
#ifndef VM_SPACE_H
#define VM_SPACE_H

#include <vm/env.h>
#include <vm/object.h>
#include <vm/types.h>

struct vm_shm_seg;

/* VMA kinds beyond prot and sharing. */
#define VM_AREA_SHARED 0x1u /* MAP_SHARED: writes reach the object */
#define VM_AREA_HEAP   0x2u /* made by vm_brk */

struct vm_area {
	struct vm_area *next;	/* next higher VMA */
	vm_addr_t start, end;	/* [start, end), page aligned */
	unsigned prot;		/* VM_PROT_* */
	unsigned maxprot;	/* mprotect may not go beyond (shared file
				   opened read-only, SHM_RDONLY) */
	unsigned flags;		/* VM_AREA_* */
	struct vm_object *obj;	/* private VMAs: their own top object */
	uint32_t off;		/* offset in obj of start */
	struct vm_shm_seg *shm; /* attached shm segment, or NULL */
};

/* Where things go in a space; all page aligned, lo < hi. */
struct vm_layout {
	vm_addr_t lo, hi;    /* user range [lo, hi) */
	vm_addr_t mmap_base; /* mmap without a usable hint searches up
				from here (then from lo) */
	vm_addr_t brk_base;  /* the heap starts here */
};

struct vm_space {
	struct vm_env *env;
	struct vm_area *areas; /* sorted by start, never overlapping */
	unsigned nr_areas;
	struct vm_layout layout;
	vm_addr_t brk; /* current break (not rounded) */
};

/*
 * Returns a new empty space, or NULL (bad layout: unaligned, empty,
 * reaching the last page, mmap_base or brk_base outside; or no memory).
 */
struct vm_space *vm_space_create(struct vm_env *env,
				 const struct vm_layout *layout);

/*
 * Drops every VMA through the same function munmap uses, then frees the
 * space. Pages no one else sees are freed (the server must have destroyed
 * or emptied the kernel space first), shadows shared with a fork relative
 * collapse into that relative.
 */
void vm_space_destroy(struct vm_space *space);

/* The VMA containing addr, or NULL. */
struct vm_area *vm_find_area(const struct vm_space *space, vm_addr_t addr);

/*
 * Lowest free range of len bytes (page aligned, > 0) at or above from,
 * inside the user range; returns its start or vm_err_addr(-VM_ENOMEM).
 * mmap without MAP_FIXED and shmat without an address both use this.
 */
vm_addr_t vm_find_free(const struct vm_space *space, vm_addr_t from,
		       vm_addr_t len);

/* The longest object chain of any VMA (tests, diagnostics). */
unsigned vm_space_max_depth(const struct vm_space *space);

#endif
