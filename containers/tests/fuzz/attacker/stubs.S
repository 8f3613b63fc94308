/*
 * Stub threads (see attacker.h): a stub makes one system call with the
 * registers the controller set (r0-r6 arguments, r7 the call number) and
 * exits with its result, xor FZ_STUB_XOR so that the controller can tell
 * a result from the exit codes it destroys with (kids.c). It reads and
 * writes no memory: whatever its registers hold, it can only make a call.
 */
#include <tessera/syscall.h>

	.text
	.arm
	.p2align 2
	.global	fz_stub
	.type	fz_stub, %function
fz_stub:
	svc	#0
	.global	fz_stub_exit
fz_stub_exit:
	eor	r1, r0, #0x5a000000	@ FZ_STUB_XOR
	mov	r0, #TC_EXIT
	mov	r7, #SYS_thread_control
	svc	#0
1:	b	1b

/* r0 = an address: a load from it (a data abort its pager may serve),
 * then the word loaded is its exit code, as above. */
	.global	fz_stub_load
	.type	fz_stub_load, %function
fz_stub_load:
	ldr	r0, [r0]
	b	fz_stub_exit
