/*
 * The ipc fast path (CONFIG_IPC_FASTPATH): a call, or a reply-and-wait,
 * with a short message (r3-r6) or a full one (also the UTCB's message
 * registers) to a thread that already waits for it and will run in the
 * caller's place. In seL4's manner: a flat list of checks, each of which
 * gives the call back to the general path (ipc.c) with nothing changed
 * (a full message's copy is the last, and writes nothing unless it
 * succeeds); then the transfer, which cannot fail; then the switch
 * straight to the receiver, without the scheduler's pick.
 *
 * The rule for every check: the fast path runs only where the general
 * path would end in exactly the state it leaves (the receiver runnable in
 * the caller's place in the run queue, the caller waiting to receive, the
 * same registers, the same core-local state), so nothing the general path
 * does is skipped but what it would find has nothing to do. Anything it is
 * unsure of (faults, suspension, queued senders, other cores, budgets, a
 * pending pick, extended messages) goes the long way: the
 * general path makes every decision again, errors included, so a refusal
 * here is never an answer.
 *
 * vectors.S calls it for every ipc, before syscall_entry, under the
 * kernel lock and with the caller's registers saved in its frame.
 *
 * Everything it calls on the way through is inline (the thread table,
 * the run queue hand-over, the switch and the ASID's), and each thread's
 * conditions for the general path are grouped so that one load tests
 * them: the cost is the checks themselves, not calls between files.
 */
#include <stddef.h>
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/fastpath.h>
#include <kernel/invariants.h>
#include <kernel/ipc.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched_handoff.h>
#include <kernel/space.h>
#include <kernel/switch.h>
#include <kernel/thread.h>
#include <tessera/cap.h>
#include <tessera/syscall.h>

#ifdef CONFIG_IPC_FASTPATH

#define unlikely(x) __builtin_expect(!!(x), 0)

/* A message of this type (short or full) with a send and a receive (a
 * call, or a reply-and-wait: IPC_NONBLOCK only matters to a destination
 * that does not wait, which the fast path never sends to). What
 * check_tag accepts, narrowed: the type, reserved bits (0xc0) clear; a
 * full message's length is copy_words' to check. */
static inline bool send_receive(uint32_t tag, uint32_t type)
{
	return (tag & (IPC_TYPE_MASK | 0xc0u | IPC_CALL)) == (type | IPC_CALL);
}

/*
 * A full message's words, from the caller's UTCB to the receiver's
 * (ipc.c's copy_full): the last check, as copy_utcb_words checks both
 * ranges before it writes a byte. False, nothing written, when the tag's
 * length is over UTCB_MRS, either has no UTCB or a page of either is not
 * mapped as it must be; the general path then gives its error.
 */
static inline bool copy_words(const struct thread *t,
			      const struct thread *dest,
			      uint32_t tag)
{
	uint32_t at = offsetof(struct utcb, mr);

	return IPC_TAG_LENGTH(tag) <= UTCB_MRS && t->utcb && dest->utcb &&
	       copy_utcb_words(t->space, t->utcb + at, dest->space,
			       dest->utcb + at, IPC_TAG_LENGTH(tag)) == 0;
}

/*
 * The receiver waits for this sender (do_send's waits_for: by name, which
 * `answered` says, or from anyone) and nothing else about it needs the
 * general path: not a thread waiting for its pager's answer to a fault
 * (that is fault_reply), no suspend waiting for it to run (both in
 * slow_ipc). A thread blocked to receive is on no wait queue
 * (invariants.c checks it after every call in debug builds), so there is
 * none to leave; and it is not the caller, which runs.
 */
static inline bool receiver_ready(const struct thread *dest, bool answered)
{
	return dest->state == THREAD_BLOCKED && dest->block == BLOCK_RECV &&
	       (answered || dest->recv_any) && !dest->slow_ipc;
}

/*
 * The caller's receive would wait. For a reply-and-wait (from anyone):
 * nobody is queued to send to it. A call receives only from its
 * destination, which waits to receive and so is in no send queue. No
 * suspend waits for the caller's safe point, and it is not in a fault's
 * ipc (slow_ipc). (A scheduler's pager answering with reply-and-wait does
 * not look at its inbox, as the general path's hand-over does not either:
 * the kernel's messages come at its next receive or the next message,
 * scheduling.md.)
 */
static inline bool caller_ready(const struct thread *t, bool from_any)
{
	return !(from_any && t->sendq.head) && !t->slow_ipc;
}

/*
 * ipc.c's may_send, the same decision: a thread waiting for this sender
 * by name (a caller waiting for its reply) may be answered without a
 * capability; anything else needs the ipc send capability on it.
 *
 * The answer for one destination is kept (ipc_ok_tid, ipc_ok_epoch) while
 * the capability epoch lasts. What cap_allows decides from stays put
 * until the epoch moves: the sender's capabilities and what it can see
 * (any capability moved, changed or gone bumps the epoch, cap.c), the
 * destination's container, id and group (fixed for its life; a new thread
 * in its slot has another id) and its pager (cap_changed on a change).
 */
