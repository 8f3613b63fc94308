/*
 * System V shared memory requests (docs/posix.md, "shm"): shmget, shmat,
 * shmdt and shmctl(IPC_RMID) over posix/vm's registry (vm/shm.h), one per
 * container. shmat places an attach with the library's free-range search
 * (as mmap); shmdt unmaps from the kernel first, then the library (which
 * may free the segment's pages: IPC_RMID done and the last attach gone).
 */
#include <vm/shm.h>
#include <posix/proto.h>
#include "server.h"

static struct vm_shm_registry reg;
static int reg_ready;

static struct vm_shm_registry *registry(void)
{
	if (!reg_ready) {
		vm_shm_init(&reg, &env);
		reg_ready = 1;
	}
	return &reg;
}

/* pages of the segments still in the table (not removed) */
static uint32_t table_pages(const struct vm_shm_registry *r)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < VM_SHM_MAX_SEGS; i++)
		if (r->segs[i])
			n += r->segs[i]->size / PAGE;
	return n;
}

static int shm_get(int key, uint32_t size, unsigned flags)
{
	struct vm_shm_registry *r = registry();
	if (flags & ~(POSIX_IPC_CREAT | POSIX_IPC_EXCL | 0777u))
		return -POSIX_EINVAL;
	if (size > POSIX_SHM_SEG_MAX)
		return -POSIX_EINVAL;
	/* a new segment must fit the container's shm pages */
	int exists = 0;
	if (key != POSIX_IPC_PRIVATE)
		for (unsigned i = 0; i < VM_SHM_MAX_SEGS; i++)
			if (r->segs[i] && r->segs[i]->key == key)
				exists = 1;
	if (!exists && size && (flags & POSIX_IPC_CREAT || key == 0) &&
	    table_pages(r) + (size + PAGE - 1) / PAGE > POSIX_SHM_ALL_PAGES)
		return -POSIX_ENOSPC;
	return vm_shmget(r, key, size, (int)flags & (VM_IPC_CREAT | VM_IPC_EXCL));
}

static int shm_at(struct proc *p, int id, uint32_t addr, unsigned flags)
{
	if (id < 0 || (flags & ~(POSIX_SHM_RDONLY | POSIX_SHM_RND)))
		return -POSIX_EINVAL;
	if (flags & POSIX_SHM_RND)
		addr &= ~(PAGE - 1);
	/* never over the thread slots or outside the user range */
	if (addr && (addr < PROC_LO || addr >= PROC_IO_BASE))
		return -POSIX_EINVAL;
	vm_addr_t a = vm_shmat(registry(), p->vm, id, addr, (int)flags);
	if (vm_is_err(a))
		return vm_err(a);
	if (a >= PROC_IO_BASE) { /* found room above the slots: refuse */
		vm_shmdt(registry(), p->vm, a);
		return -POSIX_ENOMEM;
	}
	return (int)a;
}

static int shm_dt(struct proc *p, uint32_t tid, uint32_t addr)
{
	struct vm_area *a = vm_find_area(p->vm, addr);
	if (!a || a->start != addr || !a->shm)
		return -POSIX_EINVAL;
	mem_kernel_unmap(addr, addr + (a->shm->size - a->off), tid);
	return vm_shmdt(registry(), p->vm, addr);
}

static int shm_ctl(int id, uint32_t cmd)
{
	if (cmd != POSIX_IPC_RMID || id < 0)
		return -POSIX_EINVAL;
	return vm_shmctl_rmid(registry(), id);
}

int shm_request(struct proc *p, uint32_t tid, uint32_t label,
		const uint32_t *a, uint32_t *mr)
{
	switch (label) {
	case POSIX_SHMGET:
		mr[0] = (uint32_t)shm_get((int)a[0], a[1], a[2]);
		return 1;
	case POSIX_SHMAT:
		mr[0] = (uint32_t)shm_at(p, (int)a[0], a[1], a[2]);
		return 1;
	case POSIX_SHMDT:
		mr[0] = (uint32_t)shm_dt(p, tid, a[0]);
		return 1;
	case POSIX_SHMCTL:
		mr[0] = (uint32_t)shm_ctl((int)a[0], a[1]);
		return 1;
	}
	return 0;
}
