/*
 * crasher: restart = "on-failure", restart_limit = ST_CRASHER_LIMIT. In
 * every life its pager starts ST_CRASHER_CALLERS threads that call the
 * conductor's servers on other cores without end and ST_CRASHER_SPINNERS
 * that spin (yielding) on every online core, every other turn taking a
 * shared mutex and yielding while they hold it (so some wait for it in
 * the kernel when the life ends), waits until each caller has
 * made ST_CRASHER_MIN_CALLS calls and each spinner has run, tells the
 * conductor, and dies while they all run: an even life by a data abort
 * of its pager, an odd one by returning ST_CRASH_EXIT. The kernel ends
 * its threads on the other cores and restarts it. The last life
 * (restarts == limit) does a fixed amount of work, checks it and reports.
 */
#include <stddef.h>
#include <tessera/mutex.h>
#include <tessera/test.h>
#include "../common/stress.h"

#define SUITE "crasher"
#define THREADS (ST_CRASHER_CALLERS + ST_CRASHER_SPINNERS)
#define GIVE_UP_TICKS 1000

static uint32_t servers[ST_MAX_CPUS], cores[ST_MAX_CPUS], ncores, life;
static volatile uint32_t calls[ST_CRASHER_CALLERS], bad[ST_CRASHER_CALLERS];
static volatile uint32_t spins[ST_CRASHER_SPINNERS], pinned[THREADS];
static struct mutex mx = MUTEX_INIT;
static volatile uint32_t locked; /* turns under mx */
static uint8_t stacks[THREADS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[THREADS] __attribute__((aligned(UTCB_SIZE)));

static int caller(uint32_t i)
{
	uint32_t me = cores[(i + life) % ncores], others[ST_MAX_CPUS];
	uint32_t no = st_other_cores(me, cores, ncores, others);
	bool last = life == ST_CRASHER_LIMIT;

	pinned[i] = st_pin(me);
	for (uint32_t k = 0; !last || k < ST_CRASHER_FINAL_CALLS; k++) {
		uint32_t c = others[k % no];
		if (st_serve_call(servers[c], ST_CALL_CRASHER, k * 7 + i, life,
				  k, c) == 0)
			calls[i]++;
		else
			bad[i]++;
	}
	return 0;
}

static int spinner(uint32_t i)
{
	pinned[ST_CRASHER_CALLERS + i] = st_pin(cores[i % ncores]);
	while (life != ST_CRASHER_LIMIT || spins[i] < ST_CRASHER_FINAL_SPINS) {
		if (!(spins[i] & 1)) { /* every other turn: hold the mutex
					* across a yield, others wait */
			mutex_lock(&mx);
			locked = locked + 1;
			sys_yield();
			mutex_unlock(&mx);
		}
		spins[i]++;
		sys_yield();
	}
	return 0;
}

static uint32_t sum(const volatile uint32_t *a, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += a[i];
	return s;
}

/* Every caller made its minimum of calls and every spinner ran. */
static bool all_working(void)
{
	for (uint32_t i = 0; i < ST_CRASHER_CALLERS; i++)
		if (calls[i] < ST_CRASHER_MIN_CALLS)
			return false;
	for (uint32_t i = 0; i < ST_CRASHER_SPINNERS; i++)
		if (!spins[i])
			return false;
	return true;
}

int main(void)
{
	struct st_tally t = {0, 0};
	int tids[THREADS];

	life = container_region.restarts;
	if (st_hello(ST_CRASHER, life, servers) != 0)
		return 1;
	ncores = st_online(cores);
	for (uint32_t i = 0; i < THREADS; i++) {
		bool c = i < ST_CRASHER_CALLERS;
		tids[i] = st_spawn(c ? caller : spinner,
				   c ? i : i - ST_CRASHER_CALLERS,
				   stacks[i] + sizeof(stacks[i]), &utcbs[i]);
		if (tids[i] < 0) {
			printf("crasher: cannot start thread %u: %d\n",
			       (unsigned)i, tids[i]);
			return 1;
		}
	}

	if (life < ST_CRASHER_LIMIT) {
		uint64_t t0, now;
		uint32_t hz;
		sys_time(&t0, &hz);
		do {
			sys_yield();
			sys_time(&now, &hz);
		} while (!all_working() && now - t0 < GIVE_UP_TICKS);
		uint32_t npinned = sum(pinned, THREADS);
		struct ipc_msg m = {.mr = {life, sum(calls, ST_CRASHER_CALLERS),
					   sum(bad, ST_CRASHER_CALLERS) +
						   (THREADS - npinned)}};
		st_call(ST_CONDUCTOR_TID, ST_DYING, &m);
		printf("crasher: life %u dies by %s, its %u threads working "
		       "on %u cores\n", (unsigned)life,
		       life % 2 ? "exit 7" : "a data abort", THREADS,
		       (unsigned)ncores);
		if (life % 2 == 0)
			*(volatile uint32_t *)ST_CRASH_ADDR = life;
		return ST_CRASH_EXIT;
	}

	int codes = 0;
	for (uint32_t i = 0; i < THREADS; i++)
		codes |= sys_thread_wait((uint32_t)tids[i], NULL);
	uint32_t ncalls = sum(calls, ST_CRASHER_CALLERS);
	uint32_t nbad = sum(bad, ST_CRASHER_CALLERS);
	uint32_t nspins = sum(spins, ST_CRASHER_SPINNERS);
	ST_RESULT(&t, SUITE, "last_life_is_the_limit",
		  life == ST_CRASHER_LIMIT, "life %u, want %u", (unsigned)life,
		  ST_CRASHER_LIMIT);
	ST_RESULT(&t, SUITE, "last_life_threads_pinned",
		  sum(pinned, THREADS) == THREADS && codes == 0,
		  "%u of %u pinned, exit codes %d",
		  (unsigned)sum(pinned, THREADS), THREADS, codes);
	ST_RESULT(&t, SUITE, "last_life_calls_exact",
		  ncalls == ST_CRASHER_CALLERS * ST_CRASHER_FINAL_CALLS &&
			  nbad == 0,
		  "%u answered right, %u wrong, want %u", (unsigned)ncalls,
		  (unsigned)nbad, ST_CRASHER_CALLERS * ST_CRASHER_FINAL_CALLS);
	uint32_t want_locked = ST_CRASHER_SPINNERS / 2 * ST_CRASHER_FINAL_SPINS;
	ST_RESULT(&t, SUITE, "last_life_spins_exact",
		  nspins == ST_CRASHER_SPINNERS * ST_CRASHER_FINAL_SPINS &&
			  locked == want_locked && mx.word == 0,
		  "%u spins, want %u; %u under the mutex, want %u",
		  (unsigned)nspins, ST_CRASHER_SPINNERS * ST_CRASHER_FINAL_SPINS,
		  (unsigned)locked, (unsigned)want_locked);
	printf("crasher: life %u: %u calls, %u spins (%u under the mutex) on "
	       "%u cores\n", (unsigned)life, (unsigned)ncalls,
	       (unsigned)nspins, (unsigned)locked, (unsigned)ncores);
	st_report(ST_CRASHER, t.passed, t.failed, life);
	return 0;
}
