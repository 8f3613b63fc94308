/*
 * The kernel's scheduler on top of the run queues in runq.c (the policy is
 * described in <kernel/runq.h>).
 *
 * A round is one second of ticks, shared out by priority level with the
 * fixed-total formula of runq.h; a thread runs at most SCHED_GRANULARITY ticks
 * before its level's next thread gets a turn. The current thread stays in
 * the runnable queue while it runs: the timer only charges it and sets
 * need_resched; sched_choose() then moves it (back of its level, or expired
 * queue) and picks the head of the highest non-empty level, which is the
 * current thread again unless something outranks or follows it.
 *
 * An empty queue idles in WFI with IRQs masked (WFI still wakes on a
 * pending IRQ, which is handled here, so the kernel never takes an IRQ
 * exception in SVC mode).
 *
 * Time: the generic timer's compare value is programmed for the next event
 * (one-shot), not reloaded by a fixed interval. Events are the next tick
 * while a thread runs, the running container's CPU budget running out and
 * a throttled container's refill (cpu_budget.c). While idle only budget
 * refills and a pending restart wake the CPU: no ticks (tickless idle).
 * The tick count is read off the counter, so it is right after an idle
 * stretch too.
 *
 * Cores (docs/smp.md): every core has its own run queue, tick and idle
 * loop; a thread is on the queue of t->cpu and only that core picks it.
 * Another core that makes a thread runnable there, or takes the current
 * thread away, asks the core to pick again (need_resched and an IPI). All
 * of it runs under the kernel lock; an idle core lets go of the lock while
 * it waits and holds no thread and no space then.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/timer.h>
#include <kernel/container.h>
#include <kernel/cpu_budget.h>
#include <kernel/fastpath.h>
#include <kernel/klock.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/runq.h>
#include <kernel/sched.h>
#include <kernel/sched_handoff.h>
#include <kernel/usched.h>

/* One round: one second of ticks is shared out among the runnable threads. */
#define SCHED_TOTAL_TICKS CONFIG_TICK_HZ
/* 50 ms, but at least one tick at slow tick rates. */
#define SCHED_GRANULARITY (CONFIG_TICK_HZ >= 20 ? CONFIG_TICK_HZ / 20 : 1)

struct sched_cpu sched_cpus[CONFIG_NR_CPUS];
static uint64_t boot_count;   /* counter at sched_timer_init */
static uint64_t tick_period;  /* counter ticks per kernel tick */

static struct sched_cpu *this_sched(void)
{
	return &sched_cpus[CORE(this_cpu_id())];
}

static struct thread *thread_of(struct sched_entity *se)
{
	return container_of(se, struct thread, sched);
}

void sched_request_resched(void)
{
	this_cpu()->need_resched = true;
}

/* Core `cpu` picks again before it returns to user mode (or wakes from
 * idle to look at its queue). */
static void resched_cpu(unsigned cpu)
{
	cpu_state[cpu].need_resched = true;
#if CONFIG_NR_CPUS > 1
	if (cpu != this_cpu_id())
		platform_send_ipi(cpu);
#endif
}

/* A thread that becomes runnable preempts a lower-level current thread of
 * its core, and wakes the core if it idles. */
static void preempt_if_outranked(struct thread *t)
{
	struct thread *cur = cpu_state[t->cpu].current;

	if (!cur) {
		if (t->cpu != this_cpu_id())
			resched_cpu(t->cpu); /* idle there: wake it */
		return;
	}
	if (cur->state == THREAD_RUNNABLE &&
	    runq_outranks(&t->sched, &cur->sched))
		resched_cpu(t->cpu);
}

void sched_enqueue(struct thread *t)
{
	if (cpu_budgets_in_use && cpu_budget_park(t))
		return; /* its container waits for a refill */
	int err = runq_enqueue(rq_of(t), &t->sched);

	BUG_ON(err, "enqueue of a thread already on a run queue");
	preempt_if_outranked(t);
}

void sched_dequeue(struct thread *t)
{
#if CONFIG_NR_CPUS > 1
	BUG_ON(t->on_cpu != CPU_NONE && t->on_cpu != this_cpu_id(),
	       "dequeue of a thread running on another core");
#endif
	if (!cpu_budgets_in_use || !cpu_budget_unpark(t)) {
		int err = runq_dequeue(rq_of(t), &t->sched);
		BUG_ON(err, "dequeue of a thread not on the run queue");
	}
	if (t == current_thread())
		sched_request_resched();
}

