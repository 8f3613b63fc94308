/*
 * Debug checks of the kernel's own consistency after system calls
 * (CONFIG_DEBUG_INVARIANTS_EVERY; what is checked: <kernel/invariants.h>).
 * Every violation is a panic whose message names the system call just
 * made, the container or thread, and the invariant. Nothing here changes
 * kernel state (but the self-test's one corruption, and the cache of
 * thread ids below).
 *
 * Finding every thread: the thread table is thread.c's own; a thread is
 * reached by its id (thread_by_tid), which is a slot plus the slot's
 * generation. So each slot's last seen id is kept here, and a check looks
 * for that id, then the next generation; threads named by others (the
 * current thread, each container's pager, pagers, ipc partners, queue
 * members) are found by their own ids. Only a slot reused more than once
 * between two checks is missed that way; when fewer live threads are found
 * than thread_live_count() says exist, slots are searched further (up to
 * DEEP_GENERATIONS generations). The checks that add up over every thread
 * (budget sums, counts) run only when every live thread was found; the
 * others always do. So a missed thread can hide a violation for a check or
 * two, never report a false one.
 */
#include <string.h>
#include <boot/bootinfo.h>
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/invariants.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/runq.h>
#include <kernel/sched.h>
#include <kernel/percpu.h>
#include <kernel/thread.h>
#include <tessera/syscall.h>

#if CONFIG_DEBUG_INVARIANTS_EVERY > 0

#define NR_BUDGETS  CONTAINER_BUDGETS
#define MAX_THREADS CONFIG_MAX_THREADS
/* A capability list longer than this loops. */
#define MAX_LIST_CAPS 65536u
/* How far past a slot's last seen generation a missing thread is sought. */
#define DEEP_GENERATIONS 4096u
/* The run queue's arrays (runnable and expired) of the one CPU. */
#define RUNQ_ARRAYS (2 * CONFIG_NR_CPUS) /* runnable, expired per core */

#define X_SYSCALL_NAME(name) [SYS_##name] = #name,
static const char *const syscall_names[SYS_COUNT] = {
    SYSCALL_LIST(X_SYSCALL_NAME)};
#undef X_SYSCALL_NAME

static const char *const budget_names[NR_BUDGETS] = {
    "threads", "spaces", "mutexes", "pt", "caps", "irqs"};
static const char *const state_names[] = {"inactive", "runnable", "blocked",
					  "suspended", "zombie"};

static const char *after; /* the system call just made */

#define VIOLATED(fmt, ...)                                                     \
	panic("invariant violated after %s: " fmt, after, __VA_ARGS__)

/* ---- finding every thread ------------------------------------------------ */

static uint32_t slot_tid[MAX_THREADS];	  /* id last seen in each slot */
static struct thread *found[MAX_THREADS]; /* this check's threads */
static uint8_t on_runq[MAX_THREADS], on_waitq[MAX_THREADS];
static uint16_t receivers[MAX_THREADS];
static uint32_t found_all, found_live;

/* t, if it is a thread of the table (by its own id), is found. */
static void find(struct thread *t)
{
	uint32_t i;

	if (!t || (i = TID_INDEX(t->tid)) == 0 || i >= MAX_THREADS ||
	    found[i] == t || thread_by_tid(t->tid) != t)
		return;
	found[i] = t;
	slot_tid[i] = t->tid;
	found_all++;
	if (t->state != THREAD_ZOMBIE)
		found_live++;
}

/* The thread in slot i, trying its last seen id and `more` generations
 * after it (a new thread in a slot has the next generation). */
static void probe(uint32_t i, uint32_t more)
{
	uint32_t tid = slot_tid[i] ? slot_tid[i] : i;

	for (uint32_t g = TID_GENERATION(tid), n = 0;
	     n <= more && g < TID_GENERATION_LIMIT; g++, n++) {
		struct thread *t = thread_by_tid(g << TID_INDEX_BITS | i);
		if (t) {
			find(t);
			return;
		}
	}
}

static bool is_found(const struct thread *t)
{
	uint32_t i = TID_INDEX(t->tid);

	return i && i < MAX_THREADS && found[i] == t;
}

