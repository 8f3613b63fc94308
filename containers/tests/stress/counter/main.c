/*
 * counter: ST_COUNTERS threads, thread i pinned to the (i mod n)-th
 * online core, released together, each adds 1 to a shared counter
 * ST_COUNTER_ITERS times under one user mutex (containers/lib/mutex.c),
 * with a read, a delay and a write inside so that two holders at once
 * would lose increments, and a flag that catches two holders directly.
 * The holder yields every 16th time, so the threads of its own core find
 * the mutex held too and wait in the kernel.
 */
#include <stddef.h>
#include <tessera/mutex.h>
#include <tessera/test.h>
#include "../common/stress.h"

#define SUITE "counter"

static uint32_t cores[ST_MAX_CPUS], ncores;
static struct mutex mx = MUTEX_INIT;
static volatile uint32_t count, inside, overlaps, go;
static volatile uint32_t ready[ST_COUNTERS], pinned[ST_COUNTERS];
static volatile uint32_t stayed[ST_COUNTERS], contended[ST_COUNTERS];
static uint8_t stacks[ST_COUNTERS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[ST_COUNTERS] __attribute__((aligned(UTCB_SIZE)));

static int counter(uint32_t i)
{
	uint32_t me = cores[i % ncores];

	pinned[i] = st_pin(me);
	ready[i] = 1;
	while (!go)
		sys_yield();
	for (uint32_t k = 0; k < ST_COUNTER_ITERS; k++) {
		if (mutex_trylock(&mx) != 0) {
			contended[i]++;
			mutex_lock(&mx);
		}
		if (inside)
			overlaps++;
		inside = 1;
		uint32_t v = count;
		for (volatile int d = 0; d < ST_COUNTER_HOLD; d++)
			;
		if (k % 16 == 15) /* let the other threads of this core try */
			sys_yield();
		count = v + 1;
		inside = 0;
		mutex_unlock(&mx);
	}
	stayed[i] = st_core() == me;
	return 0;
}

int main(void)
{
	struct st_tally t = {0, 0};
	uint32_t servers[ST_MAX_CPUS];
	int tids[ST_COUNTERS], codes = 0;

	if (st_hello(ST_COUNTER, 0, servers) != 0)
		return 1;
	ncores = st_online(cores);
	for (uint32_t i = 0; i < ST_COUNTERS; i++) {
		tids[i] = st_spawn(counter, i, stacks[i] + sizeof(stacks[i]),
				   &utcbs[i]);
		if (tids[i] < 0) {
			printf("counter: cannot start thread %u: %d\n",
			       (unsigned)i, tids[i]);
			return 1;
		}
	}
	for (uint32_t i = 0; i < ST_COUNTERS; i++)
		while (!ready[i])
			sys_yield();
	go = 1;
	for (uint32_t i = 0; i < ST_COUNTERS; i++)
		codes |= sys_thread_wait((uint32_t)tids[i], NULL);

	uint32_t npinned = 0, ncont = 0;
	for (uint32_t i = 0; i < ST_COUNTERS; i++) {
		npinned += pinned[i] && stayed[i];
		ncont += contended[i];
	}
	ST_RESULT(&t, SUITE, "threads_pinned", npinned == ST_COUNTERS &&
		  codes == 0, "%u of %u pinned and stayed, exit codes %d",
		  (unsigned)npinned, ST_COUNTERS, codes);
	ST_RESULT(&t, SUITE, "count_exact",
		  count == ST_COUNTERS * ST_COUNTER_ITERS, "count %u, want %u",
		  (unsigned)count, ST_COUNTERS * ST_COUNTER_ITERS);
	ST_RESULT(&t, SUITE, "one_holder_at_a_time", overlaps == 0 &&
		  mx.word == 0, "%u times two holders, mutex word %u at the end",
		  (unsigned)overlaps, (unsigned)mx.word);
	ST_RESULT(&t, SUITE, "mutex_contended", ncont > 0,
		  "no lock attempt found the mutex held");
	printf("counter: %u threads on %u cores: count %u, %u lock attempts "
	       "found it held\n", ST_COUNTERS, (unsigned)ncores,
	       (unsigned)count, (unsigned)ncont);
	st_report(ST_COUNTER, t.passed, t.failed, 0);
	return t.failed ? 1 : 0;
}
