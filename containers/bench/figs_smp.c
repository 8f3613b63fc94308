/*
 * Figures of the multicore kernel (scripts/bench --cpus N, docs/benchmarks.md
 * "Several cores"): the ipc_short_other_space round trip with client and
 * server pinned to one core (what the kernel lock adds to the fast path),
 * with the server pinned to another core (the wake-up by IPI), and 1, 2 or
 * 4 independent ping-pong pairs, pair i pinned to the i-th online core, all
 * running at once.
 *
 * Under QEMU -icount the cores run in turn and the counter advances with
 * the instructions of every core, so each figure is the instructions all
 * cores execute per round trip: a parallel speed-up does not show, what
 * the cores cost each other (the lock, its waits, the IPIs) does.
 *
 * With fewer than two cores online every figure here prints its
 * "BENCH na" line (the host leaves them out of a single-core table).
 */
#ifndef CONFIG_BENCH_BOOT_ONLY
#include <stdbool.h>
#include <stddef.h>
#include <tessera/sys.h>
#include <tessera/thread.h>
#include "bench.h"

#define PAIRS_MAX	  4
#define CLIENT_STACK_SIZE 1024

static const uint32_t short_call =
    IPC_TAG(BENCH_LABEL_ECHO, 0, IPC_TYPE_SHORT, IPC_CALL);

/* The online cores, in order (at most max); returns how many. */
static uint32_t online_cores(uint32_t *cores, uint32_t max)
{
	uint32_t mask = sys_cpus_online(), n = 0;

	for (uint32_t c = 0; c < 32 && n < max; c++)
		if (mask & (1u << c))
			cores[n++] = c;
	return n;
}

