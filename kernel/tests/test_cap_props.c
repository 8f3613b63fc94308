/*
 * Host tests of the capability and budget code: kernel/generic/cap.c,
 * sys_cap.c and container.c (creation from boot info, death, teardown,
 * restart), linked unchanged against the fake kernel of fake_kernel.h.
 *
 * Property tests run random sequences (a seeded PRNG, several seeds,
 * thousands of steps each) of cap_control share / grant / split /
 * replicate / deduce / destroy / count / read (through sys_cap_control,
 * as a system call would), thread create / end / reap (charging and
 * refunding THREADS and SPACES with the kernel's cap_charge/cap_refund),
 * container death (the first pager ends: the real teardown) and restart,
 * and kernel memory running out. After EVERY step, check_system() checks:
 *
 *  - every capability (every live kmem block is one) sits on exactly one
 *    list, the one its `list` names, of its own container; no list holds
 *    a freed one;
 *  - every budget: used <= size; each unit in use has exactly one owner
 *    (used = the capabilities, threads and spaces charged to it), and the
 *    container's running total (budget_used) is the sum of its parts;
 *  - the sizes of a container's budget parts add up to the total its boot
 *    info declared (less whole budgets its threads destroyed);
 *  - nr_split counts the live parts split from each capability;
 *  - no leak: every kmem block is a listed capability, a thread in the
 *    table or a space some thread uses;
 *  - a dead container holds nothing, its budgets are back at zero and its
 *    recorded sizes are its declared totals;
 *
 * and each operation's result against the documented rules
 * (docs/capabilities.md): an id the caller cannot use is -E_NOENT, one it
 * does not manage or lacks the flag for is -E_PERM, a split or replicate is
 * -E_BUDGET exactly when no CAPS budget it can use has room (counting the
 * budget being split as it will be after), a failed call changes nothing,
 * a successful one does what it says; a container's death changes nothing
 * of the others and frees exactly what it held.
 *
 * Then direct cases for three bugs fixed before (git log): splitting off
 * every free unit of the only CAPS budget (-E_BUDGET), replicating beyond
 * the CAPS budget after that split was tried (-E_BUDGET, used never past
 * size), and a teardown with replicas and budget parts that have no flags
 * (everything refunded, no BUG).
 *
 * CAP_PROPS_SEEDS=<n> and CAP_PROPS_STEPS=<n> in the environment run more
 * (default 8 seeds x 10000 steps); FAKE_VERBOSE=1 prints the kernel's lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <boot/bootinfo.h>
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <loader/image_format.h>
#include <tessera/errno.h>
#include <tessera/syscall.h>

#include "fake_kernel.h"

#define NR_CONTAINERS 3
#define NR_BUDGETS    CONTAINER_BUDGETS
#define MAX_CAPS      1024
#define PAGE	      4096u
#define DEFAULT_SEEDS 8
#define DEFAULT_STEPS 10000

/* ---- what went wrong, where ---------------------------------------------- */

static char where[160];

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			char why_[400];                                        \
			snprintf(why_, sizeof(why_), __VA_ARGS__);             \
			fail_msg("%s: %s (%s)", where, why_, #cond);           \
		}                                                              \
	} while (0)

/* ---- PRNG: splitmix64 ---------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(uint32_t percent)
{
	return rnd(100) < percent;
}

/* ---- the system: boot info and image ------------------------------------- */

static struct {
	struct bootinfo_header h;
	struct bootinfo_container c[NR_CONTAINERS];
	struct bootinfo_cap caps[NR_CONTAINERS * 16];
} boot;

static struct {
	struct image_header h;
	struct image_part parts[NR_CONTAINERS];
} image;

static uint32_t declared[NR_CONTAINERS][NR_BUDGETS];

static void boot_cap(uint32_t k, uint32_t list, uint32_t res, uint32_t ops,
		     uint32_t flags, uint32_t tkind, uint32_t target,
		     uint32_t base, uint32_t size, uint32_t irq)
{
	boot.caps[boot.h.nr_caps++] = (struct bootinfo_cap){
	    res, ops, flags, tkind, target, base, size, irq, list};
	boot.c[k].nr_caps++;
	if ((res & CAP_KIND_MASK) == CAP_KIND_QUANTITY)
		declared[k][res - CAP_RES_THREADS] += size;
}

static void budget(uint32_t k, uint32_t list, uint32_t res, uint32_t size,
		   uint32_t flags)
{
	boot_cap(k, list, res, 0, flags, CAP_TGT_NONE, 0, 0, size, CAP_NO_IRQ);
}

static void operation(uint32_t k, uint32_t list, uint32_t res, uint32_t ops,
		      uint32_t flags, uint32_t tkind, uint32_t target)
{
	boot_cap(k, list, res, ops, flags, tkind, target, 0, 0, CAP_NO_IRQ);
}

/*
 * Three containers, restarted whenever they die (policy always, no limit).
 * On the pager's own list: cap_control and thread_control on its
 * container, a CAPS and a THREADS budget, all with every flag. On the
 * container's list: a cap_control nobody can touch (no flags), so every
 * thread can always call cap_control; more budgets, some without the
 * destroy flag; memory; an ipc channel to the next container. Container 2
 * has one CAPS budget only, the case of the split bug.
 */
static void build_boot(void)
{
	const uint32_t P = CAP_LIST_PRIVATE, C = CAP_LIST_CONTAINER;

	memset(&boot, 0, sizeof(boot));
	memset(declared, 0, sizeof(declared));
	for (uint32_t k = 0; k < NR_CONTAINERS; k++) {
		struct bootinfo_container *d = &boot.c[k];

		snprintf(d->name, sizeof(d->name), "c%u", (unsigned)k);
		d->program_part = k;
		d->entry = 0x10000000u;
		d->stack_top = 0x10100000u;
		d->utcb = 0x100ff000u;
		d->priority = 10;
		d->restart = BI_RESTART_ALWAYS;
		d->restart_limit = 0;
		d->cpu_mask = 0x1; /* CPU 0 */
		d->first_cap = boot.h.nr_caps;
		operation(k, P, CAP_RES_CAPCTRL, CAP_OP_CAP_ALL, CAP_F_ALL,
			  CAP_TGT_CONTAINER, k);
		operation(k, P, CAP_RES_TCTRL, CAP_OP_TC_ALL, CAP_F_ALL,
			  CAP_TGT_CONTAINER, k);
		budget(k, P, CAP_RES_CAPS, k == 2 ? 5 : 6, CAP_F_ALL);
		budget(k, P, CAP_RES_THREADS, 6, CAP_F_ALL);
		operation(k, C, CAP_RES_CAPCTRL, CAP_OP_CAP_ALL, 0,
			  CAP_TGT_CONTAINER, k);
		if (k != 2)
			budget(k, C, CAP_RES_CAPS, 8, CAP_F_ALL);
		if (k == 0)
			budget(k, C, CAP_RES_CAPS, 3,
			       CAP_F_SHARE | CAP_F_GRANT | CAP_F_SPLIT);
		budget(k, C, CAP_RES_THREADS, 4, CAP_F_ALL & ~CAP_F_REPLICATE);
		budget(k, C, CAP_RES_SPACES, 3, CAP_F_ALL);
		budget(k, C, CAP_RES_MUTEXES, 2, CAP_F_ALL);
		boot_cap(k, C, CAP_RES_VIRTMEM, MAP_ATTR_READ | MAP_ATTR_WRITE,
			 CAP_F_ALL, CAP_TGT_NONE, 0, 0x00100000u, 16 * PAGE,
			 CAP_NO_IRQ);
		boot_cap(k, C, CAP_RES_DEVMEM, MAP_ATTR_READ | MAP_ATTR_WRITE,
			 CAP_F_ALL, CAP_TGT_NONE, 0, 0x09000000u + k * PAGE,
			 PAGE, 33 + k);
		operation(k, C, CAP_RES_IPC, CAP_OP_IPC_SEND, CAP_F_ALL,
			  CAP_TGT_CONTAINER, (k + 1) % NR_CONTAINERS);
		operation(k, C, CAP_RES_EXREGS, CAP_OP_EXREGS_ALL, CAP_F_ALL,
			  CAP_TGT_CONTAINER, k);
	}
	boot.h.magic = BOOTINFO_MAGIC;
	boot.h.version = BOOTINFO_VERSION;
	boot.h.nr_containers = NR_CONTAINERS;
	boot.h.size = sizeof(boot.h) + sizeof(boot.c);
	boot.h.container_size = sizeof(struct bootinfo_container);
	boot.h.cap_size = sizeof(struct bootinfo_cap);
	boot.h.caps_offset = offsetof(__typeof__(boot), caps);

	memset(&image, 0, sizeof(image));
	image.h.magic = IMAGE_MAGIC;
	image.h.header_size = sizeof(image.h);
	image.h.part_size = sizeof(struct image_part);
	image.h.nr_parts = NR_CONTAINERS;
	for (uint32_t k = 0; k < NR_CONTAINERS; k++)
		image.parts[k] =
		    (struct image_part){.kind = IMAGE_PART_CONTAINER,
					.load_addr = 0x41000000u,
					.mem_size = PAGE,
					.raw_size = PAGE};
}

