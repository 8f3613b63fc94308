/*
 * usched_quantum_round_trip: the cost of an out-of-quantum round trip
 * through a user-level scheduler (docs/scheduling.md). The bench manifest
 * names the bench container as the peer's scheduler; at its boot the peer
 * starts a spinner (TC_RUN waits for this container's answer). The bench
 * pager admits it with a quantum of one tick and answers each
 * IPC_LABEL_SCHED_QUANTUM with SCHED_SET. The spinner reads the counter in
 * a tight loop: each time its quantum runs out it sees a gap, which is the
 * round trip (timer interrupt, the kernel's message, the switch to the
 * scheduler, its receive and SET, the switch back). It sums the gaps
 * after a warm-up and sends them here.
 *
 * It runs first of all the figures (the peer's pager waits for the
 * admission before it serves the other-container figures), whatever
 * CONFIG_BENCH_ONLY says.
 */
#ifndef CONFIG_BENCH_BOOT_ONLY
#include <tessera/sched.h>
#include <tessera/sys.h>
#include <generated/board.h>
#include "bench.h"

#define SPIN_WARM 5
/* gaps measured: CONFIG_BENCH_ITERATIONS, at most 50 (a tick each) */
#define SPIN_GAPS                                                              \
	(CONFIG_BENCH_ITERATIONS < 50 ? CONFIG_BENCH_ITERATIONS : 50)
#ifdef BOARD_A9_GLOBAL_TIMER
/* a turn reads the counter through a system call: ~15 counts at 100 MHz */
#define SPIN_GAP_COUNTS 60
#else
#define SPIN_GAP_COUNTS 8 /* a loop turn is far less: ~1 count */
#endif
#define BENCH_LABEL_SPUN 0xbe3u
#define BENCH_TID 1       /* the bench pager: the first container's */
#define PEER_PRIORITY 10  /* the peer's manifest priority */

/* The spinner (in the peer): sum the gaps it sees, report, exit. */
static void spinner(void)
{
	uint64_t last = bench_now(), sum = 0;
	uint32_t seen = 0, n = 0;

	while (n < SPIN_GAPS) {
		uint64_t t = bench_now();
		if (t - last > SPIN_GAP_COUNTS && seen++ >= SPIN_WARM) {
			sum += t - last;
			n++;
		}
		last = t;
	}
	struct ipc_msg m = {IPC_TAG(BENCH_LABEL_SPUN, 0, IPC_TYPE_SHORT, 0),
			    {n, (uint32_t)sum, (uint32_t)(sum >> 32), 0},
			    0};
	ipc_send(BENCH_TID, &m);
	sys_exit(0);
}

int bench_peer_spinner(void)
{
	int tid = bench_thread(0, TC_SAME_SPACE, BENCH_PC(spinner), 0, 0);

	return tid > 0 ? sys_thread_run_nice((uint32_t)tid, 0) : tid;
}

void fig_usched_round_trip(const struct bench_figure *f, uint32_t warm,
			   uint32_t n)
{
	struct ipc_msg m = {0};
	uint32_t spinner_tid = 0;
	int err = 0;

	(void)warm;
	(void)n;
	for (;;) {
		if (ipc_receive(IPC_ANY, &m) != 0)
			continue;
		uint32_t label = IPC_TAG_LABEL(m.tag);
		if (label == IPC_LABEL_SCHED_START)
			err |= sys_sched_control(SCHED_ADMIT, m.from,
						 PEER_PRIORITY, 1);
		else if (label == IPC_LABEL_SCHED_QUANTUM)
			err |= sys_sched_control(SCHED_SET, m.from,
						 PEER_PRIORITY, 1);
		else if (label == BENCH_LABEL_SPUN) {
			spinner_tid = m.from;
			break;
		}
	}
	uint32_t gaps = m.mr[0];
	uint64_t counts = (uint64_t)m.mr[2] << 32 | m.mr[1];
	/* its end's stop message: nothing else may find it later */
	do
		ipc_receive(IPC_ANY, &m);
	while (IPC_TAG_LABEL(m.tag) != IPC_LABEL_SCHED_STOP ||
	       m.from != spinner_tid);
	if (err || gaps != SPIN_GAPS)
		bench_na(f->name, "the scheduler's answers failed");
	else
		bench_report(f->name, gaps, counts);
}
#endif