/*
 * The waker has made t THREAD_RUNNABLE (as thread_unblock() does); t keeps
 * the ticks it had left when it blocked.
 */
void sched_wakeup(struct thread *t)
{
	sched_enqueue(t);
}

void sched_handoff(struct thread *from, struct thread *to)
{
	/* a partner placed on another core is woken there: threads stay
	 * where they were placed (docs/smp.md) */
	if (CORE(to->cpu) != CORE(from->cpu) ||
	    runq_replace(rq_of(from), &from->sched, &to->sched) != 0) {
		sched_dequeue(from);
		sched_enqueue(to);
	}
	sched_request_resched();
}

#if CONFIG_NR_CPUS == 1
void sched_settle_loan(void)
{
	struct thread *owner = cpu0.lent_by, *cur = cpu0.current;

	cpu0.lent_by = NULL;
	FASTPATH_COUNT(loans_settled);
	/* what the fast path checked when it lent the place still holds:
	 * nothing but fast paths ran since */
	BUG_ON(!cur || runq_replace(rq_of(owner), &owner->sched,
				    &cur->sched) != 0,
	       "run-queue place lent to a thread that cannot take it");
}
#endif

void sched_move(struct thread *t, unsigned cpu)
{
	BUG_ON(t->on_cpu != CPU_NONE && t->on_cpu != this_cpu_id(),
	       "move of a thread running on another core");
	if (t->cpu == cpu)
		return;
	bool queued = t->state == THREAD_RUNNABLE &&
		      (!cpu_budgets_in_use || !cpu_budget_unpark(t));
	if (queued)
		runq_dequeue(rq_of(t), &t->sched);
	if (t == current_thread())
		sched_request_resched();
	t->cpu = (uint8_t)cpu;
	if (t->state == THREAD_RUNNABLE)
		sched_enqueue(t);
}

bool sched_array_of(const struct thread *t)
{
	const struct runq *rq = rq_of(t);

	return t->sched.array == &rq->arrays[0] ||
	       t->sched.array == &rq->arrays[1];
}

unsigned sched_cpu_for(uint32_t mask, unsigned preferred)
{
	if (preferred < CONFIG_NR_CPUS && (mask & (1u << preferred)) &&
	    cpu_state[preferred].online)
		return preferred;
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		if ((mask & (1u << cpu)) && cpu_state[cpu].online)
			return cpu;
	return CPU_NONE;
}

void sched_yield(void)
{
	struct thread *cur = current_thread();

	BUG_ON(!cur || cur->state != THREAD_RUNNABLE,
	       "yield without a runnable current thread");
	int32_t left = cur->sched.ticks_left;

	runq_expire(rq_of(cur), &cur->sched);
	if (cur->usched) /* a user quantum is its scheduler's to refill */
		cur->sched.ticks_left = left;
	sched_request_resched();
}

void sched_enqueue_expired(struct thread *t)
{
	int32_t left = t->sched.ticks_left;

	sched_enqueue(t);
	if (t->sched.array && runq_expire(rq_of(t), &t->sched) == 0 &&
	    left > 0)
		t->sched.ticks_left = left; /* the quantum it was given */
}

void sched_child_created(struct thread *parent, struct thread *child)
{
	runq_split_timeslice(&parent->sched, &child->sched);
}

uint64_t sched_uptime(void)
{
	return timer_count() - boot_count;
}

uint64_t sched_ticks(void)
{
	return sched_uptime() / tick_period;
}

/* The first tick boundary after now. */
static uint64_t tick_after(uint64_t now)
{
	return boot_count + ((now - boot_count) / tick_period + 1) * tick_period;
}

/* Program the timer for the next event; idle: no ticks, only budget
 * refills and (as ticks, on the boot core) a pending restart. */
static void timer_program(bool idle)
{
	uint64_t next = cpu_budget_next_event();
	uint64_t tick = this_sched()->next_tick_at;

	if (!idle || (this_cpu_id() == 0 && containers_restart_pending()))
		next = next < tick ? next : tick;
	if (next == UINT64_MAX)
		timer_stop();
	else
		timer_set_deadline(next);
}

void sched_timer_init(uint32_t tick_hz)
{
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		runq_init(&sched_cpus[cpu].rq, SCHED_TOTAL_TICKS,
			  SCHED_GRANULARITY);
	cpu_time_init(timer_freq());
	tick_period = timer_freq() / tick_hz;
	boot_count = timer_count();
	sched_cpu_start();
}

void sched_cpu_start(void)
{
	this_sched()->next_tick_at = tick_after(timer_count());
	timer_program(false);
}

