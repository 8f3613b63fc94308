/*
 * Host tests for posix/vm fork: copy on write on both sides, three
 * generations, shadow chains collapsing when a side exits (bounded over
 * 100 fork/exit cycles), shared mappings after fork, and fork failing at
 * every allocation with nothing changed or leaked.
 */
#include "harness.h"

static const unsigned RW = VM_PROT_READ | VM_PROT_WRITE;
static const unsigned PA = VM_MAP_PRIVATE | VM_MAP_ANON;

static struct proc *forked(struct proc *p)
{
	struct proc *c = NULL;

	assert_int_equal(proc_fork(p, &c), 0);
	return c;
}

static void test_fork_cow(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p, *c;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 3 * PG, RW, PA, NULL, 0);
	assert_int_equal(proc_write(p, a, 1), 0);
	assert_int_equal(proc_write(p, a + PG, 2), 0);
	c = forked(p);
	assert_int_equal(t.pages, 2); /* nothing copied at fork */
	assert_int_equal(proc_read(c, a), 1);
	assert_int_equal(proc_read(c, a + PG), 2);
	assert_int_equal(proc_read(c, a + 2 * PG), 0);
	assert_int_equal(t.pages, 3); /* the child's own zero page */
	/* parent writes: its own copy, the child still sees 1 */
	assert_int_equal(proc_write(p, a, 10), 0);
	assert_int_equal(proc_read(c, a), 1);
	assert_int_equal(proc_read(p, a), 10);
	/* child writes: its own copy, the parent still sees 2 */
	assert_int_equal(proc_write(c, a + PG, 20), 0);
	assert_int_equal(proc_read(p, a + PG), 2);
	assert_int_equal(proc_read(c, a + PG), 20);
	/* neither write reached the original pages */
	assert_int_equal(proc_read(c, a), 1);
	assert_int_equal(t.pages, 5);
	proc_exit(c);
	/* the child's pages are gone, the parent's data intact */
	assert_int_equal(proc_read(p, a), 10);
	assert_int_equal(proc_read(p, a + PG), 2);
	assert_int_equal(vm_space_max_depth(p->space), 1);
	assert_int_equal(t.pages, 2);
	proc_exit(p);
	assert_nothing_held(&t);
}

/* The remap list names exactly the parent's pages it may have writable. */
static void test_fork_remap_list(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	struct vm_fork_result r;
	vm_addr_t a, ro;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 4 * PG, RW, PA, NULL, 0);
	ro = proc_mmap(p, 0, PG, RW, PA, NULL, 0);
	assert_int_equal(proc_write(p, a + PG, 1), 0);
	assert_int_equal(proc_write(p, a + 3 * PG, 1), 0);
	assert_int_equal(proc_write(p, ro, 1), 0);
	assert_int_equal(proc_mprotect(p, ro, PG, VM_PROT_READ), 0);
	vm_addr_t sh =
	    proc_mmap(p, 0, PG, RW, VM_MAP_SHARED | VM_MAP_ANON, NULL, 0);
	assert_int_equal(proc_write(p, sh, 1), 0);
	assert_int_equal(vm_fork(p->space, &r), 0);
	assert_int_equal(r.nr_remap, 2);
	assert_int_equal(r.remap[0].va, a + PG);
	assert_int_equal(r.remap[1].va, a + 3 * PG);
	assert_int_equal(r.remap[0].page.pa, mmu_slot(p, a + PG)->page);
	assert_int_equal(r.remap[0].prot, VM_PROT_READ);
	vm_fork_result_free(&t.env, &r);
	vm_space_destroy(r.child);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_three_generations(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *g0, *g1, *g2;
	vm_addr_t a;

	test_env_init(&t);
	g0 = proc_new(&t);
	a = proc_mmap(g0, 0, 4 * PG, RW, PA, NULL, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_write(g0, a + i * PG, 'a'), 0);
	g1 = forked(g0);
	assert_int_equal(proc_write(g1, a + PG, 'b'), 0);
	g2 = forked(g1);
	assert_int_equal(proc_write(g2, a + 2 * PG, 'c'), 0);
	assert_int_equal(proc_write(g0, a + 3 * PG, 'A'), 0);
	assert_int_equal(proc_write(g1, a + 3 * PG, 'B'), 0);
	/* each sees its own writes and its ancestors' writes before fork */
	const char want[3][4] = {
	    {'a', 'a', 'a', 'A'},
	    {'a', 'b', 'a', 'B'},
	    {'a', 'b', 'c', 'a'},
	};
	struct proc *gen[3] = {g0, g1, g2};
	for (unsigned g = 0; g < 3; g++) {
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(proc_read(gen[g], a + i * PG),
					 want[g][i]);
	}
	assert_int_equal(vm_space_max_depth(g2->space), 3);
	/* the middle generation exits: g2's chain collapses, data stays */
	proc_exit(g1);
	assert_int_equal(vm_space_max_depth(g2->space), 2);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_read(g2, a + i * PG), want[2][i]);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_read(g0, a + i * PG), want[0][i]);
	proc_exit(g0);
	assert_int_equal(vm_space_max_depth(g2->space), 1);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_read(g2, a + i * PG), want[2][i]);
	assert_int_equal(t.pages, 4); /* only g2's view is left */
	assert_int_equal(proc_write(g2, a, 'z'), 0);
	assert_int_equal(t.pages, 4); /* its own now: no copy */
	proc_exit(g2);
	assert_nothing_held(&t);
}

