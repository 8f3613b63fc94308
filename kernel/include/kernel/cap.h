/*
 * Capabilities in the kernel: every system call asks here whether the
 * caller may act, and every object that costs memory is charged here to a
 * quantity capability (a budget) and refunded to the same one when it goes.
 *
 * A capability sits on one list (tessera/cap.h): a thread's private list,
 * its thread group's list (kept by the group leader), the list a pager
 * shares with the threads it pages, or its container's list. Capabilities
 * never leave their container.
 */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include <kernel/types.h>
#include <tessera/cap.h>

struct thread;
struct container;
struct bootinfo_cap;

struct cap_list {
	struct cap *head;
	uint32_t kind;   /* CAP_LIST_* */
	uint32_t holder; /* tid, or container id for CAP_LIST_CONTAINER */
};

struct cap {
	struct cap *next;
	struct cap_list *list;
	struct container *container; /* where it belongs, forever */
	struct cap *charged_to;      /* the CAPS budget that paid for it */
	struct cap *origin;          /* the one it was split from */
	uint32_t nr_split;           /* live capabilities split from it */
	uint32_t id;
	uint32_t resource, ops, flags;
	uint32_t target_kind, target;
	uint32_t target_container; /* operation: the container its target is in */
	uint32_t base, size, used;
	uint32_t irq;
};

/* A thread's cached budget and memory lookups (cap.c): one slot per
 * quantity resource (CAP_RES_THREADS..CAP_RES_IRQS) and per memory
 * resource (CAP_RES_PHYSMEM..CAP_RES_DEVMEM). */
#define CAP_RES_CACHE_SLOTS 9
/* The slot of memory resource res (CAP_RES_PHYSMEM..CAP_RES_DEVMEM). */
#define CAP_RES_MEM_SLOT(res)                                                  \
	(CAP_RES_IRQS - CAP_RES_THREADS + 1 + (res) - CAP_RES_PHYSMEM)

/* Bumped whenever what some thread can use may have changed (cap.c); a
 * cached lookup is good while the epoch it was taken in lasts. Read in
 * line by map's memory checks (sys_map.c); changed only in cap.c. */
extern uint32_t cap_epoch;

static inline uint32_t cap_kind(const struct cap *c)
{
	return c->resource & CAP_KIND_MASK;
}

/* Boot: the container's capabilities as the manifest declared them. */
int cap_create_boot(struct container *c, struct cap_list *list,
		    const struct bootinfo_cap *desc);

/*
 * Bumped whenever what some thread can use may have changed (cap.c): a
 * thread's cached cap_allows() answer (cap_hit) is good while the epoch
 * it was taken in (cap_hit_epoch) lasts.
 */
extern uint32_t cap_epoch;

/* May t do `ops` of operation resource `res` on thread x? */
bool cap_allows(const struct thread *t, uint32_t res, uint32_t ops,
		const struct thread *x);
/* Does t hold memory of kind `res` covering [base, base + size) with at
 * least `access` (MAP_ATTR_* bits)? */
bool cap_covers(const struct thread *t, uint32_t res, uint32_t base,
		uint32_t size, uint32_t access);

/*
 * Budgets. cap_charge takes n units from a budget t can use and returns it
 * (NULL: none has room, the caller returns -E_BUDGET); the object keeps the
 * pointer and gives the units back with cap_refund when it goes. A budget
 * with units in use cannot be destroyed, so the pointer stays valid.
 */
struct cap *cap_charge(const struct thread *t, uint32_t res, uint32_t n);
/* The budget cap_charge would take, without charging it; `shrinking` (or
 * NULL) counts as if it had already given up `by` free units (a split
 * that the budget found may itself pay for). Lets a caller check all
 * before it changes anything. */
struct cap *cap_find_room(const struct thread *t, uint32_t res, uint32_t n,
			  const struct cap *shrinking, uint32_t by);
/* Charge a given budget (an object that already draws on one). */
bool cap_charge_to(struct cap *budget, uint32_t n);
void cap_refund(struct cap *budget, uint32_t n);
/* Free units of a budget: size - used, which never wraps (asserted). */
uint32_t cap_room(const struct cap *budget);

/* t ends: what it held passes to its pager, or to its container. */
void cap_thread_ended(struct thread *t);
/* What some thread can use may have changed (e.g. its pager): drop every
 * thread's cached cap_allows() answer. */
void cap_changed(void);
void cap_list_add(struct cap_list *l, struct cap *c);
void cap_list_remove(struct cap *c);
/* A new, empty capability of owner with a fresh id (not on any list). */
struct cap *cap_alloc(struct container *owner);
bool cap_target_matches(const struct cap *c, const struct thread *x);
/* Call fn on every capability t can use until it returns true. */
void cap_for_each(const struct thread *t,
		  bool (*fn)(const struct cap *, const void *), const void *arg);
/* Does t hold a device capability carrying this IRQ? */
bool cap_holds_irq(const struct thread *t, uint32_t irq);
/* Count / find what t can use. */
uint32_t cap_count(const struct thread *t);
struct cap *cap_find(const struct thread *t, uint32_t id);

#endif
