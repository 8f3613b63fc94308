/*
 * Host tests for libmem/kmalloc.c.
 *
 * Built with the standard libmem host-test flags, nothing extra. Pages come
 * from the static pool in page_pool.h.
 */
#include "../../libc/tests/host_rename.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "../../libc/include/string.h"
#include <libmem/kmalloc.h>

#include "page_pool.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void km_ok(struct kmalloc *km, struct page_pool *pp, unsigned limit)
{
	pool_init(pp, limit);
	assert_int_equal(kmalloc_init(km, pool_get, pool_put, pp), 0);
}

/* Returns the class size kmalloc should use for size. */
static size_t expected_class(size_t size)
{
	size_t c = KMALLOC_MIN_SIZE;

	while (c < size)
		c *= 2;
	return c;
}

static void no_leaks(struct kmalloc *km, struct page_pool *pp)
{
	assert_true(kmalloc_pages(km) <= KMALLOC_NR_CLASSES);
	kmalloc_shrink(km);
	assert_int_equal(kmalloc_pages(km), 0);
	assert_int_equal(pp->outstanding, 0);
}

static void test_init_errors(void **state)
{
	(void)state;
	struct kmalloc km;
	struct page_pool pp;

	pool_init(&pp, 1);
	assert_int_equal(kmalloc_init(&km, NULL, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(kmalloc_init(&km, pool_get, NULL, &pp),
			 -LIBMEM_EINVAL);
}

static void test_every_size(void **state)
{
	(void)state;
	struct kmalloc km;
	struct page_pool pp;

	km_ok(&km, &pp, 100);
	for (size_t size = 1; size <= KMALLOC_MAX_SIZE; size++) {
		uint8_t *p = kmalloc(&km, size);
		size_t cls = expected_class(size);

		assert_non_null(p);
		assert_int_equal(ksize(&km, p), cls);
		/* Natural alignment: aligned to the class size. */
		assert_int_equal((uintptr_t)p % cls, 0);
		memset(p, 0xab, cls);
		assert_int_equal(kfree(&km, p), 0);
	}
	no_leaks(&km, &pp);
}

static void test_bad_sizes(void **state)
{
	(void)state;
	struct kmalloc km;
	struct page_pool pp;

	km_ok(&km, &pp, 100);
	assert_null(kmalloc(&km, 0));
	assert_null(kmalloc(&km, KMALLOC_MAX_SIZE + 1));
	assert_null(kmalloc(&km, 4096));
	assert_null(kmalloc(&km, SIZE_MAX));
	assert_int_equal(pp.gets, 0);
	assert_int_equal(kmalloc_pages(&km), 0);
}

static void test_free_errors(void **state)
{
	(void)state;
	struct kmalloc km, other;
	struct obj_cache lone;
	struct page_pool pp, pp2, pp3;

	km_ok(&km, &pp, 100);
	km_ok(&other, &pp2, 100);
	pool_init(&pp3, 10);
	assert_int_equal(
	    obj_cache_init(&lone, 64, 64, pool_get, pool_put, &pp3), 0);
	uint8_t *p = kmalloc(&km, 100);
	uint8_t *q = kmalloc(&other, 100);
	void *r = obj_alloc(&lone);

	assert_int_equal(kfree(&km, NULL), 0);
	assert_int_equal(kfree(&km, p + 1), -LIBMEM_EINVAL);
	assert_int_equal(kfree(&km, p + 64), -LIBMEM_EINVAL);
	assert_int_equal(kfree(&km, q), -LIBMEM_ERANGE);
	assert_int_equal(kfree(&other, p), -LIBMEM_ERANGE);
	assert_int_equal(kfree(&km, r), -LIBMEM_ERANGE);
	assert_int_equal(kfree(&km, pool_unowned_page() + 128), -LIBMEM_ERANGE);
	assert_int_equal(ksize(&km, q), 0);
	assert_int_equal(ksize(&km, NULL), 0);

	/* Nothing was disturbed; then double free is caught. */
	assert_int_equal(obj_cache_in_use(&km.classes[3]), 1);
	assert_int_equal(kfree(&km, p), 0);
	assert_int_equal(kfree(&km, p), -LIBMEM_EALREADY);
	assert_int_equal(kfree(&other, q), 0);
	assert_int_equal(obj_free(&lone, r), 0);
	obj_cache_shrink(&lone);
	no_leaks(&km, &pp);
	no_leaks(&other, &pp2);
	assert_int_equal(pp3.outstanding, 0);
}

static void test_exhaustion_and_recovery(void **state)
{
	(void)state;
	struct kmalloc km;
	struct page_pool pp;
	void *big[3];

	km_ok(&km, &pp, 3);
	/* One 2048-byte object per page. */
	for (unsigned i = 0; i < 3; i++) {
		big[i] = kmalloc(&km, 2048);
		assert_non_null(big[i]);
	}
	assert_null(kmalloc(&km, 2048));
	assert_null(kmalloc(&km, 16)); /* no page for another class either */
	assert_int_equal(kfree(&km, big[1]), 0);
	/* The emptied page is kept as 2048's spare and reused. */
	big[1] = kmalloc(&km, 1500);
	assert_non_null(big[1]);
	assert_int_equal(pp.gets, 3);
	/* Releasing the spare lets another class have the page. */
	assert_int_equal(kfree(&km, big[1]), 0);
	assert_int_equal(kmalloc_shrink(&km), 1);
	void *small = kmalloc(&km, 16);

	assert_non_null(small);
	assert_int_equal(kfree(&km, small), 0);
	assert_int_equal(kfree(&km, big[0]), 0);
	assert_int_equal(kfree(&km, big[2]), 0);
	no_leaks(&km, &pp);
}

static void test_cycles_return_to_start(void **state)
{
	(void)state;
	struct kmalloc km;
	struct page_pool pp;
	void *ptrs[256];

	km_ok(&km, &pp, 200);
	for (int cycle = 0; cycle < 20; cycle++) {
		for (unsigned i = 0; i < ARRAY_SIZE(ptrs); i++) {
			ptrs[i] = kmalloc(&km, 1 + (i * 37 + cycle) % 2048);
			assert_non_null(ptrs[i]);
		}
		for (unsigned i = 0; i < ARRAY_SIZE(ptrs); i++)
			assert_int_equal(kfree(&km, ptrs[i]), 0);
		for (unsigned c = 0; c < KMALLOC_NR_CLASSES; c++)
			assert_int_equal(obj_cache_in_use(&km.classes[c]), 0);
		/* At most one spare per class survives a full cycle. */
		assert_true(kmalloc_pages(&km) <= KMALLOC_NR_CLASSES);
	}
	no_leaks(&km, &pp);
}

/* ---- randomized stress against a shadow model ------------------------ */

#define MAX_LIVE   400
#define STRESS_OPS 100000

struct live {
	uint8_t *p;
	size_t size;
	uint8_t tag;
};

static uint32_t rng = 0x2545f491u;

static uint32_t rnd(uint32_t bound)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % bound;
}

/* Sizes spread over all classes, small ones more often. */
static size_t random_size(void)
{
	unsigned shift = rnd(KMALLOC_MAX_SHIFT + 1);

	return 1 + rnd(1u << shift);
}

static bool holds_tag(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++) {
		if (l->p[i] != l->tag)
			return false;
	}
	return true;
}

