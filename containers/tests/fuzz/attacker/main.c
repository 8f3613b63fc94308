/*
 * attacker: the program of every attacking container of the fuzzing
 * system (configs/fuzz.toml: "attacker1", "attacker2", one program linked
 * per container). Its name is "attacker<container index>".
 *
 * Each life checks in with the conductor (the victim's pager, tid 1) and
 * does what it is told (../common/fuzz.h): calibrate, fuzz or close. A
 * fuzz life seeds its generator from CONFIG_FUZZ_SEED, its container and
 * its life, then runs rounds of steps until it has made its share of
 * CONFIG_FUZZ_CALLS calls. A step is one of
 *
 *   - a random call made by the controller itself (gen.c), its result
 *     checked against what the generator expects and what the call may
 *     return; a call that could block or end the controller is instead
 *     left to a stub with a call of its own;
 *   - a stub launched with a random call (kids.c): it may block, and is
 *     reaped, kicked (suspend and resume) or ended later;
 *   - a structured sequence (seq.c);
 *   - a yield, so that stubs run.
 *
 * A round ends with every thread it made ended, every capability it made
 * destroyed and every budget checked against its start (caps.c). Then it
 * reports to the conductor and ends: cleanly, or leaving threads,
 * capabilities, IRQ bindings and waits for the kernel's teardown (by
 * exit, a data abort or destroying itself), as the seed picks.
 *
 * A finding prints "<name>: FINDING seed S life L round R call C: ..."
 * and, the first time in a life, that life's FAIL TEST line; a life
 * without findings prints "TEST <name>.life<L> PASS" at its end. The
 * closing life prints the totals and "TEST <name>.calls PASS|FAIL".
 */
#include <stdarg.h>
#include <stdio.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/errno.h>
#include "attacker.h"

#define MAX_FINDING_LINES 12

static char name[16];
static uint32_t quota;

void ctl_guard_fill(void);
uint32_t ctl_guard_changed(void);
void seq_counts(char *buf, unsigned size);

void finding(const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	S.failed++;
	if (S.failed == 1)
		printf("TEST %s.life%u FAIL seed %u life %u round %u call %u: "
		       "%s\n", name, (unsigned)W.life, (unsigned)W.seed,
		       (unsigned)W.life, (unsigned)S.round, (unsigned)S.calls,
		       why);
	if (S.failed <= MAX_FINDING_LINES)
		printf("%s: FINDING seed %u life %u round %u call %u: %s\n",
		       name, (unsigned)W.seed, (unsigned)W.life,
		       (unsigned)S.round, (unsigned)S.calls, why);
}

/* ---- the conductor ------------------------------------------------------- */

static int checkin(void)
{
	struct utcb *u = (struct utcb *)(uintptr_t)W.utcb;
	struct ipc_msg m = {
		.tag = IPC_TAG(FZ_CHECKIN, 0, IPC_TYPE_SHORT, IPC_CALL),
		.mr = {FZ_MAGIC, W.life, W.index, 0},
	};

	u->ext_recv_buf = 0;
	u->ext_recv_size = 0;
	int r = fz_ipc(FZ_CONDUCTOR_TID, FZ_CONDUCTOR_TID, &m);
	if (r)
		return r;
	if (IPC_TAG_LABEL(m.tag) != FZ_HELLO ||
	    IPC_TAG_LENGTH(m.tag) != FZ_H_WORDS || u->mr[FZ_H_MAGIC] != FZ_MAGIC)
		return -E_INVAL;
	for (int i = 0; i < FZ_H_WORDS; i++)
		W.hello[i] = u->mr[i];
	return 0;
}

static int report(void)
{
	struct utcb *u = (struct utcb *)(uintptr_t)W.utcb;
	struct ipc_msg m = {
		.tag = IPC_TAG(FZ_REPORT, FZ_R_WORDS, IPC_TYPE_FULL, IPC_CALL),
	};

	u->mr[FZ_R_MAGIC] = FZ_MAGIC;
	u->mr[FZ_R_LIFE] = W.life;
	u->mr[FZ_R_CALLS] = S.calls;
	u->mr[FZ_R_ROUNDS] = S.round;
	u->mr[FZ_R_FAILED] = S.failed;
	u->mr[FZ_R_STUBS] = S.stub_calls;
	u->mr[FZ_R_SEQS] = S.seqs;
	return fz_ipc(FZ_CONDUCTOR_TID, FZ_CONDUCTOR_TID, &m);
}

/* Park with the conductor until it releases us; then the life ends. */
static int park(bool passed)
{
	struct ipc_msg m = {
		.tag = IPC_TAG(FZ_PARK, 0, IPC_TYPE_SHORT, IPC_CALL),
		.mr = {FZ_MAGIC, W.life, passed, 0},
	};

	return fz_ipc(FZ_CONDUCTOR_TID, FZ_CONDUCTOR_TID, &m);
}

/* ---- fuzzing --------------------------------------------------------------- */

extern volatile uint32_t mutex_words[4];

