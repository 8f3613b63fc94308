/*
 * Structured sequences: calls in an order that reaches states random
 * calls rarely reach, each result checked against what docs/syscalls.md
 * and docs/capabilities.md say. Every sequence starts with no thread of
 * the controller's left (kids_quiesce), so nothing else of its container
 * acts while it runs; parameters come from the seed.
 *
 *   tag_rewrite    a stub's full message waits in the controller's queue;
 *                  exchange_registers rewrites its tag (r2) to 65..255
 *                  words and its MR0-MR3; the controller receives: the
 *                  length it was sent with, the rewritten MR0-MR3, its
 *                  UTCB untouched past them
 *   cross_rewrite  the same with messages queued on the victim's sink, a
 *                  thread of another container (the victim checks)
 *   ipc_pair       stub to stub: a full message by name; a call whose
 *                  receiver ends: -E_DEAD
 *   caps_chain     replicate, split operations, deduce (narrow, widen,
 *                  target), grant to a thread and back when it ends,
 *                  share, destroy in order
 *   budget_split   budgets split and given back; all free units of the
 *                  CAPS budget split off (-E_BUDGET); replicate until the
 *                  budget is exhausted, exactly its room
 *   map_remap      map, alias, remap, unmap in its own space; a new and a
 *                  copied space with their page-table and space budgets
 *   mutex          two stubs wait on a contended word, woken one by one;
 *                  a waiter suspended; the budget of waits
 *   irq            its device's IRQ bound to a stub that waits, refused
 *                  twice, unbound (-E_DEAD for the waiter); to itself
 *   threads        create, run, resume, recycle, destroy, wait, reap,
 *                  destroy-children, with the THREADS budget
 *   fault          a prefetch abort refused (exit 131), a data abort its
 *                  pager serves with a mapping (the load then succeeds)
 *   suspend        a stub blocked in a receive suspended (-E_INTR), resumed
 *   exregs         every flag of exchange_registers on an inactive stub
 */
#include <stddef.h>
#include <stdio.h>
#include <tessera/errno.h>
#include "attacker.h"

#define SEQ_YIELDS 200 /* bound on yields while waiting for a stub */
#define SEQ_LABEL 0x7e57u

static const char *seq_name = "";

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			char why_[160];                                        \
			snprintf(why_, sizeof(why_), __VA_ARGS__);             \
			finding("sequence %s: %s", seq_name, why_);            \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_EQ(got, want, what)                                              \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		CHECK(g_ == w_, "%s: %lld, expected %lld", what, g_, w_);     \
	} while (0)

static uint32_t rnd(void)
{
	return fz_next(&rng);
}

static struct exregs er; /* the controller's own: nothing else writes it */

/* Has the stub made its call (its pc is past the svc) and does it still
 * wait in it? Yields until it has or it ended. */
static bool blocked_in_call(struct kid *k)
{
	for (int i = 0; i < SEQ_YIELDS; i++) {
		if (fz_exregs(k->tid, EXREGS_GET, &er) != 0)
			return false; /* it ended */
		if (er.pc == (uint32_t)(uintptr_t)fz_stub_exit)
			return true;
		fz_yield();
	}
	return false;
}

/* Wait until the stub has ended; its call's result in *r. */
static bool ended(struct kid *k, int *r)
{
	int code = 0;

	for (int i = 0; i < SEQ_YIELDS; i++) {
		if (kid_reap(k, &code)) {
			*r = (int)((uint32_t)code ^ FZ_STUB_XOR);
			return true;
		}
		fz_yield();
	}
	return false;
}

static struct call call_of(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2,
			   uint32_t a3, uint32_t a4, uint32_t a5, uint32_t a6)
{
	struct call c = {.nr = nr, .a = {a0, a1, a2, a3, a4, a5, a6},
			 .expect = EXPECT_ANY};

	return c;
}

static struct utcb *my_utcb(void)
{
	return (struct utcb *)(uintptr_t)W.utcb;
}

/* The controller's UTCB page past its message registers: the rest of
 * the UTCB (its extended-buffer fields are set to 0 for a receive) and
 * the rest of the page. A message never writes there. */
#define CTL_GUARD_FIRST (UTCB_MRS + 6)	/* the UTCB's user words on */
#define CTL_GUARD_END (PAGE / 4)
#define CTL_GUARD(i) (0xc7a10000u | (i))

static uint32_t *ctl_words(void)
{
	return (uint32_t *)(uintptr_t)W.utcb;
}

void ctl_guard_fill(void)
{
	for (uint32_t i = CTL_GUARD_FIRST; i < CTL_GUARD_END; i++)
		ctl_words()[i] = CTL_GUARD(i);
}

uint32_t ctl_guard_changed(void)
{
	uint32_t n = 0;

	for (uint32_t i = CTL_GUARD_FIRST; i < CTL_GUARD_END; i++)
		n += ctl_words()[i] != CTL_GUARD(i);
	return n;
}

/* ---- ipc ---------------------------------------------------------------- */

static uint32_t forged_tag(void)
{
	static const uint32_t types[] = {IPC_TYPE_FULL, IPC_TYPE_FULL,
					 IPC_TYPE_FULL, IPC_TYPE_EXT,
					 IPC_TYPE_SHORT, IPC_TYPE_MASK};
	uint32_t len = fz_chance(&rng, 1, 2) ? 255
					     : UTCB_MRS + 1 +
						       fz_below(&rng, 255 - UTCB_MRS);

	return IPC_TAG(0x0badu, len, PICK(types), rnd() & 0xfu);
}

static void seq_tag_rewrite(void)
{
	uint32_t len = fz_below(&rng, UTCB_MRS + 1), n[4];
	bool call = fz_chance(&rng, 1, 2);
	struct call c = call_of(SYS_ipc, W.self, call ? W.self : 0,
				IPC_TAG(SEQ_LABEL, len, IPC_TYPE_FULL,
					call ? IPC_CALL : IPC_SEND),
				0x11, 0x22, 0x33, 0x44);
	struct kid *k = stub_launch(&c);
	int r;

	if (!k)
		return;
	uint32_t tid = k->tid;
	int slot = k->slot;
	CHECK(blocked_in_call(k), "stub %u never waited in its send",
	      (unsigned)tid);
	/* rewrite the waiting sender's registers: tag and MR0-MR3 */
	er = (struct exregs){0};
	er.r[0] = W.self;
	er.r[1] = call ? W.self : 0;
	er.r[2] = forged_tag();
	for (int i = 0; i < 4; i++)
		er.r[3 + i] = n[i] = rnd();
	er.r[7] = SYS_ipc;
	r = fz_exregs(tid, EXREGS_SET_REGS, &er);
	CHECK_EQ(r, 0, "exchange_registers on the waiting sender");
	/* receive it: the length it was sent with, nothing past it */
	struct utcb *u = my_utcb();
	for (uint32_t i = 0; i < UTCB_MRS; i++)
		u->mr[i] = 0xdead0000u | i;
	u->ext_recv_buf = 0;
	u->ext_recv_size = 0;
	ctl_guard_fill();
	struct ipc_msg m = {.tag = IPC_RECV};
	r = fz_ipc(0, tid, &m);
	uint32_t guard = ctl_guard_changed(), wrong = 0, past = 0;
	for (uint32_t i = 0; i < UTCB_MRS; i++) {
		uint32_t want = i < len ? slots[slot].utcb.mr[i]
					: 0xdead0000u | i;
		if (u->mr[i] != want)
			*(i < len ? &wrong : &past) += 1;
	}
	CHECK(guard == 0 && past == 0,
	      "full message of %u words, tag rewritten to 0x%08x while "
	      "queued, received as 0x%08x: %u words past it in the UTCB page "
	      "changed",
	      (unsigned)len, (unsigned)er.r[2], (unsigned)m.tag,
	      (unsigned)(guard + past));
	CHECK_EQ(r, 0, "receive from the waiting sender");
	CHECK_EQ(m.from, tid, "sender");
	CHECK(IPC_TAG_LENGTH(m.tag) == len &&
		      (m.tag & IPC_TYPE_MASK) == IPC_TYPE_FULL &&
		      IPC_TAG_LABEL(m.tag) == SEQ_LABEL,
	      "full message of %u words (label 0x%x), tag rewritten to "
	      "0x%08x while queued, received as 0x%08x",
	      (unsigned)len, (unsigned)SEQ_LABEL, (unsigned)er.r[2],
	      (unsigned)m.tag);
	CHECK(wrong == 0, "%u of %u message words wrong", (unsigned)wrong,
	      (unsigned)len);
	CHECK(m.mr[0] == n[0] && m.mr[1] == n[1] && m.mr[2] == n[2] &&
		      m.mr[3] == n[3],
	      "MR0-MR3 are not the rewritten r3-r6: 0x%x 0x%x (want 0x%x 0x%x)",
	      (unsigned)m.mr[0], (unsigned)m.mr[1], (unsigned)n[0],
	      (unsigned)n[1]);
	if (call) { /* it waits for our answer */
		struct ipc_msg a = {
			.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT,
				       IPC_SEND | IPC_NONBLOCK)};
		CHECK_EQ(fz_ipc(tid, 0, &a), 0, "answer to the caller");
	}
	CHECK(ended(k, &r), "stub %u did not end", (unsigned)tid);
	CHECK_EQ(r, 0, "the sender's result");
}

