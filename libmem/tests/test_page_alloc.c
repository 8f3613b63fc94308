/*
 * Host tests for libmem/page_alloc.c.
 *
 * Built with the standard libmem host-test flags, nothing extra. The
 * allocator never touches the pages themselves, so the "physical"
 * addresses here are just numbers and no memory backs them.
 */
#include "../../libc/tests/host_rename.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include <string.h>
#include <libmem/page_alloc.h>

#define PG	  PAGE_ALLOC_SIZE
#define MAX_PAGES 1024

static uint32_t bitmap[PAGE_ALLOC_BITMAP_WORDS(MAX_PAGES) + 1];

static bool page_used(const struct page_alloc *pa, uint32_t idx)
{
	return pa->bitmap[idx / 32] >> (idx % 32) & 1;
}

/* Recounts the bitmap; also checks the tail bits stay set. */
static uint32_t recount_free(const struct page_alloc *pa)
{
	uint32_t nfree = 0;

	for (uint32_t i = 0; i < pa->nr_pages; i++)
		nfree += !page_used(pa, i);
	for (uint32_t i = pa->nr_pages; i % 32; i++)
		assert_true(page_used(pa, i));
	return nfree;
}

static void init_ok(struct page_alloc *pa, uint32_t base, uint32_t n)
{
	assert_true(n <= MAX_PAGES);
	assert_int_equal(page_alloc_init(pa, base, n, bitmap), 0);
}

static void test_init(void **state)
{
	(void)state;
	struct page_alloc pa;

	for (uint32_t n = 1; n <= 100; n++) {
		init_ok(&pa, 0x80000000u, n);
		assert_int_equal(page_alloc_free_count(&pa), n);
		assert_int_equal(recount_free(&pa), n);
	}
	assert_true(page_alloc_contains(&pa, 0x80000000u));
	assert_true(page_alloc_contains(&pa, 0x80000000u + 100 * PG - 1));
	assert_false(page_alloc_contains(&pa, 0x80000000u + 100 * PG));
	assert_false(page_alloc_contains(&pa, 0x7fffffffu));
}

/* A zero bitmap taken as it is: the same allocator as page_alloc_init
 * gives, the tail bits set; errors as page_alloc_init's. */
static void test_init_zeroed(void **state)
{
	(void)state;
	struct page_alloc pa;

	for (uint32_t n = 1; n <= 100; n++) {
		memset(bitmap, 0, sizeof(bitmap));
		assert_int_equal(
		    page_alloc_init_zeroed(&pa, 0x80000000u, n, bitmap), 0);
		assert_int_equal(page_alloc_free_count(&pa), n);
		assert_int_equal(recount_free(&pa), n);
	}
	memset(bitmap, 0, sizeof(bitmap));
	assert_int_equal(page_alloc_init_zeroed(&pa, 0, 40, bitmap), 0);
	assert_int_equal(page_alloc_free_count(&pa), 39); /* page 0 */
	assert_int_equal(recount_free(&pa), 39);
	assert_int_equal(page_alloc_init_zeroed(&pa, 0x80000800u, 16, bitmap),
			 -LIBMEM_EINVAL);
	assert_int_equal(page_alloc_free_count(&pa), 0);
}

static void test_init_errors_leave_empty_allocator(void **state)
{
	(void)state;
	struct page_alloc pa;

	assert_int_equal(page_alloc_init(&pa, 0x80000800u, 16, bitmap),
			 -LIBMEM_EINVAL);
	assert_int_equal(page_alloc_free_count(&pa), 0);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), 0);
	assert_int_equal(page_free_pages(&pa, 0x80000000u, 1), -LIBMEM_ERANGE);
	assert_int_equal(page_alloc_init(&pa, 0x80000000u, 0, bitmap),
			 -LIBMEM_EINVAL);
	assert_int_equal(page_alloc_init(&pa, 0x80000000u, 16, NULL),
			 -LIBMEM_EINVAL);
	/* One page too many to stay below 4 GiB. */
	assert_int_equal(page_alloc_init(&pa, 0xffff0000u, 17, bitmap),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), 0);
	assert_int_equal(page_alloc_reserve(&pa, 0xffff0000u, 1),
			 -LIBMEM_ERANGE);
}

