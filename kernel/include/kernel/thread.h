/* Threads: a user register frame, an address space, a place in a container. */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <arch/context.h>
#include <kernel/sched_entity.h>
#include <kernel/types.h>

struct space;
struct container;

enum thread_state {
	THREAD_INACTIVE = 0, /* created, not yet started */
	THREAD_RUNNABLE,
	THREAD_BLOCKED,
	THREAD_DEAD,
};

struct thread {
	struct user_context ctx; /* saved user registers (see vectors.S) */
	uint32_t tid;
	uint32_t tgid;
	enum thread_state state;
	struct space *space;
	struct container *container;
	struct sched_entity sched;
	int exit_code;
};

struct thread *thread_create(struct container *c, struct space *s,
			     uint32_t entry, uint32_t sp, uint32_t priority);
void thread_start(struct thread *t);
/* End t with an exit code; frees it and, last of all, ends the system. */
void thread_exit(struct thread *t, int code);
uint32_t thread_live_count(void);

#endif
