/*
 * killer: conducts the fault-injection run (configs/faults.toml) and kills
 * what must be killed. Its capabilities beyond its own container: destroy
 * on "server" and "runaway" (thread_control), read on "runaway"
 * (exchange_registers) and a channel to "victim". It has no capability on
 * anything else, and checks that a destroy without one is refused.
 *
 * It first collects every container's check-in (see fi.h), then runs the
 * scenarios one at a time:
 *
 *  1. server/clients: once the server holds two calls of the clients and
 *     the third waits in its send queue, destroy the server; the clients
 *     report -E_DEAD for all three; the kernel restarts the server, and
 *     its second life answers the clients' next call and exits;
 *  2. crashes: crash_data (data aborts, always), crash_prefetch (prefetch
 *     aborts), crash_undef (undefined instructions, enough restarts for
 *     the back-off to reach its 64-tick cap), flaky (succeeds on its third
 *     life and stays stopped), pager_error (its pager refuses its child's
 *     fault and exits with the child's code), crash_budget (exhausts its
 *     threads budget and exits with -E_BUDGET), all on-failure but the
 *     first. Each life is answered, then awaited until the kernel has torn
 *     it down; the back-off is measured as the ticks from one life's end
 *     to the next life's check-in;
 *  3. runaway: its two threads spin at a higher priority for a while; they
 *     must have spun and the victim must have kept working; then destroy
 *     it; its second life exits at once;
 *  4. the restart storm: restarter lives 201 times (restart = "always",
 *     limit 200) while nothing else creates kernel objects, so the free
 *     page figures of its deaths can be compared (test_faults.py);
 *
 * then tells the victim to finish, collects its results and prints the
 * run's one "N passed, N failed" line: the clients and the victim report
 * their tallies here, so it counts every TEST line of the run.
 */
#include <stddef.h>
#include "../common/fi.h"

#define SUITE "killer"
#define RUNAWAY_FIRST 5   /* ticks before the first look at the runaway */
#define RUNAWAY_WINDOW 40 /* ticks it spins, at least */
#define BACKOFF_CAP 64    /* the kernel's RESTART_BACKOFF_MAX_TICKS */
#define BACKOFF_SLACK 5   /* ticks a new life may take to check in */
#define STORM_LIVES (FI_RESTARTER_LIMIT + 1)
#define MAX_LIVES 16      /* lives whose gaps and reports are kept */

static struct fi_tally tally;

/* A check-in received and not answered yet, per scenario. */
static struct {
	bool held;
	uint32_t tid, arg, container;
	uint64_t at; /* when it came */
} pending[FI_SCENARIOS];
static uint32_t unexpected; /* messages nobody should have sent */
static uint32_t checkins[FI_SCENARIOS]; /* lives that checked in so far */
static uint32_t wrong_restarts; /* check-ins whose restart count was off */

/* The last message of each of these labels, until taken. */
static const uint32_t mail_labels[] = {FI_HOLDING, FI_BLOCKED, FI_WHERE,
				       FI_REPORT};
#define MAILBOXES (sizeof(mail_labels) / sizeof(mail_labels[0]))
static struct {
	bool full;
	struct ipc_msg m;
} mail[MAILBOXES];
static uint32_t server_tid, victim_helper;

static void unexpected_message(const struct ipc_msg *m)
{
	struct ipc_msg no = {.mr = {0xdeadu}};

	unexpected++;
	printf("killer: unexpected message, label 0x%x from tid %u\n",
	       (unsigned)IPC_TAG_LABEL(m->tag), (unsigned)m->from);
	fi_answer(m->from, &no); /* a caller must not stay blocked on us */
}

