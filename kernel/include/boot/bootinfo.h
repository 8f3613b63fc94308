/*
 * Boot information: the container descriptors the kernel reads at boot.
 * Written by the host (tools/image_format.py mirrors this layout; a pytest
 * checks sizes agree), carried in the image as the BOOTINFO part, handed to
 * the kernel by the loader. No container facts are compiled into the kernel.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdint.h>

#define BOOTINFO_MAGIC 0x464e4942u /* "BINF" */
#define BOOTINFO_VERSION 4u
#define BOOTINFO_NAME_LEN 16u
#define BOOTINFO_MAX_REGIONS 8u
#define BOOTINFO_MAX_CONTAINERS 64u
#define BOOTINFO_MAX_CAPS 64u /* per container */

enum bootinfo_region_kind {
	BI_REGION_PROGRAM = 1, /* program image + stack: mapped for the pager */
	BI_REGION_MEMORY = 2,  /* further memory, mapped at boot */
};

/* Restart policies (the manifest sets them; container.c acts on them). */
enum bootinfo_restart {
	BI_RESTART_NEVER = 0,
	BI_RESTART_ALWAYS = 1,
	BI_RESTART_ON_FAILURE = 2,
	BI_RESTART_CORE = 3, /* its death stops the system */
};

/*
 * A capability the container starts with, resolved by the host: targets
 * are container indices, memory ranges are absolute. Field meanings as in
 * struct cap_info (tessera/cap.h); `list` is CAP_LIST_PRIVATE (the pager's
 * own) or CAP_LIST_CONTAINER.
 */
struct bootinfo_cap {
	uint32_t resource;
	uint32_t ops;
	uint32_t flags;
	uint32_t target_kind;
	uint32_t target;
	uint32_t base;
	uint32_t size;
	uint32_t irq;
	uint32_t list;
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
	uint32_t nr_regions;          /* mapped into its space at boot */
	struct bootinfo_region regions[BOOTINFO_MAX_REGIONS];
	uint32_t restart;             /* BI_RESTART_* */
	uint32_t restart_limit;       /* on-failure: restarts allowed */
	uint32_t first_cap;           /* index in the capability array */
	uint32_t nr_caps;
	uint32_t cpu_budget_us;       /* CPU time in every period; 0: none */
	uint32_t cpu_period_us;
	uint32_t cpu_mask;            /* CPUs its threads may run on: bit n =
				       * cpu n; non-zero, below CONFIG_NR_CPUS */
};

struct bootinfo_header {
	uint32_t magic;
	uint32_t version;
	uint32_t size; /* header + all containers */
	uint32_t nr_containers;
	uint32_t container_size; /* sizeof(struct bootinfo_container) */
	uint32_t cap_size;       /* sizeof(struct bootinfo_cap) */
	uint32_t caps_offset;    /* from the header's start */
	uint32_t nr_caps;        /* in all containers */
	/* struct bootinfo_container containers[nr_containers] follows, then
	 * struct bootinfo_cap caps[nr_caps] at caps_offset */
};

_Static_assert(sizeof(struct bootinfo_region) == 20, "bootinfo region");
_Static_assert(sizeof(struct bootinfo_container) == 228, "bootinfo container");
_Static_assert(sizeof(struct bootinfo_cap) == 36, "bootinfo cap");
_Static_assert(sizeof(struct bootinfo_header) == 32, "bootinfo header");

#endif
