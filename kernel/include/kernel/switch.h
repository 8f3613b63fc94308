/*
 * The switch to a thread on the way out of the kernel: shared by
 * kernel_exit (after the scheduler's pick) and the ipc fast path (which
 * knows whom to run without one). Inline, as it is on every return to a
 * thread other than the one that entered.
 */
#ifndef KERNEL_SWITCH_H
#define KERNEL_SWITCH_H

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/klock.h>
#include <kernel/percpu.h>
#include <kernel/space.h>
#include <kernel/thread.h>

/* This core's space becomes next's, if it is not already. */
static inline void kernel_switch_space(struct percpu *cpu,
				       const struct thread *next)
{
	struct space *s = next->space;

	if (cpu->space != s) {
		arch_switch_space(&s->arch);
		cpu->space = s;
	}
}

/* Run `next`, not the thread this core ran, on this core: its UTCB
 * pointer and its space (ASID-tagged: no flush); returns the frame to
 * restore. The ipc fast path's switch. */
static inline struct user_context *kernel_switch_thread(struct percpu *cpu,
							struct thread *next)
{
	write_tpidruro(next->utcb); /* user space finds its UTCB here */
#if CONFIG_NR_CPUS > 1
	if (cpu->current)
		cpu->current->on_cpu = CPU_NONE;
	next->on_cpu = (uint8_t)cpu->cpu_id;
#endif
	kernel_switch_space(cpu, next);
	cpu->current = next;
	return &next->ctx;
}

/* Run `next` on this core, maybe the thread it ran already (whose space
 * may have changed). */
static inline struct user_context *kernel_switch_to(struct thread *next)
{
	struct percpu *cpu = this_cpu();

	if (cpu->current != next)
		return kernel_switch_thread(cpu, next);
	kernel_switch_space(cpu, next);
	return &next->ctx;
}

#endif
