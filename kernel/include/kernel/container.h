/* Containers as created from the boot info. */
#ifndef KERNEL_CONTAINER_H
#define KERNEL_CONTAINER_H

#include <boot/bootinfo.h>
#include <kernel/cap.h>
#include <kernel/cpu_budget.h>
#include <kernel/types.h>

struct thread;
struct image_header;
struct usched_inbox;

/*
 * Lifecycle: RUNNING while any of its threads lives. When its first pager
 * ends (exit, fault, destroyed by a holder of a capability on it) every
 * other thread of the container ends too, and once the last is gone its
 * capabilities are freed: the container is DEAD. Its restart policy then
 * makes it WAITING (a back-off in ticks) and RUNNING again from its
 * pristine image, or STOPPED for good; the death of a `core` container
 * stops the system.
 */
enum container_state {
	CONTAINER_RUNNING = 0,
	CONTAINER_WAITING, /* to be restarted at restart_at */
	CONTAINER_STOPPED,
};

/* Budgets by resource: [0] threads .. [5] irqs, as in tessera/cap.h. */
#define CONTAINER_BUDGETS 6

struct container {
	char name[BOOTINFO_NAME_LEN + 1];
	uint32_t id;
	struct thread *pager;
	uint32_t live_threads;
	int exit_code;
	uint32_t nr_regions; /* mapped into its pager's space at boot */
	struct bootinfo_region regions[BOOTINFO_MAX_REGIONS];
	struct cap_list caps; /* container-wide capabilities */
	uint32_t restart, restart_limit; /* BI_RESTART_* policy */
	enum container_state state;
	uint32_t restarts;      /* how many times it was brought back */
	uint64_t restart_at;    /* WAITING: tick of the next start */
	const struct bootinfo_container *desc;
	uint32_t budget_used[CONTAINER_BUDGETS]; /* units charged now */
	uint32_t budget_peak[CONTAINER_BUDGETS]; /* most at once, all lives */
	uint32_t budget_size[CONTAINER_BUDGETS]; /* total, kept when it dies */
	/* period 0: no CPU budget; else one server per core (cpu_budget.c) */
	struct cpu_budget cpu;
	/* cores its threads may run on (bit n: core n; its manifest's
	 * `cpus`), and the one its first thread starts on */
	uint32_t cpu_mask;
	uint32_t home_cpu;
	/* user-level scheduling (usched.c): the container whose boot
	 * capability schedules this one's threads, and the kernel messages
	 * waiting for this one's pager if it is a scheduler */
	struct container *scheduler;
	/* bit i: container i holds a CAP_RES_SCHED boot capability on this
	 * one (its scheduler and its forward schedulers; usched_init) */
	uint64_t schedulers;
	struct usched_inbox *inbox;
};

/* Add the budget sizes c's boot info declares to total[resource]. */
void container_declared_budgets(const struct container *c, uint32_t *total);
/* Create and start every container; returns how many started (one
 * whose cores are all offline does not). */
uint32_t containers_create(const struct bootinfo_header *bi,
			   const struct image_header *image);
/* Start the containers whose back-off ended (timer tick, idle loop). */
void containers_tick(uint64_t now);
/* Is any container waiting to be restarted? */
bool containers_restart_pending(void);
struct container *container_by_id(uint32_t id);
/* The container named exactly name[0..len) (no NUL in it), or NULL. */
struct container *container_by_name(const char *name, uint32_t len);
/* The status the system ends with: the first non-zero exit of a container
 * without a restart policy (see container.c). */
int containers_exit_status(void);
/* One line per container: exit code and the peak use of each budget. */
void containers_report(void);
/* A thread of c ended (the last step of thread_end). */
void container_thread_ended(struct container *c, bool first_pager, int code);

#endif