/* Take one message from anyone and file it. */
static void receive_one(void)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	if (err) {
		unexpected++;
		printf("killer: receive failed: %d\n", err);
		return;
	}
	uint32_t label = IPC_TAG_LABEL(m.tag), sc = m.mr[0];
	if (label == FI_CHECKIN && sc > 0 && sc < FI_SCENARIOS &&
	    !pending[sc].held) {
		pending[sc].held = true;
		pending[sc].tid = m.from;
		pending[sc].arg = m.mr[1];
		pending[sc].container = m.mr[2];
		pending[sc].at = fi_now();
		/* the kernel's count of restarts, as the pager was told at its
		 * start, is its life number */
		if (m.mr[3] != checkins[sc]++) {
			wrong_restarts++;
			printf("killer: %u checked in as restart %u, life %u\n",
			       (unsigned)sc, (unsigned)m.mr[3],
			       (unsigned)checkins[sc] - 1);
		}
		return;
	}
	for (uint32_t i = 0; i < MAILBOXES; i++) {
		if (label == mail_labels[i] && !mail[i].full) {
			mail[i].full = true;
			mail[i].m = m;
			return;
		}
	}
	unexpected_message(&m);
}

/* The next message with this label (its sender waits for our answer). */
static struct ipc_msg mail_of(uint32_t label)
{
	uint32_t i = 0;

	while (mail_labels[i] != label)
		i++;
	while (!mail[i].full)
		receive_one();
	mail[i].full = false;
	return mail[i].m;
}

/* The check-in of a scenario (the next life's, if need be); waits. */
static uint32_t checkin_of(uint32_t sc)
{
	while (!pending[sc].held)
		receive_one();
	pending[sc].held = false;
	return pending[sc].tid;
}

/* Answer tid's call and wait for its next message: 0 with the message in
 * m, or -E_DEAD once the thread has ended (the kernel wakes us then). */
static int answer_and_wait(uint32_t tid, struct ipc_msg *m)
{
	m->tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_SEND | IPC_RECV);
	return sys_ipc(tid, tid, m);
}

/* How many rounds the victim has done (its helper answers). */
static uint32_t victim_rounds(void)
{
	struct ipc_msg m = {0};

	return fi_call(victim_helper, FI_PROGRESS, &m) ? 0 : m.mr[0];
}

static void wait_until(uint64_t tick)
{
	while (fi_now() < tick)
		sys_yield();
}

static uint32_t r4_of(uint32_t tid)
{
	struct exregs r = {0};

	return sys_exchange_registers(tid, EXREGS_GET, &r) ? 0 : r.r[4];
}

/* ---- lives ------------------------------------------------------------- */

struct lives {
	uint32_t checked_in;       /* lives that checked in */
	uint32_t died;             /* ... and whose end woke us with -E_DEAD */
	uint32_t gap[MAX_LIVES];   /* ticks from end i to check-in i + 1 */
	uint32_t gap_min, gap_max; /* over every life */
	struct ipc_msg report[MAX_LIVES]; /* each life's report */
	uint32_t reports;
};

static struct lives lives;

/*
 * Let a scenario live n times: answer each check-in with its life number,
 * take its reports, wait for its end, then for the next life's check-in.
 *
 * A life's end is timed by the tick of our last answer, read before it:
 * the life ends after that, so the gap to the next check-in is never less
 * than the kernel's back-off (reading the clock after the end could be a
 * tick late, and the gap one tick short).
 */
static void run_lives(uint32_t sc, uint32_t n, struct lives *l)
{
	uint64_t ended_at = 0;

	*l = (struct lives){.gap_min = UINT32_MAX};
	for (uint32_t life = 0; life < n; life++) {
		uint32_t tid = checkin_of(sc);
		struct ipc_msg m = {.mr = {life}};
		int err;

		l->checked_in++;
		if (life) {
			uint32_t gap = (uint32_t)(pending[sc].at - ended_at);
			if (life - 1 < MAX_LIVES)
				l->gap[life - 1] = gap;
			l->gap_min = gap < l->gap_min ? gap : l->gap_min;
			l->gap_max = gap > l->gap_max ? gap : l->gap_max;
		}
		for (;;) {
			ended_at = fi_now();
			if ((err = answer_and_wait(tid, &m)) != 0)
				break;
			if (IPC_TAG_LABEL(m.tag) != FI_REPORT) {
				unexpected++;
			} else {
				if (life < MAX_LIVES)
					l->report[life] = m;
				l->reports++;
			}
			m = (struct ipc_msg){0};
		}
		if (err == -E_DEAD)
			l->died++;
		else
			printf("killer: scenario %u life %u ended with %d\n",
			       (unsigned)sc, (unsigned)life, err);
	}
}

