/*
 * Forging, widening, over-splitting and spreading capabilities
 * (kernel/generic/sys_cap.c). The order of its checks decides each error:
 * an unknown operation is -E_INVAL; the caller needs a cap_control
 * capability for the operation (-E_PERM); an id it cannot use is -E_NOENT,
 * whoever holds it; one it may use but does not manage, or whose CAP_F_*
 * flag for the operation is missing, is -E_PERM; then the operation's own
 * checks. Every case puts back what it changes.
 */
#include <stddef.h>
#include <tessera/boot.h>
#include <tessera/sys.h>
#include "adversary.h"

#define RW (MAP_ATTR_READ | MAP_ATTR_WRITE)

/* Every cap_control operation on an id; how many did not say -E_NOENT. */
static int not_noent(uint32_t id)
{
	int bad = 0;

	bad += cap_destroy(id) != -E_NOENT;
	bad += cap_deduce(id, 0, 0, 0, 0) != -E_NOENT;
	bad += cap_split(id, 1) != -E_NOENT;
	bad += cap_split(id, PAGE) != -E_NOENT;
	bad += cap_replicate(id) != -E_NOENT;
	bad += cap_share(id, CAP_SHARE_CONTAINER) != -E_NOENT;
	bad += cap_grant(id, self.tid) != -E_NOENT;
	return bad;
}

/* -E_NOENT: the victim's capabilities (their ids are no secret: one
 * global counter) are on lists it cannot see. The victim checks that
 * they are all still there, unchanged. */
