/*
 * The kernel lock: one ticket lock that every core holds while it runs
 * kernel code (docs/smp.md). A core takes it on every entry from user mode
 * after saving the user registers, and lets go of it on the way back, once
 * kernel_exit has chosen what to run; an idle core lets go while it waits.
 * Kernel code is never preempted and always runs with IRQs masked, so
 * everything the kernel keeps (threads, run queues, capabilities, spaces,
 * the allocator) is protected by this one lock. (IPC copies use no global
 * buffer: they go from the sender's pages straight to the receiver's.)
 *
 * With CONFIG_NR_CPUS = 1 every call here is empty: a single-core kernel
 * pays nothing.
 *
 * Stopping a thread that runs on another core (smp_stop_thread): the lock
 * holder asks that core, by a flag and an IPI, to let go of its current
 * thread. The core does so as soon as its registers are saved (at kernel
 * entry, while it waits for the lock), so the holder's wait is short and
 * needs no lock: that is the thread's safe point.
 */
#ifndef KERNEL_KLOCK_H
#define KERNEL_KLOCK_H

#include <stdint.h>
#include <arch/context.h>

struct thread;

#define CPU_NONE 0xffu /* thread.on_cpu: no core runs it */

#if CONFIG_NR_CPUS > 1
void klock_acquire(void);
void klock_release(void);
/* Kernel entry from user mode (vectors.S): the lock, answering stop
 * requests while waiting. frame: the user registers just saved. */
void kernel_enter_smp(struct user_context *frame, unsigned cause);
/* Lock held; t runs on another core: that core lets go of it (its
 * registers are in t->ctx afterwards and no core runs it). */
void smp_stop_thread(struct thread *t);

/* Lock hold times, counter ticks (CONFIG_KLOCK_STATS; zeros without). */
struct klock_stats {
	uint32_t acquisitions;
	uint64_t held_total, held_max;
	uint64_t waited_total, waited_max;
};
void klock_stats(struct klock_stats *out);
#else
static inline void klock_acquire(void) {}
static inline void klock_release(void) {}
#endif

#endif