/*
 * Do the gaps follow the policy? always: the next tick; on-failure: 1, 2,
 * 4 .. 64 ticks. Returns the first restart (0-based) that does not, or -1.
 */
static int backoff_bad(const struct lives *l, uint32_t restarts,
		       bool always)
{
	for (uint32_t k = 0; k < restarts && k < MAX_LIVES; k++) {
		uint32_t want = always ? 1 : k < 6 ? 1u << k : BACKOFF_CAP;
		if (l->gap[k] < want || l->gap[k] > want + BACKOFF_SLACK)
			return (int)k;
	}
	return -1;
}

static void print_gaps(const char *name, const struct lives *l, uint32_t n)
{
	char line[200];
	int len = snprintf(line, sizeof(line), "killer: %s back-off (ticks):",
			   name);

	for (uint32_t k = 0; k < n && k < MAX_LIVES; k++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %u",
				(unsigned)l->gap[k]);
	printf("%s\n", line);
}

/* A scenario whose every life ends by itself, n lives, n - 1 restarts. */
static void crash_test(const char *name, uint32_t sc, uint32_t n,
		       bool always)
{
	run_lives(sc, n, &lives);
	print_gaps(name, &lives, n - 1);
	int bad = backoff_bad(&lives, n - 1, always);
	fi_result(&tally, SUITE, name,
		  lives.checked_in == n && lives.died == n && bad < 0 &&
			  lives.reports == 0,
		  "%u lives checked in, %u ended, %u reports (want %u, %u, "
		  "0); back-off of restart %d: %u ticks",
		  (unsigned)lives.checked_in, (unsigned)lives.died,
		  (unsigned)lives.reports, (unsigned)n, (unsigned)n, bad + 1,
		  bad < 0 ? 0u : (unsigned)lives.gap[bad]);
}

/* ---- the scenarios ----------------------------------------------------- */

/* Every container checks in once; the victim and the server start now. */
static void collect(void)
{
	bool seen[FI_SCENARIOS] = {false};
	uint32_t n = 0, containers = 0;

	while (n < FI_SCENARIOS - 1) {
		receive_one();
		for (uint32_t sc = 1; sc < FI_SCENARIOS; sc++) {
			if (!pending[sc].held || seen[sc])
				continue;
			seen[sc] = true;
			n++;
			containers |= 1u << pending[sc].container;
			if (sc != FI_VICTIM && sc != FI_SERVER)
				continue;
			struct ipc_msg go = {0};
			uint32_t tid = checkin_of(sc);
			if (sc == FI_VICTIM)
				victim_helper = pending[sc].arg;
			else
				server_tid = tid;
			fi_answer(tid, &go);
		}
	}
	/* the killer is container 0; the others 1 .. 11, once each */
	uint32_t want = ((1u << FI_SCENARIOS) - 1) & ~1u;
	fi_result(&tally, SUITE, "every_container_checked_in",
		  fi_self() == FI_KILLER_TID && containers == want &&
			  kip_get()->nr_containers == FI_SCENARIOS,
		  "tid %u, containers 0x%x (want 0x%x), %u containers",
		  (unsigned)fi_self(), (unsigned)containers, (unsigned)want,
		  (unsigned)kip_get()->nr_containers);
}

static bool is_caller(const struct ipc_msg *blocked, uint32_t tid)
{
	return tid && (tid == blocked->mr[0] || tid == blocked->mr[1] ||
		       tid == blocked->mr[2]);
}

/* Destroy the server while it holds two calls and a third is queued;
 * the kernel brings it back and it serves the clients again. */
