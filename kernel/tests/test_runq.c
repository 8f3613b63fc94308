/*
 * Host tests for kernel/generic/runq.c, the scheduler's policy: levels and
 * the O(1) pick, FIFO order, runnable/expired swap, fixed-total timeslices,
 * granularity, the child split, and a randomized run against a simple
 * model. Only runq.c is linked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>
#include <cmocka.h>

#include <kernel/runq.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ROUND 100 /* one second at the default CONFIG_TICK_HZ */
#define GRAN  5

/* The formula written out independently of runq.c. */
static uint32_t expected_slice(uint32_t prio, uint32_t round)
{
	uint64_t level, t;

	if (prio < 1)
		prio = 1;
	if (prio > 255)
		prio = 255;
	level = (prio - 1) / 16;
	t = (level + 1) * (uint64_t)round / SCHED_PRIO_TOTAL;
	return t ? (uint32_t)t : 1;
}

static void entity(struct sched_entity *se, uint32_t prio)
{
	memset(se, 0, sizeof(*se));
	se->priority = prio;
}

/* Run the picked entity for one tick, as timer_tick + sched_choose do. */
static struct sched_entity *run_tick(struct runq *rq)
{
	struct sched_entity *se = runq_pick(rq);

	assert_non_null(se);
	if (runq_tick(rq, se))
		runq_requeue(rq, se);
	return se;
}

/* ------------------------------------------------------------ slices */

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(SCHED_NR_LEVELS, 16);
	assert_int_equal(SCHED_PRIO_TOTAL, 136);
	assert_int_equal(runq_level(1), 0);
	assert_int_equal(runq_level(16), 0);
	assert_int_equal(runq_level(17), 1);
	assert_int_equal(runq_level(128), 7);
	assert_int_equal(runq_level(255), SCHED_NR_LEVELS - 1);
	/* out of range: clamped, never an index past the arrays */
	assert_int_equal(runq_level(0), 0);
	assert_int_equal(runq_level(256), SCHED_NR_LEVELS - 1);
	assert_int_equal(runq_level(UINT32_MAX), SCHED_NR_LEVELS - 1);
}

static void test_timeslice_never_zero(void **state)
{
	static const uint32_t rounds[] = {
		0, 1, 2, 10, 50, 100, 135, 136, 1000, 10000, 1u << 20,
		UINT32_MAX,
	};
	(void)state;
	for (unsigned r = 0; r < ARRAY_SIZE(rounds); r++) {
		for (uint32_t p = 0; p <= 300; p++) {
			uint32_t s = runq_timeslice(p, rounds[r]);

			assert_true(s >= 1);
			assert_true(s <= INT32_MAX);
			if (rounds[r] && rounds[r] < (1u << 24))
				assert_int_equal(s,
						 expected_slice(p, rounds[r]));
		}
	}
}

static void test_timeslice_monotonic(void **state)
{
	(void)state;
	for (uint32_t round = 1; round <= 2000; round += 7)
		for (uint32_t p = 1; p < SCHED_PRIO_MAX; p++)
			assert_true(runq_timeslice(p + 1, round) >=
				    runq_timeslice(p, round));
}

static void test_timeslice_proportional(void **state)
{
	uint32_t exact = SCHED_PRIO_TOTAL * 10;

	(void)state;
	/* A round that divides evenly: slices are exactly the weights. */
	for (uint32_t p = 1; p <= SCHED_PRIO_MAX; p++)
		assert_int_equal(runq_timeslice(p, exact),
				 (runq_level(p) + 1) * 10);
	/* Priorities at the top of their levels: ratio = priority ratio. */
	assert_int_equal(runq_timeslice(32, exact) * 1,
			 runq_timeslice(16, exact) * 2);
	assert_int_equal(runq_timeslice(256 - 16, exact) * 1,
			 runq_timeslice(16, exact) * 15);
	assert_int_equal(runq_timeslice(128, exact) * 2,
			 runq_timeslice(64, exact) * 4);
	/* Any round: within one tick of the exact share. */
	for (uint32_t p = 1; p <= SCHED_PRIO_MAX; p++) {
		uint64_t share = (runq_level(p) + 1) * (uint64_t)ROUND;
		uint64_t s = runq_timeslice(p, ROUND);

		s *= SCHED_PRIO_TOTAL;

		assert_true(s <= share || s == SCHED_PRIO_TOTAL);
		assert_true(s + SCHED_PRIO_TOTAL > share);
	}
	/* Top priority gets 16x the bottom's share (rounding aside). */
	assert_int_equal(runq_timeslice(255, 1360), 160);
	assert_int_equal(runq_timeslice(1, 1360), 10);
}

