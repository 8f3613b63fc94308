/*
 * Kernel entry after the MMU is on: bring up memory, the platform and every
 * container from the boot info, then enter user mode.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <boot/bootinfo.h>
#include <kernel/bootinfo_check.h>
#include <kernel/container.h>
#include <kernel/exception.h>
#include <kernel/kip.h>
#include <kernel/klock.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/usched.h>
#include <loader/image_format.h>
#include <generated/version.h>

extern uint8_t exception_vectors[];

#ifdef CONFIG_BENCH_COUNTERS
#include <kernel/timer.h>
#include <platform/bench_counter.h>
/* Benchmarks (scripts/bench): the loader leaves its last counter reading in
 * TPIDRURW; the timer driver lets user mode read the counter if it can. */
CP15_RW(tpidrurw, 0, c13, c0, 2)

static void bench_report(uint32_t jump, uint32_t entry, uint32_t started)
{
	printk("kernel: bench counters: loader jump %u, kernel_main %u, "
	       "all containers started %u\n",
	       (unsigned)jump, (unsigned)entry, (unsigned)started);
	write_tpidrurw(0);
	if (!timer_open_to_user())
		printk("kernel: bench counters: user mode reads the counter "
		       "through time(TIME_COUNTER)\n");
}
#endif

#ifdef CONFIG_SELFTEST_PANIC
/* A kernel data abort at a known unmapped address, to test the report. */
static void selftest_panic(void)
{
	uintptr_t addr = 0x00000ff0u;

	printk("kernel: self-test: faulting on purpose\n");
	__asm__("" : "+r"(addr)); /* hide the constant from the optimiser */
	*(volatile uint32_t *)addr = 0xdead;
}
#endif

void kernel_main(uint32_t bootinfo_phys, uint32_t image_table_phys);
void kernel_main(uint32_t bootinfo_phys, uint32_t image_table_phys)
{
	const struct bootinfo_header *bi = phys_to_virt(pa(bootinfo_phys));
	const struct image_header *image = phys_to_virt(pa(image_table_phys));
#ifdef CONFIG_BENCH_COUNTERS
	uint32_t bench_jump = read_tpidrurw();
	uint32_t bench_entry = bench_counter();
#endif

	write_vbar((uint32_t)(uintptr_t)exception_vectors);
	percpu_init();
	klock_acquire(); /* until the first return to user mode */
	arch_mmu_init();
	platform_init();
	printk("kernel: Tessera " TESSERA_VERSION " on %s, %u MiB RAM at 0x%08x\n",
	       BOARD_NAME,
	       (unsigned)(BOARD_RAM_SIZE >> 20), (unsigned)BOARD_RAM_BASE);
	smp_boot_secondaries();
	bootinfo_check(image, bi); /* before anything reads it */
	kmem_init(image, bi);
	kip_init(bi->nr_containers);
	uint32_t started = containers_create(bi, image);
	usched_init();
#ifdef CONFIG_BENCH_COUNTERS
	uint32_t bench_started = bench_counter();
#endif
	printk("kernel: %u containers started, %u pages free\n",
	       (unsigned)started, (unsigned)kmem_free_page_count());
#ifdef CONFIG_BENCH_COUNTERS
	bench_report(bench_jump, bench_entry, bench_started);
#endif
#ifdef CONFIG_SELFTEST_PANIC
	selftest_panic();
#endif
	arch_first_return_to_user();
}
