/*
 * Figures of the thread and mutex paths: create + destroy + reap, create +
 * run + exit + reap, and a contended user mutex passed between two threads.
 */
#ifndef CONFIG_BENCH_BOOT_ONLY
#include <stddef.h>
#include <tessera/mutex.h>
#include <tessera/sys.h>
#include "bench.h"

static int create_destroy_reap(void)
{
	int tid = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
				    BENCH_PC(bench_exit_now), 0);

	if (tid < 0)
		return tid;
	sys_thread_destroy((uint32_t)tid, 0);
	return sys_thread_wait((uint32_t)tid, NULL);
}

static int create_run_exit_reap(void)
{
	int tid = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
				    BENCH_PC(bench_exit_now), 0);

	if (tid < 0)
		return tid;
	sys_thread_run((uint32_t)tid);
	return sys_thread_wait((uint32_t)tid, NULL); /* it runs meanwhile */
}

static void time_thread_op(const struct bench_figure *f, int (*op)(void),
			   uint32_t warm, uint32_t n)
{
	int err = 0;

	for (uint32_t i = 0; i < warm; i++)
		err |= op();
	bench_mark_begin();
	uint64_t t0 = bench_now();
	for (uint32_t i = 0; i < n; i++)
		err |= op();
	uint64_t t1 = bench_now();
	bench_mark_end();
	if (err)
		bench_na(f->name, "thread_control failed");
	else
		bench_report(f->name, n, t1 - t0);
}

void fig_thread_create_destroy(const struct bench_figure *f, uint32_t warm,
			       uint32_t n)
{
	time_thread_op(f, create_destroy_reap, warm, n);
}

void fig_thread_create_run_exit(const struct bench_figure *f, uint32_t warm,
				uint32_t n)
{
	time_thread_op(f, create_run_exit_reap, warm, n);
}

/*
 * The mutex handoff: each thread takes the lock, yields while holding it
 * (so the other finds it taken and waits in the kernel), releases it (a
 * wake) and yields again (so the woken one takes it before the releaser
 * can). Every acquisition is contended; one turn of the loop below passes
 * the lock twice.
 */
static struct mutex handoff_lock = MUTEX_INIT;
static volatile uint32_t handoff_stop, partner_turns;

static void handoff_turn(void)
{
	mutex_lock(&handoff_lock);
	sys_yield();
	mutex_unlock(&handoff_lock);
	sys_yield();
}

static void __attribute__((noreturn)) handoff_partner(void)
{
	while (!handoff_stop) {
		handoff_turn();
		partner_turns++;
	}
	sys_exit(0);
}

void fig_mutex_handoff(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	handoff_stop = 0;
	partner_turns = 0;
	int partner =
	    bench_spawn(0, TC_SAME_SPACE, BENCH_PC(handoff_partner), 0, 0);
	if (partner < 0) {
		bench_na(f->name, "could not create the partner thread");
		return;
	}
	for (uint32_t i = 0; i < warm; i++)
		handoff_turn();
	uint32_t turns0 = partner_turns;
	bench_mark_begin();
	uint64_t t0 = bench_now();
	for (uint32_t i = 0; i < n; i++)
		handoff_turn();
	uint64_t t1 = bench_now();
	bench_mark_end();
	uint32_t partner_did = partner_turns - turns0;
	handoff_stop = 1;
	sys_thread_wait((uint32_t)partner, NULL);
	/* the partner took the lock once per turn of ours: all contended */
	if (partner_did + 1 < n || partner_did > n + 1)
		bench_na(f->name, "the lock did not alternate between the "
				  "threads");
	else
		bench_report(f->name, 2 * n, t1 - t0);
}
#endif