static void scenario_server(struct fi_tally *clients_tally)
{
	uint32_t clients = checkin_of(FI_CLIENTS);
	struct ipc_msg m = {.mr = {server_tid}};

	fi_answer(clients, &m); /* they may call the server now */
	struct ipc_msg holding = mail_of(FI_HOLDING);
	struct ipc_msg blocked = mail_of(FI_BLOCKED);

	/* nothing grants a destroy on the victim or the clients */
	int on_victim = sys_thread_destroy(victim_helper, FI_KILL_CODE);
	int on_client = sys_thread_destroy(blocked.mr[0], FI_KILL_CODE);
	fi_result(&tally, SUITE, "destroy_needs_a_capability",
		  on_victim == -E_PERM && on_client == -E_PERM,
		  "destroy of the victim's helper: %d, of a client: %d "
		  "(want %d)", on_victim, on_client, -E_PERM);

	uint64_t killed_at = fi_now(); /* it ends in this tick or later */
	int killed = sys_thread_destroy(server_tid, FI_KILL_CODE);
	/* gone: a tid our container never had is -E_PERM, never -E_NOENT
	 * (the kernel does not say whether another container's thread
	 * exists); the capability would allow the destroy of a live one */
	int again = sys_thread_destroy(server_tid, FI_KILL_CODE);
	bool two_held = is_caller(&blocked, holding.mr[0]) &&
			is_caller(&blocked, holding.mr[1]) &&
			holding.mr[0] != holding.mr[1];
	fi_result(&tally, SUITE, "server_destroyed_holding_two_calls",
		  killed == 0 && again == -E_PERM && two_held &&
			  holding.from == server_tid &&
			  blocked.from == clients && holding.mr[2] == 1,
		  "destroy %d, again %d; server %u held %u and %u (labels "
		  "%s) of callers %u %u %u",
		  killed, again, (unsigned)holding.from,
		  (unsigned)holding.mr[0], (unsigned)holding.mr[1],
		  holding.mr[2] ? "right" : "wrong", (unsigned)blocked.mr[0],
		  (unsigned)blocked.mr[1], (unsigned)blocked.mr[2]);

	/* tell the clients which two it held; they reap their callers */
	m = (struct ipc_msg){.mr = {holding.mr[0], holding.mr[1]}};
	fi_answer(clients, &m);

	/* its second life: the clients call it once, then it exits */
	uint32_t back = checkin_of(FI_SERVER);
	uint32_t gap = (uint32_t)(pending[FI_SERVER].at - killed_at);
	struct ipc_msg where = mail_of(FI_WHERE);
	m = (struct ipc_msg){.mr = {back}};
	fi_answer(where.from, &m);
	m = (struct ipc_msg){.mr = {1}};
	int ended = answer_and_wait(back, &m);
	fi_result(&tally, SUITE, "server_restarted_served_and_ended",
		  where.from == clients && ended == -E_DEAD && gap >= 1 &&
			  gap <= 1 + BACKOFF_SLACK,
		  "asked by %u (clients %u); back as %u after %u ticks; "
		  "ended %d", (unsigned)where.from, (unsigned)clients,
		  (unsigned)back, (unsigned)gap, ended);

	/* the clients' tally, and their end */
	struct ipc_msg report = mail_of(FI_REPORT);
	clients_tally->passed = report.mr[0];
	clients_tally->failed = report.mr[1];
	m = (struct ipc_msg){0};
	int gone = answer_and_wait(report.from, &m);
	fi_result(&tally, SUITE, "clients_reported_and_ended",
		  report.from == clients && gone == -E_DEAD &&
			  report.mr[0] + report.mr[1] > 0,
		  "clients: %u passed, %u failed, from %u; their end %d",
		  (unsigned)report.mr[0], (unsigned)report.mr[1],
		  (unsigned)report.from, gone);
}

