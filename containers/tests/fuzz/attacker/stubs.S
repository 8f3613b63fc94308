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

/* An echo server for the ping-pong sequence (seq.c): r0-r2 and r7 set
 * for its first receive, from anyone. It answers each message with a
 * reply-and-wait: the same type and length (a full message's words go
 * back from its UTCB as they came), MR0-MR3 each plus one. When a
 * receive or a reply fails it exits with the error, as above. It reads
 * and writes no memory either. */
	.global	fz_stub_echo
	.type	fz_stub_echo, %function
fz_stub_echo:
	svc	#0
1:	cmp	r0, #0
	bne	fz_stub_exit
	mov	r0, r1			@ answer the sender
	mvn	r1, #0			@ then receive from anyone (IPC_ANY)
	bic	r2, r2, #0xf
	orr	r2, r2, #(IPC_SEND | IPC_RECV | IPC_NONBLOCK)
	add	r3, r3, #1
	add	r4, r4, #1
	add	r5, r5, #1
	add	r6, r6, #1
	mov	r7, #SYS_ipc
	svc	#0
	b	1b
