/*
 * Per-CPU state: current thread, kernel stack, the space TTBR0 holds, the
 * scheduler's requests. One record per core the kernel starts
 * (CONFIG_NR_CPUS); TPIDRPRW points at the running core's, which is how
 * vectors.S finds its kernel stack.
 *
 * Locking (docs/smp.md): a core reads and writes its own record under the
 * kernel lock, except the fields marked "lock-free", which the stop
 * handshake (klock.c) uses while the core waits for the lock. Another
 * core writes only need_resched (under the lock, followed by an IPI) and
 * stop_requested (the handshake).
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/cpu.h>

struct thread;
struct space;

struct percpu {
	uint32_t kstack_top; /* read by vectors.S on every kernel entry */
	struct thread *current; /* NULL: idle, or its thread was stopped */
	struct space *space; /* whose table TTBR0 holds, NULL: none */
	uint32_t cpu_id;
	/*
	 * One core (CONFIG_NR_CPUS == 1): the thread whose run-queue place
	 * the current thread holds without being queued, lent by the ipc
	 * fast path (sched_handoff.h); NULL: none, the run queue is as the
	 * rest of the kernel knows it. Every other kernel entry settles the
	 * loan (sched_settle) before it looks at a thread.
	 */
	struct thread *lent_by;
	/* the ipc fast path's hand-over looks closer when either is set,
	 * and tests both with one load (handoff_checks) */
	union {
		struct {
			/* pick again before returning to user mode */
			bool need_resched;
			/* cpu_budgets_in_use (cpu_budget.h), this core's copy */
			bool budgets_in_use;
		};
		uint16_t handoff_checks;
	};
	bool online;       /* started and scheduling threads */
	/* lock-free: set by the lock holder, cleared by this core once its
	 * current thread's registers are saved and it has let go of it */
	volatile bool stop_requested;
};

extern struct percpu cpu_state[CONFIG_NR_CPUS];
#define cpu0 (cpu_state[0])

static inline struct percpu *this_cpu(void)
{
#if CONFIG_NR_CPUS > 1 && defined(__arm__) /* host tests: one CPU */
	return (struct percpu *)(uintptr_t)read_tpidrprw();
#else
	return &cpu0;
#endif
}

static inline unsigned this_cpu_id(void)
{
	return this_cpu()->cpu_id;
}

static inline struct thread *current_thread(void)
{
	return this_cpu()->current;
}

/* Set up the boot core's record (core 0) and point TPIDRPRW at it. */
void percpu_init(void);
/* The same for a secondary core, on the stack it was started with. */
void percpu_init_secondary(uint32_t cpu, uint32_t kstack_top);

#endif
