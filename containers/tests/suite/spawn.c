/*
 * Each child gets a slot: a stack and a UTCB from static arrays in the
 * container's region. The child starts in thread_call_entry with r0 = function,
 * r1 = argument (set with exchange_registers) and exits with the function's
 * return value.
 */
#include <stddef.h>
#include <tessera/sys.h>
#include <tessera/thread.h>
#include "spawn.h"

#define STACK_SIZE 2048

static uint8_t stacks[SPAWN_MAX][STACK_SIZE] __attribute__((aligned(8)));
static struct utcb utcbs[SPAWN_MAX] __attribute__((aligned(UTCB_SIZE)));
static int slot_tid[SPAWN_MAX];

static int slot_alloc(void)
{
	for (int i = 0; i < SPAWN_MAX; i++)
		if (!slot_tid[i])
			return i;
	return -1;
}

static int slot_of(int tid)
{
	for (int i = 0; i < SPAWN_MAX; i++)
		if (slot_tid[i] == tid)
			return i;
	return -1;
}

int spawn_create(child_fn fn, uint32_t arg, uint32_t flags)
{
	return spawn_create_group(fn, arg, flags, 0);
}

int spawn_create_group(child_fn fn, uint32_t arg, uint32_t flags,
		       uint32_t tgid)
{
	int slot = slot_alloc();

	if (slot < 0)
		return -E_BUDGET;
	int tid = thread_prepare(flags, tgid,
				 (uint32_t)(uintptr_t)thread_call_entry,
				 (uint32_t)(uintptr_t)&stacks[slot + 1][0],
				 (uint32_t)(uintptr_t)fn, arg, &utcbs[slot]);
	if (tid < 0)
		return tid;
	slot_tid[slot] = tid;
	return tid;
}

int spawn(child_fn fn, uint32_t arg)
{
	int tid = spawn_create(fn, arg, TC_SAME_SPACE | TC_AS_PAGER);

	if (tid > 0)
		sys_thread_run((uint32_t)tid);
	return tid;
}

int spawn_wait(int tid)
{
	int code = sys_thread_wait((uint32_t)tid, NULL);

	spawn_forget(tid);
	return code;
}

void spawn_forget(int tid)
{
	int slot = slot_of(tid);

	if (slot >= 0)
		slot_tid[slot] = 0;
}

uint32_t spawn_utcb_of(int tid)
{
	int slot = slot_of(tid);
	return slot < 0 ? 0 : (uint32_t)(uintptr_t)&utcbs[slot];
}