static void seq_cross_rewrite(void)
{
	uint32_t sink = W.hello[FZ_H_SINK];
	struct kid *k[3];
	int n = 0, r;

	for (int i = 0; i < 3; i++) {
		uint32_t len = fz_below(&rng, UTCB_MRS + 1);
		struct call c = call_of(SYS_ipc, sink, sink,
					IPC_TAG(SEQ_LABEL + 1, len, IPC_TYPE_FULL,
						fz_chance(&rng, 1, 2) ? IPC_CALL
								      : IPC_SEND),
					rnd(), rnd(), rnd(), rnd());
		if ((k[n] = stub_launch(&c)))
			n++;
	}
	fz_yield();
	for (int i = 0; i < n; i++) {
		if (fz_exregs(k[i]->tid, EXREGS_GET, &er) != 0 ||
		    er.pc != (uint32_t)(uintptr_t)fz_stub_exit)
			continue; /* delivered already, or not sent yet */
		er.r[2] = forged_tag();
		for (int j = 3; j < 7; j++)
			er.r[j] = rnd();
		r = fz_exregs(k[i]->tid, EXREGS_SET_REGS, &er);
		/* on several cores its call may have ended between the two
		 * calls, and the stub with it (-E_NOENT), or not yet: then
		 * r0 is the one the GET read (see below) */
		bool smp = __builtin_popcount(W.cpus_online) > 1;
		if (smp && r == -E_NOENT)
			continue;
		CHECK_EQ(r, 0, "exchange_registers on a sender waiting in "
			       "another container's queue");
		if (smp)
			k[i]->rewritten = true;
	}
	for (int i = 0; i < n; i++) {
		if (!ended(k[i], &r))
			continue; /* the sink is busy: kids_poll ends it */
		/* with other cores online the sink may take the message
		 * between the GET and the SET above: the SET then writes
		 * back the r0 it read, the sink's id, over the result */
		bool raced = __builtin_popcount(W.cpus_online) > 1 &&
			     (uint32_t)r == sink;
		CHECK(r == 0 || r == -E_BUSY || r == -E_INTR || r == -E_DEAD ||
			      raced,
		      "a send to the victim's sink: %d", r);
	}
}

static void seq_ipc_pair(void)
{
	uint32_t len = fz_below(&rng, UTCB_MRS + 1);
	struct call idle = call_of(SYS_getid, 0, 0, 0, 0, 0, 0, 0);
	struct kid *s = stub_prepare(&idle), *rcv;
	int r;

	if (!s)
		return;
	struct call rc = call_of(SYS_ipc, 0, s->tid, IPC_RECV, 0, 0, 0, 0);
	if (!(rcv = stub_prepare(&rc)))
		return;
	bool call = fz_chance(&rng, 1, 2);
	er = (struct exregs){0};
	er.r[0] = rcv->tid;
	er.r[2] = IPC_TAG(SEQ_LABEL + 2, len, IPC_TYPE_FULL,
			  call ? IPC_CALL : IPC_SEND);
	er.r[1] = call ? rcv->tid : 0;
	er.r[7] = SYS_ipc;
	CHECK_EQ(fz_exregs(s->tid, EXREGS_SET_REGS, &er), 0, "set the sender");
	s->nr = SYS_ipc;
	for (int i = 0; i < UTCB_MRS; i++)
		slots[rcv->slot].utcb.mr[i] = 0x0ddba11u;
	CHECK_EQ(fz_tc(TC_RUN, rcv->tid, 0), 0, "run the receiver");
	CHECK(blocked_in_call(rcv), "the receiver never waited");
	CHECK_EQ(fz_tc(TC_RUN, s->tid, 0), 0, "run the sender");
	uint32_t rtid = rcv->tid, stid = s->tid;
	int rslot = rcv->slot, sslot = s->slot;
	uint32_t got[UTCB_MRS], sent[UTCB_MRS];
	for (int i = 0; i < UTCB_MRS; i++)
		sent[i] = slots[sslot].utcb.mr[i];
	CHECK(ended(rcv, &r), "the receiver %u did not end", (unsigned)rtid);
	CHECK_EQ(r, 0, "the receiver's result");
	for (int i = 0; i < UTCB_MRS; i++)
		got[i] = slots[rslot].utcb.mr[i];
	uint32_t wrong = 0;
	for (uint32_t i = 0; i < UTCB_MRS; i++)
		wrong += got[i] != (i < len ? sent[i] : 0x0ddba11u);
	CHECK(wrong == 0, "%u of the receiver's 64 message registers wrong "
			  "after a full message of %u words",
	      (unsigned)wrong, (unsigned)len);
	CHECK(ended(s, &r), "the sender %u did not end", (unsigned)stid);
	/* a caller whose receiver ended without answering */
	CHECK_EQ(r, call ? -E_DEAD : 0, "the sender's result");
}

/*
 * Calls to an echo server (fz_stub_echo, which answers each message with
 * a reply-and-wait): the round trips the kernel's ipc fast path takes,
 * short and full, with the state around them changed between calls: a
 * capability made and destroyed (the fast path's cached send decision
 * must be made again), the server read with exchange_registers, the
 * caller yielding (on one core, a lent run-queue place settled), the
 * server moved to another core (the fast path refuses, the general path
 * answers), or suspended and resumed (its wait ends with -E_INTR, so it
 * exits: the calls after it must fail as calls to an ended thread do).
 * Every answer must be the message sent, MR0-MR3 plus one.
 */
static bool pp_suspended;

