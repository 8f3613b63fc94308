/*
 * A model-checked random walk over posix/vm, shared by the cmocka test
 * test_model.c (seeded pseudo-random bytes) and the libFuzzer target
 * fuzz_vm.c (the fuzzer's bytes).
 *
 * Up to MODEL_PROCS processes (harness.h) do mmap (private or shared,
 * FIXED or not), munmap, mprotect, reads, writes, fork and exit, now and
 * then with the allocator or the page supply failing. A model kept apart
 * from the library says, per process and page, whether it is mapped,
 * with which rights and which byte it must read (private: the process's
 * own; shared: one cell per shared object and page). Every result is
 * checked against it: errors (EFAULT, EACCES, ENOMEM only when memory
 * failed or no range was free), bytes read, VMA lists sorted and
 * disjoint, counters consistent, chains no deeper than the live VMAs
 * allow (collapse), and at the end nothing held.
 */
#ifndef VM_TESTS_MODEL_H
#define VM_TESTS_MODEL_H

#include "harness.h"

#define MODEL_PROCS   4
#define MODEL_SHARED  64 /* shared objects ever made in one run */
#define MODEL_MAX_LEN 8	 /* pages per mmap/munmap/mprotect */
#define MODEL_FILE    8	 /* pages of the one file */

/*
 * The file: page i is 'A' + i, byte 0 aside (file_val[i] in the model),
 * which writes through shared mappings change. Only byte 0 is ever
 * written, so every other byte of a file-backed page reads 'A' + i
 * whoever copied it when.
 */
static inline int model_file_read(void *file, uint32_t off, vm_phys_t page)
{
	const uint8_t *val = file;

	memset((void *)page.pa, 'A' + (int)(off / PG), PG);
	*(uint8_t *)page.pa = val[off / PG];
	return 0;
}

static const struct vm_pager model_pager = {model_file_read, NULL};

struct model_page {
	bool mapped;
	unsigned prot;
	int shared; /* shared anonymous object index, or -1 */
	unsigned obj_page;
	int file;     /* file page, or -1 */
	bool fshared; /* file pages: a shared mapping */
	bool own;     /* private file pages: written (copied) */
	uint8_t val;  /* private pages */
};

struct model {
	struct test_env t;
	struct proc *procs[MODEL_PROCS];
	struct model_page pages[MODEL_PROCS][MMU_SLOTS];
	vm_addr_t brk[MODEL_PROCS]; /* 0: brk_base (never moved) */
	uint8_t shared_val[MODEL_SHARED][MODEL_MAX_LEN];
	uint8_t file_val[MODEL_FILE];
	struct vm_object *file;
	struct vm_shm_registry shm;
	int nr_shared;
	const uint8_t *data;
	size_t len, pos;
	/* what the walk did, so a test can tell it was not vacuous */
	struct {
		unsigned writes, reads_nonzero, forks, maps, unmaps;
		unsigned protects, refused, squeezed_failures, brks, shmats;
		unsigned max_depth;
	} st;
};

static inline unsigned model_byte(struct model *m)
{
	return m->pos < m->len ? m->data[m->pos++] : 0;
}

/* A page index in [0, MMU_SLOTS). */
static inline unsigned model_slot(struct model *m)
{
	return (model_byte(m) << 8 | model_byte(m)) % MMU_SLOTS;
}

/* Mostly a page p has mapped (random ones hit nothing), else any. */
static inline unsigned model_target(struct model *m, unsigned p)
{
	unsigned i = model_slot(m);

	if (model_byte(m) % 4 == 0)
		return i;
	for (unsigned k = 0; k < MMU_SLOTS; k++) {
		unsigned j = (i + k) % MMU_SLOTS;

		if (m->pages[p][j].mapped)
			return j;
	}
	return i;
}

/* Where byte 0 of p's page i lives; a write to it also makes it own. */
static inline uint8_t *model_cell(struct model *m, unsigned p, unsigned i,
				  bool write)
{
	struct model_page *mp = &m->pages[p][i];

	if (mp->file >= 0 && (mp->fshared || !(mp->own || write)))
		return &m->file_val[mp->file];
	if (mp->file >= 0)
		mp->own = true;
	return mp->shared >= 0 ? &m->shared_val[mp->shared][mp->obj_page]
			       : &mp->val;
}

/* Makes the next library call fail for memory now and then. */
static inline bool model_squeeze(struct model *m)
{
	unsigned b = model_byte(m);

	if (b < 0xf0)
		return false;
	if (b & 1)
		m->t.alloc_budget = b & 6;
	else
		m->t.page_budget = (b >> 1) & 3;
	return true;
}

