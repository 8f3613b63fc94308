/* Exception causes, as passed by vectors.S, and their handlers. */
#ifndef KERNEL_EXCEPTION_H
#define KERNEL_EXCEPTION_H

enum exception_cause {
	EXC_UNDEF = 1,
	EXC_SVC = 2,
	EXC_PABT = 3,
	EXC_DABT = 4,
	EXC_IRQ = 5,
	EXC_FIQ = 6,
	EXC_RESERVED = 7,
};

#ifndef __ASSEMBLER__
#include <arch/context.h>

const char *exception_name(unsigned cause);
/* The frame to return to at once, or NULL: through kernel_exit. */
struct user_context *syscall_entry(struct user_context *frame);
/* getid and time, which only report, straight back to the caller (the
 * frame), or NULL with nothing done: syscall_entry takes the call. */
struct user_context *syscall_report(struct user_context *frame);
void irq_entry(struct user_context *frame);
/* A user thread's exception: the frame to return to at once (the fast
 * path's pager), or NULL: through kernel_exit. */
struct user_context *user_exception_entry(struct user_context *frame,
					  unsigned cause);
struct thread;
/* After a fault line: where the thread was (pc, sp, lr) and the mapped
 * words of its stack from sp, for the host to unwind (docs/testing.md
 * "Readable crashes"). */
void fault_print_user_stack(const struct thread *t,
			    const struct user_context *ctx);
void kernel_fault(struct user_context *frame, unsigned cause)
	__attribute__((noreturn));
/* Pick the thread to run and switch to it (kernel_switch_to,
 * <kernel/switch.h>); returns its frame. */
struct user_context *kernel_exit(void);
void arch_first_return_to_user(void) __attribute__((noreturn));
#endif

#endif
