/*
 * The parts of the platform interface (kernel/platform.h) that are the same
 * on every board: the tick rate comes from the configuration and the system
 * ends through the architecture's power-off path.
 */
#include <arch/cpu.h>
#include <arch/poweroff.h>
#include <kernel/platform.h>

uint32_t platform_timer_hz(void)
{
	return CONFIG_TICK_HZ;
}

void platform_exit(int status)
{
	arch_poweroff(status);
	for (;;)
		wfi();
}
