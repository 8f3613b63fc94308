/*
 * Boot information: the container descriptors the kernel reads at boot.
 * Written by the host (tools/bootinfo.py mirrors this layout; a pytest
 * checks sizes agree), carried in the image as the BOOTINFO part, handed to
 * the kernel by the loader. No container facts are compiled into the kernel.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC 0x464e4942u /* "BINF" */
#define BOOTINFO_VERSION 1u
#define BOOTINFO_NAME_LEN 16u
#define BOOTINFO_MAX_REGIONS 8u
#define BOOTINFO_MAX_CONTAINERS 64u

enum bootinfo_region_kind {
	BI_REGION_PROGRAM = 1, /* program image + stack: mapped for the pager */
};

/* Region flags: how the kernel maps it for the pager at boot. */
#define BI_REGION_READ 0x1u
#define BI_REGION_WRITE 0x2u
#define BI_REGION_EXEC 0x4u

struct bootinfo_region {
	uint32_t kind;
	uint32_t phys;
	uint32_t virt;
	uint32_t size;
	uint32_t flags;
};

struct bootinfo_container {
	char name[BOOTINFO_NAME_LEN]; /* NUL-padded */
	uint32_t program_part;        /* index in the image table */
	uint32_t entry;               /* pager's first user instruction */
	uint32_t stack_top;           /* pager's initial sp */
	uint32_t utcb;                /* pager's UTCB (user address) */
	uint32_t priority;
	uint32_t nr_regions;
	struct bootinfo_region regions[BOOTINFO_MAX_REGIONS];
};

struct bootinfo_header {
	uint32_t magic;
	uint32_t version;
	uint32_t size; /* header + all containers */
	uint32_t nr_containers;
	uint32_t container_size; /* sizeof(struct bootinfo_container) */
	uint32_t reserved[3];
	/* struct bootinfo_container containers[nr_containers] follows */
};

_Static_assert(sizeof(struct bootinfo_region) == 20, "bootinfo region");
_Static_assert(sizeof(struct bootinfo_container) == 200, "bootinfo container");
_Static_assert(sizeof(struct bootinfo_header) == 32, "bootinfo header");

#endif
