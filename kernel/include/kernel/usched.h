/*
 * User-level scheduling: a container named as another's `scheduler` in the
 * manifest (a CAP_RES_SCHED boot capability on it) decides the priorities
 * and quanta of that container's threads. The kernel tells the scheduler's
 * first pager of starts, ends and used-up quanta with messages on the
 * thread's behalf; sched_control answers. docs/scheduling.md has the
 * protocol; everything here is off the ipc and syscall fast paths.
 */
#ifndef KERNEL_USCHED_H
#define KERNEL_USCHED_H

#include <kernel/thread.h>

/* Kernel messages waiting for a scheduler: at most this many. */
#define USCHED_INBOX 32

struct usched_msg {
	uint32_t label, tid, mr[4];
};

struct usched_inbox {
	uint32_t head, count;
	uint32_t lost; /* stop messages dropped on a full inbox */
	struct usched_msg msg[USCHED_INBOX];
};

/* Link scheduled containers to their schedulers (boot capabilities). */
void usched_init(void);
/* TC_RUN of x by t in a container with a scheduler; returns the result
 * (0 with t blocked until the answer, or an error with x still inactive). */
int usched_start(struct thread *t, struct thread *x, int32_t nice);
/* The running thread t used up its quantum: true if it now waits for its
 * scheduler (false: the kernel refills it as usual). */
bool usched_quantum_expired(struct thread *t);
/* t (usched != NONE) ends or is recycled. */
void usched_thread_ended(struct thread *t, int code);
/* The first pager of scheduler container c ended: its threads fall back
 * to kernel scheduling. */
void usched_scheduler_died(struct container *c);
/* A receive from any sender by a scheduler's pager: a waiting kernel
 * message, if any (true: delivered into t's registers). */
bool usched_receive(struct thread *t);
/* t resumes from a suspension: back to waiting if its quantum is used. */
bool usched_resume_waits(struct thread *t);

#endif