static void find_in_list(struct thread *w)
{
	for (uint32_t n = 0; w && n < MAX_THREADS; n++, w = w->queue_next)
		find(w);
}

/* Whatever the found threads name: pagers, ipc partners, the members of
 * their queues. Until nothing new turns up. */
static void find_named(void)
{
	uint32_t before;

	do {
		struct runq_array *arrays[RUNQ_ARRAYS];
		uint32_t nr_arrays = 0;

		before = found_all;
		for (uint32_t i = 1; i < MAX_THREADS; i++) {
			struct thread *t = found[i];
			struct runq_array *a;
			uint32_t j = 0;

			if (!t)
				continue;
			find(t->pager);
			find(t->partner);
			find_in_list(t->sendq.head);
			if (t->queued_on)
				find_in_list(t->queued_on->head);
			if (!(a = t->sched.array))
				continue;
			while (j < nr_arrays && arrays[j] != a)
				j++;
			if (j < nr_arrays || nr_arrays == RUNQ_ARRAYS)
				continue;
			arrays[nr_arrays++] = a;
			for (uint32_t l = 0; l < SCHED_NR_LEVELS; l++) {
				struct sched_entity *se = a->level[l].head;
				for (uint32_t n = 0; se && n < MAX_THREADS;
				     n++, se = se->next)
					find(container_of(se, struct thread,
							  sched));
			}
		}
	} while (found_all != before);
}

/* Find every thread; true if every live one was found. */
static bool find_threads(void)
{
	struct container *c;

	memset(found, 0, sizeof(found));
	found_all = found_live = 0;
	find(current_thread());
	for (uint32_t id = 0; (c = container_by_id(id)); id++)
		find(c->pager);
	for (uint32_t i = 1; i < MAX_THREADS; i++)
		if (!found[i])
			probe(i, 1);
	find_named();
	if (found_live < thread_live_count()) {
		/* a slot reused more than once since the last check */
		for (uint32_t i = 1;
		     i < MAX_THREADS && found_live < thread_live_count(); i++)
			if (!found[i])
				probe(i, DEEP_GENERATIONS);
		find_named();
	}
	if (found_live > thread_live_count())
		VIOLATED(
		    "%u threads live in the thread table, the kernel counts "
		    "%u",
		    (unsigned)found_live, (unsigned)thread_live_count());
	return found_live == thread_live_count();
}

/* ---- queues -------------------------------------------------------------- */

static uint32_t slot_of(struct thread *t, const char *where)
{
	if (!is_found(t)) /* every table thread a queue holds was found */
		VIOLATED("%s holds thread %u, which is not in the thread table",
			 where, (unsigned)t->tid);
	return TID_INDEX(t->tid);
}

static void check_runq_array(struct runq_array *a)
{
	uint32_t total = 0;

	for (uint32_t l = 0; l < SCHED_NR_LEVELS; l++) {
		struct sched_entity *se, *prev = NULL;
		uint32_t n = 0;

		for (se = a->level[l].head; se; prev = se, se = se->next) {
			struct thread *t =
			    container_of(se, struct thread, sched);
			uint32_t i;

			if (++n > MAX_THREADS)
				VIOLATED("run queue level %u loops",
					 (unsigned)l);
			i = slot_of(t, "the run queue");
			if (se->array != a || se->level != l ||
			    se->prev != prev)
				VIOLATED(
				    "thread %u of container '%s': linked in a "
				    "run queue level it does not name",
				    (unsigned)t->tid, t->container->name);
			if (t->state != THREAD_RUNNABLE)
				VIOLATED(
				    "thread %u of container '%s': on the run "
				    "queue, %s",
				    (unsigned)t->tid, t->container->name,
				    state_names[t->state]);
			on_runq[i]++;
		}
		if (a->level[l].tail != prev)
			VIOLATED("run queue level %u: its tail is not its last "
				 "thread",
				 (unsigned)l);
		if (!(a->bitmap & 1u << l) != !n)
			VIOLATED(
			    "run queue level %u: bitmap says %s, it holds %u",
			    (unsigned)l, a->bitmap & 1u << l ? "busy" : "empty",
			    (unsigned)n);
		total += n;
	}
	if (total != a->nr)
		VIOLATED("a run queue holds %u threads and counts %u",
			 (unsigned)total, (unsigned)a->nr);
}

