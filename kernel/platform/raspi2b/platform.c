/*
 * Raspberry Pi 2 (BCM2836): PL011 console, the BCM2836 local and BCM2835
 * ARM interrupt controllers (no GIC), the generic timer's virtual timer
 * routed to core 0 by the local controller.
 */
#include <arch/mmu.h>
#include <kernel/platform.h>
#include <kernel/timer.h>
#include <platform/bcm2836_intc.h>
#include <platform/pl011.h>

void platform_init(void)
{
	pl011_init(arch_map_device(pa(BOARD_UART_PL011), PAGE_SIZE));
	bcm2836_intc_init();
#ifdef CONFIG_CONSOLE_STATE_KEY
	pl011_rx_enable();
	platform_irq_unmask(BOARD_UART_IRQ);
#endif
	timer_init();
	sched_timer_init(CONFIG_TICK_HZ);
}

void platform_write(const char *s, size_t len)
{
	pl011_write(s, len);
}

int platform_getc(void)
{
	return pl011_getc();
}
