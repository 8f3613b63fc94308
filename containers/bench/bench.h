/*
 * The benchmark container (scripts/bench, docs/benchmarks.md). Each figure
 * times a loop of one operation with the generic timer's virtual counter,
 * which under QEMU's -icount shift=0 advances once per 1e9/CNTFRQ guest
 * instructions, and prints one line for the host to turn into instructions
 * per operation:
 *
 *	BENCH fig <name> <iterations> <counts>
 *	BENCH na <name> <reason>
 *
 * The first container of the bench manifest runs the figures; a second one,
 * if the manifest has it, is the peer of the cross-container figures.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <tessera/syscall.h>
#include "bench_abi.h"

#define BENCH_PAGE	 4096u
#define BENCH_LABEL_ECHO 0x1u
/* BENCH_LABEL_QUIT (bench_abi.h): the server answers, then exits */
#define BENCH_LABEL_PROBE 0xbe1u
#define BENCH_LABEL_RESET 0xbe2u /* page-fault figure: unmap the arena */

#ifndef __ASSEMBLER__

/* ---- bench_asm.S: loops whose instruction count is exact ------------- */

uint64_t bench_now(void);    /* the virtual counter (CNTVCT) */
uint32_t bench_cntfrq(void); /* its frequency (CNTFRQ), Hz */
/* Counts spent in n turns of a two-instruction loop (subs, bne). */
uint64_t bench_calibrate(uint32_t n);
/* Counts for n getid calls (svc, subs, bne per turn). */
uint64_t bench_getid_loop(uint32_t n);
/* Counts for n calls to tid with tag (IPC_CALL set by the caller); *err
 * gets the OR of every call's result. */
uint64_t bench_ipc_loop(uint32_t n, uint32_t tid, uint32_t tag, uint32_t *err);
/* Thread entries (no stack needed): an echo server answering every call
 * with the message it got (label BENCH_LABEL_QUIT: answer, then exit 0);
 * a thread that waits in a receive forever; one that exits at once. */
void bench_server(void);
void bench_idle(void);
void bench_exit_now(void);
/* Empty functions bracketing a measured loop, for profile runs. */
void bench_mark_begin(void);
void bench_mark_end(void);

/* ---- threads.c -------------------------------------------------------- */

#define BENCH_SLOTS  4
#define BENCH_PC(fn) ((uint32_t)(uintptr_t)(fn))
/* Create (not run) a thread in this space or a copy of it (TC_* flags),
 * paged by the caller, starting at pc with r0/r1 = a0/a1 and the stack
 * and UTCB of slot (0..BENCH_SLOTS-1). Returns its tid or -E_*. */
int bench_thread(int slot, uint32_t flags, uint32_t pc, uint32_t a0,
		 uint32_t a1);
/* The same, run at once. */
int bench_spawn(int slot, uint32_t flags, uint32_t pc, uint32_t a0,
		uint32_t a1);
/* Create threads blocked in a receive until `alive` threads live in the
 * container's bench (counting the caller and `others`). */
int bench_idle_threads(uint32_t alive, uint32_t others);
/* End and reap the idle threads. */
void bench_idle_end(void);

/* ---- main.c ----------------------------------------------------------- */

void bench_report(const char *name, uint32_t iterations, uint64_t counts);
void bench_na(const char *name, const char *reason);
uint32_t bench_phys_of(const void *p);

/* ---- the figures ------------------------------------------------------ */

struct bench_figure {
	const char *name;
	void (*run)(const struct bench_figure *f, uint32_t warm, uint32_t n);
	uint32_t arg;
};

void fig_calibration(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_null_syscall(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_ipc(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_ipc_container(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_thread_create_destroy(const struct bench_figure *f, uint32_t warm,
			       uint32_t n);
void fig_thread_create_run_exit(const struct bench_figure *f, uint32_t warm,
				uint32_t n);
void fig_page_fault(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_map_unmap(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_mutex_handoff(const struct bench_figure *f, uint32_t warm, uint32_t n);
void fig_usched_round_trip(const struct bench_figure *f, uint32_t warm,
			   uint32_t n);
/* figs_smp.c: arg 0 the server on the client's core, 1 on another core */
void fig_ipc_smp(const struct bench_figure *f, uint32_t warm, uint32_t n);
/* figs_smp.c: arg pairs, pair i pinned to the i-th online core */
void fig_ipc_pairs(const struct bench_figure *f, uint32_t warm, uint32_t n);

/* fig_ipc's arg: message type, space and the threads alive (0: no idle
 * threads added) in bits 16 and up. */
#define FIG_IPC_FULL	 0x1u
#define FIG_IPC_XSPACE	 0x2u
#define FIG_IPC_ALIVE(n) ((uint32_t)(n) << 16)

/* The peer container's side of the cross-container figures, and the end
 * of it: ask it to quit (if it can be reached), so the system ends. */
int bench_peer(void);
/* The peer starts the spinner of usched_quantum_round_trip (figs_usched.c):
 * waits until the bench pager admits it. */
int bench_peer_spinner(void);
void bench_peer_end(void);

#endif /* __ASSEMBLER__ */
#endif
