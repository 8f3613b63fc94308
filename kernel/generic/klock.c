/*
 * The kernel lock and the stop handshake (the design is in
 * <kernel/klock.h> and docs/smp.md). Built only for more than one core.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/exception.h>
#include <kernel/klock.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/thread.h>
#include <kernel/timer.h>

#if CONFIG_NR_CPUS > 1

/* A ticket lock: a core takes the next ticket and waits until `owner`
 * reaches it, so cores get the lock in the order they asked. */
static struct {
	volatile uint16_t owner;
	uint16_t next;
} klock;

#ifdef CONFIG_KLOCK_STATS
static uint64_t acquired_at;
static struct klock_stats stats;

static void stats_acquired(uint64_t asked_at)
{
	acquired_at = timer_count();
	uint64_t waited = acquired_at - asked_at;

	stats.acquisitions++;
	stats.waited_total += waited;
	if (waited > stats.waited_max)
		stats.waited_max = waited;
}

static void stats_released(void)
{
	uint64_t held = timer_count() - acquired_at;

	stats.held_total += held;
	if (held > stats.held_max)
		stats.held_max = held;
}

void klock_stats(struct klock_stats *out)
{
	*out = stats;
}
#else
void klock_stats(struct klock_stats *out)
{
	*out = (struct klock_stats){0};
}
#endif

static inline void sev(void)
{
	__asm__ volatile("dsb\n\tsev" ::: "memory");
}

static inline void wfe(void)
{
	__asm__ volatile("wfe" ::: "memory");
}

static uint16_t take_ticket(void)
{
	return __atomic_fetch_add(&klock.next, 1, __ATOMIC_RELAXED);
}

static bool my_turn(uint16_t ticket)
{
	return __atomic_load_n(&klock.owner, __ATOMIC_ACQUIRE) == ticket;
}

void klock_acquire(void)
{
#ifdef CONFIG_KLOCK_STATS
	uint64_t asked_at = timer_count();
#endif
	uint16_t ticket = take_ticket();

	while (!my_turn(ticket))
		wfe();
#ifdef CONFIG_KLOCK_STATS
	stats_acquired(asked_at);
#endif
}

void klock_release(void)
{
#ifdef CONFIG_KLOCK_STATS
	stats_released();
#endif
	__atomic_store_n(&klock.owner, (uint16_t)(klock.owner + 1),
			 __ATOMIC_RELEASE);
	sev();
}

/*
 * The stop request's answer, by the core itself: its current thread's
 * registers are all in its frame now, so it lets go of the thread and of
 * the thread's space. A system call it was entering has not run: the
 * thread will issue it again when it runs next (pc back on the svc).
 */
static void let_go_of_current(struct percpu *me, struct user_context *frame,
			      unsigned cause)
{
	struct thread *t = me->current;

	if (t) {
		if (cause == EXC_SVC)
			frame->pc -= (frame->cpsr & PSR_T_BIT) ? 2 : 4;
		t->on_cpu = CPU_NONE;
		me->current = NULL;
	}
	if (me->space) {
		arch_switch_to_kernel_only();
		me->space = NULL;
	}
	dsb();
	me->stop_requested = false;
	sev();
}

void kernel_enter_smp(struct user_context *frame, unsigned cause)
{
	struct percpu *me = this_cpu();
#ifdef CONFIG_KLOCK_STATS
	uint64_t asked_at = timer_count();
#endif
	uint16_t ticket = take_ticket();

	while (!my_turn(ticket)) {
		if (me->stop_requested)
			let_go_of_current(me, frame, cause);
		wfe();
	}
	/* asked (and answered) before the lock came: nothing is pending now,
	 * since the asker held the lock until it had the answer */
#ifdef CONFIG_KLOCK_STATS
	stats_acquired(asked_at);
#endif
}

void smp_stop_thread(struct thread *t)
{
	unsigned cpu = t->on_cpu;
	struct percpu *other = &cpu_state[cpu];

	BUG_ON(cpu >= CONFIG_NR_CPUS || cpu == this_cpu_id(),
	       "stop of a thread not running on another core");
	other->stop_requested = true;
	dsb();
	platform_send_ipi(cpu);
	sev();
	/* yield: under QEMU -icount the cores run in turn */
	while (other->stop_requested)
		__asm__ volatile("yield" ::: "memory");
	dsb();
	BUG_ON(t->on_cpu != CPU_NONE, "stopped thread still on its core");
}
#endif