static uint32_t online_count(void)
{
	uint32_t mask = sys_cpus_online(), n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* Pin thread tid (0: the caller) to one core; true when the kernel says
 * it may run only there. */
static bool pin(uint32_t tid, uint32_t core)
{
	uint32_t cpu = 0xff;
	int mask = sys_thread_cpus(tid, 1u << core, &cpu);

	return mask == (int)(1u << core) && cpu == core;
}

/* The caller's core. */
static uint32_t my_core(void)
{
	uint32_t cpu = 0;

	sys_thread_cpus(0, 0, &cpu);
	return cpu;
}

/* An echo server in a copy of the caller's space (as the server of
 * ipc_short_other_space: slot's stack and UTCB), pinned to core, running.
 * Returns its tid or -E_*. */
static int pinned_server(int slot, uint32_t core)
{
	int tid = bench_thread(slot, TC_COPY_SPACE, BENCH_PC(bench_server), 0,
			       0);

	if (tid < 0)
		return tid;
	if (!pin((uint32_t)tid, core)) {
		sys_thread_destroy((uint32_t)tid, 0);
		sys_thread_wait((uint32_t)tid, NULL);
		return -1;
	}
	sys_thread_run((uint32_t)tid);
	return tid;
}

/* Tell an echo server to quit and reap it; 0 or an error. */
static int server_quit(uint32_t server)
{
	struct ipc_msg m = {.tag = IPC_TAG(BENCH_LABEL_QUIT, 0, 0, 0)};
	int err = ipc_call(server, &m);
	int code = sys_thread_wait(server, NULL);

	return err ? err : code;
}

static bool enough_cores(const struct bench_figure *f)
{
	if (online_count() >= 2)
		return true;
	bench_na(f->name, "needs at least 2 cores online (scripts/bench "
			  "--cpus N)");
	return false;
}

/* ipc_short_same_core_smp (arg 0), ipc_short_cross_core (arg 1): the
 * client is this thread; the server on its core, or on the next online
 * core. */
void fig_ipc_smp(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	if (!enough_cores(f))
		return;
	uint32_t here = my_core(), there = here, cores[32];
	uint32_t count = online_cores(cores, 32);

	if (f->arg)
		for (uint32_t i = 0; i < count; i++)
			if (cores[i] != here) {
				there = cores[i];
				break;
			}
	uint32_t before = (uint32_t)sys_thread_cpus(0, 0, NULL);
	if (!pin(0, here)) {
		bench_na(f->name, "could not pin the client to its core");
		return;
	}
	int server = pinned_server(0, there);
	if (server < 0) {
		bench_na(f->name, "could not create and pin the server");
		sys_thread_cpus(0, before, NULL);
		return;
	}
	uint32_t err = 0;
	bench_ipc_loop(warm, (uint32_t)server, short_call, &err);
	bench_mark_begin();
	uint64_t counts = bench_ipc_loop(n, (uint32_t)server, short_call, &err);
	bench_mark_end();
	int quit = server_quit((uint32_t)server);
	sys_thread_cpus(0, before, NULL);
	if (err || quit)
		bench_na(f->name, "ipc failed");
	else
		bench_report(f->name, n, counts);
}

/* ipc_pairs_N (arg N): N clients, each calling its own echo server, pair i
 * (client and server) pinned to the i-th online core. Each client warms
 * up, waits for this thread's start message, then makes n calls between
 * two readings of the counter. The figure: from the first client's first
 * reading to the last client's last, divided by N x n round trips.
 * The clients call with bench_ipc_loop (its own readings unused) and
 * read the counter with bench_now, as every figure does. */
static struct pair {
	uint32_t server, warm, n, err;
	uint64_t t0, t1;
} pairs[PAIRS_MAX];
static uint32_t pairs_starter;
static uint8_t client_stacks[PAIRS_MAX][CLIENT_STACK_SIZE]
    __attribute__((aligned(8)));
static struct utcb client_utcbs[PAIRS_MAX]
    __attribute__((aligned(UTCB_SIZE)));

static void __attribute__((noreturn)) pair_client(uint32_t i)
{
	struct pair *p = &pairs[i];
	struct ipc_msg m = {0};
	uint32_t err = 0;

	bench_ipc_loop(p->warm, p->server, short_call, &err);
	if (ipc_receive(pairs_starter, &m) != 0)
		err |= 1;
	p->t0 = bench_now();
	bench_ipc_loop(p->n, p->server, short_call, &err);
	p->t1 = bench_now();
	p->err = err;
	sys_exit(0);
}

void fig_ipc_pairs(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	if (!enough_cores(f))
		return;
	uint32_t want = f->arg, cores[PAIRS_MAX];
	uint32_t have = online_cores(cores, PAIRS_MAX);
	int clients[PAIRS_MAX], servers[PAIRS_MAX];
	struct sys_ids me;
	bool ok = true;

	if (want > have) {
		bench_na(f->name, "more pairs than cores online");
		return;
	}
	sys_getid(&me);
	pairs_starter = me.tid;
	for (uint32_t i = 0; i < want; i++)
		clients[i] = servers[i] = -1;
	for (uint32_t i = 0; i < want && ok; i++) {
		pairs[i] = (struct pair){.warm = warm, .n = n};
		servers[i] = pinned_server((int)i, cores[i]);
		if (servers[i] < 0) {
			ok = false;
			break;
		}
		pairs[i].server = (uint32_t)servers[i];
		clients[i] = thread_prepare(
		    TC_SAME_SPACE | TC_AS_PAGER, 0, BENCH_PC(pair_client),
		    (uint32_t)(uintptr_t)client_stacks[i] + CLIENT_STACK_SIZE,
		    i, 0, &client_utcbs[i]);
		if (clients[i] < 0 || !pin((uint32_t)clients[i], cores[i])) {
			ok = false;
			break;
		}
		sys_thread_run((uint32_t)clients[i]);
	}
	/* the start: each client takes it once its warm-up is done */
	for (uint32_t i = 0; i < want && ok; i++) {
		struct ipc_msg m = {.tag = IPC_TAG(BENCH_LABEL_ECHO, 0,
						   IPC_TYPE_SHORT, 0)};
		if (ipc_send((uint32_t)clients[i], &m) != 0)
			ok = false;
	}
	uint64_t first = ~0ull, last = 0;
	uint32_t err = 0;
	for (uint32_t i = 0; i < want; i++) {
		if (clients[i] > 0) {
			if (!ok) /* it may wait for a start that never comes */
				sys_thread_destroy((uint32_t)clients[i], 0);
			sys_thread_wait((uint32_t)clients[i], NULL);
		}
		if (servers[i] > 0 && server_quit((uint32_t)servers[i]))
			err = 1;
		err |= pairs[i].err;
		if (pairs[i].t0 < first)
			first = pairs[i].t0;
		if (pairs[i].t1 > last)
			last = pairs[i].t1;
	}
	if (!ok)
		bench_na(f->name, "could not create, pin or start the pairs");
	else if (err)
		bench_na(f->name, "ipc failed");
	else
		bench_report(f->name, want * n, last - first);
}
#endif
