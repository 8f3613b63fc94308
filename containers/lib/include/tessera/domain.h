/*
 * Growing resource domains: a pager creates a thread (in its space, a new
 * one or a copy) and hands it the budgets and operation capabilities it
 * needs in one call; the library remembers what it gave, and takes it all
 * back when the child is reaped, so the pager's accounting returns to
 * where it started.
 *
 *	static const struct domain_grant worker_grants[] = {
 *		{CAP_RES_THREADS, 2},                    // two threads
 *		{CAP_RES_MUTEXES, 4},
 *		{CAP_RES_IPC, CAP_OP_IPC_SEND, CAP_TGT_THREAD, 0}, // ipc to me
 *	};
 *	int tid = domain_spawn(&d, &(struct domain_spec){
 *		TC_NEW_SPACE, entry, stack, worker_grants, 3});
 *	...
 *	domain_reap(&d, tid, &code);   // wait, then take the grants back
 */
#ifndef TESSERA_DOMAIN_H
#define TESSERA_DOMAIN_H

#include <stdint.h>
#include <tessera/cap.h>

#define DOMAIN_MAX_CHILDREN 32
#define DOMAIN_MAX_GRANTS 8
#define DOMAIN_QUANTITIES 6 /* CAP_RES_THREADS .. CAP_RES_IRQS */

/* One thing a child receives. Quantity resources: `amount` units split
 * off one of the pager's budgets. Operation resources: a replica of one of
 * the pager's capabilities narrowed to the `amount` operation bits and, if
 * target_kind is set, to that target (target 0 with CAP_TGT_THREAD or
 * CAP_TGT_PAGED means the pager itself). */
struct domain_grant {
	uint32_t resource;
	uint32_t amount;
	uint32_t target_kind;
	uint32_t target;
};

struct domain_spec {
	uint32_t space; /* TC_SAME_SPACE, TC_NEW_SPACE or TC_COPY_SPACE */
	uint32_t pc, sp;
	const struct domain_grant *grants;
	uint32_t nr_grants;
};

struct domain_child {
	uint32_t tid; /* 0: free slot */
	uint32_t nr_caps;
	uint32_t caps[DOMAIN_MAX_GRANTS];
};

struct domain {
	struct domain_child child[DOMAIN_MAX_CHILDREN];
	uint32_t units_out[DOMAIN_QUANTITIES]; /* budget units handed out */
	uint32_t caps_out;                     /* capabilities handed out */
};

/* Create a child paged by the caller, give it the grants, start it.
 * Returns its tid, or -E_* with nothing created or handed out. */
int domain_spawn(struct domain *d, const struct domain_spec *spec);
/* Wait for the child to end, then take back what it was given. Returns
 * its exit code; -E_NOENT if it is not one of this domain's children. */
int domain_reap(struct domain *d, uint32_t tid, int *lost);
/* End the child now, then reap it. */
int domain_kill(struct domain *d, uint32_t tid);
/* Units of a quantity resource (CAP_RES_*) currently handed out. */
uint32_t domain_units_out(const struct domain *d, uint32_t resource);

#endif
