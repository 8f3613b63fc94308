/*
 * Host tests for libc/string.c and libc/include/ctype.h.
 *
 * Built with the standard libc host-test flags, nothing extra (see
 * host_rename.h for the renaming and include order).
 *
 * Results are checked against naive byte loops written here, never against
 * the functions under test. Buffers carry guard bytes on both sides so any
 * out-of-bounds write shows up.
 */
#include "host_rename.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../include/ctype.h"
#include "../include/string.h"

#define BUF    160
#define GUARD  0xa5
#define MAXOFF 8
#define MAXLEN 100

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7 + (i >> 3));
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_memcpy_all_alignments(void **state)
{
	(void)state;
	unsigned char src[BUF], dst[BUF], ref[BUF];

	for (size_t so = 0; so < MAXOFF; so++) {
		for (size_t d_o = 0; d_o < MAXOFF; d_o++) {
			for (size_t n = 0; n <= MAXLEN; n++) {
				fill_pattern(src, BUF, (unsigned)(so + n));
				for (size_t i = 0; i < BUF; i++)
					dst[i] = ref[i] = GUARD;
				for (size_t i = 0; i < n; i++)
					ref[d_o + i] = src[so + i];
				void *r = memcpy(dst + d_o, src + so, n);

				assert_ptr_equal(r, dst + d_o);
				assert_memory_equal(dst, ref, BUF);
			}
		}
	}
}

/* Reference memmove through a temporary copy. */
static void ref_move(unsigned char *buf, size_t to, size_t from, size_t n)
{
	unsigned char tmp[BUF];

	for (size_t i = 0; i < n; i++)
		tmp[i] = buf[from + i];
	for (size_t i = 0; i < n; i++)
		buf[to + i] = tmp[i];
}

static void test_memmove_overlap(void **state)
{
	(void)state;
	unsigned char buf[BUF], ref[BUF];

	/* Every (from, to) pair within a window, overlapping or not. */
	for (size_t from = 0; from < 24; from++) {
		for (size_t to = 0; to < 24; to++) {
			for (size_t n = 0; n <= 70; n++) {
				fill_pattern(buf, BUF, (unsigned)n);
				fill_pattern(ref, BUF, (unsigned)n);
				ref_move(ref, to, from, n);
				void *r = memmove(buf + to, buf + from, n);

				assert_ptr_equal(r, buf + to);
				assert_memory_equal(buf, ref, BUF);
			}
		}
	}
}

static void test_memmove_large_both_ways(void **state)
{
	(void)state;
	static unsigned char buf[8192], ref[8192];

	fill_pattern(buf, sizeof(buf), 3);
	fill_pattern(ref, sizeof(ref), 3);
	memmove(buf + 4, buf, 4000); /* forward overlap, aligned */
	for (size_t i = 4000; i-- > 0;)
		ref[4 + i] = ref[i];
	assert_memory_equal(buf, ref, sizeof(buf));
	memmove(buf + 1, buf + 2001, 3000); /* backward overlap, aligned */
	for (size_t i = 0; i < 3000; i++)
		ref[1 + i] = ref[2001 + i];
	assert_memory_equal(buf, ref, sizeof(buf));
}

static void test_memset_all_alignments(void **state)
{
	(void)state;
	unsigned char buf[BUF], ref[BUF];
	const int values[] = {0, 1, 0x7f, 0x80, 0xff, -1, 0x1ab, -128};

	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		for (size_t off = 0; off < MAXOFF; off++) {
			for (size_t n = 0; n <= MAXLEN; n++) {
				for (size_t i = 0; i < BUF; i++)
					buf[i] = ref[i] = GUARD;
				for (size_t i = 0; i < n; i++)
					ref[off + i] = (unsigned char)values[v];
				void *r = memset(buf + off, values[v], n);

				assert_ptr_equal(r, buf + off);
				assert_memory_equal(buf, ref, BUF);
			}
		}
	}
}

static void test_memcmp(void **state)
{
	(void)state;
	uint32_t wa[32], wb[32]; /* word aligned for the fast path */
	unsigned char *a = (unsigned char *)wa, *b = (unsigned char *)wb;

	fill_pattern(a, sizeof(wa), 1);
	fill_pattern(b, sizeof(wb), 1);
	assert_int_equal(memcmp(a, b, sizeof(wa)), 0);
	assert_int_equal(memcmp(a, b, 0), 0);
	for (size_t off = 0; off < 4; off++) {
		for (size_t pos = off; pos < sizeof(wa); pos++) {
			unsigned char save = b[pos];

			b[pos] = (unsigned char)(save + 1);
			assert_true(memcmp(a + off, b + off, sizeof(wa) - off) <
				    0);
			assert_true(memcmp(b + off, a + off, sizeof(wa) - off) >
				    0);
			/* Difference just past n is not seen. */
			assert_int_equal(memcmp(a + off, b + off, pos - off),
					 0);
			b[pos] = save;
		}
	}
	/* Bytes compare as unsigned char. */
	assert_true(memcmp("\x80", "\x01", 1) > 0);
	assert_true(memcmp("\x01", "\xff", 1) < 0);
}

