/*
 * Threads of the benchmark container: a few slots with a stack and a UTCB
 * for the partners of a figure, and idle threads (no stack, no UTCB: they
 * only wait in a receive) to make the thread-count curve.
 */
#ifndef CONFIG_BENCH_BOOT_ONLY
#include <tessera/sys.h>
#include <tessera/thread.h>
#include "bench.h"

#define STACK_SIZE 4096

static uint8_t stacks[BENCH_SLOTS][STACK_SIZE] __attribute__((aligned(8)));
static struct utcb utcbs[BENCH_SLOTS] __attribute__((aligned(UTCB_SIZE)));
static uint32_t idle_count;

int bench_thread(int slot, uint32_t flags, uint32_t pc, uint32_t a0,
		 uint32_t a1)
{
	return thread_prepare(flags | TC_AS_PAGER, 0, pc,
			      (uint32_t)(uintptr_t)stacks[slot] + STACK_SIZE,
			      a0, a1, &utcbs[slot]);
}

int bench_spawn(int slot, uint32_t flags, uint32_t pc, uint32_t a0, uint32_t a1)
{
	int tid = bench_thread(slot, flags, pc, a0, a1);

	if (tid > 0)
		sys_thread_run((uint32_t)tid);
	return tid;
}

int bench_idle_threads(uint32_t alive, uint32_t others)
{
	while (1 + others + idle_count < alive) {
		int tid = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
					    BENCH_PC(bench_idle), 0);
		if (tid < 0)
			return tid;
		sys_thread_run((uint32_t)tid);
		idle_count++;
	}
	sys_yield(); /* let the new ones reach their receive */
	return 0;
}

void bench_idle_end(void)
{
	if (idle_count)
		sys_thread_destroy_children(0);
	idle_count = 0;
}
#endif
