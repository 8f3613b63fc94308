/*
 * Host tests for libc/printf.c.
 *
 * Built with the standard libc host-test flags, nothing extra (see
 * host_rename.h for the renaming and include order).
 *
 * Most checks format the same thing with our vsnprintf and glibc's and
 * require identical output and return values: a generated cross product of
 * flags x width x precision x length x value for every conversion, plus a
 * hand-written table. glibc's functions are reached under other names
 * through asm labels, because host_rename.h turns snprintf into ours.
 * Behaviour that deliberately differs from glibc (unknown conversions,
 * "(null)" cut by precision) is checked against fixed strings.
 */
#include "host_rename.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>

#include "../include/stdio.h"
#include "../include/string.h"

#define STR_(x)	       #x
#define STR(x)	       STR_(x)
#define HOST_SYM(name) __asm__(STR(__USER_LABEL_PREFIX__) #name)

int host_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    HOST_SYM(vsnprintf) __attribute__((__format__(__printf__, 3, 0)));

#define OUT_MAX	      512
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static unsigned long nr_compared;

static bool bytes_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return false;
	}
	return true;
}

/* Formats with both implementations into a buffer of size bytes. */
static void compare_sized(size_t size, const char *fmt, va_list ap)
{
	char ours[OUT_MAX], host[OUT_MAX];
	va_list ap2;

	memset(ours, 'U', sizeof(ours));
	memset(host, 'U', sizeof(host));
	va_copy(ap2, ap);
	int n1 = vsnprintf(size ? ours : NULL, size, fmt, ap);
	int n2 = host_vsnprintf(size ? host : NULL, size, fmt, ap2);

	va_end(ap2);
	assert_true(n2 >= 0 && n2 < OUT_MAX - 1);
	if (n1 != n2 || !bytes_equal(ours, host, sizeof(ours))) {
		ours[OUT_MAX - 1] = host[OUT_MAX - 1] = '\0';
		fail_msg("format \"%s\" size %zu: ours \"%s\" (%d), glibc "
			 "\"%s\" (%d)",
			 fmt, size, ours, n1, host, n2);
	}
	nr_compared++;
}

/*
 * Compares a full-buffer run and a run truncated to about half the
 * output, which also checks the return value ignores the buffer size.
 */
static void compare_va(const char *fmt, va_list ap)
{
	char probe[OUT_MAX];
	va_list ap2, ap3;

	va_copy(ap2, ap);
	va_copy(ap3, ap);
	compare_sized(OUT_MAX, fmt, ap);
	int n = host_vsnprintf(probe, sizeof(probe), fmt, ap2);

	compare_sized((size_t)n / 2 + 1, fmt, ap3);
	va_end(ap3);
	va_end(ap2);
}

/* Type-checked by gcc, so the test table itself cannot pass bad types. */
static __attribute__((__format__(__printf__, 1, 2))) void
compare(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_va(fmt, ap);
	va_end(ap);
}

/* Unchecked, for legal formats gcc frowns upon (e.g. '0' with '-'). */
static void compare_odd(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_va(fmt, ap);
	va_end(ap);
}

