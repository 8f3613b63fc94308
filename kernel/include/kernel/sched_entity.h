/*
 * The scheduler's part of a thread, embedded in struct thread and owned by
 * sched.c / runq.c. Nothing here depends on the architecture so that the
 * run queue code can be tested on the host.
 */
#ifndef KERNEL_SCHED_ENTITY_H
#define KERNEL_SCHED_ENTITY_H

#include <stdint.h>

struct runq_array;

struct sched_entity {
	struct sched_entity *next, *prev; /* FIFO links within one level */
	/* The queue (runnable or expired) holding it; NULL: not queued. */
	struct runq_array *array;
	uint32_t priority; /* 1..SCHED_PRIO_MAX */
	/* Level it is queued at, cached so a priority change cannot lose it. */
	uint32_t level;
	/* Of the current timeslice; at least 1 whenever it is queued. */
	int32_t ticks_left;
	/* Ticks run since it last went to the back of its level. */
	uint32_t ran;
};

#endif