static void test_random_stress(void **state)
{
	(void)state;
	struct kmalloc km;
	struct page_pool pp;
	static struct live live[MAX_LIVE];
	unsigned nlive = 0;

	km_ok(&km, &pp, POOL_PAGES);
	for (unsigned op = 0; op < STRESS_OPS; op++) {
		if (nlive < MAX_LIVE && (nlive == 0 || rnd(100) < 50)) {
			struct live l = {.size = random_size()};

			l.p = kmalloc(&km, l.size);
			assert_non_null(l.p);
			assert_int_equal(ksize(&km, l.p),
					 expected_class(l.size));
			l.tag = (uint8_t)rnd(256);
			memset(l.p, l.tag, l.size);
			live[nlive++] = l;
		} else {
			unsigned k = rnd(nlive);

			assert_true(holds_tag(&live[k]));
			assert_int_equal(kfree(&km, live[k].p), 0);
			int again = kfree(&km, live[k].p);

			assert_true(again == -LIBMEM_EALREADY ||
				    again == -LIBMEM_ERANGE);
			live[k] = live[--nlive];
		}
		if (op % 211 == 0) {
			uint32_t in_use = 0;

			for (unsigned c = 0; c < KMALLOC_NR_CLASSES; c++)
				in_use += obj_cache_in_use(&km.classes[c]);
			assert_int_equal(in_use, nlive);
			assert_int_equal(pp.outstanding, kmalloc_pages(&km));
		}
	}
	while (nlive) {
		assert_true(holds_tag(&live[nlive - 1]));
		assert_int_equal(kfree(&km, live[--nlive].p), 0);
	}
	no_leaks(&km, &pp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_every_size),
	    cmocka_unit_test(test_bad_sizes),
	    cmocka_unit_test(test_free_errors),
	    cmocka_unit_test(test_exhaustion_and_recovery),
	    cmocka_unit_test(test_cycles_return_to_start),
	    cmocka_unit_test(test_random_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
