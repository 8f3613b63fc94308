/*
 * victim: the container the fuzzing system's attackers aim at, and the
 * conductor of the run (configs/fuzz.toml; ../common/fuzz.h). It is
 * container 0, so its pager is tid 1, which every attacker life calls to
 * check in.
 *
 * Its pager fills a region with a pattern, maps its RTC, binds the RTC's
 * IRQ and starts six threads that keep doing checked work while the
 * attackers fuzz, each counting its rounds and anything wrong it sees:
 *
 *   worker    calls its partner with full messages of 0..64 words of known
 *             content and checks the answer (content and length)
 *   partner   receives from the worker only, checks, answers
 *   checker   checksums the pattern
 *   sleeper   waits on a contended mutex the whole run
 *   irq       arms the RTC's alarm, waits for the IRQ, acknowledges it
 *   sink      receives from anyone (the attackers hold a channel to this
 *             container), checks each message stays within its 64 message
 *             registers and extended buffer, answers callers
 *
 * The worker and the checker also take turns on a mutex around a counter
 * they increment non-atomically.
 *
 * The pager conducts (fuzz.h): it answers check-ins and reports, releases
 * calibrating and closing lives one at a time, and when the last attacker
 * life has gone stops its threads, checks everything, prints one TEST
 * line per check and the run's one "N passed, N failed" line, which
 * counts the attackers' TEST lines from their reports.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/mutex.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include <generated/board.h>
#include "../common/fuzz.h"

#define PAGE 4096u
#define PATTERN_VIRT 0x20000000u /* fuzz.toml: memory[0].virt */
/* fuzz.toml: device "rtc" (peripheral "rtc", optional): without one the
 * irq thread only waits for the end and irq_delivered reports SKIP */
#ifdef BOARD_HAS_PERIPHERAL_RTC
#define RTC_PHYS BOARD_PERIPHERAL_RTC_PHYS
#define RTC_IRQ ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ) /* QEMU virt: 34 */
#endif
#define RTC_VA 0x10300000u	 /* in the 4 MiB of its program's page table */
#define RTC_DR 0
#define RTC_MR 1
#define RTC_IMSC 4
#define RTC_RIS 5
#define RTC_ICR 7
#define MAX_CAPS 32
#define STACK_SIZE 4096
#define GUARD 0x61a2d000u
#define SINK_BUF 1024u
#define WAIT_YIELDS 2000

enum { SINK, WORKER, PARTNER, CHECKER, SLEEPER, IRQT, NR_THREADS };
static const char *const thread_names[] = {"sink",    "worker",  "partner",
					   "checker", "sleeper", "irq"};

/* A thread's UTCB and a guard after it the kernel must never write. */
struct vslot {
	struct utcb u;
	uint32_t guard[128];
};
static struct vslot vslots[NR_THREADS] __attribute__((aligned(UTCB_SIZE)));
static uint8_t stacks[NR_THREADS][STACK_SIZE] __attribute__((aligned(8)));
static int tids[NR_THREADS];

static struct sys_ids me;
static volatile uint32_t *pattern;
static uint32_t pattern_words, pattern_sum;
static volatile uint32_t *const rtc __attribute__((unused)) =
	(volatile uint32_t *)RTC_VA;

/* What the threads count. */
static volatile uint32_t stop;
static volatile uint32_t worker_rounds, worker_bad, partner_bad;
static volatile uint32_t checker_rounds, checker_bad;
static volatile uint32_t sleeper_word = 2, sleeper_spurious;
static volatile uint32_t irq_count, irq_bad;
static volatile uint32_t sink_msgs, sink_from_others, sink_bad;
static volatile uint32_t pager_msgs, pager_bad, junk;
static volatile uint32_t shared_count, worker_incs, checker_incs;
static struct mutex shared_lock = MUTEX_INIT;
static char first_bad[160]; /* the first anomaly a thread saw */

static struct cap_info caps_start[MAX_CAPS], caps_now[MAX_CAPS];
static int ncaps_start;
static int setup_err;
static const char *setup_what = "";

static void bad(volatile uint32_t *counter, const char *fmt, ...)
{
	va_list ap;

	if (!first_bad[0]) {
		va_start(ap, fmt);
		vsnprintf(first_bad, sizeof(first_bad), fmt, ap);
		va_end(ap);
		printf("victim: %s\n", first_bad);
	}
	(*counter)++;
}

static uint32_t pattern_word(uint32_t i)
{
	return (i + 7) * 0x9e3779b9u ^ 0xa5a55a5au;
}