static void pp_disturb(struct kid *k)
{
	int made;

	switch (fz_below(&rng, 5)) {
	case 0:
		fz_yield();
		break;
	case 1:
		fz_exregs(k->tid, EXREGS_GET, &er);
		break;
	case 2:
		made = fz_capc(CAP_CTRL_REPLICATE, W.cap_tctrl, 0, 0, 0, 0);
		if (made > 0) {
			made_add((uint32_t)made);
			CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)made, 0,
					 0, 0, 0),
				 0, "destroy a replica");
		}
		break;
	case 3:
		if (__builtin_popcount(W.cpus & W.cpus_online) > 1)
			fz_tc(TC_CPUS, k->tid,
			      1u << (31 - __builtin_clz(W.cpus &
							W.cpus_online)) >>
				      fz_below(&rng, 2));
		break;
	default:
		if (fz_tc(TC_SUSPEND, k->tid, 0) == 0) {
			pp_suspended = true;
			fz_tc(TC_RESUME, k->tid, 0);
		}
		break;
	}
}

/* One call to the echo server: *answered false when it failed as a
 * call to an ended server does (after a suspend) or was wrong (a
 * finding), true when answered right. */
static void pp_call(struct kid *k, bool *answered)
{
	uint32_t type = fz_chance(&rng, 1, 2) ? IPC_TYPE_SHORT : IPC_TYPE_FULL;
	uint32_t len = type == IPC_TYPE_FULL ? fz_below(&rng, UTCB_MRS + 1) : 0;
	uint32_t sent[UTCB_MRS], mr[4];
	struct utcb *u = my_utcb();
	struct ipc_msg m = {.tag = IPC_TAG(SEQ_LABEL + 4, len, type,
					   IPC_CALL)};

	for (uint32_t i = 0; i < 4; i++)
		m.mr[i] = mr[i] = rnd();
	for (uint32_t i = 0; i < len; i++)
		u->mr[i] = sent[i] = rnd();
	u->ext_recv_buf = 0;
	u->ext_recv_size = 0;
	*answered = false;
	int r = fz_ipc(k->tid, k->tid, &m);
	if (pp_suspended && (r == -E_DEAD || r == -E_NOENT))
		return;
	CHECK_EQ(r, 0, "call to the echo server");
	CHECK_EQ(m.from, k->tid, "the echo's sender");
	CHECK(IPC_TAG_LABEL(m.tag) == SEQ_LABEL + 4 &&
		      IPC_TAG_LENGTH(m.tag) == len &&
		      (m.tag & IPC_TYPE_MASK) == type,
	      "echo of a %s message of %u words came back as tag 0x%08x",
	      type == IPC_TYPE_FULL ? "full" : "short", (unsigned)len,
	      (unsigned)m.tag);
	CHECK(m.mr[0] == mr[0] + 1 && m.mr[1] == mr[1] + 1 &&
		      m.mr[2] == mr[2] + 1 && m.mr[3] == mr[3] + 1,
	      "echo's MR0-MR3 0x%x 0x%x 0x%x 0x%x, sent 0x%x 0x%x 0x%x 0x%x",
	      (unsigned)m.mr[0], (unsigned)m.mr[1], (unsigned)m.mr[2],
	      (unsigned)m.mr[3], (unsigned)mr[0], (unsigned)mr[1],
	      (unsigned)mr[2], (unsigned)mr[3]);
	uint32_t wrong = 0;
	for (uint32_t i = 0; i < len; i++)
		wrong += u->mr[i] != sent[i];
	CHECK(wrong == 0, "%u of the %u words of a full message came back "
			  "wrong", (unsigned)wrong, (unsigned)len);
	*answered = true;
}

static void seq_ping_pong(void)
{
	struct call rc = call_of(SYS_ipc, 0, IPC_ANY, IPC_RECV, 0, 0, 0, 0);
	struct kid *k = stub_prepare_at(&rc, fz_stub_echo);
	uint32_t rounds = 2 + fz_below(&rng, 15);
	int r;

	if (!k)
		return;
	pp_suspended = false;
	CHECK_EQ(fz_tc(TC_RUN, k->tid, 0), 0, "run the echo server");
	for (uint32_t i = 0; i < rounds; i++) {
		bool answered;
		if (fz_chance(&rng, 1, 3))
			pp_disturb(k);
		pp_call(k, &answered);
		if (!answered)
			break;
	}
	/* after a suspend it may have ended by itself (suspended while it
	 * waited), or not (suspended before its first receive) */
	r = fz_tc(TC_DESTROY, k->tid, (uint32_t)KILL_CODE);
	CHECK(r == 0 || pp_suspended, "destroy the echo server: %d", r);
	CHECK(ended(k, &r), "the echo server %u did not end",
	      (unsigned)k->tid);
}

/* ---- capabilities ------------------------------------------------------- */

static struct cap_info ci, cj;

static bool visible(uint32_t id, struct cap_info *out)
{
	caps_refresh();
	return cap_lookup(id, out);
}

