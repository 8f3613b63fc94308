/*
 * In-target test runner: one TEST line per case, then the summary line the
 * harness checks against the TEST lines (see tessera/test.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <tessera/console.h>
#include <tessera/errno.h>
#include <tessera/test.h>

/* The case being run, and whether it already printed its FAIL (or SKIP)
 * line. */
static const struct test_case *current;
static bool current_failed, current_skipped;

/* Long enough for file:line, two expressions and two values. */
#define WHY_MAX 200

static void report_failure(const char *file, int line, const char *fmt,
			   va_list ap)
{
	char why[WHY_MAX];

	/* only the first failure: a case prints exactly one line */
	if (current_failed || current_skipped)
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

void test_skip(const char *fmt, ...)
{
	char why[WHY_MAX];
	va_list ap;

	if (current_failed || current_skipped)
		return;
	current_skipped = true;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("TEST %s.%s SKIP %s\n", current ? current->suite : "none",
	       current ? current->name : "none", why);
}

void test_summary(unsigned passed, unsigned failed, unsigned skipped)
{
	/* without skips the line old parsers know */
	if (skipped)
		printf("%u passed, %u failed, %u skipped\n", passed, failed,
		       skipped);
	else
		printf("%u passed, %u failed\n", passed, failed);
}

enum outcome { PASSED, FAILED, SKIPPED };

/* Run one case. */
static enum outcome run_case(const struct test_case *tc)
{
	enum outcome o;

	current = tc;
	current_failed = current_skipped = false;
	tc->run();
	if (current_failed)
		o = FAILED;
	else if (current_skipped)
		o = SKIPPED;
	else {
		printf("TEST %s.%s PASS\n", tc->suite, tc->name);
		o = PASSED;
	}
	current = NULL;
	return o;
}

int test_run(const struct test_case *const tables[])
{
	unsigned count[3] = { 0, 0, 0 };

	for (; *tables; tables++)
		for (const struct test_case *tc = *tables; tc->run; tc++)
			count[run_case(tc)]++;
	test_summary(count[PASSED], count[FAILED], count[SKIPPED]);
	return count[FAILED] ? 1 : 0;
}
