/*
 * Cores (docs/smp.md): TC_CPUS placement and its errors, IPC between
 * threads on different cores, and the calls that must stop a thread
 * running on another core before they act on it (suspend, destroy,
 * exchange_registers, a move). Cases that need two cores skip themselves
 * when fewer are online.
 */
#include <stddef.h>
#include <tessera/errno.h>
#include <tessera/mutex.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#define CALLS 2000
#define INCREMENTS 3000

static volatile uint32_t spins;    /* a spinner's progress */
static volatile uint32_t where;    /* the core a mover last saw itself on */
static volatile uint32_t shared_total;
static struct mutex total_lock = MUTEX_INIT;

/* The cores this thread's container may use that are online. */
static uint32_t usable_cores(void)
{
	int mask = sys_thread_cpus(0, 0, NULL);

	return mask < 0 ? 0 : (uint32_t)mask & sys_cpus_online();
}

static unsigned count_cores(uint32_t mask)
{
	return (unsigned)__builtin_popcount(mask);
}

/* The n-th core (from 0) of mask. */
static unsigned nth_core(uint32_t mask, unsigned n)
{
	while (n--)
		mask &= mask - 1;
	return (unsigned)__builtin_ctz(mask);
}

static int spin(uint32_t arg)
{
	(void)arg;
	for (;;)
		spins++;
	return 0;
}

/* Report the core it runs on, forever. */
static int report_core(uint32_t arg)
{
	(void)arg;
	for (;;) {
		uint32_t cpu;
		if (sys_thread_cpus(0, 0, &cpu) >= 0)
			where = cpu;
	}
	return 0;
}

static int exit_with_42(void)
{
	sys_exit(42);
}

static int echo_calls(uint32_t count)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	while (!err && count--) {
		m.mr[0]++;
		if (!count)
			return ipc_send(m.from, &m);
		err = ipc_reply_wait(m.from, &m);
	}
	return err;
}

static int add_under_lock(uint32_t n)
{
	while (n--) {
		mutex_lock(&total_lock);
		shared_total++;
		mutex_unlock(&total_lock);
	}
	return 0;
}

/* A child created on this core, moved to `cpu` before it runs. */
static int spawn_on(child_fn fn, uint32_t arg, unsigned cpu)
{
	int tid = spawn_create(fn, arg, TC_SAME_SPACE | TC_AS_PAGER);
	uint32_t at = ~0u;

	if (tid < 0)
		return tid;
	if (sys_thread_cpus((uint32_t)tid, 1u << cpu, &at) < 0 || at != cpu ||
	    sys_thread_run((uint32_t)tid) != 0) {
		sys_thread_destroy((uint32_t)tid, 0);
		spawn_wait(tid);
		return -E_INVAL;
	}
	return tid;
}

/* Wait (yielding) until *word moves past `from`; false after many tries. */
static bool moves_past(volatile uint32_t *word, uint32_t from)
{
	for (unsigned i = 0; i < 200000; i++) {
		if (*word != from)
			return true;
		sys_yield();
	}
	return false;
}

/* The caller may use every online core again (it stays where it is). */
static void restore_placement(uint32_t cores)
{
	sys_thread_cpus(0, cores, NULL);
}

/* The caller on the first of cores, and a child running fn(arg) on the
 * second; the child's tid or -E_*. */
static int start_on_second_core(uint32_t cores, child_fn fn, uint32_t arg)
{
	restore_placement(cores);
	sys_thread_cpus(0, 1u << nth_core(cores, 0), NULL);
	return spawn_on(fn, arg, nth_core(cores, 1));
}

