/*
 * User-level scheduling (docs/scheduling.md, "User-level scheduler").
 *
 * A container's threads are user-scheduled when the manifest names a
 * scheduler container for it: the scheduler holds a CAP_RES_SCHED boot
 * capability on it. The container's first pager stays with the kernel;
 * every thread started with TC_RUN goes through the scheduler:
 *
 *  - start: TC_RUN sends IPC_LABEL_SCHED_START and the starting thread
 *    waits (BLOCK_SCHED_START) until sched_control ADMIT (TC_RUN returns
 *    0, the thread runs at the priority and quantum given) or REFUSE (the
 *    thread ends with -E_PERM, TC_RUN returns -E_PERM);
 *  - quantum: when its quantum runs out the kernel does not refill it but
 *    sends IPC_LABEL_SCHED_QUANTUM; the thread waits (BLOCK_SCHED) until
 *    sched_control SET;
 *  - stop: its end sends IPC_LABEL_SCHED_STOP, without waiting.
 *
 * Messages wait in a small inbox of the scheduler container and reach its
 * first pager when it receives from any sender (or at once if it waits).
 * The death of the scheduler's pager hands every thread back to the
 * kernel (usched_scheduler_died), so no thread stays stuck.
 */
#include <kernel/container.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/runq.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <kernel/usched.h>
#include <tessera/cap.h>
#include <tessera/errno.h>

void usched_init(void)
{
	for (uint32_t i = 0; container_by_id(i); i++) {
		struct container *c = container_by_id(i);
		for (const struct cap *cap = c->caps.head; cap; cap = cap->next) {
			struct container *s = container_by_id(cap->target);
			if (cap->resource != CAP_RES_SCHED ||
			    cap->target_kind != CAP_TGT_CONTAINER || !s ||
			    s == c)
				continue;
			s->scheduler = c;
			if (!c->inbox && !(c->inbox = kmem_alloc(sizeof(*c->inbox))))
				panic("container '%s': no memory for its "
				      "scheduler inbox", c->name);
		}
	}
}

/* The scheduler's pager, if the scheduler container is alive. */
static struct thread *scheduler_of(const struct container *c)
{
	struct container *s = c->scheduler;

	if (!s || s->state != CONTAINER_RUNNING || !s->pager ||
	    s->pager->state == THREAD_ZOMBIE)
		return NULL;
	return s->pager;
}

static void put_msg(struct thread *p, const struct usched_msg *m)
{
	p->ctx.r[1] = m->tid;
	p->ctx.r[2] = IPC_TAG(m->label, 0, IPC_TYPE_SHORT, 0);
	for (unsigned i = 0; i < 4; i++)
		p->ctx.r[3 + i] = m->mr[i];
}

/* Send a message to the scheduler pager p (its container's inbox):
 * -E_BUSY when the inbox is full. */
static int post(struct thread *p, uint32_t label, uint32_t tid, uint32_t mr0,
		uint32_t mr1, uint32_t mr2, uint32_t mr3)
{
	struct usched_inbox *in = p->container->inbox;
	struct usched_msg m = {label, tid, {mr0, mr1, mr2, mr3}};

	if (p->state == THREAD_BLOCKED && p->block == BLOCK_RECV &&
	    p->recv_any && !p->fault_pending && !in->count) {
		put_msg(p, &m);
		thread_unblock(p, 0);
		return 0;
	}
	if (in->count == USCHED_INBOX)
		return -E_BUSY;
	in->msg[(in->head + in->count++) % USCHED_INBOX] = m;
	return 0;
}

bool usched_receive(struct thread *t)
{
	struct usched_inbox *in = t->container->inbox;

	if (!in || !in->count || t != t->container->pager)
		return false;
	put_msg(t, &in->msg[in->head]);
	in->head = (in->head + 1) % USCHED_INBOX;
	in->count--;
	return true;
}

/* The thread waiting in TC_RUN for x's answer, if it still waits. */
static struct thread *starter_of(struct thread *x)
{
	struct thread *s = x->usched_starter ? thread_by_tid(x->usched_starter)
					     : NULL;

	x->usched_starter = 0;
	if (!s || s->state != THREAD_BLOCKED || s->block != BLOCK_SCHED_START ||
	    s->partner != x)
		return NULL;
	return s;
}

static void answer_starter(struct thread *x, int result)
{
	struct thread *s = starter_of(x);

	if (s)
		thread_unblock(s, result);
}

int usched_start(struct thread *t, struct thread *x, int32_t nice)
{
	struct thread *p = scheduler_of(x->container);
	struct thread *creator = thread_by_tid(x->creator_tid);

	if (nice < SCHED_NICE_MIN || nice > SCHED_NICE_MAX)
		return -E_INVAL;
	if (!p || x == x->container->pager) {
		thread_start(x); /* no scheduler alive: the kernel's */
		return 0;
	}
	uint32_t prio = creator && creator->state != THREAD_ZOMBIE
				? creator->sched.priority
				: 0;
	int err = post(p, IPC_LABEL_SCHED_START, x->tid, x->creator_tid, prio,
		       (uint32_t)nice, t->tid);
	if (err)
		return err;
	x->usched = USCHED_STARTING;
	/* a scheduler that starts a thread itself is not kept waiting */
	if (t->container == x->container->scheduler)
		return 0;
	x->usched_starter = t->tid;
	thread_block(t, BLOCK_SCHED_START);
	t->partner = x;
	return 0;
}

static uint32_t used_now(const struct thread *t)
{
	int32_t left = t->sched.ticks_left > 0 ? t->sched.ticks_left : 0;
	uint32_t q = t->usched_quantum;

	return t->usched_used + (q > (uint32_t)left ? q - (uint32_t)left : 0);
}

