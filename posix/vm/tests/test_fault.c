/*
 * Host tests for posix/vm fault decisions: demand zero, rights, two
 * faults on one page served once, file-backed objects (a fake pager),
 * private file mappings copy on write, pager errors.
 */
#include "harness.h"

static const unsigned RW = VM_PROT_READ | VM_PROT_WRITE;
static const unsigned PA = VM_MAP_PRIVATE | VM_MAP_ANON;

/* A fake file: page i holds bytes 'A' + i; reads past size fail. */
struct fake_file {
	unsigned size_pages;
	unsigned reads;
	bool released;
};

static int fake_read(void *file, uint32_t off, vm_phys_t page)
{
	struct fake_file *f = file;

	if (off / PG >= f->size_pages)
		return -VM_EIO;
	memset((void *)page.pa, 'A' + (int)(off / PG), PG);
	f->reads++;
	return 0;
}

static void fake_release(void *file)
{
	((struct fake_file *)file)->released = true;
}

static const struct vm_pager fake_pager = {fake_read, fake_release};

static void test_demand_zero(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	struct vm_fault_decision d;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 4 * PG, RW, PA, NULL, 0);
	assert_int_equal(t.pages, 0); /* nothing until touched */
	assert_int_equal(vm_fault(p->space, a + PG + 123, VM_ACCESS_READ, &d),
			 0);
	assert_int_equal(d.va, a + PG);
	assert_int_equal(d.fill, VM_FILL_ZERO);
	assert_int_equal(d.prot, RW); /* its own page: all the VMA's rights */
	apply(p, &d);
	assert_int_equal(proc_read(p, a + PG + 5), 0);
	assert_int_equal(proc_write(p, a + 3 * PG, 9), 0);
	assert_int_equal(proc_read(p, a + 3 * PG), 9);
	assert_int_equal(t.pages, 2);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_rights(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	struct vm_fault_decision d;
	vm_addr_t ro, rx, none;

	test_env_init(&t);
	p = proc_new(&t);
	ro = proc_mmap(p, 0, PG, VM_PROT_READ, PA, NULL, 0);
	rx = proc_mmap(p, 0, PG, VM_PROT_READ | VM_PROT_EXEC, PA, NULL, 0);
	none = proc_mmap(p, 0, PG, VM_PROT_NONE, PA, NULL, 0);
	assert_int_equal(vm_fault(p->space, ro, VM_ACCESS_WRITE, &d),
			 -VM_EACCES);
	assert_int_equal(vm_fault(p->space, ro, VM_ACCESS_EXEC, &d),
			 -VM_EACCES);
	assert_int_equal(vm_fault(p->space, rx, VM_ACCESS_EXEC, &d), 0);
	assert_int_equal(d.prot, VM_PROT_READ | VM_PROT_EXEC);
	apply(p, &d);
	assert_int_equal(vm_fault(p->space, none, VM_ACCESS_READ, &d),
			 -VM_EACCES);
	assert_int_equal(
	    vm_fault(p->space, none + PG * 300, VM_ACCESS_READ, &d),
	    -VM_EFAULT);
	assert_int_equal(t.pages, 1); /* refused faults allocate nothing */
	proc_exit(p);
	assert_nothing_held(&t);
}

