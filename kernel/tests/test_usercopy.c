/*
 * Host tests for kernel/generic/usercopy.c (copy_user_to_user, ipc's copy
 * of full and extended messages), compiled into this test against fake
 * page tables: arch_lookup here answers from a small table per space, and
 * the "physical" pages are host memory placed below 4 GiB so that the
 * kernel's phys_to_virt (physical + KERNEL_VIRT_OFFSET, 32-bit) reaches
 * them unchanged.
 *
 * Direct cases (alignments, page crossings, each kind of fault, the length
 * limit, overlap in one space and through shared pages), then a seeded
 * random run against a model that knows nothing of the code's pieces:
 * errors exactly where a page of the source is not readable normal memory
 * or one of the destination not writable normal memory or the range leaves
 * user space (then not one byte of "RAM" changes); otherwise the
 * destination gets the source's bytes as they were before the copy
 * (memmove) unless a range reaches one page at two of its addresses, and
 * even then nothing outside the destination changes and each of its bytes
 * is one of the source's (space.h). USERCOPY_SEEDS and USERCOPY_STEPS in
 * the environment run more.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "../generic/usercopy.c"

#define RAM_PAGES 8
#define WINDOW_VA 0x10000000u /* each fake space maps pages here... */
#define WINDOW_PAGES 4
#define TOP_VA (USER_VA_END - 2 * PAGE_SIZE) /* ...and at the top */
#define TOP_PAGES 2
#define NO_PAGE 0xffu

/* A fake space: which RAM page (or NO_PAGE) and attributes each window
 * page has. The struct space comes first: arch_lookup gets &space.arch. */
struct fake_space {
	struct space space;
	uint8_t page[WINDOW_PAGES + TOP_PAGES];
	unsigned attrs[WINDOW_PAGES + TOP_PAGES];
};

static uint8_t *ram;	 /* RAM_PAGES pages of host memory below 4 GiB */
static uint32_t ram_pa;	 /* the "physical" address of ram[0] */
static unsigned lookups; /* arch_lookup calls */

static int slot_of(uint32_t va)
{
	if (va >= WINDOW_VA && va < WINDOW_VA + WINDOW_PAGES * PAGE_SIZE)
		return (int)((va - WINDOW_VA) / PAGE_SIZE);
	if (va >= TOP_VA && va < USER_VA_END)
		return WINDOW_PAGES + (int)((va - TOP_VA) / PAGE_SIZE);
	return -1;
}

int arch_lookup(const struct arch_space *as, uint32_t va, paddr_t *p,
		unsigned *attrs)
{
	const struct fake_space *s = (const struct fake_space *)as;
	int slot = slot_of(va);

	lookups++;
	if (va >= USER_VA_END || slot < 0 || s->page[slot] == NO_PAGE)
		return -E_FAULT;
	*p = pa(ram_pa + s->page[slot] * PAGE_SIZE + (va & (PAGE_SIZE - 1)));
	*attrs = s->attrs[slot];
	return 0;
}

/* The arch's one walk for space_user_page, by the rule it stands for
 * (arch/mmu.h): readable, normal memory, writable when asked. (Every
 * page the real arch maps is readable; these fakes can be not.) */
int arch_user_page(const struct arch_space *as, uint32_t va, bool write,
		   paddr_t *p)
{
	unsigned attrs, need = MAP_READ | (write ? MAP_WRITE : 0);

	if (arch_lookup(as, va, p, &attrs) != 0 || (attrs & MAP_DEVICE) ||
	    (attrs & need) != need)
		return -E_FAULT;
	return 0;
}