static inline bool may_send(struct thread *t, const struct thread *dest,
			    bool answered)
{
	if (answered)
		return true;
	if (t->ipc_ok_tid == dest->tid && t->ipc_ok_epoch == cap_epoch)
		return true;
	if (!cap_allows(t, CAP_RES_IPC, CAP_OP_IPC_SEND, dest))
		return false;
	t->ipc_ok_tid = dest->tid;
	t->ipc_ok_epoch = cap_epoch;
	return true;
}

/*
 * The message and the end of the receiver's wait, as transfer and
 * thread_handoff (cancel_block) leave them for a receiver that
 * receiver_ready admitted: its call returns 0 with the sender's id, the
 * tag without its flags and MR0-MR3.
 */
/* The end of r's receive wait, as cancel_block leaves it for a thread on
 * no queue: it waited for `named` by name, or (NULL) for anyone. */
static inline void end_receive_wait(struct thread *r, struct thread *named)
{
	if (named)
		named->recv_waiters--;
	r->partner = NULL;
	r->block = BLOCK_NONE;
	r->in_call = false;
	r->state = THREAD_RUNNABLE;
}

static inline void deliver(struct thread *t, struct thread *dest,
			   uint32_t tag, bool answered)
{
	dest->ctx.r[0] = 0;
	dest->ctx.r[1] = t->tid;
	dest->ctx.r[2] = tag & ~0xfu;
	ctx_copy_r3_r6(&dest->ctx, &t->ctx); /* MR0-MR3 */
	end_receive_wait(dest, answered ? t : NULL);
}

/* The caller waits to receive from `from` (NULL: anyone), as
 * wait_receive and recv_from leave it; its run queue place is already
 * the receiver's (sched_handoff_commit). */
static inline void wait_for_reply(struct thread *t, struct thread *from)
{
	t->state = THREAD_BLOCKED;
	t->block = BLOCK_RECV;
	t->partner = from;
	t->recv_any = from == NULL;
	if (from)
		from->recv_waiters++;
}

#if CONFIG_DEBUG_INVARIANTS_EVERY > 0
/*
 * The kernel's invariants, as syscall_entry checks them after a call. The
 * checks know run queues without loans (sched_handoff.h): an open loan is
 * checked on its own, then looked through (settled for the checks and
 * lent again, the queue exactly as before).
 */
static void check_invariants(void)
{
#if CONFIG_NR_CPUS == 1
	struct thread *owner = cpu0.lent_by, *cur = cpu0.current;

	if (owner) {
		if (owner->state != THREAD_BLOCKED ||
		    !runq_heads_the_pick(rq_of(owner), &owner->sched) ||
		    cur->sched.array ||
		    !runq_may_stand_in(&owner->sched, &cur->sched))
			panic("invariant: run-queue place of thread %u lent "
			      "to thread %u, which cannot take it",
			      (unsigned)owner->tid, (unsigned)cur->tid);
		sched_settle_loan();
	}
	invariants_after_syscall(SYS_ipc);
	if (owner) {
		BUG_ON(runq_replace(rq_of(owner), &cur->sched, &owner->sched),
		       "run-queue place not given back after the checks");
		cpu0.lent_by = owner;
	}
#else
	invariants_after_syscall(SYS_ipc);
#endif
}
#endif

/* Run `next` in the caller's place: the switch, then (debug builds) the
 * checks syscall_entry would make after the call. */
static inline struct user_context *switch_checked(struct thread *next)
{
	struct user_context *ctx = kernel_switch_thread(this_cpu(), next);

#if CONFIG_DEBUG_INVARIANTS_EVERY > 0
	check_invariants();
#endif
	return ctx;
}

/* The thread whose registers vectors.S saved in `ctx`: sp_svc points
 * just past the current thread's frame while it runs in user mode, and
 * the frame is the thread's first member (arch/context.h). */
static inline struct thread *thread_of_frame(struct user_context *ctx)
{
	return container_of(ctx, struct thread, ctx);
}

/*
 * The fast path for a message of type short (full: false) or full. One
 * body, compiled twice: a short message's pays nothing for the copy (the
 * registers it needs across the call); a full message leaves the short
 * one's way at its first test.
 */
static struct user_context *fast_ipc_full(struct user_context *ctx);

static struct user_context *fast_fault_reply(struct thread *t,
					     struct thread *dest,
					     uint32_t from);

