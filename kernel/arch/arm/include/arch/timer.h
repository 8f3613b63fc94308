/* ARMv7 generic timer, virtual timer (CNTV), one-shot. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H
#include <stdint.h>
uint32_t arch_timer_freq(void);
uint64_t arch_timer_count(void);
/* Interrupt when the virtual counter reaches count (at once if past). */
void arch_timer_set_deadline(uint64_t count);
/* No timer interrupt until the next arch_timer_set_deadline. */
void arch_timer_stop(void);
#endif
