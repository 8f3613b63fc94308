/*
 * Interrupts, user exceptions and kernel faults. A user thread's fault is
 * reported and ends that thread only (pagers take these over with the
 * kernel core); a fault in the kernel panics with the full register state.
 */
#include <arch/cpu.h>
#include <kernel/container.h>
#include <kernel/exception.h>
#include <kernel/fastpath.h>
#include <kernel/ipc.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/sched_handoff.h>
#include <kernel/space.h>
#include <kernel/switch.h>
#include <kernel/thread.h>
#include <tessera/syscall.h>

/* a fault's stack dump: 4 lines of 8 words, 128 bytes */
#define USER_STACK_LINES 4
#define WORDS_PER_LINE 8


static const char *const exception_names[] = {
	[EXC_UNDEF] = "undefined instruction", [EXC_SVC] = "supervisor call",
	[EXC_PABT] = "prefetch abort",         [EXC_DABT] = "data abort",
	[EXC_IRQ] = "interrupt",               [EXC_FIQ] = "FIQ",
	[EXC_RESERVED] = "reserved vector",
};

static const char *const mode_names[32] = {
	[PSR_MODE_USR] = "usr", [PSR_MODE_FIQ] = "fiq", [PSR_MODE_IRQ] = "irq",
	[PSR_MODE_SVC] = "svc", [PSR_MODE_ABT] = "abt", [PSR_MODE_UND] = "und",
	[PSR_MODE_SYS] = "sys",
};

_Static_assert(EXC_UNDEF == FAULT_UNDEF && EXC_PABT == FAULT_PREFETCH &&
		       EXC_DABT == FAULT_DATA,
	       "fault causes in the ABI are the exception numbers");

const char *exception_name(unsigned cause)
{
	if (cause < ARRAY_SIZE(exception_names) && exception_names[cause])
		return exception_names[cause];
	return "unknown exception";
}

static const char *mode_name(uint32_t psr)
{
	const char *n = mode_names[psr & PSR_MODE_MASK];
	return n ? n : "invalid";
}

/* Faulting address and status register for aborts; 0 for the rest. */
static void fault_info(unsigned cause, uint32_t *addr, uint32_t *status)
{
	*addr = *status = 0;
	if (cause == EXC_DABT) {
		*addr = read_dfar();
		*status = read_dfsr();
	} else if (cause == EXC_PABT) {
		*addr = read_ifar();
		*status = read_ifsr();
	}
}

static void dump_registers(const struct user_context *f)
{
	for (unsigned i = 0; i < 13; i++)
		printk("  r%-2u %08x%s", i, (unsigned)f->r[i],
		       i % 4 == 3 ? "\n" : "");
	printk("  sp  %08x\n  lr  %08x  pc  %08x  cpsr %08x (mode %s)\n",
	       (unsigned)f->sp, (unsigned)f->lr, (unsigned)f->pc,
	       (unsigned)f->cpsr, mode_name(f->cpsr));
}

void kernel_fault(struct user_context *frame, unsigned cause)
{
	uint32_t addr, status;

	fault_info(cause, &addr, &status);
	printk("\nkernel fault: %s in %s mode at pc %08x, address %08x, "
	       "status %08x\n",
	       exception_name(cause), mode_name(frame->cpsr),
	       (unsigned)frame->pc, (unsigned)addr, (unsigned)status);
	dump_registers(frame);
	panic_at(&(struct panic_regs){frame->pc, frame->sp, frame->lr},
		 "%s in kernel mode at pc 0x%08x, fault address 0x%08x",
		 exception_name(cause), (unsigned)frame->pc, (unsigned)addr);
}

void fault_print_user_stack(const struct thread *t,
			    const struct user_context *ctx)
{
	uint32_t words[USER_STACK_LINES][WORDS_PER_LINE];
	uint32_t lines = 0, sp = ctx->sp;

	/* as much of the stack as is mapped, a line at a time: the host
	 * unwinds through the container's ELF (tools/symbolize.py) */
	while (lines < USER_STACK_LINES &&
	       copy_from_user(t->space, words[lines],
			      sp + lines * sizeof(words[0]),
			      sizeof(words[0])) == 0)
		lines++;
	printk("  backtrace from pc %08x sp %08x lr %08x, %u stack words\n",
	       (unsigned)ctx->pc, (unsigned)sp, (unsigned)ctx->lr,
	       (unsigned)(lines * WORDS_PER_LINE));
	for (uint32_t l = 0; l < lines; l++) {
		printk("  stack %08x:", (unsigned)(sp + l * sizeof(words[0])));
		for (uint32_t i = 0; i < WORDS_PER_LINE; i++)
			printk(" %08x", (unsigned)words[l][i]);
		printk("\n");
	}
}

/* The exceptions a thread with a pager sends it; the rest end it. */
static bool sent_to_pager(const struct thread *t, unsigned cause)
{
	return t->pager && cause != EXC_FIQ && cause != EXC_RESERVED;
}

struct user_context *user_exception_entry(struct user_context *frame,
					  unsigned cause)
{
	struct thread *t = current_thread();
	uint32_t addr, status;

	if (!t)
		return NULL; /* stopped on the way in (klock.c): it faults
			      * again when it runs next */
	fault_info(cause, &addr, &status);
#ifdef CONFIG_IPC_FASTPATH
	/* before the loan is settled: the pager may be the thread that lent
	 * t its place, which the fast path gives straight back */
	if (sent_to_pager(t, cause)) {
		struct user_context *ctx = fastpath_fault(t, cause, addr,
							  status);
		if (ctx)
			return ctx;
	}
#endif
	sched_settle();
	if (sent_to_pager(t, cause)) {
		ipc_send_fault(t, cause, addr, status);
		return NULL;
	}
	printk("fault: container '%s' thread %u: %s at pc 0x%08x, "
	       "address 0x%08x, status 0x%x\n",
	       t->container->name, (unsigned)t->tid, exception_name(cause),
	       (unsigned)frame->pc, (unsigned)addr, (unsigned)status);
	fault_print_user_stack(t, frame);
	thread_end(t, FAULT_EXIT_BASE + (int)cause);
	return NULL;
}

void irq_entry(struct user_context *frame)
{
	(void)frame;
	sched_settle();
	while (platform_handle_irq())
		;
	if (current_thread())
		thread_safe_point(current_thread());
}

/* Pick the thread to return to and switch to it. */
struct user_context *kernel_exit(void)
{
	return kernel_switch_to(sched_choose());
}