static uint32_t checksum(void)
{
	uint32_t a = 0x12345678u, b = 0;

	for (uint32_t i = 0; i < pattern_words; i++) {
		a += pattern[i];
		b += a;
	}
	return a ^ (b * 31u);
}

static uint32_t guard_changed(const uint32_t *g, uint32_t words)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < words; i++)
		n += g[i] != GUARD;
	return n;
}

static void guard_fill(uint32_t *g, uint32_t words)
{
	for (uint32_t i = 0; i < words; i++)
		g[i] = GUARD;
}

/* A message received into UTCB u (and its extended buffer): within the
 * 64 message registers, within the buffer, nothing past either written. */
static void check_message(const struct ipc_msg *m, struct utcb *u,
			  uint32_t *utcb_guard, uint32_t guard_words,
			  uint8_t *ext, volatile uint32_t *counter,
			  const char *who)
{
	uint32_t type = m->tag & IPC_TYPE_MASK, len = IPC_TAG_LENGTH(m->tag);
	uint32_t g = guard_changed(utcb_guard, guard_words);
	uint32_t e = guard_changed((uint32_t *)(ext + SINK_BUF), 64);

	if (type == IPC_TYPE_FULL && len > UTCB_MRS)
		bad(counter, "%s got a full message of %u words from %u",
		    who, (unsigned)len, (unsigned)m->from);
	if (type == IPC_TYPE_EXT && u->ext_recv_len > SINK_BUF)
		bad(counter, "%s got an extended message of %u bytes into %u",
		    who, (unsigned)u->ext_recv_len, (unsigned)SINK_BUF);
	if (g)
		bad(counter, "%s: %u words past its UTCB's message registers "
			     "changed (a message of %u words, type %u, from %u)",
		    who, (unsigned)g, (unsigned)len, (unsigned)(type >> 4),
		    (unsigned)m->from);
	if (e)
		bad(counter, "%s: %u words past its extended buffer changed",
		    who, (unsigned)e);
	if (g)
		guard_fill(utcb_guard, guard_words);
	if (e)
		guard_fill((uint32_t *)(ext + SINK_BUF), 64);
}

static void ext_arm(struct utcb *u, uint8_t *buf)
{
	u->ext_recv_buf = (uint32_t)(uintptr_t)buf;
	u->ext_recv_size = SINK_BUF;
	u->ext_recv_len = 0;
}

/* ---- the threads ---------------------------------------------------------- */

static uint8_t sink_ext[SINK_BUF + 256] __attribute__((aligned(8)));

static int sink(void)
{
	struct vslot *s = &vslots[SINK];
	struct ipc_msg m;

	guard_fill((uint32_t *)(sink_ext + SINK_BUF), 64);
	for (;;) {
		ext_arm(&s->u, sink_ext);
		m = (struct ipc_msg){0};
		int err = ipc_receive(IPC_ANY, &m);
		sink_msgs++;
		check_message(&m, &s->u, s->guard, 128, sink_ext, &sink_bad,
			      "sink");
		if (!err && m.from == me.tid && IPC_TAG_LABEL(m.tag) == FZ_STOP)
			return (int)sink_bad;
		if (!err)
			sink_from_others++;
		/* answer a caller (refused unless it waits for us) */
		struct ipc_msg a = {
			.tag = IPC_TAG(0x5111, 0, IPC_TYPE_SHORT,
				       IPC_SEND | IPC_NONBLOCK),
			.mr = {sink_msgs}};
		sys_ipc(m.from, 0, &a);
		/* let senders pile up in its queue */
		sys_yield();
		sys_yield();
	}
}

static uint32_t wpat(uint32_t round, uint32_t i)
{
	return fz_mix(round * 131u + i) | 1u;
}

static uint32_t ppat(uint32_t round, uint32_t i)
{
	return fz_mix(round * 137u + i + 0x1000u) & ~1u;
}

static void shared_increment(volatile uint32_t *mine)
{
	mutex_lock(&shared_lock);
	uint32_t v = shared_count;
	sys_yield(); /* the other one may try meanwhile */
	shared_count = v + 1;
	(*mine)++;
	mutex_unlock(&shared_lock);
}

