/**
 * @file tessera/boot.h
 * @brief What the kernel tells a container's pager at start.
 *
 * Its memory region (from the manifest) and how many times the container
 * was restarted. crt0 saves the registers the kernel set (r0 = phys,
 * r1 = virt, r2 = size, r3 = restarts) here before main runs.
 */
#ifndef TESSERA_BOOT_H
#define TESSERA_BOOT_H

#include <stdint.h>

/** @brief The program region of the container and its restart count. */
struct container_region {
	uint32_t phys;     /**< physical start of the program region */
	uint32_t virt;     /**< where it is mapped (the manifest's `virt`) */
	uint32_t size;     /**< its size in bytes (the manifest's `size`) */
	uint32_t restarts; /**< 0 on the first start; n in the n-th restart */
};

/**
 * @brief The first pager's boot arguments, stored by crt0 before main.
 *
 * Valid in every thread of the program's space (it is ordinary .bss).
 * After a restart the region is zeroed and this is written again, with
 * restarts one higher: it is all a life knows of the lives before it.
 */
extern struct container_region container_region;

#endif
