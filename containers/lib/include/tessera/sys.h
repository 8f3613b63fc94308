/**
 * @file tessera/sys.h
 * @brief User-space system call wrappers.
 *
 * Numbers, flags and errors come from the kernel's public ABI headers
 * (tessera/syscall.h, tessera/cap.h, tessera/errno.h, all included here);
 * this file only moves registers. Every call returns >= 0 on success and
 * a negative -E_* error otherwise; the errors each call can return are
 * listed in docs/syscalls.md and, in short, below. A call that acts on a
 * thread takes its tid, 0 meaning the caller.
 */
#ifndef TESSERA_SYS_H
#define TESSERA_SYS_H

#include <stdint.h>
#include <stddef.h>
#include <tessera/syscall.h>
#include <tessera/cap.h>

/** @brief Registers in and out of one call: r0-r5 in, r0-r3 out. */
struct sys_regs {
	uint32_t r[6]; /**< r0-r5 before the call; r0-r3 after it */
};

/**
 * @brief Make system call nr (svc #0 with nr in r7) with io's registers.
 * @param nr SYS_* number
 * @param io r0-r5 in; r0-r3 written back
 * @return r0: the call's result (>= 0) or -E_*; -E_NOSYS for an unknown
 *         nr
 */
static inline int sys_invoke(uint32_t nr, struct sys_regs *io)
{
	register uint32_t r0 __asm__("r0") = io->r[0];
	register uint32_t r1 __asm__("r1") = io->r[1];
	register uint32_t r2 __asm__("r2") = io->r[2];
	register uint32_t r3 __asm__("r3") = io->r[3];
	register uint32_t r4 __asm__("r4") = io->r[4];
	register uint32_t r5 __asm__("r5") = io->r[5];
	register uint32_t r7 __asm__("r7") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3)
			 : "r"(r4), "r"(r5), "r"(r7)
			 : "memory");
	io->r[0] = r0;
	io->r[1] = r1;
	io->r[2] = r2;
	io->r[3] = r3;
	return (int)r0;
}

/**
 * @brief Write bytes to the kernel console (no capability needed).
 * @param buf the bytes (need not be NUL-terminated)
 * @param len at most CONSOLE_WRITE_MAX (256)
 * @return the bytes written; -E_INVAL longer than 256; -E_FAULT buf not
 *         mapped readable
 */
static inline int sys_console_write(const char *buf, size_t len)
{
	struct sys_regs io = {{(uint32_t)(uintptr_t)buf, (uint32_t)len}};
	return sys_invoke(SYS_console_write, &io);
}

/**
 * @brief Kernel ticks since boot and the tick rate (time, TIME_TICKS).
 * @param ticks the tick count since boot
 * @param hz ticks a second (CONFIG_TICK_HZ, also in the KIP)
 * @return 0
 */
static inline int sys_time(uint64_t *ticks, uint32_t *hz)
{
	struct sys_regs io = {{0}};
	int ret = sys_invoke(SYS_time, &io);

	*ticks = ((uint64_t)io.r[2] << 32) | io.r[1];
	*hz = io.r[3];
	return ret;
}

/**
 * @brief Microseconds since boot, from the board's counter (not the
 * tick): time with TIME_MICROSECONDS.
 * @return microseconds since boot
 */
static inline uint64_t sys_time_us(void)
{
	struct sys_regs io = {{TIME_MICROSECONDS}};

	sys_invoke(SYS_time, &io);
	return ((uint64_t)io.r[2] << 32) | io.r[1];
}

/**
 * @brief The board's counter since boot (time, TIME_COUNTER): the generic
 * timer's, or the A9 global timer on vexpress_a9.
 * @param rate counts a second
 * @return the count since boot
 */
static inline uint64_t sys_time_counter(uint32_t *rate)
{
	struct sys_regs io = {{TIME_COUNTER}};

	sys_invoke(SYS_time, &io);
	*rate = io.r[3];
	return ((uint64_t)io.r[2] << 32) | io.r[1];
}

