/*
 * Capability lookup, checks and budgets. A thread can use the capabilities
 * on five lists, searched in this order: its own, the ones it shares with
 * the threads it pages, its thread group's (through the group leader), its
 * pager's shared list, and its container's. Lists are short (a container
 * starts with a few dozen capabilities), so a walk is cheap and simple.
 */
#include <boot/bootinfo.h>
#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/thread.h>
#include <tessera/syscall.h>

#define MAX_VISIBLE_LISTS 5

static uint32_t next_cap_id = 1;
/* Bumped whenever a capability moved, changed or went, or a pager
 * changed (cap.h): cached cap_allows() answers, the fast path's cached
 * ipc decision and the cached budget and memory lookups (res_cache
 * below) are good while the epoch they were taken in lasts. */
uint32_t cap_epoch = 1;

void cap_changed(void)
{
	cap_epoch++;
}

static struct thread *group_leader(const struct thread *t)
{
	struct thread *l = thread_by_tid(t->tgid);

	if (!l || l->container != t->container || l->state == THREAD_ZOMBIE)
		return NULL;
	return l;
}

static unsigned visible_lists(const struct thread *t, struct cap_list **out)
{
	struct thread *self = (struct thread *)t, *leader = group_leader(t);
	unsigned n = 0;

	out[n++] = &self->caps;
	out[n++] = &self->paged_caps;
	if (leader)
		out[n++] = &leader->group_caps;
	if (t->pager && t->pager->state != THREAD_ZOMBIE)
		out[n++] = &t->pager->paged_caps;
	out[n++] = &t->container->caps;
	return n;
}

/* Walk every capability t can use; stop at the first match(c, arg).
 * Never inlined: cap_allows' cached answer keeps its short prologue. */
static __attribute__((noinline)) struct cap *cap_search(const struct thread *t,
			      bool (*match)(const struct cap *, const void *),
			      const void *arg)
{
	struct cap_list *lists[MAX_VISIBLE_LISTS];
	unsigned n = visible_lists(t, lists);

	for (unsigned i = 0; i < n; i++)
		for (struct cap *c = lists[i]->head; c; c = c->next)
			if (match(c, arg))
				return c;
	return NULL;
}

/*
 * A thread's lookup cache for a quantity or memory resource: one slot per
 * resource, all forgotten when the epoch moved on since they were filled
 * (a capability added to or removed from any list, a pager changed), so a
 * slot never names a capability that went or one t no longer sees. NULL
 * for a resource of another kind. What a slot holds:
 *  - budgets: the first capability of that resource in t's search order,
 *    whatever its room; so a budget it has room in is what cap_search
 *    finds too (every capability before it is of another resource);
 *  - memory: the last capability that covered a query of t's.
 */
static inline void res_cache_forget(struct thread *t)
{
	for (unsigned i = 0; i < CAP_RES_CACHE_SLOTS; i++)
		t->cap_res_hit[i] = NULL;
	t->cap_res_epoch = cap_epoch;
}

static inline struct cap **res_cache(const struct thread *t, uint32_t res)
{
	struct thread *self = (struct thread *)t;
	uint32_t slot;

	if (res - CAP_RES_THREADS <= CAP_RES_IRQS - CAP_RES_THREADS)
		slot = res - CAP_RES_THREADS;
	else if (res - CAP_RES_PHYSMEM <= CAP_RES_DEVMEM - CAP_RES_PHYSMEM)
		slot = CAP_RES_MEM_SLOT(res);
	else
		return NULL;
	if (self->cap_res_epoch != cap_epoch)
		res_cache_forget(self);
	return &self->cap_res_hit[slot];
}

_Static_assert(CAP_RES_MEM_SLOT(CAP_RES_DEVMEM) + 1 == CAP_RES_CACHE_SLOTS,
	       "one cache slot per quantity and memory resource");

void cap_list_add(struct cap_list *l, struct cap *c)
{
	cap_epoch++;
	c->list = l;
	c->next = l->head;
	l->head = c;
}

void cap_list_remove(struct cap *c)
{
	struct cap **p = &c->list->head;

	cap_epoch++;
	while (*p != c)
		p = &(*p)->next;
	*p = c->next;
	c->next = NULL;
	c->list = NULL;
}

struct cap *cap_alloc(struct container *owner)
{
	struct cap *c = kmem_alloc(sizeof(*c));

