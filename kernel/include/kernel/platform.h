/*
 * What generic code needs from a board; each board folder implements it
 * (kernel/platform/<board>/platform.c).
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdint.h>

void platform_init(void);
void platform_putc(char c);
/* Acknowledge and handle one pending interrupt; false if none pending. */
int platform_handle_irq(void);
/* End the system with an exit status (semihosting/PSCI/halt per config). */
void platform_exit(int status) __attribute__((noreturn));
uint32_t platform_timer_hz(void);

/* Called by the platform's timer interrupt. */
void timer_tick(void);

#endif
