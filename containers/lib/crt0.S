/*
 * Container program entry: the kernel starts the pager here with sp set to
 * the stack top from the manifest. main's return value is the exit code.
 */
#include <tessera/syscall.h>

	.section .text.start, "ax"
	.arm
	.global	_start
_start:
	bl	main
	mov	r1, r0
	mov	r0, #TC_EXIT
	mov	r7, #SYS_thread_control
	svc	#0
1:	b	1b
