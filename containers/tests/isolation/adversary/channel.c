/*
 * Channels by name (getid GETID_CHANNEL, channel_lookup). The adversary
 * has no channel at all: the kernel tells it the tid of no other
 * container's pager, and answers a name it has no channel to exactly as a
 * name no container has (-E_NOENT), so it cannot even learn which names
 * exist. Its own container it may send to (own_caps): that name gives its
 * own pager. Malformed lookups are refused before anything is looked at.
 */
#include <stddef.h>
#include <tessera/boot.h>
#include "adversary.h"

/* getid with raw arguments */
static int getid3(uint32_t op, uint32_t a1, uint32_t a2)
{
	struct sys_regs io = {{op, a1, a2}};

	return sys_invoke(SYS_getid, &io);
}

/* The victim is alive (it called us) and has a pager: still -E_NOENT. */
TEST_CASE(channel, lookup_without_a_channel_is_noent)
{
	EXPECT_NE(victim.pager, 0);
	EXPECT_ERR(channel_lookup("victim"), -E_NOENT);
	EXPECT_ERR(channel_lookup("intruder"), -E_NOENT);
	PASSED();
}

/* A name no container has: the same answer as above. */
TEST_CASE(channel, lookup_of_no_such_name_is_noent)
{
	EXPECT_ERR(channel_lookup("nosuchcontainer"), -E_NOENT);
	EXPECT_ERR(channel_lookup("victi"), -E_NOENT);     /* a prefix */
	EXPECT_ERR(channel_lookup("victims"), -E_NOENT);   /* longer */
	EXPECT_ERR(channel_lookup("VICTIM"), -E_NOENT);    /* case */
	EXPECT_ERR(sys_channel_lookup("victim\0", 7), -E_NOENT); /* a NUL */
	PASSED();
}

/* Its own container's name: own_caps lets it send to its own threads, so
 * the answer is its own pager, which it is. */
TEST_CASE(channel, lookup_of_its_own_container_is_its_pager)
{
	EXPECT_EQ(channel_lookup("adversary"), (int)self.tid);
	EXPECT_EQ(self.pager, 0); /* it is the first pager */
	PASSED();
}

/* The name is read through its own page tables: -E_FAULT, never the
 * victim's memory or the kernel's. */
TEST_CASE(channel, lookup_with_a_bad_pointer_is_fault)
{
	EXPECT_ERR(sys_channel_lookup(NULL, 6), -E_FAULT);
	EXPECT_ERR(sys_channel_lookup((const char *)KERNEL_VIRT, 6), -E_FAULT);
	EXPECT_ERR(sys_channel_lookup((const char *)FAR_VA, 6), -E_FAULT);
	EXPECT_ERR(sys_channel_lookup(
		       (const char *)victim.w[ISO_PATTERN_VIRT], 6), -E_FAULT);
	/* crossing from the KIP's page into the kernel's range */
	EXPECT_ERR(sys_channel_lookup((const char *)0xfffffffcu, 8), -E_FAULT);
	PASSED();
}

/* Length 1..16 (a manifest name's limit), checked before the pointer. */
TEST_CASE(channel, lookup_with_a_bad_length_is_inval)
{
	EXPECT_ERR(sys_channel_lookup("victim", 0), -E_INVAL);
	EXPECT_ERR(sys_channel_lookup("victim", GETID_NAME_MAX + 1), -E_INVAL);
	EXPECT_ERR(sys_channel_lookup("victim", 0xffffffffu), -E_INVAL);
	EXPECT_ERR(sys_channel_lookup(NULL, 0), -E_INVAL);
	EXPECT_ERR(channel_lookup("a-name-of-17-chars"), -E_INVAL);
	PASSED();
}

/* getid's r0: 0 is the old call whatever r1/r2 hold, any other value but
 * GETID_CHANNEL -E_INVAL. */
TEST_CASE(channel, getid_unknown_operation_is_inval)
{
	EXPECT_EQ(getid3(GETID_SELF, 0xdeadbeefu, 0xffffffffu), (int)self.tid);
	EXPECT_ERR(getid3(2, 0, 0), -E_INVAL);
	EXPECT_ERR(getid3(0x80000000u, 0, 0), -E_INVAL);
	EXPECT_ERR(getid3(0xffffffffu, (uint32_t)(uintptr_t)"victim", 6),
		   -E_INVAL);
	PASSED();
}

const struct test_case channel_tests[] = {
	TEST_ENTRY(channel, lookup_without_a_channel_is_noent),
	TEST_ENTRY(channel, lookup_of_no_such_name_is_noent),
	TEST_ENTRY(channel, lookup_of_its_own_container_is_its_pager),
	TEST_ENTRY(channel, lookup_with_a_bad_pointer_is_fault),
	TEST_ENTRY(channel, lookup_with_a_bad_length_is_inval),
	TEST_ENTRY(channel, getid_unknown_operation_is_inval),
	TEST_TABLE_END,
};
