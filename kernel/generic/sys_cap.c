/*
 * cap_control: count, read, share, grant, split, replicate, deduce and
 * destroy capabilities. Every operation needs a cap_control capability for
 * it on the caller; a capability the caller cannot use is -E_NOENT (ids
 * cannot be guessed into existence), one it may use but does not manage
 * (see cap_managed) or whose CAP_F_* flag is missing is -E_PERM.
 * Capabilities never leave their container.
 */
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/invariants.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <tessera/errno.h>
#include <tessera/syscall.h>

/* What each cap_control operation needs (index: CAP_CTRL_*). */
static const uint32_t needed_op[] = {
	[CAP_CTRL_COUNT] = CAP_OP_CAP_READ,
	[CAP_CTRL_READ] = CAP_OP_CAP_READ,
	[CAP_CTRL_SHARE] = CAP_OP_CAP_SHARE,
	[CAP_CTRL_GRANT] = CAP_OP_CAP_GRANT,
	[CAP_CTRL_SPLIT] = CAP_OP_CAP_SPLIT,
	[CAP_CTRL_REPLICATE] = CAP_OP_CAP_REPLICATE,
	[CAP_CTRL_DEDUCE] = CAP_OP_CAP_DEDUCE,
	[CAP_CTRL_DESTROY] = CAP_OP_CAP_DESTROY,
};
static const uint32_t needed_flag[] = {
	[CAP_CTRL_SHARE] = CAP_F_SHARE,	      [CAP_CTRL_GRANT] = CAP_F_GRANT,
	[CAP_CTRL_SPLIT] = CAP_F_SPLIT,	      [CAP_CTRL_REPLICATE] = CAP_F_REPLICATE,
	[CAP_CTRL_DEDUCE] = CAP_F_DEDUCE,     [CAP_CTRL_DESTROY] = CAP_F_DESTROY,
};

static bool is_leader(const struct thread *t)
{
	return t->tgid == t->tid;
}

/*
 * A thread manages (may move, split, change or destroy) what is on its
 * own list, on the list it shares with the threads it pages, on its group's
 * list if it leads the group, and on its container's list if it is the
 * container's pager. What it merely uses through others it cannot take.
 */
static bool cap_managed(const struct thread *t, const struct cap *c)
{
	struct thread *self = (struct thread *)t;

	return c->list == &self->caps || c->list == &self->paged_caps ||
	       (is_leader(t) && c->list == &self->group_caps) ||
	       (t == t->container->pager && c->list == &t->container->caps);
}

static void cap_info_fill(const struct cap *c, struct cap_info *i)
{
	i->id = c->id;
	i->resource = c->resource;
	i->ops = c->ops;
	i->flags = c->flags;
	i->target_kind = c->target_kind;
	i->target = c->target;
	i->base = c->base;
	i->size = c->size;
	i->used = c->used;
	i->list = c->list->kind;
	i->holder = c->list->holder;
	i->irq = c->irq;
}

struct read_state {
	struct thread *t;
	uint32_t buf, max, done;
};

static bool read_one(const struct cap *c, const void *arg)
{
	struct read_state *r = (struct read_state *)arg;
	struct cap_info info;

	if (r->done == r->max)
		return true;
	cap_info_fill(c, &info);
	copy_to_user(r->t->space, r->buf + r->done * sizeof(info), &info,
		     sizeof(info));
	r->done++;
	return false;
}

static int cap_read(struct thread *t, uint32_t buf, uint32_t max)
{
	struct read_state r = {t, buf, max, 0};

	if (max > 4096 || !user_writable(t->space, buf, max * sizeof(struct cap_info)))
		return -E_FAULT;
	cap_for_each(t, read_one, &r);
	return (int)r.done;
}

static struct cap_list *share_list(struct thread *t, uint32_t scope, int *err)
{
	struct thread *leader = thread_by_tid(t->tgid);

	*err = -E_INVAL;
	switch (scope) {
	case CAP_SHARE_PAGED:
		return &t->paged_caps;
	case CAP_SHARE_SIBLINGS: /* under the common pager; never across */
		if (!t->pager || t->pager->container != t->container)
			return NULL;
		return &t->pager->paged_caps;
	case CAP_SHARE_GROUP:
		if (!leader || leader->container != t->container ||
		    leader->state == THREAD_ZOMBIE)
			return NULL;
		return &leader->group_caps;
	case CAP_SHARE_CONTAINER:
		return &t->container->caps;
	default:
		return NULL;
	}
}

