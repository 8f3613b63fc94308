/*
 * sched: a user-level scheduler (docs/scheduling.md, "User-level
 * scheduler") for the container "work" (configs/usched.toml), with a
 * multilevel-feedback policy over the kernel's 16 levels as queues:
 *
 *  - a new thread gets the queue its nice value allows (the user
 *    library's conversion), but never above the one its creator runs in
 *    now (the start message's MR1): a child starts where its parent is;
 *  - a thread that used up its whole quantum drops one queue;
 *  - every AGE_TICKS each thread below its queue is lifted one back.
 *
 * It also serves one sleeper: a call with label SLEEP_LABEL (MR0 = the
 * microsecond to wake at) is answered at the first event after that time;
 * work's interactive thread waits so. The events are the hogs' quanta, a
 * tick each, so a sleeper is woken within about a tick.
 *
 * It runs the negative cases of sched_control on the way (TEST lines at
 * the end) and prints, per thread, the queues it went through. A thread
 * started with nice HOLD_NICE gets its answer only at the next start, and
 * so does the first used-up quantum of one started with nice SLOW_NICE
 * (so that work can try these waiting states); one started with nice DIE_NICE
 * makes it stop answering; starts with nice FWD_NICE, BOUNCE_NICE,
 * FWD_DIE_NICE and DEAD_FWD_NICE go through sched_control FORWARD to
 * sched2 (forwarding()); once a thread waits
 * for a quantum unanswered it exits, so that "work" can check that the
 * scheduler's death leaves no thread stuck.
 */
#include <stdbool.h>
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sched.h>
#include <tessera/sys.h>
#include <tessera/test.h>

#define QUANTUM 1	  /* ticks */
#define SLEEP_LABEL 1
#define AGE_TICKS 40	  /* ticks between two liftings */
#define WORK_MAX_PRIO 250 /* work's manifest priority */
#define REFUSE_NICE 19	  /* work's signals (work/main.c) */
#define DIE_NICE 18
#define HOLD_NICE 17	  /* answered at the next start */
#define SLOW_NICE 16	  /* its first used-up quantum: the same */
#define FWD_NICE 15	  /* forwarded to sched2, which admits it */
#define BOUNCE_NICE 14	  /* forwarded back and forth to the bound */
#define FWD_DIE_NICE 13	  /* forwarded to sched2, which dies with it */
#define DEAD_FWD_NICE 12  /* forwarded to sched2 once it is dead */
#define BYSTANDER_TID 3   /* the third container's pager */
#define WORK_INDEX 1	  /* containers of configs/usched.toml */
#define BYSTANDER_INDEX 2
#define SCHED2_INDEX 3
#define MAX_THREADS 16
#define PATH 40

struct ent {
	uint32_t tid;
	bool live;
	int nice;
	uint32_t prio, max, start_queue, lowest;
	uint32_t used_up, lifted;
	uint32_t path_len;
	uint8_t path[PATH]; /* its queues, in order */
};

static struct ent ents[MAX_THREADS];
static uint32_t last_age;
static bool dying;
static uint32_t sleeper, held, held_quantum;
static bool slow_held_once;
static uint64_t wake_at;

/* recorded results, checked by the TEST cases at the end */
static int bad_args[8], admit_twice = 1, set_starting = 1, refuse_twice = 1,
			unscheduled = 1, foreign = 1, above_max = 1,
			pager_set = 1, answered_dead = 1;
static bool saw_child, child_where_parent;
static uint32_t child_queue, child_parent_queue, child_max_queue;
static uint32_t starts, stops, quanta, refused;
/* forwarding (FORWARD's results, checked at the end) */
static uint32_t fwd_tid, fwd_msgs_here;
static int fwd_bystander = 1, fwd_self = 1, fwd_none = 1, fwd_work = 1,
	   fwd_ok = 1, fwd_twice = 1, fwd_admit_after = 1, fwd_get = -1,
	   fwd_die = 1, fwd_dead = 1;
