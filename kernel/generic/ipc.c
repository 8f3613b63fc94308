/*
 * Synchronous IPC. A send meets a receiver already waiting for it, or
 * queues in the receiver's send queue; a receive takes the first matching
 * queued sender, or waits. A call (send + receive from the same partner)
 * leaves the sender waiting for the reply. Short messages travel in r3-r6;
 * full messages also copy UTCB message registers, extended ones a buffer of
 * up to a page, both straight from the sender's pages to the receiver's
 * (copy_user_to_user: user memory is only touched by walking page tables,
 * and every page of both sides is checked before a byte moves). A failed
 * transfer ends both sides' calls with the error and leaves the receiver's
 * memory as it was; a partner that dies ends the wait with -E_DEAD.
 */
#include <stddef.h>
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/ipc.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <kernel/usched.h>
#include <tessera/errno.h>

_Static_assert(IPC_EXT_MAX <= COPY_USER_MAX &&
		       UTCB_MRS * sizeof(uint32_t) <= COPY_USER_MAX,
	       "a message fits one copy_user_to_user");

static uint32_t utcb_field(const struct thread *t, size_t offset)
{
	return t->utcb + (uint32_t)offset;
}

static int copy_full(struct thread *from, struct thread *to, uint32_t words)
{
	/* check_tag bounds the length; this keeps any path that got past it
	 * inside the receiver's message registers */
	if (words > UTCB_MRS)
		return -E_INVAL;
	if (!from->utcb || !to->utcb)
		return -E_FAULT;
	return copy_utcb_words(from->space,
			       utcb_field(from, offsetof(struct utcb, mr)),
			       to->space,
			       utcb_field(to, offsetof(struct utcb, mr)),
			       words);
}

static int copy_extended(struct thread *from, struct thread *to)
{
	uint32_t src[2], dst[2]; /* buffer, length/size */
	uint32_t len_at = utcb_field(to, offsetof(struct utcb, ext_recv_len));
	int err;

	if (!from->utcb || !to->utcb ||
	    copy_from_user(from->space, src,
			   utcb_field(from, offsetof(struct utcb, ext_send_buf)),
			   sizeof(src)) ||
	    copy_from_user(to->space, dst,
			   utcb_field(to, offsetof(struct utcb, ext_recv_buf)),
			   sizeof(dst)))
		return -E_FAULT;
	if (src[1] > IPC_EXT_MAX || src[1] > dst[1])
		return -E_INVAL;
	/* the length goes into the receiver's UTCB after the buffer: check
	 * it can before the buffer is written, so a fault changes nothing */
	if (!user_writable(to->space, len_at, sizeof(src[1])))
		return -E_FAULT;
	err = copy_user_to_user(from->space, src[0], to->space, dst[0], src[1]);
	if (err)
		return err;
	return copy_to_user(to->space, len_at, &src[1], sizeof(src[1]));
}

/*
 * Move one message from `from` to `to`; fills to's receive registers. `tag`
 * is the one check_tag passed when the message was sent: the caller's
 * argument, or send_tag for a queued sender. Never from->ctx.r[2]: a
 * queued sender's registers can be rewritten by exchange_registers while it
 * waits, and a length read back from them would size the copy unchecked.
 */
static int transfer(struct thread *from, struct thread *to, uint32_t tag)
{
	const uint32_t *msg = from->fault_pending ? &from->fault[1]
						  : &from->ctx.r[3];
	int err = 0;

	if ((tag & IPC_TYPE_MASK) == IPC_TYPE_FULL)
		err = copy_full(from, to, IPC_TAG_LENGTH(tag));
	else if ((tag & IPC_TYPE_MASK) == IPC_TYPE_EXT)
		err = copy_extended(from, to);
	if (err)
		return err;
	to->ctx.r[1] = from->tid;
	to->ctx.r[2] = tag & ~0xfu; /* flags are the sender's business */
	for (unsigned i = 0; i < 4; i++)
		to->ctx.r[3 + i] = msg[i];
	return 0;
}

/* t now waits to receive from `from` (NULL: anyone); `from` counts who
 * waits on it, so its end need not search every thread (thread.c). */
static void recv_from(struct thread *t, struct thread *from)
{
	t->partner = from;
	t->recv_any = from == NULL;
	if (from)
		from->recv_waiters++;
}