/* ---- the model: what the tests know beyond the kernel's own state -------- */

/* Units of whole (boot) budgets a container's threads destroyed in its
 * current life, and which life that is. */
static uint32_t dropped[NR_CONTAINERS][NR_BUDGETS];
static uint32_t life[NR_CONTAINERS];

static struct container *cont(uint32_t k)
{
	return container_by_id(k);
}

/* ---- looking at the kernel's state --------------------------------------- */

struct capset {
	size_t n;
	struct cap *v[MAX_CAPS];
};

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (struct cap *const *)a;
	uintptr_t y = (uintptr_t) * (struct cap *const *)b;

	return x < y ? -1 : x > y;
}

/* Every live capability: every block kmem_alloc gave the code under test
 * (it allocates nothing else), sorted by address. */
static void all_caps(struct capset *s)
{
	s->n = 0;
	for (size_t i = 0; i < fake_kmem_live(); i++) {
		const struct fake_block *b = fake_kmem_block(i);
		if (b->kind != FAKE_BLOCK_KMEM)
			continue;
		CHECK(b->size == sizeof(struct cap),
		      "a kmem block of %zu bytes is not a capability", b->size);
		CHECK(s->n < MAX_CAPS, "too many capabilities");
		s->v[s->n++] = b->ptr;
	}
	qsort(s->v, s->n, sizeof(s->v[0]), by_address);
}

static long index_of(const struct capset *s, const struct cap *c)
{
	struct cap *const *p =
	    bsearch(&c, s->v, s->n, sizeof(s->v[0]), by_address);

	return p ? (long)(p - s->v) : -1;
}

static struct cap *cap_by_id(uint32_t id)
{
	for (size_t i = 0; i < fake_kmem_live(); i++) {
		const struct fake_block *b = fake_kmem_block(i);
		if (b->kind == FAKE_BLOCK_KMEM &&
		    ((struct cap *)b->ptr)->id == id)
			return b->ptr;
	}
	return NULL;
}

static bool is_quantity(const struct cap *c)
{
	return cap_kind(c) == CAP_KIND_QUANTITY;
}

static uint32_t budget_index(const struct cap *c)
{
	return c->resource - CAP_RES_THREADS;
}

/* The lists t can use, in the documented order (docs/capabilities.md):
 * its own, the one it shares with what it pages, its group leader's, its
 * pager's shared one, its container's. */
static unsigned usable_lists(const struct thread *t, struct cap_list **out)
{
	struct thread *self = (struct thread *)t;
	struct thread *leader = thread_by_tid(t->tgid);
	unsigned n = 0;

	out[n++] = &self->caps;
	out[n++] = &self->paged_caps;
	if (leader && leader->container == t->container &&
	    leader->state != THREAD_ZOMBIE)
		out[n++] = &leader->group_caps;
	if (t->pager && t->pager->state != THREAD_ZOMBIE)
		out[n++] = &t->pager->paged_caps;
	out[n++] = &t->container->caps;
	return n;
}

static size_t usable(const struct thread *t, struct cap **out, size_t max)
{
	struct cap_list *lists[5];
	unsigned nl = usable_lists(t, lists);
	size_t n = 0;

	for (unsigned i = 0; i < nl; i++)
		for (struct cap *c = lists[i]->head; c && n < max; c = c->next)
			out[n++] = c;
	return n;
}

static bool can_use(const struct thread *t, const struct cap *c)
{
	struct cap_list *lists[5];
	unsigned nl = usable_lists(t, lists);

	for (unsigned i = 0; i < nl; i++)
		if (c->list == lists[i])
			return true;
	return false;
}

/* What t may move, split, change or destroy. */
static bool manages(const struct thread *t, const struct cap *c)
{
	struct thread *self = (struct thread *)t;

	return c->list == &self->caps || c->list == &self->paged_caps ||
	       (t->tgid == t->tid && c->list == &self->group_caps) ||
	       (t == t->container->pager && c->list == &t->container->caps);
}

static uint32_t room(const struct cap *b)
{
	return b->used <= b->size ? b->size - b->used : 0;
}

/* Does t see a budget of res with n units free, counting `shrinking` as
 * if it had given up `by` units? */
static bool has_room(const struct thread *t, uint32_t res, uint32_t n,
		     const struct cap *shrinking, uint32_t by)
{
	static struct cap *v[MAX_CAPS];
	size_t nv = usable(t, v, MAX_CAPS);

	for (size_t i = 0; i < nv; i++) {
		uint32_t r;
		if (v[i]->resource != res)
			continue;
		r = room(v[i]);
		if (v[i] == shrinking)
			r = r >= by ? r - by : 0;
		if (r >= n)
			return true;
	}
	return false;
}

static uint32_t caps_used(uint32_t k)
{
	struct capset *s = malloc(sizeof(*s));
	uint32_t used = 0;

	all_caps(s);
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->container == cont(k) &&
		    s->v[i]->resource == CAP_RES_CAPS)
			used += s->v[i]->used;
	free(s);
	return used;
}

static uint32_t depth(const struct thread *t)
{
	uint32_t d = 0;

	for (const struct thread *p = t->pager; p && d <= 17; p = p->pager)
		d++;
	return d;
}

/* ---- the properties ------------------------------------------------------ */

static struct capset checked;
static uint8_t visits[MAX_CAPS];

static void walk_list(const struct cap_list *l, const struct container *owner,
		      uint32_t kind, uint32_t holder)
{
	size_t steps = 0;

	CHECK(l->kind == kind && l->holder == holder,
	      "a list of kind %u holder %u where %u/%u was expected",
	      (unsigned)l->kind, (unsigned)l->holder, (unsigned)kind,
	      (unsigned)holder);
	for (const struct cap *c = l->head; c; c = c->next) {
		long i = index_of(&checked, c);
		CHECK(++steps <= checked.n, "a capability list loops");
		CHECK(i >= 0, "a list holds a freed capability");
		CHECK(c->list == l,
		      "capability %u is on a list it does not "
		      "name",
		      (unsigned)c->id);
		CHECK(c->container == owner,
		      "capability %u of container %u "
		      "on a list of container %u",
		      (unsigned)c->id, (unsigned)c->container->id,
		      (unsigned)owner->id);
		CHECK(visits[i] == 0, "capability %u is on two lists",
		      (unsigned)c->id);
		visits[i]++;
	}
}

