/* The kernel half of user-space mutexes. */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

struct thread;

/* t's mutex wait ended (woken, suspended, destroyed): refund its budget. */
void mutex_wait_ended(struct thread *t);

#endif
