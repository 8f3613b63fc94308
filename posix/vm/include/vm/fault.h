/*
 * Page faults: what the server must do when the kernel reports a fault of
 * one of its processes.
 *
 * vm_fault() returns a decision; the server carries it out:
 *   fill == VM_FILL_ZERO: zero the page, then map it;
 *   fill == VM_FILL_COPY: copy copy_from into the page, then map it;
 *   fill == VM_FILL_NONE: the page already holds its data: just map it.
 * and then replies to the fault so the thread retries. The page is in
 * the object's cache from the moment vm_fault returns, so the server must
 * fill it before it handles any other request (it serves one at a time).
 *
 * Threads of one space that fault on the same page are served once: the
 * first fault allocates and fills, every later one finds the page in the
 * cache and gets VM_FILL_NONE and the same page, which maps idempotently.
 * No second page is allocated, nothing is copied twice.
 */
#ifndef VM_FAULT_H
#define VM_FAULT_H

#include <vm/space.h>

/* The access that faulted (exactly one). */
#define VM_ACCESS_READ	VM_PROT_READ
#define VM_ACCESS_WRITE VM_PROT_WRITE
#define VM_ACCESS_EXEC	VM_PROT_EXEC

enum vm_fill {
	VM_FILL_NONE,
	VM_FILL_ZERO,
	VM_FILL_COPY,
};

struct vm_fault_decision {
	vm_addr_t va;	/* page to map (the fault address rounded down) */
	vm_phys_t page; /* what to map there */
	unsigned prot;	/* with these rights (never more than the VMA's) */
	enum vm_fill fill;
	vm_phys_t copy_from; /* VM_FILL_COPY: the source page */
};

/*
 * Decides how to resolve a fault at addr. Returns 0 with *d filled, or
 *  -VM_EFAULT: no VMA at addr (SIGSEGV, SEGV_MAPERR);
 *  -VM_EACCES: the VMA does not allow the access (SIGSEGV, SEGV_ACCERR);
 *  -VM_ENOMEM: out of pages or memory (nothing changed; the server may
 *              retry later or kill the process);
 *  -VM_EIO:    the file pager failed (SIGBUS).
 * Reading needs any right (ARM cannot map write-only or exec-only pages),
 * writing needs VM_PROT_WRITE, executing VM_PROT_EXEC.
 */
int vm_fault(struct vm_space *space, vm_addr_t addr, unsigned access,
	     struct vm_fault_decision *d);

#endif
