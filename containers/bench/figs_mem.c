/*
 * Figures of the memory paths: a page fault resolved by a user pager, and
 * map + unmap of one page.
 */
#ifndef CONFIG_BENCH_BOOT_ONLY
#include <stddef.h>
#include <tessera/sys.h>
#include "bench.h"

#define ARENA_VA 0x40000000u /* 1 MiB of faults, unmapped in batches */
#define MAP_VA	 0x50000000u
#define BATCH	 256u /* pages per batch: one second-level table */
#define RW	 (MAP_ATTR_READ | MAP_ATTR_WRITE)

static uint8_t scratch[BENCH_PAGE] __attribute__((aligned(BENCH_PAGE)));
static volatile uint64_t fault_counts;

/* Fault on `pages` fresh pages in batches; returns the counts spent in
 * the touching loops (not in the unmapping between batches). */
static uint64_t touch_pages(uint32_t pager, uint32_t pages)
{
	uint64_t total = 0;

	for (uint32_t done = 0; done < pages;) {
		uint32_t k = pages - done < BATCH ? pages - done : BATCH;
		uint64_t t0 = bench_now();
		for (uint32_t i = 0; i < k; i++)
			(void)*(volatile uint32_t *)(ARENA_VA + i * BENCH_PAGE);
		total += bench_now() - t0;
		struct ipc_msg m = {.tag = IPC_TAG(BENCH_LABEL_RESET, 0, 0, 0)};
		ipc_call(pager, &m); /* the pager unmaps the batch */
		done += k;
	}
	return total;
}

/* What the faulter does, set before it starts (the copied space shares
 * these pages). */
static volatile uint32_t fault_pager, fault_warm, fault_n;

/* Runs in a copy of the bench space, paged by the bench thread. */
static void __attribute__((noreturn)) faulter(void)
{
	touch_pages(fault_pager, fault_warm);
	bench_mark_begin();
	fault_counts = touch_pages(fault_pager, fault_n);
	bench_mark_end();
	sys_exit(0);
}

/* Serve the faulter until it ends: map the scratch page at each fault,
 * unmap the arena when asked. 0 when it ended normally. */
static int serve_faults(uint32_t tid)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(tid, &m);

	while (!err) {
		uint32_t label = IPC_TAG_LABEL(m.tag);
		m.mr[0] = 0;
		if (label == IPC_LABEL_FAULT &&
		    sys_map(bench_phys_of(scratch), m.mr[1] & ~(BENCH_PAGE - 1),
			    1, RW, tid) != 0) {
			m.mr[0] = 1; /* refuse: it ends */
			m.tag = 0;
			ipc_send(tid, &m);
			return -1;
		}
		if (label == BENCH_LABEL_RESET)
			sys_unmap(ARENA_VA, BATCH, tid);
		m.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_REPLY_WAIT);
		err = sys_ipc(tid, tid, &m); /* answer, wait for the next */
	}
	return err == -E_DEAD ? 0 : err;
}

void fig_page_fault(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	struct sys_ids me;

	sys_getid(&me);
	fault_pager = me.tid;
	fault_warm = warm;
	fault_n = n;
	fault_counts = 0;
	int tid = bench_thread(0, TC_COPY_SPACE, BENCH_PC(faulter), 0, 0);
	if (tid < 0) {
		bench_na(f->name, "could not create the faulting thread");
		return;
	}
	sys_thread_run((uint32_t)tid);
	int err = serve_faults((uint32_t)tid);
	int code = sys_thread_wait((uint32_t)tid, NULL);
	if (err || code)
		bench_na(f->name, "the faulting thread failed");
	else
		bench_report(f->name, n, fault_counts);
}

void fig_map_unmap(const struct bench_figure *f, uint32_t warm, uint32_t n)
{
	uint32_t phys = bench_phys_of(scratch);
	int err = 0;

	for (uint32_t i = 0; i < warm; i++) {
		err |= sys_map(phys, MAP_VA, 1, RW, 0);
		err |= sys_unmap(MAP_VA, 1, 0) != 1;
	}
	bench_mark_begin();
	uint64_t t0 = bench_now();
	for (uint32_t i = 0; i < n; i++) {
		err |= sys_map(phys, MAP_VA, 1, RW, 0);
		err |= sys_unmap(MAP_VA, 1, 0) != 1;
	}
	uint64_t t1 = bench_now();
	bench_mark_end();
	if (err)
		bench_na(f->name, "map or unmap failed");
	else
		bench_report(f->name, n, t1 - t0);
}
#endif