static void seq_caps_chain(void)
{
	static const uint32_t which[] = {0, 1, 2, 3};
	uint32_t ids[] = {W.cap_tctrl, W.cap_exregs, W.cap_mutex, W.cap_map};
	uint32_t base = PICK(which), orig = ids[base];
	uint32_t caps_used = budget_used(CAP_RES_CAPS);
	uint32_t room = budget_free(CAP_RES_CAPS);
	int rep, part, r;

	CHECK(visible(orig, &ci), "boot capability %u not visible",
	      (unsigned)orig);
	uint32_t ops = ci.ops;
	rep = fz_capc(CAP_CTRL_REPLICATE, orig, 0, 0, 0, 0);
	if (room == 0) {
		CHECK_EQ(rep, -E_BUDGET, "replicate with no CAPS unit free");
		return;
	}
	CHECK(rep > 0, "replicate of operation capability %u with %u CAPS "
		       "units free: %d", (unsigned)orig, (unsigned)room, rep);
	made_add((uint32_t)rep);
	CHECK(visible((uint32_t)rep, &ci), "replica %d not visible", rep);
	CHECK(ci.ops == ops && ci.list == CAP_LIST_PRIVATE &&
		      ci.holder == W.self,
	      "replica: ops 0x%x list %u holder %u", (unsigned)ci.ops,
	      (unsigned)ci.list, (unsigned)ci.holder);
	CHECK_EQ(budget_used(CAP_RES_CAPS), caps_used + 1, "CAPS used");
	CHECK_EQ(fz_capc(CAP_CTRL_REPLICATE, W.cap_budget[0], 0, 0, 0, 0),
		 -E_PERM, "replicate of a budget (no replicate flag)");
	CHECK_EQ(fz_capc(CAP_CTRL_SPLIT, (uint32_t)rep, ops, 0, 0, 0), -E_INVAL,
		 "split of every operation");
	CHECK_EQ(fz_capc(CAP_CTRL_SPLIT, (uint32_t)rep, 0, 0, 0, 0), -E_INVAL,
		 "split of no operation");
	CHECK_EQ(fz_capc(CAP_CTRL_SPLIT, (uint32_t)rep, ~ops, 0, 0, 0),
		 -E_INVAL, "split of operations it lacks");
	CHECK_EQ(fz_capc(CAP_CTRL_DEDUCE, (uint32_t)rep, ops | 0x100u,
			 CAP_F_ALL, 0, 0),
		 -E_PERM, "deduce that widens the operations");
	if (__builtin_popcount(ops) < 2 || room < 2) {
		CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)rep, 0, 0, 0, 0), 0,
			 "destroy the replica");
		return;
	}
	uint32_t low = ops & -ops;
	part = fz_capc(CAP_CTRL_SPLIT, (uint32_t)rep, low, 0, 0, 0);
	CHECK(part > 0, "split of operation bit 0x%x: %d", (unsigned)low,
	      part);
	made_add((uint32_t)part);
	CHECK(visible((uint32_t)rep, &ci) && visible((uint32_t)part, &cj),
	      "split parts not visible");
	CHECK(ci.ops == (ops & ~low) && cj.ops == low,
	      "split: ops 0x%x and 0x%x of 0x%x", (unsigned)ci.ops,
	      (unsigned)cj.ops, (unsigned)ops);
	CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)rep, 0, 0, 0, 0), -E_BUSY,
		 "destroy of a capability split from");
	/* narrow the part to one thread and give it to a stub that waits */
	struct call idle = call_of(SYS_ipc, 0, W.self, IPC_RECV, 0, 0, 0, 0);
	struct kid *k = stub_launch(&idle);
	if (k && blocked_in_call(k)) {
		r = fz_capc(CAP_CTRL_DEDUCE, (uint32_t)part, low,
			    CAP_F_GRANT | CAP_F_DESTROY, CAP_TGT_THREAD, k->tid);
		CHECK_EQ(r, 0, "deduce to the stub's thread");
		CHECK(visible((uint32_t)part, &cj) &&
			      cj.target_kind == CAP_TGT_THREAD &&
			      cj.target == k->tid &&
			      cj.flags == (CAP_F_GRANT | CAP_F_DESTROY),
		      "deduced: target %u/%u flags 0x%x",
		      (unsigned)cj.target_kind, (unsigned)cj.target,
		      (unsigned)cj.flags);
		CHECK_EQ(fz_capc(CAP_CTRL_DEDUCE, (uint32_t)part, low,
				 CAP_F_ALL, 0, 0),
			 -E_PERM, "deduce that widens the flags");
		CHECK_EQ(fz_capc(CAP_CTRL_GRANT, (uint32_t)part, k->tid, 0, 0, 0),
			 0, "grant to the stub");
		CHECK(!visible((uint32_t)part, &cj),
		      "a capability granted to a thread is still the "
		      "granter's (list %u holder %u)",
		      (unsigned)cj.list, (unsigned)cj.holder);
		CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)part, 0, 0, 0, 0),
			 -E_NOENT, "destroy of a capability another holds");
		uint32_t tid = k->tid;
		CHECK_EQ(fz_tc(TC_DESTROY, tid, (uint32_t)KILL_CODE), 0,
			 "destroy the stub");
		CHECK(ended(k, &r), "stub %u did not end", (unsigned)tid);
		/* what it held passed to its pager */
		CHECK(visible((uint32_t)part, &cj) &&
			      cj.list == CAP_LIST_PRIVATE &&
			      cj.holder == W.self,
		      "the dead holder's capability: visible %d list %u "
		      "holder %u", visible((uint32_t)part, &cj),
		      (unsigned)cj.list, (unsigned)cj.holder);
	}
	CHECK_EQ(fz_capc(CAP_CTRL_SHARE, (uint32_t)rep, CAP_SHARE_PAGED, 0, 0,
			 0),
		 0, "share with the threads it pages");
	CHECK(visible((uint32_t)rep, &ci) && ci.list == CAP_LIST_PAGED,
	      "shared: list %u", (unsigned)ci.list);
	CHECK_EQ(fz_capc(CAP_CTRL_SHARE, (uint32_t)rep, CAP_SHARE_GROUP, 0, 0,
			 0),
		 -E_PERM, "share of what is not on its own list");
	CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)part, 0, 0, 0, 0), 0,
		 "destroy the part");
	CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)rep, 0, 0, 0, 0), 0,
		 "destroy the replica");
	CHECK_EQ(budget_used(CAP_RES_CAPS), caps_used, "CAPS used at the end");
}

static void seq_budget_split(void)
{
	static struct cap_info c[MAX_CAPS];
	uint32_t threads = W.cap_budget[0], capsb = W.cap_budget[4];
	int n, r = 0, made[16], nm = 0;

	/* THREADS: a part, refused beyond its room, in use, given back */
	CHECK(visible(threads, &ci), "THREADS budget not visible");
	uint32_t room = ci.size - ci.used, size0 = ci.size;
	if (room >= 1) {
		uint32_t k = 1 + fz_below(&rng, room);
		CHECK_EQ(fz_capc(CAP_CTRL_SPLIT, threads, room + 1, 0, 0, 0),
			 -E_INVAL, "split of more units than are free");
		int part = fz_capc(CAP_CTRL_SPLIT, threads, k, 0, 0, 0);
		if (part == -E_BUDGET) {
			CHECK_EQ(budget_free(CAP_RES_CAPS), 0,
				 "split refused with CAPS units free");
			return;
		}
		CHECK(part > 0, "split of %u of %u free threads: %d",
		      (unsigned)k, (unsigned)room, part);
		made_add((uint32_t)part);
		CHECK(visible(threads, &ci) && visible((uint32_t)part, &cj),
		      "parts not visible");
		CHECK(ci.size == size0 - k && cj.size == k && cj.used == 0,
		      "split %u: sizes %u and %u of %u", (unsigned)k,
		      (unsigned)ci.size, (unsigned)cj.size, (unsigned)size0);
		/* its own list is searched first: the part pays */
		struct call idle = call_of(SYS_getid, 0, 0, 0, 0, 0, 0, 0);
		struct kid *t = stub_prepare(&idle);
		if (t) {
			CHECK(visible((uint32_t)part, &cj) && cj.used == 1,
			      "the part paid %u for a new thread",
			      (unsigned)cj.used);
			CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)part, 0, 0,
					 0, 0),
				 -E_BUSY, "destroy of a budget in use");
			CHECK(kids_quiesce(), "threads left");
		}
		CHECK_EQ(fz_capc(CAP_CTRL_DESTROY, (uint32_t)part, 0, 0, 0, 0), 0,
			 "destroy the part");
		CHECK(visible(threads, &ci) && ci.size == size0,
		      "THREADS size %u after the part went back, %u before",
		      (unsigned)ci.size, (unsigned)size0);
	}

	/* CAPS: all its free units cannot go when it must pay for the
	 * part itself (docs/capabilities.md) */
	n = caps_read(c);
	uint32_t others = 0, free0 = 0;
	for (int i = 0; i < n; i++) {
		if (c[i].resource != CAP_RES_CAPS)
			continue;
		if (c[i].id == capsb)
			free0 = c[i].size - c[i].used;
		else if (c[i].size > c[i].used)
			others += c[i].size - c[i].used;
	}
	if (free0 >= 1) {
		r = fz_capc(CAP_CTRL_SPLIT, capsb, free0, 0, 0, 0);
		if (r > 0)
			made[nm++] = r;
		caps_invariants("split of every free unit of the CAPS budget");
		if (others == 0)
			CHECK(r == -E_BUDGET,
			      "split of all %u free units of the only CAPS "
			      "budget with room: %d, expected %d (nothing left "
			      "to pay for the part)",
			      (unsigned)free0, r, -E_BUDGET);
	}
	/* replicate until refused: exactly the room there is */
	uint32_t want = budget_free(CAP_RES_CAPS), got = 0;
	while (got <= want + 2 && nm < 16) {
		r = fz_capc(CAP_CTRL_REPLICATE, W.cap_mutex, 0, 0, 0, 0);
		if (r < 0)
			break;
		made[nm++] = r;
		got++;
	}
	CHECK(got == want && r == -E_BUDGET,
	      "replicate with %u CAPS units free: %u made, then %d",
	      (unsigned)want, (unsigned)got, r);
	while (nm--)
		fz_capc(CAP_CTRL_DESTROY, (uint32_t)made[nm], 0, 0, 0, 0);
	caps_invariants("budget_split");
}

