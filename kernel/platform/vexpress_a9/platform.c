/*
 * vexpress-a9: PL011 console, the GIC and the global timer of the A9
 * private memory region. The GIC's CPU interface and the global timer share
 * the region's first page with the SCU; the kernel maps the region once per
 * driver (the device window maps whole sections, so this costs no memory).
 */
#include <arch/mmu.h>
#include <kernel/platform.h>
#include <kernel/timer.h>
#include <platform/gicv2.h>
#include <platform/pl011.h>

void platform_init(void)
{
	pl011_init(arch_map_device(pa(BOARD_UART_PL011), PAGE_SIZE));
	gicv2_init(arch_map_device(pa(BOARD_GIC_DIST), PAGE_SIZE),
		   arch_map_device(pa(BOARD_GIC_CPU), 0x100));
	timer_init();
	gicv2_enable(BOARD_TIMER_IRQ);
#ifdef CONFIG_CONSOLE_STATE_KEY
	pl011_rx_enable();
	gicv2_enable(BOARD_UART_IRQ);
#endif
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