/** @brief Who the caller is (sys_getid()). */
struct sys_ids {
	uint32_t tid, tgid, container, pager;
};
/** @var sys_ids::tid
 * @brief the caller's thread id */
/** @var sys_ids::tgid
 * @brief its thread group id */
/** @var sys_ids::container
 * @brief its container's index (boot order, from 0) */
/** @var sys_ids::pager
 * @brief its pager's tid; 0 for a container's first pager (it has none) */

/**
 * @brief getid (GETID_SELF): the caller's ids; needs no capability.
 * @param ids filled with thread, group, container and pager ids
 * @return the caller's tid (> 0; it never fails)
 */
static inline int sys_getid(struct sys_ids *ids)
{
	struct sys_regs io = {{0}};
	int ret = sys_invoke(SYS_getid, &io);

	ids->tid = io.r[0];
	ids->tgid = io.r[1];
	ids->container = io.r[2];
	ids->pager = io.r[3];
	return ret;
}

/**
 * @brief getid (GETID_CHANNEL): the first pager of a container the caller
 * has a channel to.
 *
 * The tid is the pager of the container's current life: after a restart
 * (an ipc with it failing with -E_DEAD, or its tid answering -E_PERM or
 * -E_NOENT) ask again. See docs/manifest.md, "Finding the other end of a
 * channel".
 * @param name the container's manifest `name` (not NUL-terminated)
 * @param len its length, 1..GETID_NAME_MAX (16)
 * @return the pager's tid, or -E_NOENT no such container or no channel to
 *         it (the same answer); -E_BUSY between lives (look again after a
 *         while); -E_DEAD stopped for good; -E_INVAL length not 1..16;
 *         -E_FAULT name not readable
 */
static inline int sys_channel_lookup(const char *name, uint32_t len)
{
	struct sys_regs io = {
		{GETID_CHANNEL, (uint32_t)(uintptr_t)name, len}};

	return sys_invoke(SYS_getid, &io);
}

/**
 * @brief sys_channel_lookup() of a NUL-terminated name:
 * `channel_lookup("server")` with `channels = ["server"]` in the manifest.
 * @param name the container's manifest `name`
 * @return as sys_channel_lookup(): the pager's tid, or -E_NOENT,
 *         -E_BUSY, -E_DEAD, -E_FAULT; -E_INVAL for "" or a name longer
 *         than 16
 */
static inline int channel_lookup(const char *name)
{
	uint32_t len = 0;

	while (name[len] && len <= GETID_NAME_MAX)
		len++;
	return sys_channel_lookup(name, len);
}

/**
 * @brief End the calling thread (thread_control TC_EXIT) with an exit
 * code; never returns.
 *
 * In a container's first pager this ends the container: its exit code is
 * the container's, and its restart policy applies (docs/lifecycle.md).
 * Returning code from main does the same (crt0).
 * @param code the exit code its pager reaps with TC_WAIT
 */
static inline void __attribute__((noreturn)) sys_exit(int code)
{
	struct sys_regs io = {{TC_EXIT, (uint32_t)code}};
	sys_invoke(SYS_thread_control, &io);
	for (;;)
		;
}

/* ---- threads ---------------------------------------------------------- */

/**
 * @brief thread_control TC_CREATE: create an inactive thread.
 *
 * Needs a thread_control capability with create on the space source; the
 * thread costs a THREADS unit, a new or copied space a SPACES unit.
 * @param space_src the thread whose space is shared or copied (0: caller)
 * @param flags one of TC_SAME_SPACE, TC_NEW_SPACE, TC_COPY_SPACE, and
 *        optionally TC_AS_PAGER or TC_SHARE_PAGER
 * @param tgid for a same-space clone: the group to join (0: its own)
 * @param pc its entry point
 * @param sp its stack pointer
 * @return its tid (start it with sys_thread_run()); -E_INVAL unknown
 *         flags; -E_NOENT no such space source; -E_PERM no capability, or
 *         a source in another container; -E_BUDGET THREADS or SPACES
 *         budget, out of memory or ids, TC_AS_PAGER 16 pagers deep
 */
