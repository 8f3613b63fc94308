/*
 * crash_budget: creates threads until its threads budget (FI_BUDGET_THREADS)
 * is exhausted, then exits with the error, -E_BUDGET. The first thread gets
 * a new address space (its spaces budget, 1), and the threads are left in
 * every state teardown must handle: inactive, blocked in ipc, runnable.
 * restart = "on-failure": every life finds its whole budget again.
 */
#include <stddef.h>
#include "../common/fi.h"

#define TRIES 8

static uint8_t stacks[TRIES][512] __attribute__((aligned(8)));
static struct utcb utcbs[TRIES] __attribute__((aligned(UTCB_SIZE)));
static uint32_t me;

static int wait_for_pager(uint32_t arg)
{
	struct ipc_msg m = {0};

	(void)arg;
	return ipc_receive(me, &m); /* it never sends */
}

static int keep_yielding(uint32_t arg)
{
	(void)arg;
	for (;;)
		sys_yield();
	return 0;
}

int main(void)
{
	uint32_t created = 0, new_space = 0;
	int err = 0;

	if (fi_checkin(FI_BUDGET, 0, NULL) < 0)
		return 1;
	me = fi_self();
	/* an empty new space: never run */
	err = sys_thread_create(0, TC_NEW_SPACE | TC_AS_PAGER, 0, 0x1000, 0);
	if (err > 0) {
		created++;
		new_space = 1;
	}
	for (uint32_t i = 1; err >= 0 && i < TRIES; i++) {
		fi_fn fn = i % 3 == 1 ? wait_for_pager : keep_yielding;
		err = fi_spawn(TC_SAME_SPACE, fn, 0,
			       stacks[i] + sizeof(stacks[i]), &utcbs[i]);
		if (err < 0)
			break;
		created++;
		if (i % 3 != 0) /* every third stays inactive */
			sys_thread_run((uint32_t)err);
	}
	fi_report(created, (uint32_t)err, new_space, 0);
	return err < 0 ? err : 3;
}
