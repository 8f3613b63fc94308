/*
 * mmap, munmap, mprotect and brk (see vm/mmap.h). Each checks, then
 * allocates what it may need (VMAs for splits, objects), and only then
 * changes the space, so every failure leaves it as it was.
 */
#include <string.h>

#include "internal.h"

#define VM_MAP_KNOWN                                                           \
	(VM_MAP_SHARED | VM_MAP_PRIVATE | VM_MAP_FIXED | VM_MAP_ANON |         \
	 VM_MAP_FIXED_NOREPLACE)

/* Splits need at most two new VMAs: one at each end of a range. */
#define NR_SPARES 2

static bool in_user_range(const struct vm_space *space, vm_addr_t start,
			  uint64_t len)
{
	return start >= space->layout.lo &&
	       start + len <= (uint64_t)space->layout.hi;
}

/* len rounded up to pages, or 0 if it is 0 or does not fit. */
static vm_addr_t page_len(vm_addr_t len)
{
	uint64_t l = ((uint64_t)len + VM_PAGE_MASK) & ~(uint64_t)VM_PAGE_MASK;

	return l > UINT32_MAX ? 0 : (vm_addr_t)l;
}

/* 1 if a VMA has addr strictly inside (a split is needed there). */
static unsigned cut_at(const struct vm_space *space, vm_addr_t addr)
{
	const struct vm_area *a = vm_find_area(space, addr);

	return a && a->start != addr;
}

static int spares_get(struct vm_env *env, struct vm_area **spares, unsigned n)
{
	for (unsigned i = 0; i < NR_SPARES; i++)
		spares[i] = NULL;
	for (unsigned i = 0; i < n; i++) {
		spares[i] = vm_area_alloc(env);
		if (!spares[i])
			return -VM_ENOMEM;
	}
	return 0;
}

static void spares_put(struct vm_env *env, struct vm_area **spares)
{
	for (unsigned i = 0; i < NR_SPARES; i++) {
		if (spares[i])
			vm_area_free(env, spares[i]);
		spares[i] = NULL;
	}
}

static struct vm_area *spare_take(struct vm_area **spares)
{
	for (unsigned i = 0; i < NR_SPARES; i++) {
		struct vm_area *s = spares[i];

		if (s) {
			spares[i] = NULL;
			return s;
		}
	}
	return NULL; /* unreachable when cut_at() counted right */
}

/* Makes addr a VMA boundary, using a spare if a VMA straddles it. */
static void split_at(struct vm_space *space, vm_addr_t addr,
		     struct vm_area **spares)
{
	struct vm_area *a = vm_find_area(space, addr);

	if (a && a->start != addr)
		vm_area_split(space, a, addr, spare_take(spares));
}

void vm_range_unmap(struct vm_space *space, vm_addr_t start, vm_addr_t end,
		    struct vm_area **spares)
{
	struct vm_area **link = &space->areas;

	split_at(space, start, spares);
	split_at(space, end, spares);
	while (*link && (*link)->start < end) {
		if ((*link)->start >= start)
			vm_area_drop(space, link);
		else
			link = &(*link)->next;
	}
}

/* The object a new VMA maps: its own private top, or the shared one. */
static struct vm_object *area_object(struct vm_env *env, unsigned flags,
				     struct vm_object *obj)
{
	if (flags & VM_MAP_SHARED) {
		if (!obj)
			return vm_object_anon_create(env, true);
		vm_object_get(obj);
		return obj;
	}
	if (!obj)
		return vm_object_anon_create(env, false);
	return vm_object_shadow_create(env, obj);
}

