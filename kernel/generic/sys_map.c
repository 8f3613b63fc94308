/*
 * map and unmap. Physical pages come from the caller's container's
 * declared regions only; virtual addresses must lie in user space and never
 * over the kernel interface page. Until capabilities arrive (issue 4) the
 * target must be a thread of the caller's container.
 */
#include <kernel/container.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <tessera/errno.h>

static bool range_in_container(const struct container *c, uint32_t phys,
			       uint32_t size)
{
	for (uint32_t i = 0; i < c->nr_regions; i++) {
		const struct bootinfo_region *r = &c->regions[i];
		if (phys >= r->phys && size <= r->size &&
		    phys - r->phys <= r->size - size)
			return true;
	}
	return false;
}

static bool user_range_valid(uint32_t virt, uint32_t pages)
{
	uint32_t size = pages * PAGE_SIZE;

	if (!IS_ALIGNED(virt, PAGE_SIZE) || virt + size < virt ||
	    virt + size > USER_VA_END || virt == 0)
		return false;
	return !(virt <= KIP_ADDRESS && KIP_ADDRESS < virt + size);
}

static unsigned map_attrs(uint32_t a)
{
	return ((a & MAP_ATTR_READ) ? MAP_READ : 0) |
	       ((a & MAP_ATTR_WRITE) ? MAP_WRITE : 0) |
	       ((a & MAP_ATTR_EXEC) ? MAP_EXEC : 0) |
	       ((a & MAP_ATTR_DEVICE) ? MAP_DEVICE : 0);
}

int sys_map(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t phys = ctx_arg(ctx, 0), virt = ctx_arg(ctx, 1);
	uint32_t pages = ctx_arg(ctx, 2), attrs = ctx_arg(ctx, 3);
	int err;

	if (pages == 0 || pages > MAP_MAX_PAGES || (attrs & ~MAP_ATTR_MASK) ||
	    !(attrs & MAP_ATTR_READ) || !IS_ALIGNED(phys, PAGE_SIZE) ||
	    !user_range_valid(virt, pages))
		return -E_INVAL;
	if (!(x = thread_target(t, ctx_arg(ctx, 4), &err)))
		return err;
	if (!range_in_container(t->container, phys, pages * PAGE_SIZE))
		return -E_PERM;
	for (uint32_t i = 0; i < pages; i++) {
		err = arch_map_page(&x->space->arch, virt + i * PAGE_SIZE,
				    pa(phys + i * PAGE_SIZE), map_attrs(attrs));
		if (err) { /* out of page-table memory: undo what was done */
			while (i--)
				arch_unmap_page(&x->space->arch,
						virt + i * PAGE_SIZE);
			return err;
		}
	}
	return 0;
}

int sys_unmap(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t virt = ctx_arg(ctx, 0), pages = ctx_arg(ctx, 1);
	int err, unmapped = 0;

	if (pages == 0 || pages > MAP_MAX_PAGES || !user_range_valid(virt, pages))
		return -E_INVAL;
	if (!(x = thread_target(t, ctx_arg(ctx, 2), &err)))
		return err;
	for (uint32_t i = 0; i < pages; i++)
		if (arch_unmap_page(&x->space->arch, virt + i * PAGE_SIZE) == 0)
			unmapped++;
	return unmapped;
}
