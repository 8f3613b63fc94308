#ifndef ARCH_POWEROFF_H
#define ARCH_POWEROFF_H
/* Try to end the system with this status; returns only if that failed. */
void arch_poweroff(int status);
#endif
