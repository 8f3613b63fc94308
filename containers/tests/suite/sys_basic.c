/*
 * getid, time, thread_control and the dispatcher's handling of call
 * numbers it does not know.
 */
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "testsuite.h"

/*
 * Waiting for the tick: spin in user mode in chunks and look at the time
 * between chunks, at most TICK_WAIT_CHUNKS times, so a stopped timer fails
 * the case instead of hanging the run until the harness's timeout. Under
 * QEMU a chunk takes about 30 us, so the bound is about 3 s, hundreds of
 * ticks at 100 Hz, and well inside the harness's 60 s.
 */
#define SPIN_CHUNK 10000u
#define TICK_WAIT_CHUNKS 100000u

TEST_CASE(getid, returns_tid)
{
	struct sys_ids ids;
	int ret = sys_getid(&ids);

	EXPECT_GT(ret, 0);
	EXPECT_EQ(ret, ids.tid);
}

/* A pager is a new thread in a new space: its own thread group. */
TEST_CASE(getid, pager_tgid_is_tid)
{
	struct sys_ids ids;

	sys_getid(&ids);
	EXPECT_EQ(ids.tgid, ids.tid);
}

/* testsuite is the first (only) container of configs/testsuite.toml. */
TEST_CASE(getid, container_index)
{
	struct sys_ids ids;

	sys_getid(&ids);
	EXPECT_EQ(ids.container, 0);
}

TEST_CASE(getid, stable)
{
	struct sys_ids a, b;

	sys_getid(&a);
	sys_getid(&b);
	EXPECT_EQ(a.tid, b.tid);
	EXPECT_EQ(a.tgid, b.tgid);
	EXPECT_EQ(a.container, b.container);
}

TEST_CASE(time, returns_zero)
{
	uint64_t ticks;
	uint32_t hz;

	EXPECT_EQ(sys_time(&ticks, &hz), 0);
}

/* The rate the kernel was configured with (100 Hz by default). */
TEST_CASE(time, hz_is_configured)
{
	uint64_t ticks;
	uint32_t hz;

	sys_time(&ticks, &hz);
	EXPECT_EQ(hz, CONFIG_TICK_HZ);
}

TEST_CASE(time, monotonic)
{
	uint64_t prev, now;
	uint32_t hz;

	sys_time(&prev, &hz);
	for (int i = 0; i < 10000; i++) {
		sys_time(&now, &hz);
		EXPECT_GE(now, prev);
		prev = now;
	}
}

static void spin(void)
{
	for (volatile uint32_t i = 0; i < SPIN_CHUNK; i++)
		;
}

/* Timer interrupts must arrive while a user thread only computes. */
TEST_CASE(time, ticks_advance)
{
	uint64_t start, now;
	uint32_t hz, chunks = 0;

	sys_time(&start, &hz);
	do {
		spin();
		sys_time(&now, &hz);
	} while (now - start < 2 && ++chunks < TICK_WAIT_CHUNKS);
	EXPECT_GE(now - start, 2);
}

static int invoke(uint32_t nr)
{
	struct sys_regs io = {{0}};

	return sys_invoke(nr, &io);
}

/* The first number past the dispatch table (11 today). */
TEST_CASE(syscall, unknown_number_past_table)
{
	EXPECT_ERR(invoke(SYS_COUNT), -E_NOSYS);
}

TEST_CASE(syscall, unknown_number_255)
{
	EXPECT_ERR(invoke(255), -E_NOSYS);
}

TEST_CASE(syscall, unknown_number_max)
{
	EXPECT_ERR(invoke(0xffffffffu), -E_NOSYS);
}

TEST_CASE(thread_control, unknown_op)
{
	EXPECT_ERR(sys_thread_op(0, 0, 0), -E_INVAL);
	EXPECT_ERR(sys_thread_op(0xffffffffu, 0, 0), -E_INVAL);
}

const struct test_case sys_basic_tests[] = {
	TEST_ENTRY(getid, returns_tid),
	TEST_ENTRY(getid, pager_tgid_is_tid),
	TEST_ENTRY(getid, container_index),
	TEST_ENTRY(getid, stable),
	TEST_ENTRY(time, returns_zero),
	TEST_ENTRY(time, hz_is_configured),
	TEST_ENTRY(time, monotonic),
	TEST_ENTRY(time, ticks_advance),
	TEST_ENTRY(syscall, unknown_number_past_table),
	TEST_ENTRY(syscall, unknown_number_255),
	TEST_ENTRY(syscall, unknown_number_max),
	TEST_ENTRY(thread_control, unknown_op),
	TEST_TABLE_END,
};
