/*
 * mover: ST_MOVERS threads hop from core to core with sys_thread_cpus
 * (to the next online core, ST_MOVER_HOPS times each), checking after
 * every hop the core the call reports and the core they then read back;
 * every 8th hop they widen their mask to every core of the container and
 * must stay put. Between hops they call a server on another core and add
 * 1 to a counter under a user mutex shared by all movers. Meanwhile the
 * pager moves a running (spinning) drifter thread from core to core
 * ST_DRIFTS times and sees it run on each. Last, the masks the kernel
 * refuses: outside the container's cores, only offline cores.
 */
#include <stddef.h>
#include <tessera/mutex.h>
#include <tessera/test.h>
#include "../common/stress.h"

#define SUITE "mover"
#define DRIFT_WAIT_TICKS 200

static uint32_t servers[ST_MAX_CPUS], cores[ST_MAX_CPUS], ncores;
static struct mutex mx = MUTEX_INIT;
static volatile uint32_t shared;
static volatile uint32_t hops[ST_MOVERS], bad_move[ST_MOVERS];
static volatile uint32_t bad_core[ST_MOVERS], bad_widen[ST_MOVERS];
static volatile uint32_t calls[ST_MOVERS], bad_call[ST_MOVERS];
static volatile uint32_t pinned[ST_MOVERS];
static volatile uint32_t drift_spins, drift_stop, drift_core = 0xff;
static uint8_t stacks[ST_MOVERS + 1][1024] __attribute__((aligned(8)));
static struct utcb utcbs[ST_MOVERS + 1] __attribute__((aligned(UTCB_SIZE)));

static int mover(uint32_t i)
{
	uint32_t idx = i % ncores, cur = cores[idx];

	pinned[i] = st_pin(cur);
	for (uint32_t h = 0; h < ST_MOVER_HOPS; h++) {
		uint32_t cpu = 0xff;
		idx = (idx + 1) % ncores;
		uint32_t to = cores[idx];
		int mask = sys_thread_cpus(0, 1u << to, &cpu);
		if (mask != (int)(1u << to) || cpu != to)
			bad_move[i]++;
		if (st_core() != to)
			bad_core[i]++;
		hops[i] += to != cur;
		cur = to;
		if (h % 8 == 7) {
			mask = sys_thread_cpus(0, ST_ALL_CPUS, &cpu);
			if (mask != (int)ST_ALL_CPUS || cpu != to)
				bad_widen[i]++;
		}
		uint32_t s = cores[(idx + 1) % ncores];
		if (st_serve_call(servers[s], ST_CALL_MOVER, (i << 16) | h, i,
				  h, s) == 0)
			calls[i]++;
		else
			bad_call[i]++;
		mutex_lock(&mx);
		shared = shared + 1;
		mutex_unlock(&mx);
	}
	return 0;
}

static int drifter(uint32_t arg)
{
	(void)arg;
	while (!drift_stop) {
		drift_spins++;
		sys_yield();
	}
	drift_core = st_core();
	return 0;
}