static int setup(void **state)
{
	(void)state;
#ifdef MAP_32BIT
	ram = mmap(NULL, RAM_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
#else
	ram = mmap((void *)0x40000000, RAM_PAGES * PAGE_SIZE,
		   PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
#endif
	if (ram == MAP_FAILED || (uintptr_t)ram >> 32 != 0)
		return -1;
	ram_pa = (uint32_t)(uintptr_t)ram - (uint32_t)KERNEL_VIRT_OFFSET;
	return phys_to_virt(pa(ram_pa)) == ram ? 0 : -1;
}

#define RW (MAP_READ | MAP_WRITE)

/* A space with window page i on RAM page i (top pages on RAM pages
 * WINDOW_PAGES..), all writable. */
static void plain_space(struct fake_space *s, unsigned first_page)
{
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < WINDOW_PAGES + TOP_PAGES; i++) {
		s->page[i] = (uint8_t)((first_page + i) % RAM_PAGES);
		s->attrs[i] = RW;
	}
}

static uint8_t *at(const struct fake_space *s, uint32_t va)
{
	int slot = slot_of(va);

	assert_true(slot >= 0 && s->page[slot] != NO_PAGE);
	return ram + s->page[slot] * PAGE_SIZE + (va & (PAGE_SIZE - 1));
}

static void fill_ram(uint32_t seed)
{
	for (uint32_t i = 0; i < RAM_PAGES * PAGE_SIZE; i++)
		ram[i] = (uint8_t)((i * 2654435761u + seed) >> 13);
}

static uint8_t before[RAM_PAGES * PAGE_SIZE], want[RAM_PAGES * PAGE_SIZE];

/* The model of a successful copy: the source read whole, then written. */
static void model_copy(const struct fake_space *from, uint32_t src,
		       const struct fake_space *to, uint32_t dst, uint32_t n)
{
	static uint8_t snap[COPY_USER_MAX];

	for (uint32_t i = 0; i < n; i++)
		snap[i] = *at(from, src + i);
	for (uint32_t i = 0; i < n; i++)
		*at(to, dst + i) = snap[i];
}

/* The copy under test, n bytes: copy_user_to_user, or copy_utcb_words
 * (n a multiple of 4) through utcb_bytes. */
typedef int (*copy_fn)(const struct space *from, uint32_t from_va,
		       const struct space *to, uint32_t to_va, uint32_t n);

static int utcb_bytes(const struct space *from, uint32_t from_va,
		      const struct space *to, uint32_t to_va, uint32_t n)
{
	return copy_utcb_words(from, from_va, to, to_va, n / 4);
}

/* Copy with fn and compare all of RAM with the model's result. */
static void fn_like_model(copy_fn fn, const struct fake_space *from,
			  uint32_t src, const struct fake_space *to,
			  uint32_t dst, uint32_t n)
{
	memcpy(before, ram, sizeof(before));
	model_copy(from, src, to, dst, n);
	memcpy(want, ram, sizeof(want));
	memcpy(ram, before, sizeof(before));
	lookups = 0;
	assert_int_equal(fn(&from->space, src, &to->space, dst, n), 0);
	assert_true(lookups <= 4);
	assert_memory_equal(ram, want, sizeof(want));
}

/* A copy with fn that must fail with err and change nothing. */
static void fn_fails(copy_fn fn, const struct fake_space *from, uint32_t src,
		     const struct fake_space *to, uint32_t dst, uint32_t n,
		     int err)
{
	memcpy(before, ram, sizeof(before));
	assert_int_equal(fn(&from->space, src, &to->space, dst, n), err);
	assert_memory_equal(ram, before, sizeof(before));
}

static void copy_like_model(const struct fake_space *from, uint32_t src,
			    const struct fake_space *to, uint32_t dst,
			    uint32_t n)
{
	fn_like_model(copy_user_to_user, from, src, to, dst, n);
}

static void copy_fails(const struct fake_space *from, uint32_t src,
		       const struct fake_space *to, uint32_t dst, uint32_t n,
		       int err)
{
	fn_fails(copy_user_to_user, from, src, to, dst, n, err);
}

/* ------------------------------------------------------------ cases */

/* A full message: 64 aligned words from one UTCB to another. */
static void test_full_message(void **state)
{
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 4);
	fill_ram(1);
	for (uint32_t words = 0; words <= 64; words++)
		copy_like_model(&a, WINDOW_VA + 0x200, &b, WINDOW_VA + 0xe00,
				words * 4);
}

/* copy_utcb_words against the model: every length of a full message
 * between UTCB_SIZE-aligned UTCBs with one lookup a side, the same UTCB
 * (or one page through two spaces) left as it is, each fault writing
 * nothing, too many words refused, and UTCBs not so aligned copied by the
 * general rules. */
static void utcb_like_model(const struct fake_space *from, uint32_t src,
			    const struct fake_space *to, uint32_t dst,
			    uint32_t words)
{
	fn_like_model(utcb_bytes, from, src, to, dst, words * 4);
}

static void utcb_fails(const struct fake_space *from, uint32_t src,
		       const struct fake_space *to, uint32_t dst,
		       uint32_t words, int err)
{
	fn_fails(utcb_bytes, from, src, to, dst, words * 4, err);
}