static inline int sys_thread_create(uint32_t space_src, uint32_t flags,
				    uint32_t tgid, uint32_t pc, uint32_t sp)
{
	struct sys_regs io = {{TC_CREATE, space_src, flags, tgid, pc, sp}};
	return sys_invoke(SYS_thread_control, &io);
}

/**
 * @brief thread_control with one operation, a target and one argument
 * (r2); the wrappers below call it.
 * @param op TC_RUN, TC_SUSPEND, TC_RESUME, TC_DESTROY, TC_RECYCLE,
 *        TC_YIELD, TC_DESTROY_CHILDREN, ...
 * @param tid the target (0: the caller)
 * @param arg r2: exit code (destroy), nice value (run), ...
 * @return the call's result: 0 or a count, or -E_* (docs/syscalls.md)
 */
static inline int sys_thread_op(uint32_t op, uint32_t tid, uint32_t arg)
{
	struct sys_regs io = {{op, tid, arg}};
	return sys_invoke(SYS_thread_control, &io);
}

/**
 * @brief Give the rest of the time slice to other threads (TC_YIELD).
 * @return 0
 */
static inline int sys_yield(void)
{
	return sys_thread_op(TC_YIELD, 0, 0);
}

/**
 * @brief Give the CPU away until n timer ticks have passed (yields in a
 * loop: there is no sleep call).
 * @param n ticks to wait
 */
static inline void sys_pause_ticks(uint32_t n)
{
	uint64_t start, now;
	uint32_t hz;

	sys_time(&start, &hz);
	do {
		sys_yield();
		sys_time(&now, &hz);
	} while (now - start < n);
}

/**
 * @brief Start an inactive thread (TC_RUN, nice 0).
 * @param tid the thread
 * @return 0; -E_BUSY already started; -E_PERM no thread_control
 *         capability with run on it; -E_NOENT no such thread; in a
 *         container with a user-level scheduler as sys_thread_run_nice()
 */
static inline int sys_thread_run(uint32_t tid)
{
	return sys_thread_op(TC_RUN, tid, 0);
}

/**
 * @brief Stop a thread at its next safe point (TC_SUSPEND); a blocking
 * wait of it ends with -E_INTR.
 * @param tid the thread (0: the caller, which stops at the end of the
 *        call)
 * @return 0; -E_PERM no capability with suspend; -E_NOENT no such thread
 */
static inline int sys_thread_suspend(uint32_t tid)
{
	return sys_thread_op(TC_SUSPEND, tid, 0);
}

/**
 * @brief Let a suspended thread run again (TC_RESUME).
 * @param tid the thread
 * @return 0; -E_INVAL it is not suspended; -E_PERM no capability with
 *         resume; -E_NOENT no such thread
 */
static inline int sys_thread_resume(uint32_t tid)
{
	return sys_thread_op(TC_RESUME, tid, 0);
}

/**
 * @brief End a thread and everything it pages (TC_DESTROY).
 *
 * A container's first pager destroyed ends the container (and, with a
 * capability on another container, that one: docs/lifecycle.md).
 * @param tid the thread
 * @param code its exit code
 * @return 0; -E_PERM no capability with destroy on it; -E_NOENT no such
 *         thread
 */
static inline int sys_thread_destroy(uint32_t tid, int code)
{
	return sys_thread_op(TC_DESTROY, tid, (uint32_t)code);
}

/**
 * @brief End and reap every thread the caller pages, and what they page
 * (TC_DESTROY_CHILDREN; no capability needed).
 * @param code their exit code
 * @return how many threads the caller paged
 */
static inline int sys_thread_destroy_children(int code)
{
	return sys_thread_op(TC_DESTROY_CHILDREN, 0, (uint32_t)code);
}