/* Two threads fault on one page before either is answered. */
static void test_two_faults_served_once(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	struct vm_fault_decision d1, d2, d3;
	vm_addr_t a;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, PG, RW, PA, NULL, 0);
	assert_int_equal(vm_fault(p->space, a + 8, VM_ACCESS_WRITE, &d1), 0);
	apply(p, &d1);
	/* the second thread's fault arrives after the first was served */
	assert_int_equal(vm_fault(p->space, a + 100, VM_ACCESS_WRITE, &d2), 0);
	assert_int_equal(d1.fill, VM_FILL_ZERO);
	assert_int_equal(d2.fill, VM_FILL_NONE);
	assert_int_equal(d2.page.pa, d1.page.pa);
	assert_int_equal(d2.prot, RW);
	assert_int_equal(t.page_allocs_total, 1);
	*(uint8_t *)d1.page.pa = 77; /* thread 1 wrote */
	apply(p, &d2);		     /* nothing is zeroed again */
	assert_int_equal(proc_read(p, a), 77);
	/* same for reads of a page shared below (after fork) */
	struct proc *c = NULL;
	assert_int_equal(proc_fork(p, &c), 0);
	assert_int_equal(vm_fault(c->space, a, VM_ACCESS_READ, &d1), 0);
	assert_int_equal(vm_fault(c->space, a + 4, VM_ACCESS_READ, &d3), 0);
	assert_int_equal(d1.page.pa, d3.page.pa);
	assert_int_equal(d3.fill, VM_FILL_NONE);
	assert_int_equal(d3.prot, VM_PROT_READ);
	assert_int_equal(t.page_allocs_total, 1);
	proc_exit(c);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_file_shared(void **state)
{
	(void)state;
	struct test_env t;
	struct fake_file f = {.size_pages = 4};
	struct vm_object *file;
	struct proc *p, *q;
	vm_addr_t a, b;

	test_env_init(&t);
	file = vm_object_file_create(&t.env, &fake_pager, &f, RW);
	assert_non_null(file);
	p = proc_new(&t);
	q = proc_new(&t);
	a = proc_mmap(p, 0, 2 * PG, RW, VM_MAP_SHARED, file, PG);
	b = proc_mmap(q, 0, 3 * PG, VM_PROT_READ, VM_MAP_SHARED, file, 0);
	assert_false(vm_is_err(a) || vm_is_err(b));
	assert_int_equal(proc_read(p, a), 'B');
	assert_int_equal(proc_read(q, b + PG), 'B');
	assert_int_equal(f.reads, 1); /* one page cache for all mappers */
	assert_int_equal(proc_write(p, a + 10, 'x'), 0);
	assert_int_equal(proc_read(q, b + PG + 10), 'x');
	assert_int_equal(proc_write(q, b, 1), -VM_EACCES);
	/* past the file's end: the pager fails, SIGBUS, nothing held */
	long pages = t.pages;
	assert_int_equal(vm_err(proc_mmap(q, 0, PG, VM_PROT_READ, VM_MAP_SHARED,
					  file, 7 * PG)) == 0,
			 true);
	vm_addr_t past = vm_find_area(q->space, MMAP_BASE + 3 * PG)->start;
	assert_int_equal(proc_read(q, past), -VM_EIO);
	assert_int_equal(t.pages, pages);
	/* more than the file allows (opened read-only: maxprot READ) */
	struct fake_file g = {.size_pages = 1};
	struct vm_object *ro =
	    vm_object_file_create(&t.env, &fake_pager, &g, VM_PROT_READ);
	assert_int_equal(vm_err(proc_mmap(p, 0, PG, RW, VM_MAP_SHARED, ro, 0)),
			 -VM_EACCES);
	b = proc_mmap(p, 0, PG, VM_PROT_READ, VM_MAP_SHARED, ro, 0);
	assert_int_equal(proc_mprotect(p, b, PG, RW), -VM_EACCES);
	/* a private mapping of it may write: to its own copy */
	b = proc_mmap(p, 0, PG, RW, VM_MAP_PRIVATE, ro, 0);
	assert_int_equal(proc_write(p, b, 'z'), 0);
	vm_object_put(&t.env, ro);
	assert_false(g.released); /* the mappings hold it */
	proc_exit(p);
	assert_true(g.released);
	proc_exit(q);
	assert_false(f.released);
	vm_object_put(&t.env, file); /* the creator's reference */
	assert_true(f.released);
	assert_nothing_held(&t);
}

