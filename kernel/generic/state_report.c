/*
 * The kernel's view of every container and thread, printed on request:
 * Ctrl-T on the console (console.c, CONFIG_CONSOLE_STATE_KEY). The test
 * harness and `scons run` send it when a run times out, so a hang says
 * which containers were alive and what each thread was waiting for
 * (docs/testing.md "Readable crashes"). tools/symbolize.py puts function
 * and file:line under each thread's line.
 *
 * It runs in the kernel's interrupt path with the kernel lock held, so
 * nothing changes under it; it only reads. A thread running on another
 * core has no saved registers to show.
 */
#include <kernel/container.h>
#include <kernel/klock.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/state_report.h>
#include <kernel/thread.h>

static const char *container_state_name(const struct container *c)
{
	switch (c->state) {
	case CONTAINER_RUNNING:
		return "running";
	case CONTAINER_WAITING:
		return "waiting to be restarted";
	case CONTAINER_STOPPED:
		return "stopped";
	}
	return "?";
}

/* "thread 0x23 ('driver')": a peer by id and container. */
static void print_peer(const char *what, const struct thread *peer)
{
	if (peer)
		printk("%s thread %u ('%s')", what, (unsigned)peer->tid,
		       peer->container->name);
	else
		printk("%s any thread", what);
}

/* What a blocked thread waits for, in words. */
static void print_blocked(const struct thread *t)
{
	switch (t->block) {
	case BLOCK_SEND:
		print_peer(t->fault_pending ? "sending its fault to"
					    : "sending to", t->partner);
		break;
	case BLOCK_RECV:
		print_peer(t->in_call ? "waiting for the reply of"
				      : "receiving from",
			   t->recv_any ? NULL : t->partner);
		break;
	case BLOCK_MUTEX:
		printk("waiting for the mutex at phys 0x%08x", (unsigned)t->mutex_key);
		break;
	case BLOCK_WAIT:
		printk("waiting for a child it pages to exit");
		break;
	case BLOCK_IRQ:
		printk("waiting for irq %u", (unsigned)t->irq_waiting);
		break;
	case BLOCK_SCHED:
		printk("waiting for its scheduler's next quantum");
		break;
	case BLOCK_SCHED_START:
		print_peer("waiting for its scheduler to admit",
			   t->partner);
		break;
	default:
		printk("blocked (reason %u)", (unsigned)t->block);
	}
}

static bool running_elsewhere(const struct thread *t)
{
	return t->on_cpu != CPU_NONE && t->on_cpu != this_cpu_id();
}

static void print_thread(const struct thread *t)
{
	printk("kernel: state: container '%s' thread %u: ", t->container->name,
	       (unsigned)t->tid);
	switch (t->state) {
	case THREAD_RUNNABLE:
		if (t->on_cpu != CPU_NONE)
			printk("running on core %u", t->on_cpu);
		else
			printk("runnable on core %u", t->cpu);
		break;
	case THREAD_BLOCKED:
		print_blocked(t);
		break;
	case THREAD_SUSPENDED:
		printk("suspended");
		break;
	case THREAD_ZOMBIE:
		printk("zombie, exit code %d", t->exit_code);
		break;
	default:
		printk("not started");
	}
	printk(", priority %u", (unsigned)t->sched.priority);
	if (running_elsewhere(t))
		printk("\n"); /* its registers are live on that core */
	else
		printk(" at pc 0x%08x lr 0x%08x sp 0x%08x\n", (unsigned)t->ctx.pc,
		       (unsigned)t->ctx.lr, (unsigned)t->ctx.sp);
}

static void print_container(const struct container *c)
{
	printk("kernel: state: container '%s' (id %u): %s, %u live threads, "
	       "restarted %u times", c->name, (unsigned)c->id, container_state_name(c),
	       (unsigned)c->live_threads, (unsigned)c->restarts);
	if (c->state == CONTAINER_STOPPED)
		printk(", exit code %d", c->exit_code);
	printk("\n");
	for (uint32_t i = 0; i < CONFIG_MAX_THREADS; i++) {
		const struct thread *t = thread_at(i);

		if (t && t->container == c)
			print_thread(t);
	}
}

void state_report(void)
{
	struct container *c;

	printk("\nkernel: state at tick %llu, on core %u:\n",
	       (unsigned long long)sched_ticks(), this_cpu_id());
	for (uint32_t id = 0; (c = container_by_id(id)); id++)
		print_container(c);
	printk("kernel: state end\n");
}
