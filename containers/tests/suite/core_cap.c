/*
 * cap_control and budgets: every operation with its errors, the checks a
 * capability's absence causes, budget exhaustion and refund, the resource
 * domain library, and ASID rollover with more spaces than ASIDs.
 *
 * The testsuite container's capabilities sit on its container list (see
 * configs/testsuite.toml); its pager manages them. Each case puts back
 * what it changes: later cases need the same capabilities.
 */
#include <stddef.h>
#include <tessera/boot.h>
#include <tessera/domain.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#define READ_MAX 64
#define PAGE 4096u

static struct cap_info caps[READ_MAX];

static uint32_t my_tid(void)
{
	struct sys_ids ids;
	sys_getid(&ids);
	return ids.tid;
}

/* The first capability of `res` it can use (and, for operations, whose
 * target is its container), copied into *out; false if none. */
static bool find(uint32_t res, struct cap_info *out)
{
	int n = cap_read(caps, READ_MAX);

	for (int i = 0; i < n; i++) {
		if (caps[i].resource == res && caps[i].list == CAP_LIST_CONTAINER) {
			*out = caps[i];
			return true;
		}
	}
	return false;
}

static bool lookup(uint32_t id, struct cap_info *out)
{
	int n = cap_read(caps, READ_MAX);

	for (int i = 0; i < n; i++)
		if (caps[i].id == id) {
			*out = caps[i];
			return true;
		}
	return false;
}

static uint32_t used_of(uint32_t res)
{
	struct cap_info c = {0};
	find(res, &c);
	return c.used;
}

TEST_CASE(cap, count_and_read)
{
	struct cap_info c;
	struct sys_ids ids;
	int n = cap_count();

	sys_getid(&ids);
	EXPECT_GE(n, 14); /* 2 memory, 5 budgets, 7 operations at least */
	EXPECT_EQ(cap_read(caps, READ_MAX), n);
	EXPECT_EQ(cap_read(caps, 3), 3);
	EXPECT_EQ(cap_read(caps, 0), 0);
	EXPECT_TRUE(find(CAP_RES_CAPCTRL, &c));
	EXPECT_EQ(c.target_kind, CAP_TGT_CONTAINER);
	EXPECT_EQ(c.target, ids.container);
	EXPECT_EQ(c.ops, CAP_OP_CAP_ALL);
	EXPECT_TRUE(find(CAP_RES_THREADS, &c));
	EXPECT_GE(c.size, 1);
	EXPECT_TRUE(find(CAP_RES_PHYSMEM, &c));
	EXPECT_EQ(c.base, container_region.phys);
}

TEST_CASE(cap, read_bad_pointers)
{
	EXPECT_ERR(cap_read(NULL, 1), -E_FAULT);
	EXPECT_ERR(cap_read((struct cap_info *)0xc0000000u, 1), -E_FAULT);
	EXPECT_ERR(cap_read((struct cap_info *)KIP_ADDRESS, 1), -E_FAULT);
	EXPECT_ERR(cap_read(caps, 100000), -E_FAULT);
}

TEST_CASE(cap, bad_operations_and_forged_ids)
{
	const uint32_t forged = 0x7fffff00u;

	EXPECT_ERR(sys_cap_control(0, 0, 0, 0, 0, 0), -E_INVAL);
	EXPECT_ERR(sys_cap_control(99, 0, 0, 0, 0, 0), -E_INVAL);
	EXPECT_ERR(cap_share(forged, CAP_SHARE_CONTAINER), -E_NOENT);
	EXPECT_ERR(cap_grant(forged, my_tid()), -E_NOENT);
	EXPECT_ERR(cap_split(forged, 1), -E_NOENT);
	EXPECT_ERR(cap_replicate(forged), -E_NOENT);
	EXPECT_ERR(cap_deduce(forged, 0, 0, 0, 0), -E_NOENT);
	EXPECT_ERR(cap_destroy(forged), -E_NOENT);
}

TEST_CASE(cap, split_budget_and_destroy_gives_units_back)
{
	struct cap_info b, part;
	uint32_t caps_used = used_of(CAP_RES_CAPS);

	EXPECT_TRUE(find(CAP_RES_THREADS, &b));
	int id = cap_split(b.id, 5);
	EXPECT_GT(id, 0);
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.size, 5);
	EXPECT_EQ(part.list, CAP_LIST_PRIVATE);
	EXPECT_EQ(part.holder, my_tid());
	EXPECT_EQ(used_of(CAP_RES_CAPS), caps_used + 1);
	EXPECT_TRUE(lookup(b.id, &part));
	EXPECT_EQ(part.size, b.size - 5);
	/* over-split, empty split; destroying the origin while split: busy */
	EXPECT_ERR(cap_split(b.id, b.size - 5 - b.used + 1), -E_INVAL);
	EXPECT_ERR(cap_split(b.id, 0), -E_INVAL);
	EXPECT_ERR(cap_destroy(b.id), -E_BUSY);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0);
	EXPECT_TRUE(lookup(b.id, &part));
	EXPECT_EQ(part.size, b.size);
	EXPECT_EQ(used_of(CAP_RES_CAPS), caps_used);
}

