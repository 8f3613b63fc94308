/*
 * CPU budgets: a container declared with `cpu = { budget_us, period_us }`
 * runs, all its threads together, at most budget_us in any window of
 * period_us. The replenishment rule is the sporadic server's: the time a
 * container consumes in one activation (from when it starts running until
 * it stops or runs out) comes back one period after that activation
 * began. So available + pending refills = budget at all times, and no
 * window of one period ever holds more than the budget (a full refill list
 * merges into its last entry, which only delays a refill).
 *
 * A container that has used its budget is throttled: its threads leave the
 * run queue for its `parked` list (lazily: when one is picked or woken)
 * and come back when a refill arrives, whatever their priorities. The
 * timer is programmed for the running container's exhaustion and the next
 * refill of a throttled one, so enforcement does not wait for a tick.
 *
 * Times are in counter ticks (the generic timer's virtual counter); one CPU.
 */
#ifndef KERNEL_CPU_BUDGET_H
#define KERNEL_CPU_BUDGET_H

#include <kernel/thread.h>
#include <kernel/types.h>

#define CPU_REFILLS 8

struct cpu_refill {
	uint64_t at;     /* counter time it becomes available */
	uint64_t amount; /* counter ticks */
};

struct cpu_budget {
	uint64_t budget, period; /* counter ticks; period 0: no budget */
	uint64_t available;      /* may run this long now */
	struct cpu_refill refill[CPU_REFILLS]; /* pending, oldest first */
	uint32_t first_refill, nr_refills;     /* a ring */
	uint64_t activation_start; /* running: when this activation began */
	uint64_t activation_used;  /* running: consumed in it so far */
	bool throttled;
	struct thread_list parked; /* its runnable threads while throttled */
	uint64_t used_total;       /* all its lives, for the summary */
	uint64_t born, died;       /* counter at its first start, last end */
#ifdef CONFIG_BENCH_COUNTERS
	uint64_t refilled_at; /* the refill that ended its throttle; 0: none */
#endif
	uint32_t throttles;        /* times it ran out */
};

struct container;

/* Does any container have a CPU budget? Without one the scheduler's fast
 * paths skip everything here (one load). */
extern bool cpu_budgets_in_use;

/* Set c's budget from its boot descriptor (0/0: none). */
void cpu_budget_init(struct container *c, uint32_t budget_us,
		     uint32_t period_us);

/* c's last thread ended (its life ends: the summary's share is of it). */
void cpu_budget_container_died(struct container *c);
/* How long c has lived (first start to last end, or now), counter ticks. */
uint64_t cpu_budget_lifetime(const struct container *c);
/* The CPU starts running a thread of `next` (NULL: idle). True when the
 * timer must be reprogrammed (a budgeted container starts running). */
bool cpu_budget_switch(struct container *next);
/* Timer work at `now`: the running container's exhaustion, refills that
 * end a throttle. */
void cpu_budget_timer(uint64_t now);
/* Earliest counter time budget work is due; UINT64_MAX: none. */
uint64_t cpu_budget_next_event(void);
/* Is t's container throttled (on t's core)? */
bool cpu_budget_throttled(const struct thread *t);
/* Should t, which is runnable, wait for its container's refill instead?
 * If so it is parked. */
bool cpu_budget_park(struct thread *t);
/* t leaves its container's parked list (it blocks or ends); false if it
 * was not parked. */
bool cpu_budget_unpark(struct thread *t);

/* Benchmarks: refills that ended a throttle, and the counter ticks from
 * each refill's due time to its container running again (all 0 without
 * CONFIG_BENCH_COUNTERS). */
void cpu_budget_refill_cost(uint32_t *refills, uint64_t *ticks);

/* Counter ticks <-> microseconds (set up by cpu_time_init). */
void cpu_time_init(uint32_t counter_hz);
uint64_t cpu_us_to_counter(uint64_t us);
uint64_t cpu_counter_to_us(uint64_t counter);

#endif
