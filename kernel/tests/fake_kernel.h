/*
 * A fake of the kernel around the capability code, for host tests (as
 * Hafnium tests its core against a fake architecture): kernel/generic/cap.c,
 * sys_cap.c and container.c are linked unchanged against this.
 *
 * What it fakes, and how closely:
 *  - kmem_alloc/kmem_free: calloc/free, every live block registered (size,
 *    what allocated it), so a test can count and find them; an allocation
 *    can be made to fail on purpose.
 *  - threads: a table of FAKE_MAX_THREADS slots (slot 0 unused); a tid is
 *    a slot plus the slot's generation, as in the kernel. Creation,
 *    ending (zombie or freed, what it pages ended first, its capabilities
 *    handed on, the container told), reaping and freeing follow
 *    kernel/generic/thread.c step for step where capabilities and budgets
 *    are concerned: THREADS is charged with cap_charge and refunded with
 *    cap_refund, as the kernel does. Scheduling, IPC, mutexes and IRQs are
 *    left out (no thread ever blocks here).
 *  - spaces: a refcounted object; a new one is paid from the creator's
 *    SPACES budget with cap_charge, refunded when the last reference goes.
 *  - panic/BUG: the message is kept; with fake_panic_armed the fake jumps
 *    back to fake_panic_jmp, otherwise the running cmocka test fails.
 *  - printk: kept in a console buffer (printed too with FAKE_VERBOSE=1).
 *  - user memory for cap_control READ: FAKE_USER_SIZE bytes at
 *    FAKE_USER_BASE in every space.
 *  - lz4f_decode (a restart's unpacking): succeeds, writes nothing.
 */
#ifndef FAKE_KERNEL_H
#define FAKE_KERNEL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/space.h>
#include <kernel/thread.h>

#define FAKE_MAX_THREADS 64
#define FAKE_USER_BASE	 0x10000u
#define FAKE_USER_SIZE	 0x10000u

/* What cap_control READ wrote (user address FAKE_USER_BASE + offset). */
extern uint8_t fake_user_mem[FAKE_USER_SIZE];

/* ---- kernel memory ------------------------------------------------------- */

enum fake_block_kind {
	FAKE_BLOCK_KMEM = 0, /* kmem_alloc from the code under test: caps */
	FAKE_BLOCK_THREAD,
	FAKE_BLOCK_SPACE,
};

struct fake_block {
	void *ptr;
	size_t size;
	enum fake_block_kind kind;
};

/* Live blocks now (all kinds), and of one kind. */
size_t fake_kmem_live(void);
size_t fake_kmem_live_kind(enum fake_block_kind kind);
/* Is p a live block? (its kind in *kind if so) */
bool fake_kmem_is_live(const void *p, enum fake_block_kind *kind);
/* The i-th live block (0 <= i < fake_kmem_live()), in allocation order. */
const struct fake_block *fake_kmem_block(size_t i);
/* Make the n-th allocation from now fail (1: the next one; 0: none). */
void fake_kmem_fail_in(unsigned n);
/* Allocations and frees so far. */
extern unsigned long fake_kmem_allocs, fake_kmem_frees;

/* ---- panic, console, time ------------------------------------------------ */

extern jmp_buf fake_panic_jmp;
extern bool fake_panic_armed;
extern char fake_panic_msg[512];
extern unsigned fake_panics;
/* What the test was doing, named in an unexpected panic's failure. */
extern const char *fake_where;
extern uint64_t fake_ticks;
const char *fake_console(void);
void fake_console_clear(void);

/* ---- threads ------------------------------------------------------------- */

/* By slot (TID_INDEX of the thread's id). */
/* thread.h's table (its thread_by_tid is inline); the fake fills only
 * its first FAKE_MAX_THREADS slots */
#define fake_threads threads
_Static_assert(FAKE_MAX_THREADS <= CONFIG_MAX_THREADS, "fake thread table");
/* Threads not yet ended, in all containers. */
uint32_t fake_live_threads(void);
/* End t as thread_end does (capability and budget side). */
void fake_thread_end(struct thread *t, int code);
/* A pager reaps its ended child (thread_reap with a tid): 0, -E_NOENT
 * (not its child), -E_BUSY (not ended). */
int fake_thread_reap(struct thread *pager, struct thread *child);
/* A new space paid from payer's SPACES budget (space_create). */
struct space *fake_space_create(const struct thread *payer);

/* ---- the system ---------------------------------------------------------- */

/* The kernel's current thread (what sys_cap_control acts for). */
void fake_set_current(struct thread *t);

#endif
