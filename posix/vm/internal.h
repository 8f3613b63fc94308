/*
 * Functions the library's files share but the server does not call.
 */
#ifndef VM_INTERNAL_H
#define VM_INTERNAL_H

#include <vm/env.h>
#include <vm/fault.h>
#include <vm/fork.h>
#include <vm/mmap.h>
#include <vm/object.h>
#include <vm/shm.h>
#include <vm/space.h>

/* The only way the library allocates, frees and counts (see vm/env.h). */
void *vm_alloc(struct vm_env *env, size_t size);
void vm_free(struct vm_env *env, void *ptr, size_t size);
int vm_page_get(struct vm_env *env, vm_phys_t *out);
void vm_page_put(struct vm_env *env, vm_phys_t page);

struct vm_area *vm_area_alloc(struct vm_env *env);
void vm_area_free(struct vm_env *env, struct vm_area *a);

/* Links a (not overlapping anything) into space's sorted list. */
void vm_area_insert(struct vm_space *space, struct vm_area *a);

/*
 * THE way a VMA goes away: unlinks *link (== the VMA) from its space,
 * frees the pages only it can see, drops its object reference (which may
 * free or collapse shadows), detaches its shm segment and frees it.
 * munmap, MAP_FIXED replace, brk shrink, shmdt, exit and fork's
 * teardown of a half-made child all end here.
 */
void vm_area_drop(struct vm_space *space, struct vm_area **link);

/*
 * Splits a at addr (strictly inside): a keeps [start, addr), spare gets
 * [addr, end) and the same object (one more reference) and shm segment.
 */
void vm_area_split(struct vm_space *space, struct vm_area *a, vm_addr_t addr,
		   struct vm_area *spare);

/*
 * Removes [start, end) from space. Needs at most one new VMA (cutting a
 * hole in one VMA): *spare, which is set to NULL when used. Cannot fail.
 */
void vm_range_unmap(struct vm_space *space, vm_addr_t start, vm_addr_t end,
		    struct vm_area **spare);

/* True if no VMA meets [start, end). */
bool vm_range_free(const struct vm_space *space, vm_addr_t start,
		   vm_addr_t end);

/* A VMA referencing seg goes away (shm.c frees a removed, unused seg). */
void vm_shm_area_gone(struct vm_env *env, struct vm_shm_seg *seg);

#endif
