/* thread_control and exchange_registers: lifecycle, groups, errors. */
#include <stddef.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

static volatile uint32_t shared_word;

static int return_arg(uint32_t arg)
{
	return (int)arg;
}

static int report_tgid(uint32_t arg)
{
	struct sys_ids ids;
	(void)arg;
	sys_getid(&ids);
	return (int)ids.tgid;
}

static int report_pager(uint32_t arg)
{
	struct sys_ids ids;
	(void)arg;
	sys_getid(&ids);
	return (int)ids.pager;
}

static int spin_count(uint32_t arg)
{
	(void)arg;
	for (;;)
		shared_word++;
	return 0;
}

static int receive_from(uint32_t from)
{
	struct ipc_msg m = {0};
	return ipc_receive(from, &m);
}

static int call_thread(uint32_t to)
{
	struct ipc_msg m = {0};
	return ipc_call(to, &m);
}

static int write_shared(uint32_t v)
{
	shared_word = v;
	return 0;
}

TEST_CASE(thread, create_run_wait)
{
	int tid = spawn(return_arg, 7);
	uint32_t who = 0;

	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_wait((uint32_t)tid, &who), 7);
	EXPECT_EQ(who, tid);
	spawn_forget(tid);
}

TEST_CASE(thread, wait_any_reaps_each_child_once)
{
	int a = spawn(return_arg, 11), b = spawn(return_arg, 12);
	uint32_t w1 = 0, w2 = 0;
	int c1 = sys_thread_wait(0, &w1), c2 = sys_thread_wait(0, &w2);

	spawn_forget(a);
	spawn_forget(b);
	EXPECT_EQ(c1 + c2, 23);
	EXPECT_EQ(w1 + w2, (uint32_t)(a + b));
	EXPECT_ERR(sys_thread_wait(0, NULL), -E_NOENT);
}

TEST_CASE(thread, tgid_of_new_thread_is_its_tid)
{
	int tid = spawn(report_tgid, 0);
	EXPECT_EQ(spawn_wait(tid), tid);
}

TEST_CASE(thread, clone_joins_supplied_group)
{
	struct sys_ids me;
	sys_getid(&me);
	int tid = spawn_create_group(report_tgid, 0,
				     TC_SAME_SPACE | TC_AS_PAGER, me.tgid);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	EXPECT_EQ(spawn_wait(tid), me.tgid);
}

TEST_CASE(thread, clone_with_foreign_group_leads_its_own)
{
	int tid = spawn_create_group(report_tgid, 0,
				     TC_SAME_SPACE | TC_AS_PAGER, 4000);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	EXPECT_EQ(spawn_wait(tid), tid);
}

TEST_CASE(thread, copy_space_thread_leads_its_own_group)
{
	struct sys_ids me;
	sys_getid(&me);
	int tid = spawn_create_group(report_tgid, 0,
				     TC_COPY_SPACE | TC_AS_PAGER, me.tgid);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	EXPECT_EQ(spawn_wait(tid), tid);
}

TEST_CASE(thread, creator_is_pager)
{
	struct sys_ids me;
	sys_getid(&me);
	int tid = spawn(report_pager, 0);
	EXPECT_EQ(spawn_wait(tid), me.tid);
}

TEST_CASE(thread, copy_space_shares_pages)
{
	shared_word = 0;
	int tid = spawn_create(write_shared, 0x1234,
			       TC_COPY_SPACE | TC_AS_PAGER);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	EXPECT_EQ(spawn_wait(tid), 0);
	EXPECT_EQ(shared_word, 0x1234);
}

TEST_CASE(thread, create_rejects_bad_flags)
{
	EXPECT_ERR(sys_thread_create(0, 0, 0, 0, 0), -E_INVAL);
	EXPECT_ERR(sys_thread_create(0, TC_SAME_SPACE | TC_NEW_SPACE, 0, 0, 0),
		   -E_INVAL);
	EXPECT_ERR(sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER |
					       TC_SHARE_PAGER, 0, 0, 0),
		   -E_INVAL);
	EXPECT_ERR(sys_thread_create(0, TC_SAME_SPACE | 0x1000, 0, 0, 0),
		   -E_INVAL);
	EXPECT_ERR(sys_thread_create(4000, TC_SAME_SPACE, 0, 0, 0), -E_NOENT);
	EXPECT_ERR(sys_thread_create(0xffffffff, TC_SAME_SPACE, 0, 0, 0),
		   -E_NOENT);
}