static bool waits_for(const struct thread *rcv, const struct thread *snd)
{
	return rcv->state == THREAD_BLOCKED && rcv->block == BLOCK_RECV &&
	       (rcv->recv_any || rcv->partner == snd);
}

/* After its message went through: a caller now waits for the reply. */
static void sender_done(struct thread *snd, struct thread *rcv, int err)
{
	if (snd->in_call && !err) {
		snd->state = THREAD_BLOCKED;
		snd->block = BLOCK_RECV;
		snd->in_call = false;
		recv_from(snd, rcv);
		return;
	}
	thread_unblock(snd, err); /* queued senders are always blocked */
}

/* A fault reply: MR0 == 0 resumes the thread, anything else ends it. */
static int fault_reply(struct thread *pager, struct thread *t)
{
	thread_unblock(t, pager->ctx.r[3] == 0 ? 0 : -E_FAULT);
	return 0;
}

static void wait_receive(struct thread *t, struct thread *from)
{
	thread_block(t, BLOCK_RECV);
	recv_from(t, from);
}

/* Take a matching queued sender, or wait. from == NULL: any sender. */
static int do_receive(struct thread *t, struct thread *from)
{
	struct thread *s = t->sendq.head;

	/* a scheduler's pager takes the kernel's messages first */
	if (!from && t->container->inbox && usched_receive(t))
		return 0;
	while (s && from && s != from)
		s = s->queue_next;
	if (!s) {
		wait_receive(t, from);
		return 0;
	}
	thread_list_remove(&t->sendq, s);
	int err = transfer(s, t, s->send_tag);
	sender_done(s, t, err);
	return err;
}

/*
 * A send that has to wait keeps its checked tag in send_tag: the message's
 * type and length are decided here, once, and transfer uses only that.
 * exchange_registers may still rewrite the waiting thread's registers;
 * MR0-MR3 are read when the message goes, so a rewrite changes what the
 * message says, never how much of it is copied. Refusing
 * exchange_registers on a thread blocked in ipc instead would be a rule
 * at a distance: it would have to cover every register the kernel reads
 * back in every blocked state, now and in whatever state is added later.
 * A tag kept with the message is right by construction, for one store on
 * the path that queues (the fast path never queues).
 */
static int do_send(struct thread *t, struct thread *dest, uint32_t tag,
		   struct thread *from)
{
	if (dest->fault_pending && dest->state == THREAD_BLOCKED &&
	    dest->block == BLOCK_RECV && dest->partner == t)
		return fault_reply(t, dest);
	if (waits_for(dest, t)) {
		int err = transfer(t, dest, tag);
		thread_unblock(dest, err);
		return err;
	}
	if (tag & IPC_NONBLOCK)
		return -E_BUSY;
	thread_block(t, BLOCK_SEND);
	t->partner = dest;
	t->in_call = (tag & IPC_RECV) && from == dest;
	t->send_tag = tag;
	thread_list_add(&dest->sendq, t);
	return 0;
}

static int check_tag(uint32_t tag)
{
	uint32_t type = tag & IPC_TYPE_MASK;

	if (type == IPC_TYPE_MASK || (tag & 0xc0u) ||
	    (type == IPC_TYPE_FULL && IPC_TAG_LENGTH(tag) > UTCB_MRS))
		return -E_INVAL;
	if (!(tag & (IPC_SEND | IPC_RECV)))
		return -E_INVAL;
	return 0;
}

/* An ipc peer: a live thread, never the caller. */
static struct thread *peer(struct thread *t, uint32_t tid, int *err)
{
	struct thread *p = tid ? thread_target(t, tid, 0, 0, err) : NULL;

	if (!tid)
		*err = -E_NOENT; /* 0 names no partner in ipc */
	if (p == t) {
		*err = -E_INVAL;
		return NULL;
	}
	return p;
}

/*
 * Sending needs an ipc capability on the destination, except to a thread
 * that waits to receive from the sender by name: a caller waiting for its
 * reply, or a thread waiting for its pager's answer to a fault. Receiving
 * needs none: nothing arrives that its sender had no right to send.
 */
static bool may_send(const struct thread *t, const struct thread *dest)
{
	if (dest->state == THREAD_BLOCKED && dest->block == BLOCK_RECV &&
	    dest->partner == t)
		return true;
	return cap_allows(t, CAP_RES_IPC, CAP_OP_IPC_SEND, dest);
}

