/*
 * The ARM generic timer's virtual timer, one-shot: the kernel programs the
 * compare value (CNTV_CVAL) for its next event, so nothing depends on a
 * fixed tick interval (sched.c decides what the next event is). Used by
 * every board whose cores have the Generic Timer extension (Cortex-A15,
 * Cortex-A7); its interrupt is the board's BOARD_TIMER_IRQ.
 */
#include <arch/cpu.h>
#include <kernel/timer.h>

#define CNTV_CTL_ENABLE 0x1u
#define CNTKCTL_PL0VCTEN 0x2u

void timer_init(void)
{
	/* registers are coprocessor registers: nothing to map */
}

uint32_t timer_freq(void)
{
	uint32_t f;
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(f));
	return f;
}

uint64_t timer_count(void)
{
	uint32_t lo, hi;
	isb();
	__asm__ volatile("mrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return ((uint64_t)hi << 32) | lo;
}

void timer_set_deadline(uint64_t count)
{
	__asm__ volatile("mcrr p15, 3, %0, %1, c14" ::"r"((uint32_t)count),
			 "r"((uint32_t)(count >> 32)));
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(CNTV_CTL_ENABLE));
	isb();
}

void timer_stop(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(0u));
	isb();
}

bool timer_open_to_user(void)
{
	/* CNTKCTL.PL0VCTEN: user mode may read the virtual counter */
	__asm__ volatile("mcr p15, 0, %0, c14, c1, 0" ::"r"(CNTKCTL_PL0VCTEN));
	isb();
	return true;
}