TEST_CASE(cap, forge_victim_ids)
{
	struct cap_info op;
	uint32_t lo = victim.w[ISO_CAP_MIN], hi = victim.w[ISO_CAP_MAX];
	int bad = 0;

	EXPECT_TRUE(find_cap(CAP_RES_MUTEX, &op));
	int rep = cap_replicate(op.id); /* the same calls on an id it holds */
	EXPECT_GT(rep, 0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	EXPECT_GT(hi, lo);
	for (uint32_t id = lo; id <= hi; id++) {
		EXPECT_FALSE(can_see(id));
		bad += not_noent(id);
	}
	EXPECT_EQ(bad, 0);
	PASSED();
}

/* -E_NOENT: every id it does not hold, from 0 to well past the newest
 * (destroyed and never made), and the extremes. */
TEST_CASE(cap, forge_id_range)
{
	static const uint32_t far[] = {0x7fffffffu, 0x80000000u, 0xfffffffeu,
				       0xffffffffu};
	int bad = 0, held = 0;

	for (uint32_t id = 0; id < 200; id++) {
		if (can_see(id)) {
			held++;
			continue;
		}
		bad += not_noent(id);
	}
	for (unsigned i = 0; i < 4; i++)
		bad += not_noent(far[i]);
	EXPECT_EQ(held, 16);
	EXPECT_EQ(bad, 0);
	PASSED();
}

/* cap_read shows its own capabilities only: on its container's list,
 * aimed at its container, its memory and ranges, no device. */
TEST_CASE(cap, read_shows_only_own)
{
	int n = cap_read(caps, MAX_CAPS), foreign = 0;

	EXPECT_EQ(n, 16);
	EXPECT_EQ(cap_count(), n);
	for (int i = 0; i < n; i++) {
		const struct cap_info *c = &caps[i];
		uint32_t kind = c->resource & CAP_KIND_MASK;
		foreign += c->list != CAP_LIST_CONTAINER ||
			   c->holder != self.container;
		foreign += c->id <= victim.w[ISO_CAP_MAX];
		if (kind == CAP_KIND_OPERATION)
			foreign += c->target_kind != CAP_TGT_CONTAINER ||
				   c->target != self.container;
		if (c->resource == CAP_RES_PHYSMEM)
			foreign += c->base != prog_phys && c->base != RO_PHYS;
		if (c->resource == CAP_RES_VIRTMEM)
			foreign += c->base != WINDOW && c->base != FAR_VA;
		foreign += c->resource == CAP_RES_DEVMEM;
	}
	EXPECT_EQ(foreign, 0);
	PASSED();
}

/* -E_PERM: deduce only narrows; more operations than it has is widening. */
TEST_CASE(cap, widen_operations)
{
	struct cap_info m, r;

	EXPECT_TRUE(find_cap(CAP_RES_MAP, &m));
	int rep = cap_replicate(m.id);
	EXPECT_GT(rep, 0);
	EXPECT_EQ(cap_deduce((uint32_t)rep, CAP_OP_MAP, m.flags, 0, 0), 0);
	EXPECT_ERR(cap_deduce((uint32_t)rep, CAP_OP_MAP_ALL, m.flags, 0, 0),
		   -E_PERM);
	EXPECT_ERR(cap_deduce((uint32_t)rep, 0xffffffffu, m.flags, 0, 0),
		   -E_PERM);
	EXPECT_ERR(cap_deduce(m.id, m.ops | 0x100u, m.flags, 0, 0), -E_PERM);
	EXPECT_TRUE(lookup_cap((uint32_t)rep, &r));
	EXPECT_EQ(r.ops, CAP_OP_MAP);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	EXPECT_TRUE(lookup_cap(m.id, &r));
	EXPECT_EQ(r.ops, m.ops);
	PASSED();
}

/* -E_PERM: flags (what it may do with the capability) only narrow too;
 * a flag given up stays given up. */
TEST_CASE(cap, widen_flags)
{
	struct cap_info m;

	EXPECT_TRUE(find_cap(CAP_RES_MAP, &m));
	int rep = cap_replicate(m.id);
	EXPECT_GT(rep, 0);
	EXPECT_EQ(
	    cap_deduce((uint32_t)rep, m.ops, m.flags & ~CAP_F_SPLIT, 0, 0), 0);
	EXPECT_ERR(cap_deduce((uint32_t)rep, m.ops, m.flags, 0, 0), -E_PERM);
	EXPECT_ERR(cap_split((uint32_t)rep, CAP_OP_UNMAP), -E_PERM);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	PASSED();
}

/* -E_PERM: a target may only move inside the old one; another container
 * is not inside its own. Nor does a narrowed target widen again. */
TEST_CASE(cap, widen_target_to_victim_container)
{
	struct cap_info t;
	uint32_t containers = kip_get()->nr_containers;

	EXPECT_TRUE(find_cap(CAP_RES_TCTRL, &t));
	EXPECT_EQ(containers, 3); /* the victim, itself, the intruder */
	int rep = cap_replicate(t.id);
	EXPECT_GT(rep, 0);
	for (uint32_t c = 0; c < containers + 2; c++) {
		if (c == self.container)
			continue;
		EXPECT_ERR(cap_deduce((uint32_t)rep, t.ops, t.flags,
				      CAP_TGT_CONTAINER, c),
			   -E_PERM);
	}
	EXPECT_EQ(
	    cap_deduce((uint32_t)rep, t.ops, t.flags, CAP_TGT_THREAD, self.tid),
	    0);
	EXPECT_ERR(cap_deduce((uint32_t)rep, t.ops, t.flags, CAP_TGT_CONTAINER,
			      self.container),
		   -E_PERM);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	PASSED();
}

/* -E_PERM: narrowing its container-wide target to a victim thread, group
 * or paged set is not narrowing: they are outside its container. */
TEST_CASE(cap, narrow_target_to_victim_thread)
{
	struct cap_info e;

	EXPECT_TRUE(find_cap(CAP_RES_EXREGS, &e));
	int rep = cap_replicate(e.id);
	EXPECT_GT(rep, 0);
	EXPECT_ERR(cap_deduce((uint32_t)rep, e.ops, e.flags, CAP_TGT_THREAD,
			      victim.w[ISO_WORKER]),
		   -E_PERM);
	EXPECT_ERR(cap_deduce((uint32_t)rep, e.ops, e.flags, CAP_TGT_GROUP,
			      victim.w[ISO_WORKER]),
		   -E_PERM);
	EXPECT_ERR(cap_deduce((uint32_t)rep, e.ops, e.flags, CAP_TGT_PAGED,
			      victim.pager),
		   -E_PERM);
	EXPECT_EQ(
	    cap_deduce((uint32_t)rep, e.ops, e.flags, CAP_TGT_THREAD, self.tid),
	    0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	PASSED();
}

/* -E_PERM: the access of a memory capability (its ops) only narrows: its
 * read-only page does not become writable, executable or a device. */
TEST_CASE(cap, widen_memory_access)
{
	struct cap_info ro;

	EXPECT_TRUE(find_mem(CAP_RES_PHYSMEM, RO_PHYS, &ro));
	EXPECT_EQ(ro.ops, MAP_ATTR_READ);
	EXPECT_EQ(cap_deduce(ro.id, ro.ops, ro.flags, 0, 0), 0); /* as is */
	EXPECT_ERR(cap_deduce(ro.id, RW, ro.flags, 0, 0), -E_PERM);
	EXPECT_ERR(cap_deduce(ro.id, RW | MAP_ATTR_EXEC, ro.flags, 0, 0),
		   -E_PERM);
	EXPECT_ERR(
	    cap_deduce(ro.id, MAP_ATTR_READ | MAP_ATTR_DEVICE, ro.flags, 0, 0),
	    -E_PERM);
	EXPECT_ERR(sys_map(RO_PHYS, WINDOW, 1, RW, 0), -E_PERM);
	PASSED();
}

/* -E_INVAL: a budget splits only units not in use. */
TEST_CASE(cap, oversplit_budget)
{
	struct cap_info b, now;

	EXPECT_TRUE(find_cap(CAP_RES_THREADS, &b));
	int part = cap_split(b.id, 1);
	EXPECT_GT(part, 0);
	EXPECT_EQ(cap_destroy((uint32_t)part), 0);
	EXPECT_ERR(cap_split(b.id, b.size + 1), -E_INVAL);
	EXPECT_ERR(cap_split(b.id, 0xffffffffu), -E_INVAL);
	EXPECT_ERR(cap_split(b.id, 0), -E_INVAL);
	int child = child_create(NULL, 0); /* one unit in use */
	EXPECT_GT(child, 0);
	EXPECT_ERR(cap_split(b.id, b.size), -E_INVAL);
	EXPECT_EQ(child_kill(child), 0);
	EXPECT_TRUE(lookup_cap(b.id, &now));
	EXPECT_EQ(now.size, b.size);
	PASSED();
}

/* -E_INVAL: memory splits off whole pages and leaves at least one. */
TEST_CASE(cap, split_whole_or_unaligned_memory)
{
	struct cap_info m, ro, part;

	EXPECT_TRUE(find_mem(CAP_RES_PHYSMEM, RO_PHYS, &ro));
	EXPECT_TRUE(find_mem(CAP_RES_PHYSMEM, prog_phys, &m));
	int id = cap_split(m.id, PAGE);
	EXPECT_GT(id, 0);
	EXPECT_TRUE(lookup_cap((uint32_t)id, &part));
	EXPECT_EQ(part.base, m.base + m.size - PAGE);
	EXPECT_EQ(cap_destroy((uint32_t)id), 0); /* adjoins: merges back */
	EXPECT_ERR(cap_split(m.id, m.size), -E_INVAL);
	EXPECT_ERR(cap_split(m.id, m.size + PAGE), -E_INVAL);
	EXPECT_ERR(cap_split(m.id, PAGE + 1), -E_INVAL);
	EXPECT_ERR(cap_split(m.id, PAGE / 2), -E_INVAL);
	EXPECT_ERR(cap_split(ro.id, PAGE), -E_INVAL);
	EXPECT_TRUE(lookup_cap(m.id, &part));
	EXPECT_EQ(part.size, m.size);
	PASSED();
}

/* -E_INVAL: an operation split takes bits it has, and not all of them. */
TEST_CASE(cap, split_operations_not_held)
{
	struct cap_info m;

	EXPECT_TRUE(find_cap(CAP_RES_MAP, &m));
	/* on a replica: split-off operation bits never merge back */
	int rep = cap_replicate(m.id);
	EXPECT_GT(rep, 0);
	EXPECT_ERR(cap_split((uint32_t)rep, 0x4), -E_INVAL);
	EXPECT_ERR(cap_split((uint32_t)rep, 0x80000000u), -E_INVAL);
	EXPECT_ERR(cap_split((uint32_t)rep, CAP_OP_MAP_ALL), -E_INVAL);
	int part = cap_split((uint32_t)rep, CAP_OP_UNMAP);
	EXPECT_GT(part, 0);
	EXPECT_ERR(cap_split((uint32_t)part, CAP_OP_MAP), -E_INVAL);
	EXPECT_EQ(cap_destroy((uint32_t)part), 0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	PASSED();
}

/* -E_PERM, not -E_INVAL: budgets and memory never carry the REPLICATE
 * flag (docs/manifest.md), and the flag is checked before the kind. */
TEST_CASE(cap, replicate_budget_or_memory)
{
	static const uint32_t res[] = {CAP_RES_THREADS, CAP_RES_CAPS,
				       CAP_RES_PHYSMEM, CAP_RES_VIRTMEM};
	struct cap_info c;

	EXPECT_TRUE(find_cap(CAP_RES_IPC, &c));
	int rep = cap_replicate(c.id);
	EXPECT_GT(rep, 0);
	EXPECT_EQ(cap_destroy((uint32_t)rep), 0);
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_TRUE(find_cap(res[i], &c));
		EXPECT_EQ(c.flags & CAP_F_REPLICATE, 0);
		EXPECT_ERR(cap_replicate(c.id), -E_PERM);
	}
	EXPECT_EQ(used_of(CAP_RES_CAPS), 0);
	PASSED();
}

/* -E_INVAL: sharing with siblings means its pager's paged list; the
 * container's pager has no pager. Unknown scopes are -E_INVAL too. */
TEST_CASE(cap, share_siblings_without_pager)
{
	struct cap_info c, now;

	EXPECT_TRUE(find_cap(CAP_RES_IRQCTRL, &c));
	EXPECT_EQ(cap_grant(c.id, self.tid), 0); /* to its own list */
	EXPECT_ERR(cap_share(c.id, CAP_SHARE_SIBLINGS), -E_INVAL);
	EXPECT_ERR(cap_share(c.id, 0), -E_INVAL);
	EXPECT_ERR(cap_share(c.id, 99), -E_INVAL);
	EXPECT_TRUE(lookup_cap(c.id, &now));
	EXPECT_EQ(now.list, CAP_LIST_PRIVATE);
	EXPECT_EQ(cap_share(c.id, CAP_SHARE_CONTAINER), 0);
	EXPECT_TRUE(lookup_cap(c.id, &now));
	EXPECT_EQ(now.list, CAP_LIST_CONTAINER);
	PASSED();
}

/* -E_PERM: only what is on its own private list can be shared. */
TEST_CASE(cap, share_what_it_does_not_hold)
{
	struct cap_info c;

	EXPECT_TRUE(find_cap(CAP_RES_IRQCTRL, &c));
	EXPECT_ERR(cap_share(c.id, CAP_SHARE_PAGED), -E_PERM);
	EXPECT_ERR(cap_share(c.id, CAP_SHARE_GROUP), -E_PERM);
	PASSED();
}

/* -E_PERM: a grant goes to a thread of its own container only. */
TEST_CASE(cap, grant_to_victim_thread)
{
	struct cap_info c, now;

	EXPECT_TRUE(find_cap(CAP_RES_IRQCTRL, &c));
	EXPECT_ERR(cap_grant(c.id, victim.w[ISO_WORKER]), -E_PERM);
	EXPECT_ERR(cap_grant(c.id, victim.w[ISO_RECEIVER]), -E_PERM);
	EXPECT_ERR(cap_grant(c.id, victim.pager), -E_PERM);
	int child = child_create(NULL, 0);
	EXPECT_GT(child, 0);
	EXPECT_EQ(cap_grant(c.id, (uint32_t)child), 0);
	EXPECT_FALSE(can_see(c.id));	 /* on the child's own list now */
	EXPECT_EQ(child_kill(child), 0); /* what it held passes to us */
	EXPECT_TRUE(lookup_cap(c.id, &now));
	EXPECT_EQ(now.list, CAP_LIST_PRIVATE);
	EXPECT_EQ(cap_share(c.id, CAP_SHARE_CONTAINER), 0);
	PASSED();
}

/* A child runs one cap_control operation on the id in the low half of
 * arg; the high half says which. */
static int child_cap_op(uint32_t arg)
{
	uint32_t id = arg & 0xffffu;
	struct sys_ids me;

	sys_getid(&me);
	switch (arg >> 16) {
	case 0:
		return cap_destroy(id);
	case 1:
		return cap_grant(id, me.tid);
	case 2:
		return cap_deduce(id, 0, 0, 0, 0);
	default:
		return cap_count();
	}
}

/* -E_PERM: a thread may use its container's capabilities, but only the
 * container's pager manages them; a child cannot take, narrow or destroy
 * them. */
TEST_CASE(cap, child_cannot_manage_container_capabilities)
{
	struct cap_info c;
	int child;

	EXPECT_TRUE(find_cap(CAP_RES_MAP, &c));
	child = child_spawn(child_cap_op, 3u << 16);
	EXPECT_GT(child, 0);
	EXPECT_EQ(child_wait(child), 16); /* it sees them */
	for (uint32_t op = 0; op < 3; op++) {
		child = child_spawn(child_cap_op, (op << 16) | c.id);
		EXPECT_GT(child, 0);
		EXPECT_ERR(child_wait(child), -E_PERM);
	}
	PASSED();
}

const struct test_case cap_tests[] = {
	TEST_ENTRY(cap, forge_victim_ids),
	TEST_ENTRY(cap, forge_id_range),
	TEST_ENTRY(cap, read_shows_only_own),
	TEST_ENTRY(cap, widen_operations),
	TEST_ENTRY(cap, widen_flags),
	TEST_ENTRY(cap, widen_target_to_victim_container),
	TEST_ENTRY(cap, narrow_target_to_victim_thread),
	TEST_ENTRY(cap, widen_memory_access),
	TEST_ENTRY(cap, oversplit_budget),
	TEST_ENTRY(cap, split_whole_or_unaligned_memory),
	TEST_ENTRY(cap, split_operations_not_held),
	TEST_ENTRY(cap, replicate_budget_or_memory),
	TEST_ENTRY(cap, share_siblings_without_pager),
	TEST_ENTRY(cap, share_what_it_does_not_hold),
	TEST_ENTRY(cap, grant_to_victim_thread),
	TEST_ENTRY(cap, child_cannot_manage_container_capabilities),
	TEST_TABLE_END,
};
