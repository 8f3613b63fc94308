/*
 * The kernel half of user-space mutexes (futex style). A waiter is queued
 * under the physical address of the mutex word, so threads in different
 * spaces sharing the page meet in the same queue. Waiters live in a fixed
 * table of hash buckets: waiting allocates nothing, so it cannot leak.
 * Each waiting thread holds one unit of its MUTEXES budget while it waits
 * (charged here, refunded in mutex_wait_ended), so a container cannot
 * fill the kernel's queues beyond what its manifest allows.
 */
#include <kernel/cap.h>
#include <kernel/mutex.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <tessera/errno.h>

#define MUTEX_BUCKETS 64
#define MUTEX_CONTENDED 2u

static struct thread_list buckets[MUTEX_BUCKETS];

static struct thread_list *bucket(uint32_t key)
{
	return &buckets[(key >> 2) % MUTEX_BUCKETS];
}

/* Block unless the word already changed (then the caller retries). */
static int mutex_wait(struct thread *t, paddr_t word)
{
	if (*(volatile uint32_t *)phys_to_virt(word) != MUTEX_CONTENDED)
		return 0;
	if (!(t->mutex_budget = cap_charge(t, CAP_RES_MUTEXES, 1)))
		return -E_BUDGET;
	thread_block(t, BLOCK_MUTEX);
	t->mutex_key = word.pa;
	thread_list_add(bucket(word.pa), t);
	return 0;
}

static int mutex_wake(paddr_t word)
{
	for (struct thread *w = bucket(word.pa)->head; w; w = w->queue_next) {
		if (w->mutex_key == word.pa) {
			thread_unblock(w, 0);
			return 1;
		}
	}
	return 0;
}

void mutex_wait_ended(struct thread *t)
{
	cap_refund(t->mutex_budget, 1);
	t->mutex_budget = NULL;
}

int sys_mutex_control(struct user_context *ctx)
{
	struct thread *t = current_thread();
	uint32_t op = ctx_arg(ctx, 1);
	paddr_t word;

	if (op != MUTEX_WAIT && op != MUTEX_WAKE)
		return -E_INVAL;
	if (!cap_allows(t, CAP_RES_MUTEX,
			op == MUTEX_WAIT ? CAP_OP_MUTEX_WAIT : CAP_OP_MUTEX_WAKE,
			t))
		return -E_PERM;
	if (space_user_word(t->space, ctx_arg(ctx, 0), &word) != 0)
		return -E_FAULT;
	return op == MUTEX_WAIT ? mutex_wait(t, word) : mutex_wake(word);
}
