/*
 * ipc, thread_control, exchange_registers and mutexes against the
 * victim's threads. Every call that names a thread goes through
 * thread_target() (kernel/generic/thread.c): a free tid or a zombie is
 * -E_NOENT, a live thread the caller holds no capability for (the right
 * resource, the operation, a target that covers it) is -E_PERM, checked
 * before the thread's state. ipc sending (kernel/generic/ipc.c, may_send)
 * needs an ipc capability on the destination unless the destination waits
 * to receive from the sender by name (a reply).
 */
#include <stddef.h>
#include "adversary.h"

#define VICTIM_THREADS 4

static volatile uint32_t ready;

static uint32_t victim_thread(int i)
{
	static const int word[] = {ISO_WORKER, ISO_SLEEPER, ISO_RECEIVER};
	return i < 3 ? victim.w[word[i]] : victim.pager;
}

/* A child that waits to receive from anyone; exits with the label. */
static int receive_any(uint32_t arg)
{
	struct ipc_msg m = {0};

	ready = 1;
	int err = ipc_receive(IPC_ANY, &m);
	return err ? err : (int)IPC_TAG_LABEL(m.tag);
}

/* A child that waits for a message from its pager, which sends none. */
static int park(uint32_t arg)
{
	struct ipc_msg m = {0};

	return ipc_receive(self.tid, &m);
}

static int spawn_receiver(void)
{
	ready = 0;
	int tid = child_spawn(receive_any, 0);
	for (int i = 0; i < 100 && !ready; i++)
		sys_yield();
	sys_yield(); /* into its receive */
	return tid;
}

static int send(uint32_t to, uint32_t flags, uint32_t type, uint32_t len)
{
	struct ipc_msg m = {IPC_TAG(7, len, type, flags), {1, 2, 3, 4}, 0};

	return ipc_send(to, &m);
}

/*
 * An ipc towards the victim runs in a child, so that one the kernel
 * wrongly let through cannot leave the adversary itself blocked: a child
 * still blocked after a while is ended and the attempt reports BLOCKED.
 */
#define BLOCKED 1000
static volatile uint32_t ipc_to, ipc_from, ipc_tag, ipc_done;

static int ipc_child(uint32_t arg)
{
	static uint8_t buf[64];
	struct ipc_msg m = {ipc_tag, {1, 2, 3, 4}, 0};
	struct utcb *u = utcb_self();

	u->ext_send_buf = (uint32_t)(uintptr_t)buf;
	u->ext_send_len = sizeof(buf);
	int err = sys_ipc(ipc_to, ipc_from, &m);
	ipc_done = 1;
	return err;
}

static int ipc_in_child(uint32_t to, uint32_t from, uint32_t tag)
{
	ipc_to = to;
	ipc_from = from;
	ipc_tag = tag;
	ipc_done = 0;
	int child = child_spawn(ipc_child, 0);
	if (child < 0)
		return child;
	for (int i = 0; i < 100 && !ipc_done; i++)
		sys_yield();
	if (!ipc_done) {
		child_kill(child);
		return BLOCKED;
	}
	return child_wait(child);
}

static int send_in_child(uint32_t to, uint32_t flags, uint32_t type,
			 uint32_t len)
{
	return ipc_in_child(to, 0, IPC_TAG(7, len, type, IPC_SEND | flags));
}

/* -E_PERM: it holds no ipc capability on any victim thread; the receiver
 * waits for anyone, so without the check the message would go through. */
TEST_CASE(ipc, send_to_victim_blocking)
{
	int child = spawn_receiver();

	EXPECT_GT(child, 0);
	EXPECT_EQ(send((uint32_t)child, 0, IPC_TYPE_SHORT, 0), 0);
	EXPECT_EQ(child_wait(child), 7);
	/* what a send that gets through but finds nobody looks like */
	EXPECT_EQ(send_in_child(self.tid, 0, IPC_TYPE_SHORT, 0), BLOCKED);
	for (int i = 0; i < VICTIM_THREADS; i++) {
		if (victim_thread(i) == victim.pager)
			continue; /* it waits for our answer: see main.c */
		EXPECT_ERR(
		    send_in_child(victim_thread(i), 0, IPC_TYPE_SHORT, 0),
		    -E_PERM);
	}
	PASSED();
}

