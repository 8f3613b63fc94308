/*
 * The attacker of the fuzzing system: what its files share. See main.c
 * for the plan, gen.c for the argument classes, seq.c for the structured
 * sequences and configs/fuzz.toml for what each attacker was given.
 *
 * One thread runs C code: the container's first pager, the controller.
 * Calls that could block it or end it are made by stub threads instead
 * (stubs.S): a stub makes one system call with the registers the
 * controller set and exits with its result, which the controller reaps.
 *
 * What keeps the controller safe from its own calls (the kernel is what
 * is tested, so the harness must not corrupt itself):
 *  - its virtual ranges (fuzz.toml) leave out its program region, so no
 *    map or unmap reaches its code, data or stack;
 *  - every address the kernel may write to on its behalf (read buffers,
 *    exchange_registers buffers, UTCBs, extended receive buffers) is
 *    invalid, in a virtual range, or in a UTCB or stub slot of the thread
 *    making the call, never its bookkeeping;
 *  - its program's physical pages are mapped again only read-only and
 *    never executable; nothing is mapped executable into its own space or
 *    a copy of it, and a thread in such a space runs no code of the
 *    program but the stub (pc classes);
 *  - registers are set only from templates the controller fills with
 *    these classes, so a stub only ever makes a call the generator made;
 *  - no call by a stub ends, suspends or rewrites the controller, and
 *    the controller never names itself for those;
 *  - its boot capabilities are never moved, narrowed or destroyed (only
 *    budgets and memory are split, and the parts destroyed again).
 */
#ifndef FUZZ_ATTACKER_H
#define FUZZ_ATTACKER_H

#include <generated/board.h>
#include <stdbool.h>
#include <stdint.h>
#include <tessera/sys.h>
#include "../common/fuzz.h"

#define PAGE 4096u

/* configs/fuzz.toml: where the attackers may map. VA0's 4 MiB has a page
 * table of its own (maps there cost a PTPAGES unit in the space that gets
 * it: only child spaces do); VA1 shares the kernel's page table of the
 * interface page, so the controller maps into its own space there
 * without changing its budget. */
#define VA0 0x20000000u
#define VA0_SIZE 0x400000u
#define VA1 0x7fc00000u
#define VA1_SIZE (KIP_ADDRESS - VA1)
/* Its window on its scratch memory, in its own space (VA1). */
#define WINDOW VA1
#define WINDOW_PAGES 8u
#define WINDOW_SIZE (WINDOW_PAGES * PAGE)

/* Other facts of the board (generated/board.h) and the manifest it aims
 * at. */
#define KERNEL_PHYS BOARD_KERNEL_PHYS
#define KERNEL_VIRT BOARD_KERNEL_VIRT
#define IMAGE_PHYS BOARD_IMAGE_BASE
/* fuzz.toml: the victim's region (ram_offset 0x01000000) */
#define VICTIM_PHYS (BOARD_RAM_BASE + 0x01000000u)
/* ... and its pattern (memory[0] ram_offset 0x01400000) */
#define VICTIM_MEM_PHYS (BOARD_RAM_BASE + 0x01400000u)
#define RAM_FIRST_PAGE BOARD_RAM_BASE
#define RAM_LAST_PAGE (BOARD_RAM_BASE + BOARD_RAM_SIZE - PAGE)
#define UART_PHYS BOARD_UART_PL011
#define UART_IRQ ((uint32_t)BOARD_UART_IRQ) /* the kernel's console */
#define TIMER_IRQ ((uint32_t)BOARD_TIMER_IRQ)
/* Ids from here on are refused with -E_INVAL (as the timer's is): the
 * GIC's count, or on raspi2b the GPU and ARM basic lines (board.toml) */