/* Checks arguments that do not depend on the space's contents. */
static int mmap_check(const struct vm_space *space, vm_addr_t addr,
		      vm_addr_t len, unsigned prot, unsigned flags,
		      const struct vm_object *obj, uint32_t off)
{
	unsigned share = flags & (VM_MAP_SHARED | VM_MAP_PRIVATE);

	if (len == 0 || (prot & ~VM_PROT_ALL) || (flags & ~VM_MAP_KNOWN) ||
	    (share != VM_MAP_SHARED && share != VM_MAP_PRIVATE))
		return -VM_EINVAL;
	if ((flags & VM_MAP_ANON) ? obj != NULL : obj == NULL)
		return -VM_EINVAL;
	if (!vm_page_aligned(off) || (uint64_t)off + len > UINT32_MAX)
		return -VM_EINVAL;
	if ((flags & (VM_MAP_FIXED | VM_MAP_FIXED_NOREPLACE)) &&
	    (!vm_page_aligned(addr) || !in_user_range(space, addr, len)))
		return -VM_EINVAL;
	if ((flags & VM_MAP_SHARED) && obj && (prot & ~obj->maxprot))
		return -VM_EACCES;
	return 0;
}

/* Where the mapping goes, or an error. */
static vm_addr_t mmap_place(const struct vm_space *space, vm_addr_t addr,
			    vm_addr_t len, unsigned flags)
{
	if (flags & VM_MAP_FIXED)
		return addr;
	if (flags & VM_MAP_FIXED_NOREPLACE)
		return vm_range_free(space, addr, addr + len)
			   ? addr
			   : vm_err_addr(-VM_EEXIST);
	addr = vm_page_down(addr);
	if (addr && in_user_range(space, addr, len) &&
	    vm_range_free(space, addr, addr + len))
		return addr;
	return vm_find_free(space, space->layout.mmap_base, len);
}

vm_addr_t vm_mmap(struct vm_space *space, vm_addr_t addr, vm_addr_t len,
		  unsigned prot, unsigned flags, struct vm_object *obj,
		  uint32_t off)
{
	struct vm_env *env = space->env;
	struct vm_area *spares[NR_SPARES], *a;
	vm_addr_t start;
	int err;

	len = page_len(len);
	err = mmap_check(space, addr, len, prot, flags, obj, off);
	if (err)
		return vm_err_addr(err);
	start = mmap_place(space, addr, len, flags);
	if (vm_is_err(start))
		return start;
	err = spares_get(env, spares,
			 cut_at(space, start) + cut_at(space, start + len));
	a = err ? NULL : vm_area_alloc(env);
	if (a)
		a->obj = area_object(env, flags, obj);
	if (!a || !a->obj) {
		spares_put(env, spares);
		if (a)
			vm_area_free(env, a);
		return vm_err_addr(-VM_ENOMEM);
	}
	vm_range_unmap(space, start, start + len, spares); /* MAP_FIXED */
	spares_put(env, spares);
	a->start = start;
	a->end = start + len;
	a->prot = prot;
	a->maxprot =
	    (flags & VM_MAP_SHARED) && obj ? obj->maxprot : VM_PROT_ALL;
	a->flags = (flags & VM_MAP_SHARED) ? VM_AREA_SHARED : 0;
	a->off = obj ? off : 0;
	vm_area_insert(space, a);
	return start;
}

int vm_munmap(struct vm_space *space, vm_addr_t addr, vm_addr_t len)
{
	struct vm_area *spares[NR_SPARES];

	len = page_len(len);
	if (len == 0 || !vm_page_aligned(addr) ||
	    !in_user_range(space, addr, len))
		return -VM_EINVAL;
	if (spares_get(space->env, spares,
		       cut_at(space, addr) + cut_at(space, addr + len))) {
		spares_put(space->env, spares);
		return -VM_ENOMEM;
	}
	vm_range_unmap(space, addr, addr + len, spares);
	spares_put(space->env, spares);
	return 0;
}

