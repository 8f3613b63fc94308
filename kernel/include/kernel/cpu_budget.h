/*
 * CPU budgets: a container declared with `cpu = { budget_us, period_us }`
 * runs, all its threads on one core together, at most budget_us in any
 * window of period_us, on every core separately: each core it runs on has
 * its own server (struct cpu_server) with the same budget and period, so
 * on N cores it may run up to N budgets in a period, one per core.
 *
 * The replenishment rule is the sporadic server's, per core: the time a
 * container consumes on a core in one activation (from when that core
 * starts running it until the core switches away or it runs out there)
 * comes back to that core's server one period after that activation
 * began. So on each core available + pending refills = budget at all
 * times, and no window of one period ever holds more than the budget on a
 * core (a full refill list merges into its last entry, which only delays a
 * refill).
 *
 * A container that has used its budget on a core is throttled there: its
 * threads on that core (t->cpu) leave the run queue for that core's
 * `parked` list (lazily: when one is picked or woken) and come back when
 * a refill arrives on that core, whatever their priorities. Its threads on
 * other cores go on running on those cores' budgets. Each core's timer is
 * programmed for its running container's exhaustion and the next refill
 * of a container throttled on it, so enforcement does not wait for a tick.
 *
 * Times are in counter ticks (the board's counter, the same on every
 * core). Everything here runs under the kernel lock; a core touches other
 * cores' servers only to park a thread it wakes there or to unpark one
 * (sched_enqueue, sched_dequeue, sched_move).
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

/* One core's server of a container's budget. */
struct cpu_server {
	uint64_t available;      /* may run this long now on this core */
	struct cpu_refill refill[CPU_REFILLS]; /* pending, oldest first */
	uint32_t first_refill, nr_refills;     /* a ring */
	uint64_t activation_start; /* running: when this activation began */
	uint64_t activation_used;  /* running: consumed in it so far */
	bool throttled;
	struct thread_list parked; /* its runnable threads on this core
				    * (t->cpu) while throttled here */
	uint64_t used_total;       /* all its lives, on this core */
#ifdef CONFIG_BENCH_COUNTERS
	uint64_t refilled_at; /* the refill that ended its throttle; 0: none */
#endif
	uint32_t throttles;        /* times it ran out on this core */
};

/* A container's budget: the same on every core, one server per core. */
struct cpu_budget {
	uint64_t budget, period; /* counter ticks; period 0: no budget */
	uint64_t born, died;     /* counter at its first start, last end */
	struct cpu_server core[CONFIG_NR_CPUS]; /* indexed by core number */
};

/* The summary's figures: over every core. */
static inline uint64_t cpu_budget_used_total(const struct cpu_budget *b)
{
	uint64_t sum = 0;

	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		sum += b->core[cpu].used_total;
	return sum;
}

static inline uint32_t cpu_budget_throttles(const struct cpu_budget *b)
{
	uint32_t sum = 0;

	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		sum += b->core[cpu].throttles;
	return sum;
}

struct container;

/* Does any container have a CPU budget? Without one the scheduler's fast
 * paths skip everything here (one load). */
extern bool cpu_budgets_in_use;

/*
 * True if this core may run `next` now without a budget switch: its
 * container's account (none for an unbudgeted container) is the one this
 * core is charging, and it is not throttled here. Then
 * cpu_budget_switch(next->container) would change nothing and the pick
 * would not park it: the ipc fast path's test (fastpath.c).
 */
bool cpu_budget_runs_on(const struct thread *next);
/* Set c's budget from its boot descriptor (0/0: none). */
void cpu_budget_init(struct container *c, uint32_t budget_us,
		     uint32_t period_us);

/* c's last thread ended (its life ends: the summary's share is of it). */
void cpu_budget_container_died(struct container *c);
/* How long c has lived (first start to last end, or now), counter ticks. */
uint64_t cpu_budget_lifetime(const struct container *c);
/* This core starts running a thread of `next` (NULL: idle). True when the
 * timer must be reprogrammed (a budgeted container starts running). */
bool cpu_budget_switch(struct container *next);
/* This core's timer work at `now`: its running container's exhaustion,
 * refills that end a throttle on this core. */
void cpu_budget_timer(uint64_t now);
/* Earliest counter time budget work is due on this core; UINT64_MAX:
 * none. */
uint64_t cpu_budget_next_event(void);
/* Is t's container throttled (on t's core)? */
bool cpu_budget_throttled(const struct thread *t);
/* Should t, which is runnable, wait for its container's refill on t's
 * core instead? If so it is parked on that core's list. */
bool cpu_budget_park(struct thread *t);
/* t leaves its container's parked list (it blocks, ends or moves to
 * another core); false if it was not parked. */
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
