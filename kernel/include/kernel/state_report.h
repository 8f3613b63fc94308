#ifndef KERNEL_STATE_REPORT_H
#define KERNEL_STATE_REPORT_H

/* Print every container and thread: state, what each waits for, its pc
 * (kernel/generic/state_report.c). Called with the kernel lock held. */
void state_report(void);

#endif
