/*
 * conductor: the first container of the stress system (its pager is tid
 * 1; ../common/stress.h). It starts one server thread pinned to each
 * online core, answers every other pager's hello with their tids, holds
 * the hellos of client, mover and counter until the crasher's first life
 * has started (so the crasher dies while they work), counts what each
 * server served, and when client, mover, counter and the crasher's last
 * life have reported, ends its servers, checks the totals and prints the
 * summary line of the whole run.
 */
#include <stddef.h>
#include <tessera/test.h>
#include "../common/stress.h"

#define SUITE "conductor"
#define LIVES (ST_CRASHER_LIMIT + 1)

static uint32_t server_tid[ST_MAX_CPUS];
static volatile uint32_t ready[ST_MAX_CPUS], core_ok[ST_MAX_CPUS];
static volatile uint32_t core_moved[ST_MAX_CPUS];
static volatile uint32_t served_client[ST_MAX_CPUS], served_mover[ST_MAX_CPUS];
static volatile uint32_t served_crasher[ST_MAX_CPUS][LIVES];
static volatile uint32_t bad_msgs[ST_MAX_CPUS], reply_failed[ST_MAX_CPUS];
static uint8_t stacks[ST_MAX_CPUS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[ST_MAX_CPUS] __attribute__((aligned(UTCB_SIZE)));

/* Serve calls on one core for ever (the conductor ends it). */
static int server(uint32_t core)
{
	struct ipc_msg m = {0};
	uint32_t n = 0;
	int r;

	core_ok[core] = st_pin(core);
	ready[core] = 1;
	r = ipc_receive(IPC_ANY, &m);
	for (;;) {
		if (r != 0) { /* a failed reply (the caller died) or receive */
			r = ipc_receive(IPC_ANY, &m);
			continue;
		}
		uint32_t label = IPC_TAG_LABEL(m.tag), x = m.mr[0];
		switch (label) {
		case ST_CALL_CLIENT:
			served_client[core]++;
			break;
		case ST_CALL_MOVER:
			served_mover[core]++;
			break;
		case ST_CALL_CRASHER:
			if (m.mr[1] < LIVES)
				served_crasher[core][m.mr[1]]++;
			else
				bad_msgs[core]++;
			break;
		default:
			bad_msgs[core]++;
		}
		if ((++n & 63) == 0 && st_core() != core)
			core_moved[core]++;
		uint32_t seq = m.mr[2], from = m.from;
		m = (struct ipc_msg){.mr = {st_answer(x), core, seq, ~x}};
		m.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0);
		r = ipc_reply_wait(from, &m);
		if (r != 0)
			reply_failed[core]++;
	}
	return 0;
}

/* Answer a thread that waits for our reply. */
static int answer(uint32_t to, struct ipc_msg *m)
{
	m->tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_SEND | IPC_NONBLOCK);
	return sys_ipc(to, 0, m);
}

static void answer_servers(uint32_t to)
{
	struct ipc_msg m = {.mr = {server_tid[0], server_tid[1], server_tid[2],
				   server_tid[3]}};
	answer(to, &m);
}

