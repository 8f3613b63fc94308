/*
 * Loader entry: SVC mode, MMU off, at the image's link address. Zero .bss,
 * take the stack from it and run loader_main(), which never returns.
 */
	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	cpsid	aif
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
	.ltorg
