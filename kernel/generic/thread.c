/*
 * Thread lifecycle: create, block/unblock, suspend/resume, recycle, end,
 * zombies and reaping. A thread id is a slot of a fixed table plus the
 * slot's generation (TID_INDEX/TID_GENERATION, <tessera/syscall.h>), so an
 * id outlives its thread without ever naming another; a new thread leads
 * its own thread group (tgid = tid) unless thread_control says otherwise.
 */
#include <string.h>
#include <kernel/container.h>
#include <kernel/exception.h>
#include <kernel/irq.h>
#include <kernel/klock.h>
#include <kernel/kmem.h>
#include <kernel/mutex.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/thread.h>
#include <kernel/usched.h>
#include <tessera/errno.h>
#include <tessera/syscall.h>

_Static_assert(CONFIG_MAX_THREADS <= TID_INDEX_MASK + 1,
	       "thread table slots must fit TID_INDEX_BITS");

struct thread *threads[CONFIG_MAX_THREADS];
/* The container (id + 1; 0: never used) whose thread last had each slot. */
static uint8_t tid_owner[CONFIG_MAX_THREADS];
/* The generation of the last id issued from each slot (valid once used). */
static uint32_t tid_last_generation[CONFIG_MAX_THREADS];
static uint32_t live_threads; /* not yet ended */

void thread_list_add(struct thread_list *l, struct thread *t)
{
	t->queue_next = NULL;
	t->queued_on = l;
	if (l->tail)
		l->tail->queue_next = t;
	else
		l->head = t;
	l->tail = t;
}

void thread_list_remove(struct thread_list *l, struct thread *t)
{
	struct thread *prev = NULL;

	for (struct thread *p = l->head; p; prev = p, p = p->queue_next) {
		if (p != t)
			continue;
		if (prev)
			prev->queue_next = t->queue_next;
		else
			l->head = t->queue_next;
		if (l->tail == t)
			l->tail = prev;
		break;
	}
	t->queue_next = NULL;
	t->queued_on = NULL;
}

struct thread *thread_list_pop(struct thread_list *l)
{
	struct thread *t = l->head;

	if (t)
		thread_list_remove(l, t);
	return t;
}

/* The generation slot i's next id gets; TID_GENERATION_LIMIT: retired. */
static uint32_t tid_next_generation(uint32_t i)
{
	return tid_owner[i] ? tid_last_generation[i] + 1 : 0;
}

/* The lowest free slot that still has a generation left, as a new id. */
static int tid_alloc(struct thread *t, const struct container *c)
{
	for (uint32_t i = 1; i < CONFIG_MAX_THREADS; i++) {
		if (threads[i])
			continue;
		uint32_t gen = tid_next_generation(i);
		if (gen >= TID_GENERATION_LIMIT)
			continue; /* retired */
		threads[i] = t;
		tid_owner[i] = (uint8_t)(c->id + 1);
		tid_last_generation[i] = gen;
		return (int)(gen << TID_INDEX_BITS | i);
	}
	return -E_BUDGET;
}

struct thread *thread_at(uint32_t i)
{
	return i < CONFIG_MAX_THREADS ? threads[i] : NULL;
}

/*
 * The error for an id that names no live thread. An id no thread can ever
 * have (slot 0 or outside the table, bit 31 set) is -E_NOENT, and so is one
 * given to a thread of the caller's own container; any other is -E_PERM,
 * as a live foreign thread without a capability would be, so that probing
 * ids tells nothing about other containers. Only a slot's last owner is
 * known: an older generation counts as the caller's when its container
 * holds the slot now.
 */
static int tid_gone_error(uint32_t tid, const struct container *caller)
{
	uint32_t i = TID_INDEX(tid);

	if (tid >= 1u << 31 || i == 0 || i >= CONFIG_MAX_THREADS)
		return -E_NOENT;
	return tid_owner[i] == caller->id + 1 &&
			       TID_GENERATION(tid) <= tid_last_generation[i]
		       ? -E_NOENT
		       : -E_PERM;
}

struct thread *thread_target(struct thread *caller, uint32_t tid, uint32_t res,
			     uint32_t ops, int *err)
{
	struct thread *x = tid ? thread_by_tid(tid) : caller;

	if (!x || x->state == THREAD_ZOMBIE) {
		/* whether another container's thread exists is none of
		 * the caller's business */
		*err = tid_gone_error(tid, caller->container);
		return NULL;
	}
	if (res && !cap_allows(caller, res, ops, x)) {
		*err = -E_PERM;
		return NULL;
	}
	return x;
}