TEST_CASE(smp, cpus_reads_and_refuses)
{
	uint32_t cpu = ~0u;
	int mask = sys_thread_cpus(0, 0, &cpu);

	EXPECT_GT(mask, 0);
	EXPECT_TRUE((uint32_t)mask & (1u << cpu));
	EXPECT_TRUE(sys_cpus_online() & (1u << cpu));
	EXPECT_TRUE(sys_cpus_online() & 1u); /* the boot core */
	/* outside the container's cores: nothing changes */
	EXPECT_ERR(sys_thread_cpus(0, 0x80000000u, NULL), -E_INVAL);
	EXPECT_ERR(sys_thread_cpus(0, ~(uint32_t)mask, NULL), -E_INVAL);
	EXPECT_EQ(sys_thread_cpus(0, 0, NULL), mask);
	/* threads that do not exist */
	EXPECT_ERR(sys_thread_cpus(TID_INDEX_MASK, 1, NULL), -E_NOENT);
	EXPECT_ERR(sys_thread_cpus(0x80000001u, 1, NULL), -E_NOENT);
	/* a core of its mask that is not online (QEMU with fewer cores) */
	uint32_t offline = (uint32_t)mask & ~sys_cpus_online();
	if (offline)
		EXPECT_ERR(sys_thread_cpus(0, offline, NULL), -E_INVAL);
}

TEST_CASE(smp, thread_moves_to_each_online_core)
{
	uint32_t cores = usable_cores();

	for (unsigned n = 0; n < count_cores(cores); n++) {
		unsigned want = nth_core(cores, n);
		uint32_t cpu = ~0u, again = ~0u;
		EXPECT_EQ(sys_thread_cpus(0, 1u << want, &cpu), (int)(1u << want));
		EXPECT_EQ(cpu, want);
		sys_yield(); /* and it stays there */
		EXPECT_EQ(sys_thread_cpus(0, 0, &again), (int)(1u << want));
		EXPECT_EQ(again, want);
	}
	restore_placement(cores);
}