static void check_system(void)
{
	uint32_t size[NR_CONTAINERS][NR_BUDGETS] = {{0}};
	uint32_t used[NR_CONTAINERS][NR_BUDGETS] = {{0}};
	uint32_t ncaps[NR_CONTAINERS] = {0}, nthreads[NR_CONTAINERS] = {0};
	uint32_t live[NR_CONTAINERS] = {0}, all_live = 0;
	size_t nr_threads = 0;

	all_caps(&checked);
	memset(visits, 0, sizeof(visits));

	/* every capability on exactly one list, of its own container */
	for (uint32_t k = 0; k < NR_CONTAINERS; k++)
		walk_list(&cont(k)->caps, cont(k), CAP_LIST_CONTAINER, k);
	for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++) {
		struct thread *t = fake_threads[tid];
		if (!t)
			continue;
		nr_threads++;
		CHECK(TID_INDEX(t->tid) == tid && thread_by_tid(t->tid) == t,
		      "thread %u in slot %u", (unsigned)t->tid, (unsigned)tid);
		CHECK(fake_kmem_is_live(t, NULL),
		      "a freed thread in the table");
		walk_list(&t->caps, t->container, CAP_LIST_PRIVATE, t->tid);
		walk_list(&t->group_caps, t->container, CAP_LIST_GROUP, t->tid);
		walk_list(&t->paged_caps, t->container, CAP_LIST_PAGED, t->tid);
		CHECK(!t->group_caps.head || t->tgid == t->tid,
		      "thread %u keeps a group list without leading a group",
		      (unsigned)t->tid);
		CHECK(t->state != THREAD_ZOMBIE ||
			  (!t->caps.head && !t->group_caps.head &&
			   !t->paged_caps.head),
		      "ended thread %u still holds capabilities",
		      (unsigned)t->tid);
		CHECK(!t->thread_budget ||
			  (t->thread_budget->resource == CAP_RES_THREADS &&
			   t->thread_budget->container == t->container &&
			   index_of(&checked, t->thread_budget) >= 0),
		      "thread %u paid by a capability that is not a THREADS "
		      "budget of its container",
		      (unsigned)t->tid);
		nthreads[t->container->id]++;
		if (t->state != THREAD_ZOMBIE) {
			live[t->container->id]++;
			all_live++;
		}
	}
	for (size_t i = 0; i < checked.n; i++)
		CHECK(visits[i] == 1, "capability %u is on no list (leaked)",
		      (unsigned)checked.v[i]->id);

	/* each capability: budgets, parts, payers */
	for (size_t i = 0; i < checked.n; i++) {
		const struct cap *c = checked.v[i];
		uint32_t k = c->container->id, owners = 0, parts = 0;

		CHECK(c->container == cont(k), "capability %u of no container",
		      (unsigned)c->id);
		ncaps[k]++;
		if (is_quantity(c)) {
			CHECK(c->used <= c->size,
			      "container %u budget %u: used "
			      "%u > size %u",
			      (unsigned)k, (unsigned)c->id, (unsigned)c->used,
			      (unsigned)c->size);
			size[k][budget_index(c)] += c->size;
			used[k][budget_index(c)] += c->used;
		} else {
			CHECK(c->used == 0,
			      "capability %u (not a budget) has "
			      "used %u",
			      (unsigned)c->id, (unsigned)c->used);
		}
		if (c->charged_to) {
			long p = index_of(&checked, c->charged_to);
			CHECK(p >= 0 &&
				  c->charged_to->resource == CAP_RES_CAPS &&
				  c->charged_to->container == c->container,
			      "capability %u paid by something that is not a "
			      "CAPS budget of its container",
			      (unsigned)c->id);
		}
		if (c->origin) {
			CHECK(index_of(&checked, c->origin) >= 0 &&
				  c->origin->container == c->container &&
				  c->origin->resource == c->resource,
			      "capability %u split from a freed or foreign one",
			      (unsigned)c->id);
			CHECK(c->charged_to, "part %u paid by nobody",
			      (unsigned)c->id);
		}
		/* who holds each unit in use, who was split from it */
		for (size_t j = 0; j < checked.n; j++) {
			owners += checked.v[j]->charged_to == c;
			parts += checked.v[j]->origin == c;
		}
		for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++)
			owners += fake_threads[tid] &&
				  fake_threads[tid]->thread_budget == c;
		for (size_t b = 0; b < fake_kmem_live(); b++) {
			const struct fake_block *blk = fake_kmem_block(b);
			if (blk->kind == FAKE_BLOCK_SPACE)
				owners +=
				    ((struct space *)blk->ptr)->budget == c;
		}
		CHECK(c->used == owners,
		      "budget %u: used %u but %u objects "
		      "hold its units",
		      (unsigned)c->id, (unsigned)c->used, (unsigned)owners);
		CHECK(c->nr_split == parts,
		      "capability %u: nr_split %u but %u "
		      "parts",
		      (unsigned)c->id, (unsigned)c->nr_split, (unsigned)parts);
	}

	/* spaces: each used by the threads that count it, none left over */
	for (size_t b = 0; b < fake_kmem_live(); b++) {
		const struct fake_block *blk = fake_kmem_block(b);
		const struct space *s = blk->ptr;
		uint32_t users = 0;

		if (blk->kind != FAKE_BLOCK_SPACE)
			continue;
		for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++)
			users +=
			    fake_threads[tid] && fake_threads[tid]->space == s;
		CHECK(s->refcount == users && users > 0,
		      "a space with "
		      "refcount %u used by %u threads",
		      (unsigned)s->refcount, (unsigned)users);
		CHECK(!s->budget || (s->budget->resource == CAP_RES_SPACES &&
				     index_of(&checked, s->budget) >= 0),
		      "a space paid by something that is not a SPACES budget");
	}

	/* no leak: every block is a capability, a thread or a space */
	CHECK(fake_kmem_live() ==
		  checked.n + nr_threads + fake_kmem_live_kind(FAKE_BLOCK_SPACE),
	      "%zu kmem blocks for %zu capabilities, %zu threads, %zu spaces",
	      fake_kmem_live(), checked.n, nr_threads,
	      fake_kmem_live_kind(FAKE_BLOCK_SPACE));
	CHECK(fake_live_threads() == all_live,
	      "%u live threads counted, %u "
	      "found",
	      (unsigned)fake_live_threads(), (unsigned)all_live);

	/* per container: sums against the declared totals */
	for (uint32_t k = 0; k < NR_CONTAINERS; k++) {
		struct container *c = cont(k);

		if (c->restarts != life[k]) { /* a new life: nothing dropped */
			life[k] = c->restarts;
			memset(dropped[k], 0, sizeof(dropped[k]));
		}
		CHECK(c->live_threads == live[k],
		      "container %u: live_threads "
		      "%u, %u found",
		      (unsigned)k, (unsigned)c->live_threads,
		      (unsigned)live[k]);
		for (uint32_t r = 0; r < NR_BUDGETS; r++) {
			CHECK(c->budget_used[r] == used[k][r],
			      "container %u "
			      "budget %u: running total %u, parts' used %u",
			      (unsigned)k, (unsigned)r,
			      (unsigned)c->budget_used[r],
			      (unsigned)used[k][r]);
			if (c->state == CONTAINER_RUNNING)
				CHECK(size[k][r] + dropped[k][r] ==
					  declared[k][r],
				      "container %u budget %u: parts add up "
				      "to %u (+%u destroyed), declared %u",
				      (unsigned)k, (unsigned)r,
				      (unsigned)size[k][r],
				      (unsigned)dropped[k][r],
				      (unsigned)declared[k][r]);
			else
				CHECK(c->budget_size[r] + dropped[k][r] ==
					  declared[k][r],
				      "dead container %u budget %u: size %u "
				      "(+%u destroyed), declared %u",
				      (unsigned)k, (unsigned)r,
				      (unsigned)c->budget_size[r],
				      (unsigned)dropped[k][r],
				      (unsigned)declared[k][r]);
		}
		if (c->state != CONTAINER_RUNNING)
			CHECK(ncaps[k] == 0 && nthreads[k] == 0 &&
				  c->caps.head == NULL && c->pager == NULL,
			      "dead container %u still holds %u capabilities "
			      "and %u threads",
			      (unsigned)k, (unsigned)ncaps[k],
			      (unsigned)nthreads[k]);
		else
			CHECK(c->pager && c->pager->state != THREAD_ZOMBIE,
			      "running container %u without its pager",
			      (unsigned)k);
	}
}