/* After a call of its own succeeded: what it made. */
static void learn(const struct call *c, int r, const uint32_t *out)
{
	switch (c->nr) {
	case SYS_thread_control:
		if (c->a[0] == TC_CREATE && r > 0) {
			uint32_t sp = c->a[2] & TC_SPACE_MASK;
			struct kid *src = c->a[1] ? kid_of(c->a[1]) : NULL;
			enum kid_kind kind =
				sp == TC_NEW_SPACE ? KID_NEW
				: sp == TC_COPY_SPACE
					? (src && src->kind == KID_NEW ? KID_NEW
								       : KID_COPY)
				: src && src->kind != KID_STUB
					? (enum kid_kind)src->kind
					: KID_SAME;
			struct kid *k = kid_add((uint32_t)r, kind);
			if (k)
				k->unpaged = !(c->a[2] & TC_AS_PAGER);
			else
				finding("no room to track thread %d", r);
		}
		break;
	case SYS_exchange_registers:
		if (r == 0 && (c->a[1] & EXREGS_SET_PAGER)) {
			struct kid *k = kid_of(c->a[0]);
			const struct exregs *t =
				(const struct exregs *)(uintptr_t)c->a[2];
			if (k && t)
				k->unpaged = t->pager != W.self;
		}
		break;
	case SYS_getid:
		if (c->a[0] == GETID_SELF &&
		    ((uint32_t)r != W.self || out[2] != W.index))
			finding("getid: tid %d container %u, expected %u and %u",
				r, (unsigned)out[2], (unsigned)W.self,
				(unsigned)W.index);
		break;
	case SYS_cap_control:
		if (r >= 0 && c->a[0] >= CAP_CTRL_SHARE &&
		    c->a[0] <= CAP_CTRL_DESTROY) {
			if (c->a[0] == CAP_CTRL_SPLIT ||
			    c->a[0] == CAP_CTRL_REPLICATE)
				made_add((uint32_t)r);
			caps_invariants(c->a[0] == CAP_CTRL_SPLIT ? "a split"
					: c->a[0] == CAP_CTRL_REPLICATE
						? "a replicate"
						: "a capability call");
		}
		break;
	default:
		break;
	}
}

static void direct(void)
{
	struct call c;
	struct regs7 io;

	gen_call(&c, false, -1);
	if (c.blocking && c.nr == SYS_ipc && fz_chance(&rng, 1, 2)) {
		/* the same message, sent without waiting */
		c.a[2] = (c.a[2] & ~IPC_RECV) | IPC_NONBLOCK;
		c.blocking = false;
	}
	if (c.blocking) { /* a stub makes a call of its own instead */
		stub_launch(NULL);
		fz_yield();
		return;
	}
	S.random++;
	for (int i = 0; i < 7; i++)
		io.r[i] = c.a[i];
	if (c.nr == SYS_exchange_registers &&
	    (c.a[1] & EXREGS_VALID_MASK & ~EXREGS_GET)) {
		struct kid *k = kid_of(c.a[0]);
		if (k)
			k->rewritten = true;
	}
	int r = fz_svc(c.nr, &io);
	if (c.expect != EXPECT_ANY && r != c.expect)
		finding("%s(0x%x, 0x%x, 0x%x, 0x%x, 0x%x, 0x%x) returned %d, "
			"expected %d: %s",
			call_name(c.nr), (unsigned)c.a[0], (unsigned)c.a[1],
			(unsigned)c.a[2], (unsigned)c.a[3], (unsigned)c.a[4],
			(unsigned)c.a[5], r, c.expect, c.why);
	else if (!result_allowed(c.nr, c.a, r))
		finding("%s(0x%x, 0x%x, 0x%x, 0x%x, 0x%x, 0x%x) returned %d, "
			"no result the call gives",
			call_name(c.nr), (unsigned)c.a[0], (unsigned)c.a[1],
			(unsigned)c.a[2], (unsigned)c.a[3], (unsigned)c.a[4],
			(unsigned)c.a[5], r);
	learn(&c, r, io.r);
}

static void step(void)
{
	uint32_t r = fz_below(&rng, 1000);

	S.step++;
	if (r < 780) {
		direct();
	} else if (r < 880) {
		stub_launch(NULL);
		if (fz_chance(&rng, 1, 2))
			fz_yield();
	} else if (r < 890) {
		seq_run();
	} else {
		fz_yield();
	}
	if (S.step % 8 == 0)
		kids_poll(false);
}

static void print_counts(const char *what)
{
	char seqs[200];

	printf("%s: life %u %s: %u calls (%u random ones by itself, %u by "
	       "stubs), %u rounds, %u sequences, %u findings\n",
	       name, (unsigned)W.life, what, (unsigned)S.calls,
	       (unsigned)S.random, (unsigned)S.stub_calls, (unsigned)S.round,
	       (unsigned)S.seqs, (unsigned)S.failed);
	/* a few calls a line: a console write holds 256 bytes */
	for (uint32_t first = 0; first <= SYS_COUNT; first += 4) {
		char line[160];
		unsigned len = 0;
		for (uint32_t nr = first; nr <= SYS_COUNT && nr < first + 4; nr++)
			len += (unsigned)snprintf(line + len, sizeof(line) - len,
						  " %s %u", call_name(nr),
						  (unsigned)S.by_nr[nr]);
		printf("%s: life %u calls:%s\n", name, (unsigned)W.life, line);
	}
	seq_counts(seqs, sizeof(seqs));
	printf("%s: life %u sequences:%s\n", name, (unsigned)W.life, seqs);
}