	if (c) {
		c->container = owner;
		c->id = next_cap_id++;
		c->irq = CAP_NO_IRQ;
	}
	return c;
}

int cap_create_boot(struct container *owner, struct cap_list *list,
		    const struct bootinfo_cap *d)
{
	struct cap *c = cap_alloc(owner);

	if (!c)
		return -E_BUDGET;
	c->resource = d->resource;
	c->ops = d->ops;
	c->flags = d->flags;
	c->target_kind = d->target_kind;
	c->target = d->target;
	c->target_container = d->target_kind == CAP_TGT_CONTAINER ? d->target
								  : owner->id;
	c->base = d->base;
	c->size = d->size;
	c->irq = d->irq;
	cap_list_add(list, c);
	return 0;
}

/* ---- operation capabilities ------------------------------------------ */

bool cap_target_matches(const struct cap *c, const struct thread *x)
{
	/* a narrower target lies in the container it was narrowed from */
	if (x->container->id != c->target_container)
		return false;
	switch (c->target_kind) {
	case CAP_TGT_CONTAINER:
		return true;
	case CAP_TGT_GROUP:
		return x->tgid == c->target;
	case CAP_TGT_PAGED:
		return x->tid == c->target ||
		       (x->pager && x->pager->tid == c->target);
	case CAP_TGT_THREAD:
		return x->tid == c->target;
	default:
		return false;
	}
}

struct op_query {
	uint32_t res, ops;
	const struct thread *x;
};

static bool match_op(const struct cap *c, const void *arg)
{
	const struct op_query *q = arg;

	return c->resource == q->res && (c->ops & q->ops) == q->ops &&
	       cap_target_matches(c, q->x);
}

/* The last operation capability that answered yes for t is tried first:
 * a thread tends to ask the same thing of the same partner again. */
bool cap_allows(const struct thread *t, uint32_t res, uint32_t ops,
		const struct thread *x)
{
	struct thread *self = (struct thread *)t;
	struct op_query q = {res, ops, x};
	struct cap *c = self->cap_hit;

	if (c && self->cap_hit_epoch == cap_epoch && match_op(c, &q))
		return true;
	if (!(c = cap_search(t, match_op, &q)))
		return false;
	self->cap_hit = c;
	self->cap_hit_epoch = cap_epoch;
	return true;
}

/* ---- memory capabilities ---------------------------------------------- */

struct mem_query {
	uint32_t res, base, size, access;
};

static bool match_mem(const struct cap *c, const void *arg)
{
	const struct mem_query *q = arg;

	return c->resource == q->res && q->base >= c->base &&
	       q->size <= c->size && q->base - c->base <= c->size - q->size &&
	       (c->ops & q->access) == q->access;
}

/* The capability that answered last is tried first: a pager maps and
 * unmaps within the same region again and again. Only whether one covers
 * matters, so any that does answers as the search would. */
static __attribute__((noinline)) bool
covers_search(const struct thread *t, struct cap **hit, uint32_t res,
	      uint32_t base, uint32_t size, uint32_t access)
{
	struct mem_query q = {res, base, size, access};
	struct cap *c = cap_search(t, match_mem, &q);

	if (c && hit)
		*hit = c;
	return c != NULL;
}

bool cap_covers(const struct thread *t, uint32_t res, uint32_t base,
		uint32_t size, uint32_t access)
{
	struct cap **hit, *c;

	if (!size)
		return false;
	hit = res_cache(t, res);
	/* match_mem on the cached one, without a query on the stack */
	if (hit && (c = *hit) && c->resource == res && base >= c->base &&
	    size <= c->size && base - c->base <= c->size - size &&
	    (c->ops & access) == access)
		return true;
	return covers_search(t, hit, res, base, size, access);
}

static bool match_irq(const struct cap *c, const void *arg)
{
	return c->resource == CAP_RES_DEVMEM && c->irq == *(const uint32_t *)arg;
}

bool cap_holds_irq(const struct thread *t, uint32_t irq)
{
	return cap_search(t, match_irq, &irq) != NULL;
}

/* ---- budgets ----------------------------------------------------------- */

/*
 * Every charge checks the room first and every split takes only free
 * units, so used never exceeds size and this never wraps; the assert
 * keeps it that way.
 */
uint32_t cap_room(const struct cap *budget)
{
	BUG_ON(budget->used > budget->size, "a budget charged beyond its size");
	return budget->size - budget->used;
}

