/*
 * work: the container "sched" schedules (configs/usched.toml). Its pager
 * is the kernel's; every thread it starts waits for sched's answer.
 *
 *  1. negative cases: sched_control without the capability, TC_RUN with
 *     a nice value out of range, a refused thread (TC_RUN -E_PERM, the
 *     thread ended with -E_PERM); a thread waiting for its answer (sched
 *     holds it) cannot be run or recycled again (-E_BUSY), and its
 *     starter, suspended and resumed, gets -E_INTR while the answer
 *     still starts the thread later; a thread waiting for a quantum
 *     (sched holds that answer too) stays waiting through a suspend and
 *     resume and goes on with its registers intact once answered;
 *  2. three CPU-bound threads (nice 0) spin for HOG_US beside an
 *     interactive thread (nice -10) that does a little work every
 *     PERIOD_US and measures how late it starts (it sleeps in a call to
 *     sched, which answers at its next event); the first hog starts a
 *     child once it has drifted down (sched checks it starts there);
 *  2b. forwarding (after 2, whose timing it would change): sched
 *     forwards a start to sched2, which admits it (TC_RUN's r1 names
 *     sched2); one is forwarded back and forth until the kernel's bound,
 *     then sched admits it; sched2 dies holding one (it starts under the
 *     kernel); forwarding to dead sched2 fails;
 *  3. the scheduler's death: a thread is started with nice DIE_NICE
 *     (sched never answers it) while another spins through its quanta;
 *     sched exits once that one waits for a quantum. Both must go on
 *     under the kernel, and TC_RUN after that starts a thread at once.
 */
#include <stdbool.h>
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sched.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include <tessera/thread.h>

#define HOGS 3
#define HOG_US 1200000u
#define CHILD_AT_US 700000u
#define PERIOD_US 20000u
#define FIRST_PERIOD_US 20000u /* after phase 2 begins */
#define PERIODS 50
#define SCHED_TID 1 /* sched's pager: the first container's */
#define SLEEP_LABEL 1
#define REFUSE_NICE 19
#define DIE_NICE 18
#define HOLD_NICE 17 /* sched holds its answer until the next start */
#define SLOW_NICE 16 /* and its answer to the first used-up quantum */
#define FWD_NICE 15 /* sched forwards it to sched2, which admits it */
#define BOUNCE_NICE 14 /* forwarded back and forth until the bound */
#define FWD_DIE_NICE 13 /* forwarded to sched2, which dies holding it */
#define DEAD_FWD_NICE 12 /* forwarding it to dead sched2 fails */
#define SCHED_INDEX 0	/* containers of configs/usched.toml */
#define SCHED2_INDEX 3
#define MIX_TURNS 8000000u
#define SLOTS 20