static void test_range_ending_at_4g(void **state)
{
	(void)state;
	struct page_alloc pa;
	uint32_t last = 0;

	init_ok(&pa, 0xffff0000u, 16);
	for (int i = 0; i < 16; i++)
		last = page_alloc_pages(&pa, 1, 0);
	assert_int_equal(last, 0xfffff000u);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), 0);
	assert_int_equal(page_free_pages(&pa, 0xfffff000u, 2), -LIBMEM_ERANGE);
	assert_int_equal(page_free_pages(&pa, 0xfffff000u, 1), 0);
	/* [0xfffff000, +0x2000) wraps a 32-bit address: outside. */
	assert_int_equal(page_alloc_reserve(&pa, 0xfffff000u, 0x2000),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_alloc_reserve(&pa, 0xfffff000u, 0x1000), 0);
	assert_int_equal(page_alloc_free_count(&pa), 0);
}

static void test_base_zero_never_returns_page_zero(void **state)
{
	(void)state;
	struct page_alloc pa;

	init_ok(&pa, 0, 8);
	assert_int_equal(page_alloc_free_count(&pa), 7);
	for (uint32_t i = 1; i < 8; i++)
		assert_int_equal(page_alloc_pages(&pa, 1, 0), i * PG);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), 0);
	assert_int_equal(page_free_pages(&pa, 0, 1), -LIBMEM_EINVAL);
	/* Reserving low memory reports page 0 as already in use. */
	assert_int_equal(page_free_pages(&pa, PG, 1), 0);
	assert_int_equal(page_alloc_reserve(&pa, 0, 2 * PG), 1);
	assert_int_equal(page_alloc_free_count(&pa), 0);
}

static void test_single_pages_next_fit(void **state)
{
	(void)state;
	struct page_alloc pa;
	const uint32_t base = 0x40000000u, n = 100;

	init_ok(&pa, base, n);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(page_alloc_pages(&pa, 1, 0), base + i * PG);
	assert_int_equal(page_alloc_free_count(&pa), 0);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), 0);

	/* A free after exhaustion makes allocation succeed again. */
	assert_int_equal(page_free_pages(&pa, base + 42 * PG, 1), 0);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), base + 42 * PG);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), 0);

	/* Next-fit: freed pages behind the hint are used after wrapping. */
	assert_int_equal(page_free_pages(&pa, base + 10 * PG, 1), 0);
	assert_int_equal(page_free_pages(&pa, base + 90 * PG, 1), 0);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), base + 90 * PG);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), base + 10 * PG);
	assert_int_equal(recount_free(&pa), 0);
}

static void test_contiguous_and_aligned(void **state)
{
	(void)state;
	struct page_alloc pa;
	/* Base deliberately not 16 KiB aligned: alignment is physical. */
	const uint32_t base = 0x80001000u;

	init_ok(&pa, base, 64);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), base);
	uint32_t l1 = page_alloc_pages(&pa, 4, 4);

	assert_int_equal(l1, 0x80004000u);
	assert_int_equal(l1 % (16 * 1024), 0);
	/* The gap before the aligned run is still free. */
	assert_int_equal(page_alloc_free_count(&pa), 64 - 5);
	assert_false(page_used(&pa, 1));
	assert_false(page_used(&pa, 2));
	assert_true(page_used(&pa, 3));

	uint32_t big = page_alloc_pages(&pa, 8, 8);

	assert_int_equal(big % (8 * PG), 0);
	assert_true(big >= l1 + 4 * PG);
	for (uint32_t i = 0; i < 8; i++)
		assert_true(page_used(&pa, (big - base) / PG + i));

	/* Alignment 0 and 1 mean the same; other non-powers fail. */
	assert_int_equal(page_alloc_pages(&pa, 1, 3), 0);
	assert_int_equal(page_alloc_pages(&pa, 2, 6), 0);
	assert_int_equal(page_alloc_pages(&pa, 0, 1), 0);
	assert_int_not_equal(page_alloc_pages(&pa, 2, 1), 0);

	/* An alignment nothing in the range satisfies. */
	assert_int_equal(page_alloc_pages(&pa, 1, 1u << 19), 0);
	/* More pages than are free. */
	assert_int_equal(page_alloc_pages(&pa, 65, 0), 0);
	assert_int_equal(recount_free(&pa), page_alloc_free_count(&pa));
}