/* ---- memory --------------------------------------------------------------- */

static void seq_map_remap(void)
{
	uint32_t page = WINDOW_PAGES + fz_below(&rng, W.scratch_size / PAGE -
						      WINDOW_PAGES);
	uint32_t phys = W.scratch_phys + page * PAGE;
	uint32_t va1 = VA1 + 0x100000u + PAGE * fz_below(&rng, 64);
	uint32_t va2 = VA1 + 0x200000u + PAGE * fz_below(&rng, 64);
	uint32_t magic = rnd(), spaces = budget_used(CAP_RES_SPACES);
	uint32_t pt = budget_used(CAP_RES_PTPAGES);
	uint32_t rw = MAP_ATTR_READ | MAP_ATTR_WRITE;
	int r;

	if (!memory_whole() || window_map() != 0)
		return; /* a part of its memory was lost for this life */
	/* what random calls may have mapped there */
	fz_call(SYS_unmap, va1, 2, 0, 0, 0, 0);
	fz_call(SYS_unmap, va2, 2, 0, 0, 0, 0);
	CHECK_EQ(fz_call(SYS_map, phys, va1, 1, rw, 0, 0), 0, "map rw");
	*(volatile uint32_t *)(uintptr_t)va1 = magic;
	CHECK_EQ(fz_call(SYS_map, phys, va2, 1, MAP_ATTR_READ, 0, 0), 0,
		 "map the same page read-only elsewhere");
	CHECK_EQ(*(volatile uint32_t *)(uintptr_t)va2, magic, "the alias");
	CHECK_EQ(fz_call(SYS_map, W.scratch_phys, va1, 1, MAP_ATTR_READ, 0, 0),
		 0, "map over a mapping");
	CHECK_EQ(*(volatile uint32_t *)(uintptr_t)va1,
		 *(volatile uint32_t *)(uintptr_t)WINDOW, "the new page");
	CHECK_EQ(fz_call(SYS_map, W.prog_phys, va1, 1, MAP_ATTR_READ, 0, 0), 0,
		 "its program's page, read-only");
	CHECK_EQ(fz_call(SYS_unmap, va1, 1, 0, 0, 0, 0), 1, "unmap");
	CHECK_EQ(fz_call(SYS_unmap, va1, 1, 0, 0, 0, 0), 0, "unmap again");
	CHECK_EQ(fz_call(SYS_unmap, va2, 2, 0, 0, 0, 0), 1,
		 "unmap of two pages, one mapped");
	CHECK_EQ(fz_call(SYS_map, phys, 0x10000000u, 1, MAP_ATTR_READ, 0, 0),
		 -E_PERM, "map over its program (no virtual range there)");
	CHECK_EQ(fz_call(SYS_map, phys, VA1 + VA1_SIZE - PAGE, 2, rw, 0, 0),
		 -E_INVAL, "map over the KIP");
	CHECK_EQ(fz_call(SYS_map, phys, va1, 1, rw | MAP_ATTR_EXEC, 0, 0),
		 -E_PERM, "scratch memory (rw) executable");
	CHECK_EQ(fz_call(SYS_map, W.dev_phys, va1, 1, rw | MAP_ATTR_EXEC, 0, 0),
		 -E_PERM, W.has_dev ? "device memory executable"
				    : "a device page it holds no capability "
				      "for, executable");
	if (!W.has_dev)
		CHECK_EQ(fz_call(SYS_map, W.dev_phys, va1, 1, MAP_ATTR_READ, 0,
				 0),
			 -E_PERM, "a device page it holds no capability for");
	CHECK_EQ(budget_used(CAP_RES_PTPAGES), pt,
		 "PTPAGES after maps in its own space (the KIP's table)");

	/* a new space: a page-table page for VA0, none for VA1 */
	bool copy = fz_chance(&rng, 1, 2);
	int tid = fz_call(SYS_thread_control, TC_CREATE, 0,
			  (copy ? TC_COPY_SPACE : TC_NEW_SPACE) | TC_AS_PAGER, 0,
			  0x0bad0000u, 0);
	if (tid == -E_BUDGET)
		return;
	CHECK(tid > 0, "create in a %s space: %d", copy ? "copied" : "new",
	      tid);
	struct kid *k = kid_add((uint32_t)tid, copy ? KID_COPY : KID_NEW);
	CHECK_EQ(budget_used(CAP_RES_SPACES), spaces + 1, "SPACES used");
	uint32_t pt1 = budget_used(CAP_RES_PTPAGES);
	CHECK(copy ? pt1 > pt : pt1 == pt, "PTPAGES %u after a %s space, %u "
					   "before", (unsigned)pt1,
	      copy ? "copied" : "new", (unsigned)pt);
	r = fz_call(SYS_map, phys, VA0 + PAGE * fz_below(&rng, 1024), 1, rw,
		    (uint32_t)tid, 0);
	if (r != -E_BUDGET) {
		CHECK_EQ(r, 0, "map into the new space");
		CHECK_EQ(budget_used(CAP_RES_PTPAGES), pt1 + 1,
			 "PTPAGES after its first map in VA0");
	}
	CHECK_EQ(fz_call(SYS_map, phys, va1, 1, rw, (uint32_t)tid, 0), 0,
		 "map into its VA1");
	CHECK_EQ(fz_call(SYS_unmap, va1, 1, (uint32_t)tid, 0, 0, 0), 1,
		 "unmap in the new space");
	CHECK(kids_quiesce(), "threads left");
	(void)k;
	CHECK_EQ(budget_used(CAP_RES_SPACES), spaces, "SPACES after");
	CHECK_EQ(budget_used(CAP_RES_PTPAGES), pt, "PTPAGES after");
}

/* ---- mutexes, IRQs, threads ---------------------------------------------- */

static volatile uint32_t seq_word;

static void seq_mutex(void)
{
	uint32_t base = budget_used(CAP_RES_MUTEXES);
	struct call w = call_of(SYS_mutex_control, (uint32_t)(uintptr_t)&seq_word,
				MUTEX_WAIT, 0, 0, 0, 0, 0);
	struct kid *a, *b;
	int r;

	if (stub_room(CAP_RES_MUTEXES) < 2)
		return; /* units held by parts it could not destroy */
	seq_word = 0;
	CHECK_EQ(fz_call(SYS_mutex_control, (uint32_t)(uintptr_t)&seq_word,
			 MUTEX_WAIT, 0, 0, 0, 0),
		 0, "wait on a word that is not 2");
	seq_word = 2;
	if (!(a = stub_launch(&w)) || !(b = stub_launch(&w)))
		return;
	CHECK(blocked_in_call(a) && blocked_in_call(b),
	      "stubs did not wait on the contended word");
	CHECK_EQ(budget_used(CAP_RES_MUTEXES), base + 2, "MUTEXES used");
	bool suspend = fz_chance(&rng, 1, 2);
	uint32_t btid = b->tid;
	if (suspend) {
		CHECK_EQ(fz_tc(TC_SUSPEND, btid, 0), 0, "suspend a waiter");
		CHECK_EQ(budget_used(CAP_RES_MUTEXES), base + 1,
			 "MUTEXES with the waiter suspended");
	}
	seq_word = 0;
	CHECK_EQ(fz_call(SYS_mutex_control, (uint32_t)(uintptr_t)&seq_word,
			 MUTEX_WAKE, 0, 0, 0, 0),
		 1, "wake one");
	CHECK_EQ(fz_call(SYS_mutex_control, (uint32_t)(uintptr_t)&seq_word,
			 MUTEX_WAKE, 0, 0, 0, 0),
		 suspend ? 0 : 1, "wake the next");
	CHECK_EQ(fz_call(SYS_mutex_control, (uint32_t)(uintptr_t)&seq_word,
			 MUTEX_WAKE, 0, 0, 0, 0),
		 0, "wake with nobody waiting");
	if (suspend)
		CHECK_EQ(fz_tc(TC_RESUME, btid, 0), 0, "resume the waiter");
	CHECK(ended(a, &r), "a waiter did not end");
	CHECK_EQ(r, 0, "the first waiter's result");
	CHECK(ended(b, &r), "a waiter did not end");
	CHECK_EQ(r, suspend ? -E_INTR : 0, "the second waiter's result");
	CHECK_EQ(budget_used(CAP_RES_MUTEXES), base, "MUTEXES at the end");
}