/* The total is fixed: a level's slice does not depend on thread count. */
static void test_timeslice_fixed_total(void **state)
{
	static struct sched_entity se[200];
	struct runq rq;
	uint32_t sum = 0;

	(void)state;
	for (uint32_t l = 0; l < SCHED_NR_LEVELS; l++)
		sum += runq_timeslice(l * 16 + 1, 1000);
	assert_true(sum <= 1000);
	assert_true(sum > 1000 - SCHED_NR_LEVELS);

	runq_init(&rq, ROUND, GRAN);
	for (unsigned i = 0; i < ARRAY_SIZE(se); i++) {
		entity(&se[i], 1 + i % 255);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(se); i++)
		assert_int_equal(se[i].ticks_left,
				 expected_slice(1 + i % 255, ROUND));
}

static void test_init_clamps(void **state)
{
	struct runq rq;

	(void)state;
	runq_init(&rq, 0, 0);
	assert_int_equal(rq.round_ticks, 1);
	assert_int_equal(rq.granularity, 1);
	assert_null(runq_pick(&rq));
	assert_int_equal(runq_nr_queued(&rq), 0);
}

/* ------------------------------------------------------------- split */

/* The old bug: a parent with one tick left gave both zero. */
static void test_split_parent_one_tick(void **state)
{
	struct sched_entity parent, child;

	(void)state;
	entity(&parent, 10);
	entity(&child, 10);
	parent.ticks_left = 1;
	runq_split_timeslice(&parent, &child);
	assert_int_equal(parent.ticks_left, 1);
	assert_int_equal(child.ticks_left, 1);
}

static void test_split_halves(void **state)
{
	struct sched_entity parent, child;

	(void)state;
	for (int32_t have = -3; have <= 1000; have++) {
		entity(&parent, 100);
		entity(&child, 200);
		child.ran = 7;
		parent.ticks_left = have;
		runq_split_timeslice(&parent, &child);
		assert_true(parent.ticks_left >= 1);
		assert_true(child.ticks_left >= 1);
		assert_int_equal(child.ran, 0);
		if (have >= 2) {
			/* conserved: the child runs on the parent's time */
			assert_int_equal(parent.ticks_left + child.ticks_left,
					 have);
			assert_true(parent.ticks_left >= child.ticks_left);
			assert_true(parent.ticks_left - child.ticks_left <= 1);
		}
	}
}

/* Repeated splits (a fork loop) never reach zero for anyone. */
static void test_split_chain(void **state)
{
	struct sched_entity parent, child[40];

	(void)state;
	entity(&parent, 50);
	parent.ticks_left = 20;
	for (unsigned i = 0; i < ARRAY_SIZE(child); i++) {
		entity(&child[i], 50);
		runq_split_timeslice(&parent, &child[i]);
		assert_true(parent.ticks_left >= 1);
		assert_true(child[i].ticks_left >= 1);
	}
	assert_int_equal(parent.ticks_left, 1);
}

