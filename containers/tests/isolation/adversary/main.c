/*
 * adversary: the attacking container of the isolation test system
 * (configs/isolation.toml). It was given its program region, one page of
 * read-only memory, two virtual ranges, small budgets (4 threads, 1 space,
 * 2 mutex waits, 4 page-table pages, 4 capabilities, no IRQs, no device)
 * and the operation capabilities on its own container; nothing on the
 * victim, not even an ipc channel.
 *
 * It waits for the victim's call (protocol.h), which tells it the victim's
 * thread ids and addresses, and then makes its escape attempts, one TEST
 * case each: every case shows first, where it makes sense, that the same
 * operation on its own resources works, then that the attempt is refused
 * with the error the kernel defines for it (each case says why that one).
 * Last it checks that its own budgets are back where they started, leaves
 * behind capabilities nobody can destroy (for the kernel's teardown of it)
 * and answers the victim's call, which is the victim's signal to check
 * itself.
 *
 * Files: mem.c (map, unmap, devices, IRQs), ipc_thread.c (ipc,
 * thread_control, exchange_registers, mutexes), budget.c, cap.c, and
 * pointer_fault.c (bad pointers, faults in a child).
 */
#include <stddef.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include "adversary.h"

struct victim victim;
struct sys_ids self;
uint32_t prog_phys;
unsigned cases_passed, cases_skipped;

static struct cap_info start[MAX_CAPS];
static int nstart;
static int hello_err;
static struct ipc_msg hello;

/* The victim's call: its pager is the sender; the rest is in our UTCB. */
static void receive_hello(void)
{
	hello_err = ipc_receive(IPC_ANY, &hello);
	victim.pager = hello.from;
	for (int i = 0; i < ISO_HELLO_WORDS; i++)
		victim.w[i] = utcb_self()->mr[i];
	printf(
	    "adversary: victim pager %u, worker %u, sleeper %u, receiver "
	    "%u, capabilities %u..%u\n",
	    (unsigned)victim.pager, (unsigned)victim.w[ISO_WORKER],
	    (unsigned)victim.w[ISO_SLEEPER], (unsigned)victim.w[ISO_RECEIVER],
	    (unsigned)victim.w[ISO_CAP_MIN], (unsigned)victim.w[ISO_CAP_MAX]);
}

static uint32_t lowest_id(void)
{
	uint32_t lo = 0xffffffffu;

	for (int i = 0; i < nstart; i++)
		if (start[i].id < lo)
			lo = start[i].id;
	return lo;
}

TEST_CASE(adversary, victim_published_its_threads)
{
	EXPECT_EQ(hello_err, 0);
	EXPECT_EQ(IPC_TAG_LABEL(hello.tag), ISO_LABEL_HELLO);
	EXPECT_EQ(IPC_TAG_LENGTH(hello.tag), ISO_HELLO_WORDS);
	EXPECT_EQ(victim.w[ISO_MAGIC], ISO_HELLO_MAGIC);
	EXPECT_NE(victim.pager, self.tid);
	EXPECT_NE(victim.w[ISO_WORKER], 0);
	EXPECT_NE(victim.w[ISO_SLEEPER], 0);
	EXPECT_NE(victim.w[ISO_RECEIVER], 0);
	EXPECT_GT(victim.w[ISO_CAP_MAX], victim.w[ISO_CAP_MIN]);
	/* the ids are one global counter: all of the victim's come before ours
	 */
	EXPECT_LT(victim.w[ISO_CAP_MAX], lowest_id());
	EXPECT_EQ(nstart, 16); /* 4 memory, 5 budgets, 7 operations */
	PASSED();
}

/* Everything it made was destroyed and every child reaped: the same
 * capabilities with the same rights, sizes and nothing in use, all on its
 * container's list again (in whatever order). */
TEST_CASE(adversary, budgets_back_where_they_started)
{
	static struct cap_info now[MAX_CAPS];
	int n = cap_read(now, MAX_CAPS);

	EXPECT_EQ(n, nstart);
	for (int i = 0; i < nstart; i++) {
		const struct cap_info *a = &start[i], *b = NULL;
		for (int j = 0; j < n; j++)
			if (now[j].id == a->id)
				b = &now[j];
		if (!b)
			TEST_FAIL("capability %u is gone", (unsigned)a->id);
		EXPECT_EQ(b->resource, a->resource);
		EXPECT_EQ(b->ops, a->ops);
		EXPECT_EQ(b->flags, a->flags);
		EXPECT_EQ(b->target_kind, a->target_kind);
		EXPECT_EQ(b->target, a->target);
		EXPECT_EQ(b->base, a->base);
		EXPECT_EQ(b->size, a->size);
		EXPECT_EQ(b->used, a->used);
		EXPECT_EQ(b->used, 0);
		EXPECT_EQ(b->list, CAP_LIST_CONTAINER);
	}
	PASSED();
}