static uint8_t stacks[SLOTS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[SLOTS] __attribute__((aligned(UTCB_SIZE)));
static unsigned next_slot;
static volatile uint32_t spins[SLOTS];
static uint64_t phase2_us; /* the times below count from here */
static uint32_t periods_run, late;
static uint64_t worst_latency, total_latency;
static int child_run = 1, child_code = 1;
static int no_cap, nice_high, nice_low, refused_run = 1, refused_code,
					 orphan_run = 1, orphan_code = 1,
					 late_code = 1, after_run = 1,
					 after_code = 1, runs_ok = 1;

static int held_busy_run = 1, held_busy_recycle = 1, held_starter = 1,
	   held_code = 1, slow_code = -1, slow_expected = -2;
static bool slow_stopped, slow_stayed;
/* forwarding: TC_RUN's results, the admitting container, exit codes */
static int fwd_no_cap = 1, fwd_run[4] = {1, 1, 1, 1},
	   fwd_code[4] = {1, 1, 1, 1};
static uint32_t fwd_by[4] = {99, 99, 99, 99};
static volatile uint32_t slow_progress;

static int start(int (*fn)(uint32_t), uint32_t arg, uint32_t flags,
		 int *tid)
{
	unsigned s = next_slot++;

	*tid = thread_prepare(flags, 0, (uint32_t)(uintptr_t)thread_call_entry,
			      (uint32_t)(uintptr_t)&stacks[s][sizeof(stacks[s])],
			      (uint32_t)(uintptr_t)fn, arg, &utcbs[s]);
	return *tid;
}

static int wait_for(int tid)
{
	return sys_thread_wait((uint32_t)tid, NULL);
}

static int child(uint32_t i)
{
	for (uint32_t k = 0; k < 10000; k++)
		spins[i]++;
	return 7;
}

static int hog(uint32_t i)
{
	bool spawned = i != 0;

	while (sys_time_us() < phase2_us + HOG_US) {
		for (int k = 0; k < 256; k++)
			spins[i]++;
		if (!spawned && sys_time_us() >= phase2_us + CHILD_AT_US) {
			int tid;
			spawned = true;
			if (start(child, SLOTS - 1,
				  TC_SAME_SPACE | TC_AS_PAGER, &tid) > 0) {
				child_run = sys_thread_run_nice((uint32_t)tid, 0);
				child_code = wait_for(tid);
			}
		}
	}
	return 0;
}

static void work(void)
{
	for (volatile uint32_t i = 0; i < 20000; i++)
		;
}

static int interactive(uint32_t i)
{
	(void)i;
	for (uint32_t k = 0; k < PERIODS; k++) {
		uint64_t start_at =
		    phase2_us + FIRST_PERIOD_US + (uint64_t)k * PERIOD_US;
		uint64_t t;

		struct ipc_msg m = {IPC_TAG(SLEEP_LABEL, 0, IPC_TYPE_SHORT, 0),
				    {(uint32_t)start_at, 0, 0, 0}, 0};
		if (sys_time_us() < start_at)
			ipc_call(SCHED_TID, &m);
		while ((t = sys_time_us()) < start_at)
			sys_yield();
		uint64_t latency = t - start_at;
		if (latency >= PERIOD_US)
			late++;
		work();
		periods_run++;
		total_latency += latency;
		if (latency > worst_latency)
			worst_latency = latency;
	}
	return 0;
}

/* a computation held in registers: preempted and resumed, it must give
 * the same result */
static uint32_t mix(uint32_t n)
{
	uint32_t a = 1, b = 2;

	for (uint32_t i = 1; i <= n; i++) {
		a = a * 1664525u + 1013904223u + b;
		b ^= a >> 7;
		if (!(i & 4095))
			slow_progress = i;
	}
	return a ^ b;
}

static int slow(uint32_t n)
{
	return (int)(mix(n) & 0x7fffffffu);
}

/* starts thread tid with a nice value sched holds the answer to */
static int run_held(uint32_t tid)
{
	return sys_thread_run_nice(tid, HOLD_NICE);
}

/* spins through a few quanta (sched2 answers them) */
static int fwd_hog(uint32_t i)
{
	uint64_t until = sys_time_us() + 40000u;

	while (sys_time_us() < until)
		spins[i]++;
	return 7;
}

/* spins through several quanta: it waits for one when sched dies */
static int late_hog(uint32_t i)
{
	uint64_t until = sys_time_us() + 200000u;

	while (sys_time_us() < until)
		spins[i]++;
	return 5;
}

TEST_CASE(work, sched_control_needs_the_capability)
{
	EXPECT_ERR(no_cap, -E_PERM);
	EXPECT_ERR(fwd_no_cap, -E_PERM);
}

TEST_CASE(work, a_forwarded_start_names_its_scheduler)
{
	EXPECT_EQ(fwd_run[0], 0);
	EXPECT_EQ(fwd_by[0], SCHED2_INDEX); /* forwarded, admitted there */
	EXPECT_EQ(fwd_code[0], 7);
	EXPECT_EQ(fwd_run[1], 0);
	EXPECT_EQ(fwd_by[1], SCHED_INDEX); /* back and forth, then sched */
	EXPECT_EQ(fwd_code[1], 7);
}

TEST_CASE(work, forward_targets_death_releases_the_start)
{
	EXPECT_EQ(fwd_run[2], 0);
	EXPECT_EQ(fwd_by[2], SCHED_BY_KERNEL); /* sched2 died holding it */
	EXPECT_EQ(fwd_code[2], 7);
	EXPECT_EQ(fwd_run[3], 0);
	EXPECT_EQ(fwd_by[3], SCHED_INDEX); /* sched2 dead: sched keeps it */
	EXPECT_EQ(fwd_code[3], 7);
}

TEST_CASE(work, nice_out_of_range_is_einval)
{
	EXPECT_ERR(nice_high, -E_INVAL);
	EXPECT_ERR(nice_low, -E_INVAL);
}

TEST_CASE(work, refused_thread_is_torn_down)
{
	EXPECT_ERR(refused_run, -E_PERM);
	EXPECT_ERR(refused_code, -E_PERM);
}

TEST_CASE(work, a_thread_waiting_for_its_answer_is_busy)
{
	EXPECT_ERR(held_busy_run, -E_BUSY);
	EXPECT_ERR(held_busy_recycle, -E_BUSY);
	EXPECT_ERR(held_starter, -E_INTR); /* suspended while it waited */
	EXPECT_EQ(held_code, 7);	    /* admitted later all the same */
}

TEST_CASE(work, a_thread_waiting_for_a_quantum_stays_waiting)
{
	EXPECT_TRUE(slow_stopped); /* its quantum ran out, no answer yet */
	EXPECT_TRUE(slow_stayed);  /* suspend + resume did not start it */
	EXPECT_EQ(slow_code, slow_expected); /* registers intact */
}

TEST_CASE(work, admitted_threads_ran)
{
	EXPECT_EQ(runs_ok, 0);
	EXPECT_EQ(child_run, 0);
	EXPECT_EQ(child_code, 7);
}

TEST_CASE(work, interactive_kept_its_latency)
{
	EXPECT_EQ(periods_run, PERIODS);
	EXPECT_EQ(late, 0);
}

TEST_CASE(work, scheduler_death_releases_every_thread)
{
	EXPECT_EQ(orphan_run, 0);  /* its start fell back to the kernel */
	EXPECT_EQ(orphan_code, 7);
	EXPECT_EQ(late_code, 5);   /* its quantum wait ended */
	EXPECT_EQ(after_run, 0);   /* no scheduler: started at once */
	EXPECT_EQ(after_code, 7);
}

static const struct test_case work_tests[] = {
	TEST_ENTRY(work, sched_control_needs_the_capability),
	TEST_ENTRY(work, a_forwarded_start_names_its_scheduler),
	TEST_ENTRY(work, forward_targets_death_releases_the_start),
	TEST_ENTRY(work, nice_out_of_range_is_einval),
	TEST_ENTRY(work, refused_thread_is_torn_down),
	TEST_ENTRY(work, a_thread_waiting_for_its_answer_is_busy),
	TEST_ENTRY(work, a_thread_waiting_for_a_quantum_stays_waiting),
	TEST_ENTRY(work, admitted_threads_ran),
	TEST_ENTRY(work, interactive_kept_its_latency),
	TEST_ENTRY(work, scheduler_death_releases_every_thread),
	TEST_TABLE_END,
};

int main(void)
{
	static const struct test_case *const tables[] = {work_tests, NULL};
	int tids[HOGS + 1], tid;

	no_cap = sys_sched_control(SCHED_SET, 0, 100, 2);
	fwd_no_cap = sys_sched_control(SCHED_FORWARD, 0, SCHED2_INDEX, 0);
	/* 1. refused, and nice values out of range */
	if (start(child, 0, TC_SAME_SPACE | TC_AS_PAGER, &tid) > 0) {
		nice_high = sys_thread_run_nice((uint32_t)tid, 20);
		nice_low = sys_thread_run_nice((uint32_t)tid, -21);
		refused_run = sys_thread_run_nice((uint32_t)tid, REFUSE_NICE);
		refused_code = wait_for(tid);
	}
	/* 1b. a thread whose answer sched holds */
	int held, starter;
	if (start(child, 0, TC_SAME_SPACE | TC_AS_PAGER, &held) > 0 &&
	    start(run_held, (uint32_t)held, TC_SAME_SPACE | TC_AS_PAGER,
		  &starter) > 0 &&
	    sys_thread_run_nice((uint32_t)starter, 0) == 0) {
		sys_pause_ticks(3); /* it runs and waits in TC_RUN */
		held_busy_run = sys_thread_run_nice((uint32_t)held, 0);
		held_busy_recycle = sys_thread_op(TC_RECYCLE, (uint32_t)held, 0);
		sys_thread_suspend((uint32_t)starter);
		sys_thread_resume((uint32_t)starter);
		held_starter = wait_for(starter);
	}
	/* 1c. a thread whose first used-up quantum sched leaves unanswered */
	int slow_tid;
	slow_expected = (int)(mix(MIX_TURNS) & 0x7fffffffu);
	slow_progress = 0;
	if (start(slow, MIX_TURNS, TC_SAME_SPACE | TC_AS_PAGER, &slow_tid) > 0 &&
	    sys_thread_run_nice((uint32_t)slow_tid, SLOW_NICE) == 0) {
		uint32_t p0;
		for (int k = 0; k < 100; k++) { /* until it stops moving */
			p0 = slow_progress;
			sys_pause_ticks(3);
			if (p0 && slow_progress == p0) {
				slow_stopped = true;
				break;
			}
		}
		sys_thread_suspend((uint32_t)slow_tid);
		sys_thread_resume((uint32_t)slow_tid);
		p0 = slow_progress;
		sys_pause_ticks(3);
		slow_stayed = slow_progress == p0;
	}
	/* sched answers the held thread and quantum at this start */
	int dummy;
	if (start(child, 0, TC_SAME_SPACE | TC_AS_PAGER, &dummy) > 0 &&
	    sys_thread_run_nice((uint32_t)dummy, 0) == 0)
		wait_for(dummy);
	held_code = wait_for(held);
	slow_code = wait_for(slow_tid);
	/* 2. the interactive thread and the hogs */
	runs_ok = 0;
	/* on a tick: the interactive thread's periods start on ticks */
	phase2_us = (sys_time_us() / 10000u + 1) * 10000u;
	if (start(interactive, 0, TC_SAME_SPACE | TC_AS_PAGER, &tids[0]) <= 0 ||
	    sys_thread_run_nice((uint32_t)tids[0], -10) != 0)
		runs_ok = 1;
	for (uint32_t i = 0; i < HOGS; i++)
		if (start(hog, i, TC_SAME_SPACE | TC_AS_PAGER, &tids[i + 1]) <= 0 ||
		    sys_thread_run_nice((uint32_t)tids[i + 1], 0) != 0)
			runs_ok = 1;
	for (uint32_t i = 0; i <= HOGS; i++)
		wait_for(tids[i]);
	printf("work: interactive: %u periods of %u us, %u late, latency "
	       "worst %u us mean %u us\n",
	       (unsigned)periods_run, (unsigned)PERIOD_US, (unsigned)late,
	       (unsigned)worst_latency,
	       (unsigned)(periods_run ? total_latency / periods_run : 0));
	/* 2b. forwarded starts (sched to sched2 and back; sched2's death) */
	static const int fwd_nice[4] = {FWD_NICE, BOUNCE_NICE, FWD_DIE_NICE,
					DEAD_FWD_NICE};
	for (unsigned i = 0; i < 4; i++) {
		int ft;
		if (start(i ? child : fwd_hog, 6 + i,
			  TC_SAME_SPACE | TC_AS_PAGER, &ft) <= 0)
			continue;
		fwd_run[i] = sys_thread_run_by((uint32_t)ft, fwd_nice[i],
					       &fwd_by[i]);
		fwd_code[i] = wait_for(ft);
	}
	/* 3. the scheduler's death */
	int lt;
	if (start(late_hog, 4, TC_SAME_SPACE | TC_AS_PAGER, &lt) > 0 &&
	    sys_thread_run_nice((uint32_t)lt, 0) == 0) {
		if (start(child, 5, TC_SAME_SPACE | TC_AS_PAGER, &tid) > 0) {
			orphan_run = sys_thread_run_nice((uint32_t)tid, DIE_NICE);
			orphan_code = wait_for(tid);
		}
		late_code = wait_for(lt);
	}
	if (start(child, 5, TC_SAME_SPACE | TC_AS_PAGER, &tid) > 0) {
		after_run = sys_thread_run_nice((uint32_t)tid, 0);
		after_code = wait_for(tid);
	}
	return test_run(tables) ? 1 : 0;
}
