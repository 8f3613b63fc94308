/*
 * Container program entry: the kernel starts the pager here with sp set to
 * the stack top from the manifest and r0-r2 describing its memory region
 * (saved in container_region, see tessera/boot.h). main's return value is
 * the exit code.
 */
#include <tessera/syscall.h>

	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	ldr	r3, =container_region	@ the kernel's boot arguments: r0-r2
	stmia	r3, {r0-r2}
	bl	main
	mov	r1, r0
	mov	r0, #TC_EXIT
	mov	r7, #SYS_thread_control
	svc	#0
1:	b	1b
	.ltorg

	.bss
	.align	2
	.global	container_region
container_region:
	.space	12