/* ---- snapshots: a failed call changes nothing ---------------------------- */

struct snapshot {
	size_t n, blocks;
	struct cap caps[MAX_CAPS];
	const struct cap *at[MAX_CAPS];
	uint32_t used[NR_CONTAINERS][NR_BUDGETS];
};

static struct snapshot before_op, after_op;

/* Everything of the capabilities and budget totals: of every container
 * (but = -1), or of every container but one. */
static void take(struct snapshot *s, int but)
{
	s->n = 0;
	s->blocks = but < 0 ? fake_kmem_live() : 0;
	for (size_t i = 0; i < fake_kmem_live(); i++) {
		const struct fake_block *b = fake_kmem_block(i);
		const struct cap *c = b->ptr;
		if (b->kind != FAKE_BLOCK_KMEM || (int)c->container->id == but)
			continue;
		s->at[s->n] = c;
		s->caps[s->n++] = *c;
	}
	for (uint32_t j = 0; j < NR_CONTAINERS; j++)
		if ((int)j != but)
			memcpy(s->used[j], cont(j)->budget_used,
			       sizeof(s->used[j]));
		else
			memset(s->used[j], 0, sizeof(s->used[j]));
}

static bool same(const struct snapshot *a, const struct snapshot *b)
{
	return a->n == b->n && a->blocks == b->blocks &&
	       !memcmp(a->at, b->at, a->n * sizeof(a->at[0])) &&
	       !memcmp(a->caps, b->caps, a->n * sizeof(a->caps[0])) &&
	       !memcmp(a->used, b->used, sizeof(a->used));
}

/* ---- statistics, for the record ------------------------------------------ */

enum { OK, ENOENT_, EPERM_, EINVAL_, EBUDGET_, EBUSY_, OTHER_, NR_OUTCOMES };
static const char *const outcome_names[NR_OUTCOMES] = {
    "ok", "noent", "perm", "inval", "budget", "busy", "other"};
enum {
	S_SHARE,
	S_GRANT,
	S_SPLIT,
	S_REPLICATE,
	S_DEDUCE,
	S_DESTROY,
	S_READ,
	S_CREATE,
	S_END,
	S_REAP,
	S_DEATH,
	S_RESTART,
	S_NOMEM,
	S_SELF_PAY,
	NR_STATS
};
static const char *const stat_names[NR_STATS] = {
	"share",  "grant", "split", "replicate", "deduce",
	"destroy", "read", "create", "end",	  "reap",
	"death",  "restart", "nomem", "self-pay"};
static unsigned long stats[NR_STATS][NR_OUTCOMES];

static void count(int what, int r)
{
	int o = r >= 0		 ? OK
		: r == -E_NOENT	 ? ENOENT_
		: r == -E_PERM	 ? EPERM_
		: r == -E_INVAL	 ? EINVAL_
		: r == -E_BUDGET ? EBUDGET_
		: r == -E_BUSY	 ? EBUSY_
				 : OTHER_;

	stats[what][o]++;
}

/* ---- operations ---------------------------------------------------------- */

static int ctl(struct thread *actor, uint32_t op, uint32_t a1, uint32_t a2,
	       uint32_t a3, uint32_t a4, uint32_t a5)
{
	struct user_context ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.r[0] = op;
	ctx.r[1] = a1;
	ctx.r[2] = a2;
	ctx.r[3] = a3;
	ctx.r[4] = a4;
	ctx.r[5] = a5;
	ctx.r[7] = SYS_cap_control;
	fake_set_current(actor);
	return sys_cap_control(&ctx);
}

static uint32_t highest_id(void)
{
	uint32_t id = 0;

	for (size_t i = 0; i < fake_kmem_live(); i++) {
		const struct fake_block *b = fake_kmem_block(i);
		if (b->kind == FAKE_BLOCK_KMEM &&
		    ((struct cap *)b->ptr)->id > id)
			id = ((struct cap *)b->ptr)->id;
	}
	return id;
}

/* An id to act on: mostly one the actor can use, sometimes another
 * container's or one that does not exist. */
static uint32_t pick_id(const struct thread *actor)
{
	static struct cap *v[MAX_CAPS];
	size_t n = usable(actor, v, MAX_CAPS);
	uint32_t r = rnd(100);

	if (r < 85 && n)
		return v[rnd((uint32_t)n)]->id;
	if (r < 95) {
		size_t live = fake_kmem_live_kind(FAKE_BLOCK_KMEM),
		       i = rnd((uint32_t)live);
		for (size_t b = 0; b < fake_kmem_live(); b++)
			if (fake_kmem_block(b)->kind == FAKE_BLOCK_KMEM &&
			    i-- == 0)
				return ((struct cap *)fake_kmem_block(b)->ptr)
				    ->id;
	}
	return rnd(highest_id() + 8);
}

static struct thread *random_thread(uint32_t k, bool live_only, bool not_pager)
{
	struct thread *v[FAKE_MAX_THREADS];
	uint32_t n = 0;

	for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++) {
		struct thread *t = fake_threads[tid];
		if (!t || (k < NR_CONTAINERS && t->container != cont(k)) ||
		    (live_only && t->state == THREAD_ZOMBIE) ||
		    (not_pager && t == t->container->pager))
			continue;
		v[n++] = t;
	}
	return n ? v[rnd(n)] : NULL;
}

static uint32_t random_subset(uint32_t bits)
{
	return (uint32_t)rnd64() & bits;
}

static const uint32_t flag_for[] = {
    [CAP_CTRL_SHARE] = CAP_F_SHARE,   [CAP_CTRL_GRANT] = CAP_F_GRANT,
    [CAP_CTRL_SPLIT] = CAP_F_SPLIT,   [CAP_CTRL_REPLICATE] = CAP_F_REPLICATE,
    [CAP_CTRL_DEDUCE] = CAP_F_DEDUCE, [CAP_CTRL_DESTROY] = CAP_F_DESTROY,
};
static const int stat_for[] = {
    [CAP_CTRL_SHARE] = S_SHARE,	  [CAP_CTRL_GRANT] = S_GRANT,
    [CAP_CTRL_SPLIT] = S_SPLIT,	  [CAP_CTRL_REPLICATE] = S_REPLICATE,
    [CAP_CTRL_DEDUCE] = S_DEDUCE, [CAP_CTRL_DESTROY] = S_DESTROY,
};

