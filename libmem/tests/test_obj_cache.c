/*
 * Host tests for libmem/obj_cache.c.
 *
 * Built with the standard libmem host-test flags, nothing extra. Pages come
 * from the static pool in page_pool.h, which also checks that every page
 * handed back is one the cache really got.
 */
#include "../../libc/tests/host_rename.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include "../../libc/include/string.h"

#include <libmem/obj_cache.h>

#include "page_pool.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uintptr_t page_base(const void *p)
{
	return (uintptr_t)p & ~(uintptr_t)(OBJ_CACHE_PAGE_SIZE - 1);
}

static void cache_ok(struct obj_cache *c, struct page_pool *pp, size_t size,
		     size_t align, unsigned limit)
{
	pool_init(pp, limit);
	assert_int_equal(obj_cache_init(c, size, align, pool_get, pool_put, pp),
			 0);
}

/* Frees everything given, then returns the spare and checks for leaks. */
static void drain(struct obj_cache *c, struct page_pool *pp, void **objs,
		  unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(obj_free(c, objs[i]), 0);
	assert_int_equal(obj_cache_in_use(c), 0);
	assert_true(obj_cache_pages(c) <= 1);
	obj_cache_shrink(c);
	assert_int_equal(obj_cache_pages(c), 0);
	assert_int_equal(pp->outstanding, 0);
}

