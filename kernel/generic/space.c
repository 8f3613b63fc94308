/* Address spaces and safe access to user memory. */
#include <string.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/kip.h>
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
	if (kip_map(s) != 0) {
		arch_space_destroy(&s->arch);
		kmem_free(s);
		return NULL;
	}
	s->refcount = 1;
	return s;
}

struct space *space_copy(const struct space *src)
{
	struct space *s = space_create();

	if (s && arch_space_copy(&s->arch, &src->arch) != 0) {
		space_put(s);
		return NULL;
	}
	return s;
}

int space_user_word(const struct space *s, uint32_t uaddr, paddr_t *p)
{
	unsigned attrs;

	if (!IS_ALIGNED(uaddr, 4) || uaddr >= USER_VA_END ||
	    arch_lookup(&s->arch, uaddr, p, &attrs) != 0 ||
	    (attrs & MAP_DEVICE) || !(attrs & MAP_WRITE))
		return -E_FAULT;
	return 0;
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

/*
 * User memory is reached through the space's page tables and the kernel's
 * linear map, never by dereferencing a user pointer: a bad pointer is an
 * error return, not a kernel fault. The whole range is checked before any
 * byte moves, so a failed copy changes nothing.
 */
static bool user_range_ok(const struct space *s, uint32_t uaddr, size_t len,
			  unsigned need)
{
	if (uaddr + len < uaddr || uaddr + len > USER_VA_END)
		return false;
	for (uint32_t page = ALIGN_DOWN(uaddr, PAGE_SIZE);
	     len && page < uaddr + len; page += PAGE_SIZE) {
		paddr_t p;
		unsigned attrs;
		if (arch_lookup(&s->arch, page, &p, &attrs) != 0 ||
		    (attrs & MAP_DEVICE) || (attrs & need) != need)
			return false;
	}
	return true;
}

static void user_copy(const struct space *s, uint32_t uaddr, uint8_t *buf,
		      size_t len, bool to_user)
{
	while (len) {
		paddr_t p;
		unsigned attrs;
		uint32_t chunk = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));

		if (chunk > len)
			chunk = (uint32_t)len;
		arch_lookup(&s->arch, uaddr, &p, &attrs);
		if (to_user)
			memcpy(phys_to_virt(p), buf, chunk);
		else
			memcpy(buf, phys_to_virt(p), chunk);
		buf += chunk;
		uaddr += chunk;
		len -= chunk;
	}
}

int copy_from_user(const struct space *s, void *dst, uint32_t uaddr,
		   size_t len)
{
	if (!user_range_ok(s, uaddr, len, MAP_READ))
		return -E_FAULT;
	user_copy(s, uaddr, dst, len, false);
	return 0;
}

int copy_to_user(const struct space *s, uint32_t uaddr, const void *src,
		 size_t len)
{
	if (!user_range_ok(s, uaddr, len, MAP_READ | MAP_WRITE))
		return -E_FAULT;
	user_copy(s, uaddr, (uint8_t *)src, len, true);
	return 0;
}