/* A child's split share survives enqueue; it is not topped up. */
static void test_split_then_enqueue(void **state)
{
	struct sched_entity parent, child;
	struct runq rq;

	(void)state;
	runq_init(&rq, 1000, 1000);
	entity(&parent, 255);
	entity(&child, 255);
	assert_int_equal(runq_enqueue(&rq, &parent), 0);
	assert_int_equal(parent.ticks_left, expected_slice(255, 1000));
	parent.ticks_left = 1;
	runq_split_timeslice(&parent, &child);
	assert_int_equal(runq_enqueue(&rq, &child), 0);
	assert_int_equal(child.ticks_left, 1);
	/* both run their one tick, then expire with full slices */
	assert_ptr_equal(run_tick(&rq), &parent);
	assert_ptr_equal(parent.array, rq.expired);
	assert_int_equal(parent.ticks_left, expected_slice(255, 1000));
	assert_ptr_equal(run_tick(&rq), &child);
	assert_ptr_equal(child.array, rq.expired);
}

/* -------------------------------------------------------------- pick */

static void test_pick_highest_level(void **state)
{
	static const uint32_t prios[] = {10, 200, 1, 64, 255, 17, 128};
	struct sched_entity se[ARRAY_SIZE(prios)];
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	assert_null(runq_pick(&rq));
	for (unsigned i = 0; i < ARRAY_SIZE(prios); i++) {
		entity(&se[i], prios[i]);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
	}
	assert_int_equal(runq_nr_queued(&rq), ARRAY_SIZE(prios));
	/* Highest first; pick leaves it queued, so dequeue to go on. */
	static const unsigned order[] = {4, 1, 6, 3, 5, 0, 2};
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++) {
		assert_ptr_equal(runq_pick(&rq), &se[order[i]]);
		assert_ptr_equal(runq_pick(&rq), &se[order[i]]);
		assert_int_equal(runq_dequeue(&rq, &se[order[i]]), 0);
	}
	assert_null(runq_pick(&rq));
	assert_int_equal(rq.runnable->bitmap, 0);
}

static void test_fifo_within_level(void **state)
{
	struct sched_entity se[5];
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	/* 17..32 are one level: priority within a level does not reorder */
	for (unsigned i = 0; i < ARRAY_SIZE(se); i++) {
		entity(&se[i], 32 - i * 3);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(se); i++) {
		assert_ptr_equal(runq_pick(&rq), &se[i]);
		assert_int_equal(runq_dequeue(&rq, &se[i]), 0);
	}
}

static void test_outranks(void **state)
{
	struct sched_entity a, b;

	(void)state;
	entity(&a, 17);
	entity(&b, 16);
	assert_true(runq_outranks(&a, &b));
	assert_false(runq_outranks(&b, &a));
	b.priority = 32; /* same level: no preemption, they take turns */
	assert_false(runq_outranks(&a, &b));
	assert_false(runq_outranks(&b, &a));
}

static void test_dequeue_middle(void **state)
{
	struct sched_entity se[3], other;
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	for (unsigned i = 0; i < 3; i++) {
		entity(&se[i], 100);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
	}
	assert_int_equal(runq_dequeue(&rq, &se[1]), 0);
	assert_null(se[1].array);
	assert_ptr_equal(se[0].next, &se[2]);
	assert_ptr_equal(se[2].prev, &se[0]);
	assert_int_equal(runq_nr_queued(&rq), 2);
	/* twice: refused; queueing twice: refused */
	assert_int_equal(runq_dequeue(&rq, &se[1]), -1);
	assert_int_equal(runq_enqueue(&rq, &se[0]), -1);
	/* tail, then head: the level empties and its bit clears */
	assert_int_equal(runq_dequeue(&rq, &se[2]), 0);
	assert_ptr_equal(runq_pick(&rq), &se[0]);
	assert_int_equal(runq_dequeue(&rq, &se[0]), 0);
	assert_int_equal(rq.runnable->bitmap, 0);
	assert_null(runq_pick(&rq));
	/* an entity of another run queue is not ours to take */
	struct runq rq2;
	runq_init(&rq2, ROUND, GRAN);
	entity(&other, 5);
	assert_int_equal(runq_enqueue(&rq2, &other), 0);
	assert_int_equal(runq_dequeue(&rq, &other), -1);
	assert_ptr_equal(runq_pick(&rq2), &other);
}

