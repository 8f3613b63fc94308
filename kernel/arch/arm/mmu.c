/*
 * User address spaces on ARMv7-A short descriptors.
 *
 * Each space has an 8 KiB L1 table (TTBR0 with TTBCR.N = 1) and L2 tables
 * allocated a page at a time: one 4 KiB page holds the four 1 KiB L2 tables
 * of an aligned group of four L1 entries (4 MiB of address space), so L2
 * memory is never wasted on partial pages. User pages are non-global and
 * tagged with the space's ASID, so switching spaces needs no TLB flush.
 */
#include <string.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <tessera/errno.h>

#define USER_L1_ENTRIES (USER_VA_END >> SECTION_SHIFT) /* 2048 */
_Static_assert((USER_VA_END & ((1u << SECTION_SHIFT) - 1)) == 0,
	       "arch_map_range checks the user range once a section");
#define L1_TYPE_MASK 0x3u
#define L1_TYPE_TABLE 0x1u
#define L2_ENTRIES 256u
#define L2_TABLE_SIZE 1024u

/* Small page descriptor bits. */
#define L2_XN (1u << 0)
#define L2_SMALL (1u << 1)
#define L2_B (1u << 2)
#define L2_C (1u << 3)
#define L2_AP_USER_RW (3u << 4)
#define L2_AP_USER_RO ((3u << 4) | (1u << 9))
#define L2_TEX1 (1u << 6)
#define L2_S (1u << 10)
#define L2_NG (1u << 11)
#define L2_NORMAL (L2_TEX1 | L2_C | L2_B | L2_S)
#define L2_DEVICE (L2_B)

#define ASID_COUNT 256u

uint32_t kernel_l1[4096] __attribute__((aligned(16384), section(".bss.page_aligned")));
static uint32_t asid_bitmap[ASID_COUNT / 32];
static uint32_t next_device_va = DEVICE_VA_BASE;

/*
 * ASIDs are handed out lazily, when a space is first switched to, and
 * tagged with a generation. When all 255 are taken, a new generation
 * starts: the whole TLB is flushed once and every space gets a fresh ASID
 * the next time it runs. So the number of spaces is never limited by ASIDs,
 * and an ordinary switch still flushes nothing.
 */
uint32_t asid_generation = 1;
static uint32_t asid_rollovers;

static int asid_alloc(void)
{
	for (uint32_t a = 1; a < ASID_COUNT; a++) {
		if (!(asid_bitmap[a / 32] & (1u << (a % 32)))) {
			asid_bitmap[a / 32] |= 1u << (a % 32);
			return (int)a;
		}
	}
	return -E_BUDGET;
}

/*
 * With other cores: a space another core runs now keeps its ASID into the
 * new generation (it is in that core's CONTEXTIDR, and the core may fill
 * its TLB with it until it next switches), so no new space can be given
 * the same ASID meanwhile.
 */
static void asid_keep_running_elsewhere(void)
{
#if CONFIG_NR_CPUS > 1
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++) {
		struct space *s = cpu_state[cpu].space;
		if (cpu == this_cpu_id() || !s || !s->arch.asid)
			continue;
		asid_bitmap[s->arch.asid / 32] |= 1u << (s->arch.asid % 32);
		s->arch.asid_generation = asid_generation;
	}
#endif
}

static void asid_new_generation(void)
{
	memset(asid_bitmap, 0, sizeof(asid_bitmap));
	if (++asid_generation == 0)
		asid_generation = 1; /* 0 marks a space that has no ASID */
	asid_rollovers++;
	asid_keep_running_elsewhere();
	write_contextidr(0);
	isb();
	tlb_flush_all();
	dsb();
	isb();
}

void arch_asid_assign(struct arch_space *as)
{
	int a;

	if (as->asid && as->asid_generation == asid_generation)
		return;
	if ((a = asid_alloc()) < 0) {
		asid_new_generation();
		a = asid_alloc();
	}
	as->asid = (uint32_t)a;
	as->asid_generation = asid_generation;
}

static void asid_free(struct arch_space *as)
{
	if (!as->asid || as->asid_generation != asid_generation)
		return; /* never ran, or its generation is gone with the TLB */
	asid_bitmap[as->asid / 32] &= ~(1u << (as->asid % 32));
	tlb_flush_asid(as->asid);
	dsb();
	isb();
}

