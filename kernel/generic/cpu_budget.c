/*
 * CPU budgets per container: sporadic-server accounting and throttling,
 * one server per core (the rule and its bound are in
 * <kernel/cpu_budget.h>; the scheduler's side is in sched.c, the
 * manifest's in docs/scheduling.md). Every function works on the calling
 * core's state, except park/unpark/throttled, which work on the thread's
 * core (t->cpu).
 */
#include <kernel/timer.h>
#include <kernel/container.h>
#include <kernel/cpu_budget.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>

static uint32_t counter_hz;
/* Containers with a budget: the only ones the timer has to look at. */
static struct container *budgeted[BOOTINFO_MAX_CONTAINERS];
static uint32_t nr_budgeted;
bool cpu_budgets_in_use;
/* Per core: the container whose thread the core runs (NULL: idle or
 * unbudgeted), and since when it has not been charged. */
static struct container *running[CONFIG_NR_CPUS];
static uint64_t charged_since[CONFIG_NR_CPUS];
#ifdef CONFIG_BENCH_COUNTERS
static uint32_t refills_measured;
static uint64_t refill_ticks;
#endif

void cpu_budget_refill_cost(uint32_t *refills, uint64_t *ticks)
{
#ifdef CONFIG_BENCH_COUNTERS
	*refills = refills_measured;
	*ticks = refill_ticks;
#else
	*refills = 0;
	*ticks = 0;
#endif
}

void cpu_time_init(uint32_t hz)
{
	counter_hz = hz;
}

uint64_t cpu_us_to_counter(uint64_t us)
{
	return us / 1000000 * counter_hz + us % 1000000 * counter_hz / 1000000;
}

uint64_t cpu_counter_to_us(uint64_t c)
{
	return c / counter_hz * 1000000 + c % counter_hz * 1000000 / counter_hz;
}

static uint64_t pending_refills(const struct cpu_server *b)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < b->nr_refills; i++)
		sum += b->refill[(b->first_refill + i) % CPU_REFILLS].amount;
	return sum;
}

void cpu_budget_init(struct container *c, uint32_t budget_us,
		     uint32_t period_us)
{
	struct cpu_budget *b = &c->cpu;

	if (!period_us || b->period)
		return; /* none, or kept across a restart */
	b->born = timer_count();
	b->period = cpu_us_to_counter(period_us);
	b->budget = cpu_us_to_counter(budget_us);
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		b->core[cpu].available = b->budget;
	BUG_ON(nr_budgeted >= BOOTINFO_MAX_CONTAINERS, "budget table full");
	budgeted[nr_budgeted++] = c;
	cpu_budgets_in_use = true;
	for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
		cpu_state[cpu].budgets_in_use = true;
}

void cpu_budget_container_died(struct container *c)
{
	if (c->cpu.period)
		c->cpu.died = timer_count();
}

uint64_t cpu_budget_lifetime(const struct container *c)
{
	uint64_t end = c->cpu.died ? c->cpu.died : timer_count();

	return end - c->cpu.born;
}

/* A refill of `amount` at `at`; a full list merges into its last entry,
 * moved to `at` (later than it): a refill only ever comes late. */
static void add_refill(struct cpu_server *b, uint64_t at, uint64_t amount)
{
	if (b->nr_refills == CPU_REFILLS) {
		struct cpu_refill *last =
			&b->refill[(b->first_refill + CPU_REFILLS - 1) %
				   CPU_REFILLS];
		last->at = at;
		last->amount += amount;
		return;
	}
	b->refill[(b->first_refill + b->nr_refills) % CPU_REFILLS] =
		(struct cpu_refill){at, amount};
	b->nr_refills++;
}

static void apply_refills(struct cpu_server *b, uint64_t now)
{
	while (b->nr_refills && b->refill[b->first_refill].at <= now) {
		b->available += b->refill[b->first_refill].amount;
		b->first_refill = (b->first_refill + 1) % CPU_REFILLS;
		b->nr_refills--;
	}
}

/* The calling core, and the core thread t is on (one core: always 0,
 * so a single-core kernel does what it did before budgets were per core). */
static inline unsigned here(void)
{
#if CONFIG_NR_CPUS > 1
	return this_cpu_id();
#else
	return 0;
#endif
}

static inline unsigned core_of(const struct thread *t)
{
#if CONFIG_NR_CPUS > 1
	return t->cpu;
#else
	(void)t;
	return 0;
#endif
}

/* Core cpu's server of c. */
static struct cpu_server *server(struct container *c, unsigned cpu)
{
	return &c->cpu.core[cpu];
}

/* Charge the container running on `cpu` (this core) for the time since it
 * was last charged. */