/* A split amount: edges and random values, valid or not. */
static uint32_t split_amount(const struct cap *c)
{
	switch (cap_kind(c)) {
	case CAP_KIND_QUANTITY: {
		uint32_t r = room(c),
			 pick[] = {0, 1, r ? r - 1 : 0, r, r + 1, rnd(r + 2)};
		return pick[rnd(6)];
	}
	case CAP_KIND_MEMORY: {
		uint32_t pick[] = {PAGE, c->size - PAGE, c->size,
				   (rnd(c->size / PAGE + 1)) * PAGE, 123};
		return pick[rnd(5)];
	}
	default:
		return chance(85) ? random_subset(c->ops) : (uint32_t)rnd64();
	}
}

static bool split_valid(const struct cap *c, uint32_t amount)
{
	if (amount == 0)
		return false;
	switch (cap_kind(c)) {
	case CAP_KIND_QUANTITY:
		return amount <= room(c);
	case CAP_KIND_MEMORY:
		return amount % PAGE == 0 && amount < c->size;
	default:
		return !(amount & ~c->ops) && amount != c->ops;
	}
}

static struct cap_list *share_target(struct thread *t, uint32_t scope)
{
	struct thread *leader = thread_by_tid(t->tgid);

	switch (scope) {
	case CAP_SHARE_PAGED:
		return &t->paged_caps;
	case CAP_SHARE_SIBLINGS:
		return t->pager && t->pager->container == t->container
			   ? &t->pager->paged_caps
			   : NULL;
	case CAP_SHARE_GROUP:
		return leader && leader->container == t->container &&
			       leader->state != THREAD_ZOMBIE
			   ? &leader->group_caps
			   : NULL;
	case CAP_SHARE_CONTAINER:
		return &t->container->caps;
	default:
		return NULL;
	}
}

/* One cap_control call with a random capability and arguments, checked
 * against the documented rules. nomem: the allocation fails. */
static void op_cap(struct thread *actor, uint32_t op, bool nomem)
{
	uint32_t k = actor->container->id;
	uint32_t id = pick_id(actor), a2 = 0, a3 = 0, a4 = 0, a5 = 0;
	struct cap *x = cap_by_id(id), xb = {0};
	bool visible = x && can_use(actor, x);
	bool allowed =
	    visible && manages(actor, x) && (x->flags & flag_for[op]);
	struct cap_list *to = NULL;
	struct thread *grantee = NULL;
	uint32_t caps_before = caps_used(k);
	int r;

	if (x)
		xb = *x;
	switch (op) {
	case CAP_CTRL_SHARE:
		a2 = chance(90) ? 1 + rnd(4) : rnd(7);
		to = share_target(actor, a2);
		break;
	case CAP_CTRL_GRANT: {
		uint32_t p = rnd(100);
		grantee = p < 70   ? random_thread(k, true, false)
			  : p < 85 ? random_thread(NR_CONTAINERS, false, false)
				   : NULL;
		a2 = grantee  ? grantee->tid
		     : p < 90 ? 0
			      : rnd(FAKE_MAX_THREADS + 4);
		grantee = thread_by_tid(a2);
		break;
	}
	case CAP_CTRL_SPLIT:
		a2 = x ? split_amount(x) : rnd(8);
		break;
	case CAP_CTRL_DEDUCE:
		a2 =
		    x && chance(85) ? random_subset(x->ops) : (uint32_t)rnd64();
		a3 = x && chance(85) ? random_subset(x->flags)
				     : random_subset(0xff);
		if (chance(20)) {
			struct thread *t = random_thread(k, true, false);
			a4 = 1 + rnd(4);
			a5 = t && chance(80)
				 ? (a4 == CAP_TGT_GROUP ? t->tgid : t->tid)
				 : rnd(FAKE_MAX_THREADS);
		}
		break;
	default:
		break;
	}
	/* what the rules say, from the state before the call */
	bool valid = x && split_valid(&xb, a2);
	bool payer =
	    x && has_room(actor, CAP_RES_CAPS, 1, x, is_quantity(&xb) ? a2 : 0);
	bool any_room = has_room(actor, CAP_RES_CAPS, 1, NULL, 0);

	if (nomem)
		fake_kmem_fail_in(1);
	take(&before_op, -1);
	r = ctl(actor, op, id, a2, a3, a4, a5);
	fake_kmem_fail_in(0);
	count(nomem ? S_NOMEM : stat_for[op], r);
	snprintf(where + strlen(where), sizeof(where) - strlen(where), " -> %d",
		 r);

	/* who may do what */
	if (!visible)
		CHECK(r == -E_NOENT, "op %u on id %u the caller cannot use: %d",
		      (unsigned)op, (unsigned)id, r);
	else if (!allowed)
		CHECK(r == -E_PERM,
		      "op %u on capability %u it does not manage"
		      " or lacks the flag for: %d",
		      (unsigned)op, (unsigned)id, r);
	if (r < 0) {
		take(&after_op, -1);
		CHECK(same(&before_op, &after_op),
		      "op %u failed with %d but changed something",
		      (unsigned)op, r);
		CHECK(caps_used(k) == caps_before, "a failed op charged");
	}
	if (!allowed)
		return;

	switch (op) {
	case CAP_CTRL_SHARE:
		if (xb.list != &actor->caps)
			CHECK(r == -E_PERM, "shared what it does not hold: %d",
			      r);
		else if (!to)
			CHECK(r == -E_INVAL, "share to scope %u: %d",
			      (unsigned)a2, r);
		else
			CHECK(r == 0 && x->list == to, "share to scope %u: %d",
			      (unsigned)a2, r);
		break;
	case CAP_CTRL_GRANT:
		if (a2 == 0)
			CHECK(r == -E_NOENT, "grant to tid 0: %d", r);
		else if (grantee && grantee->state != THREAD_ZOMBIE &&
			 grantee->container != actor->container)
			CHECK(r == -E_PERM, "grant across containers: %d", r);
		else if (grantee && grantee->state != THREAD_ZOMBIE)
			CHECK(r == 0 && x->list == &grantee->caps,
			      "grant to thread %u: %d", (unsigned)a2, r);
		else
			CHECK(r < 0, "grant to tid %u that is gone: %d",
			      (unsigned)a2, r);
		break;
	case CAP_CTRL_SPLIT: {
		struct cap *n;

		if (!valid) {
			CHECK(r == -E_INVAL, "split %u of capability %u: %d",
			      (unsigned)a2, (unsigned)id, r);
			break;
		}
		/* the budget split would have paid, had it kept its units */
		if (!payer && any_room && !nomem)
			count(S_SELF_PAY, r);
		if (!payer || nomem) {
			CHECK(r == -E_BUDGET, "split %u of %u with %s: %d",
			      (unsigned)a2, (unsigned)id,
			      nomem ? "no memory" : "no payer", r);
			break;
		}
		CHECK(r > 0, "split %u of %u: %d", (unsigned)a2, (unsigned)id,
		      r);
		n = cap_by_id((uint32_t)r);
		CHECK(n && n->list == &actor->caps && n->origin == x &&
			  x->nr_split == xb.nr_split + 1 &&
			  n->resource == xb.resource,
		      "the part of split %u", (unsigned)id);
		CHECK(caps_used(k) == caps_before + 1,
		      "a split cost %u CAPS units",
		      (unsigned)(caps_used(k) - caps_before));
		if (cap_kind(&xb) == CAP_KIND_OPERATION)
			CHECK(n->ops == a2 && x->ops == (xb.ops & ~a2),
			      "operation bits after a split");
		else
			CHECK(n->size == a2 && n->used == 0 &&
				  x->size == xb.size - a2,
			      "sizes after a split");
		if (cap_kind(&xb) == CAP_KIND_MEMORY)
			CHECK(n->base == x->base + x->size,
			      "a memory part is the top of the range");
		break;
	}
	case CAP_CTRL_REPLICATE: {
		struct cap *n;

		if (cap_kind(&xb) != CAP_KIND_OPERATION) {
			CHECK(r == -E_INVAL, "replicate of a non-operation: %d",
			      r);
			break;
		}
		if (!any_room || nomem) {
			CHECK(r == -E_BUDGET, "replicate with %s: %d",
			      nomem ? "no memory" : "no room", r);
			break;
		}
		CHECK(r > 0, "replicate of %u: %d", (unsigned)id, r);
		n = cap_by_id((uint32_t)r);
		CHECK(n && n->list == &actor->caps && !n->origin &&
			  n->resource == xb.resource && n->ops == xb.ops &&
			  n->flags == xb.flags &&
			  n->target_kind == xb.target_kind &&
			  n->target == xb.target && n->charged_to,
		      "the replica of %u", (unsigned)id);
		CHECK(caps_used(k) == caps_before + 1, "a replica's cost");
		break;
	}
	case CAP_CTRL_DEDUCE:
		if ((a2 & ~xb.ops) || (a3 & ~xb.flags))
			CHECK(r == -E_PERM, "a widening deduce: %d", r);
		else if (a4 && cap_kind(&xb) != CAP_KIND_OPERATION)
			CHECK(r == -E_INVAL, "a target for a non-operation: %d",
			      r);
		if (r == 0)
			CHECK(x->ops == a2 && x->flags == a3 &&
				  (!a4 ||
				   (x->target_kind == a4 && x->target == a5)),
			      "after deduce");
		break;
	case CAP_CTRL_DESTROY:
		if ((is_quantity(&xb) && xb.used) || xb.nr_split) {
			CHECK(r == -E_BUSY, "destroy of one in use: %d", r);
			break;
		}
		CHECK(r == 0 && cap_by_id(id) == NULL, "destroy of %u: %d",
		      (unsigned)id, r);
		CHECK(caps_used(k) == caps_before - (xb.charged_to != NULL),
		      "a destroy's refund");
		if (!xb.origin && is_quantity(&xb))
			dropped[k][budget_index(&xb)] += xb.size;
		break;
	}
}