/* -E_PERM, not 0 (the receiver is waiting) nor -E_BUSY: the capability
 * check comes first. */
TEST_CASE(ipc, send_to_victim_nonblocking)
{
	int child = spawn_receiver();

	EXPECT_GT(child, 0);
	EXPECT_EQ(send((uint32_t)child, IPC_NONBLOCK, IPC_TYPE_SHORT, 0), 0);
	EXPECT_EQ(child_wait(child), 7);
	EXPECT_ERR(send_in_child(victim.w[ISO_RECEIVER], IPC_NONBLOCK,
				 IPC_TYPE_SHORT, 0),
		   -E_PERM);
	EXPECT_ERR(send_in_child(victim.w[ISO_WORKER], IPC_NONBLOCK,
				 IPC_TYPE_SHORT, 0),
		   -E_PERM);
	PASSED();
}

/* -E_PERM: a call or a reply-and-wait is a send first. */
TEST_CASE(ipc, call_victim)
{
	uint32_t call = IPC_TAG(7, 0, IPC_TYPE_SHORT, IPC_CALL);
	uint32_t reply_wait = IPC_TAG(7, 0, IPC_TYPE_SHORT, IPC_REPLY_WAIT);

	for (int i = 0; i < VICTIM_THREADS; i++) {
		uint32_t to = victim_thread(i);
		if (to == victim.pager)
			continue;
		EXPECT_ERR(ipc_in_child(to, to, call), -E_PERM);
		EXPECT_ERR(ipc_in_child(to, IPC_ANY, reply_wait), -E_PERM);
	}
	PASSED();
}

/* -E_PERM before anything is copied: full and extended messages. */
TEST_CASE(ipc, full_and_extended_to_victim)
{
	int child = spawn_receiver();

	EXPECT_GT(child, 0);
	EXPECT_EQ(send((uint32_t)child, 0, IPC_TYPE_FULL, 8), 0);
	EXPECT_EQ(child_wait(child), 7);
	EXPECT_ERR(send_in_child(victim.w[ISO_RECEIVER], 0, IPC_TYPE_FULL, 8),
		   -E_PERM);
	EXPECT_ERR(send_in_child(victim.w[ISO_RECEIVER], 0, IPC_TYPE_EXT, 0),
		   -E_PERM);
	PASSED();
}

/* -E_PERM: thread_control needs a thread_control capability with the
 * operation on the target; a victim thread is never covered. The victim's
 * threads are running or blocked, so with a capability these would have
 * been -E_BUSY, -E_INVAL or 0. */
TEST_CASE(thread, run_victim)
{
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	EXPECT_EQ(child_kill(child), 0);
	for (int i = 0; i < VICTIM_THREADS; i++)
		EXPECT_ERR(sys_thread_run(victim_thread(i)), -E_PERM);
	PASSED();
}

TEST_CASE(thread, suspend_victim)
{
	int child = child_spawn(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_thread_suspend((uint32_t)child), 0);
	EXPECT_EQ(child_kill(child), 0);
	for (int i = 0; i < VICTIM_THREADS; i++)
		EXPECT_ERR(sys_thread_suspend(victim_thread(i)), -E_PERM);
	PASSED();
}

TEST_CASE(thread, resume_victim)
{
	int child = child_spawn(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_thread_suspend((uint32_t)child), 0);
	EXPECT_EQ(sys_thread_resume((uint32_t)child), 0);
	EXPECT_EQ(child_kill(child), 0);
	for (int i = 0; i < VICTIM_THREADS; i++)
		EXPECT_ERR(sys_thread_resume(victim_thread(i)), -E_PERM);
	PASSED();
}

