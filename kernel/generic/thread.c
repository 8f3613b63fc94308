/* Thread creation and exit. Thread ids index a fixed table. */
#include <kernel/container.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/thread.h>

static struct thread *threads[CONFIG_MAX_THREADS];
static uint32_t live_threads;

static int tid_alloc(struct thread *t)
{
	for (uint32_t i = 1; i < CONFIG_MAX_THREADS; i++) {
		if (!threads[i]) {
			threads[i] = t;
			return (int)i;
		}
	}
	return -1;
}

struct thread *thread_create(struct container *c, struct space *s,
			     uint32_t entry, uint32_t sp, uint32_t priority)
{
	struct thread *t = kmem_alloc(sizeof(*t));

	if (!t)
		return NULL;
	int tid = tid_alloc(t);
	if (tid < 0) {
		kmem_free(t);
		return NULL;
	}
	t->tid = t->tgid = (uint32_t)tid; /* a new thread leads its group */
	t->container = c;
	t->space = s;
	space_get(s);
	t->sched.priority = priority;
	t->state = THREAD_INACTIVE;
	arch_context_init_user(&t->ctx, entry, sp);
	c->live_threads++;
	live_threads++;
	return t;
}

void thread_start(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
	sched_enqueue(t);
}

/*
 * The thread leaves the run queue at once; its memory goes now too, since
 * the kernel runs on a per-CPU stack and never on a thread's.
 */
void thread_exit(struct thread *t, int code)
{
	if (t->state == THREAD_RUNNABLE)
		sched_dequeue(t);
	t->state = THREAD_DEAD;
	t->exit_code = code;
	threads[t->tid] = NULL;
	live_threads--;
	container_thread_exited(t->container, code);
	if (this_cpu()->current == t)
		this_cpu()->current = NULL;
	space_put(t->space);
	kmem_free(t);
}

uint32_t thread_live_count(void)
{
	return live_threads;
}