/* A send queue (owner: its thread), a mutex queue (owner NULL) or a
 * throttled container's parked list (parked). */
static void check_thread_list(struct thread_list *l, struct thread *owner,
			      bool parked)
{
	struct thread *w, *prev = NULL;
	uint32_t n = 0;
	const char *what = parked  ? "a parked list"
			   : owner ? "a send queue"
				   : "a mutex queue";

	for (w = l->head; w; prev = w, w = w->queue_next) {
		uint32_t i;

		if (++n > MAX_THREADS)
			VIOLATED("%s loops", what);
		i = slot_of(w, what);
		if (w->queued_on != l)
			VIOLATED(
			    "thread %u of container '%s': in %s it does not "
			    "name",
			    (unsigned)w->tid, w->container->name, what);
		if (parked ? w->state != THREAD_RUNNABLE ||
				     w->cpu >= CONFIG_NR_CPUS ||
				     l != &w->container->cpu.core[w->cpu]
					       .parked ||
				     !w->container->cpu.core[w->cpu].throttled
			   : w->state != THREAD_BLOCKED ||
				     w->block != (owner ? BLOCK_SEND
							: BLOCK_MUTEX))
			VIOLATED(
			    "thread %u of container '%s': in %s, %s (block "
			    "%u)",
			    (unsigned)w->tid, w->container->name, what,
			    state_names[w->state], (unsigned)w->block);
		if (owner && w->partner != owner)
			VIOLATED(
			    "thread %u of container '%s': in the send queue "
			    "of thread %u, sending to another",
			    (unsigned)w->tid, w->container->name,
			    (unsigned)owner->tid);
		on_waitq[i]++;
	}
	if (l->tail != prev)
		VIOLATED("%s: its tail is not its last thread", what);
}

static void check_wait_list(struct thread_list *l, struct thread *owner)
{
	check_thread_list(l, owner, false);
}

/* Placement: a thread is on an online core of its mask, its mask within
 * its container's, and the core that runs it names it current. */
static void check_thread_cores(const struct thread *t)
{
	if (t->cpu >= CONFIG_NR_CPUS || !cpu_state[t->cpu].online)
		VIOLATED("thread %u of container '%s': on core %u, which is "
			 "not online", (unsigned)t->tid, t->container->name,
			 (unsigned)t->cpu);
	if (t->cpu_mask & ~t->container->cpu_mask ||
	    !(t->cpu_mask & (1u << t->cpu)))
		VIOLATED("thread %u of container '%s': core %u, mask 0x%x, "
			 "its container's 0x%x", (unsigned)t->tid,
			 t->container->name, (unsigned)t->cpu,
			 (unsigned)t->cpu_mask, (unsigned)t->container->cpu_mask);
	if (t->on_cpu != CPU_NONE &&
	    (t->on_cpu >= CONFIG_NR_CPUS || cpu_state[t->on_cpu].current != t))
		VIOLATED("thread %u of container '%s': running on core %u, "
			 "which runs another", (unsigned)t->tid,
			 t->container->name, (unsigned)t->on_cpu);
}

