/*
 * Host tests for posix/vm System V shared memory: segments between
 * unrelated spaces, placement by the mmap free-range search, IPC_RMID
 * lifetime, shmdt of split attaches, fork, and the error paths.
 */
#include "harness.h"

static const unsigned RW = VM_PROT_READ | VM_PROT_WRITE;

static void test_shm_two_spaces(void **state)
{
	(void)state;
	struct test_env t;
	struct vm_shm_registry reg;
	struct proc *p, *q;
	vm_addr_t a, b;
	int id;

	test_env_init(&t);
	vm_shm_init(&reg, &t.env);
	p = proc_new(&t);
	q = proc_new(&t);
	id = vm_shmget(&reg, 42, 2 * PG - 1, VM_IPC_CREAT);
	assert_true(id >= 0);
	assert_int_equal(vm_shmget(&reg, 42, PG, 0), id);
	/* shmat 0 goes where mmap would: the free-range search */
	assert_int_equal(
	    proc_mmap(q, 0, PG, RW, VM_MAP_PRIVATE | VM_MAP_ANON, NULL, 0),
	    MMAP_BASE);
	a = vm_shmat(&reg, p->space, id, 0, 0);
	b = vm_shmat(&reg, q->space, id, 0, 0);
	assert_int_equal(a, MMAP_BASE);
	assert_int_equal(b, MMAP_BASE + PG);
	assert_int_equal(vm_find_area(p->space, a)->end, a + 2 * PG);
	assert_int_equal(reg.segs[id % VM_SHM_MAX_SEGS]->nattch, 2);
	assert_int_equal(proc_write(p, a + PG + 3, 'p'), 0);
	assert_int_equal(proc_read(q, b + PG + 3), 'p');
	assert_int_equal(proc_write(q, b, 'q'), 0);
	assert_int_equal(proc_read(p, a), 'q');
	/* attach at a chosen address, twice in one space */
	assert_int_equal(vm_shmat(&reg, p->space, id, LO + 8 * PG, 0),
			 LO + 8 * PG);
	assert_int_equal(proc_read(p, LO + 9 * PG + 3), 'p');
	assert_int_equal(t.pages, 2);
	/* detach one: the others keep it */
	mmu_clear(p, a, a + 2 * PG);
	assert_int_equal(vm_shmdt(&reg, p->space, a), 0);
	assert_int_equal(proc_read(p, a), -VM_EFAULT);
	assert_int_equal(proc_read(q, b), 'q');
	proc_exit(p);
	proc_exit(q);
	/* no attach left but not removed: the segment and its pages stay */
	assert_int_equal(t.pages, 2);
	q = proc_new(&t);
	b = vm_shmat(&reg, q->space, id, 0, VM_SHM_RDONLY);
	assert_int_equal(proc_read(q, b + PG + 3), 'p');
	assert_int_equal(proc_write(q, b, 1), -VM_EACCES);
	assert_int_equal(proc_mprotect(q, b, PG, RW), -VM_EACCES);
	proc_exit(q);
	vm_shm_fini(&reg);
	assert_nothing_held(&t);
}

static void test_shm_rmid(void **state)
{
	(void)state;
	struct test_env t;
	struct vm_shm_registry reg;
	struct proc *p, *c;
	vm_addr_t a;
	int id, id2;

	test_env_init(&t);
	vm_shm_init(&reg, &t.env);
	p = proc_new(&t);
	id = vm_shmget(&reg, 7, PG, VM_IPC_CREAT | VM_IPC_EXCL);
	a = vm_shmat(&reg, p->space, id, 0, 0);
	assert_int_equal(proc_write(p, a, 3), 0);
	c = NULL;
	assert_int_equal(proc_fork(p, &c), 0);
	assert_int_equal(reg.segs[id % VM_SHM_MAX_SEGS]->nattch, 2);
	assert_int_equal(vm_shmctl_rmid(&reg, id), 0);
	/* the key is gone at once; a new segment may take it */
	assert_int_equal(vm_shmget(&reg, 7, PG, 0), -VM_ENOENT);
	assert_int_equal(vm_shmctl_rmid(&reg, id), -VM_EINVAL);
	assert_int_equal(vm_err(vm_shmat(&reg, p->space, id, 0, 0)),
			 -VM_EINVAL);
	id2 = vm_shmget(&reg, 7, PG, VM_IPC_CREAT);
	assert_true(id2 >= 0 && id2 != id);
	/* the attached keep using the removed one */
	assert_int_equal(proc_write(c, a, 4), 0);
	assert_int_equal(proc_read(p, a), 4);
	proc_exit(c);
	assert_int_equal(t.pages, 1);
	/* shmdt takes an attach's start only, leaves the mapping beside it,
	   and the removed segment dies with its last attach */
	assert_int_equal(proc_mmap(p, a + PG, PG, RW,
				   VM_MAP_PRIVATE | VM_MAP_ANON | VM_MAP_FIXED,
				   NULL, 0),
			 a + PG);
	mmu_clear(p, a, a + PG);
	assert_int_equal(vm_shmdt(&reg, p->space, a + PG), -VM_EINVAL);
	assert_int_equal(vm_shmdt(&reg, p->space, a), 0);
	assert_int_equal(t.pages, 0);
	assert_int_equal(p->space->nr_areas, 1); /* the private one stays */
	assert_int_equal(vm_shmctl_rmid(&reg, id2), 0);
	proc_exit(p);
	vm_shm_fini(&reg);
	assert_nothing_held(&t);
}

