/*
 * Cases for the test framework itself: every expectation in its passing
 * form, and the case that fails on purpose to show a failure reaches the
 * harness (CONFIG_TESTSUITE_PROVE_FAILURE).
 */
#include <tessera/console.h>
#include <tessera/errno.h>
#include "testsuite.h"

TEST_CASE(selftest, expectations_pass)
{
	volatile int three = 3; /* not a constant the compiler can fold */

	EXPECT_EQ(three, 3);
	EXPECT_ERR(-three * 5 + 1, -E_FAULT);
	EXPECT_NE(three, 4);
	EXPECT_LT(three, 4);
	EXPECT_LE(three, 3);
	EXPECT_GT(three, 2);
	EXPECT_GE(three, 3);
	EXPECT_TRUE(three == 3);
	EXPECT_FALSE(three == 4);
}

/*
 * Passes in normal builds. With CONFIG_TESTSUITE_PROVE_FAILURE it fails,
 * and the line after the failed expectation must never run: the harness
 * test checks both the FAIL line and that the line below is absent.
 */
TEST_CASE(selftest, prove_failure)
{
	volatile int two = 2;

#ifdef CONFIG_TESTSUITE_PROVE_FAILURE
	EXPECT_EQ(two, 3);
	puts("selftest: prove_failure went on after its failure");
#else
	EXPECT_EQ(two, 2);
#endif
}

const struct test_case selftest_tests[] = {
	TEST_ENTRY(selftest, expectations_pass),
	TEST_ENTRY(selftest, prove_failure),
	TEST_TABLE_END,
};