/* The ipc hand-over: the woken entity takes the blocker's place. */
static void test_replace(void **state)
{
	struct sched_entity se[3], in, low, spent;
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	for (unsigned i = 0; i < 3; i++) {
		entity(&se[i], 100);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
	}
	entity(&in, 101); /* same level */
	in.ticks_left = 3;
	in.ran = 1;
	assert_int_equal(runq_replace(&rq, &se[0], &in), 0);
	assert_null(se[0].array);
	assert_null(se[0].next);
	assert_ptr_equal(runq_pick(&rq), &in); /* at the head: runs next */
	assert_ptr_equal(in.next, &se[1]);
	assert_ptr_equal(se[1].prev, &in);
	assert_int_equal(in.ticks_left, 3); /* keeps its own slice */
	assert_int_equal(in.ran, 1);
	assert_int_equal(runq_nr_queued(&rq), 3);
	/* and back, at the tail: not with a spent slice */
	se[0].ticks_left = 0;
	assert_int_equal(runq_replace(&rq, &se[2], &se[0]), -1);
	se[0].ticks_left = 2;
	assert_int_equal(runq_replace(&rq, &se[2], &se[0]), 0);
	assert_ptr_equal(rq.runnable->level[se[0].level].tail, &se[0]);
	/* refused: another level, no ticks left, already queued, not queued */
	entity(&low, 5);
	low.ticks_left = 4;
	assert_int_equal(runq_replace(&rq, &se[1], &low), -1);
	entity(&spent, 100);
	assert_int_equal(runq_replace(&rq, &se[1], &spent), -1);
	assert_int_equal(runq_replace(&rq, &se[1], &in), -1);
	assert_int_equal(runq_replace(&rq, &se[2], &low), -1);
	assert_int_equal(runq_nr_queued(&rq), 3);
}

/* The one-core fast path's loan (sched_handoff.h): the two tests it makes
 * (runq_heads_the_pick, runq_may_stand_in), and the settling runq_replace
 * after it. */
static void test_loan_predicates(void **state)
{
	struct sched_entity se[2], hi, in, low, spent;
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	for (unsigned i = 0; i < 2; i++) {
		entity(&se[i], 100);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
	}
	/* only the head of the highest level heads the pick */
	assert_true(runq_heads_the_pick(&rq, &se[0]));
	assert_false(runq_heads_the_pick(&rq, &se[1]));
	entity(&in, 101);
	in.ticks_left = 3;
	assert_false(runq_heads_the_pick(&rq, &in)); /* not queued */
	entity(&hi, 200);
	assert_int_equal(runq_enqueue(&rq, &hi), 0);
	assert_false(runq_heads_the_pick(&rq, &se[0]));
	assert_true(runq_heads_the_pick(&rq, &hi));
	assert_int_equal(runq_dequeue(&rq, &hi), 0);
	assert_true(runq_heads_the_pick(&rq, &se[0]));
	/* who, not queued, may stand in: the same level, ticks left */
	assert_true(runq_may_stand_in(&se[0], &in));
	entity(&low, 5);
	low.ticks_left = 4;
	assert_false(runq_may_stand_in(&se[0], &low));
	entity(&spent, 100);
	assert_false(runq_may_stand_in(&se[0], &spent));
	/* settling the loan is the hand-over the general path makes, and
	 * handing the place back restores the queue exactly */
	assert_int_equal(runq_replace(&rq, &se[0], &in), 0);
	assert_ptr_equal(runq_pick(&rq), &in);
	assert_ptr_equal(in.next, &se[1]);
	assert_int_equal(in.ticks_left, 3);
	assert_null(se[0].array);
	assert_true(runq_may_stand_in(&in, &se[0]));
	assert_int_equal(runq_replace(&rq, &in, &se[0]), 0);
	assert_ptr_equal(runq_pick(&rq), &se[0]);
	assert_ptr_equal(se[0].next, &se[1]);
	assert_ptr_equal(se[1].prev, &se[0]);
	assert_null(in.array);
	assert_int_equal(runq_nr_queued(&rq), 2);
}