static void cap_move(struct cap *c, struct cap_list *to)
{
	cap_list_remove(c);
	cap_list_add(to, c);
}

/*
 * A new capability like c on t's own list, paid with one unit of `payer`,
 * a CAPS budget t can use that the caller found with room (so the charge
 * cannot fail). NULL when out of kernel memory, with nothing charged.
 */
static struct cap *cap_clone(struct thread *t, const struct cap *c,
			     struct cap *payer)
{
	struct cap *n = cap_alloc(c->container);
	bool charged;

	if (!n)
		return NULL;
	charged = cap_charge_to(payer, 1);
	BUG_ON(!charged, "a capability's payer had no room after all");
	n->charged_to = payer;
	n->resource = c->resource;
	n->ops = c->ops;
	n->flags = c->flags;
	n->target_kind = c->target_kind;
	n->target = c->target;
	n->target_container = c->target_container;
	n->base = c->base;
	n->size = c->size;
	n->irq = c->irq;
	cap_list_add(&t->caps, n);
	return n;
}

/*
 * Check the amount and find the CAPS budget that pays for the new part,
 * then split: the new part goes to t's list. The payer is found as the
 * budgets will be after the split: when c is itself a CAPS budget t can
 * use, the units split off are not there to pay with, so splitting off
 * every free unit of the only CAPS budget is -E_BUDGET. (Charging c after
 * taking its free units would leave it with used > size, and its room,
 * size - used, would wrap round to almost 2^32.) Each unit then has one
 * owner: the new part's units are its own, the part is paid by the payer.
 */
static int cap_split(struct thread *t, struct cap *c, uint32_t amount)
{
	uint32_t kind = cap_kind(c);
	struct cap *n, *payer;

	if (amount == 0)
		return -E_INVAL;
	if (kind == CAP_KIND_QUANTITY && amount > cap_room(c))
		return -E_INVAL; /* only units not in use can go */
	if (kind == CAP_KIND_MEMORY &&
	    (!IS_ALIGNED(amount, PAGE_SIZE) || amount >= c->size))
		return -E_INVAL; /* both parts keep at least a page */
	if (kind == CAP_KIND_OPERATION &&
	    ((amount & ~c->ops) || amount == c->ops))
		return -E_INVAL; /* both parts keep at least one operation */
	if (!(payer = cap_find_room(t, CAP_RES_CAPS, 1, c,
				    kind == CAP_KIND_QUANTITY ? amount : 0)))
		return -E_BUDGET;
	if (!(n = cap_clone(t, c, payer)))
		return -E_BUDGET;
	n->origin = c;
	c->nr_split++;
	if (kind == CAP_KIND_OPERATION) {
		n->ops = amount;
		c->ops &= ~amount;
	} else { /* the new one takes the top `amount` */
		n->size = amount;
		c->size -= amount;
		if (kind == CAP_KIND_MEMORY)
			n->base = c->base + c->size;
	}
	BUG_ON(kind == CAP_KIND_QUANTITY && c->used > c->size,
	       "a split took units in use");
	return (int)n->id;
}

/* Is the narrower target (kind, target) inside c's target? */
static bool target_within(const struct cap *c, uint32_t kind, uint32_t target)
{
	struct thread *x = thread_by_tid(target);

	if (kind == c->target_kind && target == c->target)
		return true;
	if (kind == CAP_TGT_CONTAINER || kind < CAP_TGT_CONTAINER ||
	    kind > CAP_TGT_THREAD || !x || x->state == THREAD_ZOMBIE)
		return false;
	if (!cap_target_matches(c, x))
		return false;
	/* x lies in c's target; a group or paged set around x must too */
	switch (c->target_kind) {
	case CAP_TGT_CONTAINER:
		return true;
	case CAP_TGT_GROUP:
	case CAP_TGT_PAGED:
		return kind == CAP_TGT_THREAD;
	default:
		return false;
	}
}

