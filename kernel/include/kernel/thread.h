/*
 * Threads: a user register frame, an address space, a place in a container
 * and in a pager hierarchy.
 *
 * Lifecycle: INACTIVE (created or recycled) -> RUNNABLE <-> BLOCKED
 * (ipc, mutex, wait) ; any of these -> SUSPENDED -> back on resume;
 * all -> ZOMBIE (ended, exit code kept until its pager reaps it) -> freed.
 * The kernel is not preemptible and has one stack per CPU, so every thread
 * other than the current one is always at a safe point.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <arch/context.h>
#include <kernel/cap.h>
#include <kernel/sched_entity.h>
#include <kernel/types.h>
#include <tessera/syscall.h>

struct space;
struct container;

/*
 * Most pagers above any thread. Ending a pager ends what it pages, one
 * level of the kernel stack per level of pagers, so the chain is bounded;
 * and a thread gets a new pager only while it pages nothing, so pager
 * chains can never form a cycle.
 */
#define THREAD_MAX_PAGER_DEPTH 16

/* Exit code of a thread ended by an exception: 128 + its FAULT_* cause. */
#define FAULT_EXIT_BASE 128

enum thread_state {
	THREAD_INACTIVE = 0,
	THREAD_RUNNABLE,
	THREAD_BLOCKED,
	THREAD_SUSPENDED,
	THREAD_ZOMBIE,
};

enum block_reason {
	BLOCK_NONE = 0,
	BLOCK_SEND,  /* in dest's send queue */
	BLOCK_RECV,  /* waiting for a message (from partner, or any) */
	BLOCK_MUTEX, /* in a kernel mutex wait queue */
	BLOCK_WAIT,  /* waiting for a paged child to exit */
	BLOCK_IRQ,   /* waiting for a bound interrupt */
	BLOCK_SCHED, /* user-scheduled: its quantum ran out, waiting for
		      * its scheduler's sched_control (usched.c) */
	BLOCK_SCHED_START, /* in TC_RUN, for the scheduler's answer on the
			    * thread it starts (partner) */
};

/* A thread's part in user-level scheduling (usched.c). */
enum usched_state {
	USCHED_NONE = 0, /* scheduled by the kernel alone */
	USCHED_STARTING, /* start message sent, not yet admitted */
	USCHED_ADMITTED, /* runs on the quanta its scheduler gives */
	USCHED_WAITING,  /* quantum used up, waiting for SCHED_SET */
};

struct thread_list {
	struct thread *head, *tail;
};

struct thread {
	struct user_context ctx; /* saved user registers (see vectors.S) */
	uint32_t tid;
	uint32_t tgid;
	enum thread_state state;
	enum block_reason block;
	/*
	 * The two conditions that send any ipc of this thread the general
	 * way, side by side so that the fast path (fastpath.c) tests both
	 * with one load of slow_ipc (a pager's answer to the fault alone
	 * then has a fast way of its own, fast_fault_reply).
	 */
	union {
		struct {
			/* suspend at the end of the current syscall */
			bool suspend_pending;
			/* its message is a fault, in fault[] */
			bool fault_pending;
		};
		uint16_t slow_ipc;
	};
	struct space *space;
	struct container *container;
	struct thread *pager;   /* handles its exceptions; NULL: the kernel */
	uint32_t nr_paged;      /* threads (incl. zombies) this one pages */
	uint32_t utcb;          /* user address of its UTCB, 0: none */
	struct sched_entity sched;
	/* cores (docs/smp.md): the mask it may run on (within its
	 * container's), the core whose run queue it is on or last was, and
	 * the core running it now (CPU_NONE: none; only that core changes
	 * it, and then its registers are in ctx) */
	uint32_t cpu_mask;
	uint8_t cpu;
	uint8_t on_cpu;

	/* ipc */
	struct thread *partner;      /* send: destination; recv: source */
	bool recv_any;               /* recv: from any sender */
	uint32_t recv_waiters;       /* threads receiving from this one */
	bool in_call;                /* a send that is followed by recv */
	struct thread_list sendq;    /* threads blocked sending to this one */
	struct thread *queue_next;   /* link in a sendq or mutex queue */
	struct thread_list *queued_on;
	uint32_t send_tag;           /* BLOCK_SEND: the tag its queued
				      * message was checked with (ipc.c) */
	uint32_t fault[5];           /* tag, MR0-MR3 of a fault message */

	/* mutex */
	uint32_t mutex_key;          /* physical address waited on */
	struct cap *mutex_budget;    /* paid for its current mutex wait */
	uint32_t irq_waiting;        /* BLOCK_IRQ: the IRQ it waits for */
	uint32_t nr_irqs;            /* IRQs bound to it */

	/* capabilities (kernel/cap.h) */
	struct cap_list caps;        /* its own */
	struct cap_list group_caps;  /* its thread group's, if it leads it */
	struct cap_list paged_caps;  /* shared with the threads it pages */
	struct cap *thread_budget;   /* paid for this thread (NULL: boot) */
	struct cap *cap_hit;         /* cap_allows()' last yes (cap.c) */
	uint32_t cap_hit_epoch;
	/* the ipc fast path's last yes: it may send to thread ipc_ok_tid
	 * while cap_epoch is ipc_ok_epoch (fastpath.c) */
	uint32_t ipc_ok_tid;
	uint32_t ipc_ok_epoch;