TEST_CASE(cap, split_memory)
{
	struct cap_info m, part;

	EXPECT_TRUE(find(CAP_RES_PHYSMEM, &m));
	EXPECT_ERR(cap_split(m.id, PAGE + 1), -E_INVAL);
	EXPECT_ERR(cap_split(m.id, m.size), -E_INVAL);
	int id = cap_split(m.id, PAGE);
	EXPECT_GT(id, 0);
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.base, m.base + m.size - PAGE);
	EXPECT_EQ(part.size, PAGE);
	/* a mapping across the two parts needs one capability covering it */
	EXPECT_ERR(sys_map(m.base + m.size - 2 * PAGE, 0x31000000u, 2,
			   MAP_ATTR_READ, 0),
		   -E_PERM);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0); /* adjoins: merges back */
	EXPECT_TRUE(lookup(m.id, &part));
	EXPECT_EQ(part.size, m.size);
}

/* map's memory checks try the capability that covered the caller's last
 * map first (kernel/generic/cap.c): once narrowed, it must stop covering
 * at the next call, and the refused map must change nothing. */
TEST_CASE(cap, narrowed_memory_stops_covering_at_once)
{
	struct cap_info m, part;
	uint32_t rw = MAP_ATTR_READ | MAP_ATTR_WRITE, va = 0x31000000u;

	EXPECT_TRUE(find(CAP_RES_PHYSMEM, &m));
	int id = cap_split(m.id, PAGE);
	EXPECT_GT(id, 0);
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(sys_map(part.base, va, 1, rw, 0), 0); /* through the part */
	EXPECT_EQ(sys_unmap(va, 1, 0), 1);
	EXPECT_EQ(sys_map(part.base, va, 1, rw, 0), 0); /* and again */
	EXPECT_EQ(sys_unmap(va, 1, 0), 1);
	EXPECT_EQ(cap_deduce((uint32_t)id, MAP_ATTR_READ, part.flags, 0, 0), 0);
	EXPECT_ERR(sys_map(part.base, va, 1, rw, 0), -E_PERM);
	EXPECT_EQ(sys_unmap(va, 1, 0), 0); /* nothing was mapped */
	EXPECT_EQ(sys_map(part.base, va, 1, MAP_ATTR_READ, 0), 0);
	EXPECT_EQ(sys_unmap(va, 1, 0), 1);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0); /* adjoins: merges back */
	EXPECT_TRUE(lookup(m.id, &part));
	EXPECT_EQ(part.size, m.size);
	EXPECT_EQ(sys_map(m.base + m.size - PAGE, va, 1, rw, 0), 0);
	EXPECT_EQ(sys_unmap(va, 1, 0), 1);
}