uint32_t arch_asid_rollovers(void)
{
	return asid_rollovers;
}

/* Drop the boot-time identity mapping: user addresses are TTBR0's now. */
void arch_mmu_init(void)
{
	/* 8 KiB: the page zeroing's stores, not a word at a time */
	arch_zero_pages(kernel_l1, USER_L1_ENTRIES * sizeof(kernel_l1[0]));
	dsb();
	write_tlbiall(0);
	dsb();
	isb();
}

int arch_space_init(struct arch_space *as)
{
	as->l1_phys = kmem_alloc_pages(2, 2);
	if (!as->l1_phys.pa)
		return -E_BUDGET;
	as->l1 = phys_to_virt(as->l1_phys);
	as->ttbr0 = as->l1_phys.pa | TTBR_WALK_FLAGS;
	/* assigned when it first runs: generation 0 is never the current
	 * one, so arch_switch_space's one test finds it has none */
	as->asid = 0;
	as->asid_generation = 0;
	return 0;
}

void arch_space_destroy(struct arch_space *as)
{
	for (uint32_t i = 0; i < USER_L1_ENTRIES; i += 4) {
		if ((as->l1[i] & L1_TYPE_MASK) == L1_TYPE_TABLE)
			kmem_free_pages(pa(as->l1[i] & ~(PAGE_SIZE - 1)), 1);
	}
	kmem_free_pages(as->l1_phys, 2);
	asid_free(as);
	as->l1 = NULL;
}

/* The L2 table for va, allocating its group page if alloc is set. */
static uint32_t *l2_table(const struct arch_space *as, uint32_t va, bool alloc)
{
	uint32_t idx = va >> SECTION_SHIFT;
	uint32_t entry = as->l1[idx];

	if ((entry & L1_TYPE_MASK) == L1_TYPE_TABLE)
		return phys_to_virt(pa(entry & ~(L2_TABLE_SIZE - 1)));
	if (!alloc)
		return NULL;
	paddr_t page = kmem_alloc_pages(1, 1);
	if (!page.pa)
		return NULL;
	((struct arch_space *)as)->pt_pages++;
	uint32_t group = idx & ~3u;
	for (uint32_t k = 0; k < 4; k++)
		as->l1[group + k] = (page.pa + k * L2_TABLE_SIZE) | L1_TYPE_TABLE;
	dsb();
	return phys_to_virt(pa(as->l1[idx] & ~(L2_TABLE_SIZE - 1)));
}

uint32_t arch_pt_pages_missing(const struct arch_space *as, uint32_t va,
			       uint32_t size)
{
	uint32_t missing = 0;

	if (!size || va >= USER_VA_END || size > USER_VA_END - va)
		return 0;
	/* one L2 page serves each aligned group of four L1 entries */
	for (uint32_t idx = (va >> SECTION_SHIFT) & ~3u;
	     idx <= (va + size - 1) >> SECTION_SHIFT; idx += 4)
		if ((as->l1[idx] & L1_TYPE_MASK) != L1_TYPE_TABLE)
			missing++;
	return missing;
}

static uint32_t l2_attrs(unsigned attrs)
{
	uint32_t d = L2_SMALL | L2_NG;

	d |= (attrs & MAP_WRITE) ? L2_AP_USER_RW : L2_AP_USER_RO;
	d |= (attrs & MAP_DEVICE) ? L2_DEVICE : L2_NORMAL;
	if (!(attrs & MAP_EXEC) || (attrs & MAP_DEVICE))
		d |= L2_XN;
	return d;
}

/* Write va's entry in its L2 table l2; a replaced entry leaves the TLB. */
static inline void set_pte(const struct arch_space *as, uint32_t *l2,
			   uint32_t va, paddr_t p, unsigned attrs)
{
	uint32_t *pte = &l2[(va >> PAGE_SHIFT) & (L2_ENTRIES - 1)];
	bool was_valid = *pte != 0;
	*pte = p.pa | l2_attrs(attrs);
	dsb();
	if (was_valid) {
		tlb_flush_page((va & ~(PAGE_SIZE - 1)) | as->asid);
		dsb();
		isb();
	}
}

int arch_map_page(struct arch_space *as, uint32_t va, paddr_t p,
		  unsigned attrs)
{
	if (va >= USER_VA_END || !IS_ALIGNED(va | p.pa, PAGE_SIZE))
		return -E_INVAL;
	uint32_t *l2 = l2_table(as, va, true);
	if (!l2)
		return -E_BUDGET;
	set_pte(as, l2, va, p, attrs);
	return 0;
}

int arch_map_page_present(struct arch_space *as, uint32_t va, paddr_t p,
			  unsigned attrs)
{
	if (va >= USER_VA_END || !IS_ALIGNED(va | p.pa, PAGE_SIZE))
		return -E_NOENT; /* arch_map_page's error, in its order */
	uint32_t entry = as->l1[va >> SECTION_SHIFT];
	if ((entry & L1_TYPE_MASK) != L1_TYPE_TABLE)
		return -E_NOENT;
	set_pte(as, phys_to_virt(pa(entry & ~(L2_TABLE_SIZE - 1))), va, p,
		attrs);
	return 0;
}

int arch_map_range(struct arch_space *as, uint32_t va, paddr_t p,
		   uint32_t size, unsigned attrs)
{
	uint32_t d = l2_attrs(attrs);
	uint32_t off = 0;
	int err = 0;

	while (off < size) {
		uint32_t v = va + off, phys = p.pa + off;

		/* USER_VA_END is a section boundary, so what holds for the
		 * first page of this section's run holds for the rest */
		if (v >= USER_VA_END || !IS_ALIGNED(v | phys, PAGE_SIZE)) {
			err = -E_INVAL;
			break;
		}
		uint32_t *l2 = l2_table(as, v, true);
		if (!l2) {
			err = -E_BUDGET;
			break;
		}
		for (uint32_t i = (v >> PAGE_SHIFT) & (L2_ENTRIES - 1);
		     i < L2_ENTRIES && off < size;
		     i++, off += PAGE_SIZE, phys += PAGE_SIZE) {
			uint32_t old = l2[i];

			l2[i] = phys | d;
			if (old) { /* replaced: as arch_map_page does */
				dsb();
				tlb_flush_page(((va + off) & ~(PAGE_SIZE - 1)) |
					       as->asid);
				dsb();
				isb();
			}
		}
	}
	dsb();
	return err;
}

/*
 * The L2 table pages arch_space_copy(dst, src) adds to dst: one for each
 * aligned group of four L1 entries (one table page) where src has at
 * least one page mapped and dst has no table yet. A table of src with
 * nothing mapped in it (an unmap leaves the table) is not copied, and a
 * group dst has already (the interface page's, made with the space) needs
 * none: so this is not src->pt_pages.
 */
uint32_t arch_space_copy_pt_pages(const struct arch_space *dst,
				  const struct arch_space *src)
{
	uint32_t pages = 0;

	for (uint32_t idx = 0; idx < USER_L1_ENTRIES; idx += 4) {
		if ((src->l1[idx] & L1_TYPE_MASK) != L1_TYPE_TABLE ||
		    (dst->l1[idx] & L1_TYPE_MASK) == L1_TYPE_TABLE)
			continue;
		/* l2_table: the group's four tables fill one page */
		const uint32_t *group = phys_to_virt(pa(src->l1[idx] &
							 ~(PAGE_SIZE - 1)));
		for (uint32_t i = 0; i < 4 * L2_ENTRIES; i++)
			if (group[i]) {
				pages++;
				break;
			}
	}
	return pages;
}

/* Give dst every mapping of src (same pages, same attributes). */
int arch_space_copy(struct arch_space *dst, const struct arch_space *src)
{
	for (uint32_t idx = 0; idx < USER_L1_ENTRIES; idx++) {
		if ((src->l1[idx] & L1_TYPE_MASK) != L1_TYPE_TABLE)
			continue;
		const uint32_t *from = phys_to_virt(pa(src->l1[idx] &
							~(L2_TABLE_SIZE - 1)));
		for (uint32_t i = 0; i < L2_ENTRIES; i++) {
			if (!from[i])
				continue;
			uint32_t va = (idx << SECTION_SHIFT) | (i << PAGE_SHIFT);
			uint32_t *to = l2_table(dst, va, true);
			if (!to)
				return -E_BUDGET;
			to[i] = from[i];
		}
	}
	dsb();
	return 0;
}

