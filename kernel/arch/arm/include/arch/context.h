/*
 * A thread's user register frame. The exception entry code stores the user
 * registers straight into it (srsdb + stmdb ^) because, while a thread runs
 * in user mode, sp_svc points just past its frame; the order of the fields
 * is therefore fixed by the entry code in vectors.S.
 */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <stdint.h>

struct user_context {
	uint32_t r[13];
	uint32_t sp;
	uint32_t lr;
	uint32_t pc;
	uint32_t cpsr;
};

_Static_assert(sizeof(struct user_context) == 68, "frame layout of vectors.S");

/* Set up a frame that starts user execution at entry with stack sp. */
void arch_context_init_user(struct user_context *ctx, uint32_t entry,
			    uint32_t sp);

/* The same for a frame that is all zero already (a new thread's: the
 * kernel's objects come zeroed), without clearing it again. */
static inline void arch_context_init_user_zeroed(struct user_context *ctx,
						 uint32_t entry, uint32_t sp)
{
	ctx->pc = entry;
	ctx->sp = sp;
	ctx->cpsr = 0x10; /* PSR_MODE_USR (arch/cpu.h), as above */
}

/* Syscall argument and result registers. */
static inline uint32_t ctx_arg(const struct user_context *ctx, unsigned i)
{
	return ctx->r[i];
}

static inline void ctx_set_result(struct user_context *ctx, unsigned i,
				  uint32_t v)
{
	ctx->r[i] = v;
}

/* Copy r3-r6 (the message registers of a short ipc) from one frame to
 * another: one load and one store multiple. */
static inline void ctx_copy_r3_r6(struct user_context *dst,
				  const struct user_context *src)
{
#ifdef __arm__
	__asm__ volatile("ldm %0, {r0-r3}\n\tstm %1, {r0-r3}"
			 :
			 : "r"(&src->r[3]), "r"(&dst->r[3])
			 : "r0", "r1", "r2", "r3", "memory");
#else
	for (unsigned i = 3; i <= 6; i++)
		dst->r[i] = src->r[i];
#endif
}

static inline uint32_t ctx_syscall_number(const struct user_context *ctx)
{
	return ctx->r[7];
}

#endif