static int bounce[3] = {1, 1, 1};
static unsigned bounce_seen;

/* Forwarding's cases; true when the start was passed on (not ours now). */
static bool forwarding(uint32_t tid, int nice)
{
	if (nice == FWD_NICE && !fwd_tid) {
		fwd_tid = tid;
		fwd_bystander = sys_sched_control(SCHED_FORWARD, tid,
						  BYSTANDER_INDEX, 0);
		fwd_self = sys_sched_control(SCHED_FORWARD, tid, 0, 0);
		fwd_none = sys_sched_control(SCHED_FORWARD, tid, 99, 0);
		fwd_work = sys_sched_control(SCHED_FORWARD, tid, WORK_INDEX, 0);
		fwd_ok = sys_sched_control(SCHED_FORWARD, tid, SCHED2_INDEX, 0);
		fwd_twice = sys_sched_control(SCHED_FORWARD, tid, SCHED2_INDEX,
					      0);
		fwd_admit_after = sys_sched_control(SCHED_ADMIT, tid, 100,
						    QUANTUM);
		fwd_get = sys_sched_control(SCHED_GET, tid, 0, 0);
		return fwd_ok == 0;
	}
	if (nice == BOUNCE_NICE && bounce_seen < 3) {
		int r = sys_sched_control(SCHED_FORWARD, tid, SCHED2_INDEX, 0);
		bounce[bounce_seen++] = r;
		return r == 0; /* beyond the bound: admitted here */
	}
	if (nice == FWD_DIE_NICE) {
		fwd_die = sys_sched_control(SCHED_FORWARD, tid, SCHED2_INDEX, 0);
		return fwd_die == 0;
	}
	if (nice == DEAD_FWD_NICE) {
		fwd_dead = sys_sched_control(SCHED_FORWARD, tid, SCHED2_INDEX,
					     0);
		return fwd_dead == 0;
	}
	return false;
}

static uint32_t now_ticks(void)
{
	uint64_t t;
	uint32_t hz;

	sys_time(&t, &hz);
	return (uint32_t)t;
}

static struct ent *find(uint32_t tid)
{
	for (unsigned i = 0; i < MAX_THREADS; i++)
		if (ents[i].tid == tid && ents[i].live)
			return &ents[i];
	return NULL;
}

static void note_queue(struct ent *e)
{
	uint32_t q = sched_queue_of(e->prio);

	if (q < e->lowest)
		e->lowest = q;
	if (e->path_len < PATH &&
	    (!e->path_len || e->path[e->path_len - 1] != q))
		e->path[e->path_len++] = (uint8_t)q;
}

static struct ent *fresh(uint32_t tid, int nice)
{
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		if (ents[i].tid)
			continue;
		ents[i] = (struct ent){.tid = tid, .live = true, .nice = nice,
				       .lowest = SCHED_QUEUES};
		return &ents[i];
	}
	return NULL;
}

static uint32_t clamp_max(uint32_t p)
{
	return p > WORK_MAX_PRIO ? WORK_MAX_PRIO : p;
}

/* The negative cases that need a thread waiting for its admission. */
static void check_on_starting(uint32_t tid)
{
	static const uint32_t bad[][3] = {
		{0, 100, QUANTUM},	  {4, 100, QUANTUM},
		{SCHED_ADMIT, 0, QUANTUM}, {SCHED_ADMIT, 256, QUANTUM},
		{SCHED_ADMIT, 100, 0},
		{SCHED_ADMIT, 100, SCHED_QUANTUM_MAX + 1},
		{SCHED_SET, 100, 0},	   {SCHED_SET, 0xffffffffu, 1},
	};
	for (unsigned i = 0; i < 8; i++)
		bad_args[i] = sys_sched_control(bad[i][0], tid, bad[i][1],
						bad[i][2]);
	set_starting = sys_sched_control(SCHED_SET, tid, 100, QUANTUM);
	above_max = sys_sched_control(SCHED_ADMIT, tid, WORK_MAX_PRIO + 1,
				      QUANTUM);
	foreign = sys_sched_control(SCHED_SET, BYSTANDER_TID, 100, QUANTUM);
	/* work's pager is work's but kernel-scheduled */
	unscheduled = sys_sched_control(SCHED_SET, 2, 100, QUANTUM);
	pager_set = sys_sched_control(SCHED_ADMIT, 0, 100, QUANTUM);
}