static int cap_deduce(struct cap *c, const struct user_context *ctx)
{
	uint32_t ops = ctx_arg(ctx, 2), flags = ctx_arg(ctx, 3);
	uint32_t kind = ctx_arg(ctx, 4), target = ctx_arg(ctx, 5);

	if ((ops & ~c->ops) || (flags & ~c->flags))
		return -E_PERM; /* widening */
	if (kind && cap_kind(c) != CAP_KIND_OPERATION)
		return -E_INVAL;
	if (kind && !target_within(c, kind, target))
		return -E_PERM;
	c->ops = ops;
	c->flags = flags;
	if (kind) {
		c->target_kind = kind;
		c->target = target;
	}
	return 0;
}

/*
 * A budget split off another gives its units back to it, so splitting a
 * budget for a child and destroying the part when the child is gone
 * leaves the accounting where it started. Memory goes back if it still
 * adjoins its origin (it then gets the origin's access, never more than
 * the origin's holder had before the split). Operation bits are not merged
 * back: that could undo a deduce of the origin.
 */
static int cap_destroy(struct cap *c)
{
	if ((cap_kind(c) == CAP_KIND_QUANTITY && c->used) || c->nr_split)
		return -E_BUSY;
	if (c->origin) {
		c->origin->nr_split--;
		if (cap_kind(c) == CAP_KIND_QUANTITY ||
		    (cap_kind(c) == CAP_KIND_MEMORY &&
		     c->origin->base + c->origin->size == c->base))
			c->origin->size += c->size;
	}
#if CONFIG_DEBUG_INVARIANTS_EVERY > 0
	invariants_budget_dropped(c); /* a whole budget leaves its total */
#endif
	cap_list_remove(c);
	cap_refund(c->charged_to, 1);
	kmem_free(c);
	return 0;
}

static int cap_grant(struct thread *t, struct cap *c, uint32_t tid)
{
	int err;
	struct thread *x = tid ? thread_target(t, tid, 0, 0, &err) : NULL;

	if (!tid)
		return -E_NOENT;
	if (!x)
		return err;
	if (x->container != t->container)
		return -E_PERM;
	cap_move(c, &x->caps);
	return 0;
}

static int cap_on(struct thread *t, uint32_t op, struct cap *c,
		  const struct user_context *ctx)
{
	int err;
	struct cap_list *to;

	switch (op) {
	case CAP_CTRL_SHARE:
		if (c->list != &t->caps)
			return -E_PERM; /* only what it holds itself */
		if (!(to = share_list(t, ctx_arg(ctx, 2), &err)))
			return err;
		cap_move(c, to);
		return 0;
	case CAP_CTRL_GRANT:
		return cap_grant(t, c, ctx_arg(ctx, 2));
	case CAP_CTRL_SPLIT:
		return cap_split(t, c, ctx_arg(ctx, 2));
	case CAP_CTRL_REPLICATE: {
		struct cap *n, *payer;
		if (cap_kind(c) != CAP_KIND_OPERATION)
			return -E_INVAL; /* budgets and memory cannot double */
		if (!(payer = cap_find_room(t, CAP_RES_CAPS, 1, NULL, 0)))
			return -E_BUDGET;
		return (n = cap_clone(t, c, payer)) ? (int)n->id : -E_BUDGET;
	}
	case CAP_CTRL_DEDUCE:
		return cap_deduce(c, ctx);
	default:
		return cap_destroy(c);
	}
}

int sys_cap_control(struct user_context *ctx)
{
	struct thread *t = current_thread();
	uint32_t op = ctx_arg(ctx, 0);
	struct cap *c;

	if (op < CAP_CTRL_COUNT || op > CAP_CTRL_DESTROY)
		return -E_INVAL;
	if (!cap_allows(t, CAP_RES_CAPCTRL, needed_op[op], t))
		return -E_PERM;
	if (op == CAP_CTRL_COUNT)
		return (int)cap_count(t);
	if (op == CAP_CTRL_READ)
		return cap_read(t, ctx_arg(ctx, 1), ctx_arg(ctx, 2));
	if (!(c = cap_find(t, ctx_arg(ctx, 1))))
		return -E_NOENT;
	if (!cap_managed(t, c) || !(c->flags & needed_flag[op]))
		return -E_PERM;
	return cap_on(t, op, c, ctx);
}