/* A thread that blocked keeps its remaining ticks when it comes back. */
static void test_requeue_keeps_ticks(void **state)
{
	struct sched_entity a;
	struct runq rq;

	(void)state;
	runq_init(&rq, 1000, 1000);
	entity(&a, 100);
	assert_int_equal(runq_enqueue(&rq, &a), 0);
	for (int i = 0; i < 3; i++)
		assert_false(runq_tick(&rq, &a));
	assert_int_equal(runq_requeue(&rq, &a), RUNQ_KEPT);
	int32_t left = a.ticks_left;
	assert_int_equal(left, (int32_t)expected_slice(100, 1000) - 3);
	assert_int_equal(runq_dequeue(&rq, &a), 0);
	assert_int_equal(runq_enqueue(&rq, &a), 0);
	assert_int_equal(a.ticks_left, left);
	assert_ptr_equal(a.array, rq.runnable);
}

/* ----------------------------------------------------- expired queue */

static void test_expire_and_swap(void **state)
{
	struct sched_entity hi, lo;
	struct runq rq;
	uint32_t hs = expected_slice(255, ROUND);

	(void)state;
	runq_init(&rq, ROUND, 1000);
	entity(&hi, 255);
	entity(&lo, 1);
	assert_int_equal(runq_enqueue(&rq, &lo), 0);
	assert_int_equal(runq_enqueue(&rq, &hi), 0);
	for (uint32_t i = 0; i < hs; i++)
		assert_ptr_equal(run_tick(&rq), &hi);
	/* hi used its slice: expired with a fresh one, lo gets its turn */
	assert_ptr_equal(hi.array, rq.expired);
	assert_int_equal(hi.ticks_left, hs);
	assert_ptr_equal(runq_pick(&rq), &lo);
	assert_int_equal(rq.rounds, 0);
	assert_ptr_equal(run_tick(&rq), &lo); /* lo has 1 tick */
	assert_ptr_equal(lo.array, rq.expired);
	/* runnable is empty: the queues swap, a new round starts */
	assert_ptr_equal(runq_pick(&rq), &hi);
	assert_int_equal(rq.rounds, 1);
	assert_ptr_equal(hi.array, rq.runnable);
	assert_ptr_equal(lo.array, rq.runnable);
}

static void test_yield_expires(void **state)
{
	struct sched_entity a, b;
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	entity(&a, 200);
	entity(&b, 200);
	assert_int_equal(runq_enqueue(&rq, &a), 0);
	assert_int_equal(runq_enqueue(&rq, &b), 0);
	assert_false(runq_tick(&rq, &a));
	assert_int_equal(runq_expire(&rq, &a), 0);
	assert_ptr_equal(a.array, rq.expired);
	assert_int_equal(a.ticks_left, expected_slice(200, ROUND));
	assert_int_equal(a.ran, 0);
	assert_ptr_equal(runq_pick(&rq), &b);
	/* a thread alone that yields runs again after the swap */
	assert_int_equal(runq_dequeue(&rq, &b), 0);
	assert_ptr_equal(runq_pick(&rq), &a);
	assert_int_equal(rq.rounds, 1);
	assert_int_equal(runq_expire(&rq, &b), -1); /* not queued */
}

/* ------------------------------------------------------- granularity */

