/* Device interrupts bound to user threads (kernel/generic/irq.c). */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

struct thread;

/* t ends: its bindings go, their budget units come back. */
void irq_thread_ended(struct thread *t);

#endif
