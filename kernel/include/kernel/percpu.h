/*
 * Per-CPU state: current thread, kernel stack, scheduler queues. One
 * instance today; TPIDRPRW points at the running CPU's, so adding CPUs
 * means adding instances, not changing the entry code.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

struct thread;
struct space;

struct percpu {
	uint32_t kstack_top; /* read by vectors.S on every kernel entry */
	struct thread *current;
	struct space *space; /* whose table TTBR0 holds, NULL: none */
	uint32_t cpu_id;
	bool need_resched; /* pick again before returning to user mode */
};

extern struct percpu cpu0;

static inline struct percpu *this_cpu(void)
{
	return &cpu0;
}

static inline struct thread *current_thread(void)
{
	return this_cpu()->current;
}

void percpu_init(void);

#endif