int main(void)
{
	struct st_tally t = {0, 0};
	int tids[ST_MOVERS], codes = 0;

	if (st_hello(ST_MOVER, 0, servers) != 0)
		return 1;
	ncores = st_online(cores);
	int drift = st_spawn(drifter, 0, stacks[ST_MOVERS] + 1024,
			     &utcbs[ST_MOVERS]);
	for (uint32_t i = 0; i < ST_MOVERS; i++) {
		tids[i] = st_spawn(mover, i, stacks[i] + sizeof(stacks[i]),
				   &utcbs[i]);
		if (tids[i] < 0 || drift < 0) {
			printf("mover: cannot start thread %u: %d %d\n",
			       (unsigned)i, tids[i], drift);
			return 1;
		}
	}

	/* move the running drifter around, seeing it run on each core */
	uint32_t moved = 0, ran = 0, last = 0xff;
	for (uint32_t d = 0; d < ST_DRIFTS; d++) {
		uint32_t to = cores[(d + 1) % ncores], cpu = 0xff;
		int mask = sys_thread_cpus((uint32_t)drift, 1u << to, &cpu);
		moved += mask == (int)(1u << to) && cpu == to;
		last = to;
		uint32_t before = drift_spins, waited = 0;
		uint64_t t0, now;
		uint32_t hz;
		sys_time(&t0, &hz);
		do {
			sys_yield();
			sys_time(&now, &hz);
		} while (drift_spins == before &&
			 (waited = (uint32_t)(now - t0)) < DRIFT_WAIT_TICKS);
		ran += drift_spins != before;
	}
	drift_stop = 1;
	int dcode = sys_thread_wait((uint32_t)drift, NULL);
	for (uint32_t i = 0; i < ST_MOVERS; i++)
		codes |= sys_thread_wait((uint32_t)tids[i], NULL);

	/* the masks the kernel refuses, and nothing changed by them */
	uint32_t online = sys_cpus_online() & ST_ALL_CPUS;
	uint32_t offline = ~online & ST_ALL_CPUS, cpu0 = st_core(), cpu1 = 0xff;
	int outside = sys_thread_cpus(0, 1u << ST_MAX_CPUS, NULL);
	int off = offline ? sys_thread_cpus(0, offline, NULL) : -E_INVAL;
	int mask = sys_thread_cpus(0, 0, &cpu1);

	uint32_t nhops = 0, nbad = 0, ncalls = 0, ncallbad = 0, npinned = 0;
	for (uint32_t i = 0; i < ST_MOVERS; i++) {
		nhops += hops[i];
		nbad += bad_move[i] + bad_core[i] + bad_widen[i];
		ncalls += calls[i];
		ncallbad += bad_call[i];
		npinned += pinned[i];
	}
	uint32_t want = ncores > 1 ? ST_MOVERS * ST_MOVER_HOPS : 0;
	ST_RESULT(&t, SUITE, "hops_exact", nhops == want && nbad == 0 &&
		  npinned == ST_MOVERS && codes == 0,
		  "%u core changes (want %u), %u wrong cores, %u of %u pinned,"
		  " exit codes %d", (unsigned)nhops, (unsigned)want,
		  (unsigned)nbad, (unsigned)npinned, ST_MOVERS, codes);
	ST_RESULT(&t, SUITE, "calls_while_moving",
		  ncalls == ST_MOVERS * ST_MOVER_HOPS && ncallbad == 0,
		  "%u answered right, %u wrong, want %u", (unsigned)ncalls,
		  (unsigned)ncallbad, ST_MOVERS * ST_MOVER_HOPS);
	ST_RESULT(&t, SUITE, "mutex_while_moving",
		  shared == ST_MOVERS * ST_MOVER_HOPS && mx.word == 0,
		  "counter %u, want %u, mutex word %u", (unsigned)shared,
		  ST_MOVERS * ST_MOVER_HOPS, (unsigned)mx.word);
	ST_RESULT(&t, SUITE, "running_thread_moved",
		  moved == ST_DRIFTS && ran == ST_DRIFTS && dcode == 0 &&
			  drift_core == last,
		  "moved %u of %u, ran after %u, ended on core %u (want %u), "
		  "code %d", (unsigned)moved, ST_DRIFTS, (unsigned)ran,
		  (unsigned)drift_core, (unsigned)last, dcode);
	ST_RESULT(&t, SUITE, "bad_masks_refused",
		  outside == -E_INVAL && off == -E_INVAL &&
			  mask == (int)ST_ALL_CPUS && cpu1 == cpu0,
		  "outside %d, offline 0x%x: %d, mask after 0x%x, core %u "
		  "then %u", outside, (unsigned)offline, off, (unsigned)mask,
		  (unsigned)cpu0, (unsigned)cpu1);
	printf("mover: %u threads on %u cores: %u hops, %u calls, counter %u, "
	       "drifter moved %u times\n", ST_MOVERS, (unsigned)ncores,
	       (unsigned)nhops, (unsigned)ncalls, (unsigned)shared,
	       (unsigned)moved);
	st_report(ST_MOVER, t.passed, t.failed, 0);
	return t.failed ? 1 : 0;
}
