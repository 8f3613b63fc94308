/*
 * The ipc fast path's hand-over (fastpath.c), inline, and the per-core
 * scheduler state it reaches into. Only sched.c and fastpath.c include
 * this: everything else goes through <kernel/sched.h>.
 */
#ifndef KERNEL_SCHED_HANDOFF_H
#define KERNEL_SCHED_HANDOFF_H

#include <kernel/cpu_budget.h>
#include <kernel/klock.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/runq.h>
#include <kernel/thread.h>

/* Per-CPU scheduler state, indexed by cpu_id (sched.c owns it). */
struct sched_cpu {
	struct runq rq;
	uint64_t next_tick_at; /* counter time of its next tick */
};

extern struct sched_cpu sched_cpus[CONFIG_NR_CPUS];

/* One core: index 0 known at compile time (the fast paths' loads). */
#if CONFIG_NR_CPUS > 1
#define CORE(i) (i)
#else
#define CORE(i) ((void)(i), 0u)
#endif

/* The run queue t is on, or joins. */
static inline struct runq *rq_of(const struct thread *t)
{
	return &sched_cpus[CORE(t->cpu)].rq;
}

/*
 * Whether the general path's hand-over and the next pick would run `to`
 * in place of the current thread `from`, without a budget switch: then
 * sched_handoff_commit gives `to` `from`'s place in the run queue, and the
 * caller switches to `to` itself, no pick needed. The check changes
 * nothing.
 *
 * What the general path would do: sched_handoff (runq_replace: the same
 * core, the same level, ticks left), then sched_choose, which picks the
 * head of the highest level. `to` in `from`'s place is that head exactly
 * when `from` is it now; and nothing may be pending that asks for another
 * pick (need_resched: a tick, a wake-up that outranks, a throttle). With
 * budgets, the pick would park a throttled thread or switch accounts:
 * only a thread of the account this core charges now goes directly.
 * Another core's thread, or one some core still runs, never does.
 *
 * On one core the place is lent rather than handed over (lazy, as L4's
 * lazy scheduling): the run queue keeps the thread that held the place,
 * blocked now, and this_cpu()->lent_by names it while threads that are
 * not queued run in it. A call and its reply therefore leave the run
 * queue untouched: the reply hands the place back to its owner, which
 * is where the queue says it is. Nothing but the fast path runs while a
 * loan is open (sched_settle, at every other kernel entry, makes the
 * queue what the general path would have left), so no other code ever
 * sees a blocked thread queued. With several cores another core may look
 * at this core's queue as soon as the lock is let go: there the place
 * is handed over at once.
 */
static inline bool sched_handoff_allowed(struct thread *from,
					 struct thread *to)
{
	struct percpu *cpu = this_cpu();

	if (__builtin_expect(cpu->handoff_checks != 0, 0) &&
	    (cpu->need_resched || !cpu_budget_runs_on(to)))
		return false; /* a pick pending; or a budget switch */
#if CONFIG_NR_CPUS > 1
	if (from->cpu != cpu->cpu_id || to->cpu != from->cpu ||
	    to->on_cpu != CPU_NONE)
		return false;
	/* to is blocked, so on no run queue (invariants.c) */
	return runq_heads_the_pick(rq_of(from), &from->sched) &&
	       runq_may_stand_in(&from->sched, &to->sched);
#else
	struct thread *owner = cpu->lent_by;

	if (!owner) /* from holds its own place: the head of the highest level */
		return runq_heads_the_pick(rq_of(from), &from->sched) &&
		       runq_may_stand_in(&from->sched, &to->sched);
	return to == owner || runq_may_stand_in(&owner->sched, &to->sched);
#endif
}

/* The hand-over sched_handoff_allowed just allowed, nothing in between:
 * to runs in from's run-queue place. */
static inline void sched_handoff_commit(struct thread *from, struct thread *to)
{
#if CONFIG_NR_CPUS > 1
	BUG_ON(runq_replace(rq_of(from), &from->sched, &to->sched) != 0,
	       "ipc hand-over refused after its check");
#else
	struct percpu *cpu = this_cpu();
	struct thread *owner = cpu->lent_by;

	if (!owner)
		cpu->lent_by = from; /* lent by its owner */
	else if (to == owner)
		cpu->lent_by = NULL; /* back to its owner, still queued there */
	/* else lent on: the owner stays */
#endif
}

#if CONFIG_NR_CPUS == 1
/* The run queue as the general path would have left it: the current
 * thread takes the place lent to it (sched.c). */
void sched_settle_loan(void);
#endif

/* At every kernel entry but the ipc fast path, before anything looks at a
 * thread: no loan left open (one core; several cores never lend). */
static inline void sched_settle(void)
{
#if CONFIG_NR_CPUS == 1
	if (__builtin_expect(this_cpu()->lent_by != NULL, 0))
		sched_settle_loan();
#endif
}

#endif
