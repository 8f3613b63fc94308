/*
 * Scheduler: priority levels with fixed-total timeslices, runnable and
 * expired queues, a granularity bound, preemption by the timer tick. The
 * policy itself lives in <kernel/runq.h>; this is the kernel's use of it.
 *
 * Called with IRQs masked from kernel entry paths only (no kernel
 * preemption); kernel_exit() calls sched_choose() on every return to user
 * mode, which is where a requested reschedule takes effect.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/klock.h>
#include <kernel/thread.h>

/* t (made THREAD_RUNNABLE by the caller) joins the run queue. */
void sched_enqueue(struct thread *t);
/* t leaves the run queue: it blocks or dies. */
void sched_dequeue(struct thread *t);
/* Woken t (made RUNNABLE by the caller) is queued; preempts if it outranks. */
void sched_wakeup(struct thread *t);
/* t (made RUNNABLE) joins the expired queue with the ticks it has (none:
 * a full slice): a
 * user-scheduled thread given a new quantum runs again next round, as a
 * kernel-scheduled one whose slice ran out (usched.c). */
void sched_enqueue_expired(struct thread *t);
/* The current thread gives up the rest of its slice until the next round. */
void sched_yield(void);
/* The current thread `from` just blocked and `to` just woke: `to` takes
 * its place in the run queue (no queue walk) and runs next. */
void sched_handoff(struct thread *from, struct thread *to);
/* The ipc fast path's hand-over: sched_handoff_allowed and
 * sched_handoff_commit, inline in <kernel/sched_handoff.h>. */
/* A new child takes half of parent's remaining ticks (never 0 for either). */
void sched_child_created(struct thread *parent, struct thread *child);
/* Re-examine the current thread at the next sched_choose(). */
void sched_request_resched(void);
/*
 * The thread to return to user mode; idles until one is runnable and ends
 * the system when no thread is left.
 */
struct thread *sched_choose(void);
/* t goes to core cpu's run queue (t runs on no other core; its current
 * core, if it runs here, picks again). */
void sched_move(struct thread *t, unsigned cpu);
/* The core a thread with this mask runs on: `preferred` if it may and is
 * online, else the lowest online core of the mask; CPU_NONE if none. */
unsigned sched_cpu_for(uint32_t mask, unsigned preferred);
/* Is queued t on its own core's run queue? (invariants.c) */
bool sched_array_of(const struct thread *t);
/* This core's tick starts (the boot core's from sched_timer_init). */
void sched_cpu_start(void);
/* Kernel ticks since boot (the configured tick rate), read off the counter. */
uint64_t sched_ticks(void);
/* Counter ticks since boot. */
uint64_t sched_uptime(void);


#endif
