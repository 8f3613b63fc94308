/*
 * User-space system call wrappers. Numbers and errors come from the kernel's
 * public ABI header (tessera/syscall.h); this file only moves registers.
 */
#ifndef TESSERA_SYS_H
#define TESSERA_SYS_H

#include <stdint.h>
#include <stddef.h>
#include <tessera/syscall.h>

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

struct sys_ids {
	uint32_t tid, tgid, container;
};

static inline int sys_getid(struct sys_ids *ids)
{
	struct sys_regs io = {{0}};
	int ret = sys_invoke(SYS_getid, &io);

	ids->tid = io.r[0];
	ids->tgid = io.r[1];
	ids->container = io.r[2];
	return ret;
}

static inline void __attribute__((noreturn)) sys_exit(int code)
{
	struct sys_regs io = {{TC_EXIT, (uint32_t)code}};
	sys_invoke(SYS_thread_control, &io);
	for (;;)
		;
}

#endif