/* count and read: what the caller can use, in search order */
static void op_read(struct thread *actor)
{
	static struct cap *v[MAX_CAPS];
	size_t n = usable(actor, v, MAX_CAPS);
	uint32_t max = rnd((uint32_t)n + 2);
	int r = ctl(actor, CAP_CTRL_COUNT, 0, 0, 0, 0, 0);

	count(S_READ, r);
	CHECK(r == (int)n, "count %d, the caller can use %zu", r, n);
	r = ctl(actor, CAP_CTRL_READ, FAKE_USER_BASE, max, 0, 0, 0);
	CHECK(r == (int)(max < n ? max : n), "read %u of %zu: %d",
	      (unsigned)max, n, r);
	for (int i = 0; i < r; i++) {
		struct cap_info info;
		memcpy(&info, fake_user_mem + i * sizeof(info), sizeof(info));
		CHECK(info.id == v[i]->id && info.size == v[i]->size &&
			  info.used == v[i]->used &&
			  info.list == v[i]->list->kind &&
			  info.holder == v[i]->list->holder,
		      "read entry %d", i);
	}
}

static void op_create(struct thread *actor, bool nomem)
{
	bool new_space = chance(30);
	uint32_t how = rnd(3);
	struct thread *pager = how == 0	  ? actor
			       : how == 1 ? actor->pager
					  : NULL;
	bool threads_room = has_room(actor, CAP_RES_THREADS, 1, NULL, 0);
	bool spaces_room = has_room(actor, CAP_RES_SPACES, 1, NULL, 0);
	bool table_full = true;
	struct space *s;
	struct thread *n;
	int err;

	for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++)
		table_full &= fake_threads[tid] != NULL;
	if (pager && depth(pager) + 1 > THREAD_MAX_PAGER_DEPTH)
		pager = NULL;
	take(&before_op, -1);
	if (nomem)
		fake_kmem_fail_in(1);
	if (new_space) {
		s = fake_space_create(actor);
		if (!s) {
			fake_kmem_fail_in(0);
			count(nomem ? S_NOMEM : S_CREATE, -E_BUDGET);
			CHECK(!spaces_room || nomem, "no space with room");
			take(&after_op, -1);
			CHECK(same(&before_op, &after_op),
			      "a failed space_create changed something");
			return;
		}
	} else {
		s = actor->space;
		space_get(s);
	}
	n = thread_create(actor, actor->container, s, pager, 0x10000000u,
			  0x10100000u, 10, &err);
	fake_kmem_fail_in(0);
	space_put(s);
	count(nomem ? S_NOMEM : S_CREATE, n ? 0 : err);
	if (!n) {
		CHECK(err == -E_BUDGET &&
			  (!threads_room || nomem || table_full),
		      "thread_create failed (%d) with room", err);
		take(&after_op, -1);
		CHECK(same(&before_op, &after_op),
		      "a failed thread_create changed something");
		return;
	}
	CHECK(threads_room && !nomem, "thread_create without room");
	CHECK(n->thread_budget && n->thread_budget->resource == CAP_RES_THREADS,
	      "a new thread's payer");
	if (!new_space && chance(40))
		n->tgid = actor->tgid; /* joins the creator's group */
	if (chance(80))
		thread_start(n);
}

static void op_end(uint32_t k)
{
	struct thread *t = random_thread(k, true, true);

	if (t) {
		fake_thread_end(t, (int)rnd(3));
		count(S_END, 0);
	}
}

static void op_reap(uint32_t k)
{
	struct thread *v[FAKE_MAX_THREADS];
	uint32_t n = 0;

	for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++) {
		struct thread *t = fake_threads[tid];
		if (t && t->container == cont(k) && t->state == THREAD_ZOMBIE)
			v[n++] = t;
	}
	if (n) {
		struct thread *z = v[rnd(n)];
		int r = fake_thread_reap(z->pager, z);
		count(S_REAP, r);
		CHECK(r == 0, "reaping a zombie by its pager: %d", r);
	}
}

/* The first pager ends: the container dies. Nothing of the others
 * changes; exactly what it held is freed. */
static void op_death(uint32_t k, int code)
{
	struct container *c = cont(k);
	size_t held = 0, blocks = fake_kmem_live();
	char line[96];

	for (size_t i = 0; i < fake_kmem_live(); i++) {
		const struct fake_block *b = fake_kmem_block(i);
		if (b->kind == FAKE_BLOCK_KMEM)
			held += ((struct cap *)b->ptr)->container == c;
		else if (b->kind == FAKE_BLOCK_THREAD)
			held += ((struct thread *)b->ptr)->container == c;
		else
			for (uint32_t tid = 1; tid < FAKE_MAX_THREADS; tid++)
				if (fake_threads[tid] &&
				    fake_threads[tid]->space == b->ptr) {
					held +=
					    fake_threads[tid]->container == c;
					break;
				}
	}
	take(&before_op, (int)k);
	fake_console_clear();
	fake_thread_end(c->pager, code);
	take(&after_op, (int)k);
	CHECK(same(&before_op, &after_op),
	      "container %u's death changed another container", (unsigned)k);
	count(S_DEATH, 0);
	CHECK(c->state == CONTAINER_WAITING, "container %u after its death",
	      (unsigned)k);
	CHECK(fake_kmem_live() == blocks - held,
	      "container %u's death freed "
	      "%zu blocks, it held %zu",
	      (unsigned)k, blocks - fake_kmem_live(), held);
	for (uint32_t r = 0; r < NR_BUDGETS; r++)
		CHECK(c->budget_used[r] == 0,
		      "container %u budget %u: %u "
		      "units in use after its death",
		      (unsigned)k, (unsigned)r, (unsigned)c->budget_used[r]);
	snprintf(line, sizeof(line), "container 'c%u' %s, exit code %d",
		 (unsigned)k, code ? "crashed" : "finished", code);
	CHECK(strstr(fake_console(), line), "no line '%s'", line);
}