static void test_init_errors(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;

	pool_init(&pp, 10);
	assert_int_equal(obj_cache_init(&c, 32, 0, NULL, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 32, 0, pool_get, NULL, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 0, 0, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 32, 3, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 32, 24, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 32, 8192, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	/* No room for the header next to a page-sized object. */
	assert_int_equal(obj_cache_init(&c, 4096, 0, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 5000, 0, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	assert_int_equal(obj_cache_init(&c, 16, 4096, pool_get, pool_put, &pp),
			 -LIBMEM_EINVAL);
	/* A failed init leaves a cache that allocates nothing. */
	assert_int_equal(obj_cache_in_use(&c), 0);
	assert_int_equal(pp.gets, 0);

	assert_int_equal(obj_cache_init(&c, 4000, 0, pool_get, pool_put, &pp),
			 0);
	assert_int_equal(c.objs_per_page, 1);
	assert_int_equal(obj_cache_init(&c, 16, 2048, pool_get, pool_put, &pp),
			 0);
	assert_int_equal(c.objs_per_page, 1);
	assert_int_equal(c.first_offset, 2048);
	assert_int_equal(obj_cache_init(&c, 1, 1, pool_get, pool_put, &pp), 0);
	assert_true(c.obj_size >= sizeof(void *));
	assert_int_equal(pp.gets, 0);
}

static void test_basic_alloc_free(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	void *objs[600];

	cache_ok(&c, &pp, 40, 8, 100);
	unsigned per_page = c.objs_per_page;

	assert_true(per_page > 90 && per_page <= 4096 / 40);
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = obj_alloc(&c);
		assert_non_null(objs[i]);
		assert_int_equal((uintptr_t)objs[i] % 8, 0);
		assert_ptr_equal(obj_cache_of(objs[i]), &c);
		memset(objs[i], (int)i, 40);
		assert_int_equal(obj_cache_in_use(&c), i + 1);
	}
	assert_int_equal(obj_cache_pages(&c),
			 (ARRAY_SIZE(objs) + per_page - 1) / per_page);
	assert_int_equal(pp.outstanding, obj_cache_pages(&c));
	/* Nothing overlapped: every object still holds its own pattern. */
	for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
		for (unsigned b = 0; b < 40; b++)
			assert_int_equal(((uint8_t *)objs[i])[b], (uint8_t)i);
	}
	drain(&c, &pp, objs, ARRAY_SIZE(objs));
}

static void test_exhaustion_and_recovery(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	void *objs[1024];
	unsigned n = 0;

	cache_ok(&c, &pp, 64, 0, 2);
	while ((objs[n] = obj_alloc(&c)))
		n++;
	assert_int_equal(n, 2 * c.objs_per_page);
	assert_int_equal(obj_cache_pages(&c), 2);
	assert_null(obj_alloc(&c));

	/* A free makes the next allocation succeed, with no new page. */
	unsigned gets = pp.gets;

	assert_int_equal(obj_free(&c, objs[7]), 0);
	objs[7] = obj_alloc(&c);
	assert_non_null(objs[7]);
	assert_int_equal(pp.gets, gets);
	assert_null(obj_alloc(&c));
	drain(&c, &pp, objs, n);
}

static void test_double_free(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	void *keep, *a, *b;

	cache_ok(&c, &pp, 32, 0, 10);
	keep = obj_alloc(&c);
	a = obj_alloc(&c);
	b = obj_alloc(&c);
	assert_int_equal(obj_free(&c, a), 0);
	assert_int_equal(obj_free(&c, a), -LIBMEM_EALREADY);
	assert_int_equal(obj_cache_in_use(&c), 2);
	/* The list was not corrupted: two allocations, two distinct slots. */
	void *x = obj_alloc(&c), *y = obj_alloc(&c);

	assert_ptr_not_equal(x, y);
	assert_ptr_not_equal(x, b);
	assert_ptr_not_equal(y, b);
	assert_int_equal(c.nr_repairs, 0);
	assert_int_equal(obj_free(&c, x), 0);
	assert_int_equal(obj_free(&c, y), 0);
	assert_int_equal(obj_free(&c, b), 0);
	assert_int_equal(obj_free(&c, keep), 0);
	/* The emptied page is the spare: still detected as a double free. */
	assert_int_equal(obj_cache_pages(&c), 1);
	assert_int_equal(obj_free(&c, keep), -LIBMEM_EALREADY);
	/* Once the page has gone back, the pointer is simply foreign. */
	assert_int_equal(obj_cache_shrink(&c), 1);
	assert_int_equal(obj_free(&c, keep), -LIBMEM_ERANGE);
	assert_int_equal(obj_cache_in_use(&c), 0);
	assert_int_equal(pp.outstanding, 0);
}

static void test_foreign_and_misaligned_pointers(void **state)
{
	(void)state;
	struct obj_cache c, other;
	struct page_pool pp, pp2;
	static uint8_t copy_page[OBJ_CACHE_PAGE_SIZE]
	    __attribute__((aligned(OBJ_CACHE_PAGE_SIZE)));

	cache_ok(&c, &pp, 48, 16, 10);
	cache_ok(&other, &pp2, 48, 16, 10);
	uint8_t *obj = obj_alloc(&c);
	uint8_t *theirs = obj_alloc(&other);
	uint8_t *page = (uint8_t *)page_base(obj);

	assert_int_equal(obj_free(&c, NULL), -LIBMEM_EINVAL);
	assert_int_equal(obj_free(&c, obj + 1), -LIBMEM_EINVAL);
	assert_int_equal(obj_free(&c, obj + 16), -LIBMEM_EINVAL);
	assert_int_equal(obj_free(&c, page), -LIBMEM_EINVAL);
	assert_int_equal(obj_free(&c, page + c.first_offset - 8),
			 -LIBMEM_EINVAL);
	/* Slack after the last slot. */
	uint32_t end = c.first_offset + c.objs_per_page * c.obj_size;

	if (end < OBJ_CACHE_PAGE_SIZE)
		assert_int_equal(obj_free(&c, page + end), -LIBMEM_EINVAL);

	assert_int_equal(obj_free(&c, theirs), -LIBMEM_ERANGE);
	assert_int_equal(obj_free(&other, obj), -LIBMEM_ERANGE);
	uint8_t *unowned = pool_unowned_page();

	assert_int_equal(obj_free(&c, unowned + 64), -LIBMEM_ERANGE);
	assert_null(obj_cache_of(unowned + 64));
	assert_null(obj_cache_of(NULL));
	/* A verbatim copy of a valid page is still not a cache page. */
	memcpy(copy_page, page, sizeof(copy_page));
	assert_int_equal(obj_free(&c, copy_page + (obj - page)),
			 -LIBMEM_ERANGE);

	/* None of this disturbed either cache. */
	assert_int_equal(obj_cache_in_use(&c), 1);
	assert_int_equal(obj_cache_in_use(&other), 1);
	void *objs[] = {obj};
	void *theirs_v[] = {theirs};

	drain(&c, &pp, objs, 1);
	drain(&other, &pp2, theirs_v, 1);
}

static void test_alignment_honoured(void **state)
{
	(void)state;
	static const size_t aligns[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256};
	void *objs[64];

	for (size_t size = 1; size <= 700; size += 13) {
		for (size_t a = 0; a < ARRAY_SIZE(aligns); a++) {
			struct obj_cache c;
			struct page_pool pp;
			size_t align = aligns[a] > sizeof(void *)
					   ? aligns[a]
					   : sizeof(void *);

			cache_ok(&c, &pp, size, aligns[a], 100);
			assert_true(c.obj_size >= size);
			for (unsigned i = 0; i < ARRAY_SIZE(objs); i++) {
				objs[i] = obj_alloc(&c);
				assert_non_null(objs[i]);
				assert_int_equal((uintptr_t)objs[i] % align, 0);
				/* Writing the whole object must be safe. */
				memset(objs[i], 0x5a, size);
			}
			drain(&c, &pp, objs, ARRAY_SIZE(objs));
		}
	}
}

static void test_spare_page(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	void *objs[300];

	cache_ok(&c, &pp, 128, 0, 100);
	unsigned per = c.objs_per_page;

	for (unsigned i = 0; i < per; i++)
		objs[i] = obj_alloc(&c);
	/* Crossing into a second page and back keeps it as the spare. */
	for (int round = 0; round < 100; round++) {
		void *o = obj_alloc(&c);

		assert_non_null(o);
		assert_int_equal(obj_free(&c, o), 0);
	}
	assert_int_equal(pp.gets, 2);
	assert_int_equal(pp.puts, 0);
	assert_int_equal(obj_cache_pages(&c), 2);

	/* Emptying a second page while a spare exists returns that page. */
	for (unsigned i = per; i < 2 * per + 1; i++)
		objs[i] = obj_alloc(&c);
	assert_int_equal(obj_cache_pages(&c), 3);
	for (unsigned i = per; i < 2 * per + 1; i++)
		assert_int_equal(obj_free(&c, objs[i]), 0);
	assert_int_equal(obj_cache_pages(&c), 2);
	assert_int_equal(pp.puts, 1);
	/* The spare is used before a new page is requested. */
	unsigned gets = pp.gets;

	objs[per] = obj_alloc(&c);
	assert_int_equal(pp.gets, gets);
	assert_int_equal(obj_cache_shrink(&c), 0);
	drain(&c, &pp, objs, per + 1);
	assert_int_equal(obj_cache_shrink(&c), 0);
}

static void test_partial_pages_preferred_over_spare(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	void *objs[200];

	cache_ok(&c, &pp, 512, 0, 10);
	unsigned per = c.objs_per_page;

	for (unsigned i = 0; i < 2 * per; i++)
		objs[i] = obj_alloc(&c);
	/* Page B becomes the spare, page A gets one free slot. */
	for (unsigned i = per; i < 2 * per; i++)
		obj_free(&c, objs[i]);
	obj_free(&c, objs[0]);
	void *o = obj_alloc(&c);

	assert_int_equal(page_base(o), page_base(objs[1]));
	assert_int_equal(obj_cache_pages(&c), 2);
	objs[0] = o;
	drain(&c, &pp, objs, per);
}

static void test_misaligned_page_rejected(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;

	cache_ok(&c, &pp, 32, 0, 10);
	pp.misalign = true;
	assert_null(obj_alloc(&c));
	assert_int_equal(pp.gets, 1);
	assert_int_equal(pp.puts, 1);
	assert_int_equal(obj_cache_pages(&c), 0);
	pp.misalign = false;
	void *o = obj_alloc(&c);

	assert_non_null(o);
	drain(&c, &pp, &o, 1);
}

static void test_get_page_failure(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;

	cache_ok(&c, &pp, 32, 0, 0);
	assert_null(obj_alloc(&c));
	assert_int_equal(obj_cache_pages(&c), 0);
	assert_int_equal(obj_cache_in_use(&c), 0);
	pp.limit = 1;
	void *o = obj_alloc(&c);

	assert_non_null(o);
	drain(&c, &pp, &o, 1);
}

static void test_use_after_free_repaired(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	void *objs[9];

	cache_ok(&c, &pp, 32, 0, 10);
	for (unsigned i = 0; i < 8; i++)
		objs[i] = obj_alloc(&c);
	obj_free(&c, objs[3]);
	obj_free(&c, objs[5]);
	/* Scribble over the freed object's free-list link. */
	*(void **)objs[5] = objs[6];
	void *x = obj_alloc(&c);
	void *y = obj_alloc(&c);

	assert_int_equal(c.nr_repairs, 1);
	assert_true((x == objs[3] && y == objs[5]) ||
		    (x == objs[5] && y == objs[3]));
	/* A link pointing outside the page is caught too. */
	obj_free(&c, objs[1]);
	*(void **)objs[1] = (void *)(uintptr_t)0x1234;
	assert_ptr_equal(obj_alloc(&c), objs[1]);
	objs[8] = obj_alloc(&c);
	assert_int_equal(c.nr_repairs, 2);
	assert_ptr_equal(obj_cache_of(objs[8]), &c);
	for (unsigned i = 0; i < 8; i++)
		assert_ptr_not_equal(objs[8], objs[i]);
	drain(&c, &pp, objs, 9);
}

/* ---- randomized stress against a shadow model ------------------------ */

#define NCACHES	   4
#define MAX_LIVE   700
#define STRESS_OPS 200000

struct live_obj {
	uint8_t *p;
	unsigned cache;
	uint8_t tag;
};

static uint32_t rng = 0x9e3779b9u;

static uint32_t rnd(uint32_t bound)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % bound;
}

static bool holds_tag(const uint8_t *p, size_t n, uint8_t tag)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != tag)
			return false;
	}
	return true;
}

