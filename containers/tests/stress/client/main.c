/*
 * client: ST_CLIENTS threads, thread i pinned to the (i mod n)-th online
 * core, each makes ST_CLIENT_CALLS calls to the conductor's servers on
 * the other online cores in turn (its own core's server when it is the
 * only one) and checks every answer word for word.
 */
#include <stddef.h>
#include <tessera/test.h>
#include "../common/stress.h"

#define SUITE "client"

static uint32_t servers[ST_MAX_CPUS], cores[ST_MAX_CPUS], ncores;
static volatile uint32_t ok[ST_CLIENTS], bad[ST_CLIENTS], cross[ST_CLIENTS];
static volatile uint32_t pinned[ST_CLIENTS], stayed[ST_CLIENTS];
static volatile int first_err[ST_CLIENTS];
static uint8_t stacks[ST_CLIENTS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[ST_CLIENTS] __attribute__((aligned(UTCB_SIZE)));

static int client(uint32_t i)
{
	uint32_t me = cores[i % ncores], others[ST_MAX_CPUS];
	uint32_t no = st_other_cores(me, cores, ncores, others);

	pinned[i] = st_pin(me);
	for (uint32_t k = 0; k < ST_CLIENT_CALLS; k++) {
		uint32_t c = others[(k + i) % no];
		int r = st_serve_call(servers[c], ST_CALL_CLIENT, (i << 16) | k,
				      i, k, c);
		if (r == 0) {
			ok[i]++;
			cross[i] += c != me;
		} else {
			bad[i]++;
			if (!first_err[i])
				first_err[i] = r;
		}
	}
	stayed[i] = st_core() == me;
	return 0;
}

int main(void)
{
	struct st_tally t = {0, 0};
	int tids[ST_CLIENTS], codes = 0;

	if (st_hello(ST_CLIENT, 0, servers) != 0)
		return 1;
	ncores = st_online(cores);
	for (uint32_t i = 0; i < ST_CLIENTS; i++) {
		tids[i] = st_spawn(client, i, stacks[i] + sizeof(stacks[i]),
				   &utcbs[i]);
		if (tids[i] < 0) {
			printf("client: cannot start thread %u: %d\n",
			       (unsigned)i, tids[i]);
			return 1;
		}
	}
	for (uint32_t i = 0; i < ST_CLIENTS; i++)
		codes |= sys_thread_wait((uint32_t)tids[i], NULL);

	uint32_t sum = 0, nbad = 0, ncross = 0, npinned = 0;
	int err = 0;
	for (uint32_t i = 0; i < ST_CLIENTS; i++) {
		sum += ok[i];
		nbad += bad[i];
		ncross += cross[i];
		npinned += pinned[i] && stayed[i];
		if (!err)
			err = first_err[i];
	}
	ST_RESULT(&t, SUITE, "threads_pinned", npinned == ST_CLIENTS &&
		  codes == 0, "%u of %u pinned and stayed, exit codes %d",
		  (unsigned)npinned, ST_CLIENTS, codes);
	ST_RESULT(&t, SUITE, "calls_answered_exactly",
		  sum == ST_CLIENTS * ST_CLIENT_CALLS && nbad == 0,
		  "%u answered right of %u, %u wrong (first error %d)",
		  (unsigned)sum, ST_CLIENTS * ST_CLIENT_CALLS, (unsigned)nbad,
		  err);
	uint32_t want = ncores > 1 ? ST_CLIENTS * ST_CLIENT_CALLS : 0;
	ST_RESULT(&t, SUITE, "calls_crossed_cores", ncross == want,
		  "%u calls to another core's server, want %u",
		  (unsigned)ncross, (unsigned)want);
	printf("client: %u threads on %u cores: %u calls answered, %u across "
	       "cores\n", ST_CLIENTS, (unsigned)ncores, (unsigned)sum,
	       (unsigned)ncross);
	st_report(ST_CLIENT, t.passed, t.failed, 0);
	return t.failed ? 1 : 0;
}
