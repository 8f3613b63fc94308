/*
 * The threads the controller makes: stubs (stubs.S, one call each, in a
 * slot of their own) and threads made by calls (wild: they never run any
 * code of the program but the stub). It reaps what ended, kicks what
 * waits too long (suspend and resume end a blocked wait with -E_INTR) and
 * ends what still waits after that.
 *
 * A stub exits with its call's result xor FZ_STUB_XOR; the codes the
 * controller and the generator destroy with are KILL_CODE or carry
 * FZ_CODE_TAG; a thread whose fault its pager refused exits with 128 +
 * cause. So a reaped exit code tells how the thread ended.
 */
#include <stddef.h>
#include <tessera/errno.h>
#include "attacker.h"

#define KICK_AGE 24 /* steps before a waiting thread is kicked */
#define KILL_AGE 64 /* ... and before it is ended */

struct kid kids[MAX_KIDS];
uint32_t dead[DEAD_RING];
static uint32_t dead_next;
struct slot slots[NR_SLOTS] __attribute__((aligned(UTCB_SIZE)));

_Static_assert(sizeof(struct slot) == SLOT_SIZE, "slot layout");

struct kid *kid_of(uint32_t tid)
{
	if (!tid)
		return NULL;
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i].tid == tid)
			return &kids[i];
	return NULL;
}

static void dead_push(uint32_t tid)
{
	dead[dead_next++ % DEAD_RING] = tid;
}

static void kid_drop(struct kid *k)
{
	dead_push(k->tid);
	*k = (struct kid){.slot = -1};
}

struct kid *kid_add(uint32_t tid, enum kid_kind kind)
{
	struct kid *k = kid_of(tid);

	if (k)
		return k;
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < MAX_KIDS; i++) {
			if (kids[i].tid)
				continue;
			kids[i] = (struct kid){.tid = tid, .kind = (uint8_t)kind,
					       .slot = -1, .born = S.step};
			return &kids[i];
		}
		kids_poll(true);
	}
	return NULL;
}

uint32_t live_kids(void)
{
	uint32_t n = 0;

	for (int i = 0; i < MAX_KIDS; i++)
		n += kids[i].tid != 0;
	return n;
}

void slot_init(int s)
{
	struct slot *sl = &slots[s];

	for (int i = 0; i < UTCB_MRS; i++)
		sl->utcb.mr[i] = 0x5107u << 16 | (uint32_t)s << 8 | (uint32_t)i;
	sl->utcb.ext_send_buf = 0;
	sl->utcb.ext_send_len = 0;
	sl->utcb.ext_recv_buf = 0;
	sl->utcb.ext_recv_size = 0;
	sl->utcb.ext_recv_len = 0;
	sl->utcb.tls = 0;
	for (int i = 0; i < 58; i++)
		sl->utcb.user[i] = 0;
	for (int i = 0; i < 128; i++)
		sl->guard[i] = GUARD_WORD(s, i);
}

bool slot_guard_ok(int s, uint32_t *changed)
{
	uint32_t n = 0;

	for (int i = 0; i < 128; i++)
		n += slots[s].guard[i] != GUARD_WORD(s, i);
	*changed = n;
	return n == 0;
}

static int free_slot(void)
{
	for (int s = 0; s < NR_SLOTS; s++) {
		bool used = false;
		for (int i = 0; i < MAX_KIDS; i++)
			used |= kids[i].tid && kids[i].slot == s;
		if (!used)
			return s;
	}
	return -1;
}

/* The kernel's answer to "is it alive": 0 yes, else an error. */
static int alive(uint32_t tid)
{
	static struct exregs r; /* written by the kernel: nothing kept */

	return fz_exregs(tid, EXREGS_GET, &r);
}

struct kid *stub_prepare(const struct call *given)
{
	return stub_prepare_at(given, fz_stub);
}

struct kid *stub_prepare_at(const struct call *given, void (*pc)(void))
{
	int s = free_slot();
	struct call c;
	struct exregs r = {0};

	if (s < 0) {
		kids_poll(true);
		if ((s = free_slot()) < 0)
			return NULL;
	}
	int tid = fz_call(SYS_thread_control, TC_CREATE, 0,
			  TC_SAME_SPACE | TC_AS_PAGER, 0,
			  (uint32_t)(uintptr_t)pc, 0);
	if (tid <= 0)
		return NULL;
	struct kid *k = kid_add((uint32_t)tid, KID_STUB);
	if (!k) {
		fz_tc(TC_DESTROY, (uint32_t)tid, (uint32_t)KILL_CODE);
		fz_wait((uint32_t)tid, NULL);
		return NULL;
	}
	k->slot = (int8_t)s;
	slot_init(s);
	if (given)
		c = *given;
	else
		gen_call(&c, true, s);
	for (int i = 0; i < 7; i++)
		r.r[i] = c.a[i];
	r.r[7] = c.nr;
	r.utcb = (uint32_t)(uintptr_t)&slots[s].utcb;
	int err = fz_exregs((uint32_t)tid, EXREGS_SET_REGS | EXREGS_SET_UTCB,
			    &r);
	if (err) {
		finding("could not set up stub %u: exchange_registers %d",
			(unsigned)tid, err);
		fz_tc(TC_DESTROY, (uint32_t)tid, (uint32_t)KILL_CODE);
		fz_wait((uint32_t)tid, NULL);
		kid_drop(k);
		return NULL;
	}
	k->nr = c.nr;
	for (int i = 0; i < 7; i++)
		k->a[i] = c.a[i];
	if (c.nr == SYS_exchange_registers &&
	    (c.a[1] & EXREGS_VALID_MASK & ~EXREGS_GET)) {
		struct kid *t = c.a[0] ? kid_of(c.a[0]) : k;
		if (t)
			t->rewritten = true;
	}
	return k;
}

