/* BCM2836 local + BCM2835 ARM interrupt controllers (bcm2836_intc.c). */
#ifndef PLATFORM_BCM2836_INTC_H
#define PLATFORM_BCM2836_INTC_H
void bcm2836_intc_init(void);
#endif