static void scenario_pager_error(void)
{
	uint32_t n = FI_PAGER_ERROR_LIMIT + 1, good = 0;

	run_lives(FI_PAGER_ERROR, n, &lives);
	print_gaps("pager_error", &lives, n - 1);
	for (uint32_t i = 0; i < n; i++) {
		const struct ipc_msg *r = &lives.report[i];
		good += r->mr[0] == FI_FAULT_EXIT(FAULT_DATA) &&
			r->mr[1] == FI_PE_ADDR && r->mr[2] == 1;
	}
	int bad = backoff_bad(&lives, n - 1, false);
	const struct ipc_msg *r = &lives.report[n - 1];
	fi_result(&tally, SUITE, "pager_error",
		  lives.died == n && lives.reports == n && good == n && bad < 0,
		  "ended %u of %u, %u good reports (last: child's fault "
		  "address 0x%x, code %u, fault message %s); back-off of "
		  "restart %d: %u", (unsigned)lives.died, (unsigned)n,
		  (unsigned)good, (unsigned)r->mr[1], (unsigned)r->mr[0],
		  r->mr[2] ? "right" : "wrong", bad + 1,
		  bad < 0 ? 0u : (unsigned)lives.gap[bad]);
}

static void scenario_budget(void)
{
	uint32_t n = FI_BUDGET_LIMIT + 1, good = 0;

	run_lives(FI_BUDGET, n, &lives);
	print_gaps("crash_budget", &lives, n - 1);
	for (uint32_t i = 0; i < n; i++) {
		const struct ipc_msg *r = &lives.report[i];
		good += r->mr[0] == FI_BUDGET_THREADS &&
			(int)r->mr[1] == -E_BUDGET && r->mr[2] == 1;
	}
	int bad = backoff_bad(&lives, n - 1, false);
	const struct ipc_msg *r = &lives.report[n - 1];
	fi_result(&tally, SUITE, "crash_budget",
		  lives.died == n && lives.reports == n && good == n && bad < 0,
		  "ended %u of %u, %u good reports (last: %u threads, then "
		  "%d, new space %s); back-off of restart %d: %u",
		  (unsigned)lives.died, (unsigned)n, (unsigned)good,
		  (unsigned)r->mr[0], (int)r->mr[1],
		  r->mr[2] ? "made" : "not made", bad + 1,
		  bad < 0 ? 0u : (unsigned)lives.gap[bad]);
}

static void scenario_runaway(void)
{
	uint32_t pager = checkin_of(FI_RUNAWAY);
	uint32_t child = pending[FI_RUNAWAY].arg;
	struct ipc_msg m = {0};

	fi_answer(pager, &m); /* it runs its child and spins */
	uint64_t t0 = fi_now();
	wait_until(t0 + RUNAWAY_FIRST);
	uint32_t p0 = r4_of(pager), c0 = r4_of(child), v0 = victim_rounds();
	wait_until(t0 + RUNAWAY_WINDOW);
	uint32_t p1 = r4_of(pager), c1 = r4_of(child), v1 = victim_rounds();
	uint32_t ticks = (uint32_t)(fi_now() - t0);

	int killed = sys_thread_destroy(pager, FI_KILL_CODE);
	int pager_gone = sys_thread_destroy(pager, FI_KILL_CODE);
	int child_gone = sys_thread_destroy(child, FI_KILL_CODE);
	printf("killer: runaway spun %u ticks: its threads counted %u and %u, "
	       "the victim did %u rounds\n", (unsigned)ticks,
	       (unsigned)(p1 - p0), (unsigned)(c1 - c0), (unsigned)(v1 - v0));
	fi_result(&tally, SUITE, "runaway_spun_while_the_victim_worked",
		  p1 != p0 && c1 != c0 && v1 > v0, /* the counts may wrap */
		  "pager counter %u -> %u, child %u -> %u, victim rounds %u "
		  "-> %u", (unsigned)p0, (unsigned)p1, (unsigned)c0,
		  (unsigned)c1, (unsigned)v0, (unsigned)v1);
	fi_result(&tally, SUITE, "runaway_destroyed_with_its_threads",
		  killed == 0 && pager_gone == -E_PERM &&
			  child_gone == -E_PERM, /* gone, as for the server */
		  "destroy %d, then pager %d, child %d (want 0, %d, %d)",
		  killed, pager_gone, child_gone, -E_PERM, -E_PERM);

	/* its second life exits at once */
	uint32_t back = checkin_of(FI_RUNAWAY);
	m = (struct ipc_msg){.mr = {1}};
	int ended = answer_and_wait(back, &m);
	fi_result(&tally, SUITE, "runaway_restarted_and_ended",
		  ended == -E_DEAD, "its second life (tid %u) ended with %d",
		  (unsigned)back, ended);
}