	int exit_code;

	/* user-level scheduling (usched.c) */
	enum usched_state usched;
	uint32_t creator_tid;     /* the thread that created it */
	uint32_t usched_starter;  /* STARTING: tid waiting in TC_RUN, 0: none */
	uint32_t usched_quantum;  /* ticks of its current quantum */
	uint32_t usched_given_at; /* tick its quantum was given */
	uint32_t usched_used;     /* ticks used in quanta before this one */
	/* the scheduler a start was forwarded to (its effective scheduler
	 * from then on; NULL: its container's), the forwards of this start,
	 * and what the start message carries again when forwarded */
	struct container *usched_by;
	uint32_t usched_forwards;
	int32_t usched_nice;
	uint32_t usched_run_by; /* the tid that called TC_RUN */

	/* cap.c's lookups of budgets and memory, per resource, good while
	 * the epoch they were taken in lasts (NULL: not known); last, so
	 * that the fields above keep their offsets */
	struct cap *cap_res_hit[CAP_RES_CACHE_SLOTS];
	uint32_t cap_res_epoch;
};

/* A new inactive thread, paid from creator's THREADS budget (creator NULL:
 * a container's pager at boot, unpaid). NULL with *err on failure. */
struct thread *thread_create(const struct thread *creator,
			     struct container *c, struct space *s,
			     struct thread *pager, uint32_t entry, uint32_t sp,
			     uint32_t priority, int *err);
/* The thread table, indexed by TID_INDEX (thread.c owns it; here so that
 * thread_by_tid, on the ipc fast path, is inline). */
extern struct thread *threads[CONFIG_MAX_THREADS];

/* The live (or zombie) thread with this id; NULL if the slot is free or
 * holds a later generation. */
static inline struct thread *thread_by_tid(uint32_t tid)
{
	uint32_t i = TID_INDEX(tid);
	struct thread *t;

	if (i >= CONFIG_MAX_THREADS)
		return NULL;
	t = threads[i]; /* slot 0 is never used: NULL */
	return t && t->tid == tid ? t : NULL; /* an older generation: gone */
}
/* Slot i of the thread table (NULL: free); for walks over every thread. */
struct thread *thread_at(uint32_t i);
/* The live thread a call names (tid 0: the caller), if the caller holds an
 * operation capability for `ops` of `res` on it (res 0: no check); NULL
 * with *err = -E_NOENT (no such thread) or -E_PERM (no capability). */
struct thread *thread_target(struct thread *caller, uint32_t tid, uint32_t res,
			     uint32_t ops, int *err);
void thread_start(struct thread *t);
/* Make t runnable again after a block ended (result already in its r0). */
void thread_unblock(struct thread *t, int result);
void thread_block(struct thread *t, enum block_reason why);
/* The ipc fast path's switch: the current thread `blocker` starts waiting
 * (why), `wakee` (blocked, no fault or suspend pending) resumes with
 * result and runs in its place. */
void thread_handoff(struct thread *blocker, enum block_reason why,
		    struct thread *wakee, int result);
/* thread_handoff for a wakee whose fault its pager served: it retries
 * the instruction, its registers as they were. */
void thread_handoff_retry(struct thread *blocker, enum block_reason why,
			  struct thread *wakee);
/* End t: cancel what it waits for, end what it pages, zombie or free it. */
void thread_end(struct thread *t, int code);
void thread_suspend(struct thread *t);
int thread_resume(struct thread *t);
int thread_recycle(struct thread *t);
/* Reap a zombie paged by pager (tid or 0: any); -E_NOENT if none at all. */
int thread_reap(struct thread *pager, uint32_t tid, int *code,
		uint32_t *reaped_tid);
uint32_t thread_live_count(void);
/* End every live thread of container c (its first pager died). */
void thread_end_container(struct container *c, int code);
/* How many pagers are above t (at most THREAD_MAX_PAGER_DEPTH + 1). */
uint32_t thread_pager_depth(const struct thread *t);
/* Hand t to another pager (NULL: none); a wait of the old one for it ends
 * with -E_NOENT. */
void thread_set_pager(struct thread *t, struct thread *pager);
/* End and free every thread pager pages (a pager's "kill all my
 * children"); returns how many there were. */
uint32_t thread_destroy_children(struct thread *pager, int code);
/* If t runs on another core, stop it there (its safe point: registers
 * saved, the core let go of it); lock held. Before anything changes a
 * thread that may be running elsewhere: its state, queue or registers. */
#if CONFIG_NR_CPUS > 1
void thread_quiesce(struct thread *t);
#else
static inline void thread_quiesce(struct thread *t)
{
	(void)t; /* one core: every other thread is at a safe point */
}
#endif
/* Apply a pending suspend at a safe point (end of syscall / exception). */
void thread_safe_point(struct thread *t);

void thread_list_add(struct thread_list *l, struct thread *t);
void thread_list_remove(struct thread_list *l, struct thread *t);
struct thread *thread_list_pop(struct thread_list *l);

#endif
