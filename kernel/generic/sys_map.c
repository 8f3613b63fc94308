/*
 * map and unmap. The caller needs a map capability on the target thread,
 * a virtual-memory capability covering the addresses, and for map a
 * physical-memory capability covering the pages with the access asked
 * (normal memory may also be mapped uncached), or a device-memory one for
 * a device mapping. Virtual addresses never reach the kernel's half or the
 * kernel interface page.
 */
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <tessera/errno.h>

#define ACCESS_BITS (MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_EXEC)

/*
 * cap_covers, with the capability that covered t's last query of res
 * (cap.c, res_cache: good while the capability epoch lasts) tried here in
 * line first, with cap_covers' own test; when it does not cover,
 * cap_covers answers. The same answer either way, without a call when a
 * pager maps in the region it mapped in last.
 */
static inline bool covers(const struct thread *t, uint32_t res, uint32_t base,
			  uint32_t size, uint32_t access)
{
	const struct cap *c = t->cap_res_hit[CAP_RES_MEM_SLOT(res)];

	if (t->cap_res_epoch == cap_epoch && c && size &&
	    c->resource == res && base >= c->base && size <= c->size &&
	    base - c->base <= c->size - size && (c->ops & access) == access)
		return true;
	return cap_covers(t, res, base, size, access);
}

static bool phys_allowed(const struct thread *t, uint32_t phys, uint32_t size,
			 uint32_t attrs)
{
	if (covers(t, CAP_RES_PHYSMEM, phys, size, attrs & ACCESS_BITS))
		return true;
	return (attrs & MAP_ATTR_DEVICE) &&
	       covers(t, CAP_RES_DEVMEM, phys, size, attrs);
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
	if (!(x = thread_target(t, ctx_arg(ctx, 4), CAP_RES_MAP, CAP_OP_MAP,
				&err)))
		return err;
	if (!covers(t, CAP_RES_VIRTMEM, virt, pages * PAGE_SIZE,
		    attrs & ACCESS_BITS) ||
	    !phys_allowed(t, phys, pages * PAGE_SIZE, attrs))
		return -E_PERM;
	/* page tables are paid by the container whose space they belong to,
	 * so none of its budgets is ever held by another container */
	return space_map_pages(x->space, x->container == t->container ? t : x,
			       virt, pa(phys), pages, map_attrs(attrs));
}

int sys_unmap(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t virt = ctx_arg(ctx, 0), pages = ctx_arg(ctx, 1);
	int err, unmapped = 0;

	if (pages == 0 || pages > MAP_MAX_PAGES || !user_range_valid(virt, pages))
		return -E_INVAL;
	if (!(x = thread_target(t, ctx_arg(ctx, 2), CAP_RES_MAP, CAP_OP_UNMAP,
				&err)))
		return err;
	if (!covers(t, CAP_RES_VIRTMEM, virt, pages * PAGE_SIZE, 0))
		return -E_PERM;
	for (uint32_t i = 0; i < pages; i++)
		if (arch_unmap_page(&x->space->arch, virt + i * PAGE_SIZE) == 0)
			unmapped++;
	return unmapped;
}