/**
 * @brief Reset an inactive or suspended thread (TC_RECYCLE): registers
 * cleared, same id, space and pager.
 * @param tid the thread
 * @return 0; -E_BUSY it runs (or it is the caller); -E_PERM no capability
 *         with recycle; -E_NOENT no such thread
 */
static inline int sys_thread_recycle(uint32_t tid)
{
	return sys_thread_op(TC_RECYCLE, tid, 0);
}

/**
 * @brief The cores a thread may run on (TC_CPUS; docs/smp.md).
 * @param tid the thread (0: the caller)
 * @param mask bit n: core n, within its container's `cpus` with one of
 *        them online; 0: unchanged (a read)
 * @param cpu if not NULL: the core it is on afterwards (it moves off one
 *        it may no longer use)
 * @return its mask; -E_INVAL a core outside its container's, or none
 *         online; -E_PERM no capability with cpus; -E_NOENT no such thread
 */
static inline int sys_thread_cpus(uint32_t tid, uint32_t mask, uint32_t *cpu)
{
	struct sys_regs io = {{TC_CPUS, tid, mask}};
	int ret = sys_invoke(SYS_thread_control, &io);

	if (ret < 0)
		return ret;
	if (cpu)
		*cpu = io.r[2];
	return (int)io.r[1];
}

/**
 * @brief The cores that run threads (the kernel interface page's
 * cpus_online; no system call).
 * @return bit n set: core n is online
 */
static inline uint32_t sys_cpus_online(void)
{
	return ((const volatile struct kip *)KIP_ADDRESS)->cpus_online;
}

/**
 * @brief Wait for a thread the caller pages to end, and reap it (TC_WAIT).
 *
 * Blocks until one ends; a zombie is reaped at once.
 * @param tid the child (0: any)
 * @param who if not NULL: the tid reaped
 * @return its exit code (128 + cause after a refused fault; the code
 *         its destroyer gave, e.g. -E_DEAD: so a negative result is not
 *         always an error of the wait: *who names the child reaped);
 *         -E_NOENT no such child; -E_INVAL tid is the caller; -E_INTR
 *         the wait ended by suspend
 */
static inline int sys_thread_wait(uint32_t tid, uint32_t *who)
{
	struct sys_regs io = {{TC_WAIT, tid}};
	int ret = sys_invoke(SYS_thread_control, &io);

	if (who)
		*who = io.r[1];
	return ret;
}

/**
 * @brief exchange_registers: set and/or read another thread's registers,
 * pager and UTCB.
 * @param tid the thread (not the caller for a set)
 * @param flags EXREGS_SET_REGS, _SP, _PC, _LR, _PAGER, _UTCB and/or
 *        EXREGS_GET
 * @param r the values to set; with EXREGS_GET filled with the values
 *        after the sets
 * @return 0; -E_INVAL bad flags, unaligned UTCB, a pager that is the
 *         thread itself or of another container; -E_NOENT no such thread
 *         or pager; -E_BUSY setting the caller's own registers, or a new
 *         pager for a thread that pages others; -E_BUDGET a pager 16
 *         levels deep; -E_PERM no exchange_registers capability (read for
 *         GET, write for a set); -E_FAULT r not mapped
 */
static inline int sys_exchange_registers(uint32_t tid, uint32_t flags,
					 struct exregs *r)
{
	struct sys_regs io = {{tid, flags, (uint32_t)(uintptr_t)r}};
	return sys_invoke(SYS_exchange_registers, &io);
}

/* ---- memory ----------------------------------------------------------- */