TEST_CASE(cap, replicate_split_and_deduce_operations)
{
	struct cap_info t, r;
	uint32_t caps_used = used_of(CAP_RES_CAPS);

	EXPECT_TRUE(find(CAP_RES_TCTRL, &t));
	int rep = cap_replicate(t.id);
	EXPECT_GT(rep, 0);
	EXPECT_TRUE(lookup((uint32_t)rep, &r));
	EXPECT_EQ(r.ops, t.ops);
	EXPECT_EQ(used_of(CAP_RES_CAPS), caps_used + 1);
	/* split operation bits: a proper, non-empty subset only */
	EXPECT_ERR(cap_split((uint32_t)rep, r.ops), -E_INVAL);
	EXPECT_ERR(cap_split((uint32_t)rep, 0x80000000u), -E_INVAL);
	int part = cap_split((uint32_t)rep, CAP_OP_TC_RECYCLE);
	EXPECT_GT(part, 0);
	EXPECT_TRUE(lookup((uint32_t)rep, &r));
	EXPECT_EQ(r.ops, t.ops & ~CAP_OP_TC_RECYCLE);
	/* deduce narrows; widening is refused */
	EXPECT_EQ(cap_deduce((uint32_t)rep, CAP_OP_TC_RUN, CAP_F_DESTROY, 0, 0),
		  0);
	EXPECT_ERR(cap_deduce((uint32_t)rep, CAP_OP_TC_RUN | CAP_OP_TC_CREATE,
			      CAP_F_DESTROY, 0, 0),
		   -E_PERM);
	EXPECT_ERR(cap_deduce((uint32_t)rep, CAP_OP_TC_RUN, CAP_F_ALL, 0, 0),
		   -E_PERM);
	/* no SPLIT/REPLICATE/GRANT flag left: those are refused */
	EXPECT_ERR(cap_split((uint32_t)rep, CAP_OP_TC_RUN), -E_PERM);
	EXPECT_ERR(cap_replicate((uint32_t)rep), -E_PERM);
	EXPECT_ERR(cap_grant((uint32_t)rep, my_tid()), -E_PERM);
	EXPECT_EQ(cap_destroy((uint32_t)part), 0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	EXPECT_EQ(used_of(CAP_RES_CAPS), caps_used);
}

TEST_CASE(cap, deduce_target)
{
	struct cap_info t, r;
	uint32_t me = my_tid();

	EXPECT_TRUE(find(CAP_RES_EXREGS, &t));
	int rep = cap_replicate(t.id);
	EXPECT_GT(rep, 0);
	/* budgets and memory have no target */
	struct cap_info b;
	EXPECT_TRUE(find(CAP_RES_THREADS, &b));
	EXPECT_ERR(cap_deduce(b.id, b.ops, b.flags, CAP_TGT_THREAD, me),
		   -E_INVAL);
	EXPECT_ERR(cap_deduce((uint32_t)rep, t.ops, t.flags, CAP_TGT_THREAD,
			      0xffff),
		   -E_PERM); /* no such thread */
	EXPECT_EQ(cap_deduce((uint32_t)rep, t.ops, t.flags, CAP_TGT_PAGED, me),
		  0);
	EXPECT_TRUE(lookup((uint32_t)rep, &r));
	EXPECT_EQ(r.target_kind, CAP_TGT_PAGED);
	EXPECT_EQ(r.target, me);
	EXPECT_ERR(cap_deduce((uint32_t)rep, t.ops, t.flags, CAP_TGT_CONTAINER,
			      t.target),
		   -E_PERM); /* wider again */
	EXPECT_EQ(cap_deduce((uint32_t)rep, t.ops, t.flags, CAP_TGT_THREAD, me),
		  0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
}

/* Try a non-blocking send to `arg` and exit with the result. */
static int try_send(uint32_t to)
{
	struct ipc_msg m = {IPC_TAG(1, 0, IPC_TYPE_SHORT, IPC_NONBLOCK), {0}, 0};
	return ipc_send(to, &m);
}

TEST_CASE(cap, missing_ipc_capability_refuses_send_then_share_allows_it)
{
	struct cap_info ipc, c;
	uint32_t me = my_tid();

	EXPECT_TRUE(find(CAP_RES_IPC, &ipc));
	/* take the container's ipc capability for ourselves */
	EXPECT_EQ(cap_grant(ipc.id, me), 0);
	EXPECT_TRUE(lookup(ipc.id, &c));
	EXPECT_EQ(c.list, CAP_LIST_PRIVATE);
	int child = spawn(try_send, me);
	EXPECT_GT(child, 0);
	EXPECT_EQ(spawn_wait(child), -E_PERM);
	/* share it with the threads we page: the send passes the check
	 * (and finds us not waiting) */
	EXPECT_EQ(cap_share(ipc.id, CAP_SHARE_PAGED), 0);
	EXPECT_TRUE(lookup(ipc.id, &c));
	EXPECT_EQ(c.list, CAP_LIST_PAGED);
	child = spawn(try_send, me);
	EXPECT_GT(child, 0);
	EXPECT_EQ(spawn_wait(child), -E_BUSY);
	/* put it back where it was */
	EXPECT_ERR(cap_share(ipc.id, CAP_SHARE_CONTAINER), -E_PERM); /* not
								      * private */
	EXPECT_EQ(cap_grant(ipc.id, me), 0);
	EXPECT_EQ(cap_share(ipc.id, CAP_SHARE_CONTAINER), 0);
	EXPECT_TRUE(lookup(ipc.id, &c));
	EXPECT_EQ(c.list, CAP_LIST_CONTAINER);
}

/* Receive once; exit with MR0 (or the error). */
static int receive_one(uint32_t unused)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	(void)unused;
	return err ? err : (int)m.mr[0];
}

/* Call `to` with MR0 = 111; exit with the result. */
static int call_once(uint32_t to)
{
	struct ipc_msg m = {.mr = {111}};

	return ipc_call(to, &m);
}

/*
 * A call without an ipc capability to a thread that waits to receive from
 * anyone (the ipc fast path's case but for the capability) is refused
 * with -E_PERM, as by the general path, and the receiver goes on waiting
 * for a sender that may send.
 */
TEST_CASE(cap, call_without_ipc_capability_to_a_waiting_receiver)
{
	struct cap_info ipc;
	uint32_t me = my_tid();

	EXPECT_TRUE(find(CAP_RES_IPC, &ipc));
	EXPECT_EQ(cap_grant(ipc.id, me), 0); /* ours alone now */
	int receiver = spawn(receive_one, 0);
	EXPECT_GT(receiver, 0);
	sys_yield(); /* it waits */
	int caller = spawn(call_once, (uint32_t)receiver);
	EXPECT_GT(caller, 0);
	EXPECT_EQ(spawn_wait(caller), -E_PERM);
	struct ipc_msg m = {.mr = {222}};
	EXPECT_EQ(ipc_send((uint32_t)receiver, &m), 0);
	EXPECT_EQ(spawn_wait(receiver), 222);
	EXPECT_EQ(cap_share(ipc.id, CAP_SHARE_CONTAINER), 0); /* as before */
}

/* A child given a capability shares it with its siblings (its pager's
 * paged list) or its thread group, then exits with the list kind. */
static int share_given(uint32_t arg)
{
	uint32_t id = arg & 0xffffu, scope = arg >> 16;
	int err = cap_share(id, scope);
	struct cap_info c;

	if (err)
		return err;
	return lookup(id, &c) ? (int)c.list : -E_NOENT;
}

/*
 * A capability narrowed to a thread names that thread, not its slot: once
 * the thread is gone, a new thread in the same slot of the kernel's table
 * gets another id, and the capability does not reach it.
 */
static int stay_idle(uint32_t unused)
{
	(void)unused;
	return 0;
}

TEST_CASE(cap, thread_capability_stops_matching_when_its_thread_dies)
{
	struct cap_info ipc;
	uint32_t me = my_tid();

	EXPECT_TRUE(find(CAP_RES_IPC, &ipc));
	EXPECT_EQ(cap_grant(ipc.id, me), 0); /* children lose the container's */
	int old = spawn_create(stay_idle, 0, TC_SAME_SPACE | TC_AS_PAGER);
	int rep = cap_replicate(ipc.id);
	EXPECT_GT(old, 0);
	EXPECT_GT(rep, 0);
	EXPECT_EQ(cap_deduce((uint32_t)rep, CAP_OP_IPC_SEND, ipc.flags,
			     CAP_TGT_THREAD, (uint32_t)old),
		  0);
	EXPECT_EQ(cap_share((uint32_t)rep, CAP_SHARE_PAGED), 0);
	/* it reaches its thread: the send passes the check, finds it idle */
	EXPECT_EQ(spawn_wait(spawn(try_send, (uint32_t)old)), -E_BUSY);
	EXPECT_EQ(sys_thread_destroy((uint32_t)old, 0), 0);
	EXPECT_EQ(spawn_wait(old), 0);
	int now = spawn_create(stay_idle, 0, TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_EQ(TID_INDEX((uint32_t)now), TID_INDEX((uint32_t)old));
	EXPECT_NE(now, old);
	/* the new thread in that slot is not the one the capability names */
	EXPECT_EQ(spawn_wait(spawn(try_send, (uint32_t)now)), -E_PERM);
	/* and the dead thread's id names nobody */
	EXPECT_EQ(spawn_wait(spawn(try_send, (uint32_t)old)), -E_NOENT);
	EXPECT_EQ(sys_thread_destroy((uint32_t)now, 0), 0);
	EXPECT_EQ(spawn_wait(now), 0);
	EXPECT_EQ(cap_grant((uint32_t)rep, me), 0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	EXPECT_EQ(cap_share(ipc.id, CAP_SHARE_CONTAINER), 0);
}

TEST_CASE(cap, share_with_siblings_and_group)
{
	struct cap_info b, c;
	uint32_t me = my_tid();

	EXPECT_TRUE(find(CAP_RES_MUTEXES, &b));
	int id = cap_split(b.id, 2);
	EXPECT_GT(id, 0);
	EXPECT_ERR(cap_share((uint32_t)id, 99), -E_INVAL);
	EXPECT_ERR(cap_share((uint32_t)id, CAP_SHARE_SIBLINGS), -E_INVAL);
	/* a child shares it with its siblings: it lands on our paged list */
	int child = spawn_create(share_given,
				 (uint32_t)id | (CAP_SHARE_SIBLINGS << 16),
				 TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(child, 0);
	EXPECT_EQ(cap_grant((uint32_t)id, (uint32_t)child), 0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	EXPECT_EQ(spawn_wait(child), CAP_LIST_PAGED);
	EXPECT_TRUE(lookup((uint32_t)id, &c));
	EXPECT_EQ(c.list, CAP_LIST_PAGED);
	EXPECT_EQ(c.holder, me);
	/* one child shares with its own group */
	EXPECT_EQ(cap_grant((uint32_t)id, me), 0);
	child = spawn_create(share_given, (uint32_t)id | (CAP_SHARE_GROUP << 16),
			     TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(child, 0);
	EXPECT_EQ(cap_grant((uint32_t)id, (uint32_t)child), 0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	EXPECT_EQ(spawn_wait(child), CAP_LIST_GROUP);
	/* what a thread held passes to its pager when it ends */
	EXPECT_TRUE(lookup((uint32_t)id, &c));
	EXPECT_EQ(c.list, CAP_LIST_PRIVATE);
	EXPECT_EQ(c.holder, me);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0);
	EXPECT_TRUE(lookup(b.id, &c));
	EXPECT_EQ(c.size, b.size);
}

TEST_CASE(cap, grant_errors_and_busy_budget)
{
	struct cap_info b;

	EXPECT_TRUE(find(CAP_RES_SPACES, &b));
	int id = cap_split(b.id, 1);
	EXPECT_GT(id, 0);
	EXPECT_ERR(cap_grant((uint32_t)id, 0xffff), -E_NOENT);
	EXPECT_ERR(cap_grant((uint32_t)id, 0), -E_NOENT);
	/* a budget with units in use cannot be destroyed */
	int t = sys_thread_create(0, TC_NEW_SPACE | TC_AS_PAGER, 0, 0x1000,
				  0x2000);
	EXPECT_GT(t, 0); /* paid from our private part first */
	struct cap_info c;
	EXPECT_TRUE(lookup((uint32_t)id, &c));
	EXPECT_EQ(c.used, 1);
	EXPECT_ERR(cap_destroy((uint32_t)id), -E_BUSY);
	EXPECT_EQ(sys_thread_destroy((uint32_t)t, 0), 0);
	EXPECT_EQ(sys_thread_wait((uint32_t)t, NULL), 0);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0);
}

static int park(uint32_t from)
{
	struct ipc_msg m = {0, {0}, 0};
	return ipc_receive(from, &m);
}

/* Move the container's `res` budget out of our sight: to the private list
 * of a parked child (spawned before any part is split off, so that it is
 * not paid from the part). unhide() ends the child; what it held passes back to
 * us (its pager) and goes back on the container list. */
static int hide(uint32_t res, uint32_t *id, int child)
{
	struct cap_info b;

	if (child < 0 || !find(res, &b))
		return -1;
	*id = b.id;
	return cap_grant(b.id, (uint32_t)child) ? -1 : child;
}

static void unhide(int child, uint32_t id)
{
	sys_thread_destroy((uint32_t)child, 0);
	spawn_wait(child);
	EXPECT_EQ(cap_share(id, CAP_SHARE_CONTAINER), 0);
}

/* With only a 5-unit part in sight, the sixth thread is refused. */
TEST_CASE(budget, threads_exhausted_and_refunded)
{
	static int tids[8];
	struct cap_info b, part;
	uint32_t hidden, start = used_of(CAP_RES_THREADS);
	int n = 0, err;

	int parked = spawn(park, IPC_ANY); /* nobody sends: it waits */
	EXPECT_TRUE(find(CAP_RES_THREADS, &b));
	int id = cap_split(b.id, 5);
	EXPECT_GT(id, 0);
	int holder = hide(CAP_RES_THREADS, &hidden, parked);
	EXPECT_GT(holder, 0);
	while ((err = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
					0x1000, 0x2000)) > 0 &&
	       n < 8)
		tids[n++] = err;
	EXPECT_ERR(err, -E_BUDGET);
	EXPECT_EQ(n, 5);
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.used, 5);
	while (n--) {
		EXPECT_EQ(sys_thread_destroy((uint32_t)tids[n], 0), 0);
		EXPECT_EQ(sys_thread_wait((uint32_t)tids[n], NULL), 0);
	}
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.used, 0);
	unhide(holder, hidden);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0);
	EXPECT_EQ(used_of(CAP_RES_THREADS), start);
	EXPECT_TRUE(find(CAP_RES_THREADS, &part));
	EXPECT_EQ(part.size, b.size);
}

/* A space's page tables draw on the budget its first map found: a 3-unit
 * part of ours, so the fourth 4 MiB group is refused. */
TEST_CASE(budget, spaces_and_page_tables_refunded)
{
	struct cap_info pt, part;
	uint32_t spaces = used_of(CAP_RES_SPACES);
	uint32_t pts = used_of(CAP_RES_PTPAGES);

	EXPECT_TRUE(find(CAP_RES_PTPAGES, &pt));
	int id = cap_split(pt.id, 3);
	EXPECT_GT(id, 0);
	int t = sys_thread_create(0, TC_NEW_SPACE | TC_AS_PAGER, 0, 0x1000,
				  0x2000);
	EXPECT_GT(t, 0);
	EXPECT_EQ(used_of(CAP_RES_SPACES), spaces + 1);
	uint32_t va = 0x01000000u, mapped = 0;
	int err;
	while ((err = sys_map(container_region.phys, va, 1, MAP_ATTR_READ,
			      (uint32_t)t)) == 0 &&
	       mapped < 8) {
		mapped++;
		va += 0x400000u;
	}
	EXPECT_ERR(err, -E_BUDGET);
	EXPECT_EQ(mapped, 3);
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.used, 3);
	/* another page in a group that has its table costs nothing */
	EXPECT_EQ(sys_map(container_region.phys, 0x01001000u, 1, MAP_ATTR_READ,
			  (uint32_t)t),
		  0);
	EXPECT_EQ(sys_thread_destroy((uint32_t)t, 0), 0);
	EXPECT_EQ(sys_thread_wait((uint32_t)t, NULL), 0);
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.used, 0);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0);
	EXPECT_EQ(used_of(CAP_RES_PTPAGES), pts);
	EXPECT_EQ(used_of(CAP_RES_SPACES), spaces);
}

