/*
 * In-target test runner: one TEST line per case, then the summary line the
 * harness checks against the TEST lines (see tessera/test.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <tessera/console.h>
#include <tessera/errno.h>
#include <tessera/test.h>

/* The case being run, and whether it already printed its FAIL line. */
static const struct test_case *current;
static bool current_failed;

/* Long enough for file:line, two expressions and two values. */
#define WHY_MAX 200

static void report_failure(const char *file, int line, const char *fmt,
			   va_list ap)
{
	char why[WHY_MAX];

	/* only the first failure: a case prints exactly one line */
	if (current_failed)
		return;
	current_failed = true;
	vsnprintf(why, sizeof(why), fmt, ap);
	printf("TEST %s.%s FAIL %s:%d: %s\n", current ? current->suite : "none",
	       current ? current->name : "none", file, line, why);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_failure(file, line, fmt, ap);
	va_end(ap);
}

void test_fail_eq(const char *file, int line, const char *expr,
		  long long expected, long long got)
{
	test_fail(file, line, "%s: expected %lld got %lld", expr, expected,
		  got);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const error_names[] = {
	[E_PERM] = "E_PERM",	 [E_NOENT] = "E_NOENT", [E_INTR] = "E_INTR",
	[E_BUDGET] = "E_BUDGET", [E_FAULT] = "E_FAULT", [E_BUSY] = "E_BUSY",
	[E_INVAL] = "E_INVAL",	 [E_NOSYS] = "E_NOSYS", [E_DEAD] = "E_DEAD",
};

/* "-E_FAULT" for -14, "success" for >= 0, "?" for unknown errors. */
static void error_name(char *buf, size_t size, long long v)
{
	long long e = -v;

	if (v >= 0)
		snprintf(buf, size, "success");
	else if (e < (long long)ARRAY_SIZE(error_names) && error_names[e])
		snprintf(buf, size, "-%s", error_names[e]);
	else
		snprintf(buf, size, "?");
}

void test_fail_err(const char *file, int line, const char *expr,
		   long long expected, long long got)
{
	char want[16], have[16];

	error_name(want, sizeof(want), expected);
	error_name(have, sizeof(have), got);
	test_fail(file, line, "%s: expected %lld (%s) got %lld (%s)", expr,
		  expected, want, got, have);
}

void test_fail_cmp(const char *file, int line, const char *a_expr,
		   const char *op, const char *b_expr, long long a, long long b)
{
	test_fail(file, line, "expected %s %s %s, got %lld and %lld", a_expr,
		  op, b_expr, a, b);
}

void test_fail_bool(const char *file, int line, const char *expr,
		    bool expected)
{
	test_fail(file, line, "expected %s to be %s", expr,
		  expected ? "true" : "false");
}

/* Run one case; true when it passed. */
static bool run_case(const struct test_case *tc)
{
	current = tc;
	current_failed = false;
	tc->run();
	if (!current_failed)
		printf("TEST %s.%s PASS\n", tc->suite, tc->name);
	current = NULL;
	return !current_failed;
}

int test_run(const struct test_case *const tables[])
{
	unsigned passed = 0, failed = 0;

	for (; *tables; tables++) {
		for (const struct test_case *tc = *tables; tc->run; tc++) {
			if (run_case(tc))
				passed++;
			else
				failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
