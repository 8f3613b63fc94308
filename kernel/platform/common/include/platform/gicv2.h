#ifndef PLATFORM_GICV2_H
#define PLATFORM_GICV2_H
void gicv2_init(void *dist, void *cpu);
void gicv2_enable(unsigned irq);
void gicv2_disable(unsigned irq);
int gicv2_ack(void);
void gicv2_eoi(int iar);
#endif
