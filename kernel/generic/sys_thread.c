/*
 * thread_control and exchange_registers: decode and check every argument,
 * check the caller's operation capability on the target, then act. Exit,
 * yield, wait and destroy-children act on the caller and its own children
 * and need none.
 */
#include <kernel/container.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <kernel/usched.h>
#include <tessera/errno.h>

/* New and copied spaces are paid from t's SPACES budget. */
static struct space *creation_space(struct thread *t, struct thread *src,
				    uint32_t flags)
{
	switch (flags & TC_SPACE_MASK) {
	case TC_SAME_SPACE:
		space_get(src->space);
		return src->space;
	case TC_NEW_SPACE:
		return space_create(t);
	default:
		return space_copy(src->space, t);
	}
}

static const uint32_t tc_needed_op[] = {
	[TC_RUN] = CAP_OP_TC_RUN,	  [TC_SUSPEND] = CAP_OP_TC_SUSPEND,
	[TC_RESUME] = CAP_OP_TC_RESUME,	  [TC_DESTROY] = CAP_OP_TC_DESTROY,
	[TC_RECYCLE] = CAP_OP_TC_RECYCLE, [TC_CPUS] = CAP_OP_TC_CPUS,
};

static int check_create_flags(uint32_t flags)
{
	uint32_t space = flags & TC_SPACE_MASK;

	if (flags & ~(TC_SPACE_MASK | TC_AS_PAGER | TC_SHARE_PAGER))
		return -E_INVAL;
	if (space != TC_SAME_SPACE && space != TC_NEW_SPACE &&
	    space != TC_COPY_SPACE)
		return -E_INVAL;
	if ((flags & TC_AS_PAGER) && (flags & TC_SHARE_PAGER))
		return -E_INVAL;
	return 0;
}

static int tc_create(struct thread *t, struct user_context *ctx)
{
	uint32_t flags = ctx_arg(ctx, 2), tgid = ctx_arg(ctx, 3);
	int err = check_create_flags(flags);
	struct thread *src;

	if (err || !(src = thread_target(t, ctx_arg(ctx, 1), CAP_RES_TCTRL,
					 CAP_OP_TC_CREATE, &err)))
		return err;
	if (src->container != t->container)
		return -E_PERM; /* a thread lives in its creator's container */
	struct thread *pager = (flags & TC_AS_PAGER)	  ? t
			       : (flags & TC_SHARE_PAGER) ? t->pager
							  : NULL;
	if ((flags & TC_AS_PAGER) &&
	    thread_pager_depth(t) + 1 > THREAD_MAX_PAGER_DEPTH)
		return -E_BUDGET; /* pager chains are bounded */
	struct space *s = creation_space(t, src, flags);
	if (!s)
		return -E_BUDGET;
	struct thread *n = thread_create(t, t->container, s, pager,
					 ctx_arg(ctx, 4), ctx_arg(ctx, 5),
					 t->sched.priority, &err);
	space_put(s); /* the new thread holds its own reference */
	if (!n)
		return err;
	/* a clone in the same space joins the group it names, if it is src's */
	if ((flags & TC_SPACE_MASK) == TC_SAME_SPACE && tgid == src->tgid)
		n->tgid = tgid;
	sched_child_created(t, n);
	return (int)n->tid;
}

static int tc_wait(struct thread *t, uint32_t tid)
{
	int code;
	uint32_t reaped;
	int err = thread_reap(t, tid, &code, &reaped);

	if (err == -E_BUSY) { /* children exist, none ended yet: wait */
		thread_block(t, BLOCK_WAIT);
		t->partner = tid ? thread_by_tid(tid) : NULL;
		return 0;
	}
	if (err)
		return err;
	t->ctx.r[1] = reaped;
	return code;
}

/* The cores x may run on: a non-zero subset of its container's with one
 * of them online; x moves off a core it may no longer use. */
static int tc_cpus(struct thread *x, struct user_context *ctx)
{
	uint32_t mask = ctx_arg(ctx, 2);

	if (mask) {
		if (mask & ~x->container->cpu_mask)
			return -E_INVAL;
		unsigned cpu = sched_cpu_for(mask, x->cpu);
		if (cpu == CPU_NONE)
			return -E_INVAL; /* none of them is online */
		thread_quiesce(x);
		x->cpu_mask = mask;
		sched_move(x, cpu);
	}
	ctx_set_result(ctx, 1, x->cpu_mask);
	ctx_set_result(ctx, 2, x->cpu);
	return 0;
}

static int tc_on_target(struct thread *t, uint32_t op, struct thread *x,
			struct user_context *ctx)
{
	switch (op) {
	case TC_RUN:
		if (x->state != THREAD_INACTIVE || x->usched)
			return -E_BUSY;
		if (x->container->scheduler)
			return usched_start(t, x, (int32_t)ctx_arg(ctx, 2));
		thread_start(x);
		return 0;
	case TC_SUSPEND:
		thread_suspend(x);
		return 0;
	case TC_RESUME:
		return thread_resume(x);
	case TC_DESTROY:
		thread_end(x, (int)ctx_arg(ctx, 2));
		return 0;
	case TC_RECYCLE:
		return x == t ? -E_BUSY : thread_recycle(x);
	case TC_CPUS:
		return tc_cpus(x, ctx);
	default:
		return -E_INVAL;
	}
}