static int copy_of(int src)
{
	return sys_thread_create((uint32_t)src, TC_COPY_SPACE | TC_AS_PAGER, 0,
				 0x1000, 0x2000);
}

static void end_child(int t)
{
	if (t > 0) {
		sys_thread_destroy((uint32_t)t, 0);
		sys_thread_wait((uint32_t)t, NULL);
	}
}

/*
 * A copied space pays for the page-table pages the copy adds, no more:
 * not for the interface page's table (every space has its own, the
 * kernel's) and not for a table its source keeps with nothing mapped in
 * it any more (an unmap leaves the table; a copy takes only what is
 * mapped). Charged for what the source holds, copies of a space that once
 * mapped elsewhere ran its container out of PTPAGES with room to spare
 * (asid.more_spaces_than_asids after cap.narrowed_memory_stops_covering_
 * at_once on four cores). The figures are read first and checked after
 * the threads are gone, so a failure leaves nothing behind.
 */
TEST_CASE(budget, copied_space_pays_only_for_the_tables_it_copies)
{
	const uint32_t va = 0x01000000u, phys = container_region.phys;
	uint32_t pts = used_of(CAP_RES_PTPAGES), fresh, empty, mapped, unmapped;
	uint32_t more, second;
	int src, a = 0, b = 0, c = 0, mapped_ok = -1, unmapped_n = -1;
	int remap_ok = -1, more_ok = -1;

	src = sys_thread_create(0, TC_NEW_SPACE | TC_AS_PAGER, 0, 0x1000,
				0x2000);
	EXPECT_GT(src, 0);
	fresh = used_of(CAP_RES_PTPAGES); /* its interface page's table */
	a = copy_of(src);
	empty = used_of(CAP_RES_PTPAGES); /* a copy of nothing mapped */
	mapped_ok = sys_map(phys, va, 1, MAP_ATTR_READ, (uint32_t)src);
	mapped = used_of(CAP_RES_PTPAGES); /* src's new table */
	unmapped_n = sys_unmap(va, 1, (uint32_t)src);
	b = copy_of(src);
	unmapped = used_of(CAP_RES_PTPAGES); /* src's table, empty: not b's */
	remap_ok = sys_map(phys, va, 1, MAP_ATTR_READ, (uint32_t)src);
	c = copy_of(src);
	more = used_of(CAP_RES_PTPAGES); /* c took the table: it pays one */
	/* c has the table: another page beside the copied one costs nothing */
	more_ok = sys_map(phys, va + PAGE, 1, MAP_ATTR_READ, (uint32_t)c);
	second = used_of(CAP_RES_PTPAGES);
	end_child(c);
	end_child(b);
	end_child(a);
	end_child(src);

	EXPECT_GT(a, 0);
	EXPECT_GT(b, 0);
	EXPECT_GT(c, 0);
	EXPECT_EQ(fresh, pts);
	EXPECT_EQ(empty, pts);
	EXPECT_EQ(mapped_ok, 0);
	EXPECT_EQ(mapped, pts + 1);
	EXPECT_EQ(unmapped_n, 1);
	EXPECT_EQ(unmapped, pts + 1);
	EXPECT_EQ(remap_ok, 0);
	EXPECT_EQ(more, pts + 2);
	EXPECT_EQ(more_ok, 0);
	EXPECT_EQ(second, pts + 2);
	EXPECT_EQ(used_of(CAP_RES_PTPAGES), pts);
}

