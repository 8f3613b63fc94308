/*
 * Three levels of checking: static_assert for layouts; BUG_ON for kernel
 * invariants (always on, panics with a message); assert for debug builds.
 * User input never reaches either: it gets an error code.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <kernel/types.h>

void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Where a panic's backtrace starts: a pc, the stack pointer there and lr
 * (a kernel fault's registers). */
struct panic_regs {
	uint32_t pc, sp, lr;
};
void panic_at(const struct panic_regs *at, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

#define BUG_ON(cond, msg)                                                      \
	do {                                                                   \
		if (unlikely(cond))                                            \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, msg);    \
	} while (0)

#ifdef CONFIG_DEBUG_ASSERTS
#define assert(cond)                                                           \
	do {                                                                   \
		if (unlikely(!(cond)))                                         \
			panic("assertion '%s' failed at %s:%d", #cond,         \
			      __FILE__, __LINE__);                             \
	} while (0)
#else
#define assert(cond)                                                           \
	do {                                                                   \
	} while (0)
#endif

/* Exit status the system ends with after a panic. */
#define PANIC_EXIT_STATUS 3

#endif