TEST_CASE(smp, child_starts_on_its_creators_core)
{
	uint32_t cores = usable_cores(), cpu = ~0u;
	unsigned last = nth_core(cores, count_cores(cores) - 1);

	sys_thread_cpus(0, 1u << last, NULL);
	int tid = spawn_create(spin, 0, TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(sys_thread_cpus((uint32_t)tid, 0, &cpu), (int)(1u << last));
	EXPECT_EQ(cpu, last);
	sys_thread_destroy((uint32_t)tid, 0);
	spawn_wait(tid);
	restore_placement(cores);
}

TEST_CASE(smp, ipc_calls_across_cores)
{
	uint32_t cores = usable_cores();

	if (count_cores(cores) < 2)
		TEST_SKIP("one core online");
	int server = start_on_second_core(cores, echo_calls, CALLS);
	EXPECT_GT(server, 0);
	unsigned wrong = 0;
	for (uint32_t i = 0; i < CALLS; i++) {
		struct ipc_msg m = {.tag = IPC_TAG(1, 0, IPC_TYPE_SHORT, 0),
				    .mr = {i}};
		if (ipc_call((uint32_t)server, &m) != 0 || m.mr[0] != i + 1)
			wrong++;
	}
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(spawn_wait(server), 0);
	restore_placement(cores);
}

TEST_CASE(smp, suspend_stops_a_thread_running_elsewhere)
{
	uint32_t cores = usable_cores();

	if (count_cores(cores) < 2)
		TEST_SKIP("one core online");
	int tid = start_on_second_core(cores, spin, 0);
	EXPECT_GT(tid, 0);
	EXPECT_TRUE(moves_past(&spins, spins)); /* it runs there */
	EXPECT_EQ(sys_thread_suspend((uint32_t)tid), 0);
	uint32_t stopped_at = spins;
	for (int i = 0; i < 50; i++)
		sys_yield();
	EXPECT_EQ(spins, stopped_at); /* stopped when the call returned */
	EXPECT_EQ(sys_thread_resume((uint32_t)tid), 0);
	EXPECT_TRUE(moves_past(&spins, stopped_at));
	EXPECT_EQ(sys_thread_destroy((uint32_t)tid, 9), 0);
	uint32_t ended_at = spins;
	for (int i = 0; i < 50; i++)
		sys_yield();
	EXPECT_EQ(spins, ended_at);
	EXPECT_EQ(spawn_wait(tid), 9);
	restore_placement(cores);
}

TEST_CASE(smp, registers_of_a_thread_running_elsewhere)
{
	uint32_t cores = usable_cores();
	struct exregs r = {0};

	if (count_cores(cores) < 2)
		TEST_SKIP("one core online");
	int tid = start_on_second_core(cores, spin, 0);
	EXPECT_GT(tid, 0);
	EXPECT_TRUE(moves_past(&spins, spins));
	/* read while it runs: its registers as of the stop, in user mode */
	EXPECT_EQ(sys_exchange_registers((uint32_t)tid, EXREGS_GET, &r), 0);
	EXPECT_EQ(r.cpsr & 0x1fu, 0x10u);
	/* and send it elsewhere: it ends through the new pc */
	r.pc = (uint32_t)(uintptr_t)exit_with_42;
	EXPECT_EQ(sys_exchange_registers((uint32_t)tid, EXREGS_SET_PC, &r), 0);
	EXPECT_EQ(spawn_wait(tid), 42);
	restore_placement(cores);
}

TEST_CASE(smp, move_of_a_thread_running_elsewhere)
{
	uint32_t cores = usable_cores(), cpu = ~0u;

	if (count_cores(cores) < 2)
		TEST_SKIP("one core online");
	restore_placement(cores);
	unsigned me = nth_core(cores, 0), first = nth_core(cores, 1);
	unsigned second = count_cores(cores) > 2 ? nth_core(cores, 2) : me;
	sys_thread_cpus(0, 1u << me, NULL);
	where = ~0u;
	int tid = spawn_on(report_core, 0, first);
	EXPECT_GT(tid, 0);
	EXPECT_TRUE(moves_past(&where, ~0u));
	EXPECT_EQ(where, first);
	EXPECT_EQ(sys_thread_cpus((uint32_t)tid, 1u << second, &cpu),
		  (int)(1u << second));
	EXPECT_EQ(cpu, second);
	EXPECT_TRUE(moves_past(&where, first));
	EXPECT_EQ(where, second);
	EXPECT_EQ(sys_thread_destroy((uint32_t)tid, 0), 0);
	EXPECT_EQ(spawn_wait(tid), 0);
	restore_placement(cores);
}

TEST_CASE(smp, mutex_contention_across_cores)
{
	uint32_t cores = usable_cores();
	unsigned n = count_cores(cores) * 2; /* two threads a core */
	int tids[16];

	if (n > 16)
		n = 16;
	shared_total = 0;
	for (unsigned i = 0; i < n; i++) {
		tids[i] = spawn_on(add_under_lock, INCREMENTS,
				   nth_core(cores, i % count_cores(cores)));
		EXPECT_GT(tids[i], 0);
	}
	int failures = 0;
	for (unsigned i = 0; i < n; i++)
		failures += spawn_wait(tids[i]) != 0;
	EXPECT_EQ(failures, 0);
	EXPECT_EQ(shared_total, n * INCREMENTS);
	EXPECT_EQ(total_lock.word, 0);
}

const struct test_case core_smp_tests[] = {
	TEST_ENTRY(smp, cpus_reads_and_refuses),
	TEST_ENTRY(smp, thread_moves_to_each_online_core),
	TEST_ENTRY(smp, child_starts_on_its_creators_core),
	TEST_ENTRY(smp, ipc_calls_across_cores),
	TEST_ENTRY(smp, suspend_stops_a_thread_running_elsewhere),
	TEST_ENTRY(smp, registers_of_a_thread_running_elsewhere),
	TEST_ENTRY(smp, move_of_a_thread_running_elsewhere),
	TEST_ENTRY(smp, mutex_contention_across_cores),
	TEST_TABLE_END,
};