static int worker(void)
{
	struct utcb *u = &vslots[WORKER].u;
	uint32_t partner = (uint32_t)tids[PARTNER];

	for (uint32_t round = 0; !stop; round++) {
		uint32_t n = round % (UTCB_MRS + 1);
		struct ipc_msg m = {
			.tag = IPC_TAG(FZ_ROUND, n, IPC_TYPE_FULL, 0),
			.mr = {round, ~round, 0x600d, n}};
		for (uint32_t i = 0; i < n; i++)
			u->mr[i] = wpat(round, i);
		for (uint32_t i = n; i < UTCB_MRS; i++)
			u->mr[i] = 0xeeee0000u | i;
		u->ext_recv_buf = 0;
		u->ext_recv_size = 0;
		int err = ipc_call(partner, &m);
		uint32_t wrong = 0;
		for (uint32_t i = 0; i < UTCB_MRS; i++)
			wrong += u->mr[i] != (i < n ? ppat(round, i)
						    : 0xeeee0000u | i);
		if (err || m.from != partner ||
		    IPC_TAG_LABEL(m.tag) != FZ_ROUND + 1 ||
		    IPC_TAG_LENGTH(m.tag) != n || m.mr[0] != round + 1 ||
		    m.mr[1] != ~round || wrong ||
		    guard_changed(vslots[WORKER].guard, 128))
			bad(&worker_bad,
			    "worker round %u: call %d from %u tag 0x%x mr0 %u, "
			    "%u words wrong",
			    (unsigned)round, err, (unsigned)m.from,
			    (unsigned)m.tag, (unsigned)m.mr[0], (unsigned)wrong);
		worker_rounds++;
		if (round % 4 == 0)
			shared_increment(&worker_incs);
		sys_yield();
	}
	struct ipc_msg m = {.tag = IPC_TAG(FZ_STOP, 0, IPC_TYPE_SHORT, 0)};
	ipc_send((uint32_t)tids[PARTNER], &m);
	return (int)worker_bad;
}

static int partner(void)
{
	struct utcb *u = &vslots[PARTNER].u;
	uint32_t worker = (uint32_t)tids[WORKER];

	for (;;) {
		struct ipc_msg m = {0};
		u->ext_recv_buf = 0;
		u->ext_recv_size = 0;
		int err = ipc_receive(worker, &m);
		if (!err && IPC_TAG_LABEL(m.tag) == FZ_STOP)
			return (int)partner_bad;
		uint32_t round = m.mr[0], n = IPC_TAG_LENGTH(m.tag), wrong = 0;
		for (uint32_t i = 0; i < n && i < UTCB_MRS; i++)
			wrong += u->mr[i] != wpat(round, i);
		if (err || m.from != worker ||
		    IPC_TAG_LABEL(m.tag) != FZ_ROUND ||
		    (m.tag & IPC_TYPE_MASK) != IPC_TYPE_FULL ||
		    n != round % (UTCB_MRS + 1) || m.mr[1] != ~round ||
		    m.mr[2] != 0x600d || wrong ||
		    guard_changed(vslots[PARTNER].guard, 128))
			bad(&partner_bad,
			    "partner: receive %d from %u tag 0x%x round %u, %u "
			    "words wrong",
			    err, (unsigned)m.from, (unsigned)m.tag,
			    (unsigned)round, (unsigned)wrong);
		for (uint32_t i = 0; i < UTCB_MRS; i++)
			u->mr[i] = i < n ? ppat(round, i) : 0xdddd0000u | i;
		struct ipc_msg a = {
			.tag = IPC_TAG(FZ_ROUND + 1, n < UTCB_MRS ? n : UTCB_MRS,
				       IPC_TYPE_FULL, IPC_SEND | IPC_NONBLOCK),
			.mr = {round + 1, ~round, 0, 0}};
		err = sys_ipc(worker, 0, &a);
		if (err)
			bad(&partner_bad, "partner: answer %d", err);
	}
}

static int checker(void)
{
	while (!stop) {
		if (checksum() != pattern_sum)
			bad(&checker_bad, "checker: the pattern's checksum "
					  "changed");
		checker_rounds++;
		shared_increment(&checker_incs);
		sys_yield();
	}
	return (int)checker_bad;
}

static int sleeper(void)
{
	while (sleeper_word == 2) {
		sys_mutex_control(&sleeper_word, MUTEX_WAIT);
		if (sleeper_word == 2)
			sleeper_spurious++;
	}
	return (int)sleeper_spurious;
}

/* Make the RTC's alarm fire now (retry if the count moved meanwhile). */
static __attribute__((unused)) bool rtc_alarm_now(void)
{
	for (int i = 0; i < 5; i++) {
		rtc[RTC_MR] = rtc[RTC_DR];
		if (rtc[RTC_RIS] & 1)
			return true;
	}
	return false;
}