/* A child that waits for a message from its pager, which sends none: it
 * is still waiting when the container ends. */
static int park_until_the_end(uint32_t unused)
{
	struct ipc_msg m = {0};

	(void)unused;
	return ipc_receive(self.tid, &m);
}

/*
 * Its last act before it answers the victim: leave behind what nobody can
 * take back, for the kernel's teardown when it exits. Two replicas of an
 * operation capability and two budget parts, all without any flag (so no
 * CAP_F_DESTROY): one replica paid from its CAPS budget, the other from
 * the CAPS part, which also pays for the THREADS part, which pays for a
 * child still waiting when the container ends. The teardown must end the
 * child and refund and free all of it whatever the flags;
 * test_isolation checks that the adversary finishes with exit code 0,
 * without a BUG, and that the victim carries on.
 */
TEST_CASE(adversary, leaves_what_it_cannot_destroy)
{
	struct cap_info caps_budget, threads_budget, map, c;

	EXPECT_TRUE(find_cap(CAP_RES_CAPS, &caps_budget));
	EXPECT_TRUE(find_cap(CAP_RES_THREADS, &threads_budget));
	EXPECT_TRUE(find_cap(CAP_RES_MAP, &map));
	int rep = cap_replicate(map.id);
	EXPECT_GT(rep, 0);
	int caps_part = cap_split(caps_budget.id, 2); /* on its own list: */
	EXPECT_GT(caps_part, 0);		       /* it pays from now on */
	int threads_part = cap_split(threads_budget.id, 1);
	EXPECT_GT(threads_part, 0);
	int rep2 = cap_replicate(map.id);
	EXPECT_GT(rep2, 0);
	int child = child_spawn(park_until_the_end, 0);
	EXPECT_GT(child, 0);
	EXPECT_TRUE(lookup_cap((uint32_t)caps_part, &c));
	EXPECT_EQ(c.used, 2);
	EXPECT_TRUE(lookup_cap((uint32_t)threads_part, &c));
	EXPECT_EQ(c.used, 1);
	const int left[] = {rep, rep2, caps_part, threads_part};
	for (int i = 0; i < 4; i++) {
		EXPECT_TRUE(lookup_cap((uint32_t)left[i], &c));
		EXPECT_EQ(cap_deduce((uint32_t)left[i], c.ops, 0, 0, 0), 0);
		EXPECT_ERR(cap_destroy((uint32_t)left[i]), -E_PERM);
	}
	EXPECT_EQ(used_of(CAP_RES_CAPS), 2);
	PASSED();
}

static const struct test_case first_tests[] = {
	TEST_ENTRY(adversary, victim_published_its_threads),
	TEST_TABLE_END,
};

static const struct test_case last_tests[] = {
	TEST_ENTRY(adversary, budgets_back_where_they_started),
	TEST_ENTRY(adversary, leaves_what_it_cannot_destroy),
	TEST_TABLE_END,
};

static const struct test_case *const tables[] = {
	first_tests,
	mem_tests,
	ipc_thread_tests,
	budget_tests,
	cap_tests,
	pointer_fault_tests,
	channel_tests,
	last_tests,
	NULL,
};

static unsigned count_cases(void)
{
	unsigned n = 0;

	for (const struct test_case *const *t = tables; *t; t++)
		for (const struct test_case *c = *t; c->run; c++)
			n++;
	return n;
}

int main(void)
{
	sys_getid(&self);
	prog_phys = container_region.phys;
	nstart = cap_read(start, MAX_CAPS);
	receive_hello();
	test_run(tables);

	/* the answer the victim waits for: our last act */
	unsigned failed = count_cases() - cases_passed - cases_skipped;
	struct ipc_msg done = {IPC_TAG(ISO_LABEL_DONE, 0, IPC_TYPE_SHORT, 0),
			       {cases_passed, failed, ISO_DONE_MAGIC,
				cases_skipped},
			       0};
	int err = ipc_send(victim.pager, &done);
	if (err) {
		printf("adversary: cannot answer the victim: %d\n", err);
		return (int)failed + 1;
	}
	return (int)failed;
}
