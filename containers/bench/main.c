/*
 * bench: the benchmark container (scripts/bench, docs/benchmarks.md).
 *
 * In the first container of the bench manifest it runs every figure of
 * the table below (or only CONFIG_BENCH_ONLY) with a warm-up of a tenth of
 * CONFIG_BENCH_ITERATIONS, prints one BENCH line per figure and "BENCH
 * end". In a later container it is the peer of the cross-container
 * figures. Built with CONFIG_BENCH_BOOT_ONLY it only exits: the tiny
 * container of the boot-cost variants.
 */
#include <stdint.h>

#ifdef CONFIG_BENCH_BOOT_ONLY
int main(void)
{
	return 0;
}
#else
#include <string.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include "bench.h"

_Static_assert(BENCH_SYS_ipc == SYS_ipc, "bench_abi.h");
_Static_assert(BENCH_SYS_thread_control == SYS_thread_control, "bench_abi.h");
_Static_assert(BENCH_SYS_getid == SYS_getid, "bench_abi.h");
_Static_assert(BENCH_SYS_time == SYS_time, "bench_abi.h");
_Static_assert(BENCH_TIME_COUNTER == TIME_COUNTER, "bench_abi.h");
_Static_assert(BENCH_IPC_SEND == IPC_SEND, "bench_abi.h");
_Static_assert(BENCH_IPC_RECV == IPC_RECV, "bench_abi.h");
_Static_assert(BENCH_IPC_REPLY_WAIT == IPC_REPLY_WAIT, "bench_abi.h");
_Static_assert(BENCH_TC_EXIT == TC_EXIT, "bench_abi.h");

/* Turns of the calibration loop: 2 instructions each. */
#define CALIBRATION_TURNS 500000u

/* clang-format off */
#define IPC_CURVE(name, alive) \
	{name, fig_ipc, FIG_IPC_XSPACE | FIG_IPC_ALIVE(alive)}

static const struct bench_figure figures[] = {
	{"calibration", fig_calibration, CALIBRATION_TURNS},
	/* early: the peer waits for it before it serves */
	{"usched_quantum_round_trip", fig_usched_round_trip, 0},
	{"null_syscall", fig_null_syscall, 0},
	{"ipc_short_same_space", fig_ipc, 0},
	{"ipc_full_same_space", fig_ipc, FIG_IPC_FULL},
	{"ipc_short_other_space", fig_ipc, FIG_IPC_XSPACE},
	{"ipc_full_other_space", fig_ipc, FIG_IPC_XSPACE | FIG_IPC_FULL},
	{"ipc_short_other_container", fig_ipc_container, 0},
	{"ipc_full_other_container", fig_ipc_container, FIG_IPC_FULL},
	{"thread_create_destroy", fig_thread_create_destroy, 0},
	{"thread_create_run_exit", fig_thread_create_run_exit, 0},
	{"page_fault", fig_page_fault, 0},
	{"map_unmap", fig_map_unmap, 0},
	{"mutex_handoff", fig_mutex_handoff, 0},
	/* several cores (figs_smp.c): n/a with one core online */
	{"ipc_short_same_core_smp", fig_ipc_smp, 0},
	{"ipc_short_cross_core", fig_ipc_smp, 1},
	{"ipc_pairs_1", fig_ipc_pairs, 1},
	{"ipc_pairs_2", fig_ipc_pairs, 2},
	{"ipc_pairs_4", fig_ipc_pairs, 4},
	/* last: the idle threads stay until the end */
	IPC_CURVE("ipc_threads_2", 2),
	IPC_CURVE("ipc_threads_16", 16),
	IPC_CURVE("ipc_threads_128", 128),
	IPC_CURVE("ipc_threads_1024", 1024),
};
/* clang-format on */

void bench_report(const char *name, uint32_t iterations, uint64_t counts)
{
	printf("BENCH fig %s %u %llu\n", name, (unsigned)iterations,
	       (unsigned long long)counts);
}

void bench_na(const char *name, const char *reason)
{
	printf("BENCH na %s %s\n", name, reason);
}

uint32_t bench_phys_of(const void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

static int selected(const char *name)
{
	const char *only = CONFIG_BENCH_ONLY;

	return !only[0] || strcmp(only, name) == 0;
}

int main(void)
{
	struct sys_ids me;
	uint32_t n = CONFIG_BENCH_ITERATIONS;
	uint32_t warm = n / 10 < 10 ? 10 : n / 10;

	sys_getid(&me);
	if (me.container != 0)
		return bench_peer();
	printf("BENCH start cntfrq %u iterations %u warmup %u\n",
	       (unsigned)bench_cntfrq(), (unsigned)n, (unsigned)warm);
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		if (selected(figures[i].name) ||
		    figures[i].run == fig_usched_round_trip)
			figures[i].run(&figures[i], warm, n);
	}
	bench_idle_end();
	bench_peer_end();
	printf("BENCH end\n");
	return 0;
}
#endif