/* Without a device with an IRQ (fuzz.toml: attacker2 on raspi2b), its
 * "device's IRQ" is the IRQ of a peripheral nobody holds: every operation
 * on it is refused, by itself, for its stub and by the stub. */
static void seq_irq_none(struct kid *k, uint32_t irq, uint32_t base)
{
	uint32_t tid = k->tid;
	int r;

	CHECK_EQ(fz_call(SYS_irq_control, IRQ_WAIT, irq, 0, 0, 0, 0), -E_PERM,
		 "wait on an IRQ of no device it holds");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_BIND, irq, tid, 0, 0, 0), -E_PERM,
		 "bind an IRQ of no device it holds to the stub");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_BIND, irq, 0, 0, 0, 0), -E_PERM,
		 "bind an IRQ of no device it holds to itself");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_ACK, irq, 0, 0, 0, 0), -E_PERM,
		 "acknowledge an IRQ of no device it holds");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_UNBIND, irq, 0, 0, 0, 0), -E_PERM,
		 "unbind an IRQ of no device it holds");
	CHECK_EQ(budget_used(CAP_RES_IRQS), base, "IRQS after refusals");
	CHECK_EQ(fz_tc(TC_RUN, tid, 0), 0, "run the stub");
	CHECK(ended(k, &r), "the stub's wait on an IRQ of no device it holds "
			    "did not end");
	CHECK_EQ(r, -E_PERM, "the stub's wait on an IRQ of no device it holds");
	CHECK_EQ(budget_used(CAP_RES_IRQS), base, "IRQS at the end");
}

static void seq_irq(void)
{
	uint32_t irq = W.dev_irq, base = budget_used(CAP_RES_IRQS);
	struct call w = call_of(SYS_irq_control, IRQ_WAIT, irq, 0, 0, 0, 0, 0);
	struct kid *k = stub_prepare(&w);
	int r;

	if (!k)
		return;
	if (!own_irq(irq)) {
		seq_irq_none(k, irq, base);
		return;
	}
	uint32_t tid = k->tid;
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_WAIT, irq, 0, 0, 0, 0), -E_NOENT,
		 "wait on its device's IRQ, not bound");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_BIND, irq, tid, 0, 0, 0), 0,
		 "bind to the stub");
	CHECK_EQ(budget_used(CAP_RES_IRQS), base + 1, "IRQS used");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_BIND, irq, 0, 0, 0, 0), -E_BUSY,
		 "bind again");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_ACK, irq, 0, 0, 0, 0), -E_PERM,
		 "acknowledge by a thread it is not bound to");
	CHECK_EQ(fz_tc(TC_RUN, tid, 0), 0, "run the waiter");
	CHECK(blocked_in_call(k), "the stub never waited for its IRQ");
	bool by_end = fz_chance(&rng, 1, 3);
	if (by_end) {
		CHECK_EQ(fz_tc(TC_DESTROY, tid, (uint32_t)KILL_CODE), 0,
			 "destroy the waiter");
		CHECK(ended(k, &r), "the waiter did not end");
	} else {
		CHECK_EQ(fz_call(SYS_irq_control, IRQ_UNBIND, irq, 0, 0, 0, 0), 0,
			 "unbind");
		CHECK(ended(k, &r), "the waiter did not end");
		CHECK_EQ(r, -E_DEAD, "a wait ended by unbind");
	}
	CHECK_EQ(budget_used(CAP_RES_IRQS), base, "IRQS after");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_BIND, irq, 0, 0, 0, 0), 0,
		 "bind to itself");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_ACK, irq, 0, 0, 0, 0), 0,
		 "acknowledge");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_UNBIND, irq, 0, 0, 0, 0), 0,
		 "unbind from itself");
	CHECK_EQ(fz_call(SYS_irq_control, IRQ_UNBIND, irq, 0, 0, 0, 0),
		 -E_NOENT, "unbind again");
	CHECK_EQ(budget_used(CAP_RES_IRQS), base, "IRQS at the end");
}

static void seq_threads(void)
{
	uint32_t base = budget_used(CAP_RES_THREADS);
	struct call g = call_of(SYS_getid, 0, 0, 0, 0, 0, 0, 0);
	struct kid *k[3];
	int n = 0, r;
	uint32_t who;

	for (int i = 0; i < 3; i++)
		if ((k[n] = stub_prepare(&g)))
			n++;
	if (n < 3)
		return;
	CHECK_EQ(budget_used(CAP_RES_THREADS), base + 3, "THREADS used");
	uint32_t t0 = k[0]->tid, t1 = k[1]->tid, t2 = k[2]->tid;
	CHECK_EQ(fz_tc(TC_RESUME, t0, 0), -E_INVAL, "resume of a new thread");
	CHECK_EQ(fz_tc(TC_SUSPEND, t0, 0), 0, "suspend of a new thread");
	CHECK_EQ(fz_tc(TC_RECYCLE, t1, 0), 0, "recycle of a new thread");
	CHECK_EQ(fz_tc(TC_RUN, t2, 0), 0, "run");
	r = fz_tc(TC_RUN, t2, 0);
	CHECK(r == -E_BUSY || r == -E_NOENT, /* NOENT: it ran and ended */
	      "run again: %d", r);
	CHECK(ended(k[2], &r), "the getid stub did not end");
	CHECK_EQ((uint32_t)r, t2, "getid in the stub");
	uint32_t code = FZ_CODE_TAG | fz_below(&rng, 0x10000);
	CHECK_EQ(fz_tc(TC_DESTROY, t0, code), 0, "destroy");
	CHECK_EQ(fz_wait(t0, &who), (int)code, "the destroyed thread's code");
	CHECK_EQ(who, t0, "the reaped thread");
	kid_reap(k[0], &r);
	CHECK_EQ(fz_wait(t0, &who), -E_NOENT, "wait for a reaped thread");
	/* -E_NOENT while its slot is still this container's; -E_PERM once
	 * another container's thread took it (only the last owner known) */
	r = fz_tc(TC_RUN, t0, 0);
	CHECK(r == -E_NOENT || r == -E_PERM, "run a reaped thread: %d", r);
	CHECK_EQ(fz_tc(TC_DESTROY_CHILDREN, 0, (uint32_t)KILL_CODE), 1,
		 "destroy-children: the one left");
	kid_reap(k[1], &r);
	CHECK_EQ(budget_used(CAP_RES_THREADS), base, "THREADS at the end");
}