/* Pages held never exceed the pages with live objects plus one spare. */
static void check_pages(const struct obj_cache *c, unsigned ci,
			const struct live_obj *live, unsigned nlive)
{
	uintptr_t seen[POOL_PAGES];
	unsigned nseen = 0;

	for (unsigned i = 0; i < nlive; i++) {
		if (live[i].cache != ci)
			continue;
		uintptr_t pg = page_base(live[i].p);
		unsigned k = 0;

		while (k < nseen && seen[k] != pg)
			k++;
		if (k == nseen)
			seen[nseen++] = pg;
	}
	assert_true(obj_cache_pages(c) >= nseen);
	assert_true(obj_cache_pages(c) <= nseen + 1);
}

static void test_random_stress(void **state)
{
	(void)state;
	static const size_t sizes[NCACHES] = {8, 24, 100, 700};
	static const size_t aligns[NCACHES] = {0, 8, 32, 64};
	static struct live_obj live[MAX_LIVE];
	struct obj_cache caches[NCACHES];
	struct page_pool pools[NCACHES];
	unsigned nlive = 0, counts[NCACHES] = {0};

	for (unsigned i = 0; i < NCACHES; i++)
		cache_ok(&caches[i], &pools[i], sizes[i], aligns[i], 40);

	for (unsigned op = 0; op < STRESS_OPS; op++) {
		unsigned ci = rnd(NCACHES);
		struct obj_cache *c = &caches[ci];

		if (nlive < MAX_LIVE && (nlive == 0 || rnd(100) < 52)) {
			uint8_t *p = obj_alloc(c);

			if (!p) {
				/* Only when the cache's page budget is spent.
				 */
				assert_int_equal(pools[ci].outstanding, 40);
				assert_int_equal(counts[ci],
						 40 * c->objs_per_page);
				continue;
			}
			uint8_t tag = (uint8_t)rnd(256);

			assert_int_equal((uintptr_t)p % c->align, 0);
			memset(p, tag, sizes[ci]);
			live[nlive++] = (struct live_obj){p, ci, tag};
			counts[ci]++;
		} else {
			unsigned k = rnd(nlive);
			struct live_obj l = live[k];
			struct obj_cache *lc = &caches[l.cache];

			assert_true(holds_tag(l.p, sizes[l.cache], l.tag));
			/* Wrong cache first: refused, nothing changes. */
			assert_int_equal(
			    obj_free(&caches[(l.cache + 1) % NCACHES], l.p),
			    -LIBMEM_ERANGE);
			assert_int_equal(obj_free(lc, l.p), 0);
			counts[l.cache]--;
			live[k] = live[--nlive];
			/* Either still in a page (double free) or foreign. */
			int again = obj_free(lc, l.p);

			assert_true(again == -LIBMEM_EALREADY ||
				    again == -LIBMEM_ERANGE);
		}
		if (op % 101 == 0) {
			for (unsigned i = 0; i < NCACHES; i++) {
				assert_int_equal(obj_cache_in_use(&caches[i]),
						 counts[i]);
				assert_int_equal(pools[i].outstanding,
						 obj_cache_pages(&caches[i]));
				check_pages(&caches[i], i, live, nlive);
			}
		}
	}
	for (unsigned i = 0; i < nlive; i++)
		assert_true(
		    holds_tag(live[i].p, sizes[live[i].cache], live[i].tag));
	for (unsigned i = 0; i < nlive; i++)
		assert_int_equal(obj_free(&caches[live[i].cache], live[i].p),
				 0);
	for (unsigned i = 0; i < NCACHES; i++) {
		assert_int_equal(caches[i].nr_repairs, 0);
		drain(&caches[i], &pools[i], NULL, 0);
	}
}

