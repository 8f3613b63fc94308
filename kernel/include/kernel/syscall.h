/* System call handlers: each reads its arguments from the frame and
 * returns the value for r0 (negative -E_* on error). */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <arch/context.h>
#include <tessera/syscall.h>

#define X_SYSCALL_DECL(name) int sys_##name(struct user_context *ctx);
SYSCALL_LIST(X_SYSCALL_DECL)
#undef X_SYSCALL_DECL

#endif
