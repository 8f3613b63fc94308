/*
 * Structure offsets and constants for assembly. The build compiles this to
 * assembly and turns every "->NAME value" marker into a #define in
 * generated/asm_offsets.h, so vectors.S never hard-codes a layout.
 */
#include <stddef.h>
#include <arch/context.h>
#include <kernel/percpu.h>
#include <kernel/exception.h>
#include <tessera/syscall.h>

#define DEFINE(sym, val) __asm__ volatile("\n->" #sym " %0 " : : "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(CTX_SP, offsetof(struct user_context, sp));
	DEFINE(CTX_LR, offsetof(struct user_context, lr));
	DEFINE(CTX_PC, offsetof(struct user_context, pc));
	DEFINE(CTX_CPSR, offsetof(struct user_context, cpsr));
	DEFINE(CTX_SIZE, sizeof(struct user_context));
	DEFINE(PERCPU_KSTACK_TOP, offsetof(struct percpu, kstack_top));
	DEFINE(EXC_UNDEF, EXC_UNDEF);
	DEFINE(EXC_SVC, EXC_SVC);
	DEFINE(EXC_PABT, EXC_PABT);
	DEFINE(EXC_DABT, EXC_DABT);
	DEFINE(EXC_IRQ, EXC_IRQ);
	DEFINE(EXC_FIQ, EXC_FIQ);
	DEFINE(EXC_RESERVED, EXC_RESERVED);
	DEFINE(SYSNR_IPC, SYS_ipc);
	DEFINE(SYSNR_GETID, SYS_getid); /* and SYS_time after it */
}
