/*
 * Exception vectors and the kernel entry/exit paths.
 *
 * While a thread runs in user mode, sp_svc points just past its
 * struct user_context (see arch/context.h), so entry stores the user
 * registers straight into the thread: srsdb pushes the return pc and spsr,
 * stmdb ^ the user r0-r14. Entry then moves to the per-CPU kernel stack
 * (found through TPIDRPRW) and, with more than one core, takes the kernel
 * lock (kernel/klock.h), which it lets go of just before restoring the
 * user registers. The kernel runs with IRQs masked and never takes
 * an exception from SVC mode except for a bug, which panics.
 */
#include <arch/cpu.h>
#include <generated/asm_offsets.h>

	.section .text.vectors, "ax"
	.arm
	.align	5
	.global	exception_vectors
exception_vectors:
	b	vec_reset
	b	vec_undef
	b	vec_svc
	b	vec_pabt
	b	vec_dabt
	b	vec_reserved
	b	vec_irq
	b	vec_fiq

	.text
#if (PSR_MODE_USR & 0xf) != 0
#error "SAVE_CONTEXT tells user mode by its low mode bits being clear"
#endif

/* Save the interrupted context; r0 = frame; branch to kfault if not user. */
.macro SAVE_CONTEXT cause
	srsdb	sp!, #PSR_MODE_SVC
	cps	#PSR_MODE_SVC
	stmdb	sp, {r0-lr}^
	sub	r0, sp, #60
	ldr	r1, [r0, #CTX_CPSR]
	tst	r1, #0xf /* of the modes only USR (0x10) has these bits clear */
	movne	sp, r0 /* from SVC mode: its handler runs below the frame */
	movne	r1, #\cause
	bne	kernel_mode_exception
	mrc	p15, 0, sp, c13, c0, 4
	ldr	sp, [sp, #PERCPU_KSTACK_TOP]
#if CONFIG_NR_CPUS > 1
	/* the kernel lock (klock.c); r4-r11 are saved in the frame */
	mov	r4, r0
	mov	r1, #\cause
	bl	kernel_enter_smp
	mov	r0, r4
#endif
.endm

/* Let go of the kernel lock on the way out, keeping r0 (the frame). */
.macro KERNEL_LEAVE
#if CONFIG_NR_CPUS > 1
	mov	r4, r0
	bl	klock_release
	mov	r0, r4
#endif
.endm

vec_svc:
	SAVE_CONTEXT EXC_SVC
#ifdef CONFIG_IPC_FASTPATH
	/* ipc tries the fast path first (fastpath.c): the receiver's frame
	 * to return to, or NULL with nothing changed, and the general path
	 * takes the call. r7 still holds the call number. */
	cmp	r7, #SYSNR_IPC
	bne	1f
	mov	r4, r0
	bl	fastpath_ipc
	cmp	r0, #0
	bne	2f
	mov	r0, r4
	b	3f
1:
#endif
	/* getid and time only report (syscall.c, syscall_report): straight
	 * back unless it returns NULL */
	sub	r1, r7, #SYSNR_GETID
	cmp	r1, #1
	bhi	3f
	mov	r4, r0
	bl	syscall_report
	cmp	r0, #0
	bne	2f
	mov	r0, r4
3:	bl	syscall_entry
	cmp	r0, #0
	beq	exception_return
2:	/* the caller runs on, or the fast path's receiver: back to it
	 * without the scheduler */
return_to_frame:
	KERNEL_LEAVE
	add	sp, r0, #60
	ldmdb	sp, {r0-lr}^
	rfeia	sp!

vec_irq:
	sub	lr, lr, #4
	SAVE_CONTEXT EXC_IRQ
	bl	irq_entry
	b	exception_return

vec_undef:
	/* LR is the instruction + 4 in ARM state, + 2 in Thumb state.
	 * sp_und is free scratch: nothing ever runs on an undef stack. */
	mrs	sp, spsr
	tst	sp, #PSR_T_BIT
	subeq	lr, lr, #4
	subne	lr, lr, #2
	SAVE_CONTEXT EXC_UNDEF
	mov	r1, #EXC_UNDEF
	b	user_exception

vec_pabt:
	sub	lr, lr, #4
	SAVE_CONTEXT EXC_PABT
	mov	r1, #EXC_PABT
	b	user_exception

vec_fiq:
	sub	lr, lr, #4
	SAVE_CONTEXT EXC_FIQ
	mov	r1, #EXC_FIQ
	b	user_exception

vec_reset:
vec_reserved:
	sub	lr, lr, #4
	SAVE_CONTEXT EXC_RESERVED
	mov	r1, #EXC_RESERVED
	b	user_exception

vec_dabt: /* the most frequent (pagers serve them): falls through */
	sub	lr, lr, #8
	SAVE_CONTEXT EXC_DABT
	mov	r1, #EXC_DABT

/* A user thread's exception: back to the frame user_exception_entry
 * gives (the fault fast path's pager), else through the scheduler. */
user_exception:
	bl	user_exception_entry
	cmp	r0, #0
	bne	return_to_frame
	b	exception_return

/*
 * An exception while in SVC mode: a kernel bug. Record the SVC-mode sp and
 * lr in the frame (the user ones were stored) and panic.
 */
kernel_mode_exception:
	str	lr, [r0, #CTX_LR]
	add	r2, r0, #CTX_SIZE
	str	r2, [r0, #CTX_SP]
	bl	kernel_fault
1:	b	1b

/*
 * Leave the kernel: kernel_exit() picks the thread to run, switches spaces
 * and returns its frame; restoring it leaves sp_svc just past the frame.
 */
	.global	exception_return
exception_return:
	bl	kernel_exit
	KERNEL_LEAVE
	add	sp, r0, #60
	ldmdb	sp, {r0-lr}^
	rfeia	sp!

/* First entry to user mode: from kernel_main on the boot stack. */
	.global	arch_first_return_to_user
arch_first_return_to_user:
	mrc	p15, 0, sp, c13, c0, 4
	ldr	sp, [sp, #PERCPU_KSTACK_TOP]
	b	exception_return