static void scenario_storm(void)
{
	run_lives(FI_RESTARTER, STORM_LIVES, &lives);
	printf("killer: restarter lived %u times, %u to %u ticks between "
	       "lives\n", (unsigned)lives.checked_in, (unsigned)lives.gap_min,
	       (unsigned)lives.gap_max);
	fi_result(&tally, SUITE,
		  "restarter_restarted_200_times_at_the_next_tick",
		  lives.checked_in == STORM_LIVES &&
			  lives.died == STORM_LIVES && lives.gap_min >= 1 &&
			  lives.gap_max <= 1 + BACKOFF_SLACK,
		  "%u lives, %u ended (want %u); %u to %u ticks between lives",
		  (unsigned)lives.checked_in, (unsigned)lives.died,
		  (unsigned)STORM_LIVES, (unsigned)lives.gap_min,
		  (unsigned)lives.gap_max);
}

int main(void)
{
	struct fi_tally clients = {0}, victim = {0};
	uint32_t rounds[5];

	collect();
	scenario_server(&clients);

	rounds[0] = victim_rounds();
	crash_test("crash_data", FI_CRASH_DATA, FI_DATA_LIMIT + 1, true);
	crash_test("crash_prefetch", FI_CRASH_PREFETCH, FI_PREFETCH_LIMIT + 1,
		   false);
	crash_test("crash_undef", FI_CRASH_UNDEF, FI_UNDEF_LIMIT + 1, false);
	crash_test("flaky", FI_FLAKY, FI_FLAKY_SUCCEEDS_AT + 1, false);
	scenario_pager_error();
	scenario_budget();
	rounds[1] = victim_rounds();
	scenario_runaway();
	rounds[2] = victim_rounds();
	scenario_storm();
	rounds[3] = victim_rounds();

	/* the victim finishes its round, checks, prints, answers */
	struct ipc_msg m = {0};
	int done = fi_call(victim_helper, FI_DONE, &m);
	victim.passed = m.mr[0];
	victim.failed = m.mr[1];
	rounds[4] = m.mr[2];
	printf("killer: victim rounds at each phase: %u %u %u %u %u\n",
	       (unsigned)rounds[0], (unsigned)rounds[1], (unsigned)rounds[2],
	       (unsigned)rounds[3], (unsigned)rounds[4]);
	fi_result(&tally, SUITE, "victim_worked_through_every_phase",
		  done == 0 && rounds[0] > 0 && rounds[1] > rounds[0] &&
			  rounds[2] > rounds[1] && rounds[3] > rounds[2] &&
			  rounds[4] >= rounds[3] &&
			  victim.passed + victim.failed > 0,
		  "done %d; rounds %u %u %u %u %u; victim %u passed, %u failed",
		  done, (unsigned)rounds[0], (unsigned)rounds[1],
		  (unsigned)rounds[2], (unsigned)rounds[3], (unsigned)rounds[4],
		  (unsigned)victim.passed, (unsigned)victim.failed);
	fi_result(&tally, SUITE, "every_life_knew_its_restart_count",
		  wrong_restarts == 0, "%u lives were told a wrong count",
		  (unsigned)wrong_restarts);
	fi_result(&tally, SUITE, "no_unexpected_messages", unexpected == 0,
		  "%u unexpected messages", (unsigned)unexpected);

	uint32_t passed = tally.passed + clients.passed + victim.passed;
	uint32_t failed = tally.failed + clients.failed + victim.failed;
	printf("%u passed, %u failed\n", (unsigned)passed, (unsigned)failed);
	return failed ? 1 : 0;
}
