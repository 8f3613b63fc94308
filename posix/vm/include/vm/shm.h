/*
 * System V shared memory (shmget, shmat, shmdt, shmctl IPC_RMID) over
 * shared anonymous objects.
 *
 * Segments live in a registry the server keeps per container, apart from
 * any space: they outlive the processes that made them. Each attach is a
 * shared VMA holding a reference on the segment's object and counting in
 * nattch; shmat places it with the same free-range search as mmap
 * (vm_mmap), shmdt and exit drop it through the same VMA drop as munmap.
 * IPC_RMID hides the key at once and frees the segment when nothing is
 * attached any more.
 */
#ifndef VM_SHM_H
#define VM_SHM_H

#include <vm/space.h>

#define VM_IPC_PRIVATE 0 /* key: always a new segment */
#define VM_IPC_CREAT   01000
#define VM_IPC_EXCL    02000
#define VM_SHM_RDONLY  010000
#define VM_SHM_RND     020000

#define VM_SHM_MAX_SEGS 64 /* per registry */

struct vm_shm_seg {
	int key;
	int id;
	vm_addr_t size; /* page aligned */
	struct vm_object *obj;
	unsigned nattch;
	bool removed; /* IPC_RMID done: key gone, freed at nattch 0 */
};

struct vm_shm_registry {
	struct vm_env *env;
	/* id = seq * VM_SHM_MAX_SEGS + slot: a stale id never names a
	   later segment in the same slot */
	struct vm_shm_seg *segs[VM_SHM_MAX_SEGS];
	int seq;
};

void vm_shm_init(struct vm_shm_registry *reg, struct vm_env *env);
/*
 * Removes every segment (as IPC_RMID): unattached ones are freed now,
 * attached ones with their last attach (a space destroyed later).
 */
void vm_shm_fini(struct vm_shm_registry *reg);

/*
 * Returns a segment id (>= 0) for key, creating it with size bytes if
 * VM_IPC_CREAT and absent (or key is VM_IPC_PRIVATE). Errors: -VM_EINVAL
 * (size 0, or larger than an existing segment), -VM_ENOENT, -VM_EEXIST
 * (CREAT|EXCL and present), -VM_ENOSPC, -VM_ENOMEM.
 */
int vm_shmget(struct vm_shm_registry *reg, int key, vm_addr_t size, int flags);
/*
 * Attaches segment id to space and returns the address (or vm_err_addr).
 * addr 0: anywhere free; else exactly there (rounded down with SHM_RND),
 * which must be page aligned and free (-VM_EINVAL otherwise). SHM_RDONLY
 * maps read-only.
 */
vm_addr_t vm_shmat(struct vm_shm_registry *reg, struct vm_space *space, int id,
		   vm_addr_t addr, int flags);
/* Detaches the attachment starting at addr; -VM_EINVAL if none. */
int vm_shmdt(struct vm_shm_registry *reg, struct vm_space *space,
	     vm_addr_t addr);
/* IPC_RMID. -VM_EINVAL for a bad or already removed id. */
int vm_shmctl_rmid(struct vm_shm_registry *reg, int id);

#endif
