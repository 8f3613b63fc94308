/*
 * The kernel's own consistency, checked in debug builds
 * (CONFIG_DEBUG_INVARIANTS_EVERY, under CONFIG_DEBUG_ASSERTS): after every
 * N-th system call, kernel/generic/invariants.c walks every container,
 * thread, queue and capability and panics, naming the container or thread
 * and the invariant, when
 *  - a budget's used exceeds its size;
 *  - the sizes of a container's budget parts do not add up to the total
 *    its boot info declared (less whole budgets its threads destroyed), or
 *    its running total of units in use (budget_used) is not the sum of its
 *    budgets' used; a dead container still holds capabilities or units;
 *  - a capability is on a list it does not name, or of another container;
 *  - a thread sits on two queues (run queue or expired queue, an ipc send
 *    queue, a mutex wait queue), on none that its state says it is on, or
 *    on one its state says it is not; a queue holds what is not a thread
 *    of the table, or a thread of another state.
 * When the option is 0 (or debug assertions are off) none of this is
 * compiled and the system call path is unchanged.
 */
#ifndef KERNEL_INVARIANTS_H
#define KERNEL_INVARIANTS_H

#include <kernel/types.h>

struct cap;

/*
 * Callers test CONFIG_DEBUG_INVARIANTS_EVERY > 0 around each call in the
 * .c file itself: the build's rebuild-on-option-change finds the option
 * words in a source, not in the headers it includes.
 */
/* System call nr has returned (the caller may have ended): every
 * CONFIG_DEBUG_INVARIANTS_EVERY-th time, check everything. */
void invariants_after_syscall(uint32_t nr);
/* A whole budget (not split from another) is being destroyed: its units
 * leave its container's declared total for the rest of this life. */
void invariants_budget_dropped(const struct cap *budget);

#endif
