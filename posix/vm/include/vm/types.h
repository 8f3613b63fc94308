/*
 * Basic types, protection and mapping flags, and error codes of the POSIX
 * memory server's VM library (posix/vm).
 *
 * The library decides, the server acts: it holds the data structures of a
 * container's POSIX address spaces (VMAs, VM objects, page caches) and
 * answers "what must be mapped where" while the server does the system
 * calls. It touches no page contents and makes no system call, so it runs
 * unchanged in the server and in host unit tests.
 *
 * Values of the flags and error codes are Linux's, so the POSIX library in
 * the client can pass them through unchanged.
 */
#ifndef VM_TYPES_H
#define VM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The target is 32-bit ARM: user virtual addresses are 32 bits wide. */
typedef uint32_t vm_addr_t;

/*
 * A physical page as the server's page interface hands it out (a physical
 * address in the server, a host buffer in tests). A one-field struct so it
 * cannot be mixed up with a virtual address by accident.
 */
typedef struct {
	uintptr_t pa;
} vm_phys_t;

#define VM_PAGE_SHIFT 12u
#define VM_PAGE_SIZE  (1u << VM_PAGE_SHIFT)
#define VM_PAGE_MASK  (VM_PAGE_SIZE - 1u)

static inline vm_addr_t vm_page_down(vm_addr_t a)
{
	return a & ~VM_PAGE_MASK;
}

static inline bool vm_page_aligned(vm_addr_t a)
{
	return (a & VM_PAGE_MASK) == 0;
}

/* Protection bits (PROT_*). */
#define VM_PROT_NONE  0u
#define VM_PROT_READ  1u
#define VM_PROT_WRITE 2u
#define VM_PROT_EXEC  4u
#define VM_PROT_ALL   (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)

/*
 * prot without the write right, for a page that is not the VMA's own
 * (copy on write). A write-only VMA still reads (ARM has no write-only
 * pages), so it gets read-only rather than nothing.
 */
static inline unsigned vm_prot_cow(unsigned prot)
{
	prot &= ~VM_PROT_WRITE;
	return prot ? prot : VM_PROT_READ;
}

/* mmap flags (MAP_*); anything else is refused with VM_EINVAL. */
#define VM_MAP_SHARED	       0x01u
#define VM_MAP_PRIVATE	       0x02u
#define VM_MAP_FIXED	       0x10u
#define VM_MAP_ANON	       0x20u
#define VM_MAP_FIXED_NOREPLACE 0x100000u

/* Error codes, returned negated (Linux errno values). */
#define VM_ENOENT 2  /* no such shm key / id */
#define VM_EIO	  5  /* the file pager could not read a page (SIGBUS) */
#define VM_ENOMEM 12 /* out of pages or memory, or range not mapped */
#define VM_EACCES 13 /* access not allowed by the VMA (SIGSEGV) */
#define VM_EFAULT 14 /* no VMA at the faulting address (SIGSEGV) */
#define VM_EEXIST 17 /* range taken (FIXED_NOREPLACE), shm key exists */
#define VM_EINVAL 22 /* bad argument */
#define VM_ENOSPC 28 /* shm segment table full */

/*
 * mmap-style calls return an address or an error in one vm_addr_t, as
 * mmap(2) does: the last 4095 values are -errno. The user range never
 * reaches the last page (vm_space_create refuses it), so the two cannot
 * collide.
 */
#define VM_ERR_MAX 4095u

static inline bool vm_is_err(vm_addr_t a)
{
	return a > (vm_addr_t)0 - VM_ERR_MAX - 1;
}

static inline int vm_err(vm_addr_t a)
{
	return vm_is_err(a) ? -(int)((vm_addr_t)0 - a) : 0;
}

static inline vm_addr_t vm_err_addr(int err)
{
	return (vm_addr_t)0 - (vm_addr_t)(-err);
}

#endif
