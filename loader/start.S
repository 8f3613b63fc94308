/*
 * Loader entry, at the image's link address, on core 0 (the others, on
 * boards that start them all here, wait on the spin table below), in SVC
 * mode or in HYP mode (QEMU with virtualization=on, U-Boot
 * and firmware on cores with the Virtualization Extensions enter there),
 * with the MMU and caches off (QEMU -kernel) or still on (U-Boot's `go`
 * and standalone `bootm` jump with U-Boot's identity mapping, caches and
 * perhaps alignment checking in place; docs/booting.md).
 *
 * First the translation regime we run in (HSCTLR in HYP, SCTLR otherwise)
 * is brought to the state the loader and the kernel are written for:
 * caches off, then every dirty data line written back by set/way (the
 * image U-Boot copied, and U-Boot's own data, may sit in a write-back
 * cache that the MMU-off accesses below would bypass), then MMU and
 * alignment checks off (older U-Boots set SCTLR.A; the C code may do
 * unaligned accesses), then stale TLB, instruction cache and branch
 * predictor entries dropped. QEMU models none of the caches; real boards
 * do.
 *
 * From HYP, `cps` to SVC is an illegal mode change, so the loader leaves
 * HYP the architected way: with HCR cleared, the virtual counter's offset
 * zeroed, the physical timer and counter open to PL1 and HVBAR pointing at
 * a stub (hyp_stub_vectors below), an `eret` to SVC with A, I and F
 * masked. Then zero .bss, take the stack from it and run loader_main(),
 * which never returns; it is told (r0) whether HYP was left. The kernel is
 * entered in SVC.
 *
 * The stub is what a later hypervisor layer builds on: from PL1, `hvc #0`
 * with r0 = HYP_STUB_GET_VECTORS returns HVBAR in r0, with r0 =
 * HYP_STUB_SET_VECTORS installs r1 as HVBAR (how a hypervisor loaded later
 * takes HYP over); any other call returns HYP_STUB_UNKNOWN and changes
 * nothing. Every other exception taken to HYP (none is routed there with
 * HCR cleared) parks the core. The stub lives in the boot image, which
 * stays reserved for the system's life.
 */
#include <loader/hyp_stub.h>
#include <loader/spin_table.h>
#define PSR_MODE_MASK 0x1f
#define PSR_MODE_SVC 0x13
#define PSR_MODE_HYP 0x1a
#define PSR_AIF (0x100 | 0x80 | 0x40)
#define SCTLR_M (1 << 0)	/* same bits in HSCTLR */
#define SCTLR_A (1 << 1)
#define SCTLR_C (1 << 2)
#define SCTLR_I (1 << 12)

/* Caches off, clean, MMU off, invalidate; opc1 0: PL1 (SCTLR), 4: HYP.
 * The clean (some 200,000 instructions on QEMU's A15, which models no
 * cache but runs the loop) only when the data cache was on at entry: from
 * reset (QEMU -kernel, firmware without caches) nothing can be dirty. */
.macro	to_clean_state opc1
	mrc	p15, \opc1, r0, c1, c0, 0
	tst	r0, #SCTLR_C
	bic	r0, r0, #SCTLR_C
	bic	r0, r0, #SCTLR_I
	mcr	p15, \opc1, r0, c1, c0, 0
	isb
	blne	dcache_clean_inv_all
	mrc	p15, \opc1, r0, c1, c0, 0
	bic	r0, r0, #(SCTLR_M | SCTLR_A)
	mcr	p15, \opc1, r0, c1, c0, 0	/* identity-mapped: we go on */
	isb
	mov	r0, #0
	mcr	p15, \opc1, r0, c8, c7, 0	/* TLBIALL, or TLBIALLH in HYP */
	mcr	p15, 0, r0, c7, c5, 0	/* ICIALLU */
	mcr	p15, 0, r0, c7, c5, 6	/* BPIALL */
	dsb
	isb
.endm

	.arch_extension virt	/* HYP registers and eret: only run when entered in HYP */
	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	b	entry

	/* The spin table, at a fixed offset (loader/spin_table.h): core N
	 * waits for a non-zero word N, written by the kernel. */
	.org	SPIN_TABLE_OFFSET
	.global	spin_table
spin_table:
	.space	SPIN_TABLE_CORES * 4

entry:
	cpsid	aif
	mrs	r0, cpsr
	and	r0, r0, #PSR_MODE_MASK
	cmp	r0, #PSR_MODE_HYP
	bne	not_hyp
	to_clean_state 4
	mov	r0, #0
	mcr	p15, 4, r0, c1, c1, 0	/* HCR: no traps, no virtualization */
	mcrr	p15, 4, r0, r0, c14	/* CNTVOFF = 0: virtual = physical */
	mrc	p15, 4, r0, c14, c1, 0	/* CNTHCTL */
	orr	r0, r0, #3		/* PL1 may use the physical counter, timer */
	mcr	p15, 4, r0, c14, c1, 0
	adr	r0, hyp_stub_vectors
	mcr	p15, 4, r0, c12, c0, 0	/* HVBAR */
	isb
	adr	r0, from_hyp
	msr	elr_hyp, r0
	mov	r0, #(PSR_MODE_SVC | PSR_AIF)
	msr	spsr_cxsf, r0		/* (SPSR_hyp is UNDEFINED from HYP) */
	eret
