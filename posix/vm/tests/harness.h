/*
 * Test harness for posix/vm: the memory server and the kernel, simulated.
 *
 *  - The environment (vm/env.h) allocates with malloc and pages are real
 *    4 KiB host buffers; both are counted, can be made to fail after N
 *    successes, and every page the library hands back is checked to be
 *    one it got (a double or foreign free fails the test).
 *  - A "process" is a vm_space plus a simulated MMU (va -> page, rights).
 *    proc_write()/proc_read() go through the MMU and, on a miss or a
 *    missing right, call vm_fault() and carry out its decision exactly as
 *    the server will (zero or copy, then map), then retry. Every access
 *    checks the mapped page is still live, so a page freed while a
 *    process can still see it fails the test.
 *  - The simulated server follows the ordering rule of vm/space.h: it
 *    removes MMU entries before unmapping in the library.
 *
 * Everything is static inline so each test program uses what it needs.
 */
#ifndef VM_TESTS_HARNESS_H
#define VM_TESTS_HARNESS_H

/* the fuzzer links the host C library, cmocka tests the project's libc */
#ifndef VM_HARNESS_FUZZ
#include "../../../libc/tests/host_rename.h"
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#ifndef VM_HARNESS_FUZZ
#include <cmocka.h>
#else
/* the libFuzzer target: a failed check is a crash the fuzzer reports */
#include <stdio.h>
#define assert_true(c)                                                         \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,     \
				#c);                                           \
			abort();                                               \
		}                                                              \
	} while (0)
#define assert_false(c)	       assert_true(!(c))
#define assert_int_equal(a, b) assert_true((long long)(a) == (long long)(b))
#define assert_non_null(p)     assert_true((p) != NULL)
#define assert_null(p)	       assert_true((p) == NULL)
#define fail_msg(...)                                                          \
	do {                                                                   \
		fprintf(stderr, __VA_ARGS__);                                  \
		abort();                                                       \
	} while (0)
#endif

#include <string.h>

#include <vm/fault.h>
#include <vm/fork.h>
#include <vm/mmap.h>
#include <vm/shm.h>
#include <vm/space.h>

#define PG VM_PAGE_SIZE

/* --------------------------------------------------------------- env */

#define MAX_LIVE_PAGES 16384

struct test_env {
	struct vm_env env;
	long allocs, pages; /* live, counted here independently */
	long alloc_budget;  /* successes left before failing; -1: never */
	long page_budget;
	long page_allocs_total; /* page_alloc successes ever */
	void *live[MAX_LIVE_PAGES];
	unsigned nr_live;
};

static inline void *t_alloc(void *ctx, size_t size)
{
	struct test_env *t = ctx;
	size_t *p;

	if (t->alloc_budget == 0)
		return NULL;
	if (t->alloc_budget > 0)
		t->alloc_budget--;
	p = malloc(size + sizeof(size_t) * 2);
	assert_non_null(p);
	p[0] = size;
	t->allocs++;
	return p + 2;
}

static inline void t_free(void *ctx, void *ptr, size_t size)
{
	struct test_env *t = ctx;
	size_t *p = (size_t *)ptr - 2;

	assert_int_equal(p[0], size); /* freed with the size allocated */
	p[0] = (size_t)-1;
	t->allocs--;
	free(p);
}

static inline int t_page_alloc(void *ctx, vm_phys_t *out)
{
	struct test_env *t = ctx;
	void *pg;

	if (t->page_budget == 0)
		return -VM_ENOMEM;
	if (t->page_budget > 0)
		t->page_budget--;
	assert_true(t->nr_live < MAX_LIVE_PAGES);
	pg = aligned_alloc(PG, PG);
	assert_non_null(pg);
	memset(pg, 0xa5, PG); /* garbage: the library must ask for zeroing */
	t->live[t->nr_live++] = pg;
	t->pages++;
	t->page_allocs_total++;
	out->pa = (uintptr_t)pg;
	return 0;
}

static inline int live_index(const struct test_env *t, uintptr_t pa)
{
	for (unsigned i = 0; i < t->nr_live; i++) {
		if ((uintptr_t)t->live[i] == pa)
			return (int)i;
	}
	return -1;
}

static inline void t_page_free(void *ctx, vm_phys_t page)
{
	struct test_env *t = ctx;
	int i = live_index(t, page.pa);

	assert_true(i >= 0); /* a page we handed out, not freed before */
	t->live[i] = t->live[--t->nr_live];
	memset((void *)page.pa, 0xdd, PG);
	free((void *)page.pa);
	t->pages--;
}

static inline void test_env_init(struct test_env *t)
{
	memset(t, 0, sizeof(*t));
	t->alloc_budget = -1;
	t->page_budget = -1;
	t->env.ctx = t;
	t->env.alloc = t_alloc;
	t->env.free = t_free;
	t->env.page_alloc = t_page_alloc;
	t->env.page_free = t_page_free;
}

/* Nothing held: both the library's counts and ours are back to zero. */
static inline void assert_nothing_held(const struct test_env *t)
{
	assert_int_equal(t->allocs, 0);
	assert_int_equal(t->pages, 0);
	assert_int_equal(t->env.nr_allocs, 0);
	assert_int_equal(t->env.nr_pages, 0);
}

/* A small user range keeps every search and model cheap. */
#define LO	  0x10000u
#define HI	  (LO + 512 * PG)
#define MMAP_BASE (LO + 256 * PG)
#define BRK_BASE  (LO + 64 * PG)

static inline const struct vm_layout *test_layout(void)
{
	static const struct vm_layout l = {
	    .lo = LO,
	    .hi = HI,
	    .mmap_base = MMAP_BASE,
	    .brk_base = BRK_BASE,
	};
	return &l;
}

