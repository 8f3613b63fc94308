/* Scheduler: run queue, timeslices, preemption by the timer tick. */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/thread.h>

void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
/* The thread to return to user mode; idles until one is runnable. */
struct thread *sched_choose(void);
uint64_t sched_ticks(void);

#endif
