/*
 * Ending the system. Semihosting's SYS_EXIT_EXTENDED carries the exit
 * status to QEMU; PSCI SYSTEM_OFF (via HVC on QEMU virt) powers off without
 * one; halting just parks the CPU.
 */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/poweroff.h>

#define SEMIHOST_SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define PSCI_SYSTEM_OFF 0x84000008u

void arch_poweroff(int status)
{
#if defined(CONFIG_EXIT_SEMIHOSTING)
	volatile uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT,
				      (uint32_t)status};
	register uint32_t r0 __asm__("r0") = SEMIHOST_SYS_EXIT_EXTENDED;
	register volatile uint32_t *r1 __asm__("r1") = block;
	__asm__ volatile("svc 0x123456" : "+r"(r0) : "r"(r1) : "memory");
#elif defined(CONFIG_EXIT_PSCI)
	register uint32_t r0 __asm__("r0") = PSCI_SYSTEM_OFF;
	(void)status;
	__asm__ volatile("hvc #0" : "+r"(r0)::"memory");
#else
	(void)status;
#endif
	for (;;)
		wfi();
}