#define IRQ_COUNT ((uint32_t)BOARD_IRQ_COUNT)
#ifdef BOARD_GIC_DIST
#define GIC_PHYS BOARD_GIC_DIST /* the kernel's interrupt controller */
#else
#define GIC_PHYS BOARD_BCM2835_INTC
#endif
/* The victim's RTC (fuzz.toml, optional), else a peripheral nobody holds */
#if defined(BOARD_HAS_PERIPHERAL_RTC)
#define RTC_PHYS BOARD_PERIPHERAL_RTC_PHYS
#define RTC_IRQ ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ)
#elif defined(BOARD_HAS_PERIPHERAL_SYSTEM_TIMER)
#define RTC_PHYS BOARD_PERIPHERAL_SYSTEM_TIMER_PHYS
#define RTC_IRQ ((uint32_t)BOARD_PERIPHERAL_SYSTEM_TIMER_IRQ)
#else
#define RTC_PHYS UART_PHYS
#define RTC_IRQ UART_IRQ
#endif
/* A peripheral no container of the fuzzing system holds on this board:
 * its page and IRQ are refused to everyone (-E_PERM). An attacker
 * without a device (attacker2 on raspi2b) aims the device and IRQ calls
 * it would make on its own device at it instead (caps.c, world_setup). */
#if defined(BOARD_HAS_PERIPHERAL_GPIO)
#define NOBODY_PHYS BOARD_PERIPHERAL_GPIO_PHYS
#define NOBODY_IRQ ((uint32_t)BOARD_PERIPHERAL_GPIO_IRQ)
#elif defined(BOARD_HAS_PERIPHERAL_UART1)
#define NOBODY_PHYS BOARD_PERIPHERAL_UART1_PHYS
#define NOBODY_IRQ ((uint32_t)BOARD_PERIPHERAL_UART1_IRQ)
#else
#define NOBODY_PHYS UART_PHYS
#define NOBODY_IRQ UART_IRQ
#endif
/* The attackers' devices (fuzz.toml, every one optional): attacker1's
 * virtio_mmio0 (qemu_virt, vexpress_a9) or aux (raspi2b); attacker2's
 * virtio_mmio1 (qemu_virt) or timer23 (vexpress_a9), none on raspi2b.
 * Where one has none, the peripheral nobody holds. An attacker learns its
 * own from its capabilities (W.dev_*); these name both, for the calls
 * aimed at the other's. */
#if defined(BOARD_HAS_PERIPHERAL_VIRTIO_MMIO0)
#define DEV0_PHYS BOARD_PERIPHERAL_VIRTIO_MMIO0_PHYS
#define DEV0_IRQ ((uint32_t)BOARD_PERIPHERAL_VIRTIO_MMIO0_IRQ)
#elif defined(BOARD_HAS_PERIPHERAL_AUX)
#define DEV0_PHYS BOARD_PERIPHERAL_AUX_PHYS
#define DEV0_IRQ ((uint32_t)BOARD_PERIPHERAL_AUX_IRQ)
#else
#define DEV0_PHYS NOBODY_PHYS
#define DEV0_IRQ NOBODY_IRQ
#endif
#if defined(BOARD_HAS_PERIPHERAL_VIRTIO_MMIO1)
#define DEV1_PHYS BOARD_PERIPHERAL_VIRTIO_MMIO1_PHYS
#define DEV1_IRQ ((uint32_t)BOARD_PERIPHERAL_VIRTIO_MMIO1_IRQ)
#elif defined(BOARD_HAS_PERIPHERAL_TIMER23)
#define DEV1_PHYS BOARD_PERIPHERAL_TIMER23_PHYS
#define DEV1_IRQ ((uint32_t)BOARD_PERIPHERAL_TIMER23_IRQ)
#else
#define DEV1_PHYS NOBODY_PHYS
#define DEV1_IRQ NOBODY_IRQ
#endif

#define MAX_CAPS 64
#define NR_SLOTS 8	 /* stub slots: at most this many stubs at once */
#define MAX_KIDS 24	 /* threads it knows it made */
#define DEAD_RING 16	 /* ids of threads it saw end */
#define KILL_CODE (-7777) /* the exit code it destroys with */
/* A stub exits with its call's result xor this (stubs.S); exit and
 * destroy codes the generator makes all have this top byte instead. */