TEST_CASE(thread, destroy_victim)
{
	int child = child_spawn(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_thread_destroy((uint32_t)child, 5), 0);
	EXPECT_EQ(child_wait(child), 5);
	for (int i = 0; i < VICTIM_THREADS; i++)
		EXPECT_ERR(sys_thread_destroy(victim_thread(i), 0), -E_PERM);
	PASSED();
}

TEST_CASE(thread, recycle_victim)
{
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_thread_recycle((uint32_t)child), 0);
	EXPECT_EQ(child_kill(child), 0);
	for (int i = 0; i < VICTIM_THREADS; i++)
		EXPECT_ERR(sys_thread_recycle(victim_thread(i)), -E_PERM);
	PASSED();
}

/* -E_PERM: reading or changing the cores a thread may run on (TC_CPUS)
 * needs the capability's cpus operation; on its own child it works. */
TEST_CASE(thread, cpus_victim)
{
	int child = child_spawn(park, 0);
	uint32_t cpu = ~0u;

	EXPECT_GT(child, 0);
	EXPECT_GT(sys_thread_cpus((uint32_t)child, 0, &cpu), 0);
	EXPECT_TRUE(sys_cpus_online() & (1u << cpu));
	EXPECT_EQ(child_kill(child), 0);
	for (int i = 0; i < VICTIM_THREADS; i++) {
		EXPECT_ERR(sys_thread_cpus(victim_thread(i), 0, NULL), -E_PERM);
		EXPECT_ERR(sys_thread_cpus(victim_thread(i), 1, NULL), -E_PERM);
	}
	PASSED();
}

/* -E_PERM: creating from a space source needs thread_control's create
 * operation on the source thread, whatever the space flags say. */
TEST_CASE(thread, create_from_victim_space)
{
	static const uint32_t spaces[] = {TC_SAME_SPACE, TC_COPY_SPACE,
					  TC_NEW_SPACE};
	int own = sys_thread_create(self.tid, TC_SAME_SPACE | TC_AS_PAGER, 0,
				    0x10000000u, 0);

	EXPECT_GT(own, 0);
	EXPECT_EQ(child_kill(own), 0);
	for (int s = 0; s < 3; s++)
		for (int i = 0; i < VICTIM_THREADS; i++)
			EXPECT_ERR(sys_thread_create(victim_thread(i),
						     spaces[s] | TC_AS_PAGER, 0,
						     0x10000000u, 0),
				   -E_PERM);
	EXPECT_EQ(used_of(CAP_RES_THREADS), 0);
	PASSED();
}

static int report_tgid(uint32_t arg)
{
	struct sys_ids ids;

	sys_getid(&ids);
	return (int)ids.tgid;
}

/* Ignored, not refused: a clone joins the group it names only if that is
 * its space source's group; otherwise it leads its own. (Had it joined,
 * it would see the group's capabilities.) */
TEST_CASE(thread, join_victim_thread_group)
{
	int child = child_create_group(report_tgid, 0, self.tgid);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	EXPECT_EQ(child_wait(child), self.tgid); /* joined ours */
	for (int i = 0; i < VICTIM_THREADS; i++) {
		child = child_create_group(report_tgid, 0, victim_thread(i));
		EXPECT_GT(child, 0);
		EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
		EXPECT_EQ(child_wait(child), child); /* leads its own */
	}
	PASSED();
}