from_hyp:
	mov	r8, #1			/* loader_main's argument: left HYP */
	b	in_svc
not_hyp:
	to_clean_state 0
	mov	r8, #0
in_svc:
	/* One core boots the system. QEMU's raspi2b and vexpress-a9 start
	 * every core at the entry of an image that is not Linux; the others,
	 * out of HYP like core 0, wait on the spin table. MPIDR's Aff0 is the
	 * core within the cluster; cores without the MP extensions read 0. */
	mrc	p15, 0, r0, c0, c0, 5	/* MPIDR */
	tst	r0, #0x80000000		/* the MP format: Aff0 is valid */
	andne	r0, r0, #0xff
	moveq	r0, #0
	cmp	r0, #0
	bne	park
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
1:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	1b
	ldr	sp, =loader_stack_top
	mov	r0, r8
	bl	loader_main
2:	wfi
	b	2b
/* r0 = this core's number. Wait for the kernel's word; no stack, no
 * .bss (core 0 is clearing it). A core the kernel will not start
 * (CONFIG_NR_CPUS) sleeps in wfi for good instead: wfe is only a hint,
 * and an emulator (QEMU) spins on it, which under -icount would also
 * count the spinning core's instructions as the system's time. */
park:	cmp	r0, #CONFIG_NR_CPUS
	bhs	2b
	cmp	r0, #SPIN_TABLE_CORES
	bhs	2b
	ldr	r1, =spin_table
	add	r1, r1, r0, lsl #2
3:	wfe
	ldr	r2, [r1]
	cmp	r2, #0
	beq	3b
	bx	r2

/* HYP's vector table (HVBAR: 32-byte aligned). Only the hypervisor trap
 * entry (hvc from PL1) does anything. */
	.align	5
hyp_stub_vectors:
	b	hyp_stub_park		/* reset (not used) */
	b	hyp_stub_park		/* undefined instruction in HYP */
	b	hyp_stub_park		/* hvc from HYP */
	b	hyp_stub_park		/* prefetch abort in HYP */
	b	hyp_stub_park		/* data abort in HYP */
	b	hyp_stub_trap		/* hyp trap: hvc from PL1 */
	b	hyp_stub_park		/* IRQ */
	b	hyp_stub_park		/* FIQ */

hyp_stub_trap:
	cmp	r0, #HYP_STUB_GET_VECTORS
	mrceq	p15, 4, r0, c12, c0, 0	/* HVBAR */
	beq	1f
	cmp	r0, #HYP_STUB_SET_VECTORS
	mcreq	p15, 4, r1, c12, c0, 0
	moveq	r0, #0
	mvnne	r0, #0			/* HYP_STUB_UNKNOWN */
1:	isb
	eret
hyp_stub_park:
	wfi
	b	hyp_stub_park

/*
 * Clean and invalidate every data and unified cache up to the Level of
 * Coherency, by set/way (the ARM ARM's sequence). No stack; uses r0-r5,
 * r7, r9-r11 and the flags.
 */
dcache_clean_inv_all:
	mrc	p15, 1, r0, c0, c0, 1	/* CLIDR */
	ands	r3, r0, #0x07000000
	mov	r3, r3, lsr #23		/* LoC * 2 */
	beq	5f
	mov	r10, #0			/* level * 2, as CSSELR wants it */
1:	add	r2, r10, r10, lsr #1
	mov	r1, r0, lsr r2
	and	r1, r1, #7		/* this level's cache type */
	cmp	r1, #2
	blt	4f			/* none or instruction only */
	mcr	p15, 2, r10, c0, c0, 0	/* CSSELR */
	isb
	mrc	p15, 1, r1, c0, c0, 0	/* CCSIDR */
	and	r2, r1, #7
	add	r2, r2, #4		/* set shift: log2(line bytes) */
	ldr	r4, =0x3ff
	ands	r4, r4, r1, lsr #3	/* ways - 1 */
	clz	r5, r4			/* way shift */
	ldr	r7, =0x7fff
	ands	r7, r7, r1, lsr #13	/* sets - 1 */
2:	mov	r9, r4
3:	orr	r11, r10, r9, lsl r5
	orr	r11, r11, r7, lsl r2
	mcr	p15, 0, r11, c7, c14, 2	/* DCCISW */
	subs	r9, r9, #1
	bge	3b
	subs	r7, r7, #1
	bge	2b
4:	add	r10, r10, #2
	cmp	r3, r10
	bgt	1b
5:	mov	r10, #0
	mcr	p15, 2, r10, c0, c0, 0	/* CSSELR back to level 1 */
	dsb
	isb
	bx	lr
	.ltorg
