/* map/unmap, pagers serving faults, user mutexes, the KIP. */
#include <stddef.h>
#include <generated/board.h>
#include <tessera/boot.h>
#include <tessera/errno.h>
#include <tessera/mutex.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096u
#endif

#define ALIAS_VA 0x30000000u
#define FAULT_LABEL_OK(tag) (IPC_TAG_LABEL(tag) == IPC_LABEL_FAULT)

static uint8_t scratch[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile uint32_t counter;
static struct mutex lock = MUTEX_INIT;

static uint32_t phys_of(const void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

TEST_CASE(map, alias_page_reads_and_writes_through)
{
	volatile uint32_t *alias = (volatile uint32_t *)ALIAS_VA;

	scratch[0] = 0x5a;
	EXPECT_EQ(sys_map(phys_of(scratch), ALIAS_VA, 1,
			  MAP_ATTR_READ | MAP_ATTR_WRITE, 0), 0);
	EXPECT_EQ(alias[0] & 0xff, 0x5a);
	alias[1] = 0xabcd;
	EXPECT_EQ(((volatile uint32_t *)scratch)[1], 0xabcd);
	EXPECT_EQ(sys_unmap(ALIAS_VA, 1, 0), 1);
	EXPECT_EQ(sys_unmap(ALIAS_VA, 1, 0), 0);
}

TEST_CASE(map, errors)
{
	uint32_t p = phys_of(scratch), rw = MAP_ATTR_READ | MAP_ATTR_WRITE;

	/* the start of RAM: no container declares it */
	EXPECT_ERR(sys_map(BOARD_RAM_BASE, ALIAS_VA, 1, rw, 0), -E_PERM);
	EXPECT_ERR(sys_map(container_region.phys + container_region.size,
			   ALIAS_VA, 1, rw, 0), -E_PERM);
	EXPECT_ERR(sys_map(container_region.phys, ALIAS_VA,
			   container_region.size / PAGE_SIZE + 1, rw, 0),
		   -E_PERM); /* runs past the end of the region */
	EXPECT_ERR(sys_map(p, ALIAS_VA, MAP_MAX_PAGES + 1, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, 0xc0000000, 1, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, KIP_ADDRESS, 1, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ALIAS_VA + 4, 1, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p + 4, ALIAS_VA, 1, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ALIAS_VA, 0, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ALIAS_VA, 1, MAP_ATTR_WRITE, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ALIAS_VA, 1, rw | 0x100, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, 0, 1, rw, 0), -E_INVAL);
	EXPECT_ERR(sys_map(p, ALIAS_VA, 1, rw, 4000), -E_NOENT);
	EXPECT_ERR(sys_unmap(0xc0000000, 1, 0), -E_INVAL);
	EXPECT_ERR(sys_unmap(ALIAS_VA, 0, 0), -E_INVAL);
	EXPECT_ERR(sys_unmap(ALIAS_VA, 1, 4000), -E_NOENT);
}

/* Touch n pages of scratch-like memory in a fresh space; return the sum. */
static int touch_pages(uint32_t n)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += scratch[i * PAGE_SIZE] + i;
	return (int)sum;
}

/* Serve faults of `tid` by mapping our own page at the faulting address,
 * until it ends; returns the number of faults served. */
static int serve_faults(int tid, bool refuse)
{
	int served = 0;
	struct ipc_msg m = {0};

	for (;;) {
		if (ipc_receive((uint32_t)tid, &m) != 0)
			return served; /* it ended: -E_DEAD */
		if (!FAULT_LABEL_OK(m.tag))
			return -1000;
		uint32_t page = m.mr[1] & ~(PAGE_SIZE - 1);
		struct ipc_msg reply = {.mr = {refuse ? 1u : 0u}};
		if (!refuse && sys_map(container_region.phys +
					       (page - container_region.virt),
				       page, 1,
				       MAP_ATTR_READ | MAP_ATTR_WRITE |
					       MAP_ATTR_EXEC,
				       (uint32_t)tid) != 0)
			return -2000;
		served++;
		ipc_send((uint32_t)tid, &reply);
		if (refuse)
			return served;
	}
}

TEST_CASE(pager, faults_served_on_demand)
{
	scratch[0] = 3;
	scratch[PAGE_SIZE] = 4;
	int tid = spawn_create(touch_pages, 2, TC_NEW_SPACE | TC_AS_PAGER);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	int served = serve_faults(tid, false);
	/* code, stack, utcb-less data pages: at least the two scratch pages */
	EXPECT_GE(served, 3);
	EXPECT_EQ(spawn_wait(tid), 3 + 4 + 1);
}

TEST_CASE(pager, error_reply_ends_faulting_thread)
{
	int tid = spawn_create(touch_pages, 1, TC_NEW_SPACE | TC_AS_PAGER);
	EXPECT_EQ(sys_thread_run((uint32_t)tid), 0);
	EXPECT_EQ(serve_faults(tid, true), 1);
	/* its first fault is the instruction fetch at its entry */
	EXPECT_EQ(spawn_wait(tid), 128 + FAULT_PREFETCH);
}

/* A pager that creates a faulting child and exits without serving it. */
static int deserting_pager(uint32_t arg)
{
	(void)arg;
	int child = spawn_create(touch_pages, 1, TC_NEW_SPACE | TC_AS_PAGER);
	if (child < 0)
		return child;
	sys_thread_run((uint32_t)child);
	sys_yield(); /* the child faults and waits for us */
	return child; /* exiting ends the child too */
}

TEST_CASE(pager, death_ends_waiting_clients)
{
	int p = spawn(deserting_pager, 0);
	int child = spawn_wait(p);
	EXPECT_GT(child, 0);
	spawn_forget(child);
	/* the client is gone, not stuck waiting for a reply */
	EXPECT_ERR(sys_thread_resume((uint32_t)child), -E_NOENT);
	EXPECT_ERR(sys_thread_wait((uint32_t)child, NULL), -E_NOENT);
}

static int locked_increments(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		mutex_lock(&lock);
		uint32_t v = counter;
		if ((i & 15) == 0)
			sys_yield(); /* widen the window: force contention */
		counter = v + 1;
		mutex_unlock(&lock);
	}
	return 0;
}