static void op_tick(void)
{
	uint32_t restarts = 0;

	for (uint32_t k = 0; k < NR_CONTAINERS; k++)
		restarts += cont(k)->restarts;
	fake_ticks++;
	containers_tick(fake_ticks);
	for (uint32_t k = 0; k < NR_CONTAINERS; k++)
		restarts -= cont(k)->restarts;
	if (restarts)
		count(S_RESTART, 0);
}

/* Every container dead, then restarted from its boot info. */
static void fresh_system(void)
{
	for (uint32_t k = 0; k < NR_CONTAINERS; k++)
		if (cont(k)->state == CONTAINER_RUNNING)
			op_death(k, 0);
	check_system();
	op_tick();
	for (uint32_t k = 0; k < NR_CONTAINERS; k++) {
		struct container *c = cont(k);
		CHECK(c->state == CONTAINER_RUNNING,
		      "container %u not restarted", (unsigned)k);
	}
	check_system();
	for (uint32_t k = 0; k < NR_CONTAINERS; k++) {
		uint32_t n = 0;
		for (size_t i = 0; i < fake_kmem_live(); i++) {
			const struct fake_block *b = fake_kmem_block(i);
			n += b->kind == FAKE_BLOCK_KMEM &&
			     ((struct cap *)b->ptr)->container == cont(k);
		}
		CHECK(n == boot.c[k].nr_caps,
		      "container %u restarted with %u "
		      "capabilities, declared %u",
		      (unsigned)k, (unsigned)n, (unsigned)boot.c[k].nr_caps);
	}
}

static int setup(void **state)
{
	(void)state;
	fake_where = where;
	build_boot();
	containers_create(&boot.h, &image.h);
	return 0;
}

/* ---- the random sequences ------------------------------------------------ */

static unsigned env_or(const char *name, unsigned dflt)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned)strtoul(v, NULL, 0) : dflt;
}

static void run_seed(uint64_t seed, unsigned steps)
{
	rng = seed;
	snprintf(where, sizeof(where), "seed %llu setup",
		 (unsigned long long)seed);
	fresh_system();
	for (unsigned step = 0; step < steps; step++) {
		uint32_t k = rnd(NR_CONTAINERS), r = rnd(1000);
		struct container *c = cont(k);
		struct thread *actor;

		snprintf(where, sizeof(where),
			 "seed %llu step %u container %u"
			 " op %u",
			 (unsigned long long)seed, step, (unsigned)k,
			 (unsigned)r);
		if (c->state != CONTAINER_RUNNING || r >= 985) {
			op_tick();
		} else if (r < 6) {
			op_death(k, (int)rnd(3));
		} else if (!(actor = random_thread(k, true, false))) {
			fail_msg("%s: a running container without threads",
				 where);
		} else if (r < 100) {
			op_cap(actor, CAP_CTRL_SHARE, false);
		} else if (r < 180) {
			op_cap(actor, CAP_CTRL_GRANT, false);
		} else if (r < 360) {
			op_cap(actor, CAP_CTRL_SPLIT, false);
		} else if (r < 480) {
			op_cap(actor, CAP_CTRL_REPLICATE, false);
		} else if (r < 570) {
			op_cap(actor, CAP_CTRL_DEDUCE, false);
		} else if (r < 700) {
			op_cap(actor, CAP_CTRL_DESTROY, false);
		} else if (r < 730) {
			op_read(actor);
		} else if (r < 830) {
			op_create(actor, false);
		} else if (r < 900) {
			op_end(k);
		} else if (r < 940) {
			op_reap(k);
		} else if (r < 950) {
			op_create(actor, true);
		} else {
			op_cap(actor,
			       chance(50) ? CAP_CTRL_SPLIT : CAP_CTRL_REPLICATE,
			       true);
		}
		check_system();
	}
}

static void test_random_sequences(void **state)
{
	static const uint64_t seeds[] = {
	    1, 2, 3, 42, 1234567, 0xdeadbeef, 0x5eed5eed5eedull, 20261130};
	unsigned nseeds = env_or("CAP_PROPS_SEEDS", DEFAULT_SEEDS);
	unsigned steps = env_or("CAP_PROPS_STEPS", DEFAULT_STEPS);

	(void)state;
	memset(stats, 0, sizeof(stats));
	for (unsigned i = 0; i < nseeds; i++)
		run_seed(i < ARRAY_SIZE(seeds) ? seeds[i] : 1000003ull * i,
			 steps);
	printf("cap_props: %u seeds x %u steps, each followed by every "
	       "check\n",
	       nseeds, steps);
	for (int s = 0; s < NR_STATS; s++) {
		printf("cap_props:   %-9s", stat_names[s]);
		for (int o = 0; o < NR_OUTCOMES; o++)
			if (stats[s][o])
				printf(" %s %lu", outcome_names[o],
				       stats[s][o]);
		printf("\n");
	}
	/* the sequences reached every kind of outcome that matters */
	assert_true(stats[S_SPLIT][OK] && stats[S_SPLIT][EBUDGET_] &&
		    stats[S_SPLIT][EINVAL_]);
	assert_true(stats[S_REPLICATE][OK] && stats[S_REPLICATE][EBUDGET_]);
	assert_true(stats[S_DESTROY][OK] && stats[S_DESTROY][EBUSY_]);
	assert_true(stats[S_SHARE][OK] && stats[S_GRANT][OK] &&
		    stats[S_DEDUCE][OK]);
	assert_true(stats[S_CREATE][OK] && stats[S_CREATE][EBUDGET_]);
	assert_true(stats[S_DEATH][OK] && stats[S_RESTART][OK]);
	assert_true(stats[S_SELF_PAY][EBUDGET_]);
	/* the end: everything dead frees everything */
	for (uint32_t k = 0; k < NR_CONTAINERS; k++)
		if (cont(k)->state == CONTAINER_RUNNING)
			op_death(k, 0);
	check_system();
	assert_int_equal(fake_kmem_live(), 0);
}

/* ---- direct cases of the three bugs -------------------------------------- */

static struct cap *own_budget(struct thread *t, uint32_t res)
{
	for (struct cap *c = t->caps.head; c; c = c->next)
		if (c->resource == res && !c->origin)
			return c;
	return NULL;
}

static struct cap *own_op(struct thread *t, uint32_t res)
{
	for (struct cap *c = t->caps.head; c; c = c->next)
		if (c->resource == res && !c->origin && c->flags == CAP_F_ALL)
			return c;
	return NULL;
}

/*
 * Splitting every free unit off the only CAPS budget a thread can use:
 * nothing is left to pay for the new part, so -E_BUDGET and nothing
 * changes (ff16e96: before, the budget paid for it anyway and was left at
 * used = size + 1). One unit fewer works and leaves it full, not above.
 */
