/*
 * Kernel entry from the loader: SVC mode, MMU and caches off, running at the
 * physical load address. r0 = boot-info (phys), r1 = image table (phys).
 *
 * Builds the kernel's L1 table (an identity section for the jump, plus all
 * of RAM at KERNEL_VIRT_OFFSET), turns the MMU on and continues at the
 * linked (virtual) address in kernel_main().
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <generated/board.h>

/*
 * The MMU on with the kernel's table at physical address \l1 (TTBR0 and
 * TTBR1: the user half holds the identity section this code runs in),
 * ASID 0, TLB and I-cache clean; then on at the linked address \target.
 * Boot and secondary cores alike; uses r0, r1.
 */
.macro	mmu_on l1, target
	ldr	r0, =DACR_ALL_CLIENT
	mcr	p15, 0, r0, c3, c0, 0
	mov	r0, #TTBCR_SPLIT_2G
	mcr	p15, 0, r0, c2, c0, 2
	orr	r0, \l1, #TTBR_WALK_FLAGS
	mcr	p15, 0, r0, c2, c0, 0	@ TTBR0: identity entry (low 8 KiB)
	mcr	p15, 0, r0, c2, c0, 1	@ TTBR1: kernel half
	mov	r0, #0
	mcr	p15, 0, r0, c13, c0, 1	@ CONTEXTIDR: ASID 0
	mcr	p15, 0, r0, c8, c7, 0	@ TLBIALL
	mcr	p15, 0, r0, c7, c5, 0	@ ICIALLU
	dsb
	isb
	mrc	p15, 0, r0, c1, c0, 0
	ldr	r1, =(SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_Z)
	orr	r0, r0, r1
	mcr	p15, 0, r0, c1, c0, 0
	isb
	ldr	pc, =\target
.endm

	.section .text.head, "ax"
	.arm
	.global _start
_start:
	cpsid	aif
	cps	#PSR_MODE_SVC
	mov	r4, r0
	mov	r5, r1
	adr	r6, _start		@ physical address of _start
	ldr	r7, =_start		@ linked (virtual) address
	sub	r8, r7, r6		@ r8 = virtual - physical

	@ .bss (kernel_l1 included) is zero already: the kernel is the
	@ image's kernel part, whose mem_size is the ELF's memory span
	@ (tools/pack.py kernel_part), and the loader zeroes every part
	@ from raw_size to mem_size when it unpacks it (image_unpack_part,
	@ loader/image_table.c), with the caches off. Nothing else enters
	@ here (docs/booting.md).
	ldr	r9, =kernel_l1
	sub	r9, r9, r8		@ r9 = physical address of kernel_l1
	ldr	r2, =L1_SECT_KERNEL_RAM

	@ identity section around _start, so the MMU-on jump keeps running
	mov	r0, r6, lsr #SECTION_SHIFT
	orr	r3, r2, r0, lsl #SECTION_SHIFT
	str	r3, [r9, r0, lsl #2]

	@ linear map of all RAM
	ldr	r0, =BOARD_RAM_BASE
	add	r1, r0, r8
	mov	r1, r1, lsr #SECTION_SHIFT
	ldr	r3, =(BOARD_RAM_SIZE >> SECTION_SHIFT)
2:	orr	r10, r0, r2
	str	r10, [r9, r1, lsl #2]
	add	r0, r0, #SECTION_SIZE
	add	r1, r1, #1
	subs	r3, r3, #1
	bne	2b

	mmu_on	r9, high

high:
	ldr	sp, =cpu0_boot_stack_top
	mov	r0, r4
	mov	r1, r5
	bl	kernel_main
3:	b	3b
	.ltorg

/*
 * A secondary core's entry (kernel/generic/smp.c starts it here through
 * the board's firmware): SVC, MMU and caches off, at the physical address;
 * r0 = its core number. It takes the kernel's table the boot core built
 * (which maps this section at its own address while cores start), turns
 * the MMU on as the boot core did and continues in secondary_main() on
 * its own stack.
 */
	.global secondary_entry
secondary_entry:
	cpsid	aif
	mov	r4, r0
	mrc	p15, 0, r0, c1, c0, 1	@ ACTLR
	orr	r0, r0, #ACTLR_SMP	@ take part in coherency (A9, A7, A15)
	mcr	p15, 0, r0, c1, c0, 1	@ (ignored where NSACR denies it)
	adr	r6, secondary_entry	@ physical
	ldr	r7, =secondary_entry	@ linked (virtual)
	sub	r8, r7, r6
	ldr	r9, =kernel_l1
	sub	r9, r9, r8		@ physical address of kernel_l1
	mmu_on	r9, secondary_high
secondary_high:
	@ its stack: the top of secondary_stacks[cpu] (kernel/generic/smp.c)
	ldr	r1, =secondary_stacks
	ldr	r2, =CONFIG_KERNEL_STACK_SIZE
	mla	sp, r2, r4, r1
	add	sp, sp, r2
	mov	r0, r4
	bl	secondary_main
4:	b	4b
	.ltorg
