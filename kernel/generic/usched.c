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
 *  - stop: its end sends IPC_LABEL_SCHED_STOP, without waiting;
 *  - forward: sched_control FORWARD passes a thread waiting for its start
 *    answer on to another scheduler of its container (one the manifest's
 *    forward_schedulers names, or its scheduler): the start message goes
 *    there again and that scheduler is the thread's from then on (its
 *    usched_by); at most SCHED_FORWARDS_MAX forwards a start. TC_RUN's r1
 *    names the container that admitted it.
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
			if (c->id < 64)
				s->schedulers |= 1ull << c->id;
			/* a forward target gets only forwarded starts */
			if (!(cap->ops & CAP_OP_SCHED_FORWARDED))
				s->scheduler = c;
			if (!c->inbox && !(c->inbox = kmem_alloc(sizeof(*c->inbox))))
				panic("container '%s': no memory for its "
				      "scheduler inbox", c->name);
		}
	}
}

/* The container scheduling x: the one its start was forwarded to, else
 * its container's scheduler. */
static struct container *sched_ctr(const struct thread *x)
{
	return x->usched_by ? x->usched_by : x->container->scheduler;
}

/* The pager of scheduler container s, if s is alive. */
static struct thread *pager_of(struct container *s)
{
	if (!s || s->state != CONTAINER_RUNNING || !s->pager ||
	    s->pager->state == THREAD_ZOMBIE)
		return NULL;
	return s->pager;
}

/* x's scheduler's pager, if its scheduler container is alive. */
static struct thread *scheduler_of(const struct thread *x)
{
	return pager_of(sched_ctr(x));
}

/* Back to the kernel's scheduling. */
static void to_kernel(struct thread *x)
{
	x->usched = USCHED_NONE;
	x->usched_by = NULL;
	x->usched_forwards = 0;
}

/* Whether the manifest gave container s a CAP_RES_SCHED capability on
 * container c (boot capabilities: without flags, never revoked while s
 * lives, given back when it restarts). */
static bool schedules(const struct container *s, const struct container *c)
{
	return s->id < 64 && (c->schedulers >> s->id) & 1;
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

/* Its starter's TC_RUN returns result; on 0 r1 names the container that
 * admitted x (by), or SCHED_BY_KERNEL. */
static void answer_starter(struct thread *x, int result,
			   const struct container *by)
{
	struct thread *s = starter_of(x);

	if (!s)
		return;
	if (result == 0)
		s->ctx.r[1] = by ? by->id : SCHED_BY_KERNEL;
	thread_unblock(s, result);
}

/* The start message of x to scheduler pager p. */
static int post_start(struct thread *p, struct thread *x, int32_t nice,
		      uint32_t run_by)
{
	struct thread *creator = thread_by_tid(x->creator_tid);
	uint32_t prio = creator && creator->state != THREAD_ZOMBIE
				? creator->sched.priority
				: 0;

	return post(p, IPC_LABEL_SCHED_START, x->tid, x->creator_tid, prio,
		    (uint32_t)nice, run_by);
}

int usched_start(struct thread *t, struct thread *x, int32_t nice)
{
	struct thread *p;

	if (nice < SCHED_NICE_MIN || nice > SCHED_NICE_MAX)
		return -E_INVAL;
	x->usched_by = NULL; /* a fresh start: its container's scheduler */
	p = scheduler_of(x);
	if (!p || x == x->container->pager) {
		thread_start(x); /* no scheduler alive: the kernel's */
		t->ctx.r[1] = SCHED_BY_KERNEL;
		return 0;
	}
	int err = post_start(p, x, nice, t->tid);
	if (err)
		return err;
	x->usched = USCHED_STARTING;
	x->usched_forwards = 0;
	x->usched_nice = nice;
	x->usched_run_by = t->tid;
	/* a scheduler that starts a thread itself is not kept waiting (r1:
	 * the scheduler its start message went to) */
	if (t->container == x->container->scheduler) {
		t->ctx.r[1] = t->container->id;
		return 0;
	}
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
	struct thread *p = scheduler_of(t);
	uint32_t now = (uint32_t)sched_ticks();

	if (!p) {
		to_kernel(t); /* its scheduler is gone */
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
	struct thread *p = scheduler_of(t);

	to_kernel(t);
	if (was == USCHED_STARTING) {
		answer_starter(t, -E_DEAD, NULL);
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
		if (!x || !x->usched || sched_ctr(x) != c)
			continue;
		enum usched_state was = x->usched;
		to_kernel(x);
		if (was == USCHED_STARTING) {
			answer_starter(x, 0, NULL);
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
	thread_quiesce(x); /* it may run on another core */
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

/*
 * FORWARD of x (waiting for its start answer) by its scheduler t to the
 * scheduler container of index to: checked in full first, then the start
 * message is posted (the one act that can fail, -E_BUSY on a full inbox,
 * with nothing changed) and x is to's from then on.
 */
static int forward(struct thread *t, struct thread *x, uint32_t to)
{
	struct container *s = container_by_id(to);
	struct thread *p;
	int err;

	if (!s || s == t->container)
		return -E_INVAL; /* no such container, or the caller's own */
	if (s == x->container || !s->inbox || !schedules(s, x->container))
		return -E_PERM; /* not a scheduler of the thread's container */
	if (!(p = pager_of(s)))
		return -E_DEAD; /* not running (or restarting) */
	if (x->usched != USCHED_STARTING)
		return -E_BUSY; /* answered already, or never asked */
	if (x->usched_forwards >= SCHED_FORWARDS_MAX)
		return -E_BUDGET;
	if ((err = post_start(p, x, x->usched_nice, x->usched_run_by)))
		return err;
	x->usched_by = s;
	x->usched_forwards++;
	return 0;
}

int sys_sched_control(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t op = ctx_arg(ctx, 0), prio = ctx_arg(ctx, 2),
		 quantum = ctx_arg(ctx, 3);
	int err;

	if (op < SCHED_ADMIT || op > SCHED_GET)
		return -E_INVAL;
	if ((op == SCHED_ADMIT || op == SCHED_SET) &&
	    (prio < SCHED_PRIO_MIN || prio > SCHED_PRIO_MAX || quantum < 1 ||
	     quantum > SCHED_QUANTUM_MAX))
		return -E_INVAL;
	if (!(x = thread_target(t, ctx_arg(ctx, 1), CAP_RES_SCHED,
				CAP_OP_SCHED_CONTROL, &err)))
		return err;
	if (op == SCHED_GET) /* any scheduler of its container may ask */
		return x->usched && sched_ctr(x) ? (int)sched_ctr(x)->id
						 : -E_INVAL;
	if (sched_ctr(x) != t->container)
		return -E_PERM; /* only its own scheduler answers */
	if (op == SCHED_FORWARD)
		return forward(t, x, prio);
	if (op != SCHED_REFUSE && prio > x->container->desc->priority)
		return -E_INVAL; /* never above its manifest priority */
	switch (op) {
	case SCHED_ADMIT:
		if (x->usched != USCHED_STARTING)
			return -E_BUSY; /* answered already, or never asked */
		x->usched = USCHED_ADMITTED;
		x->usched_used = 0;
		apply(x, prio, quantum);
		answer_starter(x, 0, t->container);
		thread_start(x);
		return 0;
	case SCHED_REFUSE:
		if (x->usched != USCHED_STARTING)
			return -E_BUSY;
		to_kernel(x); /* no stop message for it */
		answer_starter(x, -E_PERM, NULL);
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
