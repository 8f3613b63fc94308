/*
 * ARM GICv2: distributor and CPU interface. On a board with a GIC this
 * driver is the platform's interrupt interface (kernel/platform.h):
 * interrupt ids are GIC ids, the kernel's timer is BOARD_TIMER_IRQ and ids
 * from BOARD_IRQ_COUNT up are the GIC's special ones.
 *
 * Cores: device interrupts (SPIs) go to core 0. Each core has its own
 * (banked) CPU interface, private interrupts (its timer) and SGIs; SGI
 * IPI_SGI is the scheduler's IPI. A core's GIC target bit is read from
 * the banked GICD_ITARGETSR0, not assumed to be its number.
 */
#include <stdint.h>
#include <arch/cpu.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <platform/gicv2.h>
#include <generated/board.h>

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xf00
#define GICD_SGIR_TARGET_SHIFT 16
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GIC_SPURIOUS 1023u
#define GIC_ID_MASK 0x3ffu
#define GIC_NR_SGIS 16u
#define IPI_SGI 0u
#define IRQ_PRIORITY 0xa0u /* above the CPU interface's mask, 0xf0 */

static volatile uint32_t *gicd;
static volatile uint32_t *gicc;

/* Each core's GIC CPU interface bit (the SGI target list's). */
static uint8_t cpu_target[CONFIG_NR_CPUS];

/* This core's CPU interface and private interrupts: on every core. */
static void gicv2_cpu_init(void)
{
	volatile uint8_t *prio = (volatile uint8_t *)gicd + GICD_IPRIORITYR;
	volatile uint8_t *target = (volatile uint8_t *)gicd + GICD_ITARGETSR;

	cpu_target[this_cpu_id()] = target[0]; /* banked: this core's bit */
	prio[IPI_SGI] = IRQ_PRIORITY;
	gicd[GICD_ISENABLER / 4] = 1u << IPI_SGI;
	gicc[GICC_PMR / 4] = 0xf0;
	gicc[GICC_CTLR / 4] = 1;
}

void gicv2_init(void *dist, void *cpu)
{
	gicd = dist;
	gicc = cpu;
	gicd[GICD_CTLR / 4] = 1;
	gicv2_cpu_init();
}

void platform_cpu_irq_init(void)
{
	gicv2_cpu_init();
	gicv2_enable(BOARD_TIMER_IRQ); /* a private interrupt: banked */
}

void platform_send_ipi(unsigned cpu)
{
	dsb(); /* what the IPI is about is visible first */
	gicd[GICD_SGIR / 4] = (uint32_t)cpu_target[cpu]
				      << GICD_SGIR_TARGET_SHIFT |
			      IPI_SGI;
}

void gicv2_enable(unsigned irq)
{
	volatile uint8_t *prio = (volatile uint8_t *)gicd + GICD_IPRIORITYR;

	volatile uint8_t *target = (volatile uint8_t *)gicd + GICD_ITARGETSR;

	prio[irq] = IRQ_PRIORITY;
	if (irq >= 32)
		target[irq] = 1; /* shared peripheral interrupts: to CPU 0 */
	gicd[GICD_ISENABLER / 4 + irq / 32] = 1u << (irq % 32);
}

void gicv2_disable(unsigned irq)
{
	gicd[GICD_ICENABLER / 4 + irq / 32] = 1u << (irq % 32);
}

/* Returns the acknowledged IRQ number or -1 when none is pending. */
static int gicv2_ack(void)
{
	uint32_t iar = gicc[GICC_IAR / 4];

	if ((iar & GIC_ID_MASK) == GIC_SPURIOUS)
		return -1;
	return (int)iar;
}

static void gicv2_eoi(int iar)
{
	gicc[GICC_EOIR / 4] = (uint32_t)iar;
}

int platform_handle_irq(void)
{
	int iar = gicv2_ack();
	unsigned id;

	if (iar < 0)
		return 0;
	id = (unsigned)iar & GIC_ID_MASK;
	if (id < GIC_NR_SGIS) {
		/* the scheduler's IPI: need_resched is set already, and
		 * the way out of the kernel picks again */
	} else if (id == BOARD_TIMER_IRQ) {
		timer_interrupt();
	} else if (id == BOARD_UART_IRQ) {
		console_interrupt(); /* enabled only with the state key */
	} else {
		/* a device's: masked until its thread acknowledges it */
		gicv2_disable(id);
		irq_raised(id);
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
	return irq == BOARD_TIMER_IRQ || irq == BOARD_UART_IRQ ||
	       irq >= BOARD_IRQ_COUNT;
}