static int irq_thread(void)
{
#ifndef BOARD_HAS_PERIPHERAL_RTC
	while (!stop)
		sys_yield();
	return 0;
#else
	rtc[RTC_IMSC] = 1;
	while (!stop) {
		if (!rtc_alarm_now()) {
			bad(&irq_bad, "irq: the RTC alarm did not fire");
			sys_yield();
			continue;
		}
		int err = irq_wait(RTC_IRQ);
		rtc[RTC_ICR] = 1;
		if (err) {
			bad(&irq_bad, "irq: wait %d", err);
			break;
		}
		if ((err = irq_ack(RTC_IRQ)) != 0)
			bad(&irq_bad, "irq: acknowledge %d", err);
		irq_count++;
		for (int i = 0; i < 4; i++)
			sys_yield();
	}
	rtc[RTC_IMSC] = 0;
	return (int)irq_bad;
#endif
}

static int (*const thread_fns[NR_THREADS])(void) = {
	sink, worker, partner, checker, sleeper, irq_thread,
};

static void __attribute__((noreturn)) thread_entry(uint32_t fn)
{
	sys_exit(((int (*)(void))(uintptr_t)fn)());
}

/* ---- set-up ------------------------------------------------------------------ */

static void setup_step(int err, const char *what)
{
	if (err < 0 && !setup_err) {
		setup_err = err;
		setup_what = what;
		printf("victim: set-up: %s: %d\n", what, err);
	}
}

static uint32_t used_of(uint32_t res)
{
	int n = cap_read(caps_now, MAX_CAPS);
	uint32_t u = 0;

	for (int i = 0; i < n; i++)
		if (caps_now[i].resource == res)
			u += caps_now[i].used;
	return u;
}

static void setup(void)
{
	sys_getid(&me);
	ncaps_start = cap_read(caps_start, MAX_CAPS);
	setup_step(ncaps_start, "cap_read");
	for (int i = 0; i < ncaps_start; i++) {
		const struct cap_info *c = &caps_start[i];
		if (c->resource == CAP_RES_PHYSMEM &&
		    c->base != container_region.phys) {
			pattern = (volatile uint32_t *)PATTERN_VIRT;
			pattern_words = c->size / 4;
		}
	}
	setup_step(pattern ? 0 : -E_NOENT, "pattern memory");
	for (uint32_t i = 0; i < pattern_words; i++)
		pattern[i] = pattern_word(i);
	pattern_sum = checksum();
#ifdef BOARD_HAS_PERIPHERAL_RTC
	setup_step(sys_map(RTC_PHYS, RTC_VA, 1,
			   MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_DEVICE, 0),
		   "map the RTC");
#endif
	for (int t = 0; t < NR_THREADS; t++) {
		struct exregs r = {0};
		guard_fill(vslots[t].guard, 128);
		int tid = sys_thread_create(
			0, TC_SAME_SPACE | TC_AS_PAGER, 0,
			(uint32_t)(uintptr_t)thread_entry,
			(uint32_t)(uintptr_t)&stacks[t + 1][0]);
		setup_step(tid, thread_names[t]);
		if (tid < 0)
			continue;
		tids[t] = tid;
		r.r[0] = (uint32_t)(uintptr_t)thread_fns[t];
		r.utcb = (uint32_t)(uintptr_t)&vslots[t].u;
		setup_step(sys_exchange_registers((uint32_t)tid,
						  EXREGS_SET_REGS |
							  EXREGS_SET_UTCB,
						  &r),
			   "set a thread's registers");
	}
#ifdef BOARD_HAS_PERIPHERAL_RTC
	setup_step(irq_bind(RTC_IRQ, (uint32_t)tids[IRQT]), "bind the RTC IRQ");
#endif
	for (int t = 0; t < NR_THREADS; t++)
		if (tids[t] > 0)
			setup_step(sys_thread_run((uint32_t)tids[t]), "run");
	/* the sleeper holds a MUTEXES unit while it waits */
	for (int i = 0; i < WAIT_YIELDS && used_of(CAP_RES_MUTEXES) == 0; i++)
		sys_yield();
	setup_step(used_of(CAP_RES_MUTEXES) ? 0 : -E_BUSY, "sleeper waiting");
}

/* ---- conducting ---------------------------------------------------------------- */