static inline void model_unsqueeze(struct model *m)
{
	m->t.alloc_budget = -1;
	m->t.page_budget = -1;
}

static inline bool model_run_free(const struct model *m, unsigned p, unsigned n)
{
	unsigned run = 0;

	for (unsigned i = 0; i < MMU_SLOTS; i++) {
		run = m->pages[p][i].mapped ? 0 : run + 1;
		if (run >= n)
			return true;
	}
	return false;
}

static inline void model_mmap(struct model *m, unsigned p)
{
	unsigned n = 1 + model_byte(m) % MODEL_MAX_LEN;
	unsigned how = model_byte(m), at = model_target(m, p);
	unsigned prot = model_byte(m) % 8;
	unsigned fpage = model_byte(m) % (MODEL_FILE - n + 1);
	bool file = how & 8;
	bool shared = (how & 1) && (file || m->nr_shared < MODEL_SHARED);
	bool fixed = how & 2, squeezed;
	unsigned flags = (file ? 0 : VM_MAP_ANON) |
			 (shared ? VM_MAP_SHARED : VM_MAP_PRIVATE) |
			 (fixed ? VM_MAP_FIXED : 0);
	vm_addr_t a;

	if (at + n > MMU_SLOTS)
		at = MMU_SLOTS - n;
	squeezed = model_squeeze(m);
	a = proc_mmap(m->procs[p], (how & 4) || fixed ? LO + at * PG : 0,
		      n * PG, prot, flags, file ? m->file : NULL,
		      file ? fpage * PG : 0);
	model_unsqueeze(m);
	if (vm_is_err(a)) {
		assert_int_equal(vm_err(a), -VM_ENOMEM);
		assert_true(squeezed || (!fixed && !model_run_free(m, p, n)));
		return;
	}
	assert_true(vm_page_aligned(a) && a >= LO && a + n * PG <= HI);
	if (fixed)
		assert_int_equal(a, LO + at * PG);
	for (unsigned i = 0; i < n; i++) {
		struct model_page *mp = &m->pages[p][(a - LO) / PG + i];

		if (!fixed)
			assert_false(mp->mapped);
		*mp = (struct model_page){
		    .mapped = true,
		    .prot = prot,
		    .shared = shared && !file ? m->nr_shared : -1,
		    .obj_page = i,
		    .file = file ? (int)(fpage + i) : -1,
		    .fshared = shared};
	}
	if (shared && !file)
		memset(m->shared_val[m->nr_shared++], 0, MODEL_MAX_LEN);
	m->st.maps++;
}

static inline void model_munmap(struct model *m, unsigned p)
{
	unsigned n = 1 + model_byte(m) % MODEL_MAX_LEN, at = model_target(m, p);
	bool squeezed;
	int err;

	if (at + n > MMU_SLOTS)
		n = MMU_SLOTS - at;
	squeezed = model_squeeze(m);
	err = proc_munmap(m->procs[p], LO + at * PG, n * PG);
	model_unsqueeze(m);
	if (err) {
		assert_int_equal(err, -VM_ENOMEM);
		assert_true(squeezed);
		return;
	}
	for (unsigned i = at; i < at + n; i++)
		m->pages[p][i].mapped = false;
	m->st.unmaps++;
}

static inline void model_mprotect(struct model *m, unsigned p)
{
	unsigned n = 1 + model_byte(m) % MODEL_MAX_LEN, at = model_target(m, p);
	unsigned prot = model_byte(m) % 8;
	bool all = true, squeezed;
	int err;

	if (at + n > MMU_SLOTS)
		n = MMU_SLOTS - at;
	for (unsigned i = at; i < at + n; i++)
		all = all && m->pages[p][i].mapped;
	squeezed = model_squeeze(m);
	err = proc_mprotect(m->procs[p], LO + at * PG, n * PG, prot);
	model_unsqueeze(m);
	if (!all) {
		assert_int_equal(err, -VM_ENOMEM);
		return;
	}
	if (err) {
		assert_int_equal(err, -VM_ENOMEM);
		assert_true(squeezed);
		return;
	}
	for (unsigned i = at; i < at + n; i++)
		m->pages[p][i].prot = prot;
	m->st.protects++;
}

