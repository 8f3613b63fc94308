/**
 * @file tessera/test.h
 * @brief In-target test framework (docs/testing.md).
 *
 * Every case prints exactly one line,
 * "TEST <suite>.<name> PASS", "TEST <suite>.<name> FAIL <why>" or
 * "TEST <suite>.<name> SKIP <why>" (TEST_SKIP: what it tests is not on this
 * board), and the run ends with "N passed, N failed" ("N passed, N failed,
 * N skipped" when some skipped). tools/harness.py parses these lines.
 *
 * A case is a function defined with TEST_CASE and listed in a table:
 *
 * @code
 *	TEST_CASE(time, returns_zero)
 *	{
 *		uint64_t t;
 *		uint32_t hz;
 *
 *		EXPECT_EQ(sys_time(&t, &hz), 0);
 *	}
 *
 *	const struct test_case time_tests[] = {
 *		TEST_ENTRY(time, returns_zero),
 *		TEST_TABLE_END,
 *	};
 * @endcode
 *
 * and main returns test_run() over a NULL-terminated list of such tables.
 *
 * An expectation that fails prints the FAIL line (file:line, the expression
 * and the values) and returns from the case, so a case stops at its first
 * failure. That return is why expectations belong in the case function
 * itself, not in helpers it calls: a helper should return a value the case
 * then checks.
 */
#ifndef TESSERA_TEST_H
#define TESSERA_TEST_H

#include <stdbool.h>
#include <stddef.h>

/** @brief One case of a table: TEST_ENTRY(suite, name) fills it. */
struct test_case {
	const char *suite; /**< no dots or spaces: the harness splits on them */
	const char *name;  /**< the case's name within its suite */
	void (*run)(void); /**< its function; NULL ends a table */
};

/** @brief The name of a case's function (used by TEST_CASE, TEST_ENTRY). */
#define TEST_FN_(suite, name) test_##suite##__##name
/** @brief Define a case: `TEST_CASE(suite, name) { ...expectations... }`. */
#define TEST_CASE(suite, name) static void TEST_FN_(suite, name)(void)
/** @brief A table entry for the case TEST_CASE(suite, name) defined. */
#define TEST_ENTRY(suite, name) { #suite, #name, TEST_FN_(suite, name) }
/** @brief The entry that ends a table of cases. */
#define TEST_TABLE_END { NULL, NULL, NULL }

/**
 * @brief Run every case of every table, print the summary line and return
 * the exit status for main.
 *
 * Each case prints one TEST line: PASS if it returned without a failed
 * expectation or a skip.
 * @param tables NULL-terminated list of tables, each ending with
 *        TEST_TABLE_END
 * @return 0 when nothing failed, 1 otherwise (skips do not count)
 */
int test_run(const struct test_case *const tables[]);

/**
 * @brief Helper behind EXPECT_EQ: print the current case's FAIL line.
 * @param file source file of the expectation
 * @param line its line
 * @param expr the expression checked
 * @param expected the value expected
 * @param got the value it had
 */
void test_fail_eq(const char *file, int line, const char *expr,
		  long long expected, long long got);
/**
 * @brief Helper behind EXPECT_ERR: the FAIL line, naming both errors.
 * @param file source file of the expectation
 * @param line its line
 * @param expr the call checked
 * @param expected the result expected (-E_x)
 * @param got the result it returned
 */
void test_fail_err(const char *file, int line, const char *expr,
		   long long expected, long long got);
/**
 * @brief Helper behind EXPECT_NE/LT/LE/GT/GE: the FAIL line.
 * @param file source file of the expectation
 * @param line its line
 * @param a_expr the left operand's expression
 * @param op the comparison ("<", "!=", ...)
 * @param b_expr the right operand's expression
 * @param a the left operand's value
 * @param b the right operand's value
 */
void test_fail_cmp(const char *file, int line, const char *a_expr,
		   const char *op, const char *b_expr, long long a, long long b);
/**
 * @brief Helper behind EXPECT_TRUE/EXPECT_FALSE: the FAIL line.
 * @param file source file of the expectation
 * @param line its line
 * @param expr the condition
 * @param expected what it should have been
 */
void test_fail_bool(const char *file, int line, const char *expr,
		    bool expected);
