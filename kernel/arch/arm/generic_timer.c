/* The generic timer's virtual timer, reprogrammed once per tick. */
#include <arch/cpu.h>
#include <arch/timer.h>

static uint32_t ticks_per_interrupt;

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

void arch_timer_rearm(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 0" ::"r"(ticks_per_interrupt));
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1" ::"r"(1u)); /* enable */
	isb();
}

void arch_timer_init(uint32_t tick_hz)
{
	ticks_per_interrupt = arch_timer_freq() / tick_hz;
	arch_timer_rearm();
}
