/*
 * The generic timer's virtual timer, one-shot: the kernel programs the
 * compare value (CNTV_CVAL) for its next event, so nothing depends on a
 * fixed tick interval (sched.c decides what the next event is).
 */
#include <arch/cpu.h>
#include <arch/timer.h>

#define CNTV_CTL_ENABLE 0x1u

uint32_t arch_timer_freq(void)
{
	uint32_t f;
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(f));
	return f;
}

uint64_t arch_timer_count(void)
{
	uint32_t lo, hi;
	isb();
	__asm__ volatile("mrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void arch_timer_set_deadline(uint64_t count)
{
	__asm__ volatile("mcrr p15, 3, %0, %1, c14" ::"r"((uint32_t)count),
			 "r"((uint32_t)(count >> 32)));
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(CNTV_CTL_ENABLE));
	isb();
}

void arch_timer_stop(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(0u));
	isb();
}