/**
 * @brief Map physical pages into a thread's space.
 *
 * Needs a map capability (map) on the target, a VIRTMEM capability
 * covering virt with the access asked, and a PHYSMEM capability covering
 * the pages with that access, or for device memory (MAP_ATTR_DEVICE) a
 * DEVMEM capability (the manifest's devices). Nothing of a device is
 * mapped until its program calls this.
 * @param phys page-aligned physical address
 * @param virt page-aligned user address (not 0, below 0x80000000, not over
 *        the KIP)
 * @param pages 1..MAP_MAX_PAGES (1024)
 * @param attrs MAP_ATTR_READ (required), _WRITE, _EXEC, _DEVICE
 * @param tid the thread whose space is mapped into (0: the caller)
 * @return 0; -E_INVAL unaligned, zero or too many pages, no READ, unknown
 *         attribute, virt out of range; -E_PERM a capability missing (e.g.
 *         device memory without MAP_ATTR_DEVICE, or executable); -E_NOENT
 *         no such thread; -E_BUDGET the PTPAGES budget (all or nothing)
 */
static inline int sys_map(uint32_t phys, uint32_t virt, uint32_t pages,
			  uint32_t attrs, uint32_t tid)
{
	struct sys_regs io = {{phys, virt, pages, attrs, tid}};
	return sys_invoke(SYS_map, &io);
}

/**
 * @brief Unmap pages from a thread's space.
 * @param virt page-aligned user address
 * @param pages 1..MAP_MAX_PAGES
 * @param tid the thread whose space (0: the caller)
 * @return the pages that were mapped and are now unmapped; -E_INVAL as
 *         for sys_map(); -E_PERM no map capability with unmap, or no
 *         VIRTMEM capability covering the range; -E_NOENT no such thread
 */
static inline int sys_unmap(uint32_t virt, uint32_t pages, uint32_t tid)
{
	struct sys_regs io = {{virt, pages, tid}};
	return sys_invoke(SYS_unmap, &io);
}

/**
 * @brief mutex_control: wait on or wake a user mutex word (tessera/mutex.h
 * does this for you).
 * @param word the mutex word: 0 unlocked, 1 locked, 2 locked with waiters
 * @param op MUTEX_WAIT (block while the word is 2) or MUTEX_WAKE (wake one
 *        waiter)
 * @return 0 (wait: woken, or the word no longer held 2), threads woken,
 *         0 or 1 (wake); -E_INVAL op; -E_PERM no mutex capability;
 *         -E_FAULT word unaligned, unmapped, read-only or device;
 *         -E_BUDGET the MUTEXES budget (a unit per waiter); -E_INTR a
 *         wait ended by suspend
 */
static inline int sys_mutex_control(volatile uint32_t *word, uint32_t op)
{
	struct sys_regs io = {{(uint32_t)(uintptr_t)word, op}};
	return sys_invoke(SYS_mutex_control, &io);
}

/* ---- capabilities ------------------------------------------------------ */

/**
 * @brief cap_control with an operation and its arguments (r1-r5); the
 * cap_* wrappers below call it. Needs a cap_control capability with the
 * operation's bit (own_caps gives one).
 * @param op CAP_CTRL_*
 * @param a1 r1
 * @param a2 r2
 * @param a3 r3
 * @param a4 r4
 * @param a5 r5
 * @return the operation's result or -E_* (docs/syscalls.md)
 */
static inline int sys_cap_control(uint32_t op, uint32_t a1, uint32_t a2,
				  uint32_t a3, uint32_t a4, uint32_t a5)
{
	struct sys_regs io = {{op, a1, a2, a3, a4, a5}};
	return sys_invoke(SYS_cap_control, &io);
}

/**
 * @brief How many capabilities this thread can use (CAP_CTRL_COUNT).
 * @return the count; -E_PERM no cap_control capability with read
 */
static inline int cap_count(void)
{
	return sys_cap_control(CAP_CTRL_COUNT, 0, 0, 0, 0, 0);
}

/**
 * @brief Describe the capabilities this thread can use (CAP_CTRL_READ).
 * @param buf room for max entries
 * @param max entries of buf
 * @return how many were written; -E_PERM no cap_control capability with
 *         read; -E_FAULT buf not writable
 */
