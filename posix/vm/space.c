/*
 * Address spaces and their VMA lists (see vm/space.h): creation, teardown,
 * lookup, the free-range search shared by mmap and shmat, and the one
 * function through which every VMA goes away.
 */
#include <string.h>

#include "internal.h"

struct vm_area *vm_area_alloc(struct vm_env *env)
{
	struct vm_area *a = vm_alloc(env, sizeof(*a));

	if (a)
		memset(a, 0, sizeof(*a));
	return a;
}

void vm_area_free(struct vm_env *env, struct vm_area *a)
{
	vm_free(env, a, sizeof(*a));
}

static bool layout_ok(const struct vm_layout *l)
{
	const vm_addr_t last_page = (vm_addr_t)0 - VM_PAGE_SIZE;

	return vm_page_aligned(l->lo) && vm_page_aligned(l->hi) &&
	       vm_page_aligned(l->mmap_base) && vm_page_aligned(l->brk_base) &&
	       l->lo < l->hi && l->hi <= last_page && l->mmap_base >= l->lo &&
	       l->mmap_base < l->hi && l->brk_base >= l->lo &&
	       l->brk_base < l->hi;
}

struct vm_space *vm_space_create(struct vm_env *env,
				 const struct vm_layout *layout)
{
	struct vm_space *space;

	if (!layout_ok(layout))
		return NULL;
	space = vm_alloc(env, sizeof(*space));
	if (!space)
		return NULL;
	memset(space, 0, sizeof(*space));
	space->env = env;
	space->layout = *layout;
	space->brk = layout->brk_base;
	return space;
}

void vm_space_destroy(struct vm_space *space)
{
	while (space->areas)
		vm_area_drop(space, &space->areas);
	vm_free(space->env, space, sizeof(*space));
}

struct vm_area *vm_find_area(const struct vm_space *space, vm_addr_t addr)
{
	for (struct vm_area *a = space->areas; a && a->start <= addr;
	     a = a->next) {
		if (addr < a->end)
			return a;
	}
	return NULL;
}

/* Lowest free [x, x+len) with from <= x and x+len <= hi, or an error. */
static vm_addr_t free_from(const struct vm_space *space, vm_addr_t from,
			   vm_addr_t len)
{
	uint64_t x = from;

	for (const struct vm_area *a = space->areas; a; a = a->next) {
		if (a->end <= x)
			continue;
		if (x + len <= a->start)
			break;
		x = a->end;
	}
	if (x + len > space->layout.hi)
		return vm_err_addr(-VM_ENOMEM);
	return (vm_addr_t)x;
}

vm_addr_t vm_find_free(const struct vm_space *space, vm_addr_t from,
		       vm_addr_t len)
{
	vm_addr_t x;

	if (len == 0 || !vm_page_aligned(len) || !vm_page_aligned(from))
		return vm_err_addr(-VM_EINVAL);
	if (from < space->layout.lo)
		from = space->layout.lo;
	x = free_from(space, from, len);
	if (vm_is_err(x) && from > space->layout.lo)
		x = free_from(space, space->layout.lo, len);
	return x;
}

bool vm_range_free(const struct vm_space *space, vm_addr_t start, vm_addr_t end)
{
	for (const struct vm_area *a = space->areas; a && a->start < end;
	     a = a->next) {
		if (a->end > start)
			return false;
	}
	return true;
}

void vm_area_insert(struct vm_space *space, struct vm_area *a)
{
	struct vm_area **link = &space->areas;

	while (*link && (*link)->start < a->start)
		link = &(*link)->next;
	a->next = *link;
	*link = a;
	space->nr_areas++;
}

void vm_area_split(struct vm_space *space, struct vm_area *a, vm_addr_t addr,
		   struct vm_area *spare)
{
	*spare = *a;
	spare->start = addr;
	spare->off = a->off + (addr - a->start);
	a->end = addr;
	a->next = spare;
	space->nr_areas++;
	vm_object_get(spare->obj);
	if (spare->shm)
		spare->shm->nattch++;
}

void vm_area_drop(struct vm_space *space, struct vm_area **link)
{
	struct vm_area *a = *link;
	struct vm_object *obj = a->obj;

	*link = a->next;
	space->nr_areas--;
	/*
	 * A private object with no shadow above it is seen only through
	 * this space's VMAs, at offsets that do not overlap: the pages
	 * under this VMA are no one else's, free them now rather than when
	 * the object dies (brk shrink, munmap of part of a mapping).
	 */
	if (!obj->shared && obj->nr_shadows == 0)
		vm_object_truncate(space->env, obj, a->off,
				   a->off + (a->end - a->start));
	vm_object_put(space->env, obj);
	if (a->shm)
		vm_shm_area_gone(space->env, a->shm);
	vm_area_free(space->env, a);
}

unsigned vm_space_max_depth(const struct vm_space *space)
{
	unsigned max = 0;

	for (const struct vm_area *a = space->areas; a; a = a->next) {
		unsigned d = vm_object_depth(a->obj);

		if (d > max)
			max = d;
	}
	return max;
}