static void test_granularity_rotates(void **state)
{
	struct sched_entity a, b;
	struct runq rq;
	uint32_t slice = expected_slice(255, ROUND);

	(void)state;
	assert_true(slice > 2 * GRAN); /* the case this test is about */
	runq_init(&rq, ROUND, GRAN);
	entity(&a, 250);
	entity(&b, 255);
	assert_int_equal(runq_enqueue(&rq, &a), 0);
	assert_int_equal(runq_enqueue(&rq, &b), 0);
	for (int i = 0; i < GRAN - 1; i++)
		assert_false(runq_tick(&rq, &a));
	assert_true(runq_tick(&rq, &a));
	assert_int_equal(runq_requeue(&rq, &a), RUNQ_ROTATED);
	/* back of its level in the runnable queue, remaining ticks kept */
	assert_ptr_equal(a.array, rq.runnable);
	assert_int_equal(a.ticks_left, slice - GRAN);
	assert_int_equal(a.ran, 0);
	assert_ptr_equal(runq_pick(&rq), &b);
	for (int i = 0; i < GRAN; i++)
		assert_ptr_equal(run_tick(&rq), &b);
	assert_ptr_equal(runq_pick(&rq), &a);
}

/* Alone at its level: picked again each time, expires after its slice. */
static void test_granularity_alone(void **state)
{
	struct sched_entity a, low;
	struct runq rq;
	uint32_t slice = expected_slice(255, ROUND);

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	entity(&a, 255);
	entity(&low, 1);
	assert_int_equal(runq_enqueue(&rq, &a), 0);
	assert_int_equal(runq_enqueue(&rq, &low), 0);
	for (uint32_t i = 0; i < slice; i++)
		assert_ptr_equal(run_tick(&rq), &a);
	assert_ptr_equal(a.array, rq.expired);
	assert_ptr_equal(runq_pick(&rq), &low);
}

/* ------------------------------------------------- starvation-freedom */

#define NR_SIM 24

/*
 * Everyone queued runs in every round, for exactly its slice, and nobody
 * waits longer than one round's worth of everyone else's slices.
 */
static void test_no_starvation(void **state)
{
	struct sched_entity se[NR_SIM];
	uint32_t ran[NR_SIM], last[NR_SIM];
	uint32_t total = 0;
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, 3);
	for (unsigned i = 0; i < NR_SIM; i++) {
		entity(&se[i], 1 + (i * 97) % 255);
		assert_int_equal(runq_enqueue(&rq, &se[i]), 0);
		total += expected_slice(se[i].priority, ROUND);
		last[i] = 0;
	}
	uint32_t now = 0;
	for (uint32_t round = 0; round < 10; round++) {
		uint32_t len = 0;

		memset(ran, 0, sizeof(ran));
		/* one round: until the next swap, which must come */
		while (runq_pick(&rq) && rq.rounds == round) {
			struct sched_entity *cur = run_tick(&rq);
			unsigned i = (unsigned)(cur - se);

			assert_true(++len <= total);
			now++;
			ran[i]++;
			assert_true(now - last[i] <= total);
			last[i] = now;
		}
		for (unsigned i = 0; i < NR_SIM; i++)
			assert_int_equal(ran[i],
					 expected_slice(se[i].priority, ROUND));
	}
}

/* ----------------------------------------- randomized, against a model */

#define NR_ENT	   48
#define MODEL_CAP  NR_ENT
#define STRESS_OPS 200000

struct model_ent {
	int queue; /* physical array 0/1, -1: not queued */
	uint32_t level;
	int32_t ticks;
	uint32_t ran;
};

struct model {
	int list[2][SCHED_NR_LEVELS][MODEL_CAP];
	unsigned len[2][SCHED_NR_LEVELS];
	int runnable; /* physical index of the runnable array */
	struct model_ent ent[NR_ENT];
	uint32_t rounds;
};

static uint32_t rng_state = 0x2545f491;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % n;
}

static void m_add(struct model *m, int q, int i)
{
	struct model_ent *e = &m->ent[i];

	m->list[q][e->level][m->len[q][e->level]++] = i;
	e->queue = q;
}

static void m_del(struct model *m, int i)
{
	struct model_ent *e = &m->ent[i];
	int *l = m->list[e->queue][e->level];
	unsigned *n = &m->len[e->queue][e->level], k = 0;

	while (l[k] != i)
		k++;
	memmove(&l[k], &l[k + 1], (*n - k - 1) * sizeof(*l));
	(*n)--;
	e->queue = -1;
}