int sys_thread_control(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t op = ctx_arg(ctx, 0);
	int err;

	switch (op) {
	case TC_CREATE:
		return tc_create(t, ctx);
	case TC_EXIT:
		thread_end(t, (int)ctx_arg(ctx, 1));
		return 0;
	case TC_YIELD:
		sched_yield();
		return 0;
	case TC_DESTROY_CHILDREN:
		return (int)thread_destroy_children(t, (int)ctx_arg(ctx, 2));
	case TC_WAIT:
		if (ctx_arg(ctx, 1) == t->tid)
			return -E_INVAL;
		return tc_wait(t, ctx_arg(ctx, 1));
	case TC_RUN:
	case TC_SUSPEND:
	case TC_RESUME:
	case TC_DESTROY:
	case TC_RECYCLE:
	case TC_CPUS:
		if (!(x = thread_target(t, ctx_arg(ctx, 1), CAP_RES_TCTRL,
					tc_needed_op[op], &err)))
			return err;
		return tc_on_target(t, op, x, ctx);
	default:
		return -E_INVAL;
	}
}

static int exregs_check(struct thread *t, struct thread *x, uint32_t flags,
			const struct exregs *r)
{
	if (flags & ~EXREGS_VALID_MASK)
		return -E_INVAL;
	if ((flags & (EXREGS_VALID_MASK & ~EXREGS_GET)) && x == t)
		return -E_BUSY; /* its own registers are live in this call */
	if (flags & EXREGS_SET_UTCB) {
		if (!IS_ALIGNED(r->utcb, UTCB_SIZE) || r->utcb >= USER_VA_END)
			return -E_INVAL;
	}
	if ((flags & EXREGS_SET_PAGER) && x->nr_paged)
		return -E_BUSY; /* only a thread that pages nothing moves */
	if (flags & EXREGS_SET_PAGER && r->pager) {
		struct thread *p = thread_by_tid(r->pager);
		if (!p || p->state == THREAD_ZOMBIE)
			return -E_NOENT;
		if (p == x || p->container != x->container)
			return -E_INVAL; /* pagers never cross containers */
		if (thread_pager_depth(p) + 1 > THREAD_MAX_PAGER_DEPTH)
			return -E_BUDGET; /* pager chains are bounded */
	}

	return 0;
}

static void exregs_apply(struct thread *x, uint32_t flags,
			 const struct exregs *r)
{
	if (flags & EXREGS_SET_REGS)
		for (unsigned i = 0; i < 13; i++)
			x->ctx.r[i] = r->r[i];
	if (flags & EXREGS_SET_SP)
		x->ctx.sp = r->sp;
	if (flags & EXREGS_SET_LR)
		x->ctx.lr = r->lr;
	if (flags & EXREGS_SET_PC)
		x->ctx.pc = r->pc;
	if (flags & EXREGS_SET_UTCB)
		x->utcb = r->utcb;
	if (flags & EXREGS_SET_PAGER)
		thread_set_pager(x, r->pager ? thread_by_tid(r->pager) : NULL);
}

static void exregs_read(const struct thread *x, struct exregs *r)
{
	for (unsigned i = 0; i < 13; i++)
		r->r[i] = x->ctx.r[i];
	r->sp = x->ctx.sp;
	r->lr = x->ctx.lr;
	r->pc = x->ctx.pc;
	r->cpsr = x->ctx.cpsr;
	r->pager = x->pager ? x->pager->tid : 0;
	r->utcb = x->utcb;
}

int sys_exchange_registers(struct user_context *ctx)
{
	struct thread *t = current_thread(), *x;
	uint32_t flags = ctx_arg(ctx, 1), uptr = ctx_arg(ctx, 2);
	struct exregs r;
	int err;

	if (flags & ~EXREGS_VALID_MASK)
		return -E_INVAL;
	if (!(x = thread_target(t, ctx_arg(ctx, 0), CAP_RES_EXREGS,
				(flags & EXREGS_GET ? CAP_OP_EXREGS_READ : 0) |
					(flags & ~EXREGS_GET ? CAP_OP_EXREGS_WRITE : 0),
				&err)))
		return err;
	if (copy_from_user(t->space, &r, uptr, sizeof(r)) != 0)
		return -E_FAULT;
	thread_quiesce(x); /* its registers are in x->ctx from here */
	if ((err = exregs_check(t, x, flags, &r)))
		return err;
	/* check the write-back before changing anything */
	if ((flags & EXREGS_GET) &&
	    copy_to_user(t->space, uptr, &r, sizeof(r)) != 0)
		return -E_FAULT;
	exregs_apply(x, flags, &r);
	if (flags & EXREGS_GET) {
		exregs_read(x, &r);
		copy_to_user(t->space, uptr, &r, sizeof(r));
	}
	return 0;
}
