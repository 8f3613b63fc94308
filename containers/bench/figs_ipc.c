/*
 * Figures of the kernel's entry and IPC paths: calibration, the null system
 * call, IPC round trips (short and full UTCB messages, in one space, across
 * spaces, across containers, and with many threads alive).
 */
#ifndef CONFIG_BENCH_BOOT_ONLY
#include <stdbool.h>
#include <stddef.h>
#include <tessera/sys.h>
#include "bench.h"

void fig_calibration(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	(void)warm;
	(void)n;
	bench_calibrate(1000); /* warm: the loop's translation is cached */
	bench_mark_begin();
	uint64_t counts = bench_calibrate(f->arg);
	bench_mark_end();
	bench_report(f->name, f->arg, counts);
}

void fig_null_syscall(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	bench_getid_loop(warm);
	bench_mark_begin();
	uint64_t counts = bench_getid_loop(n);
	bench_mark_end();
	bench_report(f->name, n, counts);
}

static void fill_mrs(void)
{
	struct utcb *u = utcb_self();

	for (uint32_t i = 0; i < UTCB_MRS; i++)
		u->mr[i] = i;
}

static uint32_t call_tag(uint32_t arg)
{
	return arg & FIG_IPC_FULL
		   ? IPC_TAG(BENCH_LABEL_ECHO, UTCB_MRS, IPC_TYPE_FULL,
			     IPC_CALL)
		   : IPC_TAG(BENCH_LABEL_ECHO, 0, IPC_TYPE_SHORT, IPC_CALL);
}

/* Time n calls to a server; 0, or the first error. */
static int time_calls(const struct bench_figure *f, uint32_t server,
		      uint32_t warm, uint32_t n)
{
	uint32_t tag = call_tag(f->arg), err = 0;

	fill_mrs();
	bench_ipc_loop(warm, server, tag, &err);
	if (err)
		return (int)err;
	bench_mark_begin();
	uint64_t counts = bench_ipc_loop(n, server, tag, &err);
	bench_mark_end();
	if (err)
		return (int)err;
	bench_report(f->name, n, counts);
	return 0;
}

/* Ask the echo server to quit; returns its exit code once reaped. */
static int server_quit(uint32_t server, bool reap)
{
	struct ipc_msg m = {.tag = IPC_TAG(BENCH_LABEL_QUIT, 0, 0, 0)};
	int err = ipc_call(server, &m);

	if (!reap)
		return err;
	int code = sys_thread_wait(server, NULL);
	return err ? err : code;
}

void fig_ipc(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	uint32_t alive = f->arg >> 16;
	uint32_t space =
	    f->arg & FIG_IPC_XSPACE ? TC_COPY_SPACE : TC_SAME_SPACE;

	if (alive && bench_idle_threads(alive, 1) != 0) {
		bench_na(f->name, "could not create the idle threads");
		return;
	}
	int server = bench_spawn(0, space, BENCH_PC(bench_server), 0, 0);
	if (server < 0) {
		bench_na(f->name, "could not create the server thread");
		return;
	}
	int err = time_calls(f, (uint32_t)server, warm, n);
	int code = server_quit((uint32_t)server, true);
	if (err || code)
		bench_na(f->name, "ipc failed");
}

/* Find the peer container's pager: the thread that answers a probe. */
static int find_peer(int *refused)
{
	struct sys_ids me;

	sys_getid(&me);
	*refused = 0;
	for (uint32_t tid = 1; tid < 32; tid++) {
		struct ipc_msg m = {.tag = IPC_TAG(BENCH_LABEL_PROBE, 0,
						   IPC_TYPE_SHORT,
						   IPC_CALL | IPC_NONBLOCK)};
		if (tid == me.tid)
			continue;
		int err = sys_ipc(tid, tid, &m);
		if (err == 0)
			return (int)tid;
		if (err == -E_PERM)
			(*refused)++;
	}
	return -1;
}

/* The peer container's pager, looked up once; 0: none. */
static int peer_tid, peer_refused, peer_looked;

static int peer(void)
{
	if (!peer_looked && kip_get()->nr_containers >= 2) {
		peer_looked = 1;
		sys_yield(); /* the peer reaches its first receive */
		peer_tid = find_peer(&peer_refused);
	}
	return peer_tid > 0 ? peer_tid : 0;
}

void fig_ipc_container(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	if (kip_get()->nr_containers < 2) {
		bench_na(f->name, "the bench manifest has no peer container");
		return;
	}
	if (!peer()) {
		bench_na(f->name, peer_refused
				      ? "the kernel refuses ipc to another "
					"container (-E_PERM)"
				      : "no thread of the peer container "
					"answers");
		return;
	}
	if (time_calls(f, (uint32_t)peer_tid, warm, n) != 0)
		bench_na(f->name, "ipc to the peer container failed");
}

void bench_peer_end(void)
{
	if (peer())
		server_quit((uint32_t)peer_tid, false);
}

/* The peer container: serve echo calls until told to quit. */
int bench_peer(void)
{
	bench_peer_spinner();
	bench_server(); /* exits the thread itself */
	return 0;
}
#endif