TEST_CASE(budget, caps_exhausted_and_refunded)
{
	static int ids[128];
	struct cap_info t, b;
	int n = 0, err;

	EXPECT_TRUE(find(CAP_RES_CAPS, &b));
	EXPECT_TRUE(find(CAP_RES_MUTEX, &t));
	while ((err = cap_replicate(t.id)) > 0 && n < 128)
		ids[n++] = err;
	EXPECT_ERR(err, -E_BUDGET);
	EXPECT_EQ((uint32_t)n, b.size - b.used);
	while (n)
		EXPECT_EQ(cap_destroy((uint32_t)ids[--n]), 0);
	EXPECT_EQ(used_of(CAP_RES_CAPS), b.used);
}

/*
 * The capability a split makes costs a CAPS unit like any other, also when
 * the budget split is the CAPS budget that pays for it. Splitting every
 * free unit off the only CAPS budget would leave that unit unpaid (the
 * budget at `used` = `size` + 1, its room wrapping round to 2^32 - 1):
 * refused with -E_BUDGET, nothing changed. One unit fewer works and leaves
 * the budget full, never above, and destroying the part puts it back.
 */
TEST_CASE(budget, split_of_caps_budget_pays_for_the_new_capability)
{
	struct cap_info b, whole_after, after, part;

	EXPECT_TRUE(find(CAP_RES_CAPS, &b));
	uint32_t room = b.size - b.used;
	EXPECT_GE(room, 2);
	int whole = cap_split(b.id, room);
	EXPECT_TRUE(lookup(b.id, &whole_after));
	if (whole > 0) /* a kernel that let it through: undo for later cases */
		cap_destroy((uint32_t)whole);
	EXPECT_ERR(whole, -E_BUDGET);
	EXPECT_LE(whole_after.used, whole_after.size);
	EXPECT_EQ(whole_after.size, b.size);
	EXPECT_EQ(whole_after.used, b.used);
	int id = cap_split(b.id, room - 1);
	EXPECT_GT(id, 0);
	EXPECT_TRUE(lookup(b.id, &after));
	EXPECT_EQ(after.used, b.used + 1); /* the part is paid from it */
	EXPECT_EQ(after.size, after.used); /* full, not over */
	EXPECT_TRUE(lookup((uint32_t)id, &part));
	EXPECT_EQ(part.size, room - 1);
	EXPECT_EQ(part.used, 0);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0);
	EXPECT_TRUE(lookup(b.id, &after));
	EXPECT_EQ(after.size, b.size);
	EXPECT_EQ(after.used, b.used);
}