static void test_file_private_cow(void **state)
{
	(void)state;
	struct test_env t;
	struct fake_file f = {.size_pages = 4};
	struct vm_object *file;
	struct proc *p, *q;
	struct vm_fault_decision d;
	vm_addr_t a, b;

	test_env_init(&t);
	file = vm_object_file_create(&t.env, &fake_pager, &f, RW);
	p = proc_new(&t);
	q = proc_new(&t);
	a = proc_mmap(p, 0, 4 * PG, RW, VM_MAP_PRIVATE, file, 0);
	b = proc_mmap(q, 0, 4 * PG, VM_PROT_READ, VM_MAP_SHARED, file, 0);
	/* a read maps the file's own page, read-only */
	assert_int_equal(vm_fault(p->space, a + 2 * PG, VM_ACCESS_READ, &d), 0);
	assert_int_equal(d.prot, VM_PROT_READ);
	assert_int_equal(d.fill, VM_FILL_NONE);
	apply(p, &d);
	assert_int_equal(proc_read(p, a + 2 * PG), 'C');
	/* a write copies it into the private top */
	assert_int_equal(vm_fault(p->space, a + 2 * PG, VM_ACCESS_WRITE, &d),
			 0);
	assert_int_equal(d.fill, VM_FILL_COPY);
	assert_int_equal(d.prot, RW);
	apply(p, &d);
	assert_int_equal(proc_write(p, a + 2 * PG, 'q'), 0);
	assert_int_equal(proc_read(p, a + 2 * PG), 'q');
	assert_int_equal(proc_read(p, a + 2 * PG + 1), 'C');
	assert_int_equal(proc_read(q, b + 2 * PG), 'C'); /* file untouched */
	/* a write to a page never read: read from the file, then copied */
	assert_int_equal(proc_write(p, a + 3 * PG, 'w'), 0);
	assert_int_equal(proc_read(p, a + 3 * PG + 1), 'D');
	assert_int_equal(proc_read(q, b + 3 * PG), 'D');
	assert_int_equal(f.reads, 2);
	vm_object_put(&t.env, file);
	proc_exit(p);
	proc_exit(q);
	assert_true(f.released);
	assert_nothing_held(&t);
}

static void test_shared_anon(void **state)
{
	(void)state;
	struct test_env t;
	struct proc *p;
	vm_addr_t a, b;

	test_env_init(&t);
	p = proc_new(&t);
	a = proc_mmap(p, 0, 2 * PG, RW, VM_MAP_SHARED | VM_MAP_ANON, NULL, 0);
	assert_int_equal(proc_write(p, a + PG, 5), 0);
	assert_int_equal(proc_read(p, a + PG), 5);
	assert_int_equal(proc_read(p, a), 0);
	/* munmap of part of a shared object keeps its pages for others */
	b = a + PG;
	assert_int_equal(proc_munmap(p, a, PG), 0);
	assert_int_equal(proc_read(p, b), 5);
	proc_exit(p);
	assert_nothing_held(&t);
}

static void test_fault_out_of_memory(void **state)
{
	(void)state;
	struct test_env t;
	struct fake_file f = {.size_pages = 4};

	test_env_init(&t);
	struct vm_object *file =
	    vm_object_file_create(&t.env, &fake_pager, &f, RW);
	struct proc *p = proc_new(&t);
	vm_addr_t a = proc_mmap(p, 0, 4 * PG, RW, VM_MAP_PRIVATE, file, 0);
	/* the file page can be read in, its private copy cannot */
	t.page_budget = 1;
	assert_int_equal(proc_write(p, a, 1), -VM_ENOMEM);
	assert_int_equal(t.pages, 1); /* the file's cache keeps its page */
	t.page_budget = -1;
	t.alloc_budget = 0; /* no memory for the page cache entry */
	assert_int_equal(proc_write(p, a + PG, 1), -VM_ENOMEM);
	assert_int_equal(t.pages, 1);
	t.alloc_budget = -1;
	assert_int_equal(proc_write(p, a, 1), 0);
	assert_int_equal(proc_read(p, a + 1), 'A');
	proc_exit(p);
	vm_object_put(&t.env, file);
	assert_nothing_held(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_demand_zero),
	    cmocka_unit_test(test_rights),
	    cmocka_unit_test(test_two_faults_served_once),
	    cmocka_unit_test(test_file_shared),
	    cmocka_unit_test(test_file_private_cow),
	    cmocka_unit_test(test_shared_anon),
	    cmocka_unit_test(test_fault_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
