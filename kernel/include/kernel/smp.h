/* Bringing up the other cores (kernel/generic/smp.c, docs/smp.md). */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H
#include <stdint.h>

/* Start cores 1 .. CONFIG_NR_CPUS-1 and wait for each to come online (or
 * report that it did not); returns how many cores are online. */
unsigned smp_boot_secondaries(void);

/* head.S's entry for a secondary core (physical address, MMU off; r0 =
 * its core number) and the C code it reaches with the MMU on. */
void secondary_entry(void);
void secondary_main(uint32_t cpu) __attribute__((noreturn));
#endif