bool usched_quantum_expired(struct thread *t)
{
	struct thread *p = scheduler_of(t->container);
	uint32_t now = (uint32_t)sched_ticks();

	if (!p) {
		t->usched = USCHED_NONE; /* its scheduler is gone */
		return false;
	}
	t->usched_used += t->usched_quantum;
	if (post(p, IPC_LABEL_SCHED_QUANTUM, t->tid, t->usched_quantum,
		 now - t->usched_given_at, t->usched_used,
		 t->sched.priority) != 0) {
		/* inbox full: the same quantum again, asked next time */
		t->sched.ticks_left = (int32_t)t->usched_quantum;
		t->usched_given_at = now;
		return false;
	}
	t->usched = USCHED_WAITING;
	t->usched_quantum = 0;
	thread_block(t, BLOCK_SCHED);
	return true;
}

void usched_thread_ended(struct thread *t, int code)
{
	enum usched_state was = t->usched;
	struct thread *p = scheduler_of(t->container);

	t->usched = USCHED_NONE;
	if (was == USCHED_STARTING) {
		answer_starter(t, -E_DEAD);
		return;
	}
	if (!p)
		return;
	struct usched_inbox *in = p->container->inbox;
	if (post(p, IPC_LABEL_SCHED_STOP, t->tid, (uint32_t)code, used_now(t),
		 in->lost, 0) == 0)
		in->lost = 0;
	else
		in->lost++;
}

bool usched_resume_waits(struct thread *t)
{
	if (t->usched != USCHED_WAITING)
		return false;
	t->state = THREAD_BLOCKED;
	t->block = BLOCK_SCHED;
	return true;
}

/*
 * x leaves its quantum wait (state BLOCKED, BLOCK_SCHED) and runs again;
 * its registers are those it was preempted with. It goes to the expired
 * queue, as a kernel-scheduled thread whose slice ran out does: otherwise
 * threads that use up quantum after quantum would keep the runnable queue
 * from ever emptying, and a round would never end for those that yield.
 */
static void leave_wait(struct thread *x)
{
	x->block = BLOCK_NONE;
	x->state = THREAD_RUNNABLE;
	sched_enqueue_expired(x);
}

void usched_scheduler_died(struct container *c)
{
	for (uint32_t i = 1; i < CONFIG_MAX_THREADS; i++) {
		struct thread *x = thread_at(i);
		if (!x || x->container->scheduler != c || !x->usched)
			continue;
		enum usched_state was = x->usched;
		x->usched = USCHED_NONE;
		if (was == USCHED_STARTING) {
			answer_starter(x, 0);
			thread_start(x);
		} else if (was == USCHED_WAITING &&
			   x->state == THREAD_BLOCKED &&
			   x->block == BLOCK_SCHED) {
			x->sched.ticks_left = 0; /* a kernel slice */
			leave_wait(x);
		}
	}
	c->inbox->head = c->inbox->count = c->inbox->lost = 0;
}

/* Priority p and quantum q for x; a queued x is queued again at p. */
static void apply(struct thread *x, uint32_t prio, uint32_t quantum)
{
	bool queued = x->state == THREAD_RUNNABLE;

	if (queued)
		sched_dequeue(x);
	x->sched.priority = prio;
	x->sched.ticks_left = (int32_t)quantum;
	x->sched.ran = 0;
	x->usched_quantum = quantum;
	x->usched_given_at = (uint32_t)sched_ticks();
	if (queued)
		sched_enqueue(x);
}

int sys_sched_control(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t op = ctx_arg(ctx, 0), prio = ctx_arg(ctx, 2),
		 quantum = ctx_arg(ctx, 3);
	int err;

	if (op != SCHED_ADMIT && op != SCHED_REFUSE && op != SCHED_SET)
		return -E_INVAL;
	if (op != SCHED_REFUSE &&
	    (prio < SCHED_PRIO_MIN || prio > SCHED_PRIO_MAX || quantum < 1 ||
	     quantum > SCHED_QUANTUM_MAX))
		return -E_INVAL;
	if (!(x = thread_target(t, ctx_arg(ctx, 1), CAP_RES_SCHED,
				CAP_OP_SCHED_CONTROL, &err)))
		return err;
	if (x->container->scheduler != t->container)
		return -E_PERM; /* only its own scheduler answers */
	if (op != SCHED_REFUSE && prio > x->container->desc->priority)
		return -E_INVAL; /* never above its manifest priority */
	switch (op) {
	case SCHED_ADMIT:
		if (x->usched != USCHED_STARTING)
			return -E_BUSY; /* answered already, or never asked */
		x->usched = USCHED_ADMITTED;
		x->usched_used = 0;
		apply(x, prio, quantum);
		answer_starter(x, 0);
		thread_start(x);
		return 0;
	case SCHED_REFUSE:
		if (x->usched != USCHED_STARTING)
			return -E_BUSY;
		x->usched = USCHED_NONE; /* no stop message for it */
		answer_starter(x, -E_PERM);
		thread_end(x, -E_PERM);
		return 0;
	default: /* SCHED_SET */
		if (x->usched == USCHED_STARTING)
			return -E_BUSY; /* admit it first */
		if (x->usched == USCHED_NONE)
			return -E_INVAL; /* not (or no longer) user-scheduled */
		apply(x, prio, quantum);
		if (x->usched == USCHED_WAITING) {
			x->usched = USCHED_ADMITTED;
			if (x->state == THREAD_BLOCKED &&
			    x->block == BLOCK_SCHED)
				leave_wait(x);
		}
		return 0;
	}
}
