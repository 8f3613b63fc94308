/*
 * The timed loops of the benchmark container, in assembly so that the
 * instructions around each operation are known exactly (docs/benchmarks.md
 * lists them per figure). The virtual counter is read with MRRC after an
 * ISB, so the read is not hoisted over the loop.
 *
 * ABI numbers without C suffixes (the assembler takes no "u"); main.c
 * checks them against tessera/syscall.h with static assertions.
 */
#include "bench_abi.h"
#include <generated/board.h>

#ifndef CONFIG_BENCH_BOOT_ONLY

	.text
	.arm

#ifdef BOARD_A9_GLOBAL_TIMER
	@ The Cortex-A9 has no generic timer and its global timer is memory-
	@ mapped beside the GIC: the counter is read through the time call
	@ (TIME_COUNTER, r1/r2). Every other register is kept, so the macro
	@ stands where the MRRC stands on other boards; its cost (one system
	@ call) is in each reading and so cancels out of differences except for
	@ the kernel's own entry and exit paths.
	.macro	read_counter lo, hi
	sub	sp, sp, #8
	push	{r0-r3, r7, r12, lr}
	mov	r7, #BENCH_SYS_time
	mov	r0, #BENCH_TIME_COUNTER
	svc	#0
	str	r1, [sp, #28]
	str	r2, [sp, #32]
	pop	{r0-r3, r7, r12, lr}
	ldr	\lo, [sp], #4
	ldr	\hi, [sp], #4
	.endm
#else
	.macro	read_counter lo, hi
	isb
	mrrc	p15, 1, \lo, \hi, c14
	.endm
#endif

	.global	bench_now
bench_now:
	read_counter r0, r1
	bx	lr

	.global	bench_cntfrq
bench_cntfrq:
#ifdef BOARD_A9_GLOBAL_TIMER
	push	{r7, lr}
	mov	r7, #BENCH_SYS_time
	mov	r0, #BENCH_TIME_COUNTER
	svc	#0
	mov	r0, r3			@ the counter's rate
	pop	{r7, pc}
#else
	mrc	p15, 0, r0, c14, c0, 0
#endif
	bx	lr

	.global	bench_mark_begin
bench_mark_begin:
	bx	lr

	.global	bench_mark_end
bench_mark_end:
	bx	lr

@ uint64_t bench_calibrate(uint32_t n): 2 n + 2 instructions from the
@ first counter read to the second (the loop, the ISB, the MRRC).
	.global	bench_calibrate
bench_calibrate:
	push	{r4, r5, r6, lr}
	read_counter r4, r5
1:	subs	r0, r0, #1
	bne	1b
	read_counter r2, r3
	subs	r0, r2, r4
	sbc	r1, r3, r5
	pop	{r4, r5, r6, pc}

@ uint64_t bench_getid_loop(uint32_t n): per turn mov, svc, subs, bne:
@ getid of the caller's own ids (r0 = GETID_SELF, 0; the call returns the
@ tid in r0, so it is set every turn).
	.global	bench_getid_loop
bench_getid_loop:
	push	{r4, r5, r6, r7, r8, lr}
	mov	r4, r0
	mov	r7, #BENCH_SYS_getid
	read_counter r5, r6
1:	mov	r0, #0
	svc	#0
	subs	r4, r4, #1
	bne	1b
	read_counter r2, r3
	subs	r0, r2, r5
	sbc	r1, r3, r6
	pop	{r4, r5, r6, r7, r8, pc}

@ uint64_t bench_ipc_loop(uint32_t n, uint32_t tid, uint32_t tag,
@			 uint32_t *err)
@ Per call: mov, mov, mov, svc, orr, subs, bne. ipc returns in r0-r6, so
@ the loop lives in r8-r11 and the first reading on the stack.
	.global	bench_ipc_loop
bench_ipc_loop:
	push	{r3-r11, lr}
	mov	r10, r0
	mov	r8, r1
	mov	r9, r2
	mov	r11, #0
	mov	r7, #BENCH_SYS_ipc
	read_counter r0, r1
	push	{r0, r1}
1:	mov	r0, r8
	mov	r1, r8
	mov	r2, r9
	svc	#0
	orr	r11, r11, r0
	subs	r10, r10, #1
	bne	1b
	read_counter r2, r3
	pop	{r0, r1}
	subs	r0, r2, r0
	sbc	r1, r3, r1
	pop	{r3}
	str	r11, [r3]
	pop	{r4-r11, pc}

@ The echo server: receive from anyone, then answer each message with
@ itself and wait for the next (reply-wait). Per message: cmp, bne, lsr,
@ cmp, beq, mov, mvn, orr, svc, b. Needs no stack.
	.global	bench_server
bench_server:
	mov	r7, #BENCH_SYS_ipc
	mvn	r1, #0			@ IPC_ANY
	mov	r2, #BENCH_IPC_RECV
	svc	#0
1:	cmp	r0, #0
	bne	3f
	lsr	r12, r2, #16		@ the label
	cmp	r12, #BENCH_LABEL_QUIT
	beq	2f
	mov	r0, r1			@ answer the sender ...
	mvn	r1, #0			@ ... and wait for anyone
	orr	r2, r2, #BENCH_IPC_REPLY_WAIT
	svc	#0
	b	1b
2:	mov	r0, r1			@ quit: answer, then exit 0
	mov	r2, #BENCH_IPC_SEND
	svc	#0
	mov	r0, #0
3:	mov	r1, r0			@ exit with the error, or 0
	mov	r0, #BENCH_TC_EXIT
	mov	r7, #BENCH_SYS_thread_control
	svc	#0
	b	.

@ An idle thread: waits in a receive nobody answers, until destroyed.
	.global	bench_idle
bench_idle:
	mov	r7, #BENCH_SYS_ipc
1:	mvn	r1, #0
	mov	r2, #BENCH_IPC_RECV
	svc	#0
	b	1b

	.global	bench_exit_now
bench_exit_now:
	mov	r0, #BENCH_TC_EXIT
	mov	r1, #0
	mov	r7, #BENCH_SYS_thread_control
	svc	#0
	b	.

#endif /* CONFIG_BENCH_BOOT_ONLY */
