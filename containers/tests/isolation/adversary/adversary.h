/*
 * The adversary of the isolation test system: what its attempt files
 * share. See main.c for the plan and configs/isolation.toml for what it
 * was given.
 */
#ifndef ADVERSARY_H
#define ADVERSARY_H

#include <stdbool.h>
#include <stdint.h>
#include <generated/board.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include "../victim/protocol.h"

#define PAGE 4096u

/* Facts of the board (generated/board.h, from board.toml) and of
 * configs/isolation.toml it aims at. */
#define KERNEL_PHYS   BOARD_KERNEL_PHYS /* board.toml kernel_phys */
#define KERNEL_VIRT   BOARD_KERNEL_VIRT /* board.toml kernel_virt */
#define IMAGE_PHYS    BOARD_IMAGE_BASE  /* board.toml image_base: loader first */
/* RAM no container declares: 64 MiB in (isolation.toml: ram_offset
 * 0x01000000..0x01310000 are declared) */
#define NOBODYS_RAM   (BOARD_RAM_BASE + 0x04000000u)
/* The start of RAM: QEMU virt's device tree there; RAM no container
 * declares on every board */
#define DTB_PHYS      BOARD_RAM_BASE
#define LAST_RAM_PAGE (BOARD_RAM_BASE + BOARD_RAM_SIZE - PAGE)
#define UART_PHYS     BOARD_UART_PL011 /* the kernel's PL011 console */
/* the victim's device: the board's PL031, or its BCM2835 system timer */
#if defined(BOARD_HAS_PERIPHERAL_RTC)
#define RTC_PHYS      BOARD_PERIPHERAL_RTC_PHYS
#define RTC_IRQ	      ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ)
#elif defined(BOARD_HAS_PERIPHERAL_SYSTEM_TIMER)
#define RTC_PHYS      BOARD_PERIPHERAL_SYSTEM_TIMER_PHYS
#define RTC_IRQ	      ((uint32_t)BOARD_PERIPHERAL_SYSTEM_TIMER_IRQ)
#else
#define RTC_IRQ	      32u /* no RTC: only to place the two below */
#endif
/* the kernel's interrupt controller (two of its pages) */
#ifdef BOARD_GIC_DIST
#define INTC_PHYS     BOARD_GIC_DIST
#define INTC2_PHYS    (BOARD_GIC_CPU & ~(PAGE - 1)) /* its page */
#else
#define INTC_PHYS     BOARD_BCM2835_INTC
#define INTC2_PHYS    BOARD_BCM2836_LOCAL
#endif
/* Ids no device carries: an SPI (the console's on QEMU virt), the two
 * after the RTC's (35 and 36 on QEMU virt) skipping the timer, and a
 * high one (100 where the controller has it) */
#define UART_IRQ      ((uint32_t)BOARD_UART_IRQ) /* the kernel's console */
#define KERNEL_IRQ(i) ((i) == TIMER_IRQ || (i) == UART_IRQ)
#define FREE_IRQ_A    (KERNEL_IRQ(RTC_IRQ + 1) ? RTC_IRQ + 3 : RTC_IRQ + 1)
#define FREE_IRQ_B    (KERNEL_IRQ(RTC_IRQ + 2) ? RTC_IRQ + 4 : RTC_IRQ + 2)
#define HIGH_IRQ      (IRQ_COUNT > 100 ? 100u : IRQ_COUNT - 1u)
#define TIMER_IRQ     ((uint32_t)BOARD_TIMER_IRQ) /* the kernel's tick */
/* Ids from here on are refused with -E_INVAL (as the timer's is): the
 * GIC's count, or on raspi2b the GPU and ARM basic lines (board.toml) */
#define IRQ_COUNT ((uint32_t)BOARD_IRQ_COUNT)
/* Its own virtual range next to its program: the page-table page there
 * is the kernel's (boot region), so mapping in it costs no budget. */
#define WINDOW	0x10100000u
#define FAR_VA	0x30000000u /* its other virtual range, 32 MiB */
#define PT_SPAN 0x400000u   /* one page-table page maps 4 MiB */
/* its read-only memory: isolation.toml adversary memory[0] ram_offset */
#define RO_PHYS (BOARD_RAM_BASE + 0x01210000u)

/* What the victim published (protocol.h), and its pager's tid. */
struct victim {
	uint32_t pager;
	uint32_t w[ISO_HELLO_WORDS];
};
extern struct victim victim;
extern struct sys_ids self;
extern uint32_t prog_phys; /* its own program region */

/* test_run only says whether something failed; the victim prints the
 * summary of both containers, so each case ends with PASSED() (an
 * expectation that fails returns before it). */
extern unsigned cases_passed, cases_skipped;
#define PASSED() (cases_passed++)
/* A case that needs what the board lacks: its SKIP line, counted apart. */
#define SKIPPED(...)                                                           \
	do {                                                                   \
		cases_skipped++;                                               \
		TEST_SKIP(__VA_ARGS__);                                        \
	} while (0)
#ifdef RTC_PHYS
#define NEED_RTC() ((void)0)
#else
#define NEED_RTC() SKIPPED("no RTC or system timer on this board")
#endif

/* ---- capabilities (caps.c) ---------------------------------------------- */
#define MAX_CAPS 32
extern struct cap_info caps[MAX_CAPS]; /* filled by the helpers below */
/* The first capability of res on its container's list. */
bool find_cap(uint32_t res, struct cap_info *out);
/* The memory capability of res starting at base. */
bool find_mem(uint32_t res, uint32_t base, struct cap_info *out);
bool lookup_cap(uint32_t id, struct cap_info *out);
bool can_see(uint32_t id);
uint32_t used_of(uint32_t res);

/* ---- children (spawn.c) ------------------------------------------------- */
#define SLOTS 4 /* its THREADS budget */
typedef int (*child_fn)(uint32_t arg);
/* An inactive child in its space, paged by it, running fn(arg) when run;
 * returns its tid or -E_*. */
int child_create(child_fn fn, uint32_t arg);
/* The same, naming the thread group it should join (0: its own). */
int child_create_group(child_fn fn, uint32_t arg, uint32_t tgid);
/* Created and run. */
int child_spawn(child_fn fn, uint32_t arg);
/* Wait for it to end; its exit code. */
int child_wait(int tid);
/* End it and reap it. */
int child_kill(int tid);
/* The UTCB of a child (0: not a child). */
struct utcb *child_utcb(int tid);
/* An inactive thread in a new space (one SPACES unit), never run. */
int scratch_space(void);

/* ---- the attempt tables ---------------------------------------------------
 */
extern const struct test_case mem_tests[];
extern const struct test_case ipc_thread_tests[];
extern const struct test_case budget_tests[];
extern const struct test_case cap_tests[];
extern const struct test_case pointer_fault_tests[];
extern const struct test_case channel_tests[];

#endif
