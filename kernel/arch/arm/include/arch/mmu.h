/*
 * ARMv7-A short-descriptor translation. TTBCR.N = 1 splits the address
 * space: TTBR0 (per space, 8 KiB table, tagged by ASID) covers user
 * addresses below USER_VA_END; TTBR1 (the kernel's table) covers the rest,
 * with all RAM mapped linearly at KERNEL_VIRT_OFFSET + phys.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define SECTION_SHIFT 20
#define SECTION_SIZE (1u << SECTION_SHIFT)
#define USER_VA_END 0x80000000u
#define DEVICE_VA_BASE 0xF0000000u /* kernel device window, 1 MiB slots */

/* L1 section descriptors used by head.S and the device window. */
#define L1_SECTION 0x2u
#define L1_SECT_B (1u << 2)
#define L1_SECT_C (1u << 3)
#define L1_SECT_XN (1u << 4)
#define L1_SECT_AP_PRIV_RW (1u << 10)
#define L1_SECT_TEX1 (1u << 12)
#define L1_SECT_S (1u << 16)
#define L1_SECT_KERNEL_RAM                                                     \
	(L1_SECTION | L1_SECT_B | L1_SECT_C | L1_SECT_AP_PRIV_RW |             \
	 L1_SECT_TEX1 | L1_SECT_S)
#define L1_SECT_KERNEL_DEVICE                                                  \
	(L1_SECTION | L1_SECT_B | L1_SECT_XN | L1_SECT_AP_PRIV_RW)

/* Translation-table walk attributes: inner/outer write-back, shareable. */
#define TTBR_WALK_FLAGS 0x4au
#define DACR_ALL_CLIENT 0x55555555u
#define TTBCR_SPLIT_2G 1u

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <arch/cpu.h>
#include <kernel/types.h>

/* Mapping attributes (generic kernel view). */
#define MAP_READ 0x1u
#define MAP_WRITE 0x2u
#define MAP_EXEC 0x4u
#define MAP_DEVICE 0x8u

struct arch_space {
	uint32_t *l1;    /* kernel-virtual pointer to the 8 KiB table */
	paddr_t l1_phys;
	/* what arch_switch_space reads, side by side: TTBR0's value (the
	 * table's address and its walk attributes), the ASID and whether it
	 * is still valid */
	uint32_t ttbr0;
	uint32_t asid;   /* 1..255 (0: none yet; reserved for switching) */
	uint32_t asid_generation; /* the ASID is valid in this generation
				   * (0: it has none) */
	uint32_t pt_pages; /* L2 table pages it holds */
};

int arch_space_init(struct arch_space *as);
void arch_space_destroy(struct arch_space *as);
int arch_map_page(struct arch_space *as, uint32_t va, paddr_t pa,
		  unsigned attrs);
/*
 * arch_map_page() for every page of [va, va + size), pa rising with va;
 * stops at the first page that fails, with its error, the pages before it
 * mapped. Each L2 table is looked up once for all its pages.
 */
int arch_map_range(struct arch_space *as, uint32_t va, paddr_t pa,
		   uint32_t size, unsigned attrs);
/* arch_map_page where va's L2 table exists already: 0 when mapped; else
 * -E_NOENT and nothing done (no table yet, or an address arch_map_page
 * refuses): the caller goes the general way (pays for the table, maps
 * with arch_map_page, which gives the error). */
int arch_map_page_present(struct arch_space *as, uint32_t va, paddr_t pa,
			  unsigned attrs);
int arch_unmap_page(struct arch_space *as, uint32_t va);
int arch_space_copy(struct arch_space *dst, const struct arch_space *src);
/* L2 table pages arch_space_copy(dst, src) would have to add to dst: those
 * of src's groups with a page mapped that dst has no table for. */
uint32_t arch_space_copy_pt_pages(const struct arch_space *dst,
				  const struct arch_space *src);
/* L2 table pages that mapping [va, va + size) would have to add. */
uint32_t arch_pt_pages_missing(const struct arch_space *as, uint32_t va,
			       uint32_t size);
int arch_lookup(const struct arch_space *as, uint32_t va, paddr_t *pa,
		unsigned *attrs);
/* What space_user_word asks in one walk: the physical address of the
 * aligned user word at va if arch_lookup would find it mapped writable
 * and not device memory; -E_FAULT otherwise. */
int arch_lookup_user_word(const struct arch_space *as, uint32_t va,
			  paddr_t *pa);
/* What space_user_page asks in one walk: the physical address of the
 * byte at va if arch_lookup would find its page mapped, normal memory
 * (not MAP_DEVICE) and, when `write`, writable; -E_FAULT otherwise. */
int arch_user_page(const struct arch_space *as, uint32_t va, bool write,
		   paddr_t *pa);
/* The ASID generation now running (mmu.c): a space's ASID is valid while
 * its asid_generation equals it. */
extern uint32_t asid_generation;
/* Give as a valid ASID (a new generation if they ran out). */
void arch_asid_assign(struct arch_space *as);

/*
 * Load as's table and ASID into TTBR0 and CONTEXTIDR without a window
 * where the new table is used with the old ASID: through the reserved
 * ASID 0 (ARM ARM B3.10.4). Inline: it is on every switch between spaces,
 * the ipc fast path's included.
 */
static inline void arch_switch_space(struct arch_space *as)
{
	/* a space without an ASID has generation 0, never the current */
	if (__builtin_expect(as->asid_generation != asid_generation, 0))
		arch_asid_assign(as);
	/* both read before the barriers, which order memory accesses too */
	uint32_t ttbr0 = as->ttbr0, asid = as->asid;

	write_contextidr(0);
	isb();
	write_ttbr0(ttbr0);
	isb();
	write_contextidr(asid);
	isb();
}
/* How many times the ASIDs ran out and a new generation began. */
uint32_t arch_asid_rollovers(void);
/* Load an empty user half (before the current space's table is freed). */
void arch_switch_to_kernel_only(void);
void *arch_map_device(paddr_t pa, uint32_t size);
void arch_mmu_init(void);

extern uint32_t kernel_l1[4096];
#endif

#endif
