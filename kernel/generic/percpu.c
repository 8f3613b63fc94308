/* Per-CPU records and the boot CPU's kernel stack. */
#include <arch/cpu.h>
#include <kernel/percpu.h>
#include <kernel/types.h>

#define STR_(x) #x
#define STR(x) STR_(x)

uint8_t cpu0_boot_stack[CONFIG_KERNEL_STACK_SIZE] __attribute__((aligned(8)));
extern uint8_t cpu0_boot_stack_top[];
__asm__(".global cpu0_boot_stack_top\n"
	".set cpu0_boot_stack_top, cpu0_boot_stack + " STR(CONFIG_KERNEL_STACK_SIZE));

struct percpu cpu_state[CONFIG_NR_CPUS];

void percpu_init_secondary(uint32_t cpu, uint32_t kstack_top)
{
	struct percpu *me = &cpu_state[cpu];

	me->cpu_id = cpu;
	me->kstack_top = kstack_top;
	write_tpidrprw((uint32_t)(uintptr_t)me);
}

void percpu_init(void)
{
	percpu_init_secondary(0, (uint32_t)(uintptr_t)cpu0_boot_stack_top);
	cpu0.online = true;
}
