/*
 * The SMP stress system (configs/stress.toml, tools/tests/test_stress.py,
 * docs/testing.md): what its programs share. Not a program of its own.
 *
 * "conductor" is the first container, so its pager is tid 1. It starts one
 * server thread pinned to each online core, answers every other pager's
 * hello with the servers' tids (MR0-MR3: the server on core 0..3, 0 for a
 * core that is not online) and collects their reports. Every other
 * container's threads are pinned to the online cores (sys_cpus_online())
 * in turn: thread i to the (i mod n)-th online core, so the counts below
 * are exact whatever -smp gives.
 */
#ifndef STRESS_H
#define STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include <tessera/thread.h>

#define ST_CONDUCTOR_TID 1u
#define ST_MAX_CPUS 4u /* CONFIG_NR_CPUS of the stress defconfigs */
#define ST_ALL_CPUS ((1u << ST_MAX_CPUS) - 1)

/* Messages to the conductor's pager (labels). */
#define ST_HELLO 0x200u  /* MR0 role, MR1 life; answer: server tids */
#define ST_REPORT 0x201u /* MR0 role, MR1 passed, MR2 failed, MR3 life */
#define ST_DYING 0x202u  /* crasher: MR0 life, MR1 calls, MR2 cores used */

/* Calls to the server threads (labels); MR0 x, MR1 who, MR2 seq.
 * Answer: MR0 st_answer(x), MR1 the server's core, MR2 seq, MR3 ~x. */
#define ST_CALL_CLIENT 0x210u
#define ST_CALL_MOVER 0x211u
#define ST_CALL_CRASHER 0x212u /* MR1: the crasher's life */

enum st_role { ST_CLIENT = 1, ST_MOVER, ST_COUNTER, ST_CRASHER, ST_ROLES };

/* 1. IPC across cores: client threads x calls each. */
#define ST_CLIENTS 4u
#define ST_CLIENT_CALLS 2500u
/* 2. Migrations: movers x hops (a core change each when >= 2 cores). */
#define ST_MOVERS 4u
#define ST_MOVER_HOPS 500u
#define ST_DRIFTS 40u /* the mover's pager moves its drifter thread */
/* 3. Mutex contention: counter threads x increments. */
#define ST_COUNTERS 8u
#define ST_COUNTER_ITERS 4000u
#define ST_COUNTER_HOLD 100 /* delay loop iterations inside the lock */
/* 4. The crasher: restart = "on-failure", restart_limit (stress.toml). */
#define ST_CRASHER_LIMIT 3u
#define ST_CRASHER_CALLERS 4u
#define ST_CRASHER_SPINNERS 4u
#define ST_CRASHER_MIN_CALLS 10u  /* each caller, before a life dies */
#define ST_CRASHER_FINAL_CALLS 50u /* each caller, in the last life */
#define ST_CRASHER_FINAL_SPINS 200u
#define ST_CRASH_ADDR 0x0bad0010u  /* nothing maps it: a data abort */
#define ST_CRASH_EXIT 7            /* the odd lives return this */

static inline uint32_t st_answer(uint32_t x)
{
	return x * 2654435761u + 12345u;
}

/* The online cores (at most ST_MAX_CPUS), listed; returns how many. */
static inline uint32_t st_online(uint32_t cores[ST_MAX_CPUS])
{
	uint32_t mask = sys_cpus_online() & ST_ALL_CPUS, n = 0;

	for (uint32_t c = 0; c < ST_MAX_CPUS; c++)
		if (mask & (1u << c))
			cores[n++] = c;
	return n;
}

/* Pin the caller to one core; true when the kernel says it is there. */
/* The cores of cores[0..n) other than me into others[]; just me when
 * it is the only one. Returns how many. */
static inline uint32_t st_other_cores(uint32_t me, const uint32_t *cores,
				      uint32_t n, uint32_t others[ST_MAX_CPUS])
{
	uint32_t no = 0;

	for (uint32_t j = 0; j < n; j++)
		if (cores[j] != me)
			others[no++] = cores[j];
	if (!no)
		others[no++] = me;
	return no;
}

static inline bool st_pin(uint32_t core)
{
	uint32_t cpu = 0xff;
	int mask = sys_thread_cpus(0, 1u << core, &cpu);

	return mask == (int)(1u << core) && cpu == core;
}

/* The core the caller runs on, as the kernel reports it. */
static inline uint32_t st_core(void)
{
	uint32_t cpu = 0xff;

	if (sys_thread_cpus(0, 0, &cpu) < 0)
		return 0xff;
	return cpu;
}

/* A call to the conductor's pager: m->mr in, its answer in m. */
static inline int st_call(uint32_t to, uint32_t label, struct ipc_msg *m)
{
	m->tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0);
	return ipc_call(to, m);
}

/* Hello: role and life in; the server tids per core out (0: offline). */
static inline int st_hello(uint32_t role, uint32_t life,
			   uint32_t servers[ST_MAX_CPUS])
{
	struct ipc_msg m = {.mr = {role, life}};
	int err = st_call(ST_CONDUCTOR_TID, ST_HELLO, &m);

	for (uint32_t c = 0; c < ST_MAX_CPUS; c++)
		servers[c] = err ? 0 : m.mr[c];
	return err;
}

static inline int st_report(uint32_t role, uint32_t passed, uint32_t failed,
			    uint32_t life)
{
	struct ipc_msg m = {.mr = {role, passed, failed, life}};

	return st_call(ST_CONDUCTOR_TID, ST_REPORT, &m);
}

/*
 * One call to a server thread; 0 when the answer is exactly what the
 * server must say (core: the core that server is pinned to).
 */
static inline int st_serve_call(uint32_t server, uint32_t label, uint32_t x,
				uint32_t who, uint32_t seq, uint32_t core)
{
	struct ipc_msg m = {.mr = {x, who, seq, 0}};

	m.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, 0);
	int err = ipc_call(server, &m);
	if (err)
		return err;
	if (IPC_TAG_LABEL(m.tag) != label || m.mr[0] != st_answer(x) ||
	    m.mr[1] != core || m.mr[2] != seq || m.mr[3] != ~x)
		return -1000;
	return 0;
}

/* Start fn(arg) as a thread of ours (we page it) on the given stack. */
static inline int st_spawn(int (*fn)(uint32_t), uint32_t arg, void *stack_top,
			   struct utcb *utcb)
{
	int tid = thread_prepare(TC_SAME_SPACE | TC_AS_PAGER, 0,
				 (uint32_t)(uintptr_t)thread_call_entry,
				 (uint32_t)(uintptr_t)stack_top,
				 (uint32_t)(uintptr_t)fn, arg, utcb);

	if (tid < 0)
		return tid;
	int err = sys_thread_run((uint32_t)tid);
	return err ? err : tid;
}

/* A TEST line; counts it. */
struct st_tally {
	uint32_t passed, failed;
};

#define ST_RESULT(tally, suite, name, ok, ...)                                 \
	do {                                                                   \
		if (ok) {                                                      \
			printf("TEST %s.%s PASS\n", suite, name);             \
			(tally)->passed++;                                     \
		} else {                                                       \
			char why_[160];                                        \
			snprintf(why_, sizeof(why_), __VA_ARGS__);             \
			printf("TEST %s.%s FAIL %s\n", suite, name, why_);    \
			(tally)->failed++;                                     \
		}                                                              \
	} while (0)

#endif
