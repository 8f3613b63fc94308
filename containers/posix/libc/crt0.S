/*
 * Entry of a POSIX program (docs/posix.md, "The C library"). The exec
 * leaves sp at argc, then argv[0..argc-1], NULL, envp[...], NULL; the
 * strings above. .bss is already zero (the exec maps it so).
 */
	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	ldr	r0, [sp]		@ argc
	add	r1, sp, #4		@ argv
	add	r2, r1, r0, lsl #2
	add	r2, r2, #4		@ envp: after argv's NULL
	mov	fp, #0
	mov	lr, #0
	bl	__posix_start		@ does not return
1:	b	1b