#define FZ_STUB_XOR 0x5a000000u
#define FZ_CODE_TAG 0x3d000000u

/* ---- what a life knows --------------------------------------------- */

struct world {
	uint32_t self, index, life, seed;
	uint32_t prog_phys, prog_virt, prog_size;
	uint32_t scratch_phys, scratch_size;
	/* its device (or the peripheral nobody holds: has_dev false) and
	 * the device's IRQ (or nobody's: has_irq false) */
	uint32_t dev_phys, dev_size, dev_irq;
	bool has_dev, has_irq;
	uint32_t hello[FZ_H_WORDS];
	uint32_t utcb; /* its own UTCB (the region's last page) */
	/* boot capabilities, by resource (0: none) */
	uint32_t cap_tctrl, cap_exregs, cap_capctrl, cap_map, cap_irqctrl;
	uint32_t cap_mutex, cap_ipc_self;
	uint32_t cap_budget[6];	/* CAP_RES_THREADS .. CAP_RES_IRQS */
	uint32_t cap_prog, cap_scratch, cap_dev, cap_va0, cap_va1;
	int nboot;
	struct cap_info boot[MAX_CAPS]; /* as they were after set-up */
	uint32_t max_id;		/* highest capability id seen */
	/* the cores its container may use (its first thread's mask at
	 * set-up) and the ones online (the KIP's) */
	uint32_t cpus, cpus_online;
};
extern struct world W;

/* Is irq the IRQ of the device it holds (so binding it may work)? */
static inline bool own_irq(uint32_t irq)
{
	return W.has_irq && irq == W.dev_irq;
}

/* ---- what it has made ----------------------------------------------- */

enum kid_kind {
	KID_STUB = 1, /* runs the stub in its space, in a slot */
	KID_SAME,     /* in its space, never runs its code */
	KID_COPY,     /* in a copy of its space */
	KID_NEW,      /* in a new space */
};

struct kid {
	uint32_t tid;	/* 0: free entry */
	uint8_t kind;	/* enum kid_kind */
	int8_t slot;	/* stub slot, -1 */
	bool unpaged;	/* not paged by the controller: destroy by id */
	bool kicked;
	bool rewritten;	/* registers set since: its call is not known */
	uint32_t born;	/* step it was made at */
	uint32_t nr;	/* stub: the call it makes */
	uint32_t a[7];	/* ... and its arguments */
};
extern struct kid kids[MAX_KIDS];
extern uint32_t dead[DEAD_RING];
extern uint32_t made_caps[MAX_CAPS]; /* ids of capabilities it made */
extern int nmade;

/* A stub's slot: its UTCB, a guard the kernel must never write, and an
 * area for what its call points at. 512-aligned (the UTCB must be). */
#define SLOT_SIZE 2048u
#define SLOT_AREA 1024u /* offset of its area */
/* Guard words differ per slot and per position, so that a copy from
 * another slot's guard (an overflow reads past the sender's UTCB too)
 * still shows. */
#define GUARD_WORD(slot, i) (0x6a7d0000u | (uint32_t)(slot) << 8 | (i))
struct slot {
	struct utcb utcb;
	uint32_t guard[128];
	uint8_t area[1024];
};
extern struct slot slots[NR_SLOTS];

/* ---- counting and findings ----------------------------------------- */

struct stats {
	uint32_t calls;	     /* calls that returned (stubs' included) */
	uint32_t by_nr[SYS_COUNT + 1]; /* last: numbers past the table, and
					* calls of threads whose call is not
					* known */
	uint32_t stub_calls; /* of them, made by stubs */
	uint32_t random;     /* ... random ones the controller made itself */
	uint32_t seqs;	     /* structured sequences run */
	uint32_t round;
	uint32_t failed;     /* findings this life */
	uint32_t step;	     /* steps this life (a step: one action) */
};
extern struct stats S;