/* -E_NOENT: a wait reaps only threads the caller pages. */
TEST_CASE(thread, reap_victim)
{
	int child = child_spawn(report_tgid, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(child_wait(child), child);
	for (int i = 0; i < VICTIM_THREADS; i++)
		EXPECT_ERR(sys_thread_wait(victim_thread(i), NULL), -E_NOENT);
	EXPECT_ERR(sys_thread_wait(0, NULL), -E_NOENT); /* any: it has none */
	PASSED();
}

/*
 * -E_PERM for every thread id its container never had, alive in the
 * victim or never used: thread_target() tells "no such thread" (-E_NOENT)
 * only for ids of its own container, so probing ids learns nothing about
 * another container's threads.
 */
TEST_CASE(thread, probe_foreign_tids)
{
	struct exregs r;
	int wrong = 0;
	int child = child_spawn(report_tgid, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(child_wait(child), child);
	/* its own id, gone: that one it may know about */
	EXPECT_ERR(sys_thread_run((uint32_t)child), -E_NOENT);
	for (uint32_t tid = 64; tid < 250; tid++) { /* nobody's yet */
		wrong += sys_thread_run(tid) != -E_PERM;
		wrong += sys_exchange_registers(tid, EXREGS_GET, &r) != -E_PERM;
		wrong += send(tid, IPC_NONBLOCK, IPC_TYPE_SHORT, 0) != -E_PERM;
	}
	EXPECT_EQ(wrong, 0);
	for (int i = 0; i < VICTIM_THREADS; i++) { /* the victim's, alive */
		EXPECT_ERR(sys_thread_run(victim_thread(i)), -E_PERM);
		EXPECT_ERR(
		    sys_exchange_registers(victim_thread(i), EXREGS_GET, &r),
		    -E_PERM);
	}
	PASSED();
}

/* -E_PERM: reading needs exchange_registers' read operation on the
 * target, even with no flags at all. */
TEST_CASE(exregs, read_victim)
{
	struct exregs r = {0};
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_GET, &r), 0);
	EXPECT_EQ(r.pager, self.tid);
	EXPECT_EQ(child_kill(child), 0);
	for (int i = 0; i < VICTIM_THREADS; i++) {
		EXPECT_ERR(
		    sys_exchange_registers(victim_thread(i), EXREGS_GET, &r),
		    -E_PERM);
		EXPECT_ERR(sys_exchange_registers(victim_thread(i), 0, &r),
			   -E_PERM);
	}
	PASSED();
}

/* -E_PERM: writing needs the write operation on the target. */
TEST_CASE(exregs, write_victim)
{
	static const uint32_t flags[] = {EXREGS_SET_PC,
					 EXREGS_SET_SP,
					 EXREGS_SET_REGS,
					 EXREGS_SET_LR,
					 EXREGS_SET_PAGER,
					 EXREGS_SET_UTCB,
					 EXREGS_SET_PC | EXREGS_GET};
	struct exregs r = {0};
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	r.pc = 0x10000000u;
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_SET_PC, &r),
		  0);
	EXPECT_EQ(child_kill(child), 0);
	r.pager = self.tid;
	r.utcb = 0x10000000u;
	for (unsigned f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
		for (int i = 0; i < VICTIM_THREADS; i++)
			EXPECT_ERR(sys_exchange_registers(victim_thread(i),
							  flags[f], &r),
				   -E_PERM);
	PASSED();
}

/* -E_INVAL: a pager never crosses containers, so a victim thread cannot
 * be made the pager of its child (whose faults it would then be sent). */
TEST_CASE(exregs, victim_as_pager_of_own_child)
{
	struct exregs r = {0};
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	r.pager = self.tid;
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_SET_PAGER, &r),
		  0);
	for (int i = 0; i < VICTIM_THREADS; i++) {
		r.pager = victim_thread(i);
		EXPECT_ERR(sys_exchange_registers((uint32_t)child,
						  EXREGS_SET_PAGER, &r),
			   -E_INVAL);
	}
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_GET, &r), 0);
	EXPECT_EQ(r.pager, self.tid);
	EXPECT_EQ(child_kill(child), 0);
	PASSED();
}

/* -E_INVAL: a UTCB must be aligned and below the kernel's range (the
 * kernel copies messages into it). */