/* A shell: fork, the child writes and exits, 100 times; both orders. */
static void test_collapse_bounded(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 2 * PG, RW, PA, NULL, 0);
	assert_int_equal(proc_write(p, a, 0), 0);
	for (unsigned i = 0; i < 100; i++) {
		struct proc *c = forked(p);

		assert_int_equal(proc_write(c, a + PG, (uint8_t)i), 0);
		assert_int_equal(proc_write(p, a, (uint8_t)i), 0);
		assert_true(vm_space_max_depth(c->space) <= 3);
		proc_exit(c);
		assert_true(vm_space_max_depth(p->space) <= 2);
		assert_true(t.pages <= 2);
		assert_true(t.allocs <= 8);
	}
	assert_int_equal(proc_read(p, a), 99);
	assert_int_equal(proc_read(p, a + PG), 0);
	/* now the parent exits each time and the child goes on */
	for (unsigned i = 0; i < 100; i++) {
		struct proc *c = forked(p);

		assert_int_equal(proc_write(c, a + PG, (uint8_t)i), 0);
		proc_exit(p);
		p = c;
		assert_int_equal(vm_space_max_depth(p->space), 1);
		assert_true(t.pages <= 2);
	}
	assert_int_equal(proc_read(p, a), 99);
	assert_int_equal(proc_read(p, a + PG), 99);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_shared_after_fork(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p, *c, *gc;
	vm_addr_t sh, priv;

	test_env_init(&t);
	p = proc_new(&t);
	sh = proc_mmap(p, 0, 2 * PG, RW, VM_MAP_SHARED | VM_MAP_ANON, NULL, 0);
	priv = proc_mmap(p, 0, PG, RW, PA, NULL, 0);
	assert_int_equal(proc_write(p, sh, 1), 0);
	c = forked(p);
	assert_int_equal(proc_read(c, sh), 1);
	assert_int_equal(proc_write(c, sh, 2), 0);
	assert_int_equal(proc_read(p, sh), 2);
	/* a page first touched after fork is shared too */
	assert_int_equal(proc_write(p, sh + PG, 3), 0);
	assert_int_equal(proc_read(c, sh + PG), 3);
	gc = forked(c);
	assert_int_equal(proc_write(gc, sh + PG, 4), 0);
	assert_int_equal(proc_read(p, sh + PG), 4);
	assert_int_equal(proc_write(gc, priv, 9), 0);
	assert_int_equal(proc_read(p, priv), 0);
	proc_exit(c);
	assert_int_equal(proc_read(gc, sh), 2);
	proc_exit(p);
	assert_int_equal(proc_read(gc, sh + PG), 4);
	proc_exit(gc);
	assert_nothing_held(&t);
}