static void on_start(uint32_t tid, uint32_t creator, uint32_t cprio,
		     int nice)
{
	if (forwarding(tid, nice))
		return;
	if (nice == DIE_NICE) {
		dying = true; /* left unanswered: its TC_RUN waits */
		return;
	}
	if (nice == HOLD_NICE && !held) {
		held = tid; /* its starter waits meanwhile */
		return;
	}
	if (held) {
		uint32_t h = held;
		held = 0;
		on_start(h, 0, 0, 0);
	}
	if (held_quantum) {
		struct ent *q = find(held_quantum);
		if (q)
			sys_sched_control(SCHED_SET, q->tid, q->prio, QUANTUM);
		held_quantum = 0;
	}
	if (nice == REFUSE_NICE) {
		refused += sys_sched_control(SCHED_REFUSE, tid, 0, 0) == 0;
		refuse_twice = sys_sched_control(SCHED_REFUSE, tid, 0, 0);
		return;
	}
	struct ent *e = fresh(tid, nice);
	if (!e) {
		sys_sched_control(SCHED_REFUSE, tid, 0, 0);
		return;
	}
	static bool checked;
	bool first = !checked;
	if (first)
		check_on_starting(tid);
	checked = true;
	e->max = clamp_max(sched_nice_to_priority(nice));
	/* where its creator runs now, never above its own maximum */
	e->prio = cprio && cprio < e->max ? cprio : e->max;
	e->start_queue = sched_queue_of(e->prio);
	note_queue(e);
	struct ent *parent = find(creator);
	if (parent) {
		saw_child = true;
		child_queue = e->start_queue;
		child_parent_queue = sched_queue_of(parent->prio);
		child_max_queue = sched_queue_of(e->max);
		child_where_parent = child_queue == child_parent_queue &&
				     child_queue < child_max_queue;
		printf("sched: child %u of %u starts in queue %u, where its "
		       "parent runs now (its nice allows queue %u)\n",
		       (unsigned)tid, (unsigned)creator,
		       (unsigned)child_queue, (unsigned)child_max_queue);
	}
	int err = sys_sched_control(SCHED_ADMIT, tid, e->prio, QUANTUM);
	if (err)
		printf("sched: admit %u: %d\n", (unsigned)tid, err);
	if (first)
		admit_twice = sys_sched_control(SCHED_ADMIT, tid, e->prio,
						QUANTUM);
}

static void on_quantum(uint32_t tid)
{
	struct ent *e = find(tid);

	quanta++;
	if (tid == fwd_tid)
		fwd_msgs_here++; /* sched2's, not ours */
	if (dying || !e)
		return; /* unanswered: it waits until this scheduler dies */
	if (e->nice == SLOW_NICE && !slow_held_once) {
		slow_held_once = true; /* answered at the next start */
		held_quantum = tid;
		return;
	}
	e->used_up++;
	if (e->prio > 16)
		e->prio -= 16; /* used it all: one queue down */
	note_queue(e);
	sys_sched_control(SCHED_SET, tid, e->prio, QUANTUM);
}

static void on_stop(uint32_t tid)
{
	struct ent *e = find(tid);

	stops++;
	if (tid == fwd_tid)
		fwd_msgs_here++;
	if (!e)
		return;
	e->live = false;
	/* an answer for a thread that has ended names nothing of ours */
	answered_dead = sys_sched_control(SCHED_SET, tid, e->prio, QUANTUM);
}