static void fuzz_life(void)
{
	world_setup();
	while (S.calls < quota) {
		uint32_t end = S.calls + FZ_ROUND_CALLS;
		S.round++;
		while (S.calls < end && S.calls < quota)
			step();
		round_end();
		printf("%s: life %u round %u done: %u calls, %u findings\n",
		       name, (unsigned)W.life, (unsigned)S.round,
		       (unsigned)S.calls, (unsigned)S.failed);
	}
}

/* How a fuzz life ends, as the seed picks. */
static int end_life(void)
{
	uint32_t how = fz_below(&rng, 100);
	int code = (int)(FZ_CODE_TAG | fz_below(&rng, 0x10000));

	if (how < 25) {
		printf("%s: life %u ends: exit, nothing left\n", name,
		       (unsigned)W.life);
		return 0;
	}
	mess_make();
	if (how < 55) {
		printf("%s: life %u ends: exit, leaving %u threads and "
		       "capabilities behind\n",
		       name, (unsigned)W.life, (unsigned)live_kids());
		return code;
	}
	if (how < 80) {
		printf("%s: life %u ends: data abort, leaving %u threads "
		       "behind\n", name, (unsigned)W.life,
		       (unsigned)live_kids());
		*(volatile uint32_t *)0x0bad0ff0u = 1;
		return -1; /* not reached */
	}
	printf("%s: life %u ends: destroys itself, leaving %u threads "
	       "behind\n", name, (unsigned)W.life, (unsigned)live_kids());
	fz_tc(TC_DESTROY, 0, (uint32_t)code);
	return -2; /* not reached */
}

int main(void)
{
	struct regs7 io = {{0}};
	int err;

	fz_svc(SYS_getid, &io);
	W.self = io.r[0];
	W.index = io.r[2];
	W.life = container_region.restarts;
	W.seed = CONFIG_FUZZ_SEED;
	W.utcb = container_region.virt + container_region.size - PAGE;
	snprintf(name, sizeof(name), "attacker%u", (unsigned)W.index);
	fz_seed(&rng, W.seed, W.index, W.life);
	for (int i = 0; i < MAX_KIDS; i++)
		kids[i].slot = -1;

	if ((err = checkin()) != 0) {
		printf("%s: life %u: check-in with the conductor failed: %d\n",
		       name, (unsigned)W.life, err);
		return 1;
	}
	quota = W.hello[FZ_H_QUOTA];
	switch (W.hello[FZ_H_MODE]) {
	case FZ_MODE_CALIBRATE:
		park(true);
		return 0;
	case FZ_MODE_CLOSE: {
		uint32_t lives = W.hello[FZ_H_LIVES_REPORTED];
		uint32_t passed = W.hello[FZ_H_LIVES_PASSED];
		uint32_t total = W.hello[FZ_H_TOTAL_CALLS];
		bool ok = lives == FZ_FUZZ_LIVES &&
			  total >= FZ_FUZZ_LIVES * FZ_LIFE_CALLS;
		printf("%s: %u calls returned over %u fuzz lives (seed %u, "
		       "%u lives without findings)\n",
		       name, (unsigned)total, (unsigned)lives,
		       (unsigned)W.seed, (unsigned)passed);
		if (ok)
			printf("TEST %s.calls PASS\n", name);
		else
			printf("TEST %s.calls FAIL seed %u: %u of %u fuzz lives "
			       "reported, %u calls (want at least %u)\n",
			       name, (unsigned)W.seed, (unsigned)lives,
			       (unsigned)FZ_FUZZ_LIVES, (unsigned)total,
			       (unsigned)(FZ_FUZZ_LIVES * FZ_LIFE_CALLS));
		park(ok);
		return 0;
	}
	case FZ_MODE_FUZZ:
		break;
	default:
		printf("%s: life %u: the conductor said mode %u\n", name,
		       (unsigned)W.life, (unsigned)W.hello[FZ_H_MODE]);
		return 1;
	}
	printf("%s: life %u fuzzes %u calls, seed %u (stream %u.%u.%u)\n", name,
	       (unsigned)W.life, (unsigned)quota, (unsigned)W.seed,
	       (unsigned)W.seed, (unsigned)W.index, (unsigned)W.life);
	fuzz_life();
	print_counts("done");
	if (!S.failed)
		printf("TEST %s.life%u PASS\n", name, (unsigned)W.life);
	if ((err = report()) != 0)
		printf("%s: life %u: report to the conductor failed: %d\n",
		       name, (unsigned)W.life, err);
	return end_life();
}
