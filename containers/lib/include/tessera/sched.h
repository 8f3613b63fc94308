/**
 * @file tessera/sched.h
 * @brief User-level scheduling in the user library (docs/scheduling.md, "User-level
 * scheduler"): the sched_control call, TC_RUN with a nice value, and the
 * one conversion between nice values, priorities and queues that
 * schedulers and the threads they schedule share.
 *
 * @verbatim
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
 * @endverbatim
 */
#ifndef TESSERA_SCHED_H
#define TESSERA_SCHED_H

#include <stdint.h>
#include <tessera/sys.h>

/** @brief The lowest priority of a thread. */
#define SCHED_PRIORITY_MIN 1
/** @brief The highest priority. */
#define SCHED_PRIORITY_MAX 255
/** @brief The kernel's run-queue levels: 16 priorities each. */
#define SCHED_QUEUES 16
/** @brief Priorities between consecutive nice values. */
#define SCHED_NICE_STEP 6

/**
 * @brief The priority of a nice value: 255 - 6 * (nice + 20).
 * @param nice -20..19 (clamped to that range)
 * @return 255 (nice -20) .. 21 (nice 19)
 */
static inline uint32_t sched_nice_to_priority(int nice)
{
	if (nice < SCHED_NICE_MIN)
		nice = SCHED_NICE_MIN;
	if (nice > SCHED_NICE_MAX)
		nice = SCHED_NICE_MAX;
	return (uint32_t)(SCHED_PRIORITY_MAX -
			  SCHED_NICE_STEP * (nice - SCHED_NICE_MIN));
}

/**
 * @brief The nice value of a priority: the inverse of
 * sched_nice_to_priority(), to the nearest nice value.
 * @param priority 1..255 (clamped to that range)
 * @return -20..19
 */
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

/**
 * @brief The kernel's level of a priority: the scheduler's queue.
 * @param priority 1..255 (clamped to that range)
 * @return (priority - 1) / 16: 0..15
 */
static inline uint32_t sched_queue_of(uint32_t priority)
{
	if (priority < SCHED_PRIORITY_MIN)
		priority = SCHED_PRIORITY_MIN;
	if (priority > SCHED_PRIORITY_MAX)
		priority = SCHED_PRIORITY_MAX;
	return (priority - 1) / 16;
}

/**
 * @brief sched_control (system call 11), for a scheduler container
 * (docs/scheduling.md, "User-level scheduler").
 *
 * SCHED_ADMIT / SCHED_REFUSE / SCHED_SET thread tid with priority and a
 * quantum in ticks; SCHED_FORWARD with the index of the container to
 * forward to in place of the priority; SCHED_GET (returns the index of
 * the container scheduling tid now). Needs a CAP_RES_SCHED capability on
 * the thread (the manifest's `scheduler` and `forward_schedulers` keys).
 * @param op SCHED_ADMIT, SCHED_REFUSE, SCHED_SET, SCHED_FORWARD or
 *        SCHED_GET
 * @param tid the thread
 * @param priority 1..its container's manifest priority (admit, set); the
 *        container index to forward to (forward); ignored otherwise
 * @param quantum ticks, 1..SCHED_QUANTUM_MAX (admit, set); ignored
 *        otherwise
 * @return 0, or for SCHED_GET the scheduling container's index; -E_INVAL
 *         unknown op, priority or quantum out of range, a thread not
 *         user-scheduled (set, get), forward to no container or to the
 *         caller's own; -E_NOENT / -E_PERM as for any thread id; -E_PERM
 *         no SCHED capability or not its scheduler now, forward to a
 *         container that may not schedule it; -E_DEAD forward to a
 *         scheduler not running; -E_BUSY a thread not waiting for its
 *         answer, set before admit, a full inbox; -E_BUDGET a fifth
 *         forward of one start (docs/syscalls.md)
 */
static inline int sys_sched_control(uint32_t op, uint32_t tid,
				    uint32_t priority, uint32_t quantum)
{
	struct sys_regs io = {{op, tid, priority, quantum}};
	return sys_invoke(SYS_sched_control, &io);
}

/**
 * @brief TC_RUN with a nice value.
 *
 * In a container with a scheduler the call waits for its answer; in
 * others the nice value is ignored.
 * @param tid an inactive thread
 * @param nice SCHED_NICE_MIN..SCHED_NICE_MAX (else -E_INVAL where a
 *        scheduler decides)
 * @return 0 started (admitted); -E_PERM refused (the thread has ended
 *         with exit code -E_PERM) or no thread_control capability;
 *         -E_BUSY the scheduler's inbox is full (nothing started), or
 *         the thread was started already; -E_INTR suspended while
 *         waiting; -E_NOENT no such thread
 */
static inline int sys_thread_run_nice(uint32_t tid, int nice)
{
	return sys_thread_op(TC_RUN, tid, (uint32_t)nice);
}

/**
 * @brief sys_thread_run_nice(), and which scheduler started the thread.
 * @param tid an inactive thread
 * @param nice SCHED_NICE_MIN..SCHED_NICE_MAX
 * @param by if not NULL and the call returns 0: the index of the
 *        container that admitted it (after forwards, the last one), or
 *        SCHED_BY_KERNEL when the kernel started it
 * @return as sys_thread_run_nice()
 */
static inline int sys_thread_run_by(uint32_t tid, int nice, uint32_t *by)
{
	struct sys_regs io = {{TC_RUN, tid, (uint32_t)nice}};
	int ret = sys_invoke(SYS_thread_control, &io);

	if (by)
		*by = io.r[1];
	return ret;
}

#endif
