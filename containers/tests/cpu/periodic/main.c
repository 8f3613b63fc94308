/*
 * periodic: a real-time task beside a hog. Every PERIOD_US it does a fixed
 * amount of work (WORK_ITERATIONS of a loop: about 1 ms under QEMU's
 * -icount shift=0) and must finish before its next period starts. Between
 * periods it yields. It reports, as TEST lines, that it ran every period
 * and met every deadline, and prints the worst and mean latency from a
 * period's start to the end of its work.
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <tessera/test.h>

#define PERIODS 100
#define PERIOD_US 10000u
#define FIRST_PERIOD_US 20000u /* after the boot */
#define WORK_ITERATIONS 200000u

static uint32_t periods_run, deadline_misses;
static uint64_t worst_latency, total_latency, worst_work = 0,
					    best_work = UINT64_MAX;

static void work(void)
{
	for (volatile uint32_t i = 0; i < WORK_ITERATIONS; i++)
		;
}

static void run_periods(void)
{
	for (uint32_t k = 0; k < PERIODS; k++) {
		uint64_t start = FIRST_PERIOD_US + (uint64_t)k * PERIOD_US;
		uint64_t t;

		while ((t = sys_time_us()) < start)
			sys_yield();
		if (t >= start + PERIOD_US) {
			deadline_misses++; /* it could not even start */
			continue;
		}
		work();
		uint64_t done = sys_time_us(), latency = done - start;
		periods_run++;
		total_latency += latency;
		worst_latency = latency > worst_latency ? latency
							: worst_latency;
		worst_work = done - t > worst_work ? done - t : worst_work;
		best_work = done - t < best_work ? done - t : best_work;
		if (latency > PERIOD_US)
			deadline_misses++;
	}
}

TEST_CASE(periodic, ran_every_period)
{
	EXPECT_EQ(periods_run, PERIODS);
}

TEST_CASE(periodic, met_every_deadline)
{
	EXPECT_EQ(deadline_misses, 0);
}

static const struct test_case periodic_tests[] = {
	TEST_ENTRY(periodic, ran_every_period),
	TEST_ENTRY(periodic, met_every_deadline),
	TEST_TABLE_END,
};

int main(void)
{
	static const struct test_case *const tables[] = {periodic_tests,
							  NULL};

	run_periods();
	printf("periodic: %u periods of %u us, %u deadline misses, latency "
	       "worst %u us mean %u us, work %u..%u us\n",
	       (unsigned)periods_run, (unsigned)PERIOD_US,
	       (unsigned)deadline_misses, (unsigned)worst_latency,
	       (unsigned)(periods_run ? total_latency / periods_run : 0),
	       (unsigned)best_work, (unsigned)worst_work);
	return test_run(tables) ? 1 : 0;
}
