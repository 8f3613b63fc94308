/*
 * The counter benchmarks read (CONFIG_BENCH_COUNTERS, scripts/bench): the
 * loader, the kernel and the bench container must read the same one, from
 * reset to the last figure.
 *
 * Boards with the generic timer: its virtual counter (CNTVCT), which user
 * mode reads directly. The Cortex-A9 has none: there it is the global
 * timer, memory-mapped beside the GIC (user mode reads it through the time
 * call's TIME_COUNTER). The loader starts it and reads it at its physical
 * address; the kernel reads it once the driver has mapped it (0 before).
 */
#ifndef PLATFORM_BENCH_COUNTER_H
#define PLATFORM_BENCH_COUNTER_H
#include <stdint.h>
#include <generated/board.h>

#ifdef BOARD_A9_GLOBAL_TIMER
#ifdef LOADER
#define A9_GT ((volatile uint32_t *)BOARD_A9_GLOBAL_TIMER)

static inline void bench_counter_start(void)
{
	A9_GT[2] |= 1u; /* control: timer enable */
}

static inline uint32_t bench_counter(void)
{
	return A9_GT[0]; /* counter, low word */
}
#else
#include <kernel/timer.h>

static inline uint32_t bench_counter(void)
{
	return (uint32_t)timer_count();
}
#endif
#else
static inline void bench_counter_start(void)
{
	/* the generic timer counts from reset */
}

/* The low word of the virtual counter. */
static inline uint32_t bench_counter(void)
{
	uint32_t lo, hi;

	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14"
			 : "=r"(lo), "=r"(hi));
	return lo;
}
#endif
#endif