static void check_threads(bool complete)
{
	struct runq_array *arrays[RUNQ_ARRAYS];
	uint32_t nr_arrays = 0;

	memset(on_runq, 0, sizeof(on_runq));
	memset(on_waitq, 0, sizeof(on_waitq));
	memset(receivers, 0, sizeof(receivers));
	for (uint32_t i = 1; i < MAX_THREADS; i++) {
		struct thread *t = found[i];
		struct runq_array *a;
		uint32_t j = 0;

		if (!t)
			continue;
		if (!t->container ||
		    container_by_id(t->container->id) != t->container)
			VIOLATED("thread %u: of no container",
				 (unsigned)t->tid);
		if (t->state > THREAD_ZOMBIE)
			VIOLATED("thread %u of container '%s': state %u",
				 (unsigned)t->tid, t->container->name,
				 (unsigned)t->state);
		if (t->sched.priority < SCHED_PRIO_MIN ||
		    t->sched.priority > SCHED_PRIO_MAX)
			VIOLATED("thread %u of container '%s': priority %u",
				 (unsigned)t->tid, t->container->name,
				 (unsigned)t->sched.priority);
		check_wait_list(&t->sendq, t);
		check_thread_cores(t);
		if (!(a = t->sched.array))
			continue;
		if (!sched_array_of(t))
			VIOLATED("thread %u of container '%s': queued on "
				 "another core's run queue than its core %u",
				 (unsigned)t->tid, t->container->name,
				 (unsigned)t->cpu);
		while (j < nr_arrays && arrays[j] != a)
			j++;
		if (j == nr_arrays) {
			if (nr_arrays == RUNQ_ARRAYS)
				VIOLATED(
				    "thread %u of container '%s': names a "
				    "run queue that is neither the runnable "
				    "nor the expired one",
				    (unsigned)t->tid, t->container->name);
			arrays[nr_arrays++] = a;
			check_runq_array(a);
		}
	}
	/* runnable threads of containers throttled on their core wait for a
	 * refill there, on that core's list */
	for (uint32_t id = 0; container_by_id(id); id++)
		for (unsigned cpu = 0; cpu < CONFIG_NR_CPUS; cpu++)
			check_thread_list(
			    &container_by_id(id)->cpu.core[cpu].parked, NULL,
			    true);
	/* the lists no send queue walk reached: mutex queues */
	for (uint32_t i = 1; i < MAX_THREADS; i++) {
		struct thread *t = found[i];
		if (t && t->queued_on && !on_waitq[i] &&
		    t->block == BLOCK_MUTEX)
			check_wait_list(t->queued_on, NULL);
	}
	for (uint32_t i = 1; i < MAX_THREADS; i++) {
		struct thread *t = found[i];
		if (t && t->state == THREAD_BLOCKED && t->block == BLOCK_RECV &&
		    t->partner)
			receivers[slot_of(t->partner, "a receive")]++;
	}
	for (uint32_t i = 1; i < MAX_THREADS; i++) {
		struct thread *t = found[i];
		bool rq, wq;

		if (!t)
			continue;
		rq = t->sched.array != NULL;
		wq = t->queued_on != NULL;
		if (rq && wq)
			VIOLATED(
			    "thread %u of container '%s': on the run queue "
			    "and on a wait queue",
			    (unsigned)t->tid, t->container->name);
		if (on_runq[i] != rq || on_waitq[i] != wq)
			VIOLATED(
			    "thread %u of container '%s': linked in %u run "
			    "queue and %u wait queue places, names %u and "
			    "%u",
			    (unsigned)t->tid, t->container->name,
			    (unsigned)on_runq[i], (unsigned)on_waitq[i],
			    (unsigned)rq, (unsigned)wq);
		switch (t->state) {
		case THREAD_RUNNABLE:
			/* parked: off the run queue until its refill */
			if (!rq && (t->cpu >= CONFIG_NR_CPUS ||
				    t->queued_on !=
					&t->container->cpu.core[t->cpu].parked))
				VIOLATED(
				    "thread %u of container '%s': runnable, "
				    "on no run queue",
				    (unsigned)t->tid, t->container->name);
			break;
		case THREAD_BLOCKED:
			if (rq)
				VIOLATED(
				    "thread %u of container '%s': blocked, "
				    "on the run queue",
				    (unsigned)t->tid, t->container->name);
			if (t->block == BLOCK_SEND &&
			    (!t->partner || t->queued_on != &t->partner->sendq))
				VIOLATED(
				    "thread %u of container '%s': waits to "
				    "send, not in its partner's send queue",
				    (unsigned)t->tid, t->container->name);
			if (t->block == BLOCK_MUTEX && !wq)
				VIOLATED(
				    "thread %u of container '%s': waits for "
				    "a mutex, on no mutex queue",
				    (unsigned)t->tid, t->container->name);
			if (t->block != BLOCK_SEND && t->block != BLOCK_MUTEX &&
			    wq)
				VIOLATED("thread %u of container '%s': blocked "
					 "(reason %u), on a wait queue",
					 (unsigned)t->tid, t->container->name,
					 (unsigned)t->block);
			break;
		default:
			if (rq || wq)
				VIOLATED(
				    "thread %u of container '%s': %s, on a "
				    "queue",
				    (unsigned)t->tid, t->container->name,
				    state_names[t->state]);
		}
		if (complete && t->recv_waiters != receivers[i])
			VIOLATED(
			    "thread %u of container '%s': %u threads wait to "
			    "receive from it, it counts %u",
			    (unsigned)t->tid, t->container->name,
			    (unsigned)receivers[i], (unsigned)t->recv_waiters);
	}
}