static void test_strlen_strnlen(void **state)
{
	(void)state;
	char s[BUF];

	for (size_t off = 0; off < MAXOFF; off++) {
		for (size_t n = 0; n < 64; n++) {
			memset(s, 'x', sizeof(s));
			s[off + n] = '\0';
			assert_int_equal(strlen(s + off), n);
			assert_int_equal(strnlen(s + off, n), n);
			assert_int_equal(strnlen(s + off, n + 5), n);
			assert_int_equal(strnlen(s + off, n / 2), n / 2);
		}
	}
	assert_int_equal(strlen(""), 0);
	assert_int_equal(strnlen("abc", 0), 0);
	/* strnlen must not read past max: "ab" without a terminator. */
	char unterminated[2] = {'a', 'b'};

	assert_int_equal(strnlen(unterminated, 2), 2);
}

static void test_strcmp(void **state)
{
	(void)state;
	assert_int_equal(strcmp("", ""), 0);
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_true(strcmp("abc", "abd") < 0);
	assert_true(strcmp("abd", "abc") > 0);
	assert_true(strcmp("ab", "abc") < 0);
	assert_true(strcmp("abc", "ab") > 0);
	assert_true(strcmp("", "a") < 0);
	/* Unsigned comparison: 0xe9 sorts after 'a'. */
	assert_true(strcmp("\xe9", "a") > 0);
	assert_true(strcmp("a", "\xe9") < 0);
}

static void test_strncmp(void **state)
{
	(void)state;
	assert_int_equal(strncmp("abc", "xyz", 0), 0);
	assert_int_equal(strncmp("abcX", "abcY", 3), 0);
	assert_true(strncmp("abcX", "abcY", 4) < 0);
	assert_int_equal(strncmp("abc", "abc", 100), 0);
	assert_true(strncmp("ab", "abc", 3) < 0);
	assert_true(strncmp("abc", "ab", 3) > 0);
	/* Nothing after a common terminator is compared. */
	assert_int_equal(strncmp("ab\0x", "ab\0y", 4), 0);
	assert_true(strncmp("\x80", "\x7f", 1) > 0);
	assert_int_equal(sign(strncmp("b", "a", 1)), 1);
}

static void test_strchr(void **state)
{
	(void)state;
	const char *s = "hello, world";

	assert_ptr_equal(strchr(s, 'h'), s);
	assert_ptr_equal(strchr(s, 'o'), s + 4);
	assert_ptr_equal(strchr(s, 'd'), s + 11);
	assert_null(strchr(s, 'z'));
	assert_ptr_equal(strchr(s, '\0'), s + 12);
	assert_ptr_equal(strchr("", '\0'), strchr("", 0));
	/* c is converted to char: 0x100 + 'w' finds 'w'. */
	assert_ptr_equal(strchr(s, 0x100 + 'w'), s + 7);
	const char *hi = "a\xe9z";

	assert_ptr_equal(strchr(hi, 0xe9), hi + 1);
	assert_ptr_equal(strchr(hi, (char)0xe9), hi + 1);
}

static void test_strlcpy(void **state)
{
	(void)state;
	char buf[16];

	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(strlcpy(buf, "hello", sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], 'Q');

	/* Truncation: result >= size, always terminated. */
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(strlcpy(buf, "hello world", 6), 11);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], 'Q');

	/* Exactly fits (len == size - 1). */
	assert_int_equal(strlcpy(buf, "abc", 4), 3);
	assert_string_equal(buf, "abc");

	/* Size 1 gives an empty string, size 0 touches nothing. */
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", 1), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Q');
	memset(buf, 'Q', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", 0), 3);
	assert_int_equal(buf[0], 'Q');
	assert_int_equal(strlcpy(NULL, "abcd", 0), 4);

	assert_int_equal(strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* Plain-ASCII reference classification, independent of ctype.h. */
static void test_ctype(void **state)
{
	(void)state;
	for (int c = -300; c < 300; c++) {
		int digit = c >= '0' && c <= '9';
		int lower = c >= 'a' && c <= 'z';
		int upper = c >= 'A' && c <= 'Z';
		int alpha = lower || upper;
		int xdigit =
		    digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		int space = c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
			    c == '\f' || c == '\r';
		int print = c >= 32 && c <= 126;
		int cntrl = (c >= 0 && c < 32) || c == 127;

		assert_int_equal(!!isdigit(c), digit);
		assert_int_equal(!!islower(c), lower);
		assert_int_equal(!!isupper(c), upper);
		assert_int_equal(!!isalpha(c), alpha);
		assert_int_equal(!!isalnum(c), alpha || digit);
		assert_int_equal(!!isxdigit(c), xdigit);
		assert_int_equal(!!isspace(c), space);
		assert_int_equal(!!isprint(c), print);
		assert_int_equal(!!isgraph(c), print && c != ' ');
		assert_int_equal(!!iscntrl(c), cntrl);
		assert_int_equal(!!ispunct(c),
				 print && c != ' ' && !alpha && !digit);
		assert_int_equal(tolower(c), upper ? c + 32 : c);
		assert_int_equal(toupper(c), lower ? c - 32 : c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memcpy_all_alignments),
	    cmocka_unit_test(test_memmove_overlap),
	    cmocka_unit_test(test_memmove_large_both_ways),
	    cmocka_unit_test(test_memset_all_alignments),
	    cmocka_unit_test(test_memcmp),
	    cmocka_unit_test(test_strlen_strnlen),
	    cmocka_unit_test(test_strcmp),
	    cmocka_unit_test(test_strncmp),
	    cmocka_unit_test(test_strchr),
	    cmocka_unit_test(test_strlcpy),
	    cmocka_unit_test(test_ctype),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
