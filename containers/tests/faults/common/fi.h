/*
 * The fault-injection system (configs/faults.toml, docs/lifecycle.md): what
 * its programs share. This directory is not a program of its own; each
 * fi_* program includes this header.
 *
 * One container, "killer" (the first in the manifest, so its pager is tid
 * 1: the kernel creates the pagers in boot order and tids start at 1),
 * conducts the run. Every other container's first pager checks in with it
 * by an ipc call as soon as it starts, in every life. The killer holds a
 * check-in until that scenario's turn, answers it with the life number and
 * then waits to receive from the same thread: either a report (another
 * call) or -E_DEAD, which the kernel gives the moment that thread ends. So
 * the killer knows each life has been torn down before it goes on, and the
 * scenarios run one after another with no timing guesses, while the victim
 * works through all of them.
 */
#ifndef FI_H
#define FI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/errno.h>
#include <tessera/sys.h>

#define FI_KILLER_TID 1u

/* void fi_store(addr): *addr = addr, at fi_store_insn (test_faults finds
 * that symbol in the ELF to check the reported pc). For the programs that
 * fault with a store. */
#define FI_DEFINE_STORE()                                                      \
	__asm__(".pushsection .text\n"                                         \
		".arm\n"                                                       \
		".p2align 2\n"                                                 \
		".global fi_store\n"                                           \
		".type fi_store, %function\n"                                  \
		"fi_store:\n"                                                  \
		".global fi_store_insn\n"                                      \
		"fi_store_insn:\n"                                             \
		"	str r0, [r0]\n"                                        \
		"	bx lr\n"                                               \
		".popsection\n");                                              \
	void fi_store(uint32_t addr)

/* Message labels. */
#define FI_CHECKIN 0x100u  /* MR0 scenario, MR1 an argument, MR2 container,
			    * MR3 restarts (as the kernel told the pager) */
#define FI_REPORT 0x101u   /* results of a life, MR0-MR3 */
#define FI_HOLDING 0x102u  /* server: the two calls it holds */
#define FI_BLOCKED 0x103u  /* clients: their callers are in their calls */
#define FI_PROGRESS 0x104u /* killer -> victim helper: rounds so far? */
#define FI_DONE 0x105u     /* killer -> victim helper: finish */
#define FI_WORK 0x106u     /* victim -> its helper, every round */
#define FI_FINAL 0x107u    /* victim -> its helper: the victim's results */
#define FI_SERVE 0x108u    /* clients -> server */
#define FI_WHERE 0x109u    /* clients -> killer: the server's new tid? */

/* Scenarios: who checks in. */
enum fi_scenario {
	FI_VICTIM = 1,
	FI_SERVER,
	FI_CLIENTS,
	FI_CRASH_DATA,
	FI_CRASH_PREFETCH,
	FI_CRASH_UNDEF,
	FI_FLAKY,
	FI_PAGER_ERROR,
	FI_BUDGET,
	FI_RUNAWAY,
	FI_RESTARTER,
	FI_SCENARIOS
};

/*
 * Restart limits as configs/faults.toml declares them (test_faults.py
 * checks that the two agree). Every container that crashes or is killed
 * on purpose has a restart policy: the kernel counts only unsupervised
 * containers in the system's exit status, which is then 0 exactly when
 * every TEST line passed.
 */
#define FI_SERVER_LIMIT 1     /* on-failure: killed, back, serves, exits 0 */
#define FI_DATA_LIMIT 1       /* always: both lives crash */
#define FI_PREFETCH_LIMIT 4   /* on-failure: every life crashes */
#define FI_UNDEF_LIMIT 8      /* on-failure: back-off reaches its cap */
#define FI_FLAKY_LIMIT 5      /* on-failure, but ... */
#define FI_FLAKY_SUCCEEDS_AT 2 /* ... this life exits 0: no more restarts */
#define FI_PAGER_ERROR_LIMIT 1 /* on-failure: both lives fail */
#define FI_BUDGET_LIMIT 2     /* on-failure */
#define FI_RUNAWAY_LIMIT 1    /* on-failure: killed, back, exits 0 */
#define FI_RESTARTER_LIMIT 200 /* always */
#define FI_BUDGET_THREADS 4   /* crash_budget's budget.threads */

/* The exit code the killer destroys with: reported as "destroyed". */
#define FI_KILL_CODE (-E_DEAD)
#define FI_FAULT_EXIT(cause) (128 + (cause))

