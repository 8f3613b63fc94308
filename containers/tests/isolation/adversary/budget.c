/*
 * Exhausting every budget (configs/isolation.toml: threads 4, spaces 1,
 * mutexes 2, pt_pages 4, caps 4, irqs 0). The kernel charges a budget
 * where it creates the object and refunds it where the object goes
 * (kernel/generic/thread.c, space.c, mutex.c, sys_cap.c, irq.c); over
 * budget is -E_BUDGET with nothing created. Each case ends with every unit
 * back.
 */
#include <stddef.h>
#include "adversary.h"

#define R MAP_ATTR_READ

static int raw_thread(uint32_t space)
{
	return sys_thread_create(0, space | TC_AS_PAGER, 0, 0x10000000u, 0);
}

static int end_thread(int tid)
{
	int err = sys_thread_destroy((uint32_t)tid, 0);

	sys_thread_wait((uint32_t)tid, NULL);
	return err;
}

/* -E_BUDGET for the fifth thread; a refused thread in a new space gives
 * that space back too. */
TEST_CASE(budget, threads)
{
	int tids[SLOTS], n = 0, err;

	while (n < SLOTS && (err = raw_thread(TC_SAME_SPACE)) > 0)
		tids[n++] = err;
	EXPECT_EQ(n, SLOTS);
	EXPECT_EQ(used_of(CAP_RES_THREADS), SLOTS);
	EXPECT_ERR(raw_thread(TC_SAME_SPACE), -E_BUDGET);
	EXPECT_ERR(raw_thread(TC_NEW_SPACE), -E_BUDGET);
	EXPECT_EQ(used_of(CAP_RES_SPACES), 0);
	while (n--)
		EXPECT_EQ(end_thread(tids[n]), 0);
	EXPECT_EQ(used_of(CAP_RES_THREADS), 0);
	PASSED();
}

/* -E_BUDGET for the second space, new or copied; the refused creations
 * keep no thread. */
TEST_CASE(budget, spaces)
{
	int tid = scratch_space();

	EXPECT_GT(tid, 0);
	EXPECT_EQ(used_of(CAP_RES_SPACES), 1);
	EXPECT_ERR(raw_thread(TC_NEW_SPACE), -E_BUDGET);
	EXPECT_ERR(raw_thread(TC_COPY_SPACE), -E_BUDGET);
	EXPECT_EQ(used_of(CAP_RES_THREADS), 1);
	EXPECT_EQ(end_thread(tid), 0);
	EXPECT_EQ(used_of(CAP_RES_SPACES), 0);
	EXPECT_EQ(used_of(CAP_RES_THREADS), 0);
	PASSED();
}

static volatile uint32_t word;

static int wait_word(uint32_t arg)
{
	return sys_mutex_control(&word, MUTEX_WAIT);
}

/* -E_BUDGET: each thread waiting in the kernel's mutex queues holds a
 * unit; the third waiter on a contended mutex is refused at once. */
TEST_CASE(budget, mutexes)
{
	int a, b, c;

	word = 2; /* locked, with waiters */
	a = child_spawn(wait_word, 0);
	b = child_spawn(wait_word, 0);
	EXPECT_GT(a, 0);
	EXPECT_GT(b, 0);
	for (int i = 0; i < 100 && used_of(CAP_RES_MUTEXES) != 2; i++)
		sys_yield();
	EXPECT_EQ(used_of(CAP_RES_MUTEXES), 2);
	c = child_spawn(wait_word, 0);
	EXPECT_GT(c, 0);
	EXPECT_ERR(child_wait(c), -E_BUDGET);
	word = 0;
	EXPECT_EQ(sys_mutex_control(&word, MUTEX_WAKE), 1);
	EXPECT_EQ(sys_mutex_control(&word, MUTEX_WAKE), 1);
	EXPECT_EQ(sys_mutex_control(&word, MUTEX_WAKE), 0);
	EXPECT_EQ(child_wait(a), 0);
	EXPECT_EQ(child_wait(b), 0);
	EXPECT_EQ(used_of(CAP_RES_MUTEXES), 0);
	PASSED();
}