/* ---- capabilities and budgets -------------------------------------------- */

/* Units of whole budgets destroyed, per container, in its current life. */
static uint32_t dropped[BOOTINFO_MAX_CONTAINERS][NR_BUDGETS];
static uint32_t dropped_life[BOOTINFO_MAX_CONTAINERS]; /* restarts + 1 */

static uint32_t *dropped_of(const struct container *c)
{
	if (dropped_life[c->id] != c->restarts + 1) {
		memset(dropped[c->id], 0, sizeof(dropped[c->id]));
		dropped_life[c->id] = c->restarts + 1;
	}
	return dropped[c->id];
}

void invariants_budget_dropped(const struct cap *budget)
{
	uint32_t r = budget->resource - CAP_RES_THREADS;

	if (cap_kind(budget) == CAP_KIND_QUANTITY && !budget->origin &&
	    r < NR_BUDGETS)
		dropped_of(budget->container)[r] += budget->size;
}

/* What c's boot info declares, per budget. containers_create() keeps each
 * container's descriptor where the boot info has it: the descriptors
 * follow its header in container order (boot/bootinfo.h). */
static void declared_totals(const struct container *c, uint32_t *total)
{
	const struct bootinfo_header *bi =
	    (const struct bootinfo_header *)(c->desc - c->id) - 1;

	if (bi->magic != BOOTINFO_MAGIC)
		VIOLATED("container '%s': its descriptor is not in the boot "
			 "info",
			 c->name);
	container_declared_budgets(c, total);
}

struct sums {
	uint32_t size[NR_BUDGETS], used[NR_BUDGETS], caps;
};

static void check_cap_list(const struct cap_list *l, struct container *c,
			   uint32_t kind, uint32_t holder, struct sums *s)
{
	uint32_t n = 0;

	if (l->kind != kind || l->holder != holder)
		VIOLATED("container '%s': a capability list of kind %u holder "
			 "%u where %u/%u belongs",
			 c->name, (unsigned)l->kind, (unsigned)l->holder,
			 (unsigned)kind, (unsigned)holder);
	for (const struct cap *x = l->head; x; x = x->next) {
		uint32_t r = x->resource - CAP_RES_THREADS;

		if (++n > MAX_LIST_CAPS)
			VIOLATED("container '%s': a capability list loops",
				 c->name);
		if (x->list != l)
			VIOLATED(
			    "container '%s': capability %u is on a list it "
			    "does not name",
			    c->name, (unsigned)x->id);
		if (x->container != c)
			VIOLATED("container '%s': capability %u of container "
				 "'%s' is on its list",
				 c->name, (unsigned)x->id, x->container->name);
		if (x->charged_to && (x->charged_to->resource != CAP_RES_CAPS ||
				      x->charged_to->container != c))
			VIOLATED("container '%s': capability %u is paid by one "
				 "that is not a caps budget of its own",
				 c->name, (unsigned)x->id);
		if (x->origin && (x->origin->container != c ||
				  x->origin->resource != x->resource))
			VIOLATED("container '%s': capability %u was split from "
				 "one of another container or resource",
				 c->name, (unsigned)x->id);
		s->caps++;
		if (cap_kind(x) != CAP_KIND_QUANTITY || r >= NR_BUDGETS)
			continue;
		if (x->used > x->size)
			VIOLATED(
			    "container '%s': budget %u (%s): used %u exceeds "
			    "its size %u",
			    c->name, (unsigned)x->id, budget_names[r],
			    (unsigned)x->used, (unsigned)x->size);
		s->size[r] += x->size;
		s->used[r] += x->used;
	}
}