/* obj_zalloc zeroes what it hands out, except a never-used slot of a page
 * the owner declared zero-filled: that one it does not write at all (the
 * pool's garbage shows it). */
static void test_zalloc(void **state)
{
	(void)state;
	struct obj_cache c;
	struct page_pool pp;
	uint8_t *a, *b;

	cache_ok(&c, &pp, 40, 0, 4);
	a = obj_zalloc(&c, 40);
	assert_non_null(a);
	for (unsigned i = 0; i < 40; i++)
		assert_int_equal(a[i], 0);
	memset(a, 0x5a, 40);
	assert_int_equal(obj_free(&c, a), 0);
	assert_ptr_equal(b = obj_zalloc(&c, 40), a); /* the freed one again */
	for (unsigned i = 0; i < 40; i++)
		assert_int_equal(b[i], 0);
	drain(&c, &pp, (void **)&b, 1);

	cache_ok(&c, &pp, 40, 0, 4);
	c.zeroed_pages = true; /* a lie here: the pool's pages are garbage */
	a = obj_zalloc(&c, 40);
	uint8_t first = a[0];
	bool untouched = false;
	for (unsigned i = 0; i < 40; i++)
		untouched |= a[i] != 0;
	assert_true(untouched); /* fresh: not written */
	a[0] = (uint8_t)~first;
	assert_int_equal(obj_free(&c, a), 0);
	b = obj_zalloc(&c, 40); /* reused: zeroed */
	assert_ptr_equal(b, a);
	for (unsigned i = 0; i < 40; i++)
		assert_int_equal(b[i], 0);
	drain(&c, &pp, (void **)&b, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_basic_alloc_free),
	    cmocka_unit_test(test_exhaustion_and_recovery),
	    cmocka_unit_test(test_double_free),
	    cmocka_unit_test(test_foreign_and_misaligned_pointers),
	    cmocka_unit_test(test_alignment_honoured),
	    cmocka_unit_test(test_spare_page),
	    cmocka_unit_test(test_partial_pages_preferred_over_spare),
	    cmocka_unit_test(test_misaligned_page_rejected),
	    cmocka_unit_test(test_get_page_failure),
	    cmocka_unit_test(test_use_after_free_repaired),
	    cmocka_unit_test(test_random_stress),
	    cmocka_unit_test(test_zalloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