struct quantity_query {
	uint32_t res, n;
	const struct cap *shrinking; /* a budget about to give up ... */
	uint32_t by;		     /* ... this many free units */
};

static bool match_room(const struct cap *c, const void *arg)
{
	const struct quantity_query *q = arg;
	uint32_t room;

	if (c->resource != q->res)
		return false;
	room = cap_room(c);
	if (c == q->shrinking)
		room = room >= q->by ? room - q->by : 0;
	return room >= q->n;
}

/* Keep the container's totals: the summary's peak counts every budget of
 * the container, split-off parts included. */
static void account(struct cap *budget, uint32_t n, bool charge)
{
	struct container *c = budget->container;
	uint32_t r = budget->resource - CAP_RES_THREADS;

	if (r >= CONTAINER_BUDGETS)
		return;
	if (!charge) {
		c->budget_used[r] -= n;
	} else if ((c->budget_used[r] += n) > c->budget_peak[r]) {
		c->budget_peak[r] = c->budget_used[r];
	}
}

/* cap_search(t, match_room, q), with the resource compared inline; also
 * gives the first capability of q->res in search order (NULL: none). */
static struct cap *search_room(const struct thread *t,
			       const struct quantity_query *q,
			       struct cap **first)
{
	struct cap_list *lists[MAX_VISIBLE_LISTS];
	unsigned n = visible_lists(t, lists);

	*first = NULL;
	for (unsigned i = 0; i < n; i++)
		for (struct cap *c = lists[i]->head; c; c = c->next) {
			if (c->resource != q->res)
				continue;
			if (!*first)
				*first = c;
			if (match_room(c, q))
				return c;
		}
	return NULL;
}

/* The first budget of the resource in search order (res_cache) answers
 * when it has the room; else the walk goes on past it, as it would. */
static __attribute__((noinline)) struct cap *
find_room_search(const struct thread *t, const struct quantity_query *q,
		 struct cap **first)
{
	struct cap *f, *found = search_room(t, q, &f);

	if (first)
		*first = f;
	return found;
}

struct cap *cap_find_room(const struct thread *t, uint32_t res, uint32_t n,
			  const struct cap *shrinking, uint32_t by)
{
	struct quantity_query q = {res, n, shrinking, by};
	struct cap **first = res_cache(t, res);

	if (first && *first && match_room(*first, &q))
		return *first;
	return find_room_search(t, &q, first);
}

struct cap *cap_charge(const struct thread *t, uint32_t res, uint32_t n)
{
	struct cap *c = cap_find_room(t, res, n, NULL, 0);

	if (c) {
		c->used += n;
		account(c, n, true);
	}
	return c;
}

bool cap_charge_to(struct cap *budget, uint32_t n)
{
	if (cap_room(budget) < n)
		return false;
	budget->used += n;
	account(budget, n, true);
	return true;
}

void cap_refund(struct cap *budget, uint32_t n)
{
	if (budget) {
		BUG_ON(budget->used < n, "a budget refunded more than it lent");
		budget->used -= n;
		account(budget, n, false);
	}
}

/* ---- lifetime ------------------------------------------------------------ */

static void cap_list_move_all(struct cap_list *from, struct cap_list *to)
{
	struct cap *c;

	while ((c = from->head)) {
		cap_list_remove(c);
		cap_list_add(to, c);
	}
}

void cap_thread_ended(struct thread *t)
{
	struct thread *p = t->pager;
	struct cap_list *heir = (p && p->state != THREAD_ZOMBIE &&
				 p->container == t->container)
					? &p->caps
					: &t->container->caps;

	cap_list_move_all(&t->caps, heir);
	cap_list_move_all(&t->group_caps, heir);
	cap_list_move_all(&t->paged_caps, heir);
}

static bool match_any(const struct cap *c, const void *arg)
{
	uint32_t *count = (uint32_t *)arg;

	(void)c;
	(*count)++;
	return false;
}

uint32_t cap_count(const struct thread *t)
{
	uint32_t n = 0;

	cap_search(t, match_any, &n);
	return n;
}

static bool match_id(const struct cap *c, const void *arg)
{
	return c->id == *(const uint32_t *)arg;
}

struct cap *cap_find(const struct thread *t, uint32_t id)
{
	return cap_search(t, match_id, &id);
}

void cap_for_each(const struct thread *t,
		  bool (*fn)(const struct cap *, const void *), const void *arg)
{
	cap_search(t, fn, arg);
}
