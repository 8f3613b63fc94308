/*
 * User-level scheduling in the user library (docs/scheduling.md, "User-level
 * scheduler"): the sched_control call, TC_RUN with a nice value, and the
 * one conversion between nice values, priorities and queues that
 * schedulers and the threads they schedule share.
 *
 * Nice values are -20 (most favoured) .. 19, as in Unix. Priorities are
 * the kernel's 1..255, queues its 16 levels of 16 priorities (queue =
 * (priority - 1) / 16). The conversion
 *
 *	priority = 255 - 6 * (nice + 20)	(-20 -> 255, 0 -> 135, 19 -> 21)
 *	nice     = (255 - priority + 3) / 6 - 20, clamped to -20..19
 *
 * gives each nice value its own priority, so nice -> priority -> nice is
 * the identity for every nice value, and priority -> nice -> priority is
 * the identity for every priority a nice value maps to (any other priority
 * goes to the nearest such one, ties to the higher nice value). Six
 * priorities a step put about 2.7 nice values in one queue: nice -20 is
 * queue 15, nice 0 queue 8, nice 19 queue 1.
 */
#ifndef TESSERA_SCHED_H
#define TESSERA_SCHED_H

#include <stdint.h>
#include <tessera/sys.h>

#define SCHED_PRIORITY_MIN 1
#define SCHED_PRIORITY_MAX 255
#define SCHED_QUEUES 16
#define SCHED_NICE_STEP 6

static inline uint32_t sched_nice_to_priority(int nice)
{
	if (nice < SCHED_NICE_MIN)
		nice = SCHED_NICE_MIN;
	if (nice > SCHED_NICE_MAX)
		nice = SCHED_NICE_MAX;
	return (uint32_t)(SCHED_PRIORITY_MAX -
			  SCHED_NICE_STEP * (nice - SCHED_NICE_MIN));
}

static inline int sched_priority_to_nice(uint32_t priority)
{
	if (priority < SCHED_PRIORITY_MIN)
		priority = SCHED_PRIORITY_MIN;
	if (priority > SCHED_PRIORITY_MAX)
		priority = SCHED_PRIORITY_MAX;
	int nice = (int)((SCHED_PRIORITY_MAX - priority +
			  SCHED_NICE_STEP / 2) / SCHED_NICE_STEP) +
		   SCHED_NICE_MIN;
	return nice > SCHED_NICE_MAX ? SCHED_NICE_MAX : nice;
}

/* The kernel's level of a priority: the scheduler's queue. */
static inline uint32_t sched_queue_of(uint32_t priority)
{
	if (priority < SCHED_PRIORITY_MIN)
		priority = SCHED_PRIORITY_MIN;
	if (priority > SCHED_PRIORITY_MAX)
		priority = SCHED_PRIORITY_MAX;
	return (priority - 1) / 16;
}

/* sched_control (system call 11): SCHED_ADMIT / SCHED_REFUSE / SCHED_SET
 * thread tid with priority and a quantum in ticks; SCHED_FORWARD with the
 * index of the container to forward to in place of the priority, SCHED_GET
 * (returns the index of the container scheduling tid now). */
static inline int sys_sched_control(uint32_t op, uint32_t tid,
				    uint32_t priority, uint32_t quantum)
{
	struct sys_regs io = {{op, tid, priority, quantum}};
	return sys_invoke(SYS_sched_control, &io);
}

/* TC_RUN with a nice value: in a container with a scheduler, waits for
 * its answer (0 admitted, -E_PERM refused). */
static inline int sys_thread_run_nice(uint32_t tid, int nice)
{
	return sys_thread_op(TC_RUN, tid, (uint32_t)nice);
}

/* The same, and *by = the index of the container that admitted it
 * (SCHED_BY_KERNEL: the kernel started it) when it returns 0. */
static inline int sys_thread_run_by(uint32_t tid, int nice, uint32_t *by)
{
	struct sys_regs io = {{TC_RUN, tid, (uint32_t)nice}};
	int ret = sys_invoke(SYS_thread_control, &io);

	if (by)
		*by = io.r[1];
	return ret;
}

#endif
