/* Address spaces and safe access to user memory. */
#include <string.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <tessera/errno.h>

struct space *space_create(void)
{
	struct space *s = kmem_alloc(sizeof(*s));

	if (!s)
		return NULL;
	if (arch_space_init(&s->arch) != 0) {
		kmem_free(s);
		return NULL;
	}
	s->refcount = 1;
	return s;
}

void space_get(struct space *s)
{
	s->refcount++;
}

void space_put(struct space *s)
{
	BUG_ON(s->refcount == 0, "space refcount underflow");
	if (--s->refcount)
		return;
	if (this_cpu()->space == s) {
		arch_switch_to_kernel_only();
		this_cpu()->space = NULL;
	}
	arch_space_destroy(&s->arch);
	kmem_free(s);
}

int space_map_range(struct space *s, uint32_t va, paddr_t p, uint32_t size,
		    unsigned attrs)
{
	for (uint32_t off = 0; off < size; off += PAGE_SIZE) {
		int err = arch_map_page(&s->arch, va + off, pa(p.pa + off), attrs);
		if (err)
			return err;
	}
	return 0;
}

int copy_from_user(const struct space *s, void *dst, uint32_t uaddr,
		   size_t len)
{
	uint8_t *out = dst;

	if (uaddr + len < uaddr)
		return -E_FAULT;
	while (len) {
		paddr_t p;
		unsigned attrs;
		uint32_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));

		if (chunk > len)
			chunk = (uint32_t)len;
		if (arch_lookup(&s->arch, uaddr, &p, &attrs) != 0 ||
		    (attrs & MAP_DEVICE))
			return -E_FAULT;
		memcpy(out, phys_to_virt(p), chunk);
		out += chunk;
		uaddr += chunk;
		len -= chunk;
	}
	return 0;
}
