/*
 * Bringing up the other cores. The boot core starts each of cores
 * 1 .. CONFIG_NR_CPUS-1 through the board (platform_cpu_start: PSCI on
 * QEMU virt, or the spin table) at head.S's secondary_entry, which turns
 * the MMU on with the kernel's table and calls secondary_main on the
 * core's own stack. The core sets up its interrupts, says it is online,
 * waits for the kernel lock and enters the scheduler (docs/smp.md).
 *
 * While cores start, the kernel's table also maps the kernel's physical
 * section at its own address (the MMU-on jump in secondary_entry needs it);
 * the boot core removes that mapping once all are up or given up on.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/exception.h>
#include <kernel/klock.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/sched.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/timer.h>
#include <kernel/types.h>

#define STARTUP_WAIT_US 100000 /* a core not online by then is given up */

_Static_assert(CONFIG_NR_CPUS <= BOARD_CPUS,
	       "CONFIG_NR_CPUS: more cores than the board has");

extern uint32_t kernel_l1[];
extern uint8_t exception_vectors[];

/* Stacks of the secondary cores (core 0 has cpu0_boot_stack; its slot is
 * unused): secondary_entry takes the top of its own by core number. */
uint8_t secondary_stacks[CONFIG_NR_CPUS][CONFIG_KERNEL_STACK_SIZE]
	__attribute__((aligned(8)));

/* Set by each core once it runs with the MMU on; read by the boot core. */
static volatile uint32_t cpu_online[CONFIG_NR_CPUS];

void secondary_main(uint32_t cpu)
{
	write_vbar((uint32_t)(uintptr_t)exception_vectors);
	percpu_init_secondary(cpu, (uint32_t)(uintptr_t)
			      &secondary_stacks[cpu][CONFIG_KERNEL_STACK_SIZE]);
	platform_cpu_irq_init();
#ifdef CONFIG_BENCH_COUNTERS
	timer_open_to_user(); /* a per-core setting, as on the boot core */
#endif
	dsb();
	cpu_online[cpu] = 1;
	dsb();
	__asm__ volatile("sev");
	/* the boot core holds the lock until its first return to user
	 * mode: the containers exist by the time this core gets it */
	klock_acquire();
	sched_cpu_start();
	arch_first_return_to_user(); /* kernel_exit: pick, or idle */
}

/* Whether core `cpu` said it is online within STARTUP_WAIT_US. */
static bool wait_online(unsigned cpu)
{
	uint64_t start = timer_count();
	uint64_t limit = (uint64_t)timer_freq() * STARTUP_WAIT_US / 1000000u;

	/* yield: a hint to a core's other threads, and to an emulator that
	 * runs the cores in turn (QEMU with -icount), which would otherwise
	 * spend the whole wait here and never run the starting core. Not
	 * wfe: a core that never starts would send no event to end it. */
	while (!cpu_online[cpu]) {
		if (timer_count() - start > limit)
			return false;
		__asm__ volatile("yield");
	}
	return true;
}

static void identity_section(uint32_t phys, bool on)
{
	uint32_t i = phys >> SECTION_SHIFT;

	kernel_l1[i] = on ? ((phys & ~(SECTION_SIZE - 1)) | L1_SECT_KERNEL_RAM)
			  : 0;
	dsb();
	if (!on) /* the started cores may hold it in their TLBs too */
		tlb_flush_all();
	dsb();
	isb();
}

unsigned smp_boot_secondaries(void)
{
	uint32_t entry = virt_to_phys(secondary_entry).pa;
	unsigned online = 1;

	if (CONFIG_NR_CPUS == 1)
		return 1;
	identity_section(entry, true);
	for (unsigned cpu = 1; cpu < CONFIG_NR_CPUS; cpu++) {
		int err = platform_cpu_start(cpu, entry, cpu);

		if (err)
			printk("kernel: cpu %u not started: the firmware "
			       "refused (%d)\n", cpu, err);
		else if (!wait_online(cpu))
			printk("kernel: cpu %u not started: not online after "
			       "%u us\n", cpu, (unsigned)STARTUP_WAIT_US);
		else {
			cpu_state[cpu].online = true;
			online++;
		}
	}
	identity_section(entry, false);
	printk("kernel: %u of %u cpus online\n", online,
	       (unsigned)CONFIG_NR_CPUS);
	return online;
}