static void test_utcb_words(void **state)
{
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 4);
	fill_ram(7);
	for (uint32_t words = 0; words <= UTCB_MRS; words++) {
		utcb_like_model(&a, WINDOW_VA + 0x200, &b, WINDOW_VA + 0xe00,
				words);
		assert_int_equal(lookups, words ? 2 : 0);
	}
	/* the last UTCB below the end of user space */
	utcb_like_model(&a, USER_VA_END - UTCB_SIZE, &b, WINDOW_VA, UTCB_MRS);
	/* one UTCB, or one page seen from two spaces: nothing moves */
	utcb_like_model(&a, WINDOW_VA + 0x400, &a, WINDOW_VA + 0x400, UTCB_MRS);
	b.page[0] = a.page[0];
	utcb_like_model(&a, WINDOW_VA + 0x600, &b, WINDOW_VA + 0x600, UTCB_MRS);
	/* two UTCBs of one page, through two spaces */
	utcb_like_model(&a, WINDOW_VA + 0x200, &b, WINDOW_VA + 0x400, UTCB_MRS);
	plain_space(&b, 4);
	/* not UTCB_SIZE-aligned: the general rules (here across a page) */
	utcb_like_model(&a, WINDOW_VA + PAGE_SIZE - 8, &b, WINDOW_VA + 0x104,
			UTCB_MRS);
	/* faults and limits */
	utcb_fails(&a, WINDOW_VA, &b, WINDOW_VA, UTCB_MRS + 1, -E_INVAL);
	a.page[0] = NO_PAGE;
	utcb_fails(&a, WINDOW_VA, &b, WINDOW_VA, 1, -E_FAULT);
	a.page[0] = 0;
	a.attrs[0] = RW | MAP_DEVICE;
	utcb_fails(&a, WINDOW_VA, &b, WINDOW_VA, UTCB_MRS, -E_FAULT);
	a.attrs[0] = MAP_READ; /* a read-only sender's UTCB is fine */
	utcb_like_model(&a, WINDOW_VA, &b, WINDOW_VA, UTCB_MRS);
	b.attrs[0] = MAP_READ;
	utcb_fails(&a, WINDOW_VA, &b, WINDOW_VA, UTCB_MRS, -E_FAULT);
	b.attrs[0] = RW;
	b.page[0] = NO_PAGE;
	utcb_fails(&a, WINDOW_VA, &b, WINDOW_VA, UTCB_MRS, -E_FAULT);
	utcb_fails(&a, WINDOW_VA, &b, USER_VA_END, UTCB_MRS, -E_FAULT);
	utcb_fails(&a, 0xfffffe00u, &b, WINDOW_VA + 0x200, 4, -E_FAULT);
}

/* Every alignment of both sides, short and long, across pages on either
 * side, on both and on neither. */
static void test_alignments_and_page_crossings(void **state)
{
	static const uint32_t lengths[] = {1,   2,	  3,	4,    5,    31,
					   32,	33,   63,   64,	  65,	 255,
					   256, 1000, 4093, 4095, 4096};
	static const uint32_t starts[] = {0, PAGE_SIZE - 40, PAGE_SIZE - 1,
					  2 * PAGE_SIZE - 2048};
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 4);
	fill_ram(2);
	for (unsigned l = 0; l < ARRAY_SIZE(lengths); l++)
		for (unsigned ss = 0; ss < ARRAY_SIZE(starts); ss++)
			for (unsigned ds = 0; ds < ARRAY_SIZE(starts); ds++)
				for (uint32_t so = 0; so < 4; so++)
					for (uint32_t dof = 0; dof < 4; dof++)
						copy_like_model(
						    &a,
						    WINDOW_VA + starts[ss] + so,
						    &b,
						    WINDOW_VA + PAGE_SIZE +
							starts[ds] + dof,
						    lengths[l]);
}