/* A fault's answer: a send, or a call back to the faulting thread. */
static uint32_t answer_tag(bool call_back)
{
	return IPC_TAG(0, 0, IPC_TYPE_SHORT, call_back ? IPC_CALL : IPC_SEND);
}

static void seq_fault(void)
{
	uint32_t bad = VA1 + 0x300000u + PAGE * fz_below(&rng, 240);
	int tid, r;
	struct ipc_msg m;

	if (!memory_whole() || window_map() != 0)
		return; /* a part of its memory was lost for this life */
	fz_call(SYS_unmap, bad, 2, 0, 0, 0, 0); /* random calls mapped it? */

	/* a prefetch abort it refuses */
	tid = fz_call(SYS_thread_control, TC_CREATE, 0,
		      TC_SAME_SPACE | TC_AS_PAGER, 0, bad, 0);
	if (tid < 0)
		return;
	struct kid *k = kid_add((uint32_t)tid, KID_SAME);
	CHECK_EQ(fz_tc(TC_RUN, (uint32_t)tid, 0), 0, "run");
	m = (struct ipc_msg){.tag = IPC_RECV};
	CHECK_EQ(fz_ipc(0, (uint32_t)tid, &m), 0, "receive the fault");
	CHECK(IPC_TAG_LABEL(m.tag) == IPC_LABEL_FAULT &&
		      m.mr[0] == FAULT_PREFETCH && m.mr[1] == bad &&
		      m.mr[2] == bad,
	      "fault message: label 0x%x cause %u address 0x%x pc 0x%x "
	      "(want prefetch at 0x%x)",
	      (unsigned)IPC_TAG_LABEL(m.tag), (unsigned)m.mr[0],
	      (unsigned)m.mr[1], (unsigned)m.mr[2], (unsigned)bad);
	/* answered with a send, or with a call back to the thread (a
	 * pager's reply and wait, which the kernel's fast path takes when it
	 * resumes): the wait ends with -E_DEAD when the thread ends. Chosen
	 * from values already drawn, so that the sequence of draws (and what
	 * a seed's campaign reaches) stays as it was. */
	bool call_back = (bad / PAGE) & 1; /* random, without a draw */
	m = (struct ipc_msg){.tag = answer_tag(call_back), .mr = {1}};
	CHECK_EQ(fz_ipc((uint32_t)tid, call_back ? (uint32_t)tid : 0, &m),
		 call_back ? -E_DEAD : 0, "refuse the fault");
	CHECK_EQ(fz_wait((uint32_t)tid, NULL), 128 + FAULT_PREFETCH,
		 "exit code of a refused prefetch abort");
	kid_reap(k, &r);

	/* a data abort it serves with a mapping */
	uint32_t value = rnd(), page = fz_below(&rng, WINDOW_PAGES);
	((volatile uint32_t *)(uintptr_t)(WINDOW + page * PAGE))[1] = value;
	tid = fz_call(SYS_thread_control, TC_CREATE, 0,
		      TC_SAME_SPACE | TC_AS_PAGER, 0,
		      (uint32_t)(uintptr_t)fz_stub_load, 0);
	if (tid < 0)
		return;
	k = kid_add((uint32_t)tid, KID_SAME);
	er = (struct exregs){0};
	er.r[0] = bad + 4;
	CHECK_EQ(fz_exregs((uint32_t)tid, EXREGS_SET_REGS, &er), 0,
		 "set the address");
	CHECK_EQ(fz_tc(TC_RUN, (uint32_t)tid, 0), 0, "run the loader");
	m = (struct ipc_msg){.tag = IPC_RECV};
	CHECK_EQ(fz_ipc(0, (uint32_t)tid, &m), 0, "receive the data abort");
	CHECK(IPC_TAG_LABEL(m.tag) == IPC_LABEL_FAULT &&
		      m.mr[0] == FAULT_DATA && m.mr[1] == bad + 4 &&
		      m.mr[2] == (uint32_t)(uintptr_t)fz_stub_load,
	      "fault message: cause %u address 0x%x pc 0x%x",
	      (unsigned)m.mr[0], (unsigned)m.mr[1], (unsigned)m.mr[2]);
	CHECK_EQ(fz_call(SYS_map, W.scratch_phys + page * PAGE, bad, 1,
			 MAP_ATTR_READ, 0, 0),
		 0, "map the missing page");
	call_back = value & 1;
	m = (struct ipc_msg){.tag = answer_tag(call_back)};
	CHECK_EQ(fz_ipc((uint32_t)tid, call_back ? (uint32_t)tid : 0, &m),
		 call_back ? -E_DEAD : 0, "resume the thread");
	CHECK(ended(k, &r), "the loader did not end");
	CHECK_EQ((uint32_t)r, value, "the word loaded after the fault");
	CHECK_EQ(fz_call(SYS_unmap, bad, 1, 0, 0, 0, 0), 1, "unmap");
}

static void seq_suspend(void)
{
	struct call rc = call_of(SYS_ipc, 0, W.self, IPC_RECV, 0, 0, 0, 0);
	struct kid *k = stub_launch(&rc);
	int r;

	if (!k)
		return;
	uint32_t tid = k->tid;
	CHECK(blocked_in_call(k), "the stub never waited");
	CHECK_EQ(fz_tc(TC_SUSPEND, tid, 0), 0, "suspend");
	CHECK_EQ(fz_tc(TC_SUSPEND, tid, 0), 0, "suspend again");
	CHECK_EQ(fz_exregs(tid, EXREGS_GET, &er), 0, "read a suspended thread");
	CHECK_EQ(er.r[0], (uint32_t)-E_INTR, "its r0 after the wait ended");
	CHECK_EQ(fz_tc(TC_RESUME, tid, 0), 0, "resume");
	CHECK(ended(k, &r), "the stub did not end");
	CHECK_EQ(r, -E_INTR, "a receive ended by suspend");
	r = fz_tc(TC_RESUME, tid, 0);
	CHECK(r == -E_NOENT || r == -E_PERM, "resume of a dead thread: %d", r);
}

