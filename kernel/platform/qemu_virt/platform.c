/* QEMU virt: PL011 console, GICv2, generic (virtual) timer. */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/poweroff.h>
#include <arch/timer.h>
#include <kernel/platform.h>
#include <platform/gicv2.h>
#include <platform/pl011.h>

void platform_init(void)
{
	pl011_init(arch_map_device(pa(BOARD_UART_PL011), PAGE_SIZE));
	gicv2_init(arch_map_device(pa(BOARD_GIC_DIST), PAGE_SIZE),
		   arch_map_device(pa(BOARD_GIC_CPU), PAGE_SIZE));
	gicv2_enable(BOARD_TIMER_IRQ);
	sched_timer_init(CONFIG_TICK_HZ);
}

void platform_putc(char c)
{
	pl011_putc(c);
}

uint32_t platform_timer_hz(void)
{
	return CONFIG_TICK_HZ;
}

int platform_handle_irq(void)
{
	int iar = gicv2_ack();

	if (iar < 0)
		return 0;
	if ((iar & 0x3ff) == BOARD_TIMER_IRQ) {
		timer_interrupt();
	} else {
		/* a device's: masked until its thread acknowledges it */
		gicv2_disable((unsigned)iar & 0x3ff);
		irq_raised((unsigned)iar & 0x3ff);
	}
	gicv2_eoi(iar);
	return 1;
}

void platform_irq_unmask(unsigned irq)
{
	gicv2_enable(irq);
}

void platform_irq_mask(unsigned irq)
{
	gicv2_disable(irq);
}

bool platform_irq_reserved(unsigned irq)
{
	return irq == BOARD_TIMER_IRQ || irq >= PLATFORM_IRQ_COUNT;
}

void platform_exit(int status)
{
	arch_poweroff(status);
	for (;;)
		wfi();
}