static void test_source_faults(void **state)
{
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 4);
	fill_ram(3);
	a.page[1] = NO_PAGE; /* second page of the window unmapped */
	copy_fails(&a, WINDOW_VA + PAGE_SIZE - 100, &b, WINDOW_VA, 200,
		   -E_FAULT);
	copy_fails(&a, WINDOW_VA + PAGE_SIZE - 1, &b, WINDOW_VA, 4096,
		   -E_FAULT);
	copy_fails(&a, WINDOW_VA + PAGE_SIZE, &b, WINDOW_VA, 1, -E_FAULT);
	a.page[1] = 1;
	a.attrs[1] = MAP_READ | MAP_WRITE | MAP_DEVICE;
	copy_fails(&a, WINDOW_VA + PAGE_SIZE - 100, &b, WINDOW_VA, 200,
		   -E_FAULT);
	a.attrs[1] = MAP_WRITE; /* not readable (the arch never says so) */
	copy_fails(&a, WINDOW_VA + PAGE_SIZE - 100, &b, WINDOW_VA, 200,
		   -E_FAULT);
	a.attrs[1] = MAP_READ; /* read-only: a good source */
	copy_like_model(&a, WINDOW_VA + PAGE_SIZE - 100, &b, WINDOW_VA, 200);
	/* past the end of user space, wrapping, outside it altogether */
	copy_fails(&a, USER_VA_END - 100, &b, WINDOW_VA, 200, -E_FAULT);
	copy_fails(&a, 0xfffffff0u, &b, WINDOW_VA, 0x20, -E_FAULT);
	copy_fails(&a, USER_VA_END, &b, WINDOW_VA, 4, -E_FAULT);
	copy_fails(&a, USER_VA_END + 4, &b, WINDOW_VA, 0, -E_FAULT);
	/* up to the last byte of user space is fine; zero bytes anywhere
	 * in it or at its end too */
	copy_like_model(&a, USER_VA_END - 100, &b, WINDOW_VA, 100);
	copy_like_model(&a, USER_VA_END, &b, WINDOW_VA, 0);
	copy_like_model(&a, 0x20000000u, &b, WINDOW_VA, 0);
}

static void test_destination_faults(void **state)
{
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 4);
	fill_ram(4);
	b.attrs[1] = MAP_READ;
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE - 100, 200,
		   -E_FAULT);
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE - 1, 4096,
		   -E_FAULT);
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE, 4, -E_FAULT);
	b.attrs[1] = RW | MAP_DEVICE;
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE - 100, 200,
		   -E_FAULT);
	b.attrs[1] = MAP_WRITE; /* writable but not readable: refused too */
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE - 100, 200,
		   -E_FAULT);
	b.attrs[1] = RW;
	b.page[1] = NO_PAGE;
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE - 100, 200,
		   -E_FAULT);
	copy_fails(&a, WINDOW_VA, &b, USER_VA_END - 100, 200, -E_FAULT);
	copy_fails(&a, WINDOW_VA, &b, 0xffffff00u, 0x200, -E_FAULT);
	/* both sides bad: still -E_FAULT, nothing written */
	a.page[0] = NO_PAGE;
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA + PAGE_SIZE - 100, 200,
		   -E_FAULT);
}

static void test_length_limit(void **state)
{
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 4);
	fill_ram(5);
	copy_like_model(&a, WINDOW_VA + 3, &b, WINDOW_VA + 5, COPY_USER_MAX);
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA, COPY_USER_MAX + 1, -E_INVAL);
	copy_fails(&a, WINDOW_VA, &b, WINDOW_VA, 0xffffffffu, -E_INVAL);
}

/* One space, overlapping ranges: memmove's result, whichever way. */
static void test_overlap_in_one_space(void **state)
{
	static const int32_t shifts[] = {-4097, -4096, -2049, -100, -5, -4,
					 -1,	0,     1,     4,    5,	100,
					 2049,	4096,  4097};
	static const uint32_t lengths[] = {1, 7, 64, 1000, 3000, 4096};
	struct fake_space a;

	(void)state;
	plain_space(&a, 0);
	/* RAM pages out of order, so the kernel addresses jump at every
	 * page boundary */
	a.page[0] = 5, a.page[1] = 2, a.page[2] = 7, a.page[3] = 0;
	fill_ram(6);
	for (unsigned s = 0; s < ARRAY_SIZE(shifts); s++)
		for (unsigned l = 0; l < ARRAY_SIZE(lengths); l++)
			for (uint32_t off = 0; off < 3; off++) {
				uint32_t src = WINDOW_VA + PAGE_SIZE + 1000 +
					       off * 1500;
				uint32_t dst = src + (uint32_t)shifts[s];
				if (dst + lengths[l] >
					WINDOW_VA + WINDOW_PAGES * PAGE_SIZE ||
				    src + lengths[l] >
					WINDOW_VA + WINDOW_PAGES * PAGE_SIZE)
					continue;
				copy_like_model(&a, src, &a, dst, lengths[l]);
			}
}