static void test_shm_split_detach(void **state)
{
	(void)state;
	struct test_env t;
	struct vm_shm_registry reg;
	struct proc *p;
	vm_addr_t a;
	int id;

	test_env_init(&t);
	vm_shm_init(&reg, &t.env);
	p = proc_new(&t);
	id = vm_shmget(&reg, VM_IPC_PRIVATE, 4 * PG, 0);
	a = vm_shmat(&reg, p->space, id, 0, 0);
	assert_int_equal(proc_mprotect(p, a + PG, PG, VM_PROT_READ), 0);
	assert_int_equal(p->space->nr_areas, 3);
	assert_int_equal(reg.segs[id % VM_SHM_MAX_SEGS]->nattch, 3);
	assert_int_equal(vm_shmctl_rmid(&reg, id), 0);
	assert_int_equal(proc_write(p, a + 3 * PG, 1), 0);
	mmu_clear(p, a, a + 4 * PG);
	assert_int_equal(vm_shmdt(&reg, p->space, a), 0);
	assert_int_equal(p->space->nr_areas, 0);
	assert_int_equal(t.pages, 0); /* removed and unattached: freed */
	proc_exit(p);
	vm_shm_fini(&reg);
	assert_nothing_held(&t);
}

static void test_shm_errors(void **state)
{
	(void)state;
	struct test_env t;
	struct vm_shm_registry reg;
	struct proc *p;
	int id;

	test_env_init(&t);
	vm_shm_init(&reg, &t.env);
	p = proc_new(&t);
	assert_int_equal(vm_shmget(&reg, 1, PG, 0), -VM_ENOENT);
	assert_int_equal(vm_shmget(&reg, 1, 0, VM_IPC_CREAT), -VM_EINVAL);
	assert_int_equal(vm_shmget(&reg, 1, 0xffffffffu, VM_IPC_CREAT),
			 -VM_EINVAL);
	id = vm_shmget(&reg, 1, PG, VM_IPC_CREAT);
	assert_true(id >= 0);
	assert_int_equal(vm_shmget(&reg, 1, PG, VM_IPC_CREAT | VM_IPC_EXCL),
			 -VM_EEXIST);
	assert_int_equal(vm_shmget(&reg, 1, 2 * PG, 0), -VM_EINVAL);
	assert_int_equal(vm_shmget(&reg, 1, 1, 0), id);
	/* bad ids, addresses; overlapping without remap */
	assert_int_equal(vm_err(vm_shmat(&reg, p->space, -1, 0, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_err(vm_shmat(&reg, p->space, id + 1, 0, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_err(vm_shmat(&reg, p->space, id, LO + 5, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_shmat(&reg, p->space, id, LO + 5, VM_SHM_RND), LO);
	assert_int_equal(vm_err(vm_shmat(&reg, p->space, id, LO, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_err(vm_shmat(&reg, p->space, id, HI, 0)),
			 -VM_EINVAL);
	assert_int_equal(vm_shmdt(&reg, p->space, LO + PG), -VM_EINVAL);
	assert_int_equal(vm_shmctl_rmid(&reg, -3), -VM_EINVAL);
	/* the table fills up */
	int n = 1;
	while (vm_shmget(&reg, VM_IPC_PRIVATE, PG, 0) >= 0)
		n++;
	assert_int_equal(n, VM_SHM_MAX_SEGS);
	assert_int_equal(vm_shmget(&reg, 99, PG, VM_IPC_CREAT), -VM_ENOSPC);
	proc_exit(p);
	vm_shm_fini(&reg);
	assert_nothing_held(&t);
	/* out of memory at each step of shmget and shmat */
	for (long n2 = 0; n2 < 6; n2++) {
		test_env_init(&t);
		vm_shm_init(&reg, &t.env);
		p = proc_new(&t);
		t.alloc_budget = n2;
		id = vm_shmget(&reg, 5, PG, VM_IPC_CREAT);
		if (id >= 0) {
			vm_addr_t a = vm_shmat(&reg, p->space, id, 0, 0);
			if (vm_is_err(a)) {
				assert_int_equal(vm_err(a), -VM_ENOMEM);
				assert_int_equal(p->space->nr_areas, 0);
				assert_int_equal(
				    reg.segs[id % VM_SHM_MAX_SEGS]->nattch, 0);
			}
		} else {
			assert_int_equal(id, -VM_ENOMEM);
			assert_int_equal(vm_shmget(&reg, 5, PG, 0), -VM_ENOENT);
		}
		t.alloc_budget = -1;
		proc_exit(p);
		vm_shm_fini(&reg);
		assert_nothing_held(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shm_two_spaces),
	    cmocka_unit_test(test_shm_rmid),
	    cmocka_unit_test(test_shm_split_detach),
	    cmocka_unit_test(test_shm_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