static bool m_empty(const struct model *m, int q)
{
	for (unsigned l = 0; l < SCHED_NR_LEVELS; l++)
		if (m->len[q][l])
			return false;
	return true;
}

static int m_pick(struct model *m)
{
	if (m_empty(m, m->runnable)) {
		if (m_empty(m, !m->runnable))
			return -1;
		m->runnable = !m->runnable;
		m->rounds++;
	}
	for (int l = SCHED_NR_LEVELS - 1; l >= 0; l--)
		if (m->len[m->runnable][l])
			return m->list[m->runnable][l][0];
	return -1;
}

static void m_refill(struct model_ent *e, uint32_t prio)
{
	e->ticks = (int32_t)expected_slice(prio, ROUND);
	e->ran = 0;
}

/* The whole structure must match the model, links and bitmaps included. */
static void check(const struct runq *rq, const struct model *m,
		  const struct sched_entity *se)
{
	assert_ptr_equal(rq->runnable, &rq->arrays[m->runnable]);
	assert_ptr_equal(rq->expired, &rq->arrays[!m->runnable]);
	assert_int_equal(rq->rounds, m->rounds);
	for (int q = 0; q < 2; q++) {
		const struct runq_array *a = &rq->arrays[q];
		uint32_t nr = 0, bitmap = 0;

		for (unsigned l = 0; l < SCHED_NR_LEVELS; l++) {
			const struct sched_entity *p = a->level[l].head;
			const struct sched_entity *prev = NULL;

			for (unsigned k = 0; k < m->len[q][l]; k++) {
				assert_ptr_equal(p, &se[m->list[q][l][k]]);
				assert_ptr_equal(p->prev, prev);
				assert_ptr_equal(p->array, a);
				prev = p;
				p = p->next;
			}
			assert_null(p);
			assert_ptr_equal(a->level[l].tail, prev);
			nr += m->len[q][l];
			if (m->len[q][l])
				bitmap |= 1u << l;
		}
		assert_int_equal(a->nr, nr);
		assert_int_equal(a->bitmap, bitmap);
	}
	for (int i = 0; i < NR_ENT; i++) {
		const struct model_ent *e = &m->ent[i];

		if (e->queue < 0) {
			assert_null(se[i].array);
			continue;
		}
		assert_int_equal(se[i].ticks_left, e->ticks);
		assert_int_equal(se[i].ran, e->ran);
		assert_true(se[i].ticks_left >= 1);
	}
}

static int random_ent(const struct model *m, bool queued)
{
	for (int tries = 0; tries < 4 * NR_ENT; tries++) {
		int i = (int)rnd(NR_ENT);

		if ((m->ent[i].queue >= 0) == queued)
			return i;
	}
	return -1;
}

static void stress_enqueue(struct runq *rq, struct model *m,
			   struct sched_entity *se)
{
	int i = random_ent(m, false);

	if (i < 0)
		return;
	if (rnd(4) == 0) /* a priority change while off the queues */
		se[i].priority = 1 + rnd(255);
	m->ent[i].level = (se[i].priority - 1) / 16;
	if (m->ent[i].ticks < 1)
		m_refill(&m->ent[i], se[i].priority);
	m_add(m, m->runnable, i);
	assert_int_equal(runq_enqueue(rq, &se[i]), 0);
}

static void stress_dequeue(struct runq *rq, struct model *m,
			   struct sched_entity *se)
{
	int i = random_ent(m, true);

	if (i < 0)
		return;
	m_del(m, i);
	assert_int_equal(runq_dequeue(rq, &se[i]), 0);
}

/* Pick, then charge the picked entity one tick and requeue it. */
static void stress_tick(struct runq *rq, struct model *m,
			struct sched_entity *se)
{
	int i = m_pick(m);
	struct sched_entity *got = runq_pick(rq);

	if (i < 0) {
		assert_null(got);
		return;
	}
	assert_ptr_equal(got, &se[i]);

