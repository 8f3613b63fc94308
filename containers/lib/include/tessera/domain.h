/**
 * @file tessera/domain.h
 * @brief Growing resource domains (docs/capabilities.md, "Resource
 * domains").
 *
 * A pager creates a thread (in its space, a new
 * one or a copy) and hands it the budgets and operation capabilities it
 * needs in one call; the library remembers what it gave, and takes it all
 * back when the child is reaped, so the pager's accounting returns to
 * where it started.
 *
 * @code
 *	static const struct domain_grant worker_grants[] = {
 *		{CAP_RES_THREADS, 2},                    // two threads
 *		{CAP_RES_MUTEXES, 4},
 *		{CAP_RES_IPC, CAP_OP_IPC_SEND, CAP_TGT_THREAD, 0}, // ipc to me
 *	};
 *	int tid = domain_spawn(&d, &(struct domain_spec){
 *		TC_NEW_SPACE, entry, stack, worker_grants, 3});
 *	...
 *	domain_reap(&d, tid, &code);   // wait, then take the grants back
 * @endcode
 */
#ifndef TESSERA_DOMAIN_H
#define TESSERA_DOMAIN_H

#include <stdint.h>
#include <tessera/cap.h>

/** @brief Children one struct domain keeps track of at once (a pager
 * with more keeps several domains). */
#define DOMAIN_MAX_CHILDREN 64
/** @brief Grants (capabilities) one child may receive. */
#define DOMAIN_MAX_GRANTS 8
/** @brief Quantity resources counted in units_out: CAP_RES_THREADS ..
 * CAP_RES_IRQS. */
#define DOMAIN_QUANTITIES 6 /* CAP_RES_THREADS .. CAP_RES_IRQS */

/**
 * @brief One thing a child receives.
 *
 * Quantity resources: `amount` units split off one of the pager's budgets
 * (one it may split, with room). Operation resources: a replica of one of
 * the pager's capabilities (one with CAP_F_REPLICATE holding every
 * `amount` bit) narrowed to the `amount` operation bits and, if
 * target_kind is set, to that target (target 0 with CAP_TGT_THREAD or
 * CAP_TGT_PAGED means the pager itself).
 */
struct domain_grant {
	uint32_t resource;    /**< CAP_RES_* */
	uint32_t amount;      /**< units (quantity) or CAP_OP_* bits (operation) */
	uint32_t target_kind; /**< CAP_TGT_* to narrow to, 0: keep the target */
	uint32_t target;      /**< with target_kind: the target, 0: the pager */
};

/** @brief What domain_spawn() creates. */
struct domain_spec {
	uint32_t space; /**< TC_SAME_SPACE, TC_NEW_SPACE or TC_COPY_SPACE */
	uint32_t pc, sp;
	const struct domain_grant *grants; /**< what it receives */
	uint32_t nr_grants; /**< entries of grants (at most DOMAIN_MAX_GRANTS) */
};
/** @var domain_spec::pc
 * @brief the child's entry point */
/** @var domain_spec::sp
 * @brief the child's initial stack pointer (top of a stack the caller owns)
 */

/** @brief A child and the capabilities it was given (library state). */
struct domain_child {
	uint32_t tid; /**< 0: free slot */
	uint32_t nr_caps; /**< entries of caps */
	uint32_t caps[DOMAIN_MAX_GRANTS]; /**< ids granted to it */
};

/** @brief A pager's children and what they hold; zero-initialize it
 * (a static variable). */
struct domain {
	struct domain_child child[DOMAIN_MAX_CHILDREN]; /**< the children */
	uint32_t units_out[DOMAIN_QUANTITIES]; /**< budget units handed out */
	uint32_t caps_out;                     /**< capabilities handed out */
};

/**
 * @brief Create a child paged by the caller, give it the grants, start it.
 *
 * thread_control TC_CREATE (spec->space | TC_AS_PAGER, the caller as space
 * source) with pc and sp, no other register and no UTCB set; then each
 * grant is split or replicated, narrowed and granted (cap_control), then
 * TC_RUN. If any step fails the child is destroyed and reaped and every
 * capability made for it destroyed.
 * @param d the caller's domain
 * @param spec space, entry, stack and grants
 * @return the child's tid, or -E_* with nothing created or handed out:
 *         -E_BUDGET no free child slot, more than DOMAIN_MAX_GRANTS
 *         grants, no budget with the units to split (or the THREADS,
 *         SPACES or CAPS budget for the thread or a new capability);
 *         -E_PERM no operation capability to replicate, or no
 *         thread_control capability to create; the errors of TC_CREATE,
 *         cap_control and TC_RUN otherwise
 */
int domain_spawn(struct domain *d, const struct domain_spec *spec);
/**
 * @brief domain_spawn() without the start, in another thread's space or
 * group: the caller sets the child's registers (exchange_registers), then
 * calls domain_start(), or domain_kill() to give up.
 *
 * A POSIX server makes a forked process this way (a new space it fills
 * itself, the forking thread's registers) and a cloned thread (the
 * process's space, the process's group).
 * @param d the caller's domain
 * @param spec as domain_spawn()
 * @param source the thread whose space is shared or copied (0: the
 *        caller); the caller needs thread_control create on it
 * @param tgid TC_SAME_SPACE: the thread group to join (0: a group of its
 *        own), as thread_control TC_CREATE
 * @return the child's tid, created and holding its grants, not running;
 *         or -E_* as domain_spawn(), with nothing created or handed out
 */
int domain_create(struct domain *d, const struct domain_spec *spec,
		  uint32_t source, uint32_t tgid);
/**
 * @brief Start a child domain_create() made (thread_control TC_RUN).
 * @param d the caller's domain
 * @param tid the child
 * @return 0; -E_NOENT if it is not one of this domain's children; TC_RUN's
 *         errors otherwise (the child stays created: domain_kill() it)
 */
int domain_start(struct domain *d, uint32_t tid);
/**
 * @brief Children this domain holds now (created and not yet reaped).
 * @param d the domain
 * @return how many
 */
uint32_t domain_children(const struct domain *d);
/**
 * @brief Wait for the child to end, then take back what it was given.
 * @param d the caller's domain
 * @param tid a child domain_spawn() returned
 * @param lost if not NULL: how many of its capabilities could not be
 *        destroyed (0 when everything came back)
 * @return its exit code (TC_WAIT's result); -E_NOENT if it is not one of
 *         this domain's children
 */
int domain_reap(struct domain *d, uint32_t tid, int *lost);
/**
 * @brief End the child now (TC_DESTROY with exit code -E_DEAD), then reap
 * it.
 * @param d the caller's domain
 * @param tid a child domain_spawn() returned
 * @return as domain_reap(): its exit code (-E_DEAD once destroyed);
 *         -E_NOENT if it is not one of this domain's children
 */
int domain_kill(struct domain *d, uint32_t tid);
/**
 * @brief Units of a quantity resource currently handed out to children.
 * @param d the domain
 * @param resource CAP_RES_THREADS .. CAP_RES_IRQS
 * @return the units out; 0 for any other resource
 */
uint32_t domain_units_out(const struct domain *d, uint32_t resource);

#endif