int main(void)
{
	struct st_tally t = {0, 0};
	uint32_t cores[ST_MAX_CPUS], n = st_online(cores);
	uint32_t passed = 0, failed = 0;
	uint64_t start_us = sys_time_us();

	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = cores[i];
		int tid = st_spawn(server, c, stacks[c] + sizeof(stacks[c]),
				   &utcbs[c]);
		if (tid < 0) {
			printf("conductor: cannot start the server on core "
			       "%u: %d\n", (unsigned)c, tid);
			return 1;
		}
		server_tid[c] = (uint32_t)tid;
	}
	for (uint32_t i = 0; i < n; i++)
		while (!ready[cores[i]])
			sys_yield();
	printf("conductor: %u cores online (mask 0x%x), servers %u %u %u %u\n",
	       (unsigned)n, (unsigned)sys_cpus_online(),
	       (unsigned)server_tid[0], (unsigned)server_tid[1],
	       (unsigned)server_tid[2], (unsigned)server_tid[3]);

	uint32_t held[ST_ROLES], nheld = 0;
	bool reported[ST_ROLES] = {false}, crasher_up = false;
	uint32_t checkins[16], nchk = 0, final_life = 0xffff;
	uint32_t dying_calls[LIVES] = {0}, dying_bad[LIVES] = {0};
	uint32_t dying_seen[LIVES] = {0}, during_work = 0, unknown = 0;

	while (!(reported[ST_CLIENT] && reported[ST_MOVER] &&
		 reported[ST_COUNTER] && reported[ST_CRASHER])) {
		struct ipc_msg m = {0};
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		uint32_t label = IPC_TAG_LABEL(m.tag), role = m.mr[0];
		if (label == ST_HELLO && role == ST_CRASHER) {
			if (nchk < 16)
				checkins[nchk++] = m.mr[1];
			answer_servers(m.from);
			if (!crasher_up) {
				crasher_up = true;
				for (uint32_t i = 0; i < nheld; i++)
					answer_servers(held[i]);
				nheld = 0;
			}
		} else if (label == ST_HELLO && role > 0 && role < ST_ROLES &&
			   nheld < ST_ROLES) {
			if (crasher_up)
				answer_servers(m.from);
			else
				held[nheld++] = m.from;
		} else if (label == ST_REPORT && role > 0 && role < ST_ROLES &&
			   !reported[role]) {
			reported[role] = true;
			passed += m.mr[1];
			failed += m.mr[2];
			if (role == ST_CRASHER)
				final_life = m.mr[3];
			uint32_t from = m.from;
			m = (struct ipc_msg){0};
			answer(from, &m);
		} else if (label == ST_DYING && m.mr[0] < LIVES) {
			uint32_t life = m.mr[0], from = m.from;
			dying_seen[life]++;
			dying_calls[life] = m.mr[1];
			dying_bad[life] = m.mr[2];
			during_work += !reported[ST_CLIENT] &&
				       !reported[ST_MOVER] &&
				       !reported[ST_COUNTER];
			m = (struct ipc_msg){0};
			answer(from, &m);
		} else {
			unknown++;
			uint32_t from = m.from;
			m = (struct ipc_msg){0};
			answer(from, &m);
		}
	}

	/* every report is in: end the servers (each on its own core) */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t tid = server_tid[cores[i]];
		sys_thread_destroy(tid, 0);
		sys_thread_wait(tid, NULL);
	}

	uint32_t client = 0, mover = 0, bad = 0, moved = 0, pinned = 0;
	uint32_t crasher[LIVES] = {0}, rfail = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = cores[i];
		client += served_client[c];
		mover += served_mover[c];
		bad += bad_msgs[c];
		moved += core_moved[c];
		pinned += core_ok[c];
		rfail += reply_failed[c];
		for (uint32_t l = 0; l < LIVES; l++)
			crasher[l] += served_crasher[c][l];
	}
	ST_RESULT(&t, SUITE, "servers_stayed_on_their_cores",
		  pinned == n && moved == 0,
		  "%u of %u servers pinned, %u found elsewhere",
		  (unsigned)pinned, (unsigned)n, (unsigned)moved);
	ST_RESULT(&t, SUITE, "client_calls_served",
		  client == ST_CLIENTS * ST_CLIENT_CALLS, "served %u, want %u",
		  (unsigned)client, ST_CLIENTS * ST_CLIENT_CALLS);
	ST_RESULT(&t, SUITE, "mover_calls_served",
		  mover == ST_MOVERS * ST_MOVER_HOPS, "served %u, want %u",
		  (unsigned)mover, ST_MOVERS * ST_MOVER_HOPS);
	ST_RESULT(&t, SUITE, "no_bad_messages", bad == 0 && unknown == 0,
		  "%u bad calls to the servers, %u unknown messages",
		  (unsigned)bad, (unsigned)unknown);

	bool lives_ok = nchk == LIVES && final_life == ST_CRASHER_LIMIT;
	for (uint32_t l = 0; l < nchk && l < LIVES; l++)
		lives_ok = lives_ok && checkins[l] == l;
	ST_RESULT(&t, SUITE, "crasher_came_back_every_life", lives_ok,
		  "%u check-ins (want %u, lives 0..%u in order), last life "
		  "reported %u", (unsigned)nchk, (unsigned)LIVES,
		  ST_CRASHER_LIMIT, (unsigned)final_life);
	bool deaths_ok = true;
	uint32_t dead_calls = 0;
	for (uint32_t l = 0; l < ST_CRASHER_LIMIT; l++) {
		deaths_ok = deaths_ok && dying_seen[l] == 1 &&
			    dying_bad[l] == 0 &&
			    dying_calls[l] >= ST_CRASHER_CALLERS *
						       ST_CRASHER_MIN_CALLS &&
			    crasher[l] >= dying_calls[l];
		dead_calls += dying_calls[l];
	}
	ST_RESULT(&t, SUITE, "crasher_lives_died_working", deaths_ok,
		  "lives 0..%u: dying %u %u %u, calls %u %u %u, bad %u %u %u,"
		  " served %u %u %u", ST_CRASHER_LIMIT - 1,
		  (unsigned)dying_seen[0], (unsigned)dying_seen[1],
		  (unsigned)dying_seen[2], (unsigned)dying_calls[0],
		  (unsigned)dying_calls[1], (unsigned)dying_calls[2],
		  (unsigned)dying_bad[0], (unsigned)dying_bad[1],
		  (unsigned)dying_bad[2], (unsigned)crasher[0],
		  (unsigned)crasher[1], (unsigned)crasher[2]);
	ST_RESULT(&t, SUITE, "crasher_final_life_calls_served",
		  crasher[ST_CRASHER_LIMIT] ==
			  ST_CRASHER_CALLERS * ST_CRASHER_FINAL_CALLS,
		  "served %u, want %u", (unsigned)crasher[ST_CRASHER_LIMIT],
		  ST_CRASHER_CALLERS * ST_CRASHER_FINAL_CALLS);
	ST_RESULT(&t, SUITE, "crashes_while_the_others_worked",
		  during_work == ST_CRASHER_LIMIT,
		  "%u of %u deaths while client, mover and counter all worked",
		  (unsigned)during_work, ST_CRASHER_LIMIT);

	printf("stress: %u us from the conductor's start to the end\n",
	       (unsigned)(sys_time_us() - start_us));
	printf("stress: cores %u (0x%x), client calls %u/%u, mover calls "
	       "%u/%u, crasher lives %u, crash-life calls %u, final-life "
	       "calls %u/%u, deaths during work %u, replies to the dead %u\n",
	       (unsigned)n, (unsigned)sys_cpus_online(), (unsigned)client,
	       ST_CLIENTS * ST_CLIENT_CALLS, (unsigned)mover,
	       ST_MOVERS * ST_MOVER_HOPS, (unsigned)nchk,
	       (unsigned)dead_calls, (unsigned)crasher[ST_CRASHER_LIMIT],
	       ST_CRASHER_CALLERS * ST_CRASHER_FINAL_CALLS,
	       (unsigned)during_work, (unsigned)rfail);
	passed += t.passed;
	failed += t.failed;
	test_summary(passed, failed, 0);
	return failed ? 1 : 0;
}
