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

/* TIME_COUNTER: the counter itself; over two ticks it advances as much as
 * the microseconds do, at the rate it reports. Each counter reading is
 * bracketed by two microsecond readings, so however long the host takes
 * between calls, the counted time must fall between the bracket's bounds
 * (give or take the microseconds' rounding). */
struct bracketed {
	uint64_t us_before, counter, us_after;
	uint32_t rate;
};

static struct bracketed read_bracketed(void)
{
	struct bracketed b;

	b.us_before = sys_time_us();
	b.counter = sys_time_counter(&b.rate);
	b.us_after = sys_time_us();
	return b;
}

TEST_CASE(time, counter_agrees_with_microseconds)
{
	uint32_t hz, chunks = 0;
	uint64_t ticks0, ticks;
	struct bracketed a = read_bracketed();

	EXPECT_GE(a.rate, 1000000u); /* at least 1 MHz on every board */
	sys_time(&ticks0, &hz);
	do {
		spin();
		sys_time(&ticks, &hz);
	} while (ticks - ticks0 < 2 && ++chunks < TICK_WAIT_CHUNKS);
	struct bracketed b = read_bracketed();

	EXPECT_EQ(b.rate, a.rate);
	EXPECT_GT(b.counter, a.counter);
	uint64_t counted_us = (b.counter - a.counter) * 1000000u / a.rate;
	EXPECT_GE(counted_us + 2, b.us_before - a.us_after);
	EXPECT_LE(counted_us, b.us_after - a.us_before + 2);
	EXPECT_GE(counted_us, 1000000u / CONFIG_TICK_HZ);
}

/* A unit the kernel does not know changes nothing and says so. */
TEST_CASE(time, unknown_unit)
{
	static const uint32_t units[] = {3, 0x80000000u, 0xffffffffu};

	for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		struct sys_regs io = {{units[i], 0x11, 0x22, 0x33}};

		EXPECT_ERR(sys_invoke(SYS_time, &io), -E_INVAL);
	}
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
	TEST_ENTRY(time, counter_agrees_with_microseconds),
	TEST_ENTRY(time, unknown_unit),
	TEST_ENTRY(syscall, unknown_number_past_table),
	TEST_ENTRY(syscall, unknown_number_255),
	TEST_ENTRY(syscall, unknown_number_max),
	TEST_ENTRY(thread_control, unknown_op),
	TEST_TABLE_END,
};
