/*
 * Child threads: SLOTS of them (its whole THREADS budget), each with a
 * stack and a UTCB in its program region. A child starts in thread_call_entry
 * with r0 = function, r1 = argument and exits with what the function
 * returns.
 */
#include <tessera/thread.h>
#include "adversary.h"

#define STACK_SIZE 2048

static uint8_t stacks[SLOTS][STACK_SIZE] __attribute__((aligned(8)));
static struct utcb utcbs[SLOTS] __attribute__((aligned(UTCB_SIZE)));
static int slot_tid[SLOTS];

static int slot_of(int tid)
{
	for (int i = 0; i < SLOTS; i++)
		if (slot_tid[i] == tid)
			return i;
	return -1;
}

int child_create(child_fn fn, uint32_t arg)
{
	return child_create_group(fn, arg, 0);
}

int child_create_group(child_fn fn, uint32_t arg, uint32_t tgid)
{
	int slot = slot_of(0);

	if (slot < 0)
		return -E_BUDGET;
	utcbs[slot] = (struct utcb){0};
	int tid = thread_prepare(TC_SAME_SPACE | TC_AS_PAGER, tgid,
				 (uint32_t)(uintptr_t)thread_call_entry,
				 (uint32_t)(uintptr_t)&stacks[slot + 1][0],
				 (uint32_t)(uintptr_t)fn, arg, &utcbs[slot]);
	if (tid < 0)
		return tid;
	slot_tid[slot] = tid;
	return tid;
}

int child_spawn(child_fn fn, uint32_t arg)
{
	int tid = child_create(fn, arg);

	if (tid > 0)
		sys_thread_run((uint32_t)tid);
	return tid;
}

int child_wait(int tid)
{
	int code = sys_thread_wait((uint32_t)tid, NULL);
	int slot = slot_of(tid);

	if (slot >= 0)
		slot_tid[slot] = 0;
	return code;
}

int child_kill(int tid)
{
	int err = sys_thread_destroy((uint32_t)tid, 0);

	child_wait(tid);
	return err;
}

struct utcb *child_utcb(int tid)
{
	int slot = tid > 0 ? slot_of(tid) : -1;

	return slot < 0 ? NULL : &utcbs[slot];
}

int scratch_space(void)
{
	return sys_thread_create(0, TC_NEW_SPACE | TC_AS_PAGER, 0, 0, 0);
}
