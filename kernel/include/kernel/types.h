/*
 * Typed addresses: a physical address is a one-field struct so it cannot be
 * mixed up with a pointer or a user-virtual address by accident.
 */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <generated/board.h>

typedef struct {
	uint32_t pa;
} paddr_t;

static inline paddr_t pa(uint32_t addr)
{
	return (paddr_t){addr};
}

/* All of RAM is mapped at this offset from its physical address. */
#define KERNEL_VIRT_OFFSET (BOARD_KERNEL_VIRT - BOARD_KERNEL_PHYS)

static inline void *phys_to_virt(paddr_t p)
{
	return (void *)(uintptr_t)(p.pa + KERNEL_VIRT_OFFSET);
}

static inline paddr_t virt_to_phys(const void *v)
{
	return pa((uint32_t)(uintptr_t)v - KERNEL_VIRT_OFFSET);
}

#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((a)-1))
#define IS_ALIGNED(x, a) (((x) & ((a)-1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
	((type *)((char *)(ptr)-offsetof(type, member)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif
