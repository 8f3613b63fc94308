/* The ipc fast path (kernel/generic/fastpath.c, CONFIG_IPC_FASTPATH). */
#ifndef KERNEL_FASTPATH_H
#define KERNEL_FASTPATH_H

#include <arch/context.h>

/*
 * An ipc call or reply-and-wait with a short or full message (frame ctx,
 * the current thread's) done without the general path: the frame of the receiver, which now runs in
 * the caller's place. NULL when any of its checks fails: nothing has
 * changed and the call takes the general path (sys_ipc).
 */
struct user_context *fastpath_ipc(struct user_context *ctx);

#endif
