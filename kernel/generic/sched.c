/*
 * Round-robin scheduler with timer preemption: the walking skeleton's
 * scheduler. Threads run for a timeslice of ticks from the run queue; an
 * empty queue idles in WFI with IRQs masked (WFI still wakes on a pending
 * IRQ, which is then handled here, so the kernel never takes an IRQ
 * exception in SVC mode).
 */
#include <arch/cpu.h>
#include <kernel/container.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/sched.h>

#define TIMESLICE_TICKS 5

static struct thread *rq_head, *rq_tail;

static struct thread *next_of(struct thread *t)
{
	return t->sched.next ? container_of(t->sched.next, struct thread, sched)
			     : NULL;
}
static uint64_t ticks;
static bool need_resched;

void sched_enqueue(struct thread *t)
{
	t->sched.next = NULL;
	t->sched.ticks_left = TIMESLICE_TICKS;
	if (rq_tail)
		rq_tail->sched.next = &t->sched;
	else
		rq_head = t;
	rq_tail = t;
}

void sched_dequeue(struct thread *t)
{
	struct thread *prev = NULL, *cur = rq_head;

	while (cur && cur != t) {
		prev = cur;
		cur = next_of(cur);
	}
	BUG_ON(!cur, "dequeue of a thread not on the run queue");
	if (prev)
		prev->sched.next = t->sched.next;
	else
		rq_head = next_of(t);
	if (rq_tail == t)
		rq_tail = prev;
	t->sched.next = NULL;
}

void timer_tick(void)
{
	struct thread *cur = current_thread();

	ticks++;
	if (cur && cur->sched.ticks_left > 0 && --cur->sched.ticks_left == 0)
		need_resched = true;
}

uint64_t sched_ticks(void)
{
	return ticks;
}

static _Noreturn void system_finished(void)
{
	int status = containers_exit_status();

	printk("kernel: all containers finished, exit status %d\n", status);
	platform_exit(status);
}

struct thread *sched_choose(void)
{
	struct thread *cur = current_thread();

	if (cur && cur->state == THREAD_RUNNABLE && !need_resched)
		return cur;
	need_resched = false;
	if (cur && cur->state == THREAD_RUNNABLE && rq_head) {
		sched_dequeue(cur); /* to the back of the queue */
		sched_enqueue(cur);
	}
	while (!rq_head) {
		if (thread_live_count() == 0)
			system_finished();
		wfi();
		while (platform_handle_irq())
			;
	}
	if (rq_head->sched.ticks_left <= 0)
		rq_head->sched.ticks_left = TIMESLICE_TICKS;
	return rq_head;
}