static void thread_cap_lists_init(struct thread *t)
{
	t->caps = (struct cap_list){NULL, CAP_LIST_PRIVATE, t->tid};
	t->group_caps = (struct cap_list){NULL, CAP_LIST_GROUP, t->tid};
	t->paged_caps = (struct cap_list){NULL, CAP_LIST_PAGED, t->tid};
}

/* A new thread may run where its creator may (the boot's: where its
 * container may), and starts on its creator's core if it can. */
static void thread_place(struct thread *t, const struct thread *creator,
			 const struct container *c)
{
	t->cpu_mask = creator ? creator->cpu_mask : c->cpu_mask;
	t->on_cpu = CPU_NONE;
#if CONFIG_NR_CPUS > 1
	unsigned cpu = sched_cpu_for(t->cpu_mask,
				     creator ? creator->cpu : c->home_cpu);
	t->cpu = (uint8_t)(cpu == CPU_NONE ? 0 : cpu);
#else
	t->cpu = 0;
#endif
}

#if CONFIG_NR_CPUS > 1
void thread_quiesce(struct thread *t)
{
	if (t->on_cpu != CPU_NONE && t->on_cpu != this_cpu_id())
		smp_stop_thread(t);
}
#endif

/* The THREADS budget is charged here and refunded in thread_free only. */
struct thread *thread_create(const struct thread *creator,
			     struct container *c, struct space *s,
			     struct thread *pager, uint32_t entry, uint32_t sp,
			     uint32_t priority, int *err)
{
	struct cap *budget = NULL;
	struct thread *t;
	int tid;

	*err = -E_BUDGET;
	if (creator && !(budget = cap_charge(creator, CAP_RES_THREADS, 1)))
		return NULL;
	if (!(t = kmem_alloc(sizeof(*t)))) {
		cap_refund(budget, 1);
		return NULL;
	}
	if ((tid = tid_alloc(t, c)) < 0) {
		kmem_free(t);
		cap_refund(budget, 1);
		return NULL;
	}
	t->thread_budget = budget;
	t->tid = t->tgid = (uint32_t)tid;
	t->creator_tid = creator ? creator->tid : 0;
	thread_cap_lists_init(t);
	t->container = c;
	t->space = s;
	space_get(s);
	t->pager = pager;
	if (pager)
		pager->nr_paged++;
	t->sched.priority = priority;
	t->state = THREAD_INACTIVE;
	thread_place(t, creator, c);
	arch_context_init_user_zeroed(&t->ctx, entry, sp); /* kmem_alloc's */
	c->live_threads++;
	live_threads++;
	return t;
}

void thread_start(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	sched_enqueue(t);
}

void thread_block(struct thread *t, enum block_reason why)
{
	if (t->state == THREAD_RUNNABLE)
		sched_dequeue(t);
	t->state = THREAD_BLOCKED;
	t->block = why;
}

/* Take t out of whatever queue its block put it on. */
static void cancel_block(struct thread *t)
{
	if (t->queued_on)
		thread_list_remove(t->queued_on, t);
	if (t->block == BLOCK_MUTEX)
		mutex_wait_ended(t);
	if (t->block == BLOCK_RECV && t->partner)
		t->partner->recv_waiters--;
	t->block = BLOCK_NONE;
	t->partner = NULL;
	t->in_call = false;
	t->fault_pending = false;
}

void thread_unblock(struct thread *t, int result)
{
	bool fault = t->fault_pending;
	uint32_t cause = t->fault[1];

	cancel_block(t);
	if (fault && result != 0) {
		/* its pager refused or vanished: the thread cannot go on */
		printk("fault: container '%s' thread %u: %s at pc 0x%08x, "
		       "address 0x%08x, status 0x%x: %s by its pager\n",
		       t->container->name, (unsigned)t->tid,
		       exception_name(cause), (unsigned)t->fault[3],
		       (unsigned)t->fault[2], (unsigned)t->fault[4],
		       result == -E_DEAD ? "left unserved" : "refused");
		fault_print_user_stack(t, &t->ctx);
		thread_end(t, FAULT_EXIT_BASE + (int)cause);
		return;
	}
	if (!fault) /* a faulting thread retries: its registers stay */
		t->ctx.r[0] = (uint32_t)result;
	if (t->suspend_pending) {
		t->suspend_pending = false;
		t->state = THREAD_SUSPENDED;
		return;
	}
	t->state = THREAD_RUNNABLE;
	sched_wakeup(t);
}