/* Each VMA half after a split gets its own pair of shadows. */
static void test_fork_split_vmas(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p, *c;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 4 * PG, RW, PA, NULL, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_write(p, a + i * PG, 1 + i), 0);
	assert_int_equal(proc_mprotect(p, a + 2 * PG, 2 * PG, VM_PROT_READ), 0);
	for (unsigned round = 0; round < 20; round++) {
		c = forked(p);
		assert_int_equal(proc_write(c, a, 50), 0);
		assert_int_equal(proc_mprotect(c, a + 2 * PG, PG, RW), 0);
		assert_int_equal(proc_write(c, a + 2 * PG, 51), 0);
		assert_int_equal(proc_read(p, a + 2 * PG), 3);
		proc_exit(c);
		assert_true(vm_space_max_depth(p->space) <= 3);
	}
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(proc_read(p, a + i * PG), 1 + i);
	assert_int_equal(t.pages, 4);
	proc_exit(p);
	assert_nothing_held(&t);
}

/*
 * A write-only private VMA reading a page below it after fork: mapped
 * read-only, not with no rights (the model walk found this).
 */
static void test_fork_write_only(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p, *c;
	struct vm_fault_decision d;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, PG, VM_PROT_WRITE, PA, NULL, 0);
	assert_int_equal(proc_write(p, a, 6), 0);
	c = forked(p);
	assert_int_equal(mmu_slot(p, a)->prot, VM_PROT_READ);
	assert_int_equal(vm_fault(c->space, a, VM_ACCESS_READ, &d), 0);
	assert_int_equal(d.prot, VM_PROT_READ);
	assert_int_equal(proc_read(c, a), 6);
	assert_int_equal(proc_read(p, a), 6);
	proc_exit(c);
	proc_exit(p);
	assert_nothing_held(&t);
}

/* fork with the n-th allocation failing: clean error, parent unchanged. */
static void test_fork_out_of_memory(void **state)
{
	(void)state;
	struct test_env t;
	bool succeeded = false;

	for (long n = 0; !succeeded; n++) {
		struct proc *p, *c = NULL;
		vm_addr_t a, sh;
		long allocs, pages;
		int err;

		assert_true(n < 100);
		test_env_init(&t);
		p = proc_new(&t);
		a = proc_mmap(p, 0, 2 * PG, RW, PA, NULL, 0);
		sh = proc_mmap(p, 0, PG, RW, VM_MAP_SHARED | VM_MAP_ANON, NULL,
			       0);
		assert_int_equal(proc_write(p, a, 7), 0);
		assert_int_equal(proc_write(p, sh, 8), 0);
		allocs = t.allocs;
		pages = t.pages;
		t.alloc_budget = n;
		err = proc_fork(p, &c);
		t.alloc_budget = -1;
		if (err) {
			assert_int_equal(err, -VM_ENOMEM);
			assert_int_equal(t.allocs, allocs);
			assert_int_equal(t.pages, pages);
			assert_int_equal(vm_space_max_depth(p->space), 1);
			/* still writable without a copy: nothing shadowed */
			assert_int_equal(proc_write(p, a, 9), 0);
			assert_int_equal(t.pages, pages);
		} else {
			succeeded = true;
			assert_int_equal(proc_read(c, a), 7);
			assert_int_equal(proc_read(c, sh), 8);
			proc_exit(c);
		}
		proc_exit(p);
		assert_nothing_held(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fork_cow),
	    cmocka_unit_test(test_fork_remap_list),
	    cmocka_unit_test(test_three_generations),
	    cmocka_unit_test(test_collapse_bounded),
	    cmocka_unit_test(test_shared_after_fork),
	    cmocka_unit_test(test_fork_split_vmas),
	    cmocka_unit_test(test_fork_write_only),
	    cmocka_unit_test(test_fork_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
