/* Per-CPU state and the boot CPU's kernel stack. */
#include <arch/cpu.h>
#include <kernel/percpu.h>
#include <kernel/types.h>

#define STR_(x) #x
#define STR(x) STR_(x)

uint8_t cpu0_boot_stack[CONFIG_KERNEL_STACK_SIZE] __attribute__((aligned(8)));
extern uint8_t cpu0_boot_stack_top[];
__asm__(".global cpu0_boot_stack_top\n"
	".set cpu0_boot_stack_top, cpu0_boot_stack + " STR(CONFIG_KERNEL_STACK_SIZE));

struct percpu cpu0;

void percpu_init(void)
{
	cpu0.kstack_top = (uint32_t)(uintptr_t)cpu0_boot_stack_top;
	cpu0.cpu_id = 0;
	write_tpidrprw((uint32_t)(uintptr_t)&cpu0);
}
