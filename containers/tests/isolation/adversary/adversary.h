/*
 * The adversary of the isolation test system: what its attempt files
 * share. See main.c for the plan and configs/isolation.toml for what it
 * was given.
 */
#ifndef ADVERSARY_H
#define ADVERSARY_H

#include <stdbool.h>
#include <stdint.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include "../victim/protocol.h"

#define PAGE 4096u

/* Facts of the board and of configs/isolation.toml it aims at. */
#define KERNEL_PHYS   0x40100000u /* board.toml kernel_phys */
#define KERNEL_VIRT   0xc0100000u /* board.toml kernel_virt */
#define IMAGE_PHYS    0x48000000u /* board.toml image_base: loader first */
#define NOBODYS_RAM   0x44000000u /* RAM no container declares */
#define DTB_PHYS      0x40000000u /* QEMU's device tree, start of RAM */
#define UART_PHYS     0x09000000u /* the kernel's PL011 console */
#define RTC_PHYS      0x09010000u /* the victim's PL031 */
#define GIC_DIST_PHYS 0x08000000u /* the kernel's interrupt controller */
#define UART_IRQ      33u
#define TIMER_IRQ     27u /* the kernel's tick */
/* Its own virtual range next to its program: the page-table page there
 * is the kernel's (boot region), so mapping in it costs no budget. */
#define WINDOW	0x10100000u
#define FAR_VA	0x30000000u /* its other virtual range, 32 MiB */
#define PT_SPAN 0x400000u   /* one page-table page maps 4 MiB */
#define RO_PHYS 0x41210000u /* its read-only memory */

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
extern unsigned cases_passed;
#define PASSED() (cases_passed++)

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

#endif
