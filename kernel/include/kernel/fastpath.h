/* The ipc fast path (kernel/generic/fastpath.c, CONFIG_IPC_FASTPATH). */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include <stdint.h>
#include <arch/context.h>

/*
 * An ipc call or reply-and-wait with a short or full message (frame ctx,
 * the current thread's) done without the general path: the frame of the
 * receiver, which now runs in the caller's place (also a pager's answer
 * to a fault that resumes the faulting thread). NULL when any of its
 * checks fails: nothing has changed and the call takes the general path
 * (sys_ipc).
 */
struct user_context *fastpath_ipc(struct user_context *ctx);

struct thread;

/*
 * The current thread t's exception (cause, fault address and status) sent
 * to its pager, which waits for it, without the general path
 * (ipc_send_fault): the pager's frame, which now runs in t's place. NULL
 * when any check fails, with nothing changed.
 */
struct user_context *fastpath_fault(struct thread *t, unsigned cause,
				    uint32_t addr, uint32_t status);


/* What the fast path took (CONFIG_FASTPATH_STATS; under the kernel lock). */
struct fastpath_stats {
	uint32_t ipc_short, ipc_full; /* calls and reply-and-waits */
	uint32_t fault, fault_reply;  /* faults, answers resuming them */
	uint32_t loans_settled;       /* lent places settled (one core) */
};

#ifdef CONFIG_FASTPATH_STATS
extern struct fastpath_stats fastpath_stats;
#define FASTPATH_COUNT(what) (fastpath_stats.what++)
/* The counts, one line, for the end-of-run summary. */
void fastpath_report(void);
#else
#define FASTPATH_COUNT(what) ((void)0)
static inline void fastpath_report(void)
{
}
#endif

#endif