struct kid *stub_launch(const struct call *c)
{
	struct kid *k = stub_prepare(c);

	if (k && fz_tc(TC_RUN, k->tid, 0) != 0) {
		fz_tc(TC_DESTROY, k->tid, (uint32_t)KILL_CODE);
		fz_wait(k->tid, NULL);
		kid_drop(k);
		return NULL;
	}
	return k;
}

/* What a stub's call made, from its result. */
static void learn(struct kid *k, int r)
{
	if (k->nr == SYS_thread_control && k->a[0] == TC_CREATE && r > 0) {
		/* whatever its flags said, treat it as in this space: the
		 * strictest rules (its registers may have been rewritten) */
		struct kid *n = kid_add((uint32_t)r, KID_SAME);
		(void)n;
	}
	if (k->nr == SYS_cap_control &&
	    (k->a[0] == CAP_CTRL_SPLIT || k->a[0] == CAP_CTRL_REPLICATE) &&
	    r > 0)
		made_add((uint32_t)r);
}

int kid_reap(struct kid *k, int *code)
{
	uint32_t changed;
	int err = alive(k->tid);

	if (err == 0)
		return 0;
	int w = fz_wait(k->tid, NULL);
	*code = w;
	if (k->kind == KID_STUB && k->slot >= 0 &&
	    !slot_guard_ok(k->slot, &changed))
		finding("%u words of the guard after stub %u's UTCB changed "
			"(its call: %s 0x%x 0x%x 0x%x)",
			(unsigned)changed, (unsigned)k->tid, call_name(k->nr),
			(unsigned)k->a[0], (unsigned)k->a[1],
			(unsigned)k->a[2]);
	/* w: -E_NOENT when it was not ours to reap (freed already, or a
	 * zombie of another of its threads), else its exit code */
	if (w != -E_NOENT && w != KILL_CODE &&
	    ((uint32_t)w & 0xff000000u) != FZ_CODE_TAG &&
	    !(w > 128 && w <= 128 + FAULT_DATA)) {
		int r = (int)((uint32_t)w ^ FZ_STUB_XOR);
		/* a thread that ran the stub: its call returned r */
		S.stub_calls++;
		S.calls++;
		/* only a stub's own call is known: any other thread, or a
		 * stub whose registers something set, made some other one
		 * (a wait returns a child's exit code: any value) */
		if (k->kind == KID_STUB && !k->rewritten) {
			S.by_nr[k->nr < SYS_COUNT ? k->nr : SYS_COUNT]++;
			if (!(k->nr == SYS_thread_control &&
			      k->a[0] == TC_WAIT) &&
			    !result_allowed(k->nr, k->a, r))
				finding("stub %u's call %s(0x%x, 0x%x, 0x%x, "
					"0x%x, 0x%x, 0x%x) returned %d, no "
					"result the call gives",
					(unsigned)k->tid, call_name(k->nr),
					(unsigned)k->a[0], (unsigned)k->a[1],
					(unsigned)k->a[2], (unsigned)k->a[3],
					(unsigned)k->a[4], (unsigned)k->a[5],
					r);
			learn(k, r);
		} else {
			S.by_nr[SYS_COUNT]++;
		}
	}
	kid_drop(k);
	return 1;
}

void kids_poll(bool all)
{
	for (int i = 0; i < MAX_KIDS; i++) {
		struct kid *k = &kids[i];
		int code;

		if (!k->tid)
			continue;
		uint32_t age = S.step - k->born;
		if (!all && age < 2 && k->kind == KID_STUB)
			continue;
		if (kid_reap(k, &code))
			continue;
		if (age >= KILL_AGE || (all && age >= KICK_AGE)) {
			fz_tc(TC_DESTROY, k->tid, (uint32_t)KILL_CODE);
			kid_reap(k, &code);
		} else if (age >= KICK_AGE && !k->kicked) {
			k->kicked = true;
			if (fz_tc(TC_SUSPEND, k->tid, 0) == 0)
				fz_tc(TC_RESUME, k->tid, 0);
		}
	}
}

bool kids_quiesce(void)
{
	int code;

	fz_tc(TC_DESTROY_CHILDREN, 0, (uint32_t)KILL_CODE);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < MAX_KIDS; i++) {
			struct kid *k = &kids[i];
			if (!k->tid)
				continue;
			if (kid_reap(k, &code))
				continue;
			fz_tc(TC_DESTROY, k->tid, (uint32_t)KILL_CODE);
			kid_reap(k, &code);
		}
	}
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i].tid)
			return false;
	return true;
}