/* Two spaces sharing pages in the same order (a copied space, an alias
 * mapping at another address): memmove's result as in one space. */
static void test_overlap_through_shared_pages(void **state)
{
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 0);
	/* b's window is a's shifted by one page: b's page i is a's i + 1 */
	for (unsigned i = 0; i + 1 < WINDOW_PAGES; i++)
		b.page[i] = a.page[i + 1];
	b.page[WINDOW_PAGES - 1] = 6; /* no page twice in one space */
	fill_ram(7);
	for (int32_t d = -300; d <= 300; d += 37)
		for (uint32_t len = 1; len <= 4096; len = len * 3 + 1) {
			uint32_t src = WINDOW_VA + PAGE_SIZE + 2000;
			/* b's address of the same byte, moved by d */
			uint32_t dst = src - PAGE_SIZE + (uint32_t)d;
			copy_like_model(&a, src, &b, dst, len);
			copy_like_model(&b, dst, &a, src, len);
		}
}

/* Is every byte of the destination one of the source's bytes as they
 * were (snap, n bytes), and everything else of RAM as it was (before)? */
static void check_inside(const struct fake_space *to, uint32_t dst,
			 const uint8_t *snap, uint32_t n)
{
	bool value[256] = {false};

	for (uint32_t i = 0; i < n; i++)
		value[snap[i]] = true;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *p = at(to, dst + i);
		assert_true(value[*p]);
		before[p - ram] = *p;
	}
	assert_memory_equal(ram, before, sizeof(before));
}

/*
 * A source that maps one page at both of its addresses, and a destination
 * in that page where each of the two pieces writes over the other's
 * source: no order of the pieces gives memmove's result. Nothing outside
 * the destination may change, and every byte of it is one of the source's.
 */
static void test_page_mapped_twice_stays_inside(void **state)
{
	static uint8_t snap[COPY_USER_MAX];
	struct fake_space a, b;

	(void)state;
	plain_space(&a, 0);
	plain_space(&b, 0);
	a.page[1] = a.page[0];
	fill_ram(8);
	for (uint32_t i = 0; i < 2096; i++)
		snap[i] = *at(&a, WINDOW_VA + 3000 + i);
	memcpy(before, ram, sizeof(before));
	/* the source: page 0 at 3000..4095, then 0..999; the destination:
	 * page 0 at 950..3045, over both */
	assert_int_equal(copy_user_to_user(&a.space, WINDOW_VA + 3000,
					   &b.space, WINDOW_VA + 950, 2096),
			 0);
	check_inside(&b, WINDOW_VA + 950, snap, 2096);
}

/* ------------------------------------------------------- random run */

static uint32_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void random_space(struct fake_space *s)
{
	uint8_t perm[RAM_PAGES];

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < RAM_PAGES; i++)
		perm[i] = (uint8_t)i;
	for (unsigned i = RAM_PAGES - 1; i > 0; i--) {
		unsigned j = rnd() % (i + 1);
		uint8_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (unsigned i = 0; i < WINDOW_PAGES + TOP_PAGES; i++) {
		unsigned k = rnd() % 40;
		s->page[i] = k < 2 ? NO_PAGE : perm[i];
		if (i && k == 39) /* now and then a page mapped twice */
			s->page[i] = s->page[i - 1];
		s->attrs[i] = k < 4 ? MAP_READ : k < 6 ? RW | MAP_DEVICE : RW;
	}
}

static uint32_t random_va(void)
{
	static const uint32_t bases[] = {WINDOW_VA, WINDOW_VA, WINDOW_VA,
					 WINDOW_VA, WINDOW_VA, WINDOW_VA,
					 TOP_VA,    TOP_VA,    0xfffff000u,
					 0x20000000u};
	uint32_t base = bases[rnd() % ARRAY_SIZE(bases)];
	uint32_t off = rnd() % (2 * PAGE_SIZE);

	if (rnd() % 4 == 0) /* near a page boundary */
		off = (off & ~(PAGE_SIZE - 1)) + PAGE_SIZE - rnd() % 8;
	return base + off;
}