static inline void model_access(struct model *m, unsigned p, bool write)
{
	unsigned i = model_target(m, p), off = model_byte(m);

	/* half the reads at byte 0 (the written one), half elsewhere */
	off = off & 1 ? 0 : (off >> 1) * 32;
	uint8_t v = (uint8_t)model_byte(m);
	struct model_page *mp = &m->pages[p][i];
	vm_addr_t va = LO + i * PG + (write ? 0 : off);
	bool squeezed = model_squeeze(m);
	int r =
	    write ? proc_write(m->procs[p], va, v) : proc_read(m->procs[p], va);

	model_unsqueeze(m);
	if (!mp->mapped) {
		assert_int_equal(r, -VM_EFAULT);
	} else if (write ? !(mp->prot & VM_PROT_WRITE)
			 : mp->prot == VM_PROT_NONE) {
		assert_int_equal(r, -VM_EACCES);
	} else if (r == -VM_ENOMEM) {
		assert_true(squeezed);
		m->st.squeezed_failures++;
	} else if (write) {
		assert_int_equal(r, 0);
		*model_cell(m, p, i, true) = v;
		m->st.writes++;
	} else {
		m->st.reads_nonzero += r > 0;
		/* writes go to byte 0; the rest is zero or the file's */
		if (off)
			assert_int_equal(r, mp->file >= 0 ? 'A' + mp->file : 0);
		else
			assert_int_equal(r, *model_cell(m, p, i, false));
	}
}

static inline void model_fork(struct model *m, unsigned p)
{
	unsigned c = 0;
	bool squeezed;
	int err;

	while (c < MODEL_PROCS && m->procs[c])
		c++;
	if (c == MODEL_PROCS)
		return;
	squeezed = model_squeeze(m);
	err = proc_fork(m->procs[p], &m->procs[c]);
	model_unsqueeze(m);
	if (err) {
		assert_int_equal(err, -VM_ENOMEM);
		assert_true(squeezed);
		m->procs[c] = NULL;
		return;
	}
	memcpy(m->pages[c], m->pages[p], sizeof(m->pages[c]));
	m->brk[c] = m->brk[p];
	m->st.forks++;
}

/* The heap: grows over free pages only, shrinks over anything. */
static inline void model_brk(struct model *m, unsigned p)
{
	vm_addr_t old = m->brk[p] ? m->brk[p] : BRK_BASE;
	vm_addr_t want = BRK_BASE + model_byte(m) % 24 * PG + model_byte(m);
	unsigned old_top = (old - LO + PG - 1) / PG;
	unsigned new_top = (want - LO + PG - 1) / PG;
	bool fits = true, squeezed;
	vm_addr_t got;

	for (unsigned i = old_top; i < new_top; i++)
		fits = fits && !m->pages[p][i].mapped;
	if (new_top < old_top)
		mmu_clear(m->procs[p], LO + new_top * PG, LO + old_top * PG);
	squeezed = model_squeeze(m);
	got = vm_brk(m->procs[p]->space, want);
	model_unsqueeze(m);
	assert_int_equal(m->procs[p]->space->brk, got);
	if (!fits || (got == old && want != old)) {
		assert_int_equal(got, old);
		assert_true(!fits || squeezed);
		return;
	}
	assert_int_equal(got, want);
	m->brk[p] = got;
	for (unsigned i = old_top; i < new_top; i++)
		m->pages[p][i] =
		    (struct model_page){.mapped = true,
					.prot = VM_PROT_READ | VM_PROT_WRITE,
					.shared = -1,
					.file = -1};
	for (unsigned i = new_top; i < old_top; i++)
		m->pages[p][i].mapped = false;
	m->st.brks++;
}

/*
 * A System V segment attached and removed at once (IPC_RMID): it lives
 * as long as some piece of an attach does (fork, munmap, exit), and the
 * counters at the end say it was freed.
 */
static inline void model_shm(struct model *m, unsigned p)
{
	unsigned n = 1 + model_byte(m) % MODEL_MAX_LEN, at = model_target(m, p);
	bool fixed = model_byte(m) & 1, taken = false, squeezed;
	vm_addr_t a = 0;
	int id;

	if (m->nr_shared == MODEL_SHARED)
		return;
	if (at + n > MMU_SLOTS)
		at = MMU_SLOTS - n;
	for (unsigned i = at; i < at + n; i++)
		taken = taken || m->pages[p][i].mapped;
	squeezed = model_squeeze(m);
	id = vm_shmget(&m->shm, VM_IPC_PRIVATE, n * PG, 0);
	if (id >= 0)
		a = vm_shmat(&m->shm, m->procs[p]->space, id,
			     fixed ? LO + at * PG : 0, 0);
	model_unsqueeze(m);
	if (id < 0) {
		assert_true(id == -VM_ENOMEM && squeezed);
		return;
	}
	assert_int_equal(vm_shmctl_rmid(&m->shm, id), 0);
	if (vm_is_err(a)) {
		if (vm_err(a) == -VM_EINVAL)
			assert_true(fixed && taken);
		else
			assert_true(vm_err(a) == -VM_ENOMEM &&
				    (squeezed || !model_run_free(m, p, n)));
		return;
	}
	assert_true(!fixed || (a == LO + at * PG && !taken));
	for (unsigned i = 0; i < n; i++) {
		struct model_page *mp = &m->pages[p][(a - LO) / PG + i];

		assert_false(mp->mapped);
		*mp = (struct model_page){.mapped = true,
					  .prot = VM_PROT_READ | VM_PROT_WRITE,
					  .shared = m->nr_shared,
					  .obj_page = i,
					  .file = -1};
	}
	memset(m->shared_val[m->nr_shared++], 0, MODEL_MAX_LEN);
	m->st.shmats++;
}