/* A child that needs no stack: thread_control(TC_EXIT, 7). */
static void __attribute__((naked, noreturn)) exit_at_once(void)
{
	__asm__ volatile("mov r0, #8\n" /* TC_EXIT */
			 "mov r1, #7\n"
			 "mov r7, #1\n" /* SYS_thread_control */
			 "svc #0\n"
			 "b .\n");
}

/* The resource-domain library: 1000 children, each given budgets and an
 * ipc capability on its pager, reaped and taken back; afterwards every
 * budget is where it was. */
TEST_CASE(domain, thousand_children_leave_budgets_unchanged)
{
	static struct domain d;
	static const uint32_t res[] = {CAP_RES_THREADS, CAP_RES_SPACES,
				       CAP_RES_MUTEXES, CAP_RES_PTPAGES,
				       CAP_RES_CAPS};
	static const struct domain_grant grants[] = {
		{CAP_RES_THREADS, 2, 0, 0},
		{CAP_RES_MUTEXES, 1, 0, 0},
		{CAP_RES_IPC, CAP_OP_IPC_SEND, CAP_TGT_THREAD, 0},
	};
	const struct domain_spec spec = {
		TC_SAME_SPACE, (uint32_t)(uintptr_t)exit_at_once, 0, grants, 3};
	uint32_t before[5];
	int failures = 0, wrong_code = 0, lost_total = 0;

	for (int i = 0; i < 5; i++)
		before[i] = used_of(res[i]);
	for (int i = 0; i < 1000 && !failures; i++) {
		int tid = domain_spawn(&d, &spec), lost = 0;
		if (tid < 0) {
			failures++;
			break;
		}
		if (domain_units_out(&d, CAP_RES_THREADS) != 2 || d.caps_out != 3)
			failures++;
		if (domain_reap(&d, (uint32_t)tid, &lost) != 7)
			wrong_code++;
		lost_total += lost;
	}
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(wrong_code, 0);
	EXPECT_EQ(lost_total, 0);
	EXPECT_EQ(domain_units_out(&d, CAP_RES_THREADS), 0);
	EXPECT_EQ(d.caps_out, 0);
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(used_of(res[i]), before[i]);
}

