/*
 * System calls of the controller: every one goes through fz_svc, which
 * counts it, and result_allowed knows which results each call may give
 * (docs/syscalls.md, and the kernel's checks in kernel/generic/).
 */
#include <stddef.h>
#include <tessera/errno.h>
#include "attacker.h"

struct stats S;

int fz_svc(uint32_t nr, struct regs7 *io)
{
	register uint32_t r0 __asm__("r0") = io->r[0];
	register uint32_t r1 __asm__("r1") = io->r[1];
	register uint32_t r2 __asm__("r2") = io->r[2];
	register uint32_t r3 __asm__("r3") = io->r[3];
	register uint32_t r4 __asm__("r4") = io->r[4];
	register uint32_t r5 __asm__("r5") = io->r[5];
	register uint32_t r6 __asm__("r6") = io->r[6];
	register uint32_t r7 __asm__("r7") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4),
			   "+r"(r5), "+r"(r6)
			 : "r"(r7)
			 : "memory");
	io->r[0] = r0;
	io->r[1] = r1;
	io->r[2] = r2;
	io->r[3] = r3;
	io->r[4] = r4;
	io->r[5] = r5;
	io->r[6] = r6;
	S.calls++;
	S.by_nr[nr < SYS_COUNT ? nr : SYS_COUNT]++;
	return (int)r0;
}

int fz_call(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
	    uint32_t a4, uint32_t a5)
{
	struct regs7 io = {{a0, a1, a2, a3, a4, a5, 0}};

	return fz_svc(nr, &io);
}

int fz_exregs(uint32_t tid, uint32_t flags, struct exregs *r)
{
	return fz_call(SYS_exchange_registers, tid, flags,
		       (uint32_t)(uintptr_t)r, 0, 0, 0);
}

int fz_tc(uint32_t op, uint32_t tid, uint32_t arg)
{
	return fz_call(SYS_thread_control, op, tid, arg, 0, 0, 0);
}

int fz_wait(uint32_t tid, uint32_t *who)
{
	struct regs7 io = {{TC_WAIT, tid}};
	int r = fz_svc(SYS_thread_control, &io);

	if (who)
		*who = io.r[1];
	return r;
}

int fz_capc(uint32_t op, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4,
	    uint32_t a5)
{
	return fz_call(SYS_cap_control, op, a1, a2, a3, a4, a5);
}

int fz_cap_read(struct cap_info *buf, uint32_t max)
{
	return fz_capc(CAP_CTRL_READ, (uint32_t)(uintptr_t)buf, max, 0, 0, 0);
}

int fz_yield(void)
{
	return fz_tc(TC_YIELD, 0, 0);
}

int fz_ipc(uint32_t to, uint32_t from, struct ipc_msg *m)
{
	struct regs7 io = {{to, from, m->tag, m->mr[0], m->mr[1], m->mr[2],
			    m->mr[3]}};
	int r = fz_svc(SYS_ipc, &io);

	if (m->tag & IPC_RECV) {
		m->from = io.r[1];
		m->tag = io.r[2];
		m->mr[0] = io.r[3];
		m->mr[1] = io.r[4];
		m->mr[2] = io.r[5];
		m->mr[3] = io.r[6];
	}
	return r;
}

/* One bit per error of the ABI (tessera/errno.h). */
enum { B_PERM, B_NOENT, B_INTR, B_BUDGET, B_FAULT, B_BUSY, B_INVAL, B_NOSYS,
       B_DEAD };
#define ERR(e) (1u << B_##e)
#define ALL_ERRORS 0x1ffu

static int bit_of(int r)
{
	switch (-r) {
	case E_PERM: return B_PERM;
	case E_NOENT: return B_NOENT;
	case E_INTR: return B_INTR;
	case E_BUDGET: return B_BUDGET;
	case E_FAULT: return B_FAULT;
	case E_BUSY: return B_BUSY;
	case E_INVAL: return B_INVAL;
	case E_NOSYS: return B_NOSYS;
	case E_DEAD: return B_DEAD;
	default: return -1;
	}
}

static bool in(int r, uint32_t mask)
{
	int b = r < 0 ? bit_of(r) : -1;

	return b >= 0 && (mask & (1u << b));
}

bool errno_sane(int r)
{
	return r >= 0 || in(r, ALL_ERRORS);
}

/*
 * Results per call, from the kernel's checks (kernel/generic/ipc.c,
 * sys_thread.c, sys_map.c, mutex.c, sys_cap.c, irq.c, syscall.c) and the
 * table in docs/syscalls.md. Values: what a success may return.
 */
