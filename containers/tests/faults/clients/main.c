/*
 * clients: three threads call the server and are blocked in those calls
 * when the killer destroys the server. The server has received two of the
 * calls (those callers wait for its reply) and never receives the third
 * (that caller waits in its send queue); all three must get -E_DEAD.
 *
 * "Blocked in the call" is checked, not assumed: a caller makes its call
 * through fi_call_server below, and its pager reads its registers with
 * exchange_registers until its pc is the instruction after the svc (it
 * entered the call) while it has not yet recorded a result (the call has
 * not returned). Only then does the pager tell the killer.
 *
 * The kernel restarts the server (on-failure); the killer tells the
 * clients its new thread, and one more call must be answered.
 *
 * Channels by name: channel_lookup("server") names the thread the killer
 * says is the server, in its first life and in its second; between the
 * two (killed, restart pending) it is -E_BUSY, unless the restart came
 * first.
 */
#include <stddef.h>
#include "../common/fi.h"

#define SUITE "clients"
#define CALLERS 3
#define GIVE_UP_TICKS 1000

/* int fi_call_server(to, tag): an ipc call with MR0-MR3 zero */
__asm__(".pushsection .text\n"
	".arm\n"
	".p2align 2\n"
	".global fi_call_server\n"
	".type fi_call_server, %function\n"
	"fi_call_server:\n"
	"	push {r4-r7, lr}\n"
	"	mov r2, r1\n"
	"	mov r1, r0\n"
	"	mov r3, #0\n"
	"	mov r4, #0\n"
	"	mov r5, #0\n"
	"	mov r6, #0\n"
	"	mov r7, #0\n" /* SYS_ipc */
	"	svc #0\n"
	".global fi_call_server_returned\n"
	"fi_call_server_returned:\n"
	"	pop {r4-r7, pc}\n"
	".popsection\n");
int fi_call_server(uint32_t to, uint32_t tag);
extern const uint32_t fi_call_server_returned[];

static uint32_t server;
static volatile uint32_t returned[CALLERS];
static volatile int results[CALLERS];
static uint8_t stacks[CALLERS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[CALLERS] __attribute__((aligned(UTCB_SIZE)));
static struct fi_tally tally;

static int caller(uint32_t i)
{
	int r = fi_call_server(server,
			       IPC_TAG(FI_SERVE, 0, IPC_TYPE_SHORT, IPC_CALL));
	results[i] = r;
	returned[i] = 1;
	return r;
}

static bool in_call(int tid, uint32_t i)
{
	struct exregs r = {0};

	return sys_exchange_registers((uint32_t)tid, EXREGS_GET, &r) == 0 &&
	       r.pc == (uint32_t)(uintptr_t)fi_call_server_returned &&
	       !returned[i];
}

int main(void)
{
	struct ipc_msg m = {0};
	int tids[CALLERS];

	if (fi_checkin(FI_CLIENTS, 0, &m) < 0)
		return 1;
	server = m.mr[0];
	int first = channel_lookup("server");
	fi_result(&tally, SUITE, "lookup_names_the_server",
		  first == (int)server,
		  "channel_lookup(\"server\") %d, the killer says %u", first,
		  (unsigned)server);
	for (uint32_t i = 0; i < CALLERS; i++) {
		tids[i] = fi_spawn(TC_SAME_SPACE, caller, i,
				   stacks[i] + sizeof(stacks[i]),
				   &utcbs[i]);
		if (tids[i] < 0 || sys_thread_run((uint32_t)tids[i]) != 0) {
			printf("clients: cannot start caller %u: %d\n",
			       (unsigned)i, tids[i]);
			return 1;
		}
	}

	/* wait until all three are in their calls */
	uint64_t t0 = fi_now();
	uint32_t in = 0;
	while (fi_now() - t0 < GIVE_UP_TICKS) {
		in = 0;
		for (uint32_t i = 0; i < CALLERS; i++)
			in += in_call(tids[i], i);
		if (in == CALLERS)
			break;
		sys_yield();
	}
	fi_result(&tally, SUITE, "callers_blocked_in_their_calls",
		  in == CALLERS, "%u of %u callers in their calls after %u "
		  "ticks", (unsigned)in, CALLERS, (unsigned)(fi_now() - t0));

	/* the killer destroys the server, then tells us which two it held */
	m = (struct ipc_msg){.mr = {(uint32_t)tids[0], (uint32_t)tids[1],
				    (uint32_t)tids[2], in == CALLERS}};
	int err = fi_call(FI_KILLER_TID, FI_BLOCKED, &m);
	uint32_t held[2] = {m.mr[0], m.mr[1]};
	int between = channel_lookup("server"); /* killed; restart pending */

	int codes[CALLERS];
	uint32_t nheld = 0, held_dead = 0, queued = 0, queued_dead = 0;
	for (uint32_t i = 0; i < CALLERS; i++) {
		codes[i] = sys_thread_wait((uint32_t)tids[i], NULL);
		bool was_held = (uint32_t)tids[i] == held[0] ||
				(uint32_t)tids[i] == held[1];
		bool dead = codes[i] == -E_DEAD && results[i] == -E_DEAD;
		nheld += was_held;
		held_dead += was_held && dead;
		queued += !was_held;
		queued_dead += !was_held && dead;
	}
	fi_result(&tally, SUITE, "held_calls_end_with_E_DEAD",
		  err == 0 && nheld == 2 && held_dead == 2,
		  "killer answered %d; %u callers held by the server, %u got "
		  "-E_DEAD; codes %d %d %d", err, (unsigned)nheld,
		  (unsigned)held_dead, codes[0], codes[1], codes[2]);
	fi_result(&tally, SUITE, "queued_call_ends_with_E_DEAD",
		  err == 0 && queued == 1 && queued_dead == 1,
		  "%u callers queued, %u got -E_DEAD; codes %d %d %d",
		  (unsigned)queued, (unsigned)queued_dead, codes[0], codes[1],
		  codes[2]);

	/* the server is back: ask the killer where, and call it */
	m = (struct ipc_msg){0};
	int where = fi_call(FI_KILLER_TID, FI_WHERE, &m);
	uint32_t again = m.mr[0];
	int second = channel_lookup("server");
	fi_result(&tally, SUITE, "lookup_follows_the_restart",
		  where == 0 && again != server && second == (int)again &&
			  (between == -E_BUSY ||
			   (between > 0 && (uint32_t)between != server)),
		  "between lives %d; second life: lookup %d, the killer says "
		  "%u (first life %u)", between, second, (unsigned)again,
		  (unsigned)server);
	m = (struct ipc_msg){.mr = {41}};
	int call = where ? where : fi_call(again, FI_SERVE, &m);
	fi_result(&tally, SUITE, "restarted_server_answers",
		  where == 0 && call == 0 && m.mr[0] == 42,
		  "asked the killer: %d, called tid %u: %d, answer %u (want "
		  "42)", where, (unsigned)again, call, (unsigned)m.mr[0]);

	fi_report(tally.passed, tally.failed, 0, 0);
	return tally.failed ? 1 : 0;
}