static void age(void)
{
	uint32_t now = now_ticks();

	if (dying || now - last_age < AGE_TICKS)
		return;
	last_age = now;
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		struct ent *e = &ents[i];
		if (!e->live || e->prio + 16 > e->max)
			continue;
		e->prio += 16;
		e->lifted++;
		note_queue(e);
		sys_sched_control(SCHED_SET, e->tid, e->prio, QUANTUM);
	}
}

static void report(void)
{
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		struct ent *e = &ents[i];
		char path[4 * PATH + 1];
		unsigned n = 0;

		if (!e->tid)
			continue;
		for (unsigned k = 0; k < e->path_len; k++) {
			path[n++] = k ? ',' : ' ';
			if (e->path[k] >= 10)
				path[n++] = (char)('0' + e->path[k] / 10);
			path[n++] = (char)('0' + e->path[k] % 10);
		}
		path[n] = 0;
		printf("sched: thread %u nice %d: queue %u at start (max %u), "
		       "lowest %u, %u quanta used up, lifted %u times; "
		       "queues%s\n",
		       (unsigned)e->tid, e->nice, (unsigned)e->start_queue,
		       (unsigned)sched_queue_of(e->max), (unsigned)e->lowest,
		       (unsigned)e->used_up, (unsigned)e->lifted, path);
	}
	printf("sched: %u starts, %u stops, %u quanta, %u refused\n",
	       (unsigned)starts, (unsigned)stops, (unsigned)quanta,
	       (unsigned)refused);
}

TEST_CASE(sched, nice_round_trips)
{
	for (int n = SCHED_NICE_MIN; n <= SCHED_NICE_MAX; n++) {
		uint32_t p = sched_nice_to_priority(n);
		EXPECT_EQ(sched_priority_to_nice(p), n);
		EXPECT_TRUE(p >= 1 && p <= 255);
		if (n > SCHED_NICE_MIN)
			EXPECT_LT(p, sched_nice_to_priority(n - 1));
	}
	for (uint32_t p = 0; p <= 256; p++) {
		int n = sched_priority_to_nice(p);
		EXPECT_TRUE(n >= SCHED_NICE_MIN && n <= SCHED_NICE_MAX);
		uint32_t back = sched_nice_to_priority(n);
		uint32_t d = back > p ? back - p : p - back;
		if (p >= 21 && p <= 255)
			EXPECT_LE(d, 3); /* the nearest nice value's */
	}
	EXPECT_EQ(sched_queue_of(sched_nice_to_priority(-20)), 15);
	EXPECT_EQ(sched_queue_of(sched_nice_to_priority(0)), 8);
	EXPECT_EQ(sched_queue_of(sched_nice_to_priority(19)), 1);
}

TEST_CASE(sched, bad_arguments_are_einval)
{
	for (unsigned i = 0; i < 8; i++)
		EXPECT_ERR(bad_args[i], -E_INVAL);
	EXPECT_ERR(above_max, -E_INVAL);
}

TEST_CASE(sched, answering_twice_is_ebusy)
{
	EXPECT_ERR(admit_twice, -E_BUSY);
	EXPECT_ERR(set_starting, -E_BUSY);
}

TEST_CASE(sched, refused_once)
{
	EXPECT_EQ(refused, 1);
	EXPECT_ERR(refuse_twice, -E_PERM); /* it has ended: not ours */
}

TEST_CASE(sched, other_containers_threads_are_eperm)
{
	EXPECT_ERR(foreign, -E_PERM);
	EXPECT_ERR(pager_set, -E_PERM); /* itself: no capability */
	EXPECT_ERR(answered_dead, -E_PERM);
}

TEST_CASE(sched, unscheduled_thread_is_einval)
{
	EXPECT_ERR(unscheduled, -E_INVAL);
}