static inline int cap_read(struct cap_info *buf, uint32_t max)
{
	return sys_cap_control(CAP_CTRL_READ, (uint32_t)(uintptr_t)buf, max, 0,
			       0, 0);
}

/**
 * @brief Move a capability from the caller's list to a shared one
 * (CAP_CTRL_SHARE).
 * @param id the capability
 * @param scope CAP_SHARE_PAGED, _SIBLINGS, _GROUP or _CONTAINER
 * @return 0; -E_INVAL unknown scope; -E_NOENT an id the caller cannot
 *         use; -E_PERM not the caller's to manage, no CAP_F_SHARE, no
 *         cap_control capability
 */
static inline int cap_share(uint32_t id, uint32_t scope)
{
	return sys_cap_control(CAP_CTRL_SHARE, id, scope, 0, 0, 0);
}

/**
 * @brief Move a capability to another thread's private list
 * (CAP_CTRL_GRANT).
 * @param id the capability
 * @param tid a thread of the caller's container
 * @return 0; -E_NOENT an id the caller cannot use, or no such thread;
 *         -E_PERM not the caller's to manage, no CAP_F_GRANT, a thread of
 *         another container
 */
static inline int cap_grant(uint32_t id, uint32_t tid)
{
	return sys_cap_control(CAP_CTRL_GRANT, id, tid, 0, 0, 0);
}

/**
 * @brief Split part of a capability off into a new one (CAP_CTRL_SPLIT);
 * costs a CAPS unit.
 * @param id the capability
 * @param amount budget units, memory bytes (a page multiple, off the end)
 *        or operation bits
 * @return the id of the part split off; -E_INVAL zero, more than free,
 *         unaligned, not a proper subset; -E_NOENT; -E_PERM no
 *         CAP_F_SPLIT or not the caller's; -E_BUDGET no CAPS budget with
 *         room
 */
static inline int cap_split(uint32_t id, uint32_t amount)
{
	return sys_cap_control(CAP_CTRL_SPLIT, id, amount, 0, 0, 0);
}

/**
 * @brief Copy an operation capability (CAP_CTRL_REPLICATE); costs a CAPS
 * unit.
 * @param id an operation capability
 * @return the new id; -E_INVAL a budget or memory capability; -E_NOENT;
 *         -E_PERM no CAP_F_REPLICATE or not the caller's; -E_BUDGET no
 *         CAPS budget with room
 */
static inline int cap_replicate(uint32_t id)
{
	return sys_cap_control(CAP_CTRL_REPLICATE, id, 0, 0, 0, 0);
}

/**
 * @brief Narrow a capability (CAP_CTRL_DEDUCE): never widens it.
 * @param id the capability
 * @param ops operation bits to keep (a subset)
 * @param flags CAP_F_* to keep (a subset)
 * @param target_kind CAP_TGT_* to narrow the target to; 0 keeps it
 * @param target the new target, inside the old one
 * @return 0; -E_INVAL a target for a budget or memory; -E_NOENT; -E_PERM
 *         widening, no CAP_F_DEDUCE or not the caller's
 */
static inline int cap_deduce(uint32_t id, uint32_t ops, uint32_t flags,
			     uint32_t target_kind, uint32_t target)
{
	return sys_cap_control(CAP_CTRL_DEDUCE, id, ops, flags, target_kind,
			       target);
}

/**
 * @brief Destroy a capability (CAP_CTRL_DESTROY); a split-off budget
 * gives its units back to the one it came from.
 * @param id the capability
 * @return 0; -E_BUSY a budget with units in use or one others were split
 *         from; -E_NOENT; -E_PERM no CAP_F_DESTROY or not the caller's
 */
static inline int cap_destroy(uint32_t id)
{
	return sys_cap_control(CAP_CTRL_DESTROY, id, 0, 0, 0, 0);
}

/* ---- device interrupts ------------------------------------------------- */

