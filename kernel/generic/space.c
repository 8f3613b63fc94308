/* Address spaces and safe access to user memory. */
#include <string.h>
#include <kernel/cap.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/kip.h>
#include <kernel/space.h>
#include <tessera/errno.h>

/*
 * Budgets: a space is paid from its creator's SPACES budget; the page
 * tables that maps add to it from a PTPAGES budget (the first payer's; the
 * table pages of the interface page and of a container's boot regions are
 * the kernel's). Both are charged here and refunded in space_put only.
 */
struct space *space_create(const struct thread *payer)
{
	struct cap *budget = NULL;
	struct space *s;

	if (payer && !(budget = cap_charge(payer, CAP_RES_SPACES, 1)))
		return NULL;
	if (!(s = kmem_alloc(sizeof(*s)))) {
		cap_refund(budget, 1);
		return NULL;
	}
	s->budget = budget;
	s->refcount = 1;
	if (arch_space_init(&s->arch) != 0 || kip_map(s) != 0) {
		space_put(s);
		return NULL;
	}
	return s;
}

/* Reserve n page-table pages on s's PTPAGES budget. */
static int pt_charge(struct space *s, const struct thread *payer, uint32_t n)
{
	if (!n)
		return 0;
	if (!s->pt_budget)
		s->pt_budget = cap_charge(payer, CAP_RES_PTPAGES, n);
	else if (!cap_charge_to(s->pt_budget, n))
		return -E_BUDGET;
	if (!s->pt_budget)
		return -E_BUDGET;
	s->pt_charged += n;
	return 0;
}

static void pt_refund(struct space *s, uint32_t n)
{
	cap_refund(s->pt_budget, n);
	s->pt_charged -= n;
	if (!s->pt_charged)
		s->pt_budget = NULL; /* free to be destroyed by its holder */
}

int space_map_pages(struct space *s, const struct thread *payer, uint32_t va,
		    paddr_t p, uint32_t pages, unsigned attrs)
{
	/* one page where a table is already (the common map): nothing to
	 * pay for, one walk; anything else (a table to add, an address to
	 * refuse) goes the general way below, unchanged */
	if (pages == 1 && arch_map_page_present(&s->arch, va, p, attrs) == 0)
		return 0;
	uint32_t need = arch_pt_pages_missing(&s->arch, va, pages * PAGE_SIZE);
	uint32_t before = s->arch.pt_pages;
	int err = pt_charge(s, payer, need);

	if (err)
		return err;
	for (uint32_t i = 0; !err && i < pages; i++) {
		err = arch_map_page(&s->arch, va + i * PAGE_SIZE,
				    pa(p.pa + i * PAGE_SIZE), attrs);
		if (err) /* out of kernel memory: undo what was done */
			while (i--)
				arch_unmap_page(&s->arch, va + i * PAGE_SIZE);
	}
	/* keep the charge for the table pages that were really added */
	if (need)
		pt_refund(s, need - (s->arch.pt_pages - before));
	return err;
}

/*
 * The copy is charged the table pages it will add, counted before any is
 * allocated (all or nothing, as a map). Not src->arch.pt_pages: that also
 * counts the interface page's table, which the new space has already (the
 * kernel's, uncharged), and tables src keeps with nothing mapped in them
 * (an unmap leaves its table), which the copy does not take. Charged for
 * those, every copy of a space that had once mapped elsewhere paid pages
 * it never had, and a container ran out of PTPAGES with room left.
 */
struct space *space_copy(const struct space *src, const struct thread *payer)
{
	struct space *s = space_create(payer);

	if (!s)
		return NULL;
	uint32_t need = arch_space_copy_pt_pages(&s->arch, &src->arch);
	uint32_t before = s->arch.pt_pages;

	if (pt_charge(s, payer, need) != 0 ||
	    arch_space_copy(&s->arch, &src->arch) != 0) {
		space_put(s); /* refunds what was charged */
		return NULL;
	}
	BUG_ON(s->arch.pt_pages - before != need,
	       "a copied space holds other table pages than it was charged");
	return s;
}

int space_user_word(const struct space *s, uint32_t uaddr, paddr_t *p)
{
	/* aligned, below USER_VA_END, mapped, writable, not device memory */
	return arch_lookup_user_word(&s->arch, uaddr, p);
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
	/* another core holds a space only while it runs one of its threads,
	 * which hold references (an idle or stopped core lets go of it) */
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		BUG_ON(cpu_state[cpu].space == s, "freeing a space in use");
	if (s->arch.l1)
		arch_space_destroy(&s->arch);
	pt_refund(s, s->pt_charged);
	cap_refund(s->budget, 1);
	kmem_free(s);
}

int space_map_range(struct space *s, uint32_t va, paddr_t p, uint32_t size,
		    unsigned attrs)
{
	return arch_map_range(&s->arch, va, p, size, attrs);
}

/*
 * User memory is reached through the space's page tables and the kernel's
 * linear map, never by dereferencing a user pointer: a bad pointer is an
 * error return, not a kernel fault. The whole range is checked before any
 * byte moves, so a failed copy changes nothing. Each page by
 * space_user_page's rule (space.h), as copy_user_to_user (usercopy.c)
 * checks both sides of a copy between two spaces.
 */
static bool user_range_ok(const struct space *s, uint32_t uaddr, size_t len,
			  unsigned need)
{
	if (uaddr + len < uaddr || uaddr + len > USER_VA_END)
		return false;
	for (uint32_t page = ALIGN_DOWN(uaddr, PAGE_SIZE);
	     len && page < uaddr + len; page += PAGE_SIZE) {
		paddr_t p;
		if (!space_user_page(s, page, need, &p))
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

bool user_writable(const struct space *s, uint32_t uaddr, size_t len)
{
	return user_range_ok(s, uaddr, len, MAP_READ | MAP_WRITE);
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