void thread_handoff_retry(struct thread *blocker, enum block_reason why,
			  struct thread *wakee)
{
	cancel_block(wakee);
	wakee->state = THREAD_RUNNABLE;
	blocker->state = THREAD_BLOCKED;
	blocker->block = why;
	sched_handoff(blocker, wakee);
}

void thread_handoff(struct thread *blocker, enum block_reason why,
		    struct thread *wakee, int result)
{
	wakee->ctx.r[0] = (uint32_t)result;
	thread_handoff_retry(blocker, why, wakee);
}

void thread_suspend(struct thread *t)
{
	thread_quiesce(t);
	if (t == current_thread()) {
		t->suspend_pending = true; /* at the end of this syscall */
		return;
	}
	if (t->state == THREAD_BLOCKED) {
		/* a fault is retried; a quantum wait resumes where the
		 * thread was preempted (usched_resume_waits) */
		bool keep = t->fault_pending || t->block == BLOCK_SCHED;
		cancel_block(t);
		if (!keep) /* its wait ends with an error */
			t->ctx.r[0] = (uint32_t)-E_INTR;
	} else if (t->state == THREAD_RUNNABLE) {
		sched_dequeue(t);
	} else if (t->state != THREAD_SUSPENDED) {
		return; /* inactive or zombie: nothing runs, nothing to stop */
	}
	t->state = THREAD_SUSPENDED;
}

void thread_safe_point(struct thread *t)
{
	if (!t->suspend_pending)
		return;
	t->suspend_pending = false;
	if (t->state == THREAD_RUNNABLE) {
		sched_dequeue(t);
		t->state = THREAD_SUSPENDED;
	}
}

int thread_resume(struct thread *t)
{
	t->suspend_pending = false;
	if (t->state != THREAD_SUSPENDED)
		return -E_INVAL;
	if (t->usched && usched_resume_waits(t))
		return 0; /* still without a quantum */
	thread_start(t);
	return 0;
}

int thread_recycle(struct thread *t)
{
	if (t->state != THREAD_INACTIVE && t->state != THREAD_SUSPENDED)
		return -E_BUSY;
	if (t->usched == USCHED_STARTING)
		return -E_BUSY; /* its scheduler has not answered yet */
	if (t->usched) /* its scheduler sees it end; TC_RUN starts anew */
		usched_thread_ended(t, 0);
	arch_context_init_user(&t->ctx, 0, 0);
	t->suspend_pending = false;
	t->state = THREAD_INACTIVE;
	return 0;
}

static void thread_free(struct thread *t)
{
#if CONFIG_NR_CPUS > 1
	BUG_ON(t->on_cpu != CPU_NONE && t->on_cpu != this_cpu_id(),
	       "free of a thread running on another core");
#endif
	if (t->pager)
		t->pager->nr_paged--;
	cap_refund(t->thread_budget, 1);
	threads[TID_INDEX(t->tid)] = NULL;
	kmem_free(t);
}

/* Everyone waiting on t in ipc learns it is gone. */
static void wake_partners(struct thread *t)
{
	struct thread *w;

	while ((w = thread_list_pop(&t->sendq)))
		thread_unblock(w, -E_DEAD);
	for (uint32_t i = 1; i < CONFIG_MAX_THREADS && t->recv_waiters; i++) {
		w = threads[i];
		if (w && w->state == THREAD_BLOCKED && w->block == BLOCK_RECV &&
		    w->partner == t)
			thread_unblock(w, -E_DEAD);
	}
}

/* End (if still alive) and free every thread pager pages; returns how
 * many there were. Their own children go with them (thread_end). */
static uint32_t end_paged(struct thread *pager, int code)
{
	uint32_t n = 0;

	for (uint32_t i = 1; i < CONFIG_MAX_THREADS && pager->nr_paged; i++) {
		struct thread *c = threads[i];
		if (!c || c->pager != pager)
			continue;
		n++;
		if (c->state != THREAD_ZOMBIE)
			thread_end(c, code);
		if (threads[i] == c) /* may already be gone */
			thread_free(c);
	}
	return n;
}

