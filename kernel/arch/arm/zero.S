/*
 * Zeroing whole pages, 32 bytes a store and four stores a loop: the kernel
 * hands out every page zeroed (page tables must start empty), which is
 * most of what creating a space or a container costs. Unrolled because the
 * loop's own subs/bne were a third of the instructions.
 */
	.text
	.arm
	.global	arch_zero_pages
	.type	arch_zero_pages, %function
@ void arch_zero_pages(void *addr, uint32_t bytes): bytes a non-zero
@ multiple of 128, addr 4-byte aligned
arch_zero_pages:
	push	{r4-r9}
	mov	r2, #0
	mov	r3, #0
	mov	r4, #0
	mov	r5, #0
	mov	r6, #0
	mov	r7, #0
	mov	r8, #0
	mov	r9, #0
1:	stmia	r0!, {r2-r9}
	stmia	r0!, {r2-r9}
	stmia	r0!, {r2-r9}
	stmia	r0!, {r2-r9}
	subs	r1, r1, #128
	bne	1b
	pop	{r4-r9}
	bx	lr
	.size	arch_zero_pages, . - arch_zero_pages