void timer_interrupt(void)
{
	struct sched_cpu *sc = this_sched();
	struct thread *cur = current_thread();
	uint64_t now = timer_count();

	if (now >= sc->next_tick_at) {
		sc->next_tick_at = tick_after(now);
		if (this_cpu_id() == 0) /* restarts are the boot core's */
			containers_tick(sched_ticks());
		/* Only a thread that was running in user mode is charged. */
		if (cur && cur->state == THREAD_RUNNABLE &&
		    runq_tick(&sc->rq, &cur->sched)) {
			/* a user-scheduled quantum is not refilled: its
			 * scheduler is told and the thread waits */
			if (cur->usched == USCHED_ADMITTED &&
			    cur->sched.ticks_left < 1)
				usched_quantum_expired(cur);
			sched_request_resched();
		}
	}
	cpu_budget_timer(now);
	timer_program(false);
}

#ifdef CONFIG_KLOCK_STATS
/* The kernel lock's hold and wait times, counter ticks (benchmarks). */
static void klock_report(void)
{
	struct klock_stats st;

	klock_stats(&st);
	printk("kernel: lock: %u acquisitions, held %llu ticks in all (max "
	       "%llu), waited %llu in all (max %llu), counter %u Hz\n",
	       (unsigned)st.acquisitions, (unsigned long long)st.held_total,
	       (unsigned long long)st.held_max,
	       (unsigned long long)st.waited_total,
	       (unsigned long long)st.waited_max, (unsigned)timer_freq());
}
#else
static inline void klock_report(void)
{
}
#endif

static _Noreturn void system_finished(void)
{
	int status = containers_exit_status();

	klock_report();
	containers_report();
	printk("kernel: all containers finished, exit status %d\n", status);
	platform_exit(status);
}

/*
 * The core runs no thread from here until it picks one: it lets go of the
 * one it had and (with other cores, which may free that thread's space)
 * of its space.
 */
static void leave_current(struct percpu *cpu)
{
	if (cpu->current)
		cpu->current->on_cpu = CPU_NONE;
	cpu->current = NULL;
#if CONFIG_NR_CPUS > 1
	if (cpu->space) {
		arch_switch_to_kernel_only();
		cpu->space = NULL;
	}
#endif
}

/* Wait with IRQs masked until a handled IRQ makes some thread runnable
 * here; with other cores, without the kernel lock. Out of line: the
 * common pick (pick_or_idle) stays short. */
static __attribute__((noinline)) struct sched_entity *
idle_until_runnable(struct sched_cpu *sc)
{
	struct sched_entity *se;

	cpu_budget_switch(NULL); /* idle time is nobody's */
	leave_current(this_cpu());
	while (!(se = runq_pick(&sc->rq))) {
		if (thread_live_count() == 0 && !containers_restart_pending())
			system_finished();
		timer_program(true);
		klock_release();
		wfi();
		klock_acquire();
		while (platform_handle_irq())
			;
	}
	sc->next_tick_at = tick_after(timer_count());
	timer_program(false);
	return se;
}

static inline struct sched_entity *pick_or_idle(struct sched_cpu *sc)
{
	struct sched_entity *se = runq_pick(&sc->rq);

	return se ? se : idle_until_runnable(sc);
}

struct thread *sched_choose(void)
{
	struct sched_cpu *sc = this_sched();
	struct thread *cur = current_thread();

	/* Nothing asked for a new pick: the current thread is still the head
	 * of the highest level (every change that could displace it sets
	 * need_resched), so skip the queues. */
	if (!this_cpu()->need_resched && cur && cur->state == THREAD_RUNNABLE)
		return cur;
	if (this_cpu()->need_resched) {
		this_cpu()->need_resched = false;
		if (cur && cur->state == THREAD_RUNNABLE &&
		    &sched_cpus[CORE(cur->cpu)] == sc)
			runq_requeue(&sc->rq, &cur->sched);
	}
	/*
	 * Always pick: O(1), and the head of the highest level is the
	 * current thread itself whenever nothing should replace it. A thread
	 * of a throttled container leaves for its parked list on the way.
	 */
	struct thread *next = thread_of(pick_or_idle(sc));
	if (!cpu_budgets_in_use)
		return next;
	while (cpu_budget_throttled(next)) {
		runq_dequeue(&sc->rq, &next->sched);
		cpu_budget_park(next);
		next = thread_of(pick_or_idle(sc));
	}
	if (cpu_budget_switch(next->container))
		timer_program(false);
	return next;
}
