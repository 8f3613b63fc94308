/*
 * sched2: a forward scheduler of "work" (configs/usched.toml,
 * forward_schedulers = ["sched2"]; docs/scheduling.md, "Forwarding").
 * The kernel sends it no first start: only the starts sched forwards to
 * it. By the nice value in the start message (work/main.c):
 *
 *  - FWD_NICE: FORWARD's negative cases from the receiving side (to the
 *    thread's own container, to itself), then it admits the thread; the
 *    thread's quanta and its stop come here from then on, and a FORWARD
 *    of the admitted thread is -E_BUSY;
 *  - BOUNCE_NICE: forwarded back to sched each time (sched forwards it
 *    here again until the kernel's bound stops it);
 *  - FWD_DIE_NICE: it reports and exits holding that start, which the
 *    kernel must hand back (the thread starts, its TC_RUN returns 0).
 */
#include <stdbool.h>
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sched.h>
#include <tessera/sys.h>
#include <tessera/test.h>

#define QUANTUM 1
#define FWD_NICE 15 /* work/main.c and sched/main.c */
#define BOUNCE_NICE 14
#define FWD_DIE_NICE 13
#define SCHED_INDEX 0 /* containers of configs/usched.toml */
#define WORK_INDEX 1
#define SELF_INDEX 3
#define WORK_PAGER 2

static uint32_t fwd_tid, starts, quanta, stops, other_msgs;
static int fwd_nice = 99, stop_code = -1;
static uint32_t creator, run_by;
static int to_work = 1, to_self = 1, get_before = -1, get_after = -1,
	   admitted = 1, fwd_admitted = 1, others_thread = 1;
static int back[2] = {1, 1};
static unsigned bounces;

static void on_start(uint32_t tid, uint32_t mr0, uint32_t mr2, uint32_t mr3)
{
	int nice = (int)mr2;

	starts++;
	if (nice == FWD_NICE && !fwd_tid) {
		fwd_tid = tid;
		fwd_nice = nice;
		creator = mr0;
		run_by = mr3;
		to_work = sys_sched_control(SCHED_FORWARD, tid, WORK_INDEX, 0);
		to_self = sys_sched_control(SCHED_FORWARD, tid, SELF_INDEX, 0);
		get_before = sys_sched_control(SCHED_GET, tid, 0, 0);
		/* work's pager is sched's to answer for, never ours */
		others_thread = sys_sched_control(SCHED_SET, WORK_PAGER, 100,
						  QUANTUM);
		admitted = sys_sched_control(SCHED_ADMIT, tid, 100, QUANTUM);
		fwd_admitted = sys_sched_control(SCHED_FORWARD, tid,
						 SCHED_INDEX, 0);
		get_after = sys_sched_control(SCHED_GET, tid, 0, 0);
		return;
	}
	if (nice == BOUNCE_NICE) {
		int r = sys_sched_control(SCHED_FORWARD, tid, SCHED_INDEX, 0);
		if (bounces < 2)
			back[bounces] = r;
		bounces++;
		if (r) /* not expected: do not leave it waiting */
			sys_sched_control(SCHED_ADMIT, tid, 100, QUANTUM);
		return;
	}
	/* anything else is admitted as it comes */
	sys_sched_control(SCHED_ADMIT, tid, 100, QUANTUM);
}

TEST_CASE(sched2, a_forwarded_start_arrives_here)
{
	EXPECT_EQ(fwd_nice, FWD_NICE); /* the message again, unchanged */
	EXPECT_EQ(creator, WORK_PAGER);
	EXPECT_EQ(run_by, WORK_PAGER);
	EXPECT_EQ(get_before, SELF_INDEX);
	EXPECT_EQ(admitted, 0);
	EXPECT_EQ(get_after, SELF_INDEX);
}

TEST_CASE(sched2, forward_checks_on_the_receiving_side)
{
	EXPECT_ERR(to_work, -E_PERM);  /* the thread's own container */
	EXPECT_ERR(to_self, -E_INVAL); /* itself */
	EXPECT_ERR(fwd_admitted, -E_BUSY);
	EXPECT_ERR(others_thread, -E_PERM); /* not forwarded to it */
}

TEST_CASE(sched2, forwarded_back)
{
	EXPECT_EQ(bounces, 2);
	EXPECT_EQ(back[0], 0);
	EXPECT_EQ(back[1], 0);
}

TEST_CASE(sched2, the_forwarded_threads_messages_come_here)
{
	EXPECT_GT(quanta, 0);
	EXPECT_EQ(stops, 1);
	EXPECT_EQ(stop_code, 7);
	EXPECT_EQ(other_msgs, 0);
}

static const struct test_case sched2_tests[] = {
	TEST_ENTRY(sched2, a_forwarded_start_arrives_here),
	TEST_ENTRY(sched2, forward_checks_on_the_receiving_side),
	TEST_ENTRY(sched2, forwarded_back),
	TEST_ENTRY(sched2, the_forwarded_threads_messages_come_here),
	TEST_TABLE_END,
};

int main(void)
{
	static const struct test_case *const tables[] = {sched2_tests, NULL};
	struct ipc_msg m = {0};

	for (;;) {
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		switch (IPC_TAG_LABEL(m.tag)) {
		case IPC_LABEL_SCHED_START:
			if ((int)m.mr[2] == FWD_DIE_NICE) {
				/* dies holding it: the kernel hands it back */
				printf("sched2: exits holding the start of "
				       "thread %u\n", (unsigned)m.from);
				return test_run(tables) ? 1 : 0;
			}
			on_start(m.from, m.mr[0], m.mr[2], m.mr[3]);
			break;
		case IPC_LABEL_SCHED_QUANTUM:
			if (m.from != fwd_tid) {
				other_msgs++;
				break;
			}
			quanta++;
			sys_sched_control(SCHED_SET, m.from, 100, QUANTUM);
			break;
		case IPC_LABEL_SCHED_STOP:
			if (m.from != fwd_tid) {
				other_msgs++;
				break;
			}
			stops++;
			stop_code = (int)m.mr[0];
			break;
		default:
			other_msgs++;
			break;
		}
	}
}