TEST_CASE(thread, bad_ops_and_targets)
{
	EXPECT_ERR(sys_thread_op(99, 0, 0), -E_INVAL);
	EXPECT_ERR(sys_thread_run(4000), -E_NOENT);
	EXPECT_ERR(sys_thread_suspend(0xffffffff), -E_NOENT);
	EXPECT_ERR(sys_thread_resume(4000), -E_NOENT);
	EXPECT_ERR(sys_thread_destroy(4000, 0), -E_NOENT);
	EXPECT_ERR(sys_thread_recycle(0), -E_BUSY); /* itself, running */
	EXPECT_ERR(sys_thread_resume(0), -E_INVAL); /* not suspended */
	EXPECT_ERR(sys_thread_wait(0, NULL), -E_NOENT);
	struct sys_ids me;
	sys_getid(&me);
	EXPECT_ERR(sys_thread_wait(me.tid, NULL), -E_INVAL);
}

static int wait_for_nothing(uint32_t arg)
{
	struct ipc_msg m = {0, {0}, 0};

	(void)arg;
	return ipc_receive(IPC_ANY, &m); /* nobody sends: it waits */
}

/* The child still runs (it waits, whenever the scheduler gets to it):
 * running it again is refused. */
TEST_CASE(thread, run_twice_is_busy)
{
	int tid = spawn(wait_for_nothing, 0);
	EXPECT_ERR(sys_thread_run((uint32_t)tid), -E_BUSY);
	EXPECT_EQ(sys_thread_destroy((uint32_t)tid, 1), 0);
	EXPECT_EQ(spawn_wait(tid), 1);
}

TEST_CASE(thread, suspend_stops_resume_continues)
{
	shared_word = 0;
	int tid = spawn(spin_count, 0);
	uint64_t t0, t;
	uint32_t hz;

	sys_time(&t0, &hz);
	do
		sys_time(&t, &hz);
	while (t - t0 < 3 && shared_word == 0);
	EXPECT_EQ(sys_thread_suspend((uint32_t)tid), 0);
	uint32_t frozen = shared_word;
	sys_time(&t0, &hz);
	do
		sys_time(&t, &hz);
	while (t - t0 < 3);
	EXPECT_EQ(shared_word, frozen);
	EXPECT_EQ(sys_thread_resume((uint32_t)tid), 0);
	sys_time(&t0, &hz);
	do
		sys_time(&t, &hz);
	while (t - t0 < 3 && shared_word == frozen);
	EXPECT_NE(shared_word, frozen);
	EXPECT_EQ(sys_thread_destroy((uint32_t)tid, 42), 0);
	EXPECT_EQ(spawn_wait(tid), 42);
}

TEST_CASE(thread, suspend_interrupts_blocking_receive)
{
	struct sys_ids me;
	sys_getid(&me);
	int tid = spawn(receive_from, me.tid);
	sys_yield();
	EXPECT_EQ(sys_thread_suspend((uint32_t)tid), 0);
	EXPECT_EQ(sys_thread_resume((uint32_t)tid), 0);
	EXPECT_EQ(spawn_wait(tid), -E_INTR);
}

TEST_CASE(thread, destroy_blocked_thread)
{
	struct sys_ids me;
	sys_getid(&me);
	int tid = spawn(receive_from, me.tid);
	sys_yield();
	EXPECT_EQ(sys_thread_destroy((uint32_t)tid, 5), 0);
	EXPECT_EQ(spawn_wait(tid), 5);
}

TEST_CASE(thread, sender_to_destroyed_thread_gets_dead)
{
	int target = spawn_create(return_arg, 0, TC_SAME_SPACE | TC_AS_PAGER);
	int caller = spawn(call_thread, (uint32_t)target);
	sys_yield(); /* caller queues on the inactive target */
	EXPECT_EQ(sys_thread_destroy((uint32_t)target, 0), 0);
	EXPECT_EQ(spawn_wait(target), 0);
	EXPECT_EQ(spawn_wait(caller), -E_DEAD);
}

/*
 * Thousands of threads through the same slot of the kernel's thread table:
 * each gets an id no earlier thread had (the slot's generation grows), and
 * the id of the one before names nobody.
 */
#define REUSE_CYCLES 3000

TEST_CASE(thread, ids_are_never_reused)
{
	int first = spawn_create(return_arg, 0, TC_SAME_SPACE | TC_AS_PAGER);
	int prev = first, fresh = 0, same_slot = 0, stale_ok = 0;

	EXPECT_GT(first, 0);
	EXPECT_EQ(sys_thread_destroy((uint32_t)first, 0), 0);
	EXPECT_EQ(spawn_wait(first), 0);
	for (int i = 0; i < REUSE_CYCLES; i++) {
		int tid = spawn_create(return_arg, 0,
				       TC_SAME_SPACE | TC_AS_PAGER);
		struct exregs r = {0};

		if (tid <= 0)
			break;
		same_slot += TID_INDEX((uint32_t)tid) ==
			     TID_INDEX((uint32_t)first);
		fresh += TID_GENERATION((uint32_t)tid) >
			 TID_GENERATION((uint32_t)prev);
		stale_ok += sys_thread_run((uint32_t)prev) == -E_NOENT &&
			    sys_exchange_registers((uint32_t)prev, EXREGS_GET,
						   &r) == -E_NOENT;
		sys_thread_destroy((uint32_t)tid, 0);
		spawn_wait(tid);
		prev = tid;
	}
	EXPECT_EQ(same_slot, REUSE_CYCLES);
	EXPECT_EQ(fresh, REUSE_CYCLES);
	EXPECT_EQ(stale_ok, REUSE_CYCLES);
	EXPECT_EQ(TID_GENERATION((uint32_t)prev),
		  TID_GENERATION((uint32_t)first) + REUSE_CYCLES);
}

