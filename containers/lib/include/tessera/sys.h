/*
 * User-space system call wrappers. Numbers and errors come from the kernel's
 * public ABI header (tessera/syscall.h); this file only moves registers.
 */
#ifndef TESSERA_SYS_H
#define TESSERA_SYS_H

#include <stdint.h>
#include <stddef.h>
#include <tessera/syscall.h>
#include <tessera/cap.h>

/* Registers in and out of one call: r0-r5 in, r0-r3 out. */
struct sys_regs {
	uint32_t r[6];
};

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

static inline int sys_console_write(const char *buf, size_t len)
{
	struct sys_regs io = {{(uint32_t)(uintptr_t)buf, (uint32_t)len}};
	return sys_invoke(SYS_console_write, &io);
}

/* Tick count since boot and the tick rate. */
static inline int sys_time(uint64_t *ticks, uint32_t *hz)
{
	struct sys_regs io = {{0}};
	int ret = sys_invoke(SYS_time, &io);

	*ticks = ((uint64_t)io.r[2] << 32) | io.r[1];
	*hz = io.r[3];
	return ret;
}

/* Microseconds since boot, from the counter (not the tick). */
static inline uint64_t sys_time_us(void)
{
	struct sys_regs io = {{TIME_MICROSECONDS}};

	sys_invoke(SYS_time, &io);
	return ((uint64_t)io.r[2] << 32) | io.r[1];
}

/* The board's counter since boot, and its rate (counts a second). */
static inline uint64_t sys_time_counter(uint32_t *rate)
{
	struct sys_regs io = {{TIME_COUNTER}};

	sys_invoke(SYS_time, &io);
	*rate = io.r[3];
	return ((uint64_t)io.r[2] << 32) | io.r[1];
}

struct sys_ids {
	uint32_t tid, tgid, container, pager;
};

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

/* getid(GETID_CHANNEL): the tid of the first pager of the container the
 * manifest named `name`, given a channel to it, or -E_*: -E_NOENT no such
 * container or no channel to it, -E_BUSY between lives (look again after
 * a while), -E_DEAD stopped for good, -E_INVAL length not 1..16, -E_FAULT.
 * The tid is the pager of its current life: after a restart, ask again. */
static inline int sys_channel_lookup(const char *name, uint32_t len)
{
	struct sys_regs io = {
		{GETID_CHANNEL, (uint32_t)(uintptr_t)name, len}};

	return sys_invoke(SYS_getid, &io);
}

static inline int channel_lookup(const char *name)
{
	uint32_t len = 0;

	while (name[len] && len <= GETID_NAME_MAX)
		len++;
	return sys_channel_lookup(name, len);
}

static inline void __attribute__((noreturn)) sys_exit(int code)
{
	struct sys_regs io = {{TC_EXIT, (uint32_t)code}};
	sys_invoke(SYS_thread_control, &io);
	for (;;)
		;
}

/* ---- threads ---------------------------------------------------------- */

/* Create an inactive thread; returns its tid or -E_*. */
static inline int sys_thread_create(uint32_t space_src, uint32_t flags,
				    uint32_t tgid, uint32_t pc, uint32_t sp)
{
	struct sys_regs io = {{TC_CREATE, space_src, flags, tgid, pc, sp}};
	return sys_invoke(SYS_thread_control, &io);
}

static inline int sys_thread_op(uint32_t op, uint32_t tid, uint32_t arg)
{
	struct sys_regs io = {{op, tid, arg}};
	return sys_invoke(SYS_thread_control, &io);
}

static inline int sys_yield(void)
{
	return sys_thread_op(TC_YIELD, 0, 0);
}

/* Give the CPU away until n timer ticks have passed. */
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

static inline int sys_thread_run(uint32_t tid)
{
	return sys_thread_op(TC_RUN, tid, 0);
}

static inline int sys_thread_suspend(uint32_t tid)
{
	return sys_thread_op(TC_SUSPEND, tid, 0);
}

static inline int sys_thread_resume(uint32_t tid)
{
	return sys_thread_op(TC_RESUME, tid, 0);
}

static inline int sys_thread_destroy(uint32_t tid, int code)
{
	return sys_thread_op(TC_DESTROY, tid, (uint32_t)code);
}

/* End and reap every thread the caller pages; returns how many. */
static inline int sys_thread_destroy_children(int code)
{
	return sys_thread_op(TC_DESTROY_CHILDREN, 0, (uint32_t)code);
}

static inline int sys_thread_recycle(uint32_t tid)
{
	return sys_thread_op(TC_RECYCLE, tid, 0);
}

/*
 * The cores thread tid (0: the caller) may run on: mask (bit n: core n;
 * 0: unchanged) within its container's; *cpu: the core it is on
 * afterwards (it moves off one it may no longer use). Returns its mask,
 * or -E_*.
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

/* The cores that run threads (the kernel interface page's). */
static inline uint32_t sys_cpus_online(void)
{
	return ((const volatile struct kip *)KIP_ADDRESS)->cpus_online;
}

/* Wait for a paged child (0: any) to end; returns its exit code. */
static inline int sys_thread_wait(uint32_t tid, uint32_t *who)
{
	struct sys_regs io = {{TC_WAIT, tid}};
	int ret = sys_invoke(SYS_thread_control, &io);

	if (who)
		*who = io.r[1];
	return ret;
}

