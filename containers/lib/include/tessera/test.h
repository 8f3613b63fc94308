/*
 * In-target test framework (docs/testing.md): every case prints exactly one line,
 * "TEST <suite>.<name> PASS", "TEST <suite>.<name> FAIL <why>" or
 * "TEST <suite>.<name> SKIP <why>" (TEST_SKIP: what it tests is not on this
 * board), and the run ends with "N passed, N failed" ("N passed, N failed,
 * N skipped" when some skipped). tools/harness.py parses these lines.
 *
 * A case is a function defined with TEST_CASE and listed in a table:
 *
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

struct test_case {
	const char *suite; /* no dots or spaces: the harness splits on them */
	const char *name;
	void (*run)(void);
};

#define TEST_FN_(suite, name) test_##suite##__##name
#define TEST_CASE(suite, name) static void TEST_FN_(suite, name)(void)
#define TEST_ENTRY(suite, name) { #suite, #name, TEST_FN_(suite, name) }
#define TEST_TABLE_END { NULL, NULL, NULL }

/*
 * Run every case of every table (tables is NULL-terminated, each table ends
 * with TEST_TABLE_END), print the summary line and return the exit status
 * for main: 0 when nothing failed, 1 otherwise.
 */
int test_run(const struct test_case *const tables[]);

/* Helpers behind the macros: print the FAIL line for the current case. */
void test_fail_eq(const char *file, int line, const char *expr,
		  long long expected, long long got);
void test_fail_err(const char *file, int line, const char *expr,
		   long long expected, long long got);
void test_fail_cmp(const char *file, int line, const char *a_expr,
		   const char *op, const char *b_expr, long long a, long long b);
void test_fail_bool(const char *file, int line, const char *expr,
		    bool expected);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print the current case's SKIP line (TEST_SKIP). */
void test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Print the summary line: "N passed, N failed", or with skips
 * "N passed, N failed, N skipped". For programs that count their cases
 * themselves (the isolation and fuzzing systems); test_run calls it.
 */
void test_summary(unsigned passed, unsigned failed, unsigned skipped);

/*
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

#define TEST_EQ_(actual, expected, fail_fn)                                    \
	do {                                                                   \
		long long got_ = (long long)(actual);                          \
		long long want_ = (long long)(expected);                       \
		if (got_ != want_) {                                           \
			fail_fn(__FILE__, __LINE__, #actual, want_, got_);     \
			return;                                                \
		}                                                              \
	} while (0)

/* actual == expected; says "expected <expected> got <actual>". */
#define EXPECT_EQ(actual, expected) TEST_EQ_(actual, expected, test_fail_eq)

/* A call that must fail with err (-E_*); the reason names the errors. */
#define EXPECT_ERR(call, err) TEST_EQ_(call, err, test_fail_err)

#define EXPECT_NE(a, b) TEST_CMP_(a, !=, b)
#define EXPECT_LT(a, b) TEST_CMP_(a, <, b)
#define EXPECT_LE(a, b) TEST_CMP_(a, <=, b)
#define EXPECT_GT(a, b) TEST_CMP_(a, >, b)
#define EXPECT_GE(a, b) TEST_CMP_(a, >=, b)

#define EXPECT_TRUE(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			test_fail_bool(__FILE__, __LINE__, #cond, true);       \
			return;                                                \
		}                                                              \
	} while (0)

#define EXPECT_FALSE(cond)                                                     \
	do {                                                                   \
		if (cond) {                                                    \
			test_fail_bool(__FILE__, __LINE__, #cond, false);      \
			return;                                                \
		}                                                              \
	} while (0)

/*
 * Skip the case: it prints "TEST <suite>.<name> SKIP <why>" and returns.
 * For what the board lacks, e.g.
 *	#ifndef BOARD_HAS_PERIPHERAL_RTC
 *		TEST_SKIP("no RTC on this board");
 *	#endif
 * A skip neither passes nor fails: the run still exits with 0.
 */
#define TEST_SKIP(...)                                                         \
	do {                                                                   \
		test_skip(__VA_ARGS__);                                        \
		return;                                                        \
	} while (0)

/* Fail the case with a free-form reason (file:line is prepended). */
#define TEST_FAIL(...)                                                         \
	do {                                                                   \
		test_fail(__FILE__, __LINE__, __VA_ARGS__);                    \
		return;                                                        \
	} while (0)

#endif