/* A child domain_create() made in the caller's space and group: it has
 * not run until domain_start(), then reports the group it is in. */
static volatile int stopped_child_ran;
static uint32_t stopped_child_stack[256] __attribute__((aligned(8)));

static void stopped_child(void)
{
	struct sys_ids ids;

	stopped_child_ran = 1;
	sys_getid(&ids);
	sys_exit((int)ids.tgid);
}

TEST_CASE(domain, stopped_child_in_the_callers_group_starts_when_told)
{
	static struct domain d;
	static const struct domain_grant grants[] = {
		{CAP_RES_IPC, CAP_OP_IPC_SEND, CAP_TGT_THREAD, 0},
	};
	struct sys_ids me;
	sys_getid(&me);
	const struct domain_spec spec = {
	    TC_SAME_SPACE, (uint32_t)(uintptr_t)stopped_child,
	    (uint32_t)(uintptr_t)&stopped_child_stack[256], grants, 1};
	uint32_t caps_before = used_of(CAP_RES_CAPS);

	stopped_child_ran = 0;
	int tid = domain_create(&d, &spec, 0, me.tgid);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(domain_children(&d), 1);
	EXPECT_EQ(d.caps_out, 1); /* granted before it runs */
	for (int i = 0; i < 10; i++)
		sys_yield();
	EXPECT_EQ(stopped_child_ran, 0);
	EXPECT_EQ(domain_start(&d, 0), -E_NOENT);
	EXPECT_EQ(domain_start(&d, me.tid), -E_NOENT); /* not a child */
	EXPECT_EQ(domain_start(&d, (uint32_t)tid), 0);
	EXPECT_EQ(domain_reap(&d, (uint32_t)tid, 0), (int)me.tgid);
	EXPECT_EQ(stopped_child_ran, 1);
	EXPECT_EQ(domain_children(&d), 0);
	EXPECT_EQ(d.caps_out, 0);
	EXPECT_EQ(used_of(CAP_RES_CAPS), caps_before);
	EXPECT_EQ(domain_start(&d, (uint32_t)tid), -E_NOENT); /* reaped */

	/* stopped, then given up: killed, nothing left out */
	tid = domain_create(&d, &spec, 0, 0);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(domain_kill(&d, (uint32_t)tid), -E_DEAD);
	EXPECT_EQ(domain_children(&d), 0);
	EXPECT_EQ(d.caps_out, 0);
	EXPECT_EQ(used_of(CAP_RES_CAPS), caps_before);
}

/* ---- ASID rollover -------------------------------------------------------- */

#define ASID_SPACES 270 /* more than the 255 ASIDs */
#define ASID_VA 0x32000000u
#define ASID_STACK 256

static uint8_t asid_stacks[ASID_SPACES][ASID_STACK] __attribute__((aligned(8)));
static uint32_t asid_pages[2][PAGE / 4] __attribute__((aligned(PAGE)));

