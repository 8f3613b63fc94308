/*
 * The system call ABI: numbers, argument registers and flags. The single
 * source for the kernel's dispatch table and the user library's stubs.
 *
 * Convention: "svc #0" with the call number in r7 and arguments in r0-r5.
 * The result comes back in r0 (>= 0 success, negative -E_* from errno.h);
 * calls with more results return them in r1-r5.
 */
#ifndef TESSERA_SYSCALL_H
#define TESSERA_SYSCALL_H

#include <tessera/errno.h>

#define SYS_ipc 0
#define SYS_thread_control 1
#define SYS_exchange_registers 2
#define SYS_map 3
#define SYS_unmap 4
#define SYS_mutex_control 5
#define SYS_cap_control 6
#define SYS_irq_control 7
#define SYS_getid 8
#define SYS_time 9
#define SYS_console_write 10
#define SYS_COUNT 11

/* X(name) for every call above: the kernel builds its dispatch table from
 * this list (indexed by SYS_<name>, so order does not matter). */
#define SYSCALL_LIST(X)                                                        \
	X(ipc)                                                                 \
	X(thread_control)                                                      \
	X(exchange_registers)                                                  \
	X(map)                                                                 \
	X(unmap)                                                               \
	X(mutex_control)                                                       \
	X(cap_control)                                                         \
	X(irq_control)                                                         \
	X(getid)                                                               \
	X(time)                                                                \
	X(console_write)

/* thread_control operations (r0); more arrive with the kernel core. */
#define TC_EXIT 1 /* r1 = exit code; ends the calling thread */

/* console_write: r0 = buffer, r1 = length; at most this much per call. */
#define CONSOLE_WRITE_MAX 256

/* getid results: r0 = thread id, r1 = thread-group id, r2 = container. */

/* time results: r1/r2 = low/high 32 bits of the tick count, r3 = ticks/s. */

#endif