static void seq_exregs(void)
{
	struct call g = call_of(SYS_time, 0, 0, 0, 0, 0, 0, 0);
	struct kid *k = stub_prepare(&g);
	int r;

	if (!k)
		return;
	uint32_t tid = k->tid;
	uint32_t utcb = (uint32_t)(uintptr_t)&slots[k->slot].utcb;
	CHECK_EQ(fz_exregs(tid, EXREGS_GET, &er), 0, "read");
	CHECK(er.pc == (uint32_t)(uintptr_t)fz_stub && er.utcb == utcb &&
		      er.pager == W.self && er.r[7] == SYS_time,
	      "a new stub: pc 0x%x utcb 0x%x pager %u r7 %u", (unsigned)er.pc,
	      (unsigned)er.utcb, (unsigned)er.pager, (unsigned)er.r[7]);
	CHECK_EQ(fz_exregs(tid, 0x200u, &er), -E_INVAL, "an invalid flag");
	CHECK_EQ(fz_exregs(tid, EXREGS_GET, (struct exregs *)0x80000000u),
		 -E_FAULT, "read into the kernel");
	CHECK_EQ(fz_exregs(0, EXREGS_SET_SP, &er), -E_BUSY,
		 "set its own registers");
	er.utcb = utcb + 4;
	CHECK_EQ(fz_exregs(tid, EXREGS_SET_UTCB, &er), -E_INVAL,
		 "an unaligned UTCB");
	er.utcb = 0x80000000u;
	CHECK_EQ(fz_exregs(tid, EXREGS_SET_UTCB, &er), -E_INVAL,
		 "a UTCB in the kernel");
	er.pager = tid;
	CHECK_EQ(fz_exregs(tid, EXREGS_SET_PAGER, &er), -E_INVAL,
		 "a thread as its own pager");
	er.pager = W.hello[FZ_H_SINK];
	CHECK_EQ(fz_exregs(tid, EXREGS_SET_PAGER, &er), -E_INVAL,
		 "a pager in another container");
	er.pager = 0x1000u;
	CHECK_EQ(fz_exregs(tid, EXREGS_SET_PAGER, &er), -E_NOENT,
		 "a pager that cannot exist");
	CHECK_EQ(fz_exregs(W.hello[FZ_H_WORKER], EXREGS_GET, &er), -E_PERM,
		 "read another container's thread");
	er = (struct exregs){0};
	er.sp = 0x1234u;
	er.lr = 0x5678u;
	er.r[7] = SYS_getid;
	CHECK_EQ(fz_exregs(tid, EXREGS_SET_REGS | EXREGS_SET_SP |
					EXREGS_SET_LR | EXREGS_GET,
			   &er),
		 0, "set and read back");
	CHECK(er.sp == 0x1234u && er.lr == 0x5678u && er.r[7] == SYS_getid &&
		      er.pc == (uint32_t)(uintptr_t)fz_stub,
	      "read back: sp 0x%x lr 0x%x r7 %u pc 0x%x", (unsigned)er.sp,
	      (unsigned)er.lr, (unsigned)er.r[7], (unsigned)er.pc);
	k->nr = SYS_getid;
	CHECK_EQ(fz_tc(TC_RUN, tid, 0), 0, "run");
	CHECK(ended(k, &r), "the stub did not end");
	CHECK_EQ((uint32_t)r, tid, "its getid");
}

typedef void (*seq_fn)(void);
static const struct {
	const char *name;
	seq_fn fn;
	uint8_t weight;
} seqs[] = {
	{"tag_rewrite", seq_tag_rewrite, 14},
	{"cross_rewrite", seq_cross_rewrite, 10},
	{"ipc_pair", seq_ipc_pair, 8},
	{"ping_pong", seq_ping_pong, 8},
	{"caps_chain", seq_caps_chain, 10},
	{"budget_split", seq_budget_split, 12},
	{"map_remap", seq_map_remap, 8},
	{"mutex", seq_mutex, 8},
	{"irq", seq_irq, 8},
	{"threads", seq_threads, 8},
	{"fault", seq_fault, 6},
	{"suspend", seq_suspend, 4},
	{"exregs", seq_exregs, 4},
};

uint32_t seq_runs[sizeof(seqs) / sizeof(seqs[0])];

void seq_run(void)
{
	uint32_t total = 0, r;
	unsigned i = 0;

	for (unsigned j = 0; j < sizeof(seqs) / sizeof(seqs[0]); j++)
		total += seqs[j].weight;
	r = fz_below(&rng, total);
	while (r >= seqs[i].weight)
		r -= seqs[i++].weight;
	/* nothing of the random calls' left: no thread, no capability
	 * made (but those it cannot destroy), its IRQ not bound */
	if (!kids_quiesce()) {
		finding("before sequence %s: %u threads would not end",
			seqs[i].name, (unsigned)live_kids());
		return;
	}
	destroy_made();
	fz_call(SYS_irq_control, IRQ_UNBIND, W.dev_irq, 0, 0, 0, 0);
	caps_refresh();
	seq_name = seqs[i].name;
	S.seqs++;
	seq_runs[i]++;
	seqs[i].fn();
	if (!kids_quiesce())
		finding("after sequence %s: %u threads would not end",
			seqs[i].name, (unsigned)live_kids());
	caps_refresh();
}

void seq_counts(char *buf, unsigned size)
{
	unsigned len = 0;

	for (unsigned i = 0; i < sizeof(seqs) / sizeof(seqs[0]) && len < size;
	     i++)
		len += (unsigned)snprintf(buf + len, size - len, " %s %u",
					  seqs[i].name, (unsigned)seq_runs[i]);
}

/* ---- a dirty end ----------------------------------------------------------- */

/*
 * What a life that ends without cleaning up leaves for the kernel's
 * teardown: capabilities it cannot destroy (flags deduced away) and
 * budget parts paying for others, stubs waiting in the victim's queue,
 * on a contended mutex, for an IRQ, for the other attacker, a thread in
 * a space of its own with a page table.
 */
void mess_make(void)
{
	int rep = fz_capc(CAP_CTRL_REPLICATE, W.cap_tctrl, 0, 0, 0, 0);

	if (rep > 0 && fz_chance(&rng, 1, 2))
		fz_capc(CAP_CTRL_DEDUCE, (uint32_t)rep, CAP_OP_TC_RUN, 0, 0, 0);
	if (fz_chance(&rng, 1, 2)) {
		int part = fz_capc(CAP_CTRL_SPLIT, W.cap_budget[4], 2, 0, 0, 0);
		if (part > 0)
			fz_capc(CAP_CTRL_DEDUCE, (uint32_t)part, 0, 0, 0, 0);
	}
	if (fz_chance(&rng, 1, 2)) {
		int part = fz_capc(CAP_CTRL_SPLIT, W.cap_budget[0], 1, 0, 0, 0);
		if (part > 0 && fz_chance(&rng, 1, 2))
			fz_capc(CAP_CTRL_DEDUCE, (uint32_t)part, 0, 0, 0, 0);
	}
	if (fz_chance(&rng, 1, 2)) {
		uint32_t sink = W.hello[FZ_H_SINK];
		struct call c = call_of(SYS_ipc, sink, sink,
					IPC_TAG(SEQ_LABEL + 3, 8, IPC_TYPE_FULL,
						IPC_CALL),
					1, 2, 3, 4);
		stub_launch(&c);
	}
	if (fz_chance(&rng, 1, 2)) {
		seq_word = 2;
		struct call c = call_of(SYS_mutex_control,
					(uint32_t)(uintptr_t)&seq_word,
					MUTEX_WAIT, 0, 0, 0, 0, 0);
		stub_launch(&c);
	}
	if (fz_chance(&rng, 1, 2)) {
		struct call c = call_of(SYS_irq_control, IRQ_WAIT, W.dev_irq, 0,
					0, 0, 0, 0);
		struct kid *k = stub_prepare(&c);
		if (k) {
			fz_call(SYS_irq_control, IRQ_BIND, W.dev_irq, k->tid, 0,
				0, 0);
			fz_tc(TC_RUN, k->tid, 0);
		}
	}
	if (fz_chance(&rng, 1, 2) && W.hello[FZ_H_OTHER]) {
		struct call c = call_of(SYS_ipc, 0, W.hello[FZ_H_OTHER],
					IPC_RECV, 0, 0, 0, 0);
		stub_launch(&c);
	}
	if (fz_chance(&rng, 1, 2)) {
		int tid = fz_call(SYS_thread_control, TC_CREATE, 0,
				  TC_NEW_SPACE | TC_AS_PAGER, 0, VA0, 0);
		if (tid > 0) {
			fz_call(SYS_map, W.scratch_phys, VA0, 1,
				MAP_ATTR_READ | MAP_ATTR_EXEC, (uint32_t)tid, 0);
			fz_tc(TC_RUN, (uint32_t)tid, 0);
		}
	}
	fz_yield();
}