static inline void model_exit(struct model *m, unsigned p)
{
	proc_exit(m->procs[p]);
	m->procs[p] = NULL;
	memset(m->pages[p], 0, sizeof(m->pages[p]));
	m->brk[p] = 0;
}

/* Structural invariants of every space, and the counters. */
static inline void model_check(struct model *m)
{
	unsigned total_areas = 0;

	for (unsigned p = 0; p < MODEL_PROCS; p++) {
		const struct proc *pr = m->procs[p];
		vm_addr_t end = 0;
		unsigned n = 0;

		if (!pr)
			continue;
		for (const struct vm_area *a = pr->space->areas; a;
		     a = a->next, n++) {
			assert_true(a->start >= end && a->start < a->end);
			assert_true(a->start >= LO && a->end <= HI);
			end = a->end;
		}
		assert_int_equal(n, pr->space->nr_areas);
		total_areas += n;
	}
	/*
	 * Collapse keeps only objects that two live VMAs or more see
	 * below a top, so no chain is longer than the VMAs alive.
	 */
	for (unsigned p = 0; p < MODEL_PROCS; p++) {
		unsigned d;

		if (!m->procs[p])
			continue;
		d = vm_space_max_depth(m->procs[p]->space);
		assert_true(d <= total_areas + 1);
		if (d > m->st.max_depth)
			m->st.max_depth = d;
	}
	assert_int_equal(m->t.pages, (long)m->t.env.nr_pages);
	assert_int_equal(m->t.allocs, (long)m->t.env.nr_allocs);
}

/*
 * Runs the walk the bytes describe; everything is freed at the end.
 * Returns the model (static: it is large) for its statistics.
 */
static inline const struct model *model_run(const uint8_t *data, size_t len)
{
	static struct model m;

	memset(&m, 0, sizeof(m));
	test_env_init(&m.t);
	m.data = data;
	m.len = len;
	for (unsigned i = 0; i < MODEL_FILE; i++)
		m.file_val[i] = (uint8_t)('A' + i);
	m.file = vm_object_file_create(&m.t.env, &model_pager, m.file_val,
				       VM_PROT_ALL);
	assert_non_null(m.file);
	vm_shm_init(&m.shm, &m.t.env);
	m.procs[0] = proc_new(&m.t);
	while (m.pos < m.len) {
		unsigned op = model_byte(&m), p = model_byte(&m) % MODEL_PROCS;

		if (!m.procs[p])
			p = 0;
		if (!m.procs[p]) {
			m.procs[p] = proc_new(&m.t);
			continue;
		}
		switch (op % 10) {
		case 9:
			model_shm(&m, p);
			break;
		case 8:
			model_brk(&m, p);
			break;
		case 0:
			model_mmap(&m, p);
			break;
		case 1:
			model_munmap(&m, p);
			break;
		case 2:
			model_mprotect(&m, p);
			break;
		case 3:
		case 4:
			model_access(&m, p, true);
			break;
		case 5:
			model_access(&m, p, false);
			break;
		case 6:
			model_fork(&m, p);
			break;
		case 7:
			model_exit(&m, p);
			break;
		}
		model_check(&m);
	}
	for (unsigned p = 0; p < MODEL_PROCS; p++) {
		if (m.procs[p])
			model_exit(&m, p);
	}
	vm_object_put(&m.t.env, m.file);
	vm_shm_fini(&m.shm); /* all removed already: nothing to do */
	assert_int_equal(m.t.allocs, 0);
	assert_int_equal(m.t.pages, 0);
	assert_int_equal(m.t.env.nr_allocs, 0);
	assert_int_equal(m.t.env.nr_pages, 0);
	return &m;
}

#endif
