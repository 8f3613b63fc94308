/* ARMv7-A CPU modes, PSR bits, coprocessor access and barriers. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#define PSR_MODE_USR 0x10
#define PSR_MODE_FIQ 0x11
#define PSR_MODE_IRQ 0x12
#define PSR_MODE_SVC 0x13
#define PSR_MODE_ABT 0x17
#define PSR_MODE_UND 0x1b
#define PSR_MODE_SYS 0x1f
#define PSR_MODE_MASK 0x1f
#define PSR_T_BIT 0x20
#define PSR_F_BIT 0x40
#define PSR_I_BIT 0x80
#define PSR_A_BIT 0x100

#define SCTLR_M (1u << 0)
#define SCTLR_C (1u << 2)
#define SCTLR_Z (1u << 11)
#define SCTLR_I (1u << 12)
#define ACTLR_SMP (1u << 6)

#ifndef __ASSEMBLER__
#include <stdint.h>

#define CP15_READ(name, op1, crn, crm, op2)                                    \
	static inline uint32_t read_##name(void)                               \
	{                                                                      \
		uint32_t v;                                                    \
		__asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm      \
				 ", " #op2                                     \
				 : "=r"(v));                                   \
		return v;                                                      \
	}
#define CP15_WRITE(name, op1, crn, crm, op2)                                   \
	static inline void write_##name(uint32_t v)                            \
	{                                                                      \
		__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm      \
				 ", " #op2                                     \
				 :                                             \
				 : "r"(v)                                      \
				 : "memory");                                  \
	}
#define CP15_RW(name, op1, crn, crm, op2)                                      \
	CP15_READ(name, op1, crn, crm, op2)                                    \
	CP15_WRITE(name, op1, crn, crm, op2)

CP15_RW(sctlr, 0, c1, c0, 0)
CP15_RW(ttbr0, 0, c2, c0, 0)
CP15_RW(ttbr1, 0, c2, c0, 1)
CP15_RW(ttbcr, 0, c2, c0, 2)
CP15_RW(contextidr, 0, c13, c0, 1)
CP15_RW(vbar, 0, c12, c0, 0)
CP15_RW(tpidrprw, 0, c13, c0, 4)
CP15_RW(tpidruro, 0, c13, c0, 3)
CP15_READ(dfsr, 0, c5, c0, 0)
CP15_READ(ifsr, 0, c5, c0, 1)
CP15_READ(dfar, 0, c6, c0, 0)
CP15_READ(ifar, 0, c6, c0, 2)
CP15_READ(midr, 0, c0, c0, 0)
CP15_WRITE(tlbiall, 0, c8, c7, 0)
CP15_WRITE(tlbiasid, 0, c8, c7, 2)
CP15_WRITE(tlbimva, 0, c8, c7, 1)
CP15_WRITE(iciallu, 0, c7, c5, 0)
CP15_WRITE(bpiall, 0, c7, c5, 6)
/* the Inner Shareable forms: every core of the cluster (ARMv7 MP) */
CP15_WRITE(tlbiallis, 0, c8, c3, 0)
CP15_WRITE(tlbiasidis, 0, c8, c3, 2)
CP15_WRITE(tlbimvais, 0, c8, c3, 1)

/*
 * TLB maintenance for a change of the translation tables: on every core
 * the kernel runs on (broadcast within the Inner Shareable domain when it
 * runs on more than one), local otherwise. Callers put a dsb before (the
 * table write is visible to the walkers) and a dsb; isb after.
 */
static inline void tlb_flush_all(void)
{
#if CONFIG_NR_CPUS > 1
	write_tlbiallis(0);
#else
	write_tlbiall(0);
#endif
}

static inline void tlb_flush_asid(uint32_t asid)
{
#if CONFIG_NR_CPUS > 1
	write_tlbiasidis(asid);
#else
	write_tlbiasid(asid);
#endif
}

/* mva_asid: the page's address with the ASID in its low bits. */
static inline void tlb_flush_page(uint32_t mva_asid)
{
#if CONFIG_NR_CPUS > 1
	write_tlbimvais(mva_asid);
#else
	write_tlbimva(mva_asid);
#endif
}

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

static inline void dsb(void)
{
	__asm__ volatile("dsb" ::: "memory");
}

static inline void wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

static inline uint32_t read_cpsr(void)
{
	uint32_t v;
	__asm__ volatile("mrs %0, cpsr" : "=r"(v));
	return v;
}

#endif /* __ASSEMBLER__ */
#ifndef __ASSEMBLER__
/* Zero bytes (a non-zero multiple of 128) at a word-aligned address. */
void arch_zero_pages(void *addr, uint32_t bytes);
#endif

#endif