/* 0 if [start, end) is wholly mapped and every VMA allows prot. */
static int mprotect_check(const struct vm_space *space, vm_addr_t start,
			  vm_addr_t end, unsigned prot)
{
	vm_addr_t at = start;

	for (const struct vm_area *a = space->areas; a && at < end;
	     a = a->next) {
		if (a->end <= at)
			continue;
		if (a->start > at)
			return -VM_ENOMEM; /* a hole */
		if (prot & ~a->maxprot)
			return -VM_EACCES;
		at = a->end;
	}
	return at < end ? -VM_ENOMEM : 0;
}

int vm_mprotect(struct vm_space *space, vm_addr_t addr, vm_addr_t len,
		unsigned prot)
{
	struct vm_area *spares[NR_SPARES];
	vm_addr_t end;
	int err;

	len = page_len(len);
	if (len == 0 || !vm_page_aligned(addr) || (prot & ~VM_PROT_ALL) ||
	    !in_user_range(space, addr, len))
		return -VM_EINVAL;
	end = addr + len;
	err = mprotect_check(space, addr, end, prot);
	if (err)
		return err;
	if (spares_get(space->env, spares,
		       cut_at(space, addr) + cut_at(space, end))) {
		spares_put(space->env, spares);
		return -VM_ENOMEM;
	}
	split_at(space, addr, spares);
	split_at(space, end, spares);
	for (struct vm_area *a = space->areas; a && a->start < end;
	     a = a->next) {
		if (a->start >= addr)
			a->prot = prot;
	}
	spares_put(space->env, spares);
	return 0;
}

/*
 * The heap VMA ending at top, if growing it in place by len is safe: it
 * must still be read/write (mprotect may have changed it: new heap pages
 * are read/write whatever the old ones became), private with no shadow
 * above (only this space sees its top),
 * and nothing in its chain may hold pages for the new offsets (left over
 * from before a shrink), or they would show instead of zeros.
 */
static struct vm_area *heap_to_extend(const struct vm_space *space,
				      vm_addr_t top, vm_addr_t len)
{
	struct vm_area *a = top ? vm_find_area(space, top - 1) : NULL;
	uint32_t off_end;

	if (!a || a->end != top || !(a->flags & VM_AREA_HEAP) ||
	    a->prot != (VM_PROT_READ | VM_PROT_WRITE) || a->obj->shared ||
	    a->obj->nr_shadows != 0)
		return NULL;
	off_end = a->off + (a->end - a->start);
	if ((uint64_t)off_end + len > UINT32_MAX ||
	    vm_object_chain_has_pages(a->obj, off_end, off_end + len))
		return NULL;
	return a;
}

/* Grows the heap over [old_top, new_top) (free, inside the range). */
static int brk_grow(struct vm_space *space, vm_addr_t old_top,
		    vm_addr_t new_top)
{
	struct vm_area *a = heap_to_extend(space, old_top, new_top - old_top);
	vm_addr_t at;

	if (a) {
		a->end = new_top;
		return 0;
	}
	at = vm_mmap(
	    space, old_top, new_top - old_top, VM_PROT_READ | VM_PROT_WRITE,
	    VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED_NOREPLACE, NULL, 0);
	if (vm_is_err(at))
		return vm_err(at);
	vm_find_area(space, at)->flags |= VM_AREA_HEAP;
	return 0;
}

vm_addr_t vm_brk(struct vm_space *space, vm_addr_t new_brk)
{
	vm_addr_t old_top, new_top;
	int err = 0;

	if (new_brk == 0 || new_brk == space->brk)
		return space->brk;
	if (new_brk < space->layout.brk_base || new_brk > space->layout.hi)
		return space->brk;
	old_top = page_len(space->brk);
	new_top = page_len(new_brk);
	if (new_top > old_top) {
		if (!vm_range_free(space, old_top, new_top))
			return space->brk;
		err = brk_grow(space, old_top, new_top);
	} else if (new_top < old_top) {
		err = vm_munmap(space, new_top, old_top - new_top);
	}
	if (err)
		return space->brk;
	space->brk = new_brk;
	return new_brk;
}
