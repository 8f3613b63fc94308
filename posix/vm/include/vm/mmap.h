/*
 * mmap, munmap, mprotect and brk on a vm_space.
 *
 * Every call checks everything first and may fail then, with nothing
 * changed; what follows cannot fail (the at most two VMAs a split needs
 * are allocated before anything is touched).
 */
#ifndef VM_MMAP_H
#define VM_MMAP_H

#include <vm/space.h>

/*
 * Maps len bytes (rounded up to pages) and returns the address, or
 * vm_err_addr(-error) (test with vm_is_err()).
 *
 *  - Exactly one of VM_MAP_SHARED / VM_MAP_PRIVATE.
 *  - VM_MAP_ANON (obj must be NULL): fresh zero-filled memory; shared
 *    anonymous memory is one object that fork passes on, so both sides
 *    see each other's writes. Otherwise obj (a file object) is mapped at
 *    offset off (page aligned); the mapping takes its own reference.
 *  - Private mappings get a top object of their own (anonymous or a
 *    shadow over obj): writes never reach obj.
 *  - Shared mappings may not ask for more than obj->maxprot (VM_EACCES).
 *  - VM_MAP_FIXED: exactly at addr, replacing what was there (the caller
 *    unmapped it from the kernel first); VM_MAP_FIXED_NOREPLACE: exactly at
 *    addr or VM_EEXIST. Without either, addr is a hint: used if the range is
 *    free, else the lowest free range at or above mmap_base (then lo).
 */
vm_addr_t vm_mmap(struct vm_space *space, vm_addr_t addr, vm_addr_t len,
		  unsigned prot, unsigned flags, struct vm_object *obj,
		  uint32_t off);

/*
 * Removes [addr, addr+len) (len rounded up), splitting VMAs at the ends;
 * unmapped parts are fine. Returns 0, -VM_EINVAL (unaligned addr, len 0,
 * outside the user range) or -VM_ENOMEM (a split needs memory; nothing
 * changed).
 */
int vm_munmap(struct vm_space *space, vm_addr_t addr, vm_addr_t len);

/*
 * Sets prot on [addr, addr+len), splitting VMAs at the ends. Every page
 * must be mapped (else -VM_ENOMEM, as POSIX says); shared mappings may not
 * exceed their object's maxprot (-VM_EACCES). The server then lowers the
 * rights of the range's kernel mappings itself; raised rights arrive
 * through faults.
 */
int vm_mprotect(struct vm_space *space, vm_addr_t addr, vm_addr_t len,
		unsigned prot);

/*
 * brk(2): moves the break to new_brk and returns the break in force
 * afterwards (the old one if it could not move: range taken, outside the
 * user range, below brk_base, out of memory). 0 just queries. The heap
 * is private anonymous read/write memory; pages given back by a shrink
 * come back zero when it grows again.
 */
vm_addr_t vm_brk(struct vm_space *space, vm_addr_t new_brk);

#endif
