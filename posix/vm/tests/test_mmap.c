/*
 * Host tests for posix/vm: mmap placement, MAP_FIXED replace, munmap and
 * mprotect splits, brk, and their error paths (nothing changed, nothing
 * leaked).
 */
#include "harness.h"

static const unsigned RW = VM_PROT_READ | VM_PROT_WRITE;
static const unsigned PA = VM_MAP_PRIVATE | VM_MAP_ANON;

static unsigned count_areas(const struct vm_space *s)
{
	unsigned n = 0;
	vm_addr_t last_end = 0;

	for (const struct vm_area *a = s->areas; a; a = a->next) {
		assert_true(a->start < a->end);
		assert_true(a->start >= last_end); /* sorted, disjoint */
		last_end = a->end;
		n++;
	}
	assert_int_equal(n, s->nr_areas);
	return n;
}

static void test_placement(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	vm_addr_t a, b, c;

	test_env_init(&t);
	p = proc_new(&t);
	/* no hint: from mmap_base upwards, back to back */
	a = proc_mmap(p, 0, PG, RW, PA, NULL, 0);
	assert_int_equal(a, MMAP_BASE);
	b = proc_mmap(p, 0, 3 * PG - 100, RW, PA, NULL, 0);
	assert_int_equal(b, MMAP_BASE + PG); /* length rounded up */
	c = proc_mmap(p, 0, PG, RW, PA, NULL, 0);
	assert_int_equal(c, MMAP_BASE + 4 * PG);
	/* a free hint is used (rounded down) */
	assert_int_equal(proc_mmap(p, LO + 5 * PG + 7, PG, RW, PA, NULL, 0),
			 LO + 5 * PG);
	/* a taken hint is not an error: the mapping goes elsewhere */
	assert_int_equal(proc_mmap(p, MMAP_BASE, PG, RW, PA, NULL, 0),
			 MMAP_BASE + 5 * PG);
	/* a hole is found again after munmap */
	assert_int_equal(proc_munmap(p, b, 3 * PG), 0);
	assert_int_equal(proc_mmap(p, 0, 2 * PG, RW, PA, NULL, 0), b);
	assert_int_equal(proc_mmap(p, 0, PG, RW, PA, NULL, 0), b + 2 * PG);
	/* above mmap_base full: wraps to lo */
	a = proc_mmap(p, 0, HI - MMAP_BASE - 6 * PG, RW, PA, NULL, 0);
	assert_int_equal(a, MMAP_BASE + 6 * PG);
	assert_int_equal(proc_mmap(p, 0, PG, RW, PA, NULL, 0), LO);
	/* nothing big enough anywhere */
	assert_int_equal(vm_err(proc_mmap(p, 0, 256 * PG, RW, PA, NULL, 0)),
			 -VM_ENOMEM);
	assert_int_equal(count_areas(p->space), 8);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_fixed_replace(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 8 * PG, RW, PA, NULL, 0);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(proc_write(p, a + i * PG, 10 + i), 0);
	assert_int_equal(t.pages, 8);
	/* FIXED over pages 2..4: they are replaced by fresh zero memory */
	assert_int_equal(proc_mmap(p, a + 2 * PG, 3 * PG, VM_PROT_READ,
				   PA | VM_MAP_FIXED, NULL, 0),
			 a + 2 * PG);
	assert_int_equal(count_areas(p->space), 3);
	assert_int_equal(t.pages, 5); /* the three replaced pages freed */
	assert_int_equal(proc_read(p, a + 1 * PG), 11);
	assert_int_equal(proc_read(p, a + 3 * PG), 0);
	assert_int_equal(proc_write(p, a + 3 * PG, 1), -VM_EACCES);
	assert_int_equal(proc_read(p, a + 5 * PG), 15);
	/* NOREPLACE refuses a taken range, accepts a free one */
	assert_int_equal(
	    vm_err(proc_mmap(p, a + 7 * PG, 2 * PG, RW,
			     PA | VM_MAP_FIXED_NOREPLACE, NULL, 0)),
	    -VM_EEXIST);
	assert_int_equal(proc_mmap(p, a + 8 * PG, 2 * PG, RW,
				   PA | VM_MAP_FIXED_NOREPLACE, NULL, 0),
			 a + 8 * PG);
	/* FIXED across several VMAs at once */
	assert_int_equal(
	    proc_mmap(p, a + PG, 8 * PG, RW, PA | VM_MAP_FIXED, NULL, 0),
	    a + PG);
	assert_int_equal(count_areas(p->space), 3);
	assert_int_equal(proc_read(p, a), 10);
	assert_int_equal(proc_read(p, a + 5 * PG), 0);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_munmap_split(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 10 * PG, RW, PA, NULL, 0);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(proc_write(p, a + i * PG, 1 + i), 0);
	/* a hole in the middle: two VMAs, the hole's pages freed */
	assert_int_equal(proc_munmap(p, a + 3 * PG, 2 * PG), 0);
	assert_int_equal(count_areas(p->space), 2);
	assert_int_equal(t.pages, 8);
	assert_int_equal(proc_read(p, a + 3 * PG), -VM_EFAULT);
	assert_int_equal(proc_read(p, a + 5 * PG), 6);
	assert_int_equal(proc_read(p, a + 2 * PG), 3);
	/* head and tail of different VMAs at once, through a hole */
	assert_int_equal(proc_munmap(p, a + 2 * PG, 4 * PG), 0);
	assert_int_equal(count_areas(p->space), 2);
	assert_int_equal(vm_find_area(p->space, a)->end, a + 2 * PG);
	assert_int_equal(vm_find_area(p->space, a + 6 * PG)->start, a + 6 * PG);
	assert_int_equal(proc_read(p, a + 6 * PG), 7);
	assert_int_equal(t.pages, 6);
	/* unmapping nothing is fine; whole VMAs go */
	assert_int_equal(proc_munmap(p, LO, PG), 0);
	assert_int_equal(proc_munmap(p, a, 10 * PG), 0);
	assert_int_equal(count_areas(p->space), 0);
	assert_int_equal(t.pages, 0);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_mprotect_split(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 6 * PG, RW, PA, NULL, 0);
	assert_int_equal(proc_write(p, a + 2 * PG, 42), 0);
	assert_int_equal(proc_mprotect(p, a + 2 * PG, 2 * PG, VM_PROT_READ), 0);
	assert_int_equal(count_areas(p->space), 3);
	assert_int_equal(proc_write(p, a + 2 * PG, 1), -VM_EACCES);
	assert_int_equal(proc_write(p, a + 3 * PG, 1), -VM_EACCES);
	assert_int_equal(proc_read(p, a + 2 * PG), 42);
	assert_int_equal(proc_write(p, a + 1 * PG, 1), 0);
	assert_int_equal(proc_write(p, a + 4 * PG, 1), 0);
	/* raising it again works through a fault, same page, same data */
	assert_int_equal(proc_mprotect(p, a, 6 * PG, RW), 0);
	assert_int_equal(proc_write(p, a + 2 * PG + 1, 43), 0);
	assert_int_equal(proc_read(p, a + 2 * PG), 42);
	assert_int_equal(t.pages, 3);
	/* PROT_NONE: even reads fault */
	assert_int_equal(proc_mprotect(p, a + 5 * PG, PG, VM_PROT_NONE), 0);
	assert_int_equal(proc_read(p, a + 5 * PG), -VM_EACCES);
	/* a range with a hole is refused, nothing changed */
	assert_int_equal(proc_munmap(p, a + PG, PG), 0);
	unsigned before = count_areas(p->space);
	assert_int_equal(proc_mprotect(p, a, 3 * PG, VM_PROT_READ), -VM_ENOMEM);
	assert_int_equal(count_areas(p->space), before);
	assert_int_equal(proc_write(p, a, 5), 0);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_brk(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	struct vm_space *s;

	test_env_init(&t);
	p = proc_new(&t);
	s = p->space;
	assert_int_equal(vm_brk(s, 0), BRK_BASE);
	assert_int_equal(vm_brk(s, BRK_BASE + 100), BRK_BASE + 100);
	assert_int_equal(proc_write(p, BRK_BASE + 99, 7), 0);
	assert_int_equal(proc_read(p, BRK_BASE + PG), -VM_EFAULT);
	/* growth extends the same VMA */
	assert_int_equal(vm_brk(s, BRK_BASE + 3 * PG), BRK_BASE + 3 * PG);
	assert_int_equal(count_areas(s), 1);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(proc_write(p, BRK_BASE + i * PG, 9), 0);
	/* shrink frees the pages; growing again shows zeros */
	mmu_clear(p, BRK_BASE + PG, BRK_BASE + 3 * PG);
	assert_int_equal(vm_brk(s, BRK_BASE + PG), BRK_BASE + PG);
	assert_int_equal(t.pages, 1);
	assert_int_equal(vm_brk(s, BRK_BASE + 3 * PG), BRK_BASE + 3 * PG);
	assert_int_equal(count_areas(s), 1);
	assert_int_equal(proc_read(p, BRK_BASE + 2 * PG), 0);
	assert_int_equal(proc_read(p, BRK_BASE), 9);
	/* below the base, past the range, into a mapping: refused */
	assert_int_equal(vm_brk(s, BRK_BASE - 1), BRK_BASE + 3 * PG);
	assert_int_equal(vm_brk(s, HI + 1), BRK_BASE + 3 * PG);
	assert_int_equal(
	    proc_mmap(p, BRK_BASE + 5 * PG, PG, RW, PA | VM_MAP_FIXED, NULL, 0),
	    BRK_BASE + 5 * PG);
	assert_int_equal(vm_brk(s, BRK_BASE + 6 * PG), BRK_BASE + 3 * PG);
	assert_int_equal(vm_brk(s, BRK_BASE + 5 * PG), BRK_BASE + 5 * PG);
	/* shrinking to the base removes the heap */
	mmu_clear(p, BRK_BASE, BRK_BASE + 5 * PG);
	assert_int_equal(vm_brk(s, BRK_BASE), BRK_BASE);
	assert_int_equal(count_areas(s), 1);
	proc_exit(p);
	assert_nothing_held(&t);
}

/* brk after part of the heap got its own rights: a new VMA, still zero */
static void test_brk_after_split(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;

	test_env_init(&t);
	p = proc_new(&t);
	assert_int_equal(vm_brk(p->space, BRK_BASE + 4 * PG),
			 BRK_BASE + 4 * PG);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_write(p, BRK_BASE + i * PG, 3), 0);
	assert_int_equal(proc_mprotect(p, BRK_BASE, PG, VM_PROT_READ), 0);
	mmu_clear(p, BRK_BASE + 2 * PG, BRK_BASE + 4 * PG);
	assert_int_equal(vm_brk(p->space, BRK_BASE + 2 * PG),
			 BRK_BASE + 2 * PG);
	assert_int_equal(t.pages, 2);
	assert_int_equal(vm_brk(p->space, BRK_BASE + 4 * PG),
			 BRK_BASE + 4 * PG);
	assert_int_equal(proc_read(p, BRK_BASE + 3 * PG), 0);
	assert_int_equal(proc_read(p, BRK_BASE + PG), 3);
	proc_exit(p);
	assert_nothing_held(&t);
}