int arch_unmap_page(struct arch_space *as, uint32_t va)
{
	if (va >= USER_VA_END)
		return -E_INVAL;
	uint32_t *l2 = l2_table(as, va, false);
	uint32_t *pte = l2 ? &l2[(va >> PAGE_SHIFT) & (L2_ENTRIES - 1)] : NULL;
	if (!pte || !*pte)
		return -E_NOENT;
	*pte = 0;
	dsb();
	tlb_flush_page((va & ~(PAGE_SIZE - 1)) | as->asid);
	dsb();
	isb();
	return 0;
}

int arch_lookup(const struct arch_space *as, uint32_t va, paddr_t *p,
		unsigned *attrs)
{
	if (va >= USER_VA_END)
		return -E_FAULT;
	uint32_t *l2 = l2_table(as, va, false);
	uint32_t d = l2 ? l2[(va >> PAGE_SHIFT) & (L2_ENTRIES - 1)] : 0;
	if (!d)
		return -E_FAULT;
	*p = pa((d & ~(PAGE_SIZE - 1)) | (va & (PAGE_SIZE - 1)));
	unsigned a = MAP_READ;
	if (!(d & (1u << 9)))
		a |= MAP_WRITE;
	if (!(d & L2_XN))
		a |= MAP_EXEC;
	if ((d & (L2_TEX1 | L2_C | L2_B)) == L2_DEVICE)
		a |= MAP_DEVICE;
	*attrs = a;
	return 0;
}

int arch_user_page(const struct arch_space *as, uint32_t va, bool write,
		   paddr_t *p)
{
	if (va >= USER_VA_END)
		return -E_FAULT;
	uint32_t *l2 = l2_table(as, va, false);
	uint32_t d = l2 ? l2[(va >> PAGE_SHIFT) & (L2_ENTRIES - 1)] : 0;
	/* arch_lookup's MAP_WRITE (no AP[2]) and MAP_DEVICE, decoded alike */
	if (!d || (write && (d & (1u << 9))) ||
	    (d & (L2_TEX1 | L2_C | L2_B)) == L2_DEVICE)
		return -E_FAULT;
	*p = pa((d & ~(PAGE_SIZE - 1)) | (va & (PAGE_SIZE - 1)));
	return 0;
}

int arch_lookup_user_word(const struct arch_space *as, uint32_t va,
			  paddr_t *p)
{
	if (!IS_ALIGNED(va, 4) || va >= USER_VA_END)
		return -E_FAULT;
	uint32_t *l2 = l2_table(as, va, false);
	uint32_t d = l2 ? l2[(va >> PAGE_SHIFT) & (L2_ENTRIES - 1)] : 0;
	/* arch_lookup's MAP_WRITE (no AP[2]) and MAP_DEVICE, decoded alike */
	if (!d || (d & (1u << 9)) || (d & (L2_TEX1 | L2_C | L2_B)) == L2_DEVICE)
		return -E_FAULT;
	*p = pa((d & ~(PAGE_SIZE - 1)) | (va & (PAGE_SIZE - 1)));
	return 0;
}

void arch_switch_to_kernel_only(void)
{
	write_contextidr(0);
	isb();
	write_ttbr0(virt_to_phys(kernel_l1).pa | TTBR_WALK_FLAGS);
	isb();
}

/* Map a device's registers uncached into the kernel's device window. */
void *arch_map_device(paddr_t p, uint32_t size)
{
	uint32_t base = ALIGN_DOWN(p.pa, SECTION_SIZE);
	uint32_t end = ALIGN_UP(p.pa + size, SECTION_SIZE);
	uint32_t va = next_device_va;

	BUG_ON(va + (end - base) < va, "device window full");
	for (uint32_t s = base; s < end; s += SECTION_SIZE) {
		kernel_l1[next_device_va >> SECTION_SHIFT] =
			s | L1_SECT_KERNEL_DEVICE;
		next_device_va += SECTION_SIZE;
	}
	dsb();
	isb();
	return (void *)(uintptr_t)(va + (p.pa - base));
}
