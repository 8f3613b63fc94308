/*
 * What generic code needs from a board; each board folder implements it
 * (kernel/platform/<board>/platform.c).
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


void platform_init(void);
/* Bytes to the console UART, as they are (console.c adds the '\r's). */
void platform_write(const char *s, size_t len);
/* The next byte received on the console UART, or -1 if none. */
int platform_getc(void);
/* Acknowledge and handle one pending interrupt; false if none pending. */
int platform_handle_irq(void);
/* End the system with an exit status (semihosting/PSCI/halt per config). */
void platform_exit(int status) __attribute__((noreturn));
uint32_t platform_timer_hz(void);

/* Device interrupts for user threads (irq_control). */
void platform_irq_unmask(unsigned irq);
void platform_irq_mask(unsigned irq);
/* The kernel's own (timer, console UART) or out of range: never bound to
 * a thread. */
bool platform_irq_reserved(unsigned irq);

/* Start core `cpu` at entry_phys (MMU off) with context in r0; 0 or a
 * negative firmware status (boards whose [smp] start is not "none"). */
int platform_cpu_start(unsigned cpu, uint32_t entry_phys, uint32_t context);

/* A secondary core's own interrupt set-up, before it takes interrupts:
 * its GIC CPU interface and private interrupts (IPI, timer), or its lines
 * of the local controller. */
void platform_cpu_irq_init(void);
/* Interrupt core `cpu` (the scheduler's IPI): it enters the kernel, and
 * leaves an idle wait, to pick again. Handled by the driver itself. */
void platform_send_ipi(unsigned cpu);

/* Called by platform_init once the interrupt controller is up: the
 * kernel's time starts (sched.c). */
void sched_timer_init(uint32_t tick_hz);
/* Called by the platform's timer interrupt. */
void timer_interrupt(void);
/* Called by the platform for the console UART's receive interrupt
 * (board.toml devices.uart_irq; CONFIG_CONSOLE_STATE_KEY): console.c
 * reads what arrived. */
void console_interrupt(void);
/* Called by the platform for a device interrupt (masked already). */
void irq_raised(unsigned irq);

#endif