	struct model_ent *e = &m->ent[i];
	e->ticks--;
	e->ran++;
	bool resched = e->ticks < 1 || e->ran >= GRAN;
	assert_int_equal(runq_tick(rq, got), resched);
	if (!resched)
		return;
	/*
	 * A rotation may wait (a pick without requeue, say); an expiry never
	 * does: kernel_exit follows the tick that ended the slice at once.
	 */
	if (e->ticks >= 1 && rnd(8) == 0)
		return;
	enum runq_move want = RUNQ_KEPT;
	if (e->ticks < 1) {
		m_del(m, i);
		m_refill(e, se[i].priority);
		m_add(m, !m->runnable, i);
		want = RUNQ_EXPIRED;
	} else if (e->ran >= GRAN) {
		int q = e->queue;
		m_del(m, i);
		e->ran = 0;
		m_add(m, q, i);
		want = RUNQ_ROTATED;
	}
	assert_int_equal(runq_requeue(rq, got), want);
}

static void stress_expire(struct runq *rq, struct model *m,
			  struct sched_entity *se)
{
	int i = random_ent(m, true);

	if (i < 0)
		return;
	m_del(m, i);
	m_refill(&m->ent[i], se[i].priority);
	m_add(m, !m->runnable, i);
	assert_int_equal(runq_expire(rq, &se[i]), 0);
}

static void stress_split(struct runq *rq, struct model *m,
			 struct sched_entity *se)
{
	int p = random_ent(m, true), c = random_ent(m, false);

	(void)rq;
	if (p < 0 || c < 0)
		return;
	int32_t have = m->ent[p].ticks, give = have / 2;
	if (give < 1)
		give = 1;
	else
		have -= give;
	m->ent[p].ticks = have;
	m->ent[c].ticks = give;
	m->ent[c].ran = 0;
	runq_split_timeslice(&se[p], &se[c]);
}

static void test_stress_against_model(void **state)
{
	static struct sched_entity se[NR_ENT];
	static struct model m;
	struct runq rq;

	(void)state;
	runq_init(&rq, ROUND, GRAN);
	memset(&m, 0, sizeof(m));
	for (int i = 0; i < NR_ENT; i++) {
		entity(&se[i], 1 + rnd(255));
		m.ent[i].queue = -1;
	}
	for (int op = 0; op < STRESS_OPS; op++) {
		switch (rnd(10)) {
		case 0:
		case 1:
			stress_enqueue(&rq, &m, se);
			break;
		case 2:
			stress_dequeue(&rq, &m, se);
			break;
		case 3:
			stress_expire(&rq, &m, se);
			break;
		case 4:
			stress_split(&rq, &m, se);
			break;
		default:
			stress_tick(&rq, &m, se);
			break;
		}
		if (op % 16 == 0 || op > STRESS_OPS - 100)
			check(&rq, &m, se);
	}
	check(&rq, &m, se);
	assert_true(m.rounds > 100); /* the swap path was exercised */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_timeslice_never_zero),
		cmocka_unit_test(test_timeslice_monotonic),
		cmocka_unit_test(test_timeslice_proportional),
		cmocka_unit_test(test_timeslice_fixed_total),
		cmocka_unit_test(test_init_clamps),
		cmocka_unit_test(test_split_parent_one_tick),
		cmocka_unit_test(test_split_halves),
		cmocka_unit_test(test_split_chain),
		cmocka_unit_test(test_split_then_enqueue),
		cmocka_unit_test(test_pick_highest_level),
		cmocka_unit_test(test_fifo_within_level),
		cmocka_unit_test(test_outranks),
		cmocka_unit_test(test_dequeue_middle),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_requeue_keeps_ticks),
		cmocka_unit_test(test_expire_and_swap),
		cmocka_unit_test(test_loan_predicates),
		cmocka_unit_test(test_yield_expires),
		cmocka_unit_test(test_granularity_rotates),
		cmocka_unit_test(test_granularity_alone),
		cmocka_unit_test(test_no_starvation),
		cmocka_unit_test(test_stress_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