/* Addresses nothing maps (the programs live at 0x10000000). */
#define FI_DATA_ADDR 0x0bad0010u     /* crash_data stores here */
#define FI_FLAKY_ADDR 0x0bad1020u    /* flaky loads from here */
#define FI_PE_ADDR 0x0bad2030u       /* pager_error's child stores here */
#define FI_PREFETCH_ADDR 0x0badc000u /* crash_prefetch jumps here */
/* crash_prefetch's memory entry: read-write, never executable */
#define FI_NX_VIRT 0x20000000u
#define FI_NX_OFFSET 0x40u
/* the victim's checksummed buffer (its memory entry) */
#define FI_VICTIM_BUF 0x20000000u
#define FI_VICTIM_BUF_SIZE 0x10000u

static inline uint64_t fi_now(void)
{
	uint64_t t;
	uint32_t hz;

	sys_time(&t, &hz);
	return t;
}

static inline uint32_t fi_self(void)
{
	struct sys_ids ids;

	sys_getid(&ids);
	return ids.tid;
}

/* A call: m->mr in, the answer in m (its tag's label too). */
static inline int fi_call(uint32_t to, uint32_t label, struct ipc_msg *m)
{
	m->tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0);
	return ipc_call(to, m);
}

/* Answer a thread that waits for our reply; never blocks. */
static inline int fi_answer(uint32_t to, struct ipc_msg *m)
{
	m->tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_SEND | IPC_NONBLOCK);
	return sys_ipc(to, 0, m);
}

/*
 * Check in with the killer and wait for our turn. Returns the life number
 * it answers with (0 for the first life), or a negative error.
 */
static inline int fi_checkin(uint32_t scenario, uint32_t arg,
			     struct ipc_msg *answer)
{
	struct sys_ids ids;
	struct ipc_msg m = {0};

	sys_getid(&ids);
	m.mr[0] = scenario;
	m.mr[1] = arg;
	m.mr[2] = ids.container;
	m.mr[3] = container_region.restarts;
	int err = fi_call(FI_KILLER_TID, FI_CHECKIN, &m);
	if (answer)
		*answer = m;
	return err ? err : (int)m.mr[0];
}

/* Tell the killer what this life found (up to four words). */
static inline int fi_report(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct ipc_msg m = {.mr = {a, b, c, d}};

	return fi_call(FI_KILLER_TID, FI_REPORT, &m);
}

/* ---- TEST lines (docs/testing.md); the killer prints the one summary line ----- */

struct fi_tally {
	uint32_t passed, failed;
};

static inline bool __attribute__((format(printf, 5, 6)))
fi_result(struct fi_tally *t, const char *suite, const char *name, bool ok,
	  const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (ok) {
		t->passed++;
		printf("TEST %s.%s PASS\n", suite, name);
		return true;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	t->failed++;
	printf("TEST %s.%s FAIL %s\n", suite, name, why);
	return false;
}

/* ---- threads in the caller's space, paged by the caller ---------------- */

typedef int (*fi_fn)(uint32_t arg);

static inline void __attribute__((noreturn))
fi_child_entry(uint32_t fn, uint32_t arg)
{
	sys_exit(((fi_fn)(uintptr_t)fn)(arg));
}

/*
 * Create (not run) a thread running fn(arg) on the given stack with the
 * given UTCB (both the caller's memory); flags are TC_* (TC_AS_PAGER is
 * added). Returns its tid or -E_*.
 */
static inline int fi_spawn(uint32_t flags, fi_fn fn, uint32_t arg,
			   void *stack_top, struct utcb *utcb)
{
	struct exregs r = {0};
	int tid = sys_thread_create(0, flags | TC_AS_PAGER, 0,
				    (uint32_t)(uintptr_t)fi_child_entry,
				    (uint32_t)(uintptr_t)stack_top);

	if (tid < 0)
		return tid;
	r.r[0] = (uint32_t)(uintptr_t)fn;
	r.r[1] = arg;
	r.utcb = (uint32_t)(uintptr_t)utcb;
	int err = sys_exchange_registers((uint32_t)tid,
					 EXREGS_SET_REGS |
						 (utcb ? EXREGS_SET_UTCB : 0),
					 &r);
	if (err) {
		sys_thread_destroy((uint32_t)tid, 0);
		sys_thread_wait((uint32_t)tid, NULL);
		return err;
	}
	return tid;
}

#endif
