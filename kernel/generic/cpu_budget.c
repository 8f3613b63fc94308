/*
 * CPU budgets per container: sporadic-server accounting and throttling
 * (the rule and its bound are in <kernel/cpu_budget.h>; the scheduler's
 * side is in sched.c, the manifest's in docs/scheduling.md).
 */
#include <kernel/timer.h>
#include <kernel/container.h>
#include <kernel/cpu_budget.h>
#include <kernel/panic.h>
#include <kernel/sched.h>

static uint32_t counter_hz;
/* Containers with a budget: the only ones the timer has to look at. */
static struct container *budgeted[BOOTINFO_MAX_CONTAINERS];
static uint32_t nr_budgeted;
bool cpu_budgets_in_use;
/* The container whose thread the CPU runs (NULL: idle or unbudgeted), and
 * since when it has not been charged. */
static struct container *running;
static uint64_t charged_since;
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

static uint64_t pending_refills(const struct cpu_budget *b)
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
	b->budget = b->available = cpu_us_to_counter(budget_us);
	BUG_ON(nr_budgeted >= BOOTINFO_MAX_CONTAINERS, "budget table full");
	budgeted[nr_budgeted++] = c;
	cpu_budgets_in_use = true;
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
static void add_refill(struct cpu_budget *b, uint64_t at, uint64_t amount)
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

static void apply_refills(struct cpu_budget *b, uint64_t now)
{
	while (b->nr_refills && b->refill[b->first_refill].at <= now) {
		b->available += b->refill[b->first_refill].amount;
		b->first_refill = (b->first_refill + 1) % CPU_REFILLS;
		b->nr_refills--;
	}
}

/* Charge the running container for the time since it was last charged. */
static void charge(uint64_t now)
{
	struct cpu_budget *b = &running->cpu;
	uint64_t used = now - charged_since;

	charged_since = now;
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
static void end_activation(struct cpu_budget *b)
{
	uint64_t owed = b->budget - b->available - pending_refills(b);

	if (owed)
		add_refill(b, b->activation_start + b->period, owed);
	b->activation_used = 0;
}

static void throttle(struct container *c)
{
	c->cpu.throttled = true;
	c->cpu.throttles++;
	sched_request_resched();
}

static void unthrottle(struct container *c)
{
	struct thread *t;

	c->cpu.throttled = false;
	while ((t = thread_list_pop(&c->cpu.parked)))
		sched_enqueue(t);
}

bool cpu_budget_switch(struct container *next)
{
	if (!cpu_budgets_in_use)
		return false;
	if (next && !next->cpu.period)
		next = NULL; /* unbudgeted time is nobody's to account */
	if (next == running)
		return false;
	uint64_t now = timer_count();
	if (running) {
		charge(now);
		end_activation(&running->cpu);
		if (!running->cpu.available && !running->cpu.throttled)
			throttle(running);
	}
	running = next;
	charged_since = now;
	if (!next)
		return false;
	apply_refills(&next->cpu, now);
	next->cpu.activation_start = now;
#ifdef CONFIG_BENCH_COUNTERS
	if (next->cpu.refilled_at) { /* the refill's whole path, due to run */
		refill_ticks += now - next->cpu.refilled_at;
		refills_measured++;
		next->cpu.refilled_at = 0;
	}
#endif
	return true;
}

void cpu_budget_timer(uint64_t now)
{
	if (running) {
		charge(now);
		apply_refills(&running->cpu, now);
		if (!running->cpu.available && !running->cpu.throttled) {
			end_activation(&running->cpu);
			throttle(running);
			/* charged from here on only if it runs again */
			running->cpu.activation_start = now;
		}
	}
	for (uint32_t i = 0; i < nr_budgeted; i++) {
		struct container *c = budgeted[i];

		if (!c->cpu.throttled)
			continue;
#ifdef CONFIG_BENCH_COUNTERS
		uint64_t due = c->cpu.nr_refills
				   ? c->cpu.refill[c->cpu.first_refill].at
				   : now;
#endif
		apply_refills(&c->cpu, now);
		if (c->cpu.available) {
#ifdef CONFIG_BENCH_COUNTERS
			c->cpu.refilled_at = due;
#endif
			unthrottle(c);
		}
	}
}

uint64_t cpu_budget_next_event(void)
{
	uint64_t next = UINT64_MAX;

	if (running && !running->cpu.throttled)
		next = charged_since + running->cpu.available;
	for (uint32_t i = 0; i < nr_budgeted; i++) {
		const struct cpu_budget *b = &budgeted[i]->cpu;

		if (b->throttled && b->nr_refills &&
		    b->refill[b->first_refill].at < next)
			next = b->refill[b->first_refill].at;
	}
	return next;
}

bool cpu_budget_throttled(const struct thread *t)
{
	return t->container->cpu.throttled;
}

bool cpu_budget_park(struct thread *t)
{
	if (!t->container->cpu.throttled)
		return false;
	thread_list_add(&t->container->cpu.parked, t);
	return true;
}

bool cpu_budget_unpark(struct thread *t)
{
	if (t->queued_on != &t->container->cpu.parked)
		return false;
	thread_list_remove(&t->container->cpu.parked, t);
	return true;
}