struct attacker {
	uint32_t tid;	     /* its current life's pager */
	uint32_t next_life;  /* the life it should check in next */
	uint32_t checkins;
	uint32_t reports, calls, stub_calls, seqs, lives_passed;
	uint32_t lost;	     /* fuzz lives that never reported */
	uint32_t protocol;   /* messages out of order */
	bool parked, held;   /* a park, a check-in it holds */
	uint32_t park_tid, held_tid, held_life;
	bool closed_ok;      /* its closing TEST line passed */
	bool gone;
};

static struct attacker att[FZ_ATTACKERS + 1]; /* by container index */
static uint8_t pager_ext[SINK_BUF + 256] __attribute__((aligned(8)));

static struct utcb *my_utcb(void)
{
	return utcb_self();
}

static uint32_t *pager_guard(void)
{
	return (uint32_t *)((uintptr_t)my_utcb() + UTCB_SIZE);
}
#define PAGER_GUARD_WORDS ((PAGE - UTCB_SIZE) / 4)

static uint32_t cap_lo, cap_hi;

static void answer_hello(uint32_t to, uint32_t mode, uint32_t index)
{
	uint32_t *w = my_utcb()->mr;
	struct attacker *a = &att[index];
	uint32_t other = att[index == 1 ? 2 : 1].tid;

	w[FZ_H_MAGIC] = FZ_MAGIC;
	w[FZ_H_MODE] = mode;
	w[FZ_H_QUOTA] = FZ_LIFE_CALLS;
	w[FZ_H_VICTIM_PAGER] = me.tid;
	w[FZ_H_SINK] = (uint32_t)tids[SINK];
	w[FZ_H_WORKER] = (uint32_t)tids[WORKER];
	w[FZ_H_PARTNER] = (uint32_t)tids[PARTNER];
	w[FZ_H_CHECKER] = (uint32_t)tids[CHECKER];
	w[FZ_H_SLEEPER] = (uint32_t)tids[SLEEPER];
	w[FZ_H_IRQ_THREAD] = (uint32_t)tids[IRQT];
	w[FZ_H_OTHER] = other;
	w[FZ_H_VCAP_LO] = cap_lo;
	w[FZ_H_VCAP_HI] = cap_hi;
	w[FZ_H_TOTAL_CALLS] = a->calls;
	w[FZ_H_LIVES_PASSED] = a->lives_passed;
	w[FZ_H_LIVES_REPORTED] = a->reports;
	struct ipc_msg m = {
		.tag = IPC_TAG(FZ_HELLO, FZ_H_WORDS, IPC_TYPE_FULL,
			       IPC_SEND | IPC_NONBLOCK)};
	int err = sys_ipc(to, 0, &m);
	if (err) {
		a->protocol++;
		printf("victim: answer to attacker%u's check-in: %d\n",
		       (unsigned)index, err);
	}
}

static void answer_short(uint32_t to, uint32_t label)
{
	struct ipc_msg m = {
		.tag = IPC_TAG(label, 0, IPC_TYPE_SHORT, IPC_SEND | IPC_NONBLOCK)};

	sys_ipc(to, 0, &m);
}

static uint32_t mode_of(uint32_t life)
{
	return life == 0		? FZ_MODE_CALIBRATE
	       : life == FZ_LIVES - 1 ? FZ_MODE_CLOSE
				      : FZ_MODE_FUZZ;
}