static void charge(unsigned cpu, uint64_t now)
{
	struct cpu_server *b = server(running[cpu], cpu);
	uint64_t used = now - charged_since[cpu];

	charged_since[cpu] = now;
	b->used_total += used;
	b->activation_used += used;
	b->available = used < b->available ? b->available - used : 0;
}

/*
 * The running container stops: what it consumed in this activation comes
 * back one period after the activation began. The amount is what keeps
 * available + refills = budget, so an overrun (the few microseconds before
 * the timer interrupt is taken) is not handed back twice.
 */
static void end_activation(const struct cpu_budget *cb, struct cpu_server *b)
{
	uint64_t owed = cb->budget - b->available - pending_refills(b);

	if (owed)
		add_refill(b, b->activation_start + cb->period, owed);
	b->activation_used = 0;
}

/* c runs out on this core: its threads here wait (the current one is
 * picked again and parked). */
static void throttle(struct cpu_server *b)
{
	b->throttled = true;
	b->throttles++;
	sched_request_resched();
}

/* c has budget again on this core: its threads parked here come back to
 * this core's run queue. */
static void unthrottle(struct cpu_server *b)
{
	struct thread *t;

	b->throttled = false;
	while ((t = thread_list_pop(&b->parked)))
		sched_enqueue(t);
}

bool cpu_budget_switch(struct container *next)
{
	if (!cpu_budgets_in_use)
		return false;
	unsigned cpu = here();
	struct container *prev = running[cpu];
	if (next && !next->cpu.period)
		next = NULL; /* unbudgeted time is nobody's to account */
	if (next == prev)
		return false;
	uint64_t now = timer_count();
	if (prev) {
		struct cpu_server *b = server(prev, cpu);

		charge(cpu, now);
		end_activation(&prev->cpu, b);
		if (!b->available && !b->throttled)
			throttle(b);
	}
	running[cpu] = next;
	charged_since[cpu] = now;
	if (!next)
		return false;
	struct cpu_server *b = server(next, cpu);
	apply_refills(b, now);
	b->activation_start = now;
#ifdef CONFIG_BENCH_COUNTERS
	if (b->refilled_at) { /* the refill's whole path, due to run */
		refill_ticks += now - b->refilled_at;
		refills_measured++;
		b->refilled_at = 0;
	}
#endif
	return true;
}

bool cpu_budget_runs_on(const struct thread *next)
{
	struct container *c = next->container->cpu.period ? next->container
							   : NULL;

	return c == running[here()] && !cpu_budget_throttled(next);
}

void cpu_budget_timer(uint64_t now)
{
	unsigned cpu = here();
	struct container *r = running[cpu];

	if (r) {
		struct cpu_server *b = server(r, cpu);

		charge(cpu, now);
		apply_refills(b, now);
		if (!b->available && !b->throttled) {
			end_activation(&r->cpu, b);
			throttle(b);
			/* charged from here on only if it runs again */
			b->activation_start = now;
		}
	}
	for (uint32_t i = 0; i < nr_budgeted; i++) {
		struct cpu_server *b = server(budgeted[i], cpu);

		if (!b->throttled)
			continue;
#ifdef CONFIG_BENCH_COUNTERS
		uint64_t due = b->nr_refills ? b->refill[b->first_refill].at
					     : now;
#endif
		apply_refills(b, now);
		if (b->available) {
#ifdef CONFIG_BENCH_COUNTERS
			b->refilled_at = due;
#endif
			unthrottle(b);
		}
	}
}

uint64_t cpu_budget_next_event(void)
{
	unsigned cpu = here();
	struct container *r = running[cpu];
	uint64_t next = UINT64_MAX;

	if (r && !server(r, cpu)->throttled)
		next = charged_since[cpu] + server(r, cpu)->available;
	for (uint32_t i = 0; i < nr_budgeted; i++) {
		const struct cpu_server *b = server(budgeted[i], cpu);

		if (b->throttled && b->nr_refills &&
		    b->refill[b->first_refill].at < next)
			next = b->refill[b->first_refill].at;
	}
	return next;
}

bool cpu_budget_throttled(const struct thread *t)
{
	return t->container->cpu.core[core_of(t)].throttled;
}

bool cpu_budget_park(struct thread *t)
{
	struct cpu_server *b = server(t->container, core_of(t));

	if (!b->throttled)
		return false;
	thread_list_add(&b->parked, t);
	return true;
}

/* Found through the thread: the list it is on is that of the core it was
 * parked on, which is t->cpu (sched_move unparks before it changes it). */
bool cpu_budget_unpark(struct thread *t)
{
	struct cpu_server *b = server(t->container, core_of(t));

	if (t->queued_on != &b->parked)
		return false;
	thread_list_remove(&b->parked, t);
	return true;
}