/**
 * @brief Print the current case's FAIL line with a free-form reason
 * (TEST_FAIL); only a case's first failure prints.
 * @param file source file
 * @param line its line
 * @param fmt printf format of the reason
 */
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/**
 * @brief Print the current case's SKIP line (TEST_SKIP).
 * @param fmt printf format of the reason
 */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/**
 * @brief Print the summary line.
 *
 * "N passed, N failed", or with skips "N passed, N failed, N skipped".
 * For programs that count their cases themselves (the isolation and
 * fuzzing systems); test_run calls it.
 * @param passed cases passed
 * @param failed cases failed
 * @param skipped cases skipped
 */
void test_summary(unsigned passed, unsigned failed, unsigned skipped);

/**
 * @brief Compare two operands with op; on failure print the FAIL line and
 * return from the case.
 *
 * Operands are evaluated once each and compared as long long, which holds
 * every int, uint32_t and (in practice) tick count a case compares. Mind
 * the types: a uint32_t 0xffffffff is not equal to an int -1 here.
 */
#define TEST_CMP_(a, op, b)                                                    \
	do {                                                                   \
		long long a_ = (long long)(a);                                 \
		long long b_ = (long long)(b);                                 \
		if (!(a_ op b_)) {                                             \
			test_fail_cmp(__FILE__, __LINE__, #a, #op, #b, a_,     \
				      b_);                                     \
			return;                                                \
		}                                                              \
	} while (0)

/** @brief actual == expected, else fail_fn's FAIL line and return. */
#define TEST_EQ_(actual, expected, fail_fn)                                    \
	do {                                                                   \
		long long got_ = (long long)(actual);                          \
		long long want_ = (long long)(expected);                       \
		if (got_ != want_) {                                           \
			fail_fn(__FILE__, __LINE__, #actual, want_, got_);     \
			return;                                                \
		}                                                              \
	} while (0)

/** @brief actual == expected; says "expected <expected> got <actual>". */
#define EXPECT_EQ(actual, expected) TEST_EQ_(actual, expected, test_fail_eq)

/** @brief A call that must fail with err (-E_*); the reason names the
 * errors. */
#define EXPECT_ERR(call, err) TEST_EQ_(call, err, test_fail_err)

/** @brief a != b (TEST_CMP_). */
#define EXPECT_NE(a, b) TEST_CMP_(a, !=, b)
/** @brief a < b (TEST_CMP_). */
#define EXPECT_LT(a, b) TEST_CMP_(a, <, b)
/** @brief a <= b (TEST_CMP_). */
#define EXPECT_LE(a, b) TEST_CMP_(a, <=, b)
/** @brief a > b (TEST_CMP_). */
#define EXPECT_GT(a, b) TEST_CMP_(a, >, b)
/** @brief a >= b (TEST_CMP_). */
#define EXPECT_GE(a, b) TEST_CMP_(a, >=, b)

/** @brief cond is true, else the FAIL line and return. */
#define EXPECT_TRUE(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			test_fail_bool(__FILE__, __LINE__, #cond, true);       \
			return;                                                \
		}                                                              \
	} while (0)

/** @brief cond is false, else the FAIL line and return. */
#define EXPECT_FALSE(cond)                                                     \
	do {                                                                   \
		if (cond) {                                                    \
			test_fail_bool(__FILE__, __LINE__, #cond, false);      \
			return;                                                \
		}                                                              \
	} while (0)

/**
 * @brief Skip the case: it prints "TEST <suite>.<name> SKIP <why>" and
 * returns.
 *
 * For what the board lacks, e.g.
 * @code
 *	#ifndef BOARD_HAS_PERIPHERAL_RTC
 *		TEST_SKIP("no RTC on this board");
 *	#endif
 * @endcode
 * A skip neither passes nor fails: the run still exits with 0.
 */
#define TEST_SKIP(...)                                                         \
	do {                                                                   \
		test_skip(__VA_ARGS__);                                        \
		return;                                                        \
	} while (0)

/** @brief Fail the case with a free-form reason (file:line is prepended)
 * and return. */
#define TEST_FAIL(...)                                                         \
	do {                                                                   \
		test_fail(__FILE__, __LINE__, __VA_ARGS__);                    \
		return;                                                        \
	} while (0)

#endif
