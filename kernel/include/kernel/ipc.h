/* Synchronous IPC and the delivery of exceptions to pagers. */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <kernel/thread.h>

/* Send t's exception to its pager as a call; t blocks until answered. */
void ipc_send_fault(struct thread *t, uint32_t cause, uint32_t addr,
		    uint32_t status);
/* The fault message t sends (tag, cause, address, pc, status) in
 * t->fault[]; t's messages are its fault's until it is answered. */
void fault_message(struct thread *t, uint32_t cause, uint32_t addr,
		   uint32_t status);

#endif