/*
 * The common case of a call or a reply-and-wait: the destination already
 * waits for us and nothing is queued for us to receive, so the message
 * goes straight across and the destination runs in our place (no run
 * queue walk). Anything else takes the general path below.
 */
static bool ipc_fastpath(struct thread *t, struct thread *dest,
			 struct thread *from, uint32_t tag, int *err)
{
	if ((tag & IPC_CALL) != IPC_CALL || !waits_for(dest, t) ||
	    dest->suspend_pending || t->suspend_pending || t->sendq.head ||
	    t->fault_pending)
		return false;
	if (dest->fault_pending) {
		/* the answer to its fault (fault_reply): MR0 == 0 resumes it
		 * in t's place; any other ends it, the long way */
		if (dest->partner != t || t->ctx.r[3] != 0)
			return false;
		thread_handoff_retry(t, BLOCK_RECV, dest);
		recv_from(t, from);
		*err = 0;
		return true;
	}
	if ((*err = transfer(t, dest, tag)) != 0)
		return false; /* the general path reports it to both sides */
	thread_handoff(t, BLOCK_RECV, dest, 0);
	recv_from(t, from);
	return true;
}

/*
 * Whether the thread `from` (id tid) the caller is about to receive from
 * is still alive after the caller's send. A send that refuses a fault
 * ends the faulting thread (fault_reply), and with it the threads it
 * pages, which may be freed at once: `from` may be any of them. Its wait
 * then ends as a partner's death ends one, with -E_DEAD; looked up again
 * by id, as a freed thread is not read.
 */
static bool still_alive(const struct thread *from, uint32_t tid)
{
	return thread_by_tid(tid) == from && from->state != THREAD_ZOMBIE;
}

int sys_ipc(struct user_context *ctx)
{
	struct thread *t = current_thread(), *dest = NULL, *from = NULL;
	uint32_t tag = ctx_arg(ctx, 2);
	int err = check_tag(tag);

	if (err)
		return err;
	if ((tag & IPC_SEND) && !(dest = peer(t, ctx_arg(ctx, 0), &err)))
		return err;
	if (dest && !may_send(t, dest))
		return -E_PERM;
	if ((tag & IPC_RECV) && ctx_arg(ctx, 1) != IPC_ANY &&
	    !(from = peer(t, ctx_arg(ctx, 1), &err)))
		return err;
	if (dest && ipc_fastpath(t, dest, from, tag, &err))
		return err;
	if (tag & IPC_SEND) {
		err = do_send(t, dest, tag, from);
		if (err || t->state != THREAD_RUNNABLE || !(tag & IPC_RECV))
			return err;
		if (from && !still_alive(from, ctx_arg(ctx, 1)))
			return -E_DEAD;
	}
	return do_receive(t, from);
}

void fault_message(struct thread *t, uint32_t cause, uint32_t addr,
		   uint32_t status)
{
	t->fault[0] = IPC_TAG(IPC_LABEL_FAULT, 0, IPC_TYPE_SHORT, IPC_CALL);
	t->fault[1] = cause;
	t->fault[2] = addr;
	t->fault[3] = t->ctx.pc;
	t->fault[4] = status;
	t->fault_pending = true;
}

/*
 * A fault is a call to the pager: one waiting for it runs in t's place
 * (as a call's destination does, ipc_fastpath), unless a suspend or a
 * fault of its own waits on it, which thread_unblock deals with.
 */
void ipc_send_fault(struct thread *t, uint32_t cause, uint32_t addr,
		    uint32_t status)
{
	struct thread *pager = t->pager;

	fault_message(t, cause, addr, status);
	if (waits_for(pager, t)) {
		transfer(t, pager, t->fault[0]);
		if (!pager->slow_ipc) {
			thread_handoff(t, BLOCK_RECV, pager, 0);
		} else {
			thread_unblock(pager, 0);
			thread_block(t, BLOCK_RECV);
		}
		recv_from(t, pager);
		return;
	}
	thread_block(t, BLOCK_SEND);
	t->partner = pager;
	t->in_call = true;
	t->send_tag = t->fault[0];
	thread_list_add(&pager->sendq, t);
}
