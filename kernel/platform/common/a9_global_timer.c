/*
 * The Cortex-A9 MPCore global timer: a 64-bit up-counter shared by the
 * cores with a per-core comparator, in the private memory region
 * (PERIPHBASE + 0x200, BOARD_A9_GLOBAL_TIMER). The A9 has no generic timer;
 * this gives the kernel the same free-running count and one-shot deadline.
 * Its interrupt is PPI 11, id 27 on the GIC (BOARD_TIMER_IRQ).
 *
 * The counter runs at PERIPHCLK / (prescaler + 1); the board gives the
 * resulting rate (BOARD_A9_TIMER_HZ) since no register holds it.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/timer.h>
#include <generated/board.h>

#define GT_COUNT_LO 0x00
#define GT_COUNT_HI 0x04
#define GT_CONTROL 0x08
#define GT_INT_STATUS 0x0c
#define GT_COMPARE_LO 0x10
#define GT_COMPARE_HI 0x14

#define GT_CTL_TIMER_ENABLE (1u << 0)
#define GT_CTL_COMP_ENABLE (1u << 1)
#define GT_CTL_IRQ_ENABLE (1u << 2)
#define GT_INT_EVENT 1u

static volatile uint32_t *gt;

static inline uint32_t gt_read(unsigned off)
{
	return gt[off / 4];
}

static inline void gt_write(unsigned off, uint32_t v)
{
	gt[off / 4] = v;
}

void timer_init(void)
{
	gt = arch_map_device(pa(BOARD_A9_GLOBAL_TIMER), 0x20);
	/* prescaler 0, no compare; the count goes on from where the loader
	 * (benchmarks) may have started it */
	gt_write(GT_CONTROL, GT_CTL_TIMER_ENABLE);
	gt_write(GT_INT_STATUS, GT_INT_EVENT);
}

uint32_t timer_freq(void)
{
	return BOARD_A9_TIMER_HZ;
}

/* The two halves are read separately: read high, low, high again until
 * the high half did not change in between (the A9 TRM's sequence). */
uint64_t timer_count(void)
{
	uint32_t hi, lo, again;

	if (!gt)
		return 0; /* before timer_init (early bench readings) */
	do {
		hi = gt_read(GT_COUNT_HI);
		lo = gt_read(GT_COUNT_LO);
		again = gt_read(GT_COUNT_HI);
	} while (hi != again);
	return ((uint64_t)hi << 32) | lo;
}

/* The comparator fires when the counter reaches or passes it: a deadline
 * already past interrupts at once, as the generic timer does. Disabled
 * while the two halves are written so no half-written value matches. */
void timer_set_deadline(uint64_t count)
{
	gt_write(GT_CONTROL, GT_CTL_TIMER_ENABLE);
	gt_write(GT_INT_STATUS, GT_INT_EVENT);
	gt_write(GT_COMPARE_LO, (uint32_t)count);
	gt_write(GT_COMPARE_HI, (uint32_t)(count >> 32));
	gt_write(GT_CONTROL, GT_CTL_TIMER_ENABLE | GT_CTL_COMP_ENABLE |
				     GT_CTL_IRQ_ENABLE);
	dsb();
}

void timer_stop(void)
{
	gt_write(GT_CONTROL, GT_CTL_TIMER_ENABLE);
	gt_write(GT_INT_STATUS, GT_INT_EVENT);
	dsb();
}

/* The global timer is memory-mapped in the page of the GIC's CPU
 * interface: user mode cannot be given it. Benchmarks read it through the
 * time call (TIME_COUNTER) instead. */
bool timer_open_to_user(void)
{
	return false;
}
