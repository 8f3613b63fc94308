/* ARM GICv2: distributor and CPU interface, for one CPU. */
#include <stdint.h>
#include <platform/gicv2.h>

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10
#define GIC_SPURIOUS 1023u

static volatile uint32_t *gicd;
static volatile uint32_t *gicc;

void gicv2_init(void *dist, void *cpu)
{
	gicd = dist;
	gicc = cpu;
	gicd[GICD_CTLR / 4] = 1;
	gicc[GICC_PMR / 4] = 0xf0;
	gicc[GICC_CTLR / 4] = 1;
}

void gicv2_enable(unsigned irq)
{
	volatile uint8_t *prio = (volatile uint8_t *)gicd + GICD_IPRIORITYR;

	volatile uint8_t *target = (volatile uint8_t *)gicd + GICD_ITARGETSR;

	prio[irq] = 0xa0;
	if (irq >= 32)
		target[irq] = 1; /* shared peripheral interrupts: to CPU 0 */
	gicd[GICD_ISENABLER / 4 + irq / 32] = 1u << (irq % 32);
}

void gicv2_disable(unsigned irq)
{
	gicd[GICD_ICENABLER / 4 + irq / 32] = 1u << (irq % 32);
}

/* Returns the acknowledged IRQ number or -1 when none is pending. */
int gicv2_ack(void)
{
	uint32_t iar = gicc[GICC_IAR / 4];

	if ((iar & 0x3ff) == GIC_SPURIOUS)
		return -1;
	return (int)iar;
}

void gicv2_eoi(int iar)
{
	gicc[GICC_EOIR / 4] = (uint32_t)iar;
}