uint32_t thread_destroy_children(struct thread *pager, int code)
{
	return end_paged(pager, code);
}

/* If t's pager waits for it, hand over the exit code and free t. */
static bool deliver_to_waiting_pager(struct thread *t)
{
	struct thread *p = t->pager;

	if (!p || p->state != THREAD_BLOCKED || p->block != BLOCK_WAIT ||
	    (p->partner && p->partner != t))
		return false;
	p->ctx.r[1] = t->tid;
	thread_unblock(p, t->exit_code);
	thread_free(t);
	return true;
}

void thread_end(struct thread *t, int code)
{
	if (t->state == THREAD_ZOMBIE)
		return;
	thread_quiesce(t);
	if (t->usched)
		usched_thread_ended(t, code);
	if (t->state == THREAD_BLOCKED)
		cancel_block(t);
	else if (t->state == THREAD_RUNNABLE)
		sched_dequeue(t);
	t->state = THREAD_ZOMBIE;
	/* the lists it shares are no longer seen from here (cap.c skips a
	 * zombie's) though they move only in cap_thread_ended below: no
	 * cached lookup may name what is on them meanwhile */
	if (t->group_caps.head || t->paged_caps.head)
		cap_changed();
	t->exit_code = code;
	t->suspend_pending = false;
	live_threads--;
	if (this_cpu()->current == t) {
		this_cpu()->current = NULL;
		t->on_cpu = CPU_NONE;
	}
	wake_partners(t);
	end_paged(t, -E_DEAD); /* nobody is left to serve them */
	irq_thread_ended(t);
	cap_thread_ended(t);
	space_put(t->space);
	t->space = NULL;
	struct container *c = t->container;
	bool first_pager = t == c->pager;
	if (first_pager && c->inbox) /* a scheduler: its threads go back */
		usched_scheduler_died(c);
	if (!t->pager || t->pager->state == THREAD_ZOMBIE)
		thread_free(t); /* nobody will reap it */
	else
		deliver_to_waiting_pager(t);
	container_thread_ended(c, first_pager, code);
}

void thread_end_container(struct container *c, int code)
{
	for (uint32_t i = 1; i < CONFIG_MAX_THREADS; i++) {
		struct thread *t = threads[i];
		if (t && t->container == c && t->state != THREAD_ZOMBIE)
			thread_end(t, code);
	}
}

uint32_t thread_pager_depth(const struct thread *t)
{
	uint32_t depth = 0;

	for (const struct thread *p = t->pager;
	     p && depth <= THREAD_MAX_PAGER_DEPTH; p = p->pager)
		depth++;
	return depth;
}

void thread_set_pager(struct thread *t, struct thread *pager)
{
	struct thread *old = t->pager;

	cap_changed(); /* its pager's shared list is no longer t's */
	if (old)
		old->nr_paged--;
	t->pager = pager;
	if (pager)
		pager->nr_paged++;
	/* a wait of the old pager for t, or for any child when t was its
	 * last, can never be answered now */
	if (old && old != pager && old->state == THREAD_BLOCKED &&
	    old->block == BLOCK_WAIT &&
	    (old->partner == t || (!old->partner && !old->nr_paged)))
		thread_unblock(old, -E_NOENT);
}

int thread_reap(struct thread *pager, uint32_t tid, int *code,
		uint32_t *reaped_tid)
{
	bool any_child = false;

	if (tid) { /* one child: no need to look at the others */
		struct thread *c = thread_by_tid(tid);
		if (!c || c->pager != pager)
			return -E_NOENT;
		if (c->state != THREAD_ZOMBIE)
			return -E_BUSY;
		*code = c->exit_code;
		*reaped_tid = c->tid;
		thread_free(c);
		return 0;
	}
	for (uint32_t i = 1; i < CONFIG_MAX_THREADS && pager->nr_paged; i++) {
		struct thread *c = threads[i];
		if (!c || c->pager != pager || (tid && c->tid != tid))
			continue;
		any_child = true;
		if (c->state == THREAD_ZOMBIE) {
			*code = c->exit_code;
			*reaped_tid = c->tid;
			thread_free(c);
			return 0;
		}
	}
	return any_child ? -E_BUSY : -E_NOENT;
}

uint32_t thread_live_count(void)
{
	return live_threads;
}
