/*
 * fork(): the child's address space as a copy-on-write copy of the
 * parent's.
 *
 * The classic design (Codezero mm0, Mach): each private VMA gets two new
 * shadow objects, one on each side, over the object it had, so the
 * original becomes read-only to both and each side's writes land in its
 * own shadow. Shared VMAs (and shm) keep one object that both sides
 * reference. Read-only private VMAs are shadowed too, because mprotect
 * may make them writable later.
 *
 * The parent may have its pages of a private writable VMA mapped writable;
 * from now on they must be read-only to it, so vm_fork lists them and the
 * server remaps them (the child starts with nothing mapped: it faults).
 *
 * Threads: the server creates the child's thread as a copy of the thread
 * that called fork, found by its thread id (not by its space, which other
 * threads share). That is the server's business; this is only memory.
 */
#ifndef VM_FORK_H
#define VM_FORK_H

#include <vm/space.h>

/* A parent page that must now be mapped with prot (read-only). */
struct vm_remap {
	vm_addr_t va;
	vm_phys_t page;
	unsigned prot;
};

struct vm_fork_result {
	struct vm_space *child;
	struct vm_remap *remap; /* free with vm_fork_result_free() */
	size_t nr_remap;
};

/*
 * Creates the child space. Returns 0 with *res filled, or -VM_ENOMEM with
 * nothing changed in the parent and nothing held.
 */
int vm_fork(struct vm_space *parent, struct vm_fork_result *res);

/* Frees res->remap (not the child). */
void vm_fork_result_free(struct vm_env *env, struct vm_fork_result *res);

#endif