static inline int sys_exchange_registers(uint32_t tid, uint32_t flags,
					 struct exregs *r)
{
	struct sys_regs io = {{tid, flags, (uint32_t)(uintptr_t)r}};
	return sys_invoke(SYS_exchange_registers, &io);
}

/* ---- memory ----------------------------------------------------------- */

static inline int sys_map(uint32_t phys, uint32_t virt, uint32_t pages,
			  uint32_t attrs, uint32_t tid)
{
	struct sys_regs io = {{phys, virt, pages, attrs, tid}};
	return sys_invoke(SYS_map, &io);
}

static inline int sys_unmap(uint32_t virt, uint32_t pages, uint32_t tid)
{
	struct sys_regs io = {{virt, pages, tid}};
	return sys_invoke(SYS_unmap, &io);
}

static inline int sys_mutex_control(volatile uint32_t *word, uint32_t op)
{
	struct sys_regs io = {{(uint32_t)(uintptr_t)word, op}};
	return sys_invoke(SYS_mutex_control, &io);
}

/* ---- capabilities ------------------------------------------------------ */

static inline int sys_cap_control(uint32_t op, uint32_t a1, uint32_t a2,
				  uint32_t a3, uint32_t a4, uint32_t a5)
{
	struct sys_regs io = {{op, a1, a2, a3, a4, a5}};
	return sys_invoke(SYS_cap_control, &io);
}

/* How many capabilities this thread can use. */
static inline int cap_count(void)
{
	return sys_cap_control(CAP_CTRL_COUNT, 0, 0, 0, 0, 0);
}

/* Fill up to max entries; returns how many were written. */
static inline int cap_read(struct cap_info *buf, uint32_t max)
{
	return sys_cap_control(CAP_CTRL_READ, (uint32_t)(uintptr_t)buf, max, 0,
			       0, 0);
}

static inline int cap_share(uint32_t id, uint32_t scope)
{
	return sys_cap_control(CAP_CTRL_SHARE, id, scope, 0, 0, 0);
}

static inline int cap_grant(uint32_t id, uint32_t tid)
{
	return sys_cap_control(CAP_CTRL_GRANT, id, tid, 0, 0, 0);
}

/* Returns the id of the part split off (units, bytes or operation bits). */
static inline int cap_split(uint32_t id, uint32_t amount)
{
	return sys_cap_control(CAP_CTRL_SPLIT, id, amount, 0, 0, 0);
}

static inline int cap_replicate(uint32_t id)
{
	return sys_cap_control(CAP_CTRL_REPLICATE, id, 0, 0, 0, 0);
}

/* Narrow to ops/flags, and (target_kind != 0) to a target inside the old. */
static inline int cap_deduce(uint32_t id, uint32_t ops, uint32_t flags,
			     uint32_t target_kind, uint32_t target)
{
	return sys_cap_control(CAP_CTRL_DEDUCE, id, ops, flags, target_kind,
			       target);
}

static inline int cap_destroy(uint32_t id)
{
	return sys_cap_control(CAP_CTRL_DESTROY, id, 0, 0, 0, 0);
}

/* ---- device interrupts ------------------------------------------------- */

static inline int sys_irq_control(uint32_t op, uint32_t irq, uint32_t tid)
{
	struct sys_regs io = {{op, irq, tid}};
	return sys_invoke(SYS_irq_control, &io);
}

static inline int irq_bind(uint32_t irq, uint32_t tid)
{
	return sys_irq_control(IRQ_BIND, irq, tid);
}

static inline int irq_unbind(uint32_t irq)
{
	return sys_irq_control(IRQ_UNBIND, irq, 0);
}

static inline int irq_wait(uint32_t irq)
{
	return sys_irq_control(IRQ_WAIT, irq, 0);
}

static inline int irq_ack(uint32_t irq)
{
	return sys_irq_control(IRQ_ACK, irq, 0);
}

/* ---- ipc -------------------------------------------------------------- */

/* A message: tag and the four register words MR0-MR3. */
struct ipc_msg {
	uint32_t tag;
	uint32_t mr[4];
	uint32_t from; /* filled by receives */
};

/* The general form: r0 = to, r1 = from, r2 = tag, r3-r6 = MR0-MR3. */
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

static inline int ipc_send(uint32_t to, struct ipc_msg *m)
{
	m->tag = (m->tag & ~(IPC_SEND | IPC_RECV)) | IPC_SEND;
	return sys_ipc(to, 0, m);
}

static inline int ipc_receive(uint32_t from, struct ipc_msg *m)
{
	m->tag = IPC_RECV;
	return sys_ipc(0, from, m);
}

static inline int ipc_call(uint32_t to, struct ipc_msg *m)
{
	m->tag = (m->tag & ~(IPC_SEND | IPC_RECV | IPC_NONBLOCK)) | IPC_CALL;
	return sys_ipc(to, to, m);
}

/* Answer `to` (which must be waiting) and wait for the next request. */
static inline int ipc_reply_wait(uint32_t to, struct ipc_msg *m)
{
	m->tag = (m->tag & ~0xfu) | IPC_REPLY_WAIT;
	return sys_ipc(to, IPC_ANY, m);
}

/* This thread's UTCB, as the kernel keeps it in TPIDRURO. */
static inline struct utcb *utcb_self(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c13, c0, 3" : "=r"(v));
	return (struct utcb *)(uintptr_t)v;
}

static inline const struct kip *kip_get(void)
{
	return (const struct kip *)KIP_ADDRESS;
}

#endif