/* Our vsnprintf without a format attribute, for deliberately bad formats. */
static int ours_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static __attribute__((__format__(__printf__, 2, 3))) void
expect(const char *want, const char *fmt, ...)
{
	char buf[OUT_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	va_end(ap);
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

/* ---- generated cross product ---------------------------------------- */

enum len { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T, L_COUNT };

static const char *const len_str[L_COUNT] = {"",   "hh", "h", "l",
					     "ll", "z",	 "j", "t"};

static const char *const widths[] = {"", "1", "3", "8", "21"};
static const char *const precs[] = {"", ".", ".0", ".1", ".3", ".10", ".25"};

/* clang-format off */
static const long long signed_values[] = {
	0, 1, -1, 7, -7, 42, 255, 256, 300, -129, 32767, -32768, 65536,
	123456789, -987654321, INT_MAX, INT_MIN, 1000000000, 4294967295LL,
	4294967296LL, -4294967296LL, 999999999999LL, 1000000000000000000LL,
	LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
};

static const unsigned long long unsigned_values[] = {
	0, 1, 7, 8, 9, 15, 16, 255, 256, 0xdeadbeef, 0x80000000u, UINT_MAX,
	1000000000u, 0x100000000ull, 0x123456789abcdef0ull, 9999999999ull,
	10000000000000000000ull, ULLONG_MAX,
};
/* clang-format on */

/* Builds "%<flags><width><prec><len><conv>" from the given mask of flags. */
static void build_fmt(char *f, const char *flag_chars, unsigned mask,
		      const char *width, const char *prec, const char *len,
		      char conv)
{
	*f++ = '%';
	for (unsigned i = 0; flag_chars[i]; i++) {
		if (mask & (1u << i))
			*f++ = flag_chars[i];
	}
	for (const char *s = width; *s;)
		*f++ = *s++;
	for (const char *s = prec; *s;)
		*f++ = *s++;
	for (const char *s = len; *s;)
		*f++ = *s++;
	*f++ = conv;
	*f = '\0';
}

/* Passes v with the type the length modifier calls for. */
static void compare_signed(const char *fmt, enum len len, long long v)
{
	switch (len) {
	case L_L:
		compare(fmt, (long)v);
		break;
	case L_LL:
		compare(fmt, v);
		break;
	case L_Z:
	case L_T:
		compare(fmt, (ptrdiff_t)v);
		break;
	case L_J:
		compare(fmt, (intmax_t)v);
		break;
	default:
		compare(fmt, (int)v);
		break;
	}
}

static void compare_unsigned(const char *fmt, enum len len,
			     unsigned long long v)
{
	switch (len) {
	case L_L:
		compare(fmt, (unsigned long)v);
		break;
	case L_LL:
		compare(fmt, v);
		break;
	case L_Z:
		compare(fmt, (size_t)v);
		break;
	case L_T:
		compare(fmt, (ptrdiff_t)v);
		break;
	case L_J:
		compare(fmt, (uintmax_t)v);
		break;
	default:
		compare(fmt, (unsigned)v);
		break;
	}
}

/* Calls fn with every format made of a flag subset, width, prec and length. */
static void for_each_spec(const char *flag_chars, char conv,
			  void (*fn)(const char *fmt, enum len len))
{
	char fmt[32];
	unsigned nflags = (unsigned)strlen(flag_chars);

	for (unsigned m = 0; m < (1u << nflags); m++) {
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
				for (int l = 0; l < L_COUNT; l++) {
					build_fmt(fmt, flag_chars, m, widths[w],
						  precs[p], len_str[l], conv);
					fn(fmt, (enum len)l);
				}
			}
		}
	}
}

static void all_signed_values(const char *fmt, enum len len)
{
	for (size_t i = 0; i < ARRAY_SIZE(signed_values); i++)
		compare_signed(fmt, len, signed_values[i]);
}

static void few_signed_values(const char *fmt, enum len len)
{
	compare_signed(fmt, len, -12345);
	compare_signed(fmt, len, LLONG_MIN);
}

static void all_unsigned_values(const char *fmt, enum len len)
{
	for (size_t i = 0; i < ARRAY_SIZE(unsigned_values); i++)
		compare_unsigned(fmt, len, unsigned_values[i]);
}

static void test_generated_signed(void **state)
{
	(void)state;
	for_each_spec("-0 +", 'd', all_signed_values);
	/* %i is the same conversion; a lighter sweep suffices. */
	for_each_spec("-0+", 'i', few_signed_values);
}

static void test_generated_unsigned(void **state)
{
	(void)state;
	/* ' ' and '+' do not apply to unsigned conversions: ignored. */
	for_each_spec("-0 +", 'u', all_unsigned_values);
	for_each_spec("-0#+", 'o', all_unsigned_values);
	for_each_spec("-0#+", 'x', all_unsigned_values);
	for_each_spec("-0#+", 'X', all_unsigned_values);
}

static void test_generated_string_char_pointer(void **state)
{
	(void)state;
	static const char *const strs[] = {"", "a", "hello", "tab\there",
					   "0123456789abcdefghijklmnop"};
	static const int chars[] = {'a', ' ', '~', 0x100 + 'b', -23};
	int local;
	void *const ptrs[] = {NULL,	   (void *)1, (void *)0xdeadbeefUL,
			      (void *)-1L, &local,    (void *)0x7fff0000UL};
	char fmt[32];

	for (unsigned m = 0; m < 2; m++) {
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
				build_fmt(fmt, "-", m, widths[w], precs[p], "",
					  's');
				for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
					compare(fmt, strs[i]);
			}
			build_fmt(fmt, "-", m, widths[w], "", "", 'c');
			for (size_t i = 0; i < ARRAY_SIZE(chars); i++)
				compare(fmt, chars[i]);
			build_fmt(fmt, "-", m, widths[w], "", "", 'p');
			for (size_t i = 0; i < ARRAY_SIZE(ptrs); i++)
				compare(fmt, ptrs[i]);
		}
	}
}

/* ---- hand-written table --------------------------------------------- */