TEST_CASE(sched, cpu_bound_threads_drift_down)
{
	unsigned hogs = 0;

	for (unsigned i = 0; i < MAX_THREADS; i++) {
		struct ent *e = &ents[i];
		if (e->nice != 0 || e->used_up < 3)
			continue;
		hogs++;
		EXPECT_LT(e->lowest, e->start_queue);
		EXPECT_GT(e->lifted, 0);
	}
	EXPECT_GE(hogs, 3);
}

TEST_CASE(sched, child_starts_where_its_parent_runs)
{
	EXPECT_TRUE(saw_child);
	EXPECT_EQ(child_queue, child_parent_queue);
	EXPECT_LT(child_queue, child_max_queue);
	EXPECT_TRUE(child_where_parent);
}

TEST_CASE(sched, forward_checks)
{
	EXPECT_ERR(fwd_bystander, -E_PERM); /* not a scheduler of work */
	EXPECT_ERR(fwd_work, -E_PERM);	    /* work itself */
	EXPECT_ERR(fwd_self, -E_INVAL);	    /* to itself */
	EXPECT_ERR(fwd_none, -E_INVAL);	    /* no such container */
	EXPECT_EQ(fwd_ok, 0);
	EXPECT_ERR(fwd_twice, -E_PERM);	    /* sched2's now */
	EXPECT_ERR(fwd_admit_after, -E_PERM);
	EXPECT_EQ(fwd_get, SCHED2_INDEX);
	EXPECT_EQ(fwd_msgs_here, 0); /* its quanta and stop go to sched2 */
}

TEST_CASE(sched, forwarding_is_bounded)
{
	EXPECT_EQ(bounce_seen, 3);
	EXPECT_EQ(bounce[0], 0);
	EXPECT_EQ(bounce[1], 0);
	EXPECT_ERR(bounce[2], -E_BUDGET); /* the fifth forward */
}

TEST_CASE(sched, forward_to_a_dead_scheduler)
{
	EXPECT_EQ(fwd_die, 0);
	EXPECT_ERR(fwd_dead, -E_DEAD);
}

static const struct test_case sched_tests[] = {
	TEST_ENTRY(sched, nice_round_trips),
	TEST_ENTRY(sched, bad_arguments_are_einval),
	TEST_ENTRY(sched, answering_twice_is_ebusy),
	TEST_ENTRY(sched, refused_once),
	TEST_ENTRY(sched, other_containers_threads_are_eperm),
	TEST_ENTRY(sched, unscheduled_thread_is_einval),
	TEST_ENTRY(sched, cpu_bound_threads_drift_down),
	TEST_ENTRY(sched, child_starts_where_its_parent_runs),
	TEST_ENTRY(sched, forward_checks),
	TEST_ENTRY(sched, forwarding_is_bounded),
	TEST_ENTRY(sched, forward_to_a_dead_scheduler),
	TEST_TABLE_END,
};

int main(void)
{
	static const struct test_case *const tables[] = {sched_tests, NULL};
	struct ipc_msg m = {0};

	last_age = now_ticks();
	for (;;) {
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		switch (IPC_TAG_LABEL(m.tag)) {
		case IPC_LABEL_SCHED_START:
			starts++;
			on_start(m.from, m.mr[0], m.mr[1], (int)m.mr[2]);
			break;
		case IPC_LABEL_SCHED_QUANTUM:
			on_quantum(m.from);
			if (dying) {
				/* m.from now waits for a quantum we never
				 * give: our death must release it */
				report();
				return test_run(tables) ? 1 : 0;
			}
			break;
		case IPC_LABEL_SCHED_STOP:
			on_stop(m.from);
			break;
		case SLEEP_LABEL:
			sleeper = m.from;
			wake_at = m.mr[0];
			break;
		}
		if (sleeper && sys_time_us() >= wake_at) {
			m.tag = IPC_TAG(SLEEP_LABEL, 0, IPC_TYPE_SHORT,
					IPC_NONBLOCK);
			ipc_send(sleeper, &m);
			sleeper = 0;
		}
		age();
	}
}
