/*
 * How the loader hands the other cores to the kernel on boards that start
 * every core at the image's entry (QEMU's raspi2b and vexpress-a9 with a
 * non-Linux image): each waits in the loader (wfe) on its word of a spin
 * table at a fixed offset from the image base, and jumps, in SVC with the
 * MMU off and r0 = its core number, to the address the kernel writes there
 * (kernel/platform/common/spin_table.c, docs/smp.md).
 */
#ifndef LOADER_SPIN_TABLE_H
#define LOADER_SPIN_TABLE_H
#define SPIN_TABLE_OFFSET 0x40 /* from BOARD_IMAGE_BASE */
#define SPIN_TABLE_CORES 8     /* words: core 0 (unused) .. 7 */
#endif