static void test_fragmentation(void **state)
{
	(void)state;
	struct page_alloc pa;
	const uint32_t base = 0x10000000u, n = 64;

	init_ok(&pa, base, n);
	for (uint32_t i = 0; i < n; i++)
		page_alloc_pages(&pa, 1, 0);
	for (uint32_t i = 0; i < n; i += 2)
		assert_int_equal(page_free_pages(&pa, base + i * PG, 1), 0);
	assert_int_equal(page_alloc_free_count(&pa), n / 2);
	/* Half the pages are free, but no two adjacent ones. */
	assert_int_equal(page_alloc_pages(&pa, 2, 0), 0);
	assert_int_equal(page_free_pages(&pa, base + 21 * PG, 1), 0);
	assert_int_equal(page_alloc_pages(&pa, 3, 0), base + 20 * PG);
	assert_int_equal(page_alloc_pages(&pa, 2, 0), 0);
	assert_int_equal(page_alloc_free_count(&pa), n / 2 - 2);
}

static void test_run_across_hint(void **state)
{
	(void)state;
	struct page_alloc pa;
	const uint32_t base = 0x20000000u;

	init_ok(&pa, base, 16);
	assert_int_equal(page_alloc_pages(&pa, 16, 0), base);
	/* Free pages 4..9, then put the hint at 6 by allocating 4..5. */
	assert_int_equal(page_free_pages(&pa, base + 4 * PG, 6), 0);
	assert_int_equal(page_alloc_pages(&pa, 2, 0), base + 4 * PG);
	assert_int_equal(page_free_pages(&pa, base + 4 * PG, 2), 0);
	/* The only 5-page run, 4..8, starts before the hint at 6. */
	assert_int_equal(page_alloc_pages(&pa, 5, 0), base + 4 * PG);
	assert_int_equal(page_alloc_free_count(&pa), 1);
}

static void test_reserve(void **state)
{
	(void)state;
	struct page_alloc pa;
	const uint32_t base = 0x80000000u;

	init_ok(&pa, base, 32);
	assert_int_equal(page_alloc_reserve(&pa, base + 0x1800, 0x1000), 0);
	/* Unaligned start and end: pages 1 and 2 are both touched. */
	assert_int_equal(page_alloc_free_count(&pa), 30);
	assert_true(page_used(&pa, 1) && page_used(&pa, 2));
	/* Sharing page 2 with the previous region is not an error. */
	assert_int_equal(page_alloc_reserve(&pa, base + 0x2800, 0x2000), 1);
	assert_int_equal(page_alloc_free_count(&pa), 28);
	assert_int_equal(page_alloc_reserve(&pa, base + PG, 4 * PG), 4);
	assert_int_equal(page_alloc_reserve(&pa, base, 1), 0);
	assert_int_equal(page_alloc_reserve(&pa, base + 5 * PG, 0), 0);
	assert_int_equal(page_alloc_free_count(&pa), 27);

	/* Outside or straddling the range: error, nothing changes. */
	assert_int_equal(page_alloc_reserve(&pa, base - PG, 2 * PG),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_alloc_reserve(&pa, base + 31 * PG, PG + 1),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_alloc_reserve(&pa, 0x10000000u, PG),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_alloc_free_count(&pa), 27);
	assert_false(page_used(&pa, 31));
	assert_int_equal(recount_free(&pa), 27);

	/* Reserved pages are never allocated... */
	for (uint32_t a; (a = page_alloc_pages(&pa, 1, 0));)
		assert_true(a >= base + 5 * PG);
	/* ...but may be freed, e.g. to release boot memory. */
	assert_int_equal(page_free_pages(&pa, base, 5), 0);
	assert_int_equal(page_alloc_free_count(&pa), 5);
}

