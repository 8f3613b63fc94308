/*
 * work: the container "sched" schedules (configs/usched.toml). Its pager
 * is the kernel's; every thread it starts waits for sched's answer.
 *
 *  1. negative cases: sched_control without the capability, TC_RUN with
 *     a nice value out of range, a refused thread (TC_RUN -E_PERM, the
 *     thread ended with -E_PERM); a thread waiting for its answer (sched
 *     holds it) cannot be run or recycled again (-E_BUSY), and its
 *     starter, suspended and resumed, gets -E_INTR while the answer
 *     still starts the thread later;
 *  2. three CPU-bound threads (nice 0) spin for HOG_US beside an
 *     interactive thread (nice -10) that does a little work every
 *     PERIOD_US and measures how late it starts (it sleeps in a call to
 *     sched, which answers at its next event); the first hog starts a
 *     child once it has drifted down (sched checks it starts there);
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
#define FIRST_PERIOD_US 100000u
#define PERIODS 50
#define SCHED_TID 1 /* sched's pager: the first container's */
#define SLEEP_LABEL 1
#define REFUSE_NICE 19
#define DIE_NICE 18
#define HOLD_NICE 17 /* sched holds its answer until the next start */
#define SLOTS 12

static uint8_t stacks[SLOTS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[SLOTS] __attribute__((aligned(UTCB_SIZE)));
static unsigned next_slot;
static volatile uint32_t spins[SLOTS];
static uint32_t periods_run, late;
static uint64_t worst_latency, total_latency;
static int child_run = 1, child_code = 1;
static int no_cap, nice_high, nice_low, refused_run = 1, refused_code,
					 orphan_run = 1, orphan_code = 1,
					 late_code = 1, after_run = 1,
					 after_code = 1, runs_ok = 1;

static int held_busy_run = 1, held_busy_recycle = 1, held_starter = 1,
	   held_code = 1;

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

	while (sys_time_us() < HOG_US) {
		for (int k = 0; k < 256; k++)
			spins[i]++;
		if (!spawned && sys_time_us() >= CHILD_AT_US) {
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
		uint64_t start_at = FIRST_PERIOD_US + (uint64_t)k * PERIOD_US;
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

/* starts thread tid with a nice value sched holds the answer to */
static int run_held(uint32_t tid)
{
	return sys_thread_run_nice(tid, HOLD_NICE);
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
	TEST_ENTRY(work, nice_out_of_range_is_einval),
	TEST_ENTRY(work, refused_thread_is_torn_down),
	TEST_ENTRY(work, a_thread_waiting_for_its_answer_is_busy),
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
	/* 2. the interactive thread and the hogs (sched admits the held
	 * thread at the first of these starts) */
	runs_ok = 0;
	if (start(interactive, 0, TC_SAME_SPACE | TC_AS_PAGER, &tids[0]) <= 0 ||
	    sys_thread_run_nice((uint32_t)tids[0], -10) != 0)
		runs_ok = 1;
	for (uint32_t i = 0; i < HOGS; i++)
		if (start(hog, i, TC_SAME_SPACE | TC_AS_PAGER, &tids[i + 1]) <= 0 ||
		    sys_thread_run_nice((uint32_t)tids[i + 1], 0) != 0)
			runs_ok = 1;
	for (uint32_t i = 0; i <= HOGS; i++)
		wait_for(tids[i]);
	held_code = wait_for(held);
	printf("work: interactive: %u periods of %u us, %u late, latency "
	       "worst %u us mean %u us\n",
	       (unsigned)periods_run, (unsigned)PERIOD_US, (unsigned)late,
	       (unsigned)worst_latency,
	       (unsigned)(periods_run ? total_latency / periods_run : 0));
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
