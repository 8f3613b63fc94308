/*
 * System V shared memory over shared anonymous objects (see vm/shm.h).
 * An attach is an ordinary shared VMA made by vm_mmap, so placement,
 * faults, fork and teardown are mmap's; this file only keeps the segment
 * table and nattch.
 */
#include <string.h>

#include "internal.h"

void vm_shm_init(struct vm_shm_registry *reg, struct vm_env *env)
{
	memset(reg, 0, sizeof(*reg));
	reg->env = env;
}

static void seg_free(struct vm_env *env, struct vm_shm_seg *seg)
{
	vm_object_put(env, seg->obj);
	vm_free(env, seg, sizeof(*seg));
}

/* Takes seg out of the table; it dies with its last attach. */
static void seg_remove(struct vm_shm_registry *reg, unsigned slot)
{
	struct vm_shm_seg *seg = reg->segs[slot];

	reg->segs[slot] = NULL;
	seg->removed = true;
	if (seg->nattch == 0)
		seg_free(reg->env, seg);
}

void vm_shm_fini(struct vm_shm_registry *reg)
{
	for (unsigned i = 0; i < VM_SHM_MAX_SEGS; i++) {
		if (reg->segs[i])
			seg_remove(reg, i);
	}
}

void vm_shm_area_gone(struct vm_env *env, struct vm_shm_seg *seg)
{
	if (--seg->nattch == 0 && seg->removed)
		seg_free(env, seg);
}

static struct vm_shm_seg *seg_by_id(const struct vm_shm_registry *reg, int id)
{
	struct vm_shm_seg *seg;

	if (id < 0)
		return NULL;
	seg = reg->segs[id % VM_SHM_MAX_SEGS];
	return seg && seg->id == id ? seg : NULL;
}

static struct vm_shm_seg *seg_by_key(const struct vm_shm_registry *reg, int key)
{
	for (unsigned i = 0; i < VM_SHM_MAX_SEGS; i++) {
		if (reg->segs[i] && reg->segs[i]->key == key)
			return reg->segs[i];
	}
	return NULL;
}

static int seg_create(struct vm_shm_registry *reg, int key, vm_addr_t size)
{
	struct vm_shm_seg *seg;
	unsigned slot = 0;

	while (slot < VM_SHM_MAX_SEGS && reg->segs[slot])
		slot++;
	if (slot == VM_SHM_MAX_SEGS)
		return -VM_ENOSPC;
	seg = vm_alloc(reg->env, sizeof(*seg));
	if (!seg)
		return -VM_ENOMEM;
	memset(seg, 0, sizeof(*seg));
	seg->obj = vm_object_anon_create(reg->env, true);
	if (!seg->obj) {
		vm_free(reg->env, seg, sizeof(*seg));
		return -VM_ENOMEM;
	}
	seg->key = key;
	seg->size = size;
	reg->seq = (reg->seq + 1) % (INT32_MAX / VM_SHM_MAX_SEGS);
	seg->id = reg->seq * VM_SHM_MAX_SEGS + (int)slot;
	reg->segs[slot] = seg;
	return seg->id;
}

int vm_shmget(struct vm_shm_registry *reg, int key, vm_addr_t size, int flags)
{
	uint64_t rounded =
	    ((uint64_t)size + VM_PAGE_MASK) & ~(uint64_t)VM_PAGE_MASK;
	struct vm_shm_seg *seg =
	    key == VM_IPC_PRIVATE ? NULL : seg_by_key(reg, key);

	if (seg) {
		if ((flags & VM_IPC_CREAT) && (flags & VM_IPC_EXCL))
			return -VM_EEXIST;
		if (rounded > seg->size)
			return -VM_EINVAL;
		return seg->id;
	}
	if (key != VM_IPC_PRIVATE && !(flags & VM_IPC_CREAT))
		return -VM_ENOENT;
	if (size == 0 || rounded > UINT32_MAX - VM_PAGE_MASK)
		return -VM_EINVAL;
	return seg_create(reg, key, (vm_addr_t)rounded);
}

vm_addr_t vm_shmat(struct vm_shm_registry *reg, struct vm_space *space, int id,
		   vm_addr_t addr, int flags)
{
	struct vm_shm_seg *seg = seg_by_id(reg, id);
	unsigned prot = VM_PROT_READ | VM_PROT_WRITE;
	unsigned mflags = VM_MAP_SHARED;
	struct vm_area *a;
	vm_addr_t at;

	if (!seg)
		return vm_err_addr(-VM_EINVAL);
	if (flags & VM_SHM_RND)
		addr = vm_page_down(addr);
	if (!vm_page_aligned(addr))
		return vm_err_addr(-VM_EINVAL);
	if (flags & VM_SHM_RDONLY)
		prot = VM_PROT_READ;
	if (addr)
		mflags |= VM_MAP_FIXED_NOREPLACE;
	at = vm_mmap(space, addr, seg->size, prot, mflags, seg->obj, 0);
	if (vm_err(at) == -VM_EEXIST)
		return vm_err_addr(-VM_EINVAL); /* as Linux without SHM_REMAP */
	if (vm_is_err(at))
		return at;
	a = vm_find_area(space, at);
	a->shm = seg;
	if (flags & VM_SHM_RDONLY)
		a->maxprot = VM_PROT_READ | VM_PROT_EXEC;
	seg->nattch++;
	return at;
}

int vm_shmdt(struct vm_shm_registry *reg, struct vm_space *space,
	     vm_addr_t addr)
{
	struct vm_area *first = vm_find_area(space, addr);
	struct vm_shm_seg *seg;
	struct vm_area **link = &space->areas;
	vm_addr_t end;

	(void)reg;
	if (!first || first->start != addr || !first->shm)
		return -VM_EINVAL;
	seg = first->shm;
	end = addr + (seg->size - first->off); /* pieces of this attach */
	while (*link && (*link)->start < end) {
		if ((*link)->start >= addr && (*link)->shm == seg)
			vm_area_drop(space, link);
		else
			link = &(*link)->next;
	}
	return 0;
}

int vm_shmctl_rmid(struct vm_shm_registry *reg, int id)
{
	struct vm_shm_seg *seg = seg_by_id(reg, id);

	if (!seg)
		return -VM_EINVAL;
	seg_remove(reg, (unsigned)id % VM_SHM_MAX_SEGS);
	return 0;
}
