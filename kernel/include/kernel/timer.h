/*
 * The board's clock: a free-running 64-bit counter and a one-shot compare
 * on it. One driver in kernel/platform/common provides it per board (the
 * ARM generic timer's virtual timer, or the Cortex-A9 global timer); the
 * scheduler (sched.c) and CPU budgets (cpu_budget.c) only see this.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H
#include <stdbool.h>
#include <stdint.h>
/* Prepare the counter and compare (mapping registers if the driver has
 * any); called once by platform_init before sched_timer_init. */
void timer_init(void);
/* Counter ticks a second. */
uint32_t timer_freq(void);
uint64_t timer_count(void);
/* Interrupt when the counter reaches count (at once if past). */
void timer_set_deadline(uint64_t count);
/* No timer interrupt until the next timer_set_deadline. */
void timer_stop(void);
/* Benchmarks (CONFIG_BENCH_COUNTERS): let user mode read the counter, if
 * the hardware can; returns false when it cannot. */
bool timer_open_to_user(void);
#endif