bool result_allowed(uint32_t nr, const uint32_t *a, int r)
{
	uint32_t e = 0;

	switch (nr) {
	case SYS_ipc:
		e = ERR(INVAL) | ERR(NOENT) | ERR(PERM) | ERR(BUSY) |
		    ERR(FAULT) | ERR(INTR) | ERR(DEAD);
		return r == 0 || in(r, e);
	case SYS_thread_control:
		switch (a[0]) {
		case TC_CREATE:
			return r > 0 || in(r, ERR(INVAL) | ERR(NOENT) |
						      ERR(PERM) |
						      ERR(BUDGET));
		case TC_RUN:
		case TC_SUSPEND:
		case TC_RESUME:
		case TC_DESTROY:
		case TC_RECYCLE:
			return r == 0 || in(r, ERR(INVAL) | ERR(NOENT) |
						       ERR(PERM) |
						       ERR(BUSY));
		case TC_WAIT: /* an exit code is any value */
		case TC_EXIT:
			return true;
		case TC_YIELD:
			return r == 0;
		case TC_DESTROY_CHILDREN:
			return r >= 0;
		case TC_CPUS:
			return r == 0 || in(r, ERR(INVAL) | ERR(NOENT) |
						       ERR(PERM));
		default:
			return r == -E_INVAL;
		}
	case SYS_exchange_registers:
		e = ERR(INVAL) | ERR(NOENT) | ERR(BUSY) | ERR(BUDGET) |
		    ERR(PERM) | ERR(FAULT);
		return r == 0 || in(r, e);
	case SYS_map:
		e = ERR(INVAL) | ERR(PERM) | ERR(NOENT) | ERR(BUDGET);
		return r == 0 || in(r, e);
	case SYS_unmap:
		e = ERR(INVAL) | ERR(PERM) | ERR(NOENT);
		return (r >= 0 && (uint32_t)r <= a[1]) || in(r, e);
	case SYS_mutex_control:
		e = ERR(INVAL) | ERR(PERM) | ERR(FAULT) | ERR(BUDGET) |
		    ERR(INTR);
		if (a[1] == MUTEX_WAKE)
			return r == 0 || r == 1 || in(r, e);
		return r == 0 || in(r, e);
	case SYS_cap_control:
		e = ERR(INVAL) | ERR(NOENT) | ERR(PERM) | ERR(BUSY) |
		    ERR(BUDGET) | ERR(FAULT);
		if (a[0] == CAP_CTRL_READ)
			return (r >= 0 && (uint32_t)r <= a[2]) || in(r, e);
		if (a[0] == CAP_CTRL_COUNT || a[0] == CAP_CTRL_SPLIT ||
		    a[0] == CAP_CTRL_REPLICATE)
			return r >= 0 || in(r, e);
		return r == 0 || in(r, e);
	case SYS_irq_control:
		e = ERR(INVAL) | ERR(PERM) | ERR(BUSY) | ERR(NOENT) |
		    ERR(BUDGET) | ERR(DEAD) | ERR(INTR);
		return r == 0 || in(r, e);
	case SYS_getid:
		if (a[0] == GETID_SELF)
			return r > 0;
		if (a[0] != GETID_CHANNEL)
			return r == -E_INVAL;
		/* a pager's tid, or: no such name or no channel, an attacker
		 * between lives or done with them, bad name pointer/length */
		return r > 0 || in(r, ERR(NOENT) | ERR(BUSY) | ERR(DEAD) |
					      ERR(FAULT) | ERR(INVAL));
	case SYS_time:
		return r == 0 || r == -E_INVAL; /* a unit it does not have */
	case SYS_console_write:
		return (r >= 0 && (uint32_t)r == a[1]) ||
		       in(r, ERR(INVAL) | ERR(FAULT));
	case SYS_sched_control: /* no fuzzing container has a scheduler */
		return in(r, ERR(INVAL) | ERR(PERM) | ERR(NOENT));
	default: /* a call of the ABI it has no table for: any error */
		return nr < SYS_COUNT ? errno_sane(r) : r == -E_NOSYS;
	}
}

/* The ABI's names for its call numbers (tessera/syscall.h). */
#define NAME_OF(name) [SYS_##name] = #name,
static const char *const names[SYS_COUNT] = {SYSCALL_LIST(NAME_OF)};
#undef NAME_OF

const char *call_name(uint32_t nr)
{
	return nr < SYS_COUNT && names[nr] ? names[nr] : "none";
}