/*
 * The heap made read-only, then grown: the new pages are read/write, the
 * old ones stay read-only (the model walk found growth in place taking
 * the old VMA's rights).
 */
static void test_brk_after_mprotect(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;

	test_env_init(&t);
	p = proc_new(&t);
	assert_int_equal(vm_brk(p->space, BRK_BASE + PG), BRK_BASE + PG);
	assert_int_equal(proc_mprotect(p, BRK_BASE, PG, VM_PROT_READ), 0);
	assert_int_equal(vm_brk(p->space, BRK_BASE + 2 * PG),
			 BRK_BASE + 2 * PG);
	assert_int_equal(proc_write(p, BRK_BASE + PG, 1), 0);
	assert_int_equal(proc_write(p, BRK_BASE, 1), -VM_EACCES);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	struct vm_layout bad = *test_layout();

	test_env_init(&t);
	p = proc_new(&t);
	/* mmap */
	assert_int_equal(vm_err(proc_mmap(p, 0, 0, RW, PA, NULL, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_err(proc_mmap(p, 0, PG, 8, PA, NULL, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_err(proc_mmap(p, 0, PG, RW, VM_MAP_ANON, NULL, 0)),
			 -VM_EINVAL);
	assert_int_equal(
	    vm_err(proc_mmap(p, 0, PG, RW, PA | VM_MAP_SHARED, NULL, 0)),
	    -VM_EINVAL);
	assert_int_equal(vm_err(proc_mmap(p, 0, PG, RW, PA | 0x4000, NULL, 0)),
			 -VM_EINVAL);
	assert_int_equal(
	    vm_err(proc_mmap(p, 0, PG, RW, VM_MAP_PRIVATE, NULL, 0)),
	    -VM_EINVAL); /* not anonymous, but no object */
	assert_int_equal(
	    vm_err(proc_mmap(p, LO + 1, PG, RW, PA | VM_MAP_FIXED, NULL, 0)),
	    -VM_EINVAL);
	assert_int_equal(
	    vm_err(proc_mmap(p, LO - PG, PG, RW, PA | VM_MAP_FIXED, NULL, 0)),
	    -VM_EINVAL);
	assert_int_equal(vm_err(proc_mmap(p, HI - PG, 2 * PG, RW,
					  PA | VM_MAP_FIXED, NULL, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_err(proc_mmap(p, 0, 0xfffff001u, RW, PA, NULL, 0)),
			 -VM_EINVAL); /* rounds past 4 GiB */
	/* munmap, mprotect */
	assert_int_equal(vm_munmap(p->space, LO + 1, PG), -VM_EINVAL);
	assert_int_equal(vm_munmap(p->space, LO, 0), -VM_EINVAL);
	assert_int_equal(vm_munmap(p->space, HI, PG), -VM_EINVAL);
	assert_int_equal(vm_mprotect(p->space, LO, PG, VM_PROT_READ),
			 -VM_ENOMEM);
	assert_int_equal(vm_mprotect(p->space, LO, PG, 9), -VM_EINVAL);
	assert_int_equal(vm_mprotect(p->space, LO + 4, PG, 0), -VM_EINVAL);
	/* faults */
	struct vm_fault_decision d;
	assert_int_equal(vm_fault(p->space, LO, VM_ACCESS_READ, &d),
			 -VM_EFAULT);
	assert_int_equal(vm_fault(p->space, LO, 3, &d), -VM_EINVAL);
	assert_int_equal(count_areas(p->space), 0);
	proc_exit(p);
	/* layouts */
	bad.lo = LO + 1;
	assert_null(vm_space_create(&t.env, &bad));
	bad = *test_layout();
	bad.hi = 0xfffff000u + PG; /* wraps to 0 */
	assert_null(vm_space_create(&t.env, &bad));
	bad = *test_layout();
	bad.mmap_base = HI;
	assert_null(vm_space_create(&t.env, &bad));
	bad = *test_layout();
	bad.brk_base = LO - PG;
	assert_null(vm_space_create(&t.env, &bad));
	assert_nothing_held(&t);
}

/* A scenario of splits run with the n-th allocation failing. */
static int split_scenario(struct proc *p, vm_addr_t a)
{
	int err = proc_munmap(p, a + 2 * PG, PG);

	if (err)
		return err;
	err = proc_mprotect(p, a + 5 * PG, PG, VM_PROT_READ);
	if (err)
		return err;
	if (vm_is_err(
		proc_mmap(p, a + 6 * PG, PG, RW, PA | VM_MAP_FIXED, NULL, 0)))
		return -VM_ENOMEM;
	return proc_write(p, a + 7 * PG, 1);
}

/* Every allocation that can fail, failing: a clean error, no leak. */
static void test_out_of_memory(void **state)
{
	(void)state;
	struct test_env t;
	int failures = 0;

	for (long n = 0; n < 30; n++) {
		struct proc *p;
		vm_addr_t a;
		unsigned areas;
		int err;

		test_env_init(&t);
		p = proc_new(&t);
		a = proc_mmap(p, 0, 10 * PG, RW, PA, NULL, 0);
		assert_int_equal(proc_write(p, a, 1), 0);
		areas = p->space->nr_areas;
		t.alloc_budget = n;
		err = split_scenario(p, a);
		if (err) {
			assert_int_equal(err, -VM_ENOMEM);
			assert_true(p->space->nr_areas >= areas);
			failures++;
		}
		t.alloc_budget = -1;
		assert_int_equal(proc_read(p, a), 1);
		proc_exit(p);
		assert_nothing_held(&t);
	}
	assert_true(failures > 0);
	/* out of pages: the fault fails cleanly, then succeeds */
	test_env_init(&t);
	struct proc *p = proc_new(&t);
	vm_addr_t a = proc_mmap(p, 0, PG, RW, PA, NULL, 0);
	t.page_budget = 0;
	assert_int_equal(proc_write(p, a, 1), -VM_ENOMEM);
	assert_int_equal(t.pages, 0);
	t.page_budget = -1;
	assert_int_equal(proc_write(p, a, 1), 0);
	proc_exit(p);
	/* out of memory for the space itself, the VMA, the object */
	for (long n = 0; n < 3; n++) {
		test_env_init(&t);
		t.alloc_budget = n;
		struct vm_space *s = vm_space_create(&t.env, test_layout());
		if (s) {
			assert_true(
			    vm_is_err(vm_mmap(s, 0, PG, RW, PA, NULL, 0)));
			assert_int_equal(s->nr_areas, 0);
			vm_space_destroy(s);
		}
		assert_nothing_held(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_placement),
	    cmocka_unit_test(test_fixed_replace),
	    cmocka_unit_test(test_munmap_split),
	    cmocka_unit_test(test_mprotect_split),
	    cmocka_unit_test(test_brk),
	    cmocka_unit_test(test_brk_after_split),
	    cmocka_unit_test(test_brk_after_mprotect),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
