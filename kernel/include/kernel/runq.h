/*
 * Run queues: the scheduler's policy with no kernel around it, so it can be
 * tested on the host (only <stdint.h>, <stdbool.h> and sched_entity.h).
 *
 * Priorities 1..SCHED_PRIO_MAX map onto SCHED_NR_LEVELS levels, 16
 * priorities a level (1..16 -> level 0, ..., 241..255 -> level 15). Higher
 * levels always run first; within a level threads take turns in FIFO order.
 *
 * Timeslices come from a fixed-total formula:
 *
 *	timeslice = max(1, weight(level) * round_ticks / SCHED_PRIO_TOTAL)
 *
 * where weight(level) = level + 1 and SCHED_PRIO_TOTAL is the sum of the
 * weights of all levels. The total is fixed (it does not depend on how many
 * threads exist), so a slice never shrinks to zero as threads are added;
 * the max(1, ...) covers a round shorter than SCHED_PRIO_TOTAL ticks.
 *
 * Two queues, runnable and expired. A thread that uses up its slice moves to
 * the expired queue with a fresh one; when the runnable queue is empty the
 * two swap and a new round starts. So every queued thread runs once a round
 * whatever its level: no starvation.
 *
 * Granularity: a thread runs at most `granularity` ticks before it goes to
 * the back of its level in the runnable queue, keeping the ticks it has
 * left. Threads of one level therefore interleave at that grain even when
 * their slices are long; a thread alone at its level is picked again.
 *
 * The running thread stays queued (at the head of its level in the runnable
 * queue): runq_pick() does not remove what it returns.
 */
#ifndef KERNEL_RUNQ_H
#define KERNEL_RUNQ_H

#include <stdbool.h>
#include <stdint.h>
#include <kernel/sched_entity.h>

#define SCHED_PRIO_MIN	  1
#define SCHED_PRIO_MAX	  255
#define SCHED_LEVEL_SHIFT 4 /* 16 priorities a level */
#define SCHED_NR_LEVELS	  ((SCHED_PRIO_MAX >> SCHED_LEVEL_SHIFT) + 1)
/* Sum of weight(level) = level + 1 over all levels: fixed. */
#define SCHED_PRIO_TOTAL (SCHED_NR_LEVELS * (SCHED_NR_LEVELS + 1) / 2)

_Static_assert(SCHED_NR_LEVELS <= 32, "the level bitmap is one word");

struct runq_level {
	struct sched_entity *head, *tail;
};

struct runq_array {
	uint32_t bitmap; /* bit L set: level L is not empty */
	uint32_t nr;	 /* entities queued here */
	struct runq_level level[SCHED_NR_LEVELS];
};

struct runq {
	struct runq_array arrays[2];
	struct runq_array *runnable, *expired;
	uint32_t round_ticks; /* the fixed total shared out each round */
	uint32_t granularity; /* most ticks a thread runs between turns */
	uint32_t rounds;      /* runnable/expired swaps so far */
};

/* What runq_requeue() did with the entity. */
enum runq_move {
	RUNQ_KEPT,    /* still has ticks and turn: stays where it is */
	RUNQ_ROTATED, /* granularity reached: back of its level, ticks kept */
	RUNQ_EXPIRED, /* slice used up: expired queue, fresh slice */
};

/*
 * `new` (not queued, same level, ticks left) takes the place of `old` (in
 * the runnable queue), which leaves the queue: the O(1) hand-over of an
 * ipc call. -1 (nothing changed) when any condition does not hold.
 */
int runq_replace(struct runq *rq, struct sched_entity *old,
		 struct sched_entity *new);

/* A zeroed runq with both bounds clamped to at least 1. */
void runq_init(struct runq *rq, uint32_t round_ticks, uint32_t granularity);

/* Level of a priority; out-of-range priorities are clamped first. */
uint32_t runq_level(uint32_t priority);
/* Ticks of a full slice at this priority for a round of round_ticks. */
uint32_t runq_timeslice(uint32_t priority, uint32_t round_ticks);

/*
 * Queue se at the back of its level in the runnable queue. It keeps the
 * ticks it has (a thread that blocked, or a child given part of its
 * parent's); with none (a new thread) it gets a full slice.
 * -1 if it is already queued.
 */
int runq_enqueue(struct runq *rq, struct sched_entity *se);
/* Take se off whichever queue holds it; -1 if it is not queued. */
int runq_dequeue(struct runq *rq, struct sched_entity *se);
/*
 * The entity to run: the head of the highest non-empty level of the
 * runnable queue, swapping the queues first if runnable is empty. It stays
 * queued. NULL if nothing is queued.
 */
struct sched_entity *runq_pick(struct runq *rq);

/* Is se what runq_pick() returns now without swapping the queues: the
 * head of the highest non-empty level of the runnable queue? (Its level
 * is the one it is queued at; only the level's list holds it.) */
static inline bool runq_heads_the_pick(const struct runq *rq,
				       const struct sched_entity *se)
{
	const struct runq_array *a = rq->runnable;

	return a->level[se->level].head == se && a->bitmap >> se->level == 1;
}

/* The level of a priority known to be SCHED_PRIO_MIN..SCHED_PRIO_MAX,
 * as every thread's is (the boot info's are checked, bootinfo_check.c;
 * sched_control refuses others; a thread inherits its creator's). */
static inline uint32_t runq_level_of_valid(uint32_t priority)
{
	return (priority - SCHED_PRIO_MIN) >> SCHED_LEVEL_SHIFT;
}

/* Could `new`, which is not queued, take queued `old`'s place, as
 * runq_replace would let it: the same level, ticks left? */
static inline bool runq_may_stand_in(const struct sched_entity *old,
				     const struct sched_entity *new)
{
	return runq_level_of_valid(new->priority) == old->level &&
	       new->ticks_left >= 1;
}

/* Charge one tick to the running se; true if it should give way now. */
bool runq_tick(const struct runq *rq, struct sched_entity *se);
/* Act on what runq_tick() reported; se must be queued. */
enum runq_move runq_requeue(struct runq *rq, struct sched_entity *se);
/* se gives up the rest of its slice: expired queue, fresh slice. */
int runq_expire(struct runq *rq, struct sched_entity *se);

/*
 * A new child takes half of its parent's remaining ticks. Neither ends with
 * zero: a parent with one tick left keeps it and the child gets one too
 * (the only case where the two hold more than the parent had, by one tick).
 */
void runq_split_timeslice(struct sched_entity *parent,
			  struct sched_entity *child);

/* True if a should preempt b: a strictly higher level. */
bool runq_outranks(const struct sched_entity *a, const struct sched_entity *b);

static inline uint32_t runq_nr_queued(const struct runq *rq)
{
	return rq->runnable->nr + rq->expired->nr;
}

static inline bool runq_is_runnable(const struct runq *rq,
				    const struct sched_entity *se)
{
	return se->array == rq->runnable;
}

#endif