static void test_free_errors(void **state)
{
	(void)state;
	struct page_alloc pa;
	const uint32_t base = 0x80000000u;

	init_ok(&pa, base, 16);
	uint32_t a = page_alloc_pages(&pa, 4, 0);

	assert_int_equal(page_free_pages(&pa, a + 1, 1), -LIBMEM_EINVAL);
	assert_int_equal(page_free_pages(&pa, a + 0x800, 1), -LIBMEM_EINVAL);
	assert_int_equal(page_free_pages(&pa, a, 0), -LIBMEM_EINVAL);
	assert_int_equal(page_free_pages(&pa, 0, 1), -LIBMEM_EINVAL);
	assert_int_equal(page_free_pages(&pa, base - PG, 1), -LIBMEM_ERANGE);
	assert_int_equal(page_free_pages(&pa, base + 16 * PG, 1),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_free_pages(&pa, base + 15 * PG, 2),
			 -LIBMEM_ERANGE);
	assert_int_equal(page_free_pages(&pa, a, 0xffffffffu), -LIBMEM_ERANGE);
	/* Partly free range: refused whole, the used pages stay used. */
	assert_int_equal(page_free_pages(&pa, a + 2 * PG, 4), -LIBMEM_EALREADY);
	assert_int_equal(page_alloc_free_count(&pa), 12);
	assert_true(page_used(&pa, 2) && page_used(&pa, 3));

	assert_int_equal(page_free_pages(&pa, a, 4), 0);
	assert_int_equal(page_free_pages(&pa, a, 4), -LIBMEM_EALREADY);
	assert_int_equal(page_free_pages(&pa, a + PG, 1), -LIBMEM_EALREADY);
	assert_int_equal(page_alloc_free_count(&pa), 16);
	assert_int_equal(recount_free(&pa), 16);
}

static void test_alloc_free_cycles_restore_count(void **state)
{
	(void)state;
	struct page_alloc pa;
	uint32_t addrs[40];

	init_ok(&pa, 0x80000000u, 333);
	page_alloc_reserve(&pa, 0x80000000u, 10 * PG);
	uint32_t start = page_alloc_free_count(&pa);

	for (int cycle = 0; cycle < 50; cycle++) {
		for (int i = 0; i < 40; i++) {
			addrs[i] =
			    page_alloc_pages(&pa, 1 + i % 5, 1u << (i % 3));
			assert_int_not_equal(addrs[i], 0);
		}
		for (int i = 39; i >= 0; i -= 2)
			assert_int_equal(
			    page_free_pages(&pa, addrs[i], 1 + i % 5), 0);
		for (int i = 0; i < 40; i += 2)
			assert_int_equal(
			    page_free_pages(&pa, addrs[i], 1 + i % 5), 0);
		assert_int_equal(page_alloc_free_count(&pa), start);
	}
	assert_int_equal(recount_free(&pa), start);
}

static void test_whole_4g(void **state)
{
	(void)state;
	static uint32_t big_bitmap[PAGE_ALLOC_BITMAP_WORDS(1u << 20)];
	struct page_alloc pa;

	assert_int_equal(page_alloc_init(&pa, 0, 1u << 20, big_bitmap), 0);
	assert_int_equal(page_alloc_free_count(&pa), (1u << 20) - 1);
	assert_int_equal(page_alloc_pages(&pa, 1, 0), PG);
	assert_int_equal(page_alloc_pages(&pa, 1u << 19, 1u << 19),
			 0x80000000u);
	assert_int_equal(page_alloc_pages(&pa, 1u << 19, 1u << 19), 0);
	assert_int_equal(page_alloc_pages(&pa, 4, 4), 0x4000u);
	assert_int_equal(page_free_pages(&pa, 0x80000000u, 1u << 19), 0);
	assert_int_equal(page_alloc_reserve(&pa, 0xfffff000u, PG), 0);
}

/* ---- randomized stress against a shadow model ------------------------ */

#define STRESS_PAGES 300
#define STRESS_OPS   200000
#define MAX_LIVE     128