static uint32_t phys_of(const void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

/* In its own copy of the space: map page (idx & 1) at ASID_VA, then read
 * it across many switches; a stale TLB entry of another space would show
 * the other page's value. */
static void __attribute__((noreturn)) asid_child(uint32_t idx)
{
	uint32_t want = idx & 1;
	int bad = 0;

	if (sys_map(phys_of(asid_pages[want]), ASID_VA, 1, MAP_ATTR_READ, 0))
		sys_exit(100);
	for (int round = 0; round < 4; round++) {
		if (*(volatile uint32_t *)ASID_VA != 0xa51d0000u + want)
			bad++;
		sys_yield();
	}
	sys_exit(bad);
}

TEST_CASE(asid, more_spaces_than_asids)
{
	static int tids[ASID_SPACES];
	int created = 0, bad = 0;

	asid_pages[0][0] = 0xa51d0000u;
	asid_pages[1][0] = 0xa51d0001u;
	for (int i = 0; i < ASID_SPACES; i++) {
		struct exregs r = {0};
		int t = sys_thread_create(0, TC_COPY_SPACE | TC_AS_PAGER, 0,
					  (uint32_t)(uintptr_t)asid_child,
					  (uint32_t)(uintptr_t)asid_stacks[i] +
						  ASID_STACK);
		if (t < 0)
			break;
		r.r[0] = (uint32_t)i;
		sys_exchange_registers((uint32_t)t, EXREGS_SET_REGS, &r);
		tids[created++] = t;
	}
	EXPECT_EQ(created, ASID_SPACES);
	for (int i = 0; i < created; i++)
		sys_thread_run((uint32_t)tids[i]);
	for (int i = 0; i < created; i++)
		if (sys_thread_wait((uint32_t)tids[i], NULL) != 0)
			bad++;
	EXPECT_EQ(bad, 0);
}

/* ---- left for the container's teardown ------------------------------------ */

static volatile uint32_t left_rep, left_part, left_ops;

/* Replicate the capability it was given (paid from the CAPS part it was
 * given: its own list comes first), then give up every flag of all three,
 * destroy included. Exits with the new id. */
static int leave_undestroyable(uint32_t unused)
{
	int made = cap_replicate(left_rep);

	(void)unused;
	if (made < 0)
		return made;
	if (cap_deduce((uint32_t)made, left_ops, 0, 0, 0) ||
	    cap_deduce(left_rep, left_ops, 0, 0, 0) ||
	    cap_deduce(left_part, 0, 0, 0, 0))
		return -1;
	return made;
}

/*
 * What a thread held passes to its pager when it ends, and a capability
 * without CAP_F_DESTROY stays until its container ends: the teardown must
 * refund and free it whatever its flags. A child is given a replicated
 * operation capability and a one-unit part of the CAPS budget, replicates
 * the one (paid from the other) and gives up every flag of all three; when
 * it has exited they are ours, and none can be destroyed. They stay to the
 * end of the run (so this case comes after every case that counts CAPS
 * units): the suite's container ends holding capabilities paid from its
 * CAPS budget and from a part of it, and test_target_suite checks that the
 * teardown refunded them (no BUG, exit status 0).
 */
TEST_CASE(cap, undestroyable_capabilities_left_for_the_teardown)
{
	struct cap_info b, map, c;
	uint32_t me = my_tid();

	EXPECT_TRUE(find(CAP_RES_CAPS, &b));
	EXPECT_TRUE(find(CAP_RES_MAP, &map));
	int rep = cap_replicate(map.id);
	EXPECT_GT(rep, 0);
	int part = cap_split(b.id, 1);
	EXPECT_GT(part, 0);
	int child = spawn_create(leave_undestroyable, 0,
				 TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(child, 0);
	left_rep = (uint32_t)rep;
	left_part = (uint32_t)part;
	left_ops = map.ops;
	EXPECT_EQ(cap_grant((uint32_t)rep, (uint32_t)child), 0);
	EXPECT_EQ(cap_grant((uint32_t)part, (uint32_t)child), 0);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	int made = spawn_wait(child);
	EXPECT_GT(made, 0);
	const int left[] = {rep, part, made};
	for (int i = 0; i < 3; i++) {
		EXPECT_TRUE(lookup((uint32_t)left[i], &c));
		EXPECT_EQ(c.list, CAP_LIST_PRIVATE); /* passed on to us */
		EXPECT_EQ(c.holder, me);
		EXPECT_EQ(c.flags, 0);
		EXPECT_ERR(cap_destroy((uint32_t)left[i]), -E_PERM);
	}
	EXPECT_TRUE(lookup((uint32_t)part, &c));
	EXPECT_EQ(c.used, 1); /* it paid for `made` */
	EXPECT_TRUE(lookup(b.id, &c));
	EXPECT_EQ(c.used, b.used + 2); /* it paid for rep and part */
}

const struct test_case core_cap_tests[] = {
	TEST_ENTRY(cap, count_and_read),
	TEST_ENTRY(cap, read_bad_pointers),
	TEST_ENTRY(cap, bad_operations_and_forged_ids),
	TEST_ENTRY(cap, split_budget_and_destroy_gives_units_back),
	TEST_ENTRY(cap, split_memory),
	TEST_ENTRY(cap, narrowed_memory_stops_covering_at_once),
	TEST_ENTRY(cap, replicate_split_and_deduce_operations),
	TEST_ENTRY(cap, deduce_target),
	TEST_ENTRY(cap, missing_ipc_capability_refuses_send_then_share_allows_it),
	TEST_ENTRY(cap, call_without_ipc_capability_to_a_waiting_receiver),
	TEST_ENTRY(cap, thread_capability_stops_matching_when_its_thread_dies),
	TEST_ENTRY(cap, share_with_siblings_and_group),
	TEST_ENTRY(cap, grant_errors_and_busy_budget),
	TEST_ENTRY(budget, threads_exhausted_and_refunded),
	TEST_ENTRY(budget, spaces_and_page_tables_refunded),
	TEST_ENTRY(budget, copied_space_pays_only_for_the_tables_it_copies),
	TEST_ENTRY(budget, caps_exhausted_and_refunded),
	TEST_ENTRY(budget, split_of_caps_budget_pays_for_the_new_capability),
	TEST_ENTRY(domain, thousand_children_leave_budgets_unchanged),
	TEST_ENTRY(domain, stopped_child_in_the_callers_group_starts_when_told),
	TEST_ENTRY(asid, more_spaces_than_asids),
	TEST_ENTRY(cap, undestroyable_capabilities_left_for_the_teardown),
	TEST_TABLE_END,
};