TEST_CASE(exregs, utcb_in_kernel_range)
{
	struct exregs r = {0};
	int child = child_create(park, 0);

	EXPECT_GT(child, 0);
	r.utcb = (uint32_t)(uintptr_t)child_utcb(child);
	EXPECT_EQ(sys_exchange_registers((uint32_t)child, EXREGS_SET_UTCB, &r),
		  0);
	r.utcb = 0x80000000u;
	EXPECT_ERR(sys_exchange_registers((uint32_t)child, EXREGS_SET_UTCB, &r),
		   -E_INVAL);
	r.utcb = KERNEL_VIRT;
	EXPECT_ERR(sys_exchange_registers((uint32_t)child, EXREGS_SET_UTCB, &r),
		   -E_INVAL);
	r.utcb = (uint32_t)(uintptr_t)child_utcb(child) + 4;
	EXPECT_ERR(sys_exchange_registers((uint32_t)child, EXREGS_SET_UTCB, &r),
		   -E_INVAL);
	EXPECT_EQ(child_kill(child), 0);
	PASSED();
}

static volatile uint32_t own_word;

static int wait_own_word(uint32_t arg)
{
	ready = 1;
	return sys_mutex_control(&own_word, MUTEX_WAIT);
}

/*
 * Nobody woken (0): mutex_control translates the address through the
 * caller's own page tables and queues waiters by physical address. The
 * victim's word address names a word of its own program region here (both
 * programs are linked at 0x10000000), so the victim's sleeper, waiting on
 * the victim's physical word, is not reached; the victim checks that it
 * never woke. The victim's pattern address is not mapped here: -E_FAULT.
 */
TEST_CASE(mutex, wake_victim_word)
{
	own_word = 2;
	ready = 0;
	int child = child_spawn(wait_own_word, 0);
	EXPECT_GT(child, 0);
	for (int i = 0; i < 100 && used_of(CAP_RES_MUTEXES) != 1; i++)
		sys_yield();
	EXPECT_EQ(used_of(CAP_RES_MUTEXES), 1);
	own_word = 0;
	EXPECT_EQ(sys_mutex_control(&own_word, MUTEX_WAKE), 1);
	EXPECT_EQ(child_wait(child), 0);
	uint32_t word = victim.w[ISO_MUTEX_WORD];
	EXPECT_TRUE(word >= 0x10000000u && word < 0x10100000u);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(
		    sys_mutex_control((volatile uint32_t *)word, MUTEX_WAKE),
		    0);
	EXPECT_ERR(
	    sys_mutex_control((volatile uint32_t *)victim.w[ISO_PATTERN_VIRT],
			      MUTEX_WAKE),
	    -E_FAULT);
	PASSED();
}

const struct test_case ipc_thread_tests[] = {
	TEST_ENTRY(ipc, send_to_victim_blocking),
	TEST_ENTRY(ipc, send_to_victim_nonblocking),
	TEST_ENTRY(ipc, call_victim),
	TEST_ENTRY(ipc, full_and_extended_to_victim),
	TEST_ENTRY(thread, run_victim),
	TEST_ENTRY(thread, suspend_victim),
	TEST_ENTRY(thread, resume_victim),
	TEST_ENTRY(thread, destroy_victim),
	TEST_ENTRY(thread, recycle_victim),
	TEST_ENTRY(thread, cpus_victim),
	TEST_ENTRY(thread, create_from_victim_space),
	TEST_ENTRY(thread, join_victim_thread_group),
	TEST_ENTRY(thread, reap_victim),
	TEST_ENTRY(thread, probe_foreign_tids),
	TEST_ENTRY(exregs, read_victim),
	TEST_ENTRY(exregs, write_victim),
	TEST_ENTRY(exregs, victim_as_pager_of_own_child),
	TEST_ENTRY(exregs, utcb_in_kernel_range),
	TEST_ENTRY(mutex, wake_victim_word),
	TEST_TABLE_END,
};
