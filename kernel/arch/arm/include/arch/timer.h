/* ARMv7 generic timer, virtual timer (CNTV), as the kernel tick. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H
#include <stdint.h>
void arch_timer_init(uint32_t tick_hz);
void arch_timer_rearm(void);
uint32_t arch_timer_freq(void);
uint64_t arch_timer_count(void);
#endif
