/*
 * What the kernel tells a container's pager at start: its memory region
 * (from the manifest). crt0 saves the registers the kernel set (r0 = phys,
 * r1 = virt, r2 = size) here before main runs.
 */
#ifndef TESSERA_BOOT_H
#define TESSERA_BOOT_H

#include <stdint.h>

struct container_region {
	uint32_t phys;
	uint32_t virt;
	uint32_t size;
};

extern struct container_region container_region;

#endif
