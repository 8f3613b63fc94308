/* The scheduler's part of a thread (owned by sched.c / runq.c). */
#ifndef KERNEL_SCHED_ENTITY_H
#define KERNEL_SCHED_ENTITY_H

#include <stdint.h>

struct sched_entity {
	struct sched_entity *next, *prev; /* run queue links */
	uint32_t priority;                /* 1..SCHED_PRIO_MAX */
	int32_t ticks_left;               /* of the current timeslice */
	uint32_t queue;                   /* which queue holds it, 0: none */
};

#endif
