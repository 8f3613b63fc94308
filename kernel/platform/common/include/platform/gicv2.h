/* ARM GICv2 (kernel/platform/common/gicv2.c). */
#ifndef PLATFORM_GICV2_H
#define PLATFORM_GICV2_H
void gicv2_init(void *dist, void *cpu);
void gicv2_enable(unsigned irq);
void gicv2_disable(unsigned irq);
#endif
