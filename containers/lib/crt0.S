/*
 * Container program entry: the kernel starts the pager here with sp set to
 * the stack top from the manifest and r0-r2 describing its memory region, r3 its restart count
 * (saved in container_region, see tessera/boot.h). main's return value is
 * the exit code.
 */
#include <tessera/syscall.h>

	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	ldr	r4, =container_region	@ the kernel's boot arguments: r0-r3
	stmia	r4, {r0-r3}
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
	.space	16