static void check_container(struct container *c, bool complete)
{
	struct sums s = {{0}, {0}, 0};
	uint32_t declared[NR_BUDGETS] = {0}, *gone = dropped_of(c);
	uint32_t live = 0;

	check_cap_list(&c->caps, c, CAP_LIST_CONTAINER, c->id, &s);
	for (uint32_t i = 1; i < MAX_THREADS; i++) {
		struct thread *t = found[i];
		if (!t || t->container != c)
			continue;
		check_cap_list(&t->caps, c, CAP_LIST_PRIVATE, t->tid, &s);
		check_cap_list(&t->group_caps, c, CAP_LIST_GROUP, t->tid, &s);
		check_cap_list(&t->paged_caps, c, CAP_LIST_PAGED, t->tid, &s);
		if (t->state != THREAD_ZOMBIE)
			live++;
		else if (t->caps.head || t->group_caps.head ||
			 t->paged_caps.head)
			VIOLATED("thread %u of container '%s': ended, still "
				 "holding capabilities",
				 (unsigned)t->tid, c->name);
	}
	if (!complete)
		return;
	if (live != c->live_threads)
		VIOLATED("container '%s': %u live threads, it counts %u",
			 c->name, (unsigned)live, (unsigned)c->live_threads);
	declared_totals(c, declared);
	for (uint32_t r = 0; r < NR_BUDGETS; r++) {
		uint32_t size = c->state == CONTAINER_RUNNING
				    ? s.size[r]
				    : c->budget_size[r];
		if (s.used[r] != c->budget_used[r])
			VIOLATED("container '%s': %s budgets have %u units in "
				 "use, its running total says %u",
				 c->name, budget_names[r], (unsigned)s.used[r],
				 (unsigned)c->budget_used[r]);
		if (size + gone[r] != declared[r])
			VIOLATED(
			    "container '%s': its %s budget parts add up to "
			    "%u (%u destroyed), its boot info declares %u",
			    c->name, budget_names[r], (unsigned)size,
			    (unsigned)gone[r], (unsigned)declared[r]);
	}
	if (c->state != CONTAINER_RUNNING && s.caps)
		VIOLATED("container '%s': dead, still holding %u capabilities",
			 c->name, (unsigned)s.caps);
}

/* ---- the check ----------------------------------------------------------- */

#ifdef CONFIG_SELFTEST_INVARIANTS
/* Once: the first budget of container 0 charged one unit beyond its size,
 * as a bug would, so that the check below must stop the kernel. */
static void selftest_corrupt(void)
{
	static bool done;
	struct container *c = container_by_id(0);
	struct cap *x = NULL;

	if (done || !c || !c->pager)
		return;
	done = true;
	for (x = c->caps.head; x && cap_kind(x) != CAP_KIND_QUANTITY;)
		x = x->next;
	for (x = x ? x : c->pager->caps.head;
	     x && cap_kind(x) != CAP_KIND_QUANTITY;)
		x = x->next;
	if (!x)
		return;
	printk("kernel: self-test: container '%s' budget %u: used %u -> %u, "
	       "beyond its size %u\n",
	       c->name, (unsigned)x->id, (unsigned)x->used,
	       (unsigned)x->size + 1, (unsigned)x->size);
	x->used = x->size + 1;
}
#endif

void invariants_after_syscall(uint32_t nr)
{
	struct container *c;
	bool complete;

#if CONFIG_DEBUG_INVARIANTS_EVERY > 1
	static uint32_t calls;

	if (++calls < CONFIG_DEBUG_INVARIANTS_EVERY)
		return;
	calls = 0;
#endif
	after = nr < SYS_COUNT ? syscall_names[nr] : "an unknown system call";
#ifdef CONFIG_SELFTEST_INVARIANTS
	selftest_corrupt();
#endif
	complete = find_threads();
	check_threads(complete);
	for (uint32_t id = 0; (c = container_by_id(id)); id++)
		check_container(c, complete);
}

#endif
