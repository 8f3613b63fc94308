/*
 * Device interrupts delivered to user threads (irq_control). A binding
 * ties one IRQ to one thread and holds a unit of an IRQS budget, charged
 * in irq_bind and refunded in unbind only. When the IRQ fires the kernel
 * masks it and wakes the thread (or remembers it for the next wait); the
 * thread's acknowledge unmasks it. A thread's bindings go when it ends.
 */
#include <kernel/cap.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <tessera/errno.h>

struct irq_binding {
	struct thread *thread; /* NULL: free slot */
	struct cap *budget;
	uint32_t irq;
	bool pending;
};

static struct irq_binding bindings[CONFIG_MAX_IRQ_BINDINGS];

static struct irq_binding *binding_of(uint32_t irq)
{
	for (unsigned i = 0; i < CONFIG_MAX_IRQ_BINDINGS; i++)
		if (bindings[i].thread && bindings[i].irq == irq)
			return &bindings[i];
	return NULL;
}

static struct irq_binding *free_binding(void)
{
	for (unsigned i = 0; i < CONFIG_MAX_IRQ_BINDINGS; i++)
		if (!bindings[i].thread)
			return &bindings[i];
	return NULL;
}

static void unbind(struct irq_binding *b)
{
	struct thread *t = b->thread;

	platform_irq_mask(b->irq);
	if (t->state == THREAD_BLOCKED && t->block == BLOCK_IRQ &&
	    t->irq_waiting == b->irq)
		thread_unblock(t, -E_DEAD);
	cap_refund(b->budget, 1);
	t->nr_irqs--;
	b->thread = NULL;
	b->budget = NULL;
}

void irq_raised(unsigned irq)
{
	struct irq_binding *b = binding_of(irq);

	if (!b)
		return; /* unbound since: it stays masked */
	struct thread *t = b->thread;
	if (t->state == THREAD_BLOCKED && t->block == BLOCK_IRQ &&
	    t->irq_waiting == irq)
		thread_unblock(t, 0);
	else
		b->pending = true;
}

void irq_thread_ended(struct thread *t)
{
	for (unsigned i = 0; i < CONFIG_MAX_IRQ_BINDINGS && t->nr_irqs; i++)
		if (bindings[i].thread == t)
			unbind(&bindings[i]);
}

static int irq_bind(struct thread *t, uint32_t irq, uint32_t tid)
{
	struct irq_binding *b;
	struct thread *x;
	int err;

	if (!(x = thread_target(t, tid, CAP_RES_IRQCTRL, CAP_OP_IRQ_BIND, &err)))
		return err;
	if (!cap_holds_irq(t, irq))
		return -E_PERM;
	if (binding_of(irq))
		return -E_BUSY;
	if (!(b = free_binding()))
		return -E_BUDGET;
	/* paid by the handler's container, which the binding belongs to */
	if (!(b->budget = cap_charge(x->container == t->container ? t : x,
				     CAP_RES_IRQS, 1)))
		return -E_BUDGET;
	b->thread = x;
	x->nr_irqs++;
	b->irq = irq;
	b->pending = false;
	platform_irq_unmask(irq);
	return 0;
}

static int irq_wait(struct thread *t, struct irq_binding *b)
{
	if (b->pending) {
		b->pending = false;
		return 0;
	}
	thread_block(t, BLOCK_IRQ);
	t->irq_waiting = b->irq;
	return 0;
}

int sys_irq_control(struct user_context *ctx)
{
	struct thread *t = current_thread();
	uint32_t op = ctx_arg(ctx, 0), irq = ctx_arg(ctx, 1);
	struct irq_binding *b;

	if (op < IRQ_BIND || op > IRQ_ACK || platform_irq_reserved(irq))
		return -E_INVAL;
	if (op == IRQ_BIND)
		return irq_bind(t, irq, ctx_arg(ctx, 2));
	/* whether an IRQ is bound is only told to whoever holds its device:
	 * to anyone else a foreign binding and no binding look alike */
	if (!(b = binding_of(irq)))
		return cap_holds_irq(t, irq) ? -E_NOENT : -E_PERM;
	if (b->thread != t &&
	    !(op == IRQ_UNBIND &&
	      cap_allows(t, CAP_RES_IRQCTRL, CAP_OP_IRQ_BIND, b->thread)))
		return -E_PERM;
	switch (op) {
	case IRQ_UNBIND:
		unbind(b);
		return 0;
	case IRQ_WAIT:
		return irq_wait(t, b);
	default:
		platform_irq_unmask(irq);
		return 0;
	}
}