/* Take one message from anyone; answer or hold what is ours to answer. */
static void receive_one(bool hold_checkins)
{
	struct ipc_msg m = {0};

	ext_arm(my_utcb(), pager_ext);
	int err = ipc_receive(IPC_ANY, &m);
	pager_msgs++;
	check_message(&m, my_utcb(), pager_guard(), PAGER_GUARD_WORDS,
		      pager_ext, &pager_bad, "pager");
	if (err) {
		printf("victim: receive failed: %d\n", err);
		return;
	}
	uint32_t label = IPC_TAG_LABEL(m.tag), index = m.mr[2];
	if (label == FZ_CHECKIN && m.mr[0] == FZ_MAGIC && index >= 1 &&
	    index <= FZ_ATTACKERS) {
		struct attacker *a = &att[index];
		uint32_t life = m.mr[1];
		if (life != a->next_life) {
			a->protocol++;
			printf("victim: attacker%u checked in as life %u, "
			       "expected %u\n",
			       (unsigned)index, (unsigned)life,
			       (unsigned)a->next_life);
		}
		/* a fuzz life before this one that never reported */
		if (life > 1 && life - 1 < FZ_LIVES - 1 &&
		    a->reports < life - 1) {
			a->lost += life - 1 - a->reports;
			printf("victim: attacker%u life %u never reported\n",
			       (unsigned)index, (unsigned)life - 1);
			a->reports = life - 1;
		}
		a->tid = m.from;
		a->next_life = life + 1;
		a->checkins++;
		if (hold_checkins) {
			a->held = true;
			a->held_tid = m.from;
			a->held_life = life;
			return;
		}
		answer_hello(m.from, mode_of(life), index);
		return;
	}
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++) {
		struct attacker *a = &att[i];
		if (m.from != a->tid || !a->tid)
			continue;
		uint32_t *w = my_utcb()->mr;
		if (label == FZ_REPORT && IPC_TAG_LENGTH(m.tag) == FZ_R_WORDS &&
		    w[FZ_R_MAGIC] == FZ_MAGIC) {
			a->reports++;
			a->calls += w[FZ_R_CALLS];
			a->stub_calls += w[FZ_R_STUBS];
			a->seqs += w[FZ_R_SEQS];
			a->lives_passed += w[FZ_R_FAILED] == 0;
			answer_short(m.from, FZ_REPORT);
			return;
		}
		if (label == FZ_PARK && m.mr[0] == FZ_MAGIC) {
			a->parked = true;
			a->park_tid = m.from;
			if (m.mr[1] == FZ_LIVES - 1)
				a->closed_ok = m.mr[2] == 1;
			return;
		}
	}
	junk++; /* an attacker's random call: nobody answers it */
}

/* Answer a parked life and wait until it has gone (-E_DEAD). */
static void release(struct attacker *a)
{
	struct ipc_msg m = {
		.tag = IPC_TAG(FZ_RELEASE, 0, IPC_TYPE_SHORT, IPC_CALL)};

	a->parked = false;
	int err = sys_ipc(a->park_tid, a->park_tid, &m);
	if (err != -E_DEAD) {
		a->protocol++;
		printf("victim: a released life ended with %d, not %d\n", err,
		       -E_DEAD);
	}
}

static bool all_parked(void)
{
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++)
		if (!att[i].parked)
			return false;
	return true;
}

static uint32_t at_fuzz_start[4], at_fuzz_end[4];
static uint64_t ticks_start, ticks_end;

static uint64_t now_ticks(void)
{
	uint64_t t;
	uint32_t hz;

	sys_time(&t, &hz);
	return t;
}

static void progress(uint32_t *p)
{
	p[0] = worker_rounds;
	p[1] = checker_rounds;
	p[2] = irq_count;
	p[3] = sink_from_others;
}

static void conduct(void)
{
	/* calibration: every attacker's first life parks; each is let go
	 * alone, and its next life held until the other has gone too */
	while (!all_parked())
		receive_one(false);
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++) {
		release(&att[i]);
		while (!att[i].held)
			receive_one(true);
	}
	progress(at_fuzz_start);
	ticks_start = now_ticks();
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++) {
		att[i].held = false;
		answer_hello(att[i].held_tid, mode_of(att[i].held_life), i);
	}
	/* fuzzing, until every attacker's closing life has parked */
	while (!all_parked())
		receive_one(false);
	progress(at_fuzz_end);
	ticks_end = now_ticks();
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++)
		release(&att[i]);
}

/* ---- the checks ----------------------------------------------------------------- */

static unsigned passed, failed, skipped;