/* ------------------------------------------------------ simulated MMU */

#define MMU_SLOTS ((HI - LO) / PG)

struct mmu_ent {
	uintptr_t page; /* 0: not mapped */
	unsigned prot;
};

struct proc {
	struct test_env *t;
	struct vm_space *space;
	struct mmu_ent mmu[MMU_SLOTS];
	unsigned fills; /* faults whose decision zeroed or copied */
	unsigned faults;
};

static inline struct mmu_ent *mmu_slot(struct proc *p, vm_addr_t va)
{
	assert_true(va >= LO && va < HI);
	return &p->mmu[(va - LO) / PG];
}

static inline struct proc *proc_new(struct test_env *t)
{
	struct proc *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->t = t;
	p->space = vm_space_create(&t->env, test_layout());
	assert_non_null(p->space);
	return p;
}

/* Carries out a fault decision as the server does. */
static inline void apply(struct proc *p, const struct vm_fault_decision *d)
{
	struct mmu_ent *m = mmu_slot(p, d->va);

	assert_true(vm_page_aligned(d->va));
	assert_true(live_index(p->t, d->page.pa) >= 0);
	if (d->fill == VM_FILL_ZERO)
		memset((void *)d->page.pa, 0, PG);
	if (d->fill == VM_FILL_COPY) {
		assert_true(live_index(p->t, d->copy_from.pa) >= 0);
		assert_true(d->copy_from.pa != d->page.pa);
		memcpy((void *)d->page.pa, (void *)d->copy_from.pa, PG);
	}
	if (d->fill != VM_FILL_NONE)
		p->fills++;
	m->page = d->page.pa;
	m->prot = d->prot;
}

/* Byte at va for access (faulting as needed), or a negative VM error. */
static inline int proc_touch(struct proc *p, vm_addr_t va, unsigned access,
			     uint8_t **byte)
{
	for (int tries = 0; tries < 3; tries++) {
		struct mmu_ent *m = mmu_slot(p, va);
		struct vm_fault_decision d;
		int err;

		if (m->page &&
		    (access == VM_ACCESS_READ ? m->prot != VM_PROT_NONE
					      : (m->prot & access) != 0)) {
			assert_true(live_index(p->t, m->page) >= 0);
			*byte = (uint8_t *)m->page + (va % PG);
			return 0;
		}
		p->faults++;
		err = vm_fault(p->space, va, access, &d);
		if (err)
			return err;
		assert_true((d.prot & access) || access == VM_ACCESS_READ);
		apply(p, &d);
	}
	fail_msg("fault at %#x not resolved", va);
	return -1;
}

static inline int proc_write(struct proc *p, vm_addr_t va, uint8_t v)
{
	uint8_t *b;
	int err = proc_touch(p, va, VM_ACCESS_WRITE, &b);

	if (!err)
		*b = v;
	return err;
}

static inline int proc_read(struct proc *p, vm_addr_t va)
{
	uint8_t *b;
	int err = proc_touch(p, va, VM_ACCESS_READ, &b);

	return err ? err : *b;
}

static inline void mmu_clear(struct proc *p, vm_addr_t start, vm_addr_t end)
{
	for (vm_addr_t va = start; va < end && va < HI; va += PG) {
		if (va >= LO)
			*mmu_slot(p, va) = (struct mmu_ent){0};
	}
}

/* munmap as the server does it: kernel mappings first. */
static inline int proc_munmap(struct proc *p, vm_addr_t addr, vm_addr_t len)
{
	int err;

	mmu_clear(p, addr, addr + len);
	err = vm_munmap(p->space, addr, len);
	return err;
}

static inline vm_addr_t proc_mmap(struct proc *p, vm_addr_t addr, vm_addr_t len,
				  unsigned prot, unsigned flags,
				  struct vm_object *obj, uint32_t off)
{
	if (flags & VM_MAP_FIXED)
		mmu_clear(p, addr, addr + len);
	return vm_mmap(p->space, addr, len, prot, flags, obj, off);
}

/* mprotect: the library, then lowered rights in the MMU. */
static inline int proc_mprotect(struct proc *p, vm_addr_t addr, vm_addr_t len,
				unsigned prot)
{
	int err = vm_mprotect(p->space, addr, len, prot);

	if (err)
		return err;
	for (vm_addr_t va = addr; va < addr + len; va += PG)
		mmu_slot(p, va)->prot &= prot;
	return 0;
}

static inline int proc_fork(struct proc *p, struct proc **child)
{
	struct vm_fork_result r;
	int err = vm_fork(p->space, &r);

	if (err)
		return err;
	for (size_t i = 0; i < r.nr_remap; i++) {
		struct mmu_ent *m = mmu_slot(p, r.remap[i].va);

		assert_false(r.remap[i].prot & VM_PROT_WRITE);
		if (m->page) {
			assert_int_equal(m->page, r.remap[i].page.pa);
			m->prot = r.remap[i].prot;
		}
	}
	vm_fork_result_free(&p->t->env, &r);
	/* the list was complete: nothing private is writable any more */
	for (vm_addr_t va = LO; va < HI; va += PG) {
		struct mmu_ent *m = mmu_slot(p, va);
		struct vm_area *a = vm_find_area(p->space, va);

		if (m->page && (m->prot & VM_PROT_WRITE))
			assert_true(a && (a->flags & VM_AREA_SHARED));
	}
	*child = calloc(1, sizeof(**child));
	assert_non_null(*child);
	(*child)->t = p->t;
	(*child)->space = r.child;
	return 0;
}

static inline void proc_exit(struct proc *p)
{
	mmu_clear(p, LO, HI);
	vm_space_destroy(p->space);
	free(p);
}

#endif
