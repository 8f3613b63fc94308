/*
 * What the kernel tells a container's pager at start: its memory region
 * (from the manifest) and how many times the container was restarted.
 * crt0 saves the registers the kernel set (r0 = phys, r1 = virt,
 * r2 = size, r3 = restarts) here before main runs.
 */
#ifndef TESSERA_BOOT_H
#define TESSERA_BOOT_H

#include <stdint.h>

struct container_region {
	uint32_t phys;
	uint32_t virt;
	uint32_t size;
	uint32_t restarts; /* 0 on the first start */
};

extern struct container_region container_region;

#endif