static void __attribute__((format(printf, 3, 4)))
result(const char *name, bool ok, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	if (ok) {
		passed++;
		printf("TEST victim.%s PASS\n", name);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	failed++;
	printf("TEST victim.%s FAIL seed %u: %s\n", name,
	       (unsigned)CONFIG_FUZZ_SEED, why);
}

static int codes[NR_THREADS];

static void stop_threads(void)
{
	stop = 1;
	/* the sink: a message from its own pager */
	struct ipc_msg m = {.tag = IPC_TAG(FZ_STOP, 0, IPC_TYPE_SHORT, 0)};
	ipc_send((uint32_t)tids[SINK], &m);
	for (int t = 0; t < NR_THREADS; t++) {
		if (t == SLEEPER || tids[t] <= 0)
			continue;
		codes[t] = sys_thread_wait((uint32_t)tids[t], NULL);
	}
}

int main(void)
{
	bool threads_ok = true;
	char why[160] = "";
	struct exregs r;

	setup();
	cap_lo = 0xffffffffu;
	for (int i = 0; i < ncaps_start; i++) {
		cap_lo = caps_start[i].id < cap_lo ? caps_start[i].id : cap_lo;
		cap_hi = caps_start[i].id > cap_hi ? caps_start[i].id : cap_hi;
	}
	guard_fill(pager_guard(), PAGER_GUARD_WORDS);
	guard_fill((uint32_t *)(pager_ext + SINK_BUF), 64);
	printf("victim: set up; seed %u, %u calls for %u attackers in %u "
	       "fuzz lives each\n",
	       (unsigned)CONFIG_FUZZ_SEED, (unsigned)CONFIG_FUZZ_CALLS,
	       (unsigned)FZ_ATTACKERS, (unsigned)FZ_FUZZ_LIVES);
	conduct();

	/* everything it started is still there, as it left it */
	for (int t = 0; t < NR_THREADS; t++) {
		int err = sys_exchange_registers((uint32_t)tids[t], EXREGS_GET,
						 &r);
		if (threads_ok && (err || r.pager != me.tid ||
				   r.utcb != (uint32_t)(uintptr_t)&vslots[t].u)) {
			threads_ok = false;
			snprintf(why, sizeof(why),
				 "%s (%d): read %d, pager %u, utcb 0x%x",
				 thread_names[t], tids[t], err,
				 (unsigned)r.pager, (unsigned)r.utcb);
		}
	}
	uint32_t irqs_bound = used_of(CAP_RES_IRQS);
	uint32_t mutex_waits = used_of(CAP_RES_MUTEXES);
	uint32_t spurious = sleeper_spurious;
	stop_threads();
	/* the sleeper: woken by us, now */
	sleeper_word = 0;
	int woken = sys_mutex_control(&sleeper_word, MUTEX_WAKE);
	codes[SLEEPER] = sys_thread_wait((uint32_t)tids[SLEEPER], NULL);
#ifdef BOARD_HAS_PERIPHERAL_RTC
	irq_unbind(RTC_IRQ); /* gone with its thread already */
#endif

	result("set_up", !setup_err, "%s: %d", setup_what, setup_err);
	bool att_ok = true;
	char awhy[200] = "";
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++) {
		struct attacker *a = &att[i];
		printf("victim: attacker%u: %u lives checked in, %u fuzz lives "
		       "reported (%u without findings), %u calls (%u by stubs, "
		       "%u sequences)\n",
		       (unsigned)i, (unsigned)a->checkins, (unsigned)a->reports,
		       (unsigned)a->lives_passed, (unsigned)a->calls,
		       (unsigned)a->stub_calls, (unsigned)a->seqs);
		if (a->checkins != FZ_LIVES || a->reports != FZ_FUZZ_LIVES ||
		    a->lost || a->protocol) {
			att_ok = false;
			snprintf(awhy, sizeof(awhy),
				 "attacker%u: %u lives checked in (want %u), "
				 "%u reports (want %u), %u lost, %u out of order",
				 (unsigned)i, (unsigned)a->checkins,
				 (unsigned)FZ_LIVES, (unsigned)a->reports,
				 (unsigned)FZ_FUZZ_LIVES, (unsigned)a->lost,
				 (unsigned)a->protocol);
		}
	}
	result("attackers_completed", att_ok, "%s", awhy);
	printf("victim: during the fuzzing (%u ticks): worker %u rounds, "
	       "checker %u, irq %u, sink %u messages from attackers; pager %u "
	       "messages (%u not its protocol)\n",
	       (unsigned)(ticks_end - ticks_start),
	       (unsigned)(at_fuzz_end[0] - at_fuzz_start[0]),
	       (unsigned)(at_fuzz_end[1] - at_fuzz_start[1]),
	       (unsigned)(at_fuzz_end[2] - at_fuzz_start[2]),
	       (unsigned)(at_fuzz_end[3] - at_fuzz_start[3]),
	       (unsigned)pager_msgs, (unsigned)junk);
#ifdef BOARD_HAS_PERIPHERAL_RTC
#define IRQ_PROGRESSED (at_fuzz_end[2] > at_fuzz_start[2])
#else
#define IRQ_PROGRESSED true /* no RTC: no irq thread to count */
#endif
	result("kept_working",
	       at_fuzz_end[0] > at_fuzz_start[0] &&
		       at_fuzz_end[1] > at_fuzz_start[1] && IRQ_PROGRESSED,
	       "worker %u -> %u, checker %u -> %u, irq %u -> %u",
	       (unsigned)at_fuzz_start[0], (unsigned)at_fuzz_end[0],
	       (unsigned)at_fuzz_start[1], (unsigned)at_fuzz_end[1],
	       (unsigned)at_fuzz_start[2], (unsigned)at_fuzz_end[2]);
	uint32_t wrong = 0;
	for (uint32_t i = 0; i < pattern_words; i++)
		wrong += pattern[i] != pattern_word(i);
	result("pattern_unchanged", wrong == 0 && checker_bad == 0 &&
					    codes[CHECKER] == 0,
	       "%u words changed, checker saw %u bad checksums (exit %d)",
	       (unsigned)wrong, (unsigned)checker_bad, codes[CHECKER]);
	result("ipc_round_trips_intact",
	       worker_bad == 0 && partner_bad == 0 && worker_rounds > 0 &&
		       codes[WORKER] == 0 && codes[PARTNER] == 0,
	       "%u rounds, worker saw %u wrong, partner %u (exits %d %d): %s",
	       (unsigned)worker_rounds, (unsigned)worker_bad,
	       (unsigned)partner_bad, codes[WORKER], codes[PARTNER],
	       first_bad);
	result("mutex_exclusion_held",
	       shared_count == worker_incs + checker_incs && worker_incs > 0 &&
		       checker_incs > 0,
	       "counter %u after %u + %u increments", (unsigned)shared_count,
	       (unsigned)worker_incs, (unsigned)checker_incs);
	result("sleeper_never_woken",
	       spurious == 0 && mutex_waits >= 1 && woken == 1 &&
		       codes[SLEEPER] == 0,
	       "%u spurious wakes, %u mutex waits before the end, woken %d, "
	       "exit %d",
	       (unsigned)spurious, (unsigned)mutex_waits, woken,
	       codes[SLEEPER]);
#ifdef BOARD_HAS_PERIPHERAL_RTC
	result("irq_delivered",
	       irq_count > 0 && irq_bad == 0 && irqs_bound == 1 &&
		       codes[IRQT] == 0,
	       "%u deliveries, %u errors, %u bound at the end (exit %d): %s",
	       (unsigned)irq_count, (unsigned)irq_bad, (unsigned)irqs_bound,
	       codes[IRQT], first_bad);
#else
	(void)irqs_bound;
	skipped++;
	printf("TEST victim.irq_delivered SKIP no RTC on this board (no "
	       "peripheral \"rtc\")\n");
#endif
	result("messages_bounded",
	       sink_bad == 0 && pager_bad == 0 && codes[SINK] == 0 &&
		       sink_from_others > 0,
	       "sink %u anomalies in %u messages (%u from attackers), pager "
	       "%u: %s",
	       (unsigned)sink_bad, (unsigned)sink_msgs,
	       (unsigned)sink_from_others, (unsigned)pager_bad, first_bad);
	result("threads_intact", threads_ok, "%s", why);

	int n = cap_read(caps_now, MAX_CAPS);
	bool same = n == ncaps_start;
	for (int i = 0; same && i < ncaps_start; i++) {
		const struct cap_info *a = &caps_start[i], *b = NULL;
		for (int j = 0; j < n; j++)
			if (caps_now[j].id == a->id)
				b = &caps_now[j];
		same = b && b->resource == a->resource && b->ops == a->ops &&
		       b->flags == a->flags && b->target_kind == a->target_kind &&
		       b->target == a->target && b->base == a->base &&
		       b->size == a->size && b->list == a->list &&
		       b->holder == a->holder && b->used == a->used;
	}
	result("capabilities_unchanged", same, "%d capabilities, %d at start",
	       n, ncaps_start);
	uint32_t used = 0;
	for (int i = 0; i < n; i++)
		if ((caps_now[i].resource & CAP_KIND_MASK) == CAP_KIND_QUANTITY)
			used += caps_now[i].used;
	result("budgets_back", used == 0, "%u units still in use", (unsigned)used);

	/* the run's summary: ours and the attackers' TEST lines */
	unsigned apassed = 0, afailed = 0;
	for (uint32_t i = 1; i <= FZ_ATTACKERS; i++) {
		apassed += att[i].lives_passed + att[i].closed_ok;
		afailed += (att[i].reports - att[i].lives_passed) +
			   !att[i].closed_ok;
	}
	printf("victim: summary of the run (victim and attackers):\n");
	test_summary(passed + apassed, failed + afailed, skipped);
	return failed + afailed ? 1 : 0;
}