struct live {
	uint32_t addr, n;
};

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % bound;
}

/* True if an aligned free run of n pages exists in the shadow. */
static bool shadow_has_run(const bool *used, uint32_t base, uint32_t n,
			   uint32_t align)
{
	for (uint32_t i = 0; i + n <= STRESS_PAGES; i++) {
		if ((base / PG + i) % align)
			continue;
		uint32_t k = 0;

		while (k < n && !used[i + k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static void stress_alloc(struct page_alloc *pa, bool *used, struct live *live,
			 uint32_t *nlive, uint32_t base)
{
	static const uint32_t aligns[] = {0, 1, 1, 1, 2, 4, 8, 16};
	uint32_t n = rnd(4) ? 1 : 1 + rnd(12);
	uint32_t align = aligns[rnd(8)];
	uint32_t a = page_alloc_pages(pa, n, align);

	if (!a) {
		assert_false(shadow_has_run(used, base, n, align ? align : 1));
		return;
	}
	assert_true(page_alloc_contains(pa, a));
	if (align)
		assert_int_equal((a / PG) % align, 0);
	uint32_t first = (a - base) / PG;

	assert_true(first + n <= STRESS_PAGES);
	for (uint32_t i = first; i < first + n; i++) {
		assert_false(used[i]);
		used[i] = true;
	}
	live[(*nlive)++] = (struct live){a, n};
}

static void stress_free(struct page_alloc *pa, bool *used, struct live *live,
			uint32_t *nlive)
{
	uint32_t k = rnd(*nlive);
	struct live l = live[k];

	assert_int_equal(page_free_pages(pa, l.addr, l.n), 0);
	for (uint32_t i = 0; i < l.n; i++)
		used[(l.addr - pa->base) / PG + i] = false;
	live[k] = live[--*nlive];
	/* Freeing it again must fail and change nothing. */
	assert_int_equal(page_free_pages(pa, l.addr, l.n), -LIBMEM_EALREADY);
}

static void test_random_stress(void **state)
{
	(void)state;
	struct page_alloc pa;
	static bool used[STRESS_PAGES];
	static struct live live[MAX_LIVE];
	uint32_t nlive = 0;
	const uint32_t base = 0x80003000u; /* odd alignment on purpose */

	init_ok(&pa, base, STRESS_PAGES);
	/* A reserved hole, as the kernel image would be. */
	assert_int_equal(page_alloc_reserve(&pa, base + 100 * PG, 7 * PG), 0);
	for (uint32_t i = 100; i < 107; i++)
		used[i] = true;

	for (uint32_t op = 0; op < STRESS_OPS; op++) {
		if (nlive < MAX_LIVE && (nlive == 0 || rnd(100) < 55))
			stress_alloc(&pa, used, live, &nlive, base);
		else
			stress_free(&pa, used, live, &nlive);

		if (op % 97 == 0) {
			uint32_t nfree = 0;

			for (uint32_t i = 0; i < STRESS_PAGES; i++) {
				assert_int_equal(page_used(&pa, i), used[i]);
				nfree += !used[i];
			}
			assert_int_equal(page_alloc_free_count(&pa), nfree);
			assert_int_equal(recount_free(&pa), nfree);
		}
	}
	while (nlive)
		stress_free(&pa, used, live, &nlive);
	assert_int_equal(page_alloc_free_count(&pa), STRESS_PAGES - 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init),
	    cmocka_unit_test(test_init_zeroed),
	    cmocka_unit_test(test_init_errors_leave_empty_allocator),
	    cmocka_unit_test(test_range_ending_at_4g),
	    cmocka_unit_test(test_base_zero_never_returns_page_zero),
	    cmocka_unit_test(test_single_pages_next_fit),
	    cmocka_unit_test(test_contiguous_and_aligned),
	    cmocka_unit_test(test_fragmentation),
	    cmocka_unit_test(test_run_across_hint),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_free_errors),
	    cmocka_unit_test(test_alloc_free_cycles_restore_count),
	    cmocka_unit_test(test_whole_4g),
	    cmocka_unit_test(test_random_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
