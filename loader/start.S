/*
 * Loader entry: MMU off, at the image's link address, in SVC mode or in
 * HYP mode (QEMU with virtualization=on, U-Boot and firmware on cores with
 * the Virtualization Extensions enter there). From HYP, `cps` to SVC is an
 * illegal mode change, so the loader leaves HYP the architected way: with
 * HCR cleared, the virtual counter's offset zeroed and the physical timer
 * and counter open to PL1, an `eret` to SVC with A, I and F masked. Then
 * zero .bss, take the stack from it and run loader_main(), which never
 * returns. The kernel is entered in SVC.
 */
#define PSR_MODE_MASK 0x1f
#define PSR_MODE_SVC 0x13
#define PSR_MODE_HYP 0x1a
#define PSR_AIF (0x100 | 0x80 | 0x40)

	.arch_extension virt	/* HYP registers and eret: only run when entered in HYP */
	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	cpsid	aif
	/* One core boots. QEMU's raspi2b starts every core at the entry of
	 * an image that is not Linux; the others wait here for good (an SMP
	 * kernel would give them an entry point). MPIDR's Aff0 is the core
	 * within the cluster; cores without the MP extensions read 0. */
	mrc	p15, 0, r0, c0, c0, 5	/* MPIDR */
	tst	r0, #0x80000000		/* the MP format: Aff0 is valid */
	andne	r0, r0, #0xff
	moveq	r0, #0
	cmp	r0, #0
	bne	park
	mrs	r0, cpsr
	and	r0, r0, #PSR_MODE_MASK
	cmp	r0, #PSR_MODE_HYP
	bne	in_svc
	mov	r0, #0
	mcr	p15, 4, r0, c1, c1, 0	/* HCR: no traps, no virtualization */
	mcrr	p15, 4, r0, r0, c14	/* CNTVOFF = 0: virtual = physical */
	mrc	p15, 4, r0, c14, c1, 0	/* CNTHCTL */
	orr	r0, r0, #3		/* PL1 may use the physical counter, timer */
	mcr	p15, 4, r0, c14, c1, 0
	isb
	adr	r0, in_svc
	msr	elr_hyp, r0
	mov	r0, #(PSR_MODE_SVC | PSR_AIF)
	msr	spsr_cxsf, r0		/* (SPSR_hyp is UNDEFINED from HYP) */
	eret
in_svc:
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
1:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	1b
	ldr	sp, =loader_stack_top
	bl	loader_main
2:	wfi
	b	2b
park:	wfi
	b	park
	.ltorg
