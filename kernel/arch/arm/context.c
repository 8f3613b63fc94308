#include <string.h>
#include <arch/context.h>
#include <arch/cpu.h>

/* User mode, ARM state, IRQs enabled, asynchronous aborts unmasked. */
void arch_context_init_user(struct user_context *ctx, uint32_t entry,
			    uint32_t sp)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->pc = entry;
	ctx->sp = sp;
	ctx->cpsr = PSR_MODE_USR;
}

_Static_assert(PSR_MODE_USR == 0x10, "arch_context_init_user_zeroed's mode");