TEST_CASE(mutex, contended_increments_are_exact)
{
	int a, b;

	counter = 0;
	a = spawn(locked_increments, 500);
	b = spawn(locked_increments, 500);
	EXPECT_EQ(spawn_wait(a), 0);
	EXPECT_EQ(spawn_wait(b), 0);
	EXPECT_EQ(counter, 1000);
	EXPECT_EQ(lock.word, 0);
}

TEST_CASE(mutex, uncontended_lock_unlock)
{
	struct mutex m = MUTEX_INIT;
	mutex_lock(&m);
	EXPECT_EQ(m.word, 1); /* no waiter recorded: no kernel entry needed */
	EXPECT_EQ(mutex_trylock(&m), -1);
	mutex_unlock(&m);
	EXPECT_EQ(m.word, 0);
	EXPECT_EQ(mutex_trylock(&m), 0);
	mutex_unlock(&m);
}

TEST_CASE(mutex, errors)
{
	static uint32_t word;

	EXPECT_ERR(sys_mutex_control(&word, 99), -E_INVAL);
	EXPECT_ERR(sys_mutex_control(NULL, MUTEX_WAIT), -E_FAULT);
	EXPECT_ERR(sys_mutex_control((uint32_t *)0xc0000000, MUTEX_WAIT),
		   -E_FAULT);
	EXPECT_ERR(sys_mutex_control((uint32_t *)((uintptr_t)&word + 1),
				     MUTEX_WAIT),
		   -E_FAULT);
	EXPECT_ERR(sys_mutex_control((uint32_t *)KIP_ADDRESS, MUTEX_WAIT),
		   -E_FAULT); /* read-only */
	word = 1;
	EXPECT_EQ(sys_mutex_control(&word, MUTEX_WAIT), 0); /* not 2: retry */
	EXPECT_EQ(sys_mutex_control(&word, MUTEX_WAKE), 0); /* nobody */
}

TEST_CASE(kip, facts)
{
	const struct kip *k = kip_get();
	uint64_t t;
	uint32_t hz;

	sys_time(&t, &hz);
	EXPECT_EQ(k->magic, KIP_MAGIC);
	EXPECT_EQ(k->abi_version, ABI_VERSION);
	EXPECT_EQ(k->syscall_count, SYS_COUNT);
	EXPECT_EQ(k->page_size, PAGE_SIZE);
	EXPECT_EQ(k->tick_hz, hz);
	EXPECT_EQ(k->utcb_size, UTCB_SIZE);
	EXPECT_EQ(k->nr_containers, 1);
}

TEST_CASE(kip, utcb_register_points_at_utcb)
{
	struct utcb *u = utcb_self();
	EXPECT_NE((uintptr_t)u, 0);
	u->tls = 0x77;
	EXPECT_EQ(utcb_self()->tls, 0x77);
}

const struct test_case core_mem_tests[] = {
	TEST_ENTRY(map, alias_page_reads_and_writes_through),
	TEST_ENTRY(map, errors),
	TEST_ENTRY(pager, faults_served_on_demand),
	TEST_ENTRY(pager, error_reply_ends_faulting_thread),
	TEST_ENTRY(pager, death_ends_waiting_clients),
	TEST_ENTRY(mutex, contended_increments_are_exact),
	TEST_ENTRY(mutex, uncontended_lock_unlock),
	TEST_ENTRY(mutex, errors),
	TEST_ENTRY(kip, facts),
	TEST_ENTRY(kip, utcb_register_points_at_utcb),
	TEST_TABLE_END,
};
