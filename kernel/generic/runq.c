/*
 * Run queues: per-level FIFO lists, a bitmap of non-empty levels for an O(1)
 * pick, runnable and expired queues, fixed-total timeslices. The policy is
 * described in <kernel/runq.h>. Pure code: no kernel headers beyond
 * runq.h, so the host tests link this file alone.
 */
#include <stddef.h>
#include <kernel/runq.h>

void runq_init(struct runq *rq, uint32_t round_ticks, uint32_t granularity)
{
	*rq = (struct runq){0};
	rq->runnable = &rq->arrays[0];
	rq->expired = &rq->arrays[1];
	rq->round_ticks = round_ticks ? round_ticks : 1;
	rq->granularity = granularity ? granularity : 1;
}

uint32_t runq_level(uint32_t priority)
{
	if (priority < SCHED_PRIO_MIN)
		priority = SCHED_PRIO_MIN;
	if (priority > SCHED_PRIO_MAX)
		priority = SCHED_PRIO_MAX;
	return runq_level_of_valid(priority);
}

uint32_t runq_timeslice(uint32_t priority, uint32_t round_ticks)
{
	/* 64 bits: weight * round_ticks must not wrap for any round length. */
	uint64_t weight = runq_level(priority) + 1;
	uint64_t ticks = weight * round_ticks / SCHED_PRIO_TOTAL;

	if (ticks < 1)
		return 1;
	return ticks > INT32_MAX ? INT32_MAX : (uint32_t)ticks;
}

static void refill(const struct runq *rq, struct sched_entity *se)
{
	se->ticks_left = (int32_t)runq_timeslice(se->priority, rq->round_ticks);
	se->ran = 0;
}

/* Append se to the tail of its cached level in array a. */
static void array_add(struct runq_array *a, struct sched_entity *se)
{
	struct runq_level *l = &a->level[se->level];

	se->next = NULL;
	se->prev = l->tail;
	if (l->tail)
		l->tail->next = se;
	else
		l->head = se;
	l->tail = se;
	a->bitmap |= 1u << se->level;
	a->nr++;
	se->array = a;
}

static void array_del(struct sched_entity *se)
{
	struct runq_array *a = se->array;
	struct runq_level *l = &a->level[se->level];

	if (se->prev)
		se->prev->next = se->next;
	else
		l->head = se->next;
	if (se->next)
		se->next->prev = se->prev;
	else
		l->tail = se->prev;
	if (!l->head)
		a->bitmap &= ~(1u << se->level);
	a->nr--;
	se->next = se->prev = NULL;
	se->array = NULL;
}

int runq_enqueue(struct runq *rq, struct sched_entity *se)
{
	if (se->array)
		return -1;
	/*
	 * The level is fixed while queued: a priority change goes through
	 * dequeue and enqueue, so dequeue always finds the right list.
	 */
	se->level = runq_level(se->priority);
	if (se->ticks_left < 1)
		refill(rq, se);
	array_add(rq->runnable, se);
	return 0;
}

int runq_dequeue(struct runq *rq, struct sched_entity *se)
{
	if (!se->array ||
	    (se->array != rq->runnable && se->array != rq->expired))
		return -1;
	array_del(se);
	return 0;
}

int runq_replace(struct runq *rq, struct sched_entity *old,
		 struct sched_entity *new)
{
	if (old->array != rq->runnable || new->array ||
	    runq_level(new->priority) != old->level || new->ticks_left < 1)
		return -1;
	*new = (struct sched_entity){old->next, old->prev, old->array,
				     new->priority, old->level,
				     new->ticks_left, new->ran};
	struct runq_level *l = &old->array->level[old->level];
	if (new->prev)
		new->prev->next = new;
	else
		l->head = new;
	if (new->next)
		new->next->prev = new;
	else
		l->tail = new;
	old->next = old->prev = NULL;
	old->array = NULL;
	return 0;
}

static void swap_queues(struct runq *rq)
{
	struct runq_array *a = rq->runnable;

	rq->runnable = rq->expired;
	rq->expired = a;
	rq->rounds++;
}

struct sched_entity *runq_pick(struct runq *rq)
{
	if (!rq->runnable->bitmap) {
		if (!rq->expired->bitmap)
			return NULL;
		swap_queues(rq);
	}
	/* Highest set bit: the highest non-empty level. */
	uint32_t level = 31 - (uint32_t)__builtin_clz(rq->runnable->bitmap);
	return rq->runnable->level[level].head;
}

bool runq_tick(const struct runq *rq, struct sched_entity *se)
{
	if (se->ticks_left > 0)
		se->ticks_left--;
	se->ran++;
	return se->ticks_left < 1 || se->ran >= rq->granularity;
}

int runq_expire(struct runq *rq, struct sched_entity *se)
{
	if (runq_dequeue(rq, se) != 0)
		return -1;
	refill(rq, se);
	array_add(rq->expired, se);
	return 0;
}

enum runq_move runq_requeue(struct runq *rq, struct sched_entity *se)
{
	if (!se->array)
		return RUNQ_KEPT;
	if (se->ticks_left < 1) {
		runq_expire(rq, se);
		return RUNQ_EXPIRED;
	}
	if (se->ran >= rq->granularity) {
		/* Back of its level in the same queue, remaining ticks kept. */
		struct runq_array *a = se->array;

		array_del(se);
		se->ran = 0;
		array_add(a, se);
		return RUNQ_ROTATED;
	}
	return RUNQ_KEPT;
}

void runq_split_timeslice(struct sched_entity *parent,
			  struct sched_entity *child)
{
	/* A running parent has at least one tick; be safe if it has not. */
	int32_t have = parent->ticks_left > 0 ? parent->ticks_left : 1;
	int32_t give = have / 2;

	if (give < 1)
		give = 1; /* parent had one tick: it keeps it, child gets one */
	else
		have -= give;
	parent->ticks_left = have;
	child->ticks_left = give;
	child->ran = 0;
}

bool runq_outranks(const struct sched_entity *a, const struct sched_entity *b)
{
	return runq_level(a->priority) > runq_level(b->priority);
}