static inline __attribute__((always_inline)) struct user_context *
fast_ipc(struct user_context *ctx, bool full)
{
	uint32_t to = ctx->r[0], from = ctx->r[1], tag = ctx->r[2];
	struct thread *t = thread_of_frame(ctx), *dest;

	if (unlikely(!send_receive(tag, full ? IPC_TYPE_FULL : IPC_TYPE_SHORT)))
		return !full && send_receive(tag, IPC_TYPE_FULL)
			       ? fast_ipc_full(ctx) /* out of the short way */
			       : NULL;
	/* receive from the destination (a call) or from anyone (a reply
	 * and wait): no second thread to look up and check */
	if (unlikely(from != to && from != IPC_ANY))
		return NULL;
#if CONFIG_NR_CPUS > 1
	if (unlikely(current_thread() != t))
		return NULL; /* stopped on the way in: syscall_entry knows */
#elif CONFIG_DEBUG_INVARIANTS_EVERY > 0
	BUG_ON(current_thread() != t, "ipc frame of another thread");
#endif
	dest = thread_by_tid(to);
	if (unlikely(!dest))
		return NULL;
	/* dest waits for t's answer to its call */
	bool answered = dest->partner == t;

	if (unlikely(!receiver_ready(dest, answered)))
		return !full && answered ? fast_fault_reply(t, dest, from)
					 : NULL;
	if (unlikely(!caller_ready(t, from == IPC_ANY)))
		return NULL;
	if (unlikely(!may_send(t, dest, answered)))
		return NULL; /* the general path answers -E_PERM */
	if (unlikely(!sched_handoff_allowed(t, dest)))
		return NULL;
	if (full && unlikely(!copy_words(t, dest, tag)))
		return NULL;
	/* checked: from here on it acts */
	sched_handoff_commit(t, dest);
	if (full)
		FASTPATH_COUNT(ipc_full);
	else
		FASTPATH_COUNT(ipc_short);
	deliver(t, dest, tag, answered);
	wait_for_reply(t, from == IPC_ANY ? NULL : dest);
	return switch_checked(dest); /* dest is not t */
}

static __attribute__((noinline)) struct user_context *
fast_ipc_full(struct user_context *ctx)
{
	return fast_ipc(ctx, true);
}

struct user_context *fastpath_ipc(struct user_context *ctx)
{
	return fast_ipc(ctx, false);
}

/* ---- faults ---------------------------------------------------------- */

/*
 * A fault and its answer are a call to the pager and its reply (ipc.c:
 * ipc_send_fault, fault_reply), and the general path hands the run-queue
 * place over for both as for any call whose partner waits. These two
 * take them the fast path's way, with the same rule: they run only where
 * the general path would end in exactly the state they leave.
 */

/* The pager's answer ends dest's fault wait: MR0 == 0, so dest retries
 * the instruction with its registers as they were (thread_unblock of a
 * faulting thread writes none). */
static inline void resume_faulted(struct thread *pager, struct thread *dest)
{
	dest->fault_pending = false;
	end_receive_wait(dest, pager); /* it waited for it by name */
}

/*
 * A short reply-and-wait (or call) from t to dest, which waits for t's
 * answer to its fault (fast_ipc's receiver_ready refused it for that):
 * with MR0 == 0 the fault is served and dest runs in t's place. Any other
 * answer ends dest (the general path prints why); a suspend waiting for
 * either, or senders queued for t's receive, go the general way.
 */
static __attribute__((noinline)) struct user_context *
fast_fault_reply(struct thread *t, struct thread *dest, uint32_t from)
{

	if (dest->state != THREAD_BLOCKED || dest->block != BLOCK_RECV ||
	    !dest->fault_pending || dest->suspend_pending || t->ctx.r[3] != 0)
		return NULL;
	if (!caller_ready(t, from == IPC_ANY) ||
	    !sched_handoff_allowed(t, dest))
		return NULL;
	/* checked: from here on it acts */
	sched_handoff_commit(t, dest);
	FASTPATH_COUNT(fault_reply);
	resume_faulted(t, dest);
	wait_for_reply(t, from == IPC_ANY ? NULL : dest);
	return switch_checked(dest);
}

/* The fault message (ipc_send_fault's, which fault_message keeps) in the
 * pager's receive registers, and the end of its wait, as transfer and
 * thread_handoff leave them. */
static inline void deliver_fault(struct thread *t, struct thread *pager)
{
	pager->ctx.r[0] = 0;
	pager->ctx.r[1] = t->tid;
	pager->ctx.r[2] = t->fault[0] & ~0xfu;
	for (unsigned i = 0; i < 4; i++)
		pager->ctx.r[3 + i] = t->fault[1 + i];
	/* it waited for t by name (partner t) or for anyone (NULL) */
	end_receive_wait(pager, pager->partner);
}

struct user_context *fastpath_fault(struct thread *t, unsigned cause,
				    uint32_t addr, uint32_t status)
{
	struct thread *pager = t->pager;

	if (!receiver_ready(pager, pager->partner == t) || t->slow_ipc ||
	    !sched_handoff_allowed(t, pager))
		return NULL;
	/* checked: from here on it acts */
	fault_message(t, cause, addr, status);
	sched_handoff_commit(t, pager);
	FASTPATH_COUNT(fault);
	deliver_fault(t, pager);
	wait_for_reply(t, pager);
	return switch_checked(pager);
}

#ifdef CONFIG_FASTPATH_STATS
struct fastpath_stats fastpath_stats;

void fastpath_report(void)
{
	const struct fastpath_stats *s = &fastpath_stats;

	printk("kernel: fast paths: ipc short %u, ipc full %u, fault %u, "
	       "fault reply %u, loans settled %u\n",
	       (unsigned)s->ipc_short, (unsigned)s->ipc_full,
	       (unsigned)s->fault, (unsigned)s->fault_reply,
	       (unsigned)s->loans_settled);
}
#endif

#endif /* CONFIG_IPC_FASTPATH */