static uint32_t random_len(void)
{
	switch (rnd() % 5) {
	case 0:
		return rnd() % 16;
	case 1:
		return rnd() % 300;
	case 2:
		return COPY_USER_MAX - rnd() % 4 + (rnd() % 8 == 0);
	default:
		return rnd() % (COPY_USER_MAX + 1);
	}
}

/* The model's rule for one side: every page of the range there, normal
 * memory, with `need`; the range inside user space. */
static bool model_ok(const struct fake_space *s, uint32_t va, uint32_t n,
		     unsigned need)
{
	if ((uint64_t)va + n > USER_VA_END)
		return false;
	for (uint64_t a = va & ~(PAGE_SIZE - 1); n && a < (uint64_t)va + n;
	     a += PAGE_SIZE) {
		int slot = slot_of((uint32_t)a);
		if (slot < 0 || s->page[slot] == NO_PAGE ||
		    (s->attrs[slot] & MAP_DEVICE) ||
		    (s->attrs[slot] & need) != need)
			return false;
	}
	return true;
}

/* Does the range reach one page of RAM at two of its addresses? */
static bool page_twice(const struct fake_space *s, uint32_t va, uint32_t n)
{
	return n && (va & (PAGE_SIZE - 1)) + n > PAGE_SIZE &&
	       at(s, va) - ram - (va & (PAGE_SIZE - 1)) ==
		   at(s, va + n - 1) - ram - ((va + n - 1) & (PAGE_SIZE - 1));
}

static void test_random(void **state)
{
	const char *e = getenv("USERCOPY_SEEDS");
	unsigned seeds = e ? (unsigned)atoi(e) : 4;
	e = getenv("USERCOPY_STEPS");
	unsigned steps = e ? (unsigned)atoi(e) : 5000;
	unsigned failed = 0, exact = 0, twice = 0;

	(void)state;
	for (unsigned seed = 1; seed <= seeds; seed++) {
		rng = 0x9e3779b9u * seed;
		fill_ram(seed);
		for (unsigned step = 0; step < steps; step++) {
			struct fake_space a, b;
			bool same = rnd() % 3 == 0;
			random_space(&a);
			b = a;
			if (!same && rnd() % 2) {
				/* a's window pages in another order */
				for (unsigned i = 0; i < WINDOW_PAGES; i++) {
					unsigned j = rnd() % WINDOW_PAGES;
					uint8_t t = b.page[i];
					b.page[i] = b.page[j];
					b.page[j] = t;
				}
			} else if (!same) {
				random_space(&b);
			}
			uint32_t src = random_va(), n = random_len();
			uint32_t dst = same && rnd() % 2
					   ? src + rnd() % 64 - 32
					   : random_va();
			const struct fake_space *to = same ? &a : &b;
			if (n > COPY_USER_MAX) {
				copy_fails(&a, src, to, dst, n, -E_INVAL);
				failed++;
			} else if (!model_ok(&a, src, n, MAP_READ) ||
				   !model_ok(to, dst, n, RW)) {
				copy_fails(&a, src, to, dst, n, -E_FAULT);
				failed++;
			} else if (!page_twice(&a, src, n) &&
				   !page_twice(to, dst, n)) {
				copy_like_model(&a, src, to, dst, n);
				exact++;
			} else {
				static uint8_t snap[COPY_USER_MAX];
				for (uint32_t i = 0; i < n; i++)
					snap[i] = *at(&a, src + i);
				memcpy(before, ram, sizeof(before));
				assert_int_equal(copy_user_to_user(&a.space,
								   src,
								   &to->space,
								   dst, n),
						 0);
				check_inside(to, dst, snap, n);
				twice++;
			}
		}
	}
	print_message("usercopy random: %u copied as memmove, %u through a "
		      "page mapped twice, %u refused\n",
		      exact, twice, failed);
	assert_true(exact > seeds * steps / 3 && twice > 0 &&
		    failed > seeds * steps / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_message),
	    cmocka_unit_test(test_utcb_words),
	    cmocka_unit_test(test_alignments_and_page_crossings),
	    cmocka_unit_test(test_source_faults),
	    cmocka_unit_test(test_destination_faults),
	    cmocka_unit_test(test_length_limit),
	    cmocka_unit_test(test_overlap_in_one_space),
	    cmocka_unit_test(test_overlap_through_shared_pages),
	    cmocka_unit_test(test_page_mapped_twice_stays_inside),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
