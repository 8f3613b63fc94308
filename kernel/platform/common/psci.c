/*
 * PSCI (the ARM Power State Coordination Interface) as a board's way to
 * start its other cores: CPU_ON with the core's MPIDR affinity, the
 * physical entry point and a context id the core finds in r0. The conduit
 * (hvc or smc) is the board's (board.toml [smp] psci_conduit).
 */
#include <stdint.h>
#include <kernel/platform.h>
#include <generated/board.h>

#define PSCI_CPU_ON 0x84000003u

static int32_t psci_call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = a1;
	register uint32_t r2 __asm__("r2") = a2;
	register uint32_t r3 __asm__("r3") = a3;

#if defined(BOARD_PSCI_CONDUIT_HVC)
	__asm__ volatile(".arch_extension virt\n\thvc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)::"memory");
#elif defined(BOARD_PSCI_CONDUIT_SMC)
	__asm__ volatile(".arch_extension sec\n\tsmc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)::"memory");
#else
#error "psci: the board names no conduit (board.toml [smp] psci_conduit)"
#endif
	return (int32_t)r0;
}

/* Core `cpu` is Aff0 = cpu of cluster 0 (QEMU virt's numbering). Returns
 * 0 or the PSCI error: -1 not supported, -2 invalid parameters (no such
 * core), -4 already on, -9 invalid address. */
int platform_cpu_start(unsigned cpu, uint32_t entry_phys, uint32_t context)
{
	return psci_call(PSCI_CPU_ON, cpu, entry_phys, context);
}