TEST_CASE(thread, recycle_resets_inactive_thread)
{
	int tid = spawn_create(return_arg, 9, TC_SAME_SPACE | TC_AS_PAGER);
	struct exregs r = {0};

	EXPECT_EQ(sys_thread_recycle((uint32_t)tid), 0);
	EXPECT_EQ(sys_exchange_registers((uint32_t)tid, EXREGS_GET, &r), 0);
	EXPECT_EQ(r.pc, 0);
	EXPECT_EQ(r.r[0], 0);
	EXPECT_EQ(sys_thread_destroy((uint32_t)tid, 3), 0);
	EXPECT_EQ(spawn_wait(tid), 3);
}

TEST_CASE(exregs, set_then_get)
{
	int tid = spawn_create(return_arg, 0, TC_SAME_SPACE | TC_AS_PAGER);
	struct exregs r = {0};

	EXPECT_EQ(sys_exchange_registers((uint32_t)tid, EXREGS_GET, &r), 0);
	r.r[1] = 77; /* child_entry's argument */
	EXPECT_EQ(sys_exchange_registers((uint32_t)tid,
					 EXREGS_SET_REGS | EXREGS_GET, &r), 0);
	EXPECT_EQ(r.r[1], 77);
	EXPECT_EQ(r.cpsr & 0x1f, 0x10); /* user mode */
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	EXPECT_EQ(spawn_wait(tid), 77);
}

TEST_CASE(exregs, errors)
{
	int tid = spawn_create(return_arg, 0, TC_SAME_SPACE | TC_AS_PAGER);
	struct exregs r = {0};

	EXPECT_ERR(sys_exchange_registers(4000, EXREGS_GET, &r), -E_NOENT);
	EXPECT_ERR(sys_exchange_registers((uint32_t)tid, 0x8000, &r), -E_INVAL);
	EXPECT_ERR(sys_exchange_registers((uint32_t)tid, EXREGS_GET, NULL),
		   -E_FAULT);
	EXPECT_ERR(sys_exchange_registers((uint32_t)tid, EXREGS_GET,
					  (struct exregs *)0xc0000000),
		   -E_FAULT);
	EXPECT_ERR(sys_exchange_registers(0, EXREGS_SET_PC, &r), -E_BUSY);
	r.utcb = 0x10000004;
	EXPECT_ERR(sys_exchange_registers((uint32_t)tid, EXREGS_SET_UTCB, &r),
		   -E_INVAL);
	r.pager = 4000;
	EXPECT_ERR(sys_exchange_registers((uint32_t)tid, EXREGS_SET_PAGER, &r),
		   -E_NOENT);
	r.pager = (uint32_t)tid;
	EXPECT_ERR(sys_exchange_registers((uint32_t)tid, EXREGS_SET_PAGER, &r),
		   -E_INVAL);
	sys_thread_destroy((uint32_t)tid, 0);
	spawn_wait(tid);
}

const struct test_case core_thread_tests[] = {
	TEST_ENTRY(thread, create_run_wait),
	TEST_ENTRY(thread, wait_any_reaps_each_child_once),
	TEST_ENTRY(thread, tgid_of_new_thread_is_its_tid),
	TEST_ENTRY(thread, clone_joins_supplied_group),
	TEST_ENTRY(thread, clone_with_foreign_group_leads_its_own),
	TEST_ENTRY(thread, copy_space_thread_leads_its_own_group),
	TEST_ENTRY(thread, creator_is_pager),
	TEST_ENTRY(thread, copy_space_shares_pages),
	TEST_ENTRY(thread, create_rejects_bad_flags),
	TEST_ENTRY(thread, bad_ops_and_targets),
	TEST_ENTRY(thread, run_twice_is_busy),
	TEST_ENTRY(thread, suspend_stops_resume_continues),
	TEST_ENTRY(thread, suspend_interrupts_blocking_receive),
	TEST_ENTRY(thread, destroy_blocked_thread),
	TEST_ENTRY(thread, sender_to_destroyed_thread_gets_dead),
	TEST_ENTRY(thread, recycle_resets_inactive_thread),
	TEST_ENTRY(thread, ids_are_never_reused),
	TEST_ENTRY(exregs, set_then_get),
	TEST_ENTRY(exregs, errors),
	TEST_TABLE_END,
};