static void test_table(void **state)
{
	(void)state;
	const char *volatile null_str = NULL;
	int x;

	compare_odd("");
	compare("plain text");
	compare("100%% sure, %%d stays");
	compare("%d %s %c %x|%-5d|%05u", 5, "str", 'y', 0xabcu, -3, 7u);
	compare("[%.0d] [%.0u] [%.0x] [%#.0x] [%#.0o] [%#o] [%#x]", 0, 0u, 0u,
		0u, 0u, 0u, 0u);
	compare("[%+.0d] [% .0d] [%5.0d] [%-5.0d|]", 0, 0, 0, 0);
	compare_odd("[%08.3d] [%-08d] [%+08d] [% 08d] [%0+8d]", 5, 5, 5, 5, -5);
	compare("[%#08x] [%#8x] [%#-8x|] [%#08o] [%#.5o]", 0x1fu, 0x1fu, 0x1fu,
		8u, 8u);
	compare("%hhd %hhd %hhu %hhx %hd %hu %hx", 255, 128, -1, 0x1234, 70000,
		-1, 0x12345);
	compare("%zu %zd %zx", SIZE_MAX, (ptrdiff_t)-1, (size_t)0xabcdef);
	compare("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, UINTMAX_MAX);
	compare("%td %tu", PTRDIFF_MIN, (ptrdiff_t)-5);
	compare("%lx %lX %lu %ld", ULONG_MAX, 0xabcdefUL, ULONG_MAX, LONG_MIN);
	compare("%llx %llX %llo %lld %llu", ULLONG_MAX, 0x1234abcdULL,
		ULLONG_MAX, LLONG_MIN, ULLONG_MAX);
	compare("%.3s|%.10s|%-10.2s|%10.0s|", "abcdef", "abc", "abc", "abc");
	compare("%c%c%c", 'a', 'b', 'c');
	compare("[%5c] [%-5c]", 'q', 'q');
	compare("%p %p %20p %-20p|", (void *)&x, NULL, (void *)&x, NULL);
	compare("%s", null_str);
	compare("[%10s] [%-10s] [%.6s]", null_str, null_str, null_str);
	compare("%d%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 0);
	compare("%s and %s and %s", "one", "two", "three");
}

static void test_star(void **state)
{
	(void)state;
	static const int stars[] = {-30, -5, -1, 0, 1, 4, 12};

	for (size_t i = 0; i < ARRAY_SIZE(stars); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(stars); j++) {
			int a = stars[i], b = stars[j];

			compare("[%*d]", a, -42);
			compare("[%.*d]", b, -42);
			compare("[%*.*d]", a, b, 42);
			compare_odd("[%0*.*x]", a, b, 0xbeefu);
			compare("[%-*.*lld]", a, b, LLONG_MIN);
			compare("[%*.*s]", a, b, "string");
			compare("[%*c]", a, 'z');
			compare("[%0*d]", a, -7);
		}
	}
}

/* ---- our own behaviour ---------------------------------------------- */

static void test_null_string_precision(void **state)
{
	(void)state;
	const char *volatile null_str = NULL;

	/* glibc prints "" here; we cut "(null)" like any other string. */
	expect("(nu", "%.3s", null_str);
	expect("  (null)", "%8s", null_str);
	expect("(nil)", "%p", NULL);
}

static void test_unknown_conversion_stops(void **state)
{
	(void)state;
	char buf[64];

	/* The rest of the format is copied verbatim, no argument is read. */
	assert_int_equal(ours_unchecked(buf, sizeof(buf), "a %q %d b", 5), 9);
	assert_string_equal(buf, "a %q %d b");
	ours_unchecked(buf, sizeof(buf), "%d then %n", 7, (int *)NULL);
	assert_string_equal(buf, "7 then %n");
	ours_unchecked(buf, sizeof(buf), "%ls|%lc|%hp", L"w", 'c', NULL);
	assert_string_equal(buf, "%ls|%lc|%hp");
	ours_unchecked(buf, sizeof(buf), "%5.2f", 1.0);
	assert_string_equal(buf, "%5.2f");
	/* A format ending inside a conversion. */
	assert_int_equal(ours_unchecked(buf, sizeof(buf), "abc%"), 4);
	assert_string_equal(buf, "abc%");
	ours_unchecked(buf, sizeof(buf), "x%-08.3l");
	assert_string_equal(buf, "x%-08.3l");
}

static void test_snprintf_truncation(void **state)
{
	(void)state;
	char buf[32];
	const char *want = "value=12345 name=kernel";
	int len = (int)strlen(want);

	for (size_t size = 0; size <= sizeof(buf); size++) {
		memset(buf, 'Z', sizeof(buf));
		int n = snprintf(size ? buf : NULL, size, "value=%d name=%s",
				 12345, "kernel");

		assert_int_equal(n, len);
		if (size == 0) {
			assert_int_equal(buf[0], 'Z');
			continue;
		}
		size_t kept = (size_t)len < size - 1 ? (size_t)len : size - 1;

		assert_true(bytes_equal(buf, want, kept));
		assert_int_equal(buf[kept], '\0');
		/* Nothing past the terminator is touched. */
		for (size_t i = kept + 1; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'Z');
	}
}

static void test_char_nul_is_output(void **state)
{
	(void)state;
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_true(bytes_equal(buf, "a\0b\0", 4));
}

struct sink_log {
	char text[128];
	size_t calls;
};

static void log_sink(void *ctx, char c)
{
	struct sink_log *log = ctx;

	if (log->calls < sizeof(log->text))
		log->text[log->calls] = c;
	log->calls++;
}

static void test_cbprintf_sink(void **state)
{
	(void)state;
	struct sink_log log = {.calls = 0};

	int n = cbprintf(log_sink, &log, "[%-6s|%04x|%+d]", "ab", 0x2au, 9);

	assert_int_equal(n, 16);
	assert_int_equal(log.calls, 16);
	log.text[log.calls] = '\0';
	assert_string_equal(log.text, "[ab    |002a|+9]");
	log.calls = 0;
	assert_int_equal(cbprintf(log_sink, &log, "%s", ""), 0);
	assert_int_equal(log.calls, 0);
}

struct run_log {
	char text[256];
	size_t len;
	size_t runs;
	size_t sizes[32];
};

static void log_run(void *ctx, const char *s, size_t n)
{
	struct run_log *log = ctx;

	assert_true(n > 0);
	if (log->runs < ARRAY_SIZE(log->sizes))
		log->sizes[log->runs] = n;
	log->runs++;
	for (size_t i = 0; i < n; i++) {
		if (log->len < sizeof(log->text))
			log->text[log->len] = s[i];
		log->len++;
	}
}

static int runs_printf(struct run_log *log, const char *fmt, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static int runs_printf(struct run_log *log, const char *fmt, ...)
{
	va_list ap;
	int n;

	log->len = log->runs = 0;
	va_start(ap, fmt);
	n = vcbprintf_runs(log_run, log, fmt, ap);
	va_end(ap);
	return n;
}

/* The runs add up to what vsnprintf gives; literal text comes in one run,
 * padding of any width in runs of at most 16; nothing empty is handed
 * over. */
static void test_runs(void **state)
{
	struct run_log log;
	char want[256];
	int n;

	(void)state;
	n = runs_printf(&log, "kernel: container '%s' started: pager tid %u, "
			      "entry 0x%08x\n", "bench", 1u, 0x10000000u);
	snprintf(want, sizeof(want), "kernel: container '%s' started: pager "
				     "tid %u, entry 0x%08x\n", "bench", 1u,
		 0x10000000u);
	assert_int_equal(n, (int)strlen(want));
	assert_int_equal(log.len, strlen(want));
	assert_true(bytes_equal(log.text, want, log.len));
	assert_int_equal(log.sizes[0], strlen("kernel: container '"));
	assert_int_equal(log.sizes[1], strlen("bench"));
	assert_int_equal(log.sizes[2], strlen("' started: pager tid "));

	n = runs_printf(&log, "%40d|%-37s|%.20u|%c", -5, "x", 7u, 0);
	snprintf(want, sizeof(want), "%40d|%-37s|%.20u|%c", -5, "x", 7u, 0);
	assert_int_equal(n, 40 + 1 + 37 + 1 + 20 + 1 + 1);
	assert_int_equal(log.len, (size_t)n);
	assert_true(bytes_equal(log.text, want, log.len));
	for (size_t i = 0; i < log.runs && i < ARRAY_SIZE(log.sizes); i++)
		assert_true(log.sizes[i] <= 37);

	assert_int_equal(runs_printf(&log, "%s", ""), 0);
	assert_int_equal(log.runs, 0);
	assert_int_equal(runs_printf(&log, "abc"), 3);
	assert_int_equal(log.runs, 1);
}

static void test_large_width(void **state)
{
	(void)state;
	char buf[16];

	/* Output far beyond the buffer still counts, and stays in bounds. */
	assert_int_equal(snprintf(buf, sizeof(buf), "%1000d", 1), 1000);
	assert_int_equal(buf[15], '\0');
	assert_int_equal(snprintf(buf, sizeof(buf), "%.500u", 1u), 500);
	assert_int_equal(snprintf(NULL, 0, "%-*.*d|", 70000, 65000, 5), 70001);
}

static void test_summary(void **state)
{
	(void)state;
	print_message("compared %lu formattings against glibc\n", nr_compared);
	assert_true(nr_compared > 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated_signed),
	    cmocka_unit_test(test_generated_unsigned),
	    cmocka_unit_test(test_generated_string_char_pointer),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_star),
	    cmocka_unit_test(test_null_string_precision),
	    cmocka_unit_test(test_unknown_conversion_stops),
	    cmocka_unit_test(test_snprintf_truncation),
	    cmocka_unit_test(test_char_nul_is_output),
	    cmocka_unit_test(test_cbprintf_sink),
	    cmocka_unit_test(test_runs),
	    cmocka_unit_test(test_large_width),
	    cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