static void test_split_all_free_units_of_caps_budget_refused(void **state)
{
	struct thread *p;
	struct cap *b, *part;
	uint32_t size, used, roomy;
	int r;

	(void)state;
	snprintf(where, sizeof(where), "split of the whole CAPS budget");
	fresh_system();
	p = cont(2)->pager;
	b = own_budget(p, CAP_RES_CAPS);
	assert_non_null(b);
	size = b->size;
	used = b->used;
	roomy = size - used;
	assert_true(roomy >= 2);
	take(&before_op, -1);
	r = ctl(p, CAP_CTRL_SPLIT, b->id, roomy, 0, 0, 0);
	assert_int_equal(r, -E_BUDGET);
	take(&after_op, -1);
	assert_true(same(&before_op, &after_op));
	assert_true(b->used <= b->size);
	check_system();

	r = ctl(p, CAP_CTRL_SPLIT, b->id, roomy - 1, 0, 0, 0);
	assert_true(r > 0);
	part = cap_by_id((uint32_t)r);
	assert_non_null(part);
	assert_int_equal(part->size, roomy - 1);
	assert_ptr_equal(part->charged_to, b);
	assert_int_equal(b->used, b->size); /* full, never above */
	check_system();
	assert_int_equal(ctl(p, CAP_CTRL_DESTROY, part->id, 0, 0, 0, 0), 0);
	assert_int_equal(b->size, size);
	assert_int_equal(b->used, used);
	check_system();
}

/*
 * Replicating until the CAPS budget is spent stops at its size, also
 * after a split of all its free units was tried: before ff16e96 that
 * split went through, the budget's room, size - used, wrapped round to
 * 2^32 - 1 and replicas were unlimited.
 */
static void test_replicate_beyond_caps_budget_refused(void **state)
{
	struct thread *p;
	struct cap *b, *op;
	uint32_t made = 0, roomy;
	int r;

	(void)state;
	snprintf(where, sizeof(where), "replicate beyond the CAPS budget");
	fresh_system();
	p = cont(2)->pager;
	b = own_budget(p, CAP_RES_CAPS);
	op = own_op(p, CAP_RES_CAPCTRL);
	assert_non_null(b);
	assert_non_null(op);
	ctl(p, CAP_CTRL_SPLIT, b->id, b->size - b->used, 0, 0, 0);
	assert_true(b->used <= b->size);
	roomy = b->size - b->used;
	for (uint32_t i = 0; i < roomy + 4; i++) {
		r = ctl(p, CAP_CTRL_REPLICATE, op->id, 0, 0, 0, 0);
		assert_true(b->used <= b->size);
		if (r < 0) {
			assert_int_equal(r, -E_BUDGET);
			break;
		}
		made++;
	}
	assert_int_equal(made, roomy);
	assert_int_equal(b->used, b->size);
	assert_int_equal(ctl(p, CAP_CTRL_REPLICATE, op->id, 0, 0, 0, 0),
			 -E_BUDGET);
	check_system();
}

/*
 * A container ends holding capabilities its threads could never destroy:
 * a replica and budget parts deduced to no flags, a CAPS part paying for
 * others, a THREADS part paying for a child. The teardown refunds every
 * one to the budget that paid for it and frees them all, without a BUG
 * (c77b3ae: before, "a dead container's budget still in use").
 */
static void test_teardown_refunds_flagless_replicas_and_parts(void **state)
{
	struct thread *p, *child;
	struct cap *caps, *threads, *capctrl, *tctrl;
	int rep, caps_part, threads_part, tc_part, r, err;
	size_t others;

	(void)state;
	snprintf(where, sizeof(where), "teardown of flagless capabilities");
	fresh_system();
	p = cont(0)->pager;
	caps = own_budget(p, CAP_RES_CAPS);
	threads = own_budget(p, CAP_RES_THREADS);
	capctrl = own_op(p, CAP_RES_CAPCTRL);
	tctrl = own_op(p, CAP_RES_TCTRL);
	assert_non_null(caps);
	assert_non_null(threads);
	assert_non_null(capctrl);
	assert_non_null(tctrl);

	/* a CAPS part, which then pays for what follows (first on the list) */
	caps_part = ctl(p, CAP_CTRL_SPLIT, caps->id, 3, 0, 0, 0);
	assert_true(caps_part > 0);
	rep = ctl(p, CAP_CTRL_REPLICATE, capctrl->id, 0, 0, 0, 0);
	assert_true(rep > 0);
	assert_ptr_equal(cap_by_id((uint32_t)rep)->charged_to,
			 cap_by_id((uint32_t)caps_part));
	threads_part = ctl(p, CAP_CTRL_SPLIT, threads->id, 2, 0, 0, 0);
	assert_true(threads_part > 0);
	tc_part = ctl(p, CAP_CTRL_SPLIT, tctrl->id, CAP_OP_TC_RUN, 0, 0, 0);
	assert_true(tc_part > 0);
	/* a child paid by the THREADS part, holding the operation part */
	child = thread_create(p, cont(0), p->space, p, 0, 0, 10, &err);
	assert_non_null(child);
	assert_ptr_equal(child->thread_budget,
			 cap_by_id((uint32_t)threads_part));
	assert_int_equal(ctl(p, CAP_CTRL_GRANT, tc_part, child->tid, 0, 0, 0),
			 0);
	/* none of them can be destroyed by anyone now */
	assert_int_equal(ctl(p, CAP_CTRL_DEDUCE, rep, CAP_OP_CAP_READ, 0, 0, 0),
			 0);
	assert_int_equal(ctl(p, CAP_CTRL_DEDUCE, caps_part, 0, 0, 0, 0), 0);
	assert_int_equal(ctl(p, CAP_CTRL_DEDUCE, threads_part, 0, 0, 0, 0), 0);
	assert_int_equal(ctl(p, CAP_CTRL_DESTROY, rep, 0, 0, 0, 0), -E_PERM);
	assert_int_equal(ctl(p, CAP_CTRL_DESTROY, caps_part, 0, 0, 0, 0),
			 -E_PERM);
	assert_true(cap_by_id((uint32_t)caps_part)->used >= 1);
	check_system();

	others = 0;
	for (size_t i = 0; i < fake_kmem_live(); i++) {
		const struct fake_block *b = fake_kmem_block(i);
		others += b->kind == FAKE_BLOCK_KMEM &&
			  ((struct cap *)b->ptr)->container != cont(0);
	}
	fake_panic_armed = true;
	if (setjmp(fake_panic_jmp)) {
		fake_panic_armed = false;
		fail_msg("the teardown stopped the kernel: %s", fake_panic_msg);
	}
	op_death(0, 9);
	fake_panic_armed = false;
	r = 0;
	for (size_t i = 0; i < fake_kmem_live(); i++)
		r += fake_kmem_block(i)->kind == FAKE_BLOCK_KMEM;
	assert_int_equal((size_t)r, others);
	for (uint32_t b = 0; b < NR_BUDGETS; b++)
		assert_int_equal(cont(0)->budget_size[b], declared[0][b]);
	check_system();
}

/* Out of kernel memory: split and replicate fail with -E_BUDGET and
 * charge nothing. */
static void test_out_of_memory_changes_nothing(void **state)
{
	struct thread *p;
	struct cap *b, *op;

	(void)state;
	snprintf(where, sizeof(where), "out of memory");
	fresh_system();
	p = cont(1)->pager;
	b = own_budget(p, CAP_RES_THREADS);
	op = own_op(p, CAP_RES_TCTRL);
	take(&before_op, -1);
	fake_kmem_fail_in(1);
	assert_int_equal(ctl(p, CAP_CTRL_SPLIT, b->id, 1, 0, 0, 0), -E_BUDGET);
	fake_kmem_fail_in(1);
	assert_int_equal(ctl(p, CAP_CTRL_REPLICATE, op->id, 0, 0, 0, 0),
			 -E_BUDGET);
	fake_kmem_fail_in(0);
	take(&after_op, -1);
	assert_true(same(&before_op, &after_op));
	check_system();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_teardown_refunds_flagless_replicas_and_parts),
	    cmocka_unit_test(test_split_all_free_units_of_caps_budget_refused),
	    cmocka_unit_test(test_replicate_beyond_caps_budget_refused),
	    cmocka_unit_test(test_out_of_memory_changes_nothing),
	    cmocka_unit_test(test_random_sequences),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