/* -E_BUDGET: a new space's page-table pages are paid from its PTPAGES
 * budget, one per 4 MiB; the fifth is refused and nothing is mapped. The
 * pages come back when the space goes. */
TEST_CASE(budget, page_tables)
{
	int tid = scratch_space();

	EXPECT_GT(tid, 0);
	for (uint32_t k = 0; k < 4; k++)
		EXPECT_EQ(sys_map(prog_phys, FAR_VA + k * PT_SPAN, 1, R,
				  (uint32_t)tid),
			  0);
	EXPECT_EQ(used_of(CAP_RES_PTPAGES), 4);
	EXPECT_ERR(
	    sys_map(prog_phys, FAR_VA + 4 * PT_SPAN, 1, R, (uint32_t)tid),
	    -E_BUDGET);
	EXPECT_EQ(sys_unmap(FAR_VA + 4 * PT_SPAN, 1, (uint32_t)tid), 0);
	/* in a 4 MiB range that has its table: free */
	EXPECT_EQ(sys_map(prog_phys, FAR_VA + PAGE, 1, R, (uint32_t)tid), 0);
	EXPECT_EQ(used_of(CAP_RES_PTPAGES), 4);
	EXPECT_EQ(end_thread(tid), 0);
	EXPECT_EQ(used_of(CAP_RES_PTPAGES), 0);
	EXPECT_EQ(used_of(CAP_RES_SPACES), 0);
	PASSED();
}

/* -E_BUDGET: every capability made by replicate or split is paid from
 * the CAPS budget, whatever it is made of. */
TEST_CASE(budget, caps_by_replicate_and_split)
{
	struct cap_info op, threads;
	int ids[4], n = 0, err;

	EXPECT_TRUE(find_cap(CAP_RES_MUTEX, &op));
	EXPECT_TRUE(find_cap(CAP_RES_THREADS, &threads));
	while (n < 4 && (err = cap_replicate(op.id)) > 0)
		ids[n++] = err;
	EXPECT_EQ(n, 4);
	EXPECT_EQ(used_of(CAP_RES_CAPS), 4);
	EXPECT_ERR(cap_replicate(op.id), -E_BUDGET);
	EXPECT_ERR(cap_split(threads.id, 1), -E_BUDGET);
	EXPECT_ERR(cap_split((uint32_t)ids[0], CAP_OP_MUTEX_WAKE), -E_BUDGET);
	EXPECT_ERR(cap_split(op.id, CAP_OP_MUTEX_WAKE), -E_BUDGET);
	while (n--)
		EXPECT_EQ(cap_destroy((uint32_t)ids[n]), 0);
	EXPECT_EQ(used_of(CAP_RES_CAPS), 0);
	EXPECT_TRUE(lookup_cap(op.id, &op));
	EXPECT_EQ(op.ops,
		  CAP_OP_MUTEX_ALL); /* the refused split took nothing */
	PASSED();
}

/* -E_PERM for every IRQ there is: its IRQS budget is 0 (it holds no such
 * capability), and before the budget the kernel wants a device capability
 * carrying the IRQ, which it has for none. The timer, the console UART
 * and ids past the GIC's are -E_INVAL. */
TEST_CASE(budget, irqs)
{
	struct cap_info c;
	uint32_t wrong = 0;

	EXPECT_FALSE(find_cap(CAP_RES_IRQS, &c));
	EXPECT_FALSE(find_cap(CAP_RES_DEVMEM, &c));
	for (uint32_t irq = 0; irq < 1024; irq++) {
		int want =
		    (KERNEL_IRQ(irq) || irq >= IRQ_COUNT) ? -E_INVAL : -E_PERM;
		if (irq_bind(irq, 0) != want)
			wrong++;
	}
	EXPECT_EQ(wrong, 0);
	PASSED();
}

const struct test_case budget_tests[] = {
	TEST_ENTRY(budget, threads),
	TEST_ENTRY(budget, spaces),
	TEST_ENTRY(budget, mutexes),
	TEST_ENTRY(budget, page_tables),
	TEST_ENTRY(budget, caps_by_replicate_and_split),
	TEST_ENTRY(budget, irqs),
	TEST_TABLE_END,
};
