/*
 * Starting the other cores of a board whose cores all enter the boot image
 * and wait in the loader (loader/spin_table.h: QEMU's raspi2b and
 * vexpress-a9 with a non-Linux image): the kernel writes a core's entry
 * point to its word of the loader's spin table, pushes the word out of the
 * data cache (the waiting core reads it with its MMU and caches off) and
 * wakes the cores with sev.
 */
#include <stdint.h>
#include <arch/cpu.h>
#include <kernel/platform.h>
#include <kernel/types.h>
#include <loader/spin_table.h>
#include <generated/board.h>

#define PSCI_STYLE_INVALID_PARAMETERS (-2)
#define PSCI_STYLE_ALREADY_ON (-4)

/* DCCMVAC: clean the line holding va to the point of coherency. */
static inline void dcache_clean_line(const volatile void *va)
{
	__asm__ volatile("mcr p15, 0, %0, c7, c10, 1" ::"r"(va) : "memory");
}

/* The errors are PSCI's numbers, so the kernel reports both alike. The
 * table cannot say whether a core exists: one that does not never comes
 * online, and the kernel gives up on it. */
int platform_cpu_start(unsigned cpu, uint32_t entry_phys, uint32_t context)
{
	volatile uint32_t *table =
		phys_to_virt(pa(BOARD_IMAGE_BASE + SPIN_TABLE_OFFSET));

	(void)context; /* the loader passes the core number in r0 */
	if (cpu == 0 || cpu >= SPIN_TABLE_CORES)
		return PSCI_STYLE_INVALID_PARAMETERS;
	if (table[cpu])
		return PSCI_STYLE_ALREADY_ON;
	table[cpu] = entry_phys;
	dsb();
	dcache_clean_line(&table[cpu]);
	dsb();
	__asm__ volatile("sev");
	return 0;
}