/**
 * @brief irq_control with an operation, an IRQ and (bind) a thread.
 * @param op IRQ_BIND, IRQ_UNBIND, IRQ_WAIT or IRQ_ACK
 * @param irq the IRQ number (a device of the manifest carries it)
 * @param tid bind only: the handler thread (0: the caller)
 * @return 0 or -E_* as the wrappers below; -E_INVAL unknown op, an IRQ
 *         the kernel keeps (its timer's, its console UART's) or one past
 *         the board's interrupt controller
 */
static inline int sys_irq_control(uint32_t op, uint32_t irq, uint32_t tid)
{
	struct sys_regs io = {{op, irq, tid}};
	return sys_invoke(SYS_irq_control, &io);
}

/**
 * @brief Deliver an IRQ to a thread (IRQ_BIND); it is unmasked.
 *
 * Needs an irq_control capability on the thread, a device capability
 * carrying the IRQ (the manifest's device with its irq) and a unit of the
 * IRQS budget. The binding goes when the thread ends.
 * @param irq the IRQ
 * @param tid the handler (0: the caller)
 * @return 0; -E_BUSY already bound; -E_PERM a capability missing;
 *         -E_NOENT no such thread; -E_BUDGET the IRQS budget; -E_INVAL
 *         an IRQ the kernel keeps or one past the interrupt controller
 */
static inline int irq_bind(uint32_t irq, uint32_t tid)
{
	return sys_irq_control(IRQ_BIND, irq, tid);
}

/**
 * @brief Remove an IRQ's binding (IRQ_UNBIND) and mask it; a wait for it
 * ends with -E_DEAD.
 * @param irq the IRQ, bound to the caller (or to a thread it holds an
 *        irq_control capability on)
 * @return 0; -E_NOENT not bound (told only to a holder of its device);
 *         -E_PERM otherwise
 */
static inline int irq_unbind(uint32_t irq)
{
	return sys_irq_control(IRQ_UNBIND, irq, 0);
}

/**
 * @brief Wait until the IRQ fires (IRQ_WAIT); returns at once if it fired
 * since the last wait. The IRQ stays masked until irq_ack().
 * @param irq an IRQ bound to the caller
 * @return 0 it fired; -E_DEAD unbound while waiting; -E_INTR suspended;
 *         -E_PERM bound to another thread (or no device carries it);
 *         -E_NOENT not bound
 */
static inline int irq_wait(uint32_t irq)
{
	return sys_irq_control(IRQ_WAIT, irq, 0);
}

/**
 * @brief Unmask the IRQ again (IRQ_ACK), after the device's interrupt was
 * cleared.
 * @param irq an IRQ bound to the caller
 * @return 0; -E_PERM bound to another thread (or no device carries it);
 *         -E_NOENT not bound
 */
static inline int irq_ack(uint32_t irq)
{
	return sys_irq_control(IRQ_ACK, irq, 0);
}

/* ---- ipc -------------------------------------------------------------- */

/** @brief A message: tag and the four register words MR0-MR3. */
struct ipc_msg {
	uint32_t tag;   /**< IPC_TAG(label, length, type, flags) */
	uint32_t mr[4]; /**< MR0-MR3 (r3-r6) */
	uint32_t from; /**< filled by receives: the sender's tid */
};

/**
 * @brief ipc, the general form: r0 = to, r1 = from, r2 = tag, r3-r6 =
 * MR0-MR3.
 *
 * Sending needs an ipc capability (a manifest channel, or own_caps in the
 * own container) on the destination, except to a thread waiting to
 * receive from the caller by name (a reply). A full message also carries
 * UTCB mr[0..length), an extended one the UTCB's ext_send_buf.
 * @param to destination tid (with IPC_SEND)
 * @param from the sender to receive from, or IPC_ANY (with IPC_RECV)
 * @param m tag and MR0-MR3 in; with IPC_RECV the message received (tag,
 *        MR0-MR3, from)
 * @return 0; -E_INVAL bad tag, to itself, extended message larger than
 *         the receive buffer; -E_NOENT no such thread (of the caller's
 *         container; another container's gone thread is -E_PERM);
 *         -E_PERM no ipc capability; -E_BUSY non-blocking send and the
 *         destination is not waiting; -E_FAULT bad UTCB or buffer; -E_INTR
 *         wait ended by suspend; -E_DEAD the partner ended while we waited
 */