/* A finding: prints its line (and this life's FAIL TEST line the first
 * time) with the seed, life, round and call index. */
void finding(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- system calls (calls.c) ------------------------------------------ */

struct regs7 {
	uint32_t r[7];
};

/* Any call with r0-r6 in and out: counted. */
int fz_svc(uint32_t nr, struct regs7 *io);
int fz_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
	    uint32_t a4, uint32_t a5);
int fz_exregs(uint32_t tid, uint32_t flags, struct exregs *r);
int fz_tc(uint32_t op, uint32_t tid, uint32_t arg);
int fz_wait(uint32_t tid, uint32_t *who);
int fz_capc(uint32_t op, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4,
	    uint32_t a5);
int fz_cap_read(struct cap_info *buf, uint32_t max);
int fz_yield(void);
/* ipc with the caller's UTCB as it is; results back in *m. */
int fz_ipc(uint32_t to, uint32_t from, struct ipc_msg *m);
/* Is r a result the call may give? (-E_* it documents, or >= 0.) */
bool result_allowed(uint32_t nr, const uint32_t *a, int r);
/* Any result of any call: >= 0 or an error some call documents. */
bool errno_sane(int r);
const char *call_name(uint32_t nr);

/* ---- the generator (gen.c) --------------------------------------------- */

/* A call and what the generator knows of its result. */
struct call {
	uint32_t nr;
	uint32_t a[7];
	int expect;	  /* the result it must give, or EXPECT_ANY */
	const char *why;  /* ... and why */
	bool blocking;	  /* may block or end its caller: a stub makes it */
};
#define EXPECT_ANY 0x7fffffff

extern struct fz_rng rng;
/* A random call for the controller (direct = true) or for a stub. */
void gen_call(struct call *c, bool for_stub, int slot);
uint32_t gen_tid(void);
uint32_t gen_pc(void);
uint32_t pick(const uint32_t *v, uint32_t n);
#define PICK(arr) pick((arr), sizeof(arr) / sizeof((arr)[0]))

/* ---- kids and stubs (kids.c) ------------------------------------------- */

struct kid *kid_of(uint32_t tid);
struct kid *kid_add(uint32_t tid, enum kid_kind kind);
/* Launch a stub making call c; NULL if none could be made. */
struct kid *stub_launch(const struct call *c);
/* Create a stub that makes call c when run (not run yet). */
struct kid *stub_prepare(const struct call *c);
/* The same, starting at `pc` (fz_stub_echo) instead of fz_stub. */
struct kid *stub_prepare_at(const struct call *c, void (*pc)(void));
/* Reap what ended, kick what waits too long, end what still waits. */
void kids_poll(bool all);
/* End and reap every thread it made; true when none is left. */
bool kids_quiesce(void);
/* How the stub ended: 1 ended by itself with *code, 0 still alive. */
int kid_reap(struct kid *k, int *code);
uint32_t live_kids(void);
void slot_init(int s);
bool slot_guard_ok(int s, uint32_t *changed);
extern void fz_stub(void);
extern void fz_stub_exit(void);
extern void fz_stub_load(void);
extern void fz_stub_echo(void);

/* ---- capabilities and budgets (caps.c) --------------------------------- */

int caps_read(struct cap_info *buf);
bool cap_lookup(uint32_t id, struct cap_info *out);
bool is_boot_cap(uint32_t id);
void made_add(uint32_t id);
uint32_t made_pick(void);
void caps_refresh(void);
/* Every budget's room and total checked (used <= size). */
void caps_invariants(const char *when);
/* Destroy everything it made and check every budget is back. */
void round_end(void);
uint32_t budget_used(uint32_t res);
uint32_t budget_free(uint32_t res);
void world_setup(void);
int window_map(void);
int destroy_made(void);
uint32_t stub_room(uint32_t res);
bool memory_whole(void);

/* ---- structured sequences (seq.c) --------------------------------------- */

void seq_run(void);
/* Leave things behind for the teardown (a life that ends dirty). */
void mess_make(void);

#endif