static inline int sys_ipc(uint32_t to, uint32_t from, struct ipc_msg *m)
{
	register uint32_t r0 __asm__("r0") = to;
	register uint32_t r1 __asm__("r1") = from;
	register uint32_t r2 __asm__("r2") = m->tag;
	register uint32_t r3 __asm__("r3") = m->mr[0];
	register uint32_t r4 __asm__("r4") = m->mr[1];
	register uint32_t r5 __asm__("r5") = m->mr[2];
	register uint32_t r6 __asm__("r6") = m->mr[3];
	register uint32_t r7 __asm__("r7") = SYS_ipc;

	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4),
			   "+r"(r5), "+r"(r6)
			 : "r"(r7)
			 : "memory");
	if (m->tag & IPC_RECV) {
		m->from = r1;
		m->tag = r2;
		m->mr[0] = r3;
		m->mr[1] = r4;
		m->mr[2] = r5;
		m->mr[3] = r6;
	}
	return (int)r0;
}

/**
 * @brief Send a message and wait until it is received (m->tag's type,
 * length and label kept; IPC_NONBLOCK kept).
 * @param to destination tid
 * @param m the message
 * @return as sys_ipc()
 */
static inline int ipc_send(uint32_t to, struct ipc_msg *m)
{
	m->tag = (m->tag & ~(IPC_SEND | IPC_RECV)) | IPC_SEND;
	return sys_ipc(to, 0, m);
}

/**
 * @brief Wait for a message.
 * @param from a sender's tid, or IPC_ANY (0 is -E_NOENT)
 * @param m receives tag, MR0-MR3 and the sender in m->from
 * @return as sys_ipc()
 */
static inline int ipc_receive(uint32_t from, struct ipc_msg *m)
{
	m->tag = IPC_RECV;
	return sys_ipc(0, from, m);
}

/**
 * @brief Send and wait for the reply from the same thread (a call).
 * @param to the server's tid
 * @param m the request in; the reply out (tag, MR0-MR3, from)
 * @return as sys_ipc(); -E_DEAD the server ended (or its container
 *         restarted) before replying
 */
static inline int ipc_call(uint32_t to, struct ipc_msg *m)
{
	m->tag = (m->tag & ~(IPC_SEND | IPC_RECV | IPC_NONBLOCK)) | IPC_CALL;
	return sys_ipc(to, to, m);
}

/**
 * @brief Answer `to` (which must be waiting) and wait for the next
 * request from anyone.
 *
 * The reply is non-blocking: if `to` is no longer waiting the call
 * returns -E_BUSY without receiving, so receive again.
 * @param to the caller being answered
 * @param m the reply in; the next request out
 * @return as sys_ipc()
 */
static inline int ipc_reply_wait(uint32_t to, struct ipc_msg *m)
{
	m->tag = (m->tag & ~0xfu) | IPC_REPLY_WAIT;
	return sys_ipc(to, IPC_ANY, m);
}

/**
 * @brief This thread's UTCB, as the kernel keeps it in TPIDRURO.
 * @return the UTCB (the last page of the region for a first pager; what
 *         thread_prepare() or exchange_registers set for other threads)
 */
static inline struct utcb *utcb_self(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c13, c0, 3" : "=r"(v));
	return (struct utcb *)(uintptr_t)v;
}

/**
 * @brief The kernel interface page, mapped read-only at KIP_ADDRESS in
 * every space.
 * @return the KIP
 */
static inline const struct kip *kip_get(void)
{
	return (const struct kip *)KIP_ADDRESS;
}

#endif
