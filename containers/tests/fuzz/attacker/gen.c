/*
 * The generator: a random call with arguments drawn from classes.
 *
 *   values   edges (0, 1, 2, -1, -2, 0x7fffffff, 0x80000000, 0x80000001,
 *            page and 64 KiB boundaries), small numbers, random words
 *   tids     0 (the caller), its own id, a thread it made (live), one it
 *            saw end (dead), another container's (the victim's threads,
 *            the other attacker's pager), ids that can never exist
 *            (slot 0, slots past the table, bit 31), a later generation
 *            of its own slot, first-generation ids of low slots, random
 *   pointers (kernel-written) 0, kernel addresses (0x80000000+,
 *            0xc0000000+), unmapped low pages, the KIP (0x7ffff000+),
 *            its scratch window and the rest of its virtual ranges, its
 *            own UTCB or slot area, unaligned variants; (kernel-read)
 *            also its program's memory
 *   pcs      edges, kernel, KIP, unmapped and unaligned addresses, its
 *            virtual ranges, the stub entry
 *   UTCBs    0, unaligned, kernel, KIP, unmapped, a stub's own slot, a
 *            virtual range (threads in a new space only)
 *   cap ids  its boot capabilities, capabilities it made, the victim's
 *            ids, ids nobody has (0, -1, 0x7fffffff, past the highest)
 *   flags    every bit of each flag word, valid combinations and
 *            invalid bits (ipc tag flags, types, lengths 0..255, labels;
 *            thread_control create flags; exchange_registers flags; map
 *            attributes; cap_control operations, scopes, deduce
 *            ops/flags/targets; irq_control operations)
 *
 * Where the classes make the result certain (malformed arguments are
 * -E_INVAL whoever calls, an id that can never exist -E_NOENT, another
 * container's thread -E_PERM for every call but ipc) the call carries
 * that expectation; a different result is a finding.
 */
#include <stddef.h>
#include <tessera/errno.h>
#include "attacker.h"

struct fz_rng rng;

uint32_t pick(const uint32_t *v, uint32_t n)
{
	return v[fz_below(&rng, n)];
}

static uint32_t rnd(void)
{
	return fz_next(&rng);
}

static bool chance(uint32_t num, uint32_t den)
{
	return fz_chance(&rng, num, den);
}

static const uint32_t edges[] = {
	0,	    1,		2,	    3,		0xffffffffu, 0xfffffffeu,
	0x7fffffffu, 0x7ffffffeu, 0x80000000u, 0x80000001u, 0xfffu,
	0x1000u,    0xffffu,	0x10000u,   64,		65,	     255,
	256,
};

static uint32_t gen_value(void)
{
	uint32_t r = fz_below(&rng, 100);

	if (r < 35)
		return PICK(edges);
	if (r < 65)
		return fz_below(&rng, 65);
	return rnd();
}

/* An exit code for exit and destroy: never one a stub exits with
 * (kids.c tells them apart). */
static uint32_t gen_code(void)
{
	return chance(1, 8) ? (uint32_t)KILL_CODE
			    : FZ_CODE_TAG | fz_below(&rng, 0x10000);
}

/* ---- thread ids ------------------------------------------------------- */

enum tid_kind {
	T_SELF0, /* 0: the caller */
	T_OWN,	 /* the caller's own id */
	T_CTL,	 /* the controller's id */
	T_KID,
	T_DEAD,
	T_FOREIGN, /* a thread of the victim: alive all through the run */
	T_OTHER,   /* the other attacker's pager at check-in: may be gone */
	T_NEVER,
	T_FUTURE,
	T_SLOT,
	T_RANDOM,
	T_EDGE,
};

static const uint32_t never_ids[] = {
	0x1000u,		     /* slot 0, generation 1 */
	0x5000u,		     /* slot 0, generation 5 */
	CONFIG_MAX_THREADS,	     /* past the table */
	TID_INDEX_MASK,		     /* slot 4095 */
	(7u << TID_INDEX_BITS) | TID_INDEX_MASK,
	0x80000001u,		     /* bit 31 */
	0x80000000u | CONFIG_MAX_THREADS,
	0xfffffffeu,
};

static uint32_t foreign_tid(void)
{
	static const uint8_t words[] = {
		FZ_H_VICTIM_PAGER, FZ_H_SINK,	 FZ_H_WORKER,	 FZ_H_PARTNER,
		FZ_H_CHECKER,	   FZ_H_SLEEPER, FZ_H_IRQ_THREAD,
	};

	return W.hello[words[fz_below(&rng, sizeof(words))]];
}

static uint32_t live_kid_tid(void)
{
	uint32_t n = 0, which;

	for (int i = 0; i < MAX_KIDS; i++)
		n += kids[i].tid != 0;
	if (!n)
		return 0;
	which = fz_below(&rng, n);
	for (int i = 0; i < MAX_KIDS; i++)
		if (kids[i].tid && which-- == 0)
			return kids[i].tid;
	return 0;
}

/* A thread id and its class; `self` is the caller's id. */
static uint32_t tid_k(uint32_t self, enum tid_kind *kind)
{
	uint32_t r = fz_below(&rng, 100), t;

	if (r < 8) {
		*kind = T_SELF0;
		return 0;
	}
	if (r < 13) {
		*kind = T_OWN;
		return self;
	}
	if (r < 16) {
		*kind = T_CTL;
		return W.self;
	}
	if (r < 38 && (t = live_kid_tid())) {
		*kind = T_KID;
		return t;
	}
	if (r < 46 && (t = dead[fz_below(&rng, DEAD_RING)])) {
		*kind = T_DEAD;
		return t;
	}
	if (r < 58) {
		*kind = T_FOREIGN;
		return foreign_tid();
	}
	if (r < 62 && W.hello[FZ_H_OTHER]) {
		*kind = T_OTHER;
		return W.hello[FZ_H_OTHER];
	}
	if (r < 74) {
		*kind = T_NEVER;
		return PICK(never_ids);
	}
	if (r < 78) {
		*kind = T_FUTURE;
		return W.self + ((1 + fz_below(&rng, 8)) << TID_INDEX_BITS);
	}
	if (r < 88) {
		*kind = T_SLOT;
		return 1 + fz_below(&rng, 40);
	}
	if (r < 94) {
		*kind = T_RANDOM;
		return rnd();
	}
	*kind = T_EDGE;
	return PICK(edges);
}

uint32_t gen_tid(void)
{
	enum tid_kind k;

	return tid_k(W.self, &k);
}

/* ---- addresses -------------------------------------------------------- */

static const uint32_t kernel_addrs[] = {
	0x80000000u, 0x80001000u, 0xbffff000u, 0xc0000000u, KERNEL_VIRT,
	0xc0100004u, 0xffff0000u, 0xfffff000u, 0xfffffffcu,
};
static const uint32_t unmapped_addrs[] = {
	4,	     0x100,	  0x1000u,    0x8000u,	  0x0bad0000u,
	0x0fff0000u, 0x0ffffffcu, 0x30000000u, 0x7fbffffcu,
};

/* Where a thread's own data may go: [base, base + size), 0: none. */
struct own {
	uint32_t base, size;
};

/* An address the kernel may write len bytes at for a thread whose own
 * area is `own`. Never the controller's bookkeeping: a window on its
 * scratch memory, its virtual ranges, its own area, or no memory. */
static uint32_t wptr(uint32_t len, struct own own)
{
	uint32_t r = fz_below(&rng, 100);

	if (r < 8)
		return 0;
	if (r < 16)
		return PICK(kernel_addrs);
	if (r < 24)
		return PICK(unmapped_addrs);
	if (r < 30)
		return KIP_ADDRESS + (fz_below(&rng, 1024) & ~3u);
	if (r < 58) {
		uint32_t p = WINDOW + (fz_below(&rng, WINDOW_SIZE) & ~3u);
		return chance(1, 8) ? p + 1 + fz_below(&rng, 3) : p;
	}
	if (r < 63)
		return VA1 + (fz_below(&rng, VA1_SIZE) & ~3u);
	if (r < 67)
		return VA0 + (fz_below(&rng, VA0_SIZE) & ~3u);
	if (r < 92 && own.size >= len && own.base) {
		uint32_t off = fz_below(&rng, own.size - len + 1);
		return own.base + (chance(1, 6) ? off : off & ~3u);
	}
	if (r < 96)
		return WINDOW + WINDOW_SIZE - (len > 4 ? len / 2 : 1);
	return PICK(edges) | 0x80000000u; /* kernel half, or -1 */
}

extern char _start[];
static const uint32_t pattern_words[8] = {
	0x0a0a0a0au, 0x11111111u, 0x22222222u, 0x7fffffffu,
	0x80000000u, 0xffffffffu, 0,	       1,
};

/* An address the kernel may read len bytes at: any of the above, or the
 * program's own memory. */
static uint32_t rptr(uint32_t len, struct own own)
{
	if (chance(1, 5))
		return chance(1, 2) ? (uint32_t)(uintptr_t)pattern_words
				    : (uint32_t)(uintptr_t)_start +
					      (fz_below(&rng, 0x4000) & ~3u);
	return wptr(len, own);
}

static const uint32_t bad_pcs[] = {
	0,	    1,		 2,	      3,	   0xfffffffeu,
	0xffffffffu, 0x7fffffffu, 0x80000000u, KERNEL_VIRT, KIP_ADDRESS,
	KIP_ADDRESS + 2, 0x0bad0002u, 0x0bad0000u, 0x1000u, 0x7ffffffcu,
};

/* A pc for a thread: never any code of the program but the stub, so a
 * thread in its space (or a copy) runs nothing that could write. */
uint32_t gen_pc(void)
{
	uint32_t r = fz_below(&rng, 100);

	if (r < 20)
		return (uint32_t)(uintptr_t)fz_stub;
	if (r < 70)
		return PICK(bad_pcs);
	if (r < 85)
		return VA1 + (fz_below(&rng, VA1_SIZE) & ~3u);
	return VA0 + (fz_below(&rng, VA0_SIZE) & ~3u);
}

static const uint32_t bad_utcbs[] = {
	0,	     0x200u,	  0x0bad0000u, 0x80000000u, 0xc0000000u,
	KIP_ADDRESS, WINDOW + 4u, 0x7ffffe00u, 0x10u,	    0xfffffe00u,
};

/* A UTCB address for target k (NULL: not one it knows). Only a stub's
 * own slot, or memory of a new space: the kernel reads the extended
 * receive buffer's address from it, so it must be memory whose content
 * the controller decides. */
static uint32_t gen_utcb(const struct kid *k)
{
	if (k && k->kind == KID_STUB && k->slot >= 0 && chance(1, 2))
		return (uint32_t)(uintptr_t)&slots[k->slot].utcb;
	if (k && k->kind == KID_NEW && chance(1, 2))
		return (chance(1, 2) ? VA0 + fz_below(&rng, VA0_SIZE)
				     : VA1 + fz_below(&rng, VA1_SIZE)) &
		       ~(UTCB_SIZE - 1);
	return PICK(bad_utcbs);
}

/* ---- the calls ---------------------------------------------------------- */

/* The calls with a generator of their own: SYS_ipc .. SYS_sched_control. */
#define GEN_CALLS (SYS_sched_control + 1)

struct ctx {
	struct call *c;
	uint32_t self;	 /* the caller: the controller or the stub */
	bool for_stub;
	int slot;	 /* the stub's slot, -1 */
	int depth;	 /* > 0: registers another thread will run with */
	struct own own;	 /* where the caller's own data may go */
	struct own utcb; /* the caller's UTCB */
};

static void expect(struct ctx *x, int r, const char *why)
{
	if (x->c->expect == EXPECT_ANY) {
		x->c->expect = r;
		x->c->why = why;
	}
}

/* The kernel's verdict on an id, for calls that target a thread with
 * valid arguments: an id that never exists, another container's. */
static void expect_target(struct ctx *x, enum tid_kind k, uint32_t tid)
{
	if (k == T_NEVER)
		expect(x, -E_NOENT, "an id no thread can have");
	else if (k == T_FOREIGN)
		expect(x, -E_PERM, "another container's thread");
	(void)tid;
}

/* Fill the caller's UTCB fields an ipc reads: message words, extended
 * buffers (the receive buffer inside its own area only if it fits). */
static void ipc_utcb(struct ctx *x, struct utcb *u)
{
	static const uint32_t lens[] = {0, 1, 4, 64, 256, 4095, 4096, 4097,
					0xffffffffu};
	uint32_t size = PICK(lens);

	for (int i = 0; i < UTCB_MRS; i++)
		u->mr[i] = 0x3e000000u | (x->self & 0xffffu) << 8 | i;
	u->ext_send_len = chance(1, 3) ? fz_below(&rng, 300) : PICK(lens);
	u->ext_send_buf = rptr(u->ext_send_len, x->own);
	u->ext_recv_buf = wptr(1, x->own);
	if (u->ext_recv_buf >= x->own.base &&
	    u->ext_recv_buf < x->own.base + x->own.size) {
		uint32_t room = x->own.base + x->own.size - u->ext_recv_buf;
		size = size < room ? size : room;
	}
	u->ext_recv_size = size;
	u->ext_recv_len = 0;
}

static void gen_ipc(struct ctx *x, struct utcb *u)
{
	static const uint32_t lengths[] = {0,  1,  2,  3,   4,	 5,   31,
					   63, 64, 65, 100, 128, 254, 255};
	struct call *c = x->c;
	enum tid_kind k;
	uint32_t flags = rnd() & 0xfu, type, len, tag;
	uint32_t r = fz_below(&rng, 100);

	type = r < 40 ? IPC_TYPE_SHORT
	       : r < 75 ? IPC_TYPE_FULL
	       : r < 95 ? IPC_TYPE_EXT
			: IPC_TYPE_MASK;
	len = chance(1, 2) ? PICK(lengths) : fz_below(&rng, 256);
	if (type == IPC_TYPE_FULL && chance(3, 4))
		len %= UTCB_MRS + 1;
	tag = (chance(1, 2) ? fz_below(&rng, 64) : rnd()) << 16 | len << 8 |
	      type | flags;
	if (chance(1, 16))
		tag |= (1 + fz_below(&rng, 3)) << 6; /* bits the tag lacks */
	c->a[0] = tid_k(x->self, &k);
	c->a[1] = chance(1, 3) ? IPC_ANY : gen_tid();
	c->a[2] = tag;
	for (int i = 0; i < 4; i++)
		c->a[3 + i] = gen_value();
	if (u)
		ipc_utcb(x, u);
	if ((tag & IPC_TYPE_MASK) == IPC_TYPE_MASK || (tag & 0xc0u) ||
	    ((tag & IPC_TYPE_MASK) == IPC_TYPE_FULL &&
	     IPC_TAG_LENGTH(tag) > UTCB_MRS) ||
	    !(tag & (IPC_SEND | IPC_RECV))) {
		expect(x, -E_INVAL, "malformed tag");
		return;
	}
	if ((tag & IPC_SEND) && k == T_NEVER)
		expect(x, -E_NOENT, "send to an id no thread can have");
	if (!x->for_stub && (tag & IPC_SEND) && (k == T_SELF0 || k == T_OWN))
		expect(x, k == T_SELF0 ? -E_NOENT : -E_INVAL,
		       "send to 0 or to itself");
	if ((tag & IPC_RECV) || ((tag & IPC_SEND) && !(tag & IPC_NONBLOCK)))
		c->blocking = true;
}

/* Create flags: a valid combination, or any bits. A stub's new threads
 * always have a pager in the controller's tree (its own children end
 * with it), so none outlives a round unknown. */
static uint32_t create_flags(struct ctx *x, bool *valid)
{
	static const uint32_t spaces[] = {TC_SAME_SPACE, TC_SAME_SPACE,
					  TC_NEW_SPACE, TC_COPY_SPACE};
	uint32_t f;

	if (chance(1, 5)) {
		f = chance(1, 2) ? rnd() : rnd() & 0x3fu;
	} else {
		f = PICK(spaces);
		uint32_t p = fz_below(&rng, 3);
		/* a stub's child is paged by the stub, so that ending the
		 * stub ends it: the controller never learns its id. Shared
		 * with an unpaged stub's pager (none), it would outlive the
		 * stub, unreachable (with thread ids that are never reused
		 * no stale id ends it by chance either) */
		if (x->for_stub)
			p = 1;
		f |= p == 1 ? TC_AS_PAGER : p == 2 ? TC_SHARE_PAGER : 0;
	}
	uint32_t space = f & TC_SPACE_MASK;
	*valid = !(f & ~(TC_SPACE_MASK | TC_AS_PAGER | TC_SHARE_PAGER)) &&
		 (space == TC_SAME_SPACE || space == TC_NEW_SPACE ||
		  space == TC_COPY_SPACE) &&
		 !((f & TC_AS_PAGER) && (f & TC_SHARE_PAGER));
	if (*valid && x->for_stub) {
		f &= ~TC_SHARE_PAGER;
		f |= TC_AS_PAGER;
	}
	return f;
}

/* A mask for TC_CPUS: none (a read), one core, the container's, the
 * online ones, or anything. */
static uint32_t cpu_mask_value(void)
{
	switch (fz_below(&rng, 6)) {
	case 0:
		return 0;
	case 1:
		return 1u << fz_below(&rng, 32);
	case 2:
		return W.cpus;
	case 3:
		return W.cpus & W.cpus_online;
	case 4:
		return 1u << fz_below(&rng, 4);
	default:
		return gen_value();
	}
}

static void gen_tc(struct ctx *x)
{
	static const uint32_t ops[] = {
		TC_CREATE,  TC_CREATE, TC_CREATE, TC_RUN,	   TC_RUN,
		TC_SUSPEND, TC_RESUME, TC_RESUME, TC_DESTROY,	   TC_DESTROY,
		TC_RECYCLE, TC_WAIT,   TC_WAIT,	  TC_EXIT,	   TC_YIELD,
		TC_DESTROY_CHILDREN,   0,	  12,		   0xffffffffu,
		TC_SUSPEND,	       TC_CPUS,	  TC_CPUS,
	};
	struct call *c = x->c;
	enum tid_kind k;
	bool valid;

	c->a[0] = PICK(ops);
	switch (c->a[0]) {
	case TC_CREATE:
		c->a[1] = chance(1, 2) ? 0 : tid_k(x->self, &k);
		if (c->a[1] == 0)
			k = T_SELF0;
		c->a[2] = create_flags(x, &valid);
		c->a[3] = chance(1, 2) ? 0 : chance(1, 2) ? c->a[1] : gen_tid();
		c->a[4] = gen_pc();
		c->a[5] = gen_value();
		if (!valid)
			expect(x, -E_INVAL, "invalid create flags");
		else
			expect_target(x, k, c->a[1]);
		return;
	case TC_RUN:
	case TC_SUSPEND:
	case TC_RESUME:
	case TC_DESTROY:
	case TC_RECYCLE:
		c->a[1] = tid_k(x->self, &k);
		c->a[2] = gen_code();
		/* never the controller: it must keep running */
		if ((c->a[0] == TC_SUSPEND || c->a[0] == TC_DESTROY ||
		     c->a[0] == TC_RECYCLE) &&
		    (c->a[1] == W.self || (!x->for_stub && c->a[1] == 0))) {
			c->a[1] = PICK(never_ids);
			k = T_NEVER;
		}
		expect_target(x, k, c->a[1]);
		if (x->for_stub && (c->a[1] == 0 || c->a[1] == x->self))
			c->blocking = true; /* it may end or stop itself */
		return;
	case TC_CPUS:
		c->a[1] = chance(1, 3) ? 0 : tid_k(x->self, &k);
		if (c->a[1] == 0)
			k = T_SELF0;
		c->a[2] = cpu_mask_value();
		expect_target(x, k, c->a[1]);
		if (c->a[1] != 0)
			return; /* whether another id names a live thread of
				 * its own is not known here: any allowed */
		if (c->a[2] & ~W.cpus)
			expect(x, -E_INVAL, "a core outside its container's");
		else if (c->a[2] && !(c->a[2] & W.cpus_online))
			expect(x, -E_INVAL, "no core of the mask is online");
		else
			expect(x, 0, "its own cores, within its container's");
		return;
	case TC_WAIT:
		k = T_SELF0;
		c->a[1] = chance(1, 4) ? 0 : tid_k(x->self, &k);
		if (c->a[1] == x->self && x->self)
			expect(x, -E_INVAL, "wait for itself");
		/* the controller waits only for what cannot be a child of
		 * its: ids of other containers, of no thread, of the dead */
		if (k != T_NEVER && k != T_FOREIGN && k != T_DEAD &&
		    c->a[1] != x->self)
			c->blocking = true;
		return;
	case TC_EXIT:
		c->a[1] = gen_code();
		c->blocking = true;
		return;
	case TC_DESTROY_CHILDREN:
		c->a[2] = gen_code();
		return;
	case TC_YIELD:
		return;
	default:
		c->a[1] = gen_tid();
		expect(x, -E_INVAL, "no such operation");
		return;
	}
}

static uint32_t pager_value(struct ctx *x, uint32_t target)
{
	uint32_t r = fz_below(&rng, 100);

	if (r < 40)
		return W.self;
	if (r < 55)
		return live_kid_tid() ? live_kid_tid() : W.self;
	if (r < 65)
		return foreign_tid();
	if (r < 75)
		return PICK(never_ids);
	if (r < 85)
		return target;
	if (!x->for_stub && x->depth == 0 && r < 95)
		return 0; /* no pager: the controller destroys it by id */
	return gen_value() | 0x80000000u;
}

static void gen_call_ctx(struct ctx *x, struct utcb *u);

/* Fill the register template an exchange_registers call sets from: the
 * registers of a call the generator made for the target (r0-r7), so a
 * thread that runs the stub with them makes only such a call. */
static void fill_template(struct ctx *x, struct exregs *t, uint32_t target)
{
	struct kid *k = kid_of(target);
	struct call nested = {0};
	struct ctx y = {
		.c = &nested,
		.self = target,
		.for_stub = true,
		.slot = -1,
		.depth = x->depth + 1,
	};

	if (k && k->kind == KID_STUB && k->slot >= 0) {
		y.slot = k->slot;
		y.own.base = (uint32_t)(uintptr_t)slots[k->slot].area + 512;
		y.own.size = 512;
	}
	nested.expect = EXPECT_ANY;
	gen_call_ctx(&y, NULL);
	for (int i = 0; i < 7; i++)
		t->r[i] = nested.a[i];
	t->r[7] = nested.nr;
	for (int i = 8; i < 13; i++)
		t->r[i] = gen_value();
	t->sp = gen_value();
	t->lr = gen_pc();
	t->pc = gen_pc();
	t->cpsr = gen_value();
	t->pager = pager_value(x, target);
	t->utcb = gen_utcb(k);
}

static void gen_exregs(struct ctx *x, struct exregs *tmpl)
{
	struct call *c = x->c;
	enum tid_kind k;
	uint32_t flags, r = fz_below(&rng, 100);

	if (r < 30)
		flags = EXREGS_GET;
	else if (r < 80)
		flags = rnd() & EXREGS_VALID_MASK;
	else if (r < 90)
		flags = (rnd() & EXREGS_VALID_MASK) | 1u << (6 + fz_below(&rng, 26));
	else
		flags = rnd();
	if (x->depth > 0) /* a template's call sets nothing itself */
		flags &= EXREGS_GET | ~EXREGS_VALID_MASK;
	c->a[0] = tid_k(x->self, &k);
	c->a[1] = flags;
	bool sets = flags & (EXREGS_VALID_MASK & ~EXREGS_GET);
	/* no stub ever rewrites the controller */
	if (x->for_stub && sets && c->a[0] == W.self) {
		c->a[0] = x->self;
		k = T_OWN;
	}
	if (sets && tmpl && chance(7, 8)) {
		fill_template(x, tmpl, c->a[0] ? c->a[0] : x->self);
		c->a[2] = (uint32_t)(uintptr_t)tmpl;
	} else if (sets) {
		static const uint32_t bad[] = {0, 0x1000u, 0x80000000u,
					       KIP_ADDRESS, 0xfffffff0u,
					       0x0bad0000u};
		c->a[2] = PICK(bad); /* nothing the kernel could set from */
	} else {
		c->a[2] = wptr(sizeof(struct exregs), x->own);
	}
	if (flags & ~EXREGS_VALID_MASK)
		expect(x, -E_INVAL, "invalid exchange_registers flags");
	else
		expect_target(x, k, c->a[0]);
}

/* Is [phys, phys + pages) in the program's memory? */
static bool in_program(uint32_t phys, uint32_t pages)
{
	uint64_t end = (uint64_t)phys + (uint64_t)pages * PAGE;

	return phys < W.prog_phys + W.prog_size && end > W.prog_phys;
}

/* What a map's target space may get: its own space (or one it does not
 * know) only the KIP's 4 MiB of VA1 and nothing executable; a copy of
 * its space nothing executable; a new space anything. */
enum space_kind { SP_OWN, SP_COPY, SP_NEW };

static enum space_kind space_of(uint32_t tid)
{
	struct kid *k = tid ? kid_of(tid) : NULL;

	if (k && k->kind == KID_NEW)
		return SP_NEW;
	if (k && k->kind == KID_COPY)
		return SP_COPY;
	return SP_OWN;
}

static uint32_t map_virt(enum space_kind sp, uint32_t pages)
{
	static const uint32_t bad[] = {
		0,	     0x1000u,	  0x10000000u, 0x10001000u, 0x80000000u,
		0xc0000000u, KIP_ADDRESS, 0x7ffff800u, 0x20000800u, 0xfffff000u,
		VA1 + 0x3fe000u, VA1 - PAGE,
	};
	uint32_t r = fz_below(&rng, 100);

	if (r < 25)
		return PICK(bad);
	if (r < 40)
		return VA1 + VA1_SIZE - PAGE * (1 + fz_below(&rng, 4));
	if (sp != SP_OWN && r < 70)
		return VA0 + (fz_below(&rng, VA0_SIZE) & ~(PAGE - 1));
	if (r < 55)
		return WINDOW + PAGE * fz_below(&rng, WINDOW_PAGES);
	(void)pages;
	return VA1 + (fz_below(&rng, VA1_SIZE) & ~(PAGE - 1));
}

static bool virt_valid(uint32_t virt, uint32_t pages)
{
	uint64_t end = (uint64_t)virt + (uint64_t)pages * PAGE;

	if (virt % PAGE || virt == 0 || end > 0x80000000u)
		return false;
	return !(virt <= KIP_ADDRESS && KIP_ADDRESS < end);
}

static const uint32_t page_counts[] = {0, 1, 1, 1, 2, 3, 8, 16, 1023,
				       1024, 1025, 0xffffffffu, 0x100001u};

static void gen_map(struct ctx *x)
{
	struct call *c = x->c;
	enum tid_kind k = T_SELF0;
	uint32_t r = fz_below(&rng, 100), phys, pages, attrs, target;

	target = r < 35 ? 0 : r < 60 ? live_kid_tid() : tid_k(x->self, &k);
	if (r >= 35 && r < 60)
		k = target ? T_KID : T_SELF0;
	enum space_kind sp = space_of(target ? target : x->self);
	r = fz_below(&rng, 100);
	if (r < 25)
		phys = W.scratch_phys + PAGE * fz_below(&rng, W.scratch_size / PAGE);
	else if (r < 40)
		phys = W.prog_phys + PAGE * fz_below(&rng, W.prog_size / PAGE);
	else if (r < 50)
		phys = W.dev_phys;
	else if (r < 60) {
		static const uint32_t others[] = {
			VICTIM_PHYS, VICTIM_MEM_PHYS, KERNEL_PHYS,    IMAGE_PHYS,
			UART_PHYS,   RTC_PHYS,	      GIC_PHYS,	      DEV1_PHYS,
			DEV0_PHYS,   RAM_FIRST_PAGE,  RAM_LAST_PAGE, 0,
		};
		phys = PICK(others);
	} else if (r < 70)
		phys = W.scratch_phys + 1 + fz_below(&rng, PAGE - 1);
	else
		phys = rnd() & ~(PAGE - 1);
	pages = chance(1, 2) ? 1 + fz_below(&rng, 4) : PICK(page_counts);
	attrs = chance(1, 10) ? rnd() : rnd() & MAP_ATTR_MASK;
	if (chance(1, 2))
		attrs |= MAP_ATTR_READ;
	/* its program's pages: read-only, never executable; nothing
	 * executable in its own space or a copy of it */
	if (in_program(phys, pages > 0x100000u ? 0x100000u : pages))
		attrs &= ~(MAP_ATTR_WRITE | MAP_ATTR_EXEC);
	if (sp != SP_NEW)
		attrs &= ~MAP_ATTR_EXEC;
	c->a[0] = phys;
	c->a[1] = map_virt(sp, pages);
	c->a[2] = pages;
	c->a[3] = attrs;
	c->a[4] = target;
	if (pages == 0 || pages > MAP_MAX_PAGES || (attrs & ~MAP_ATTR_MASK) ||
	    !(attrs & MAP_ATTR_READ) || phys % PAGE ||
	    !virt_valid(c->a[1], pages))
		expect(x, -E_INVAL, "malformed map");
	else {
		expect_target(x, k, target);
		/* no device: the page it would have is nobody's */
		if (!W.has_dev && phys == W.dev_phys &&
		    (k == T_SELF0 || k == T_OWN || k == T_CTL))
			expect(x, -E_PERM, "map of a device page it holds no "
					   "capability for");
	}
}

static void gen_unmap(struct ctx *x)
{
	struct call *c = x->c;
	enum tid_kind k = T_SELF0;
	uint32_t target = chance(1, 2) ? 0 : tid_k(x->self, &k);
	enum space_kind sp = space_of(target ? target : x->self);
	uint32_t pages = chance(1, 2) ? 1 + fz_below(&rng, 8) : PICK(page_counts);

	c->a[0] = map_virt(sp, pages);
	c->a[1] = pages;
	c->a[2] = target;
	if (pages == 0 || pages > MAP_MAX_PAGES || !virt_valid(c->a[0], pages))
		expect(x, -E_INVAL, "malformed unmap");
	else
		expect_target(x, k, target);
}

/* Mutex words of its own: what a thread waits on and wakes. */
volatile uint32_t mutex_words[4];

static void gen_mutex(struct ctx *x)
{
	static const uint32_t ops[] = {MUTEX_WAIT, MUTEX_WAIT, MUTEX_WAKE,
				       MUTEX_WAKE, 0, 3, 0xffffffffu};
	struct call *c = x->c;
	uint32_t r = fz_below(&rng, 100), addr;
	bool bad = false;

	if (r < 45) {
		volatile uint32_t *w = &mutex_words[fz_below(&rng, 4)];
		if (!x->for_stub && chance(1, 3))
			*w = fz_below(&rng, 3);
		addr = (uint32_t)(uintptr_t)w;
	} else if (r < 65) {
		addr = WINDOW + (fz_below(&rng, WINDOW_SIZE) & ~3u);
	} else if (r < 75) {
		addr = (uint32_t)(uintptr_t)&mutex_words[0] + 1 +
		       fz_below(&rng, 3);
		bad = true;
	} else {
		static const uint32_t nowhere[] = {
			0,	     4,		  KIP_ADDRESS, KIP_ADDRESS + 8,
			0x80000000u, 0xc0000000u, 0x0bad0000u, 0xfffffffcu,
		};
		addr = PICK(nowhere);
		bad = true;
	}
	c->a[0] = addr;
	c->a[1] = PICK(ops);
	if (c->a[1] != MUTEX_WAIT && c->a[1] != MUTEX_WAKE)
		expect(x, -E_INVAL, "no such operation");
	else if (bad)
		expect(x, -E_FAULT, "not a writable word");
	if (c->a[1] == MUTEX_WAIT && !bad) {
		/* the controller waits only on a word that is not 2 */
		if (addr < (uint32_t)(uintptr_t)&mutex_words[0] ||
		    addr >= (uint32_t)(uintptr_t)&mutex_words[4] ||
		    *(volatile uint32_t *)(uintptr_t)addr == 2)
			c->blocking = true;
	}
}

/* A capability id and whether the caller may see it at all. */
static uint32_t cap_id(bool *forged)
{
	uint32_t r = fz_below(&rng, 100), id;

	*forged = false;
	if (r < 45 && (id = made_pick()))
		return id;
	if (r < 75 && W.nboot)
		return W.boot[fz_below(&rng, W.nboot)].id;
	*forged = true;
	r = fz_below(&rng, 5);
	if (r == 0 && W.hello[FZ_H_VCAP_HI] >= W.hello[FZ_H_VCAP_LO])
		return W.hello[FZ_H_VCAP_LO] +
		       fz_below(&rng, W.hello[FZ_H_VCAP_HI] -
					       W.hello[FZ_H_VCAP_LO] + 1);
	if (r == 1)
		return W.max_id + 1000 + fz_below(&rng, 1000);
	static const uint32_t none[] = {0, 0xffffffffu, 0x7fffffffu,
					0x80000000u};
	return PICK(none);
}

static uint32_t split_amount(uint32_t id)
{
	struct cap_info ci;
	uint32_t r = fz_below(&rng, 100);

	if (!cap_lookup(id, &ci) || r < 10)
		return gen_value();
	uint32_t kind = ci.resource & CAP_KIND_MASK;
	if (kind == CAP_KIND_QUANTITY) {
		uint32_t room = ci.size - ci.used;
		uint32_t v[] = {0, 1, room, room - 1, room + 1, ci.size, 2};
		return PICK(v);
	}
	if (kind == CAP_KIND_MEMORY) {
		uint32_t v[] = {0, PAGE, PAGE - 1, ci.size - PAGE, ci.size,
				ci.size / 2 & ~(PAGE - 1), 2 * PAGE, 0x80000000u};
		return PICK(v);
	}
	uint32_t v[] = {ci.ops & rnd(), ci.ops, 0, ~ci.ops, ci.ops & -ci.ops,
			0x80u};
	return PICK(v);
}

static void gen_cap(struct ctx *x)
{
	static const uint32_t ops[] = {
		CAP_CTRL_COUNT,	    CAP_CTRL_READ,	CAP_CTRL_READ,
		CAP_CTRL_SHARE,	    CAP_CTRL_SHARE,	CAP_CTRL_GRANT,
		CAP_CTRL_GRANT,	    CAP_CTRL_SPLIT,	CAP_CTRL_SPLIT,
		CAP_CTRL_SPLIT,	    CAP_CTRL_REPLICATE, CAP_CTRL_REPLICATE,
		CAP_CTRL_REPLICATE, CAP_CTRL_DEDUCE,	CAP_CTRL_DEDUCE,
		CAP_CTRL_DESTROY,   CAP_CTRL_DESTROY,	CAP_CTRL_DESTROY,
		0,		    9,			0xffffffffu,
	};
	struct call *c = x->c;
	bool forged;
	struct cap_info ci;

	c->a[0] = PICK(ops);
	if (c->a[0] == CAP_CTRL_COUNT)
		return;
	if (c->a[0] == CAP_CTRL_READ) {
		static const uint32_t maxes[] = {0,  1,	   2,	 10,	64,
						 85, 4096, 4097, 0xffffffffu};
		c->a[2] = PICK(maxes);
		c->a[1] = wptr(c->a[2] <= 85 ? c->a[2] * sizeof(ci) : 4096,
			       x->own);
		return;
	}
	if (c->a[0] < CAP_CTRL_COUNT || c->a[0] > CAP_CTRL_DESTROY) {
		c->a[1] = gen_value();
		expect(x, -E_INVAL, "no such operation");
		return;
	}
	c->a[1] = cap_id(&forged);
	/* the controller never moves, narrows or drops a boot capability,
	 * nor splits its operations (bits split off never come back) */
	if (!x->for_stub && is_boot_cap(c->a[1]) &&
	    (c->a[0] == CAP_CTRL_SHARE || c->a[0] == CAP_CTRL_GRANT ||
	     c->a[0] == CAP_CTRL_DEDUCE || c->a[0] == CAP_CTRL_DESTROY ||
	     (c->a[0] == CAP_CTRL_SPLIT && cap_lookup(c->a[1], &ci) &&
	      (ci.resource & CAP_KIND_MASK) == CAP_KIND_OPERATION))) {
		c->a[1] = made_pick();
		if (!c->a[1]) {
			c->a[1] = W.max_id + 5000;
			forged = true;
		}
	}
	switch (c->a[0]) {
	case CAP_CTRL_SHARE: {
		static const uint32_t scopes[] = {
			CAP_SHARE_PAGED,     CAP_SHARE_SIBLINGS, CAP_SHARE_GROUP,
			CAP_SHARE_CONTAINER, 0,			 5,
			0xffffffffu};
		c->a[2] = PICK(scopes);
		break;
	}
	case CAP_CTRL_GRANT:
		c->a[2] = gen_tid();
		break;
	case CAP_CTRL_SPLIT:
		c->a[2] = split_amount(c->a[1]);
		break;
	case CAP_CTRL_DEDUCE: {
		uint32_t ops_now = cap_lookup(c->a[1], &ci) ? ci.ops : rnd();
		uint32_t fl_now = cap_lookup(c->a[1], &ci) ? ci.flags : rnd();
		c->a[2] = chance(7, 8) ? ops_now & rnd() : rnd();
		c->a[3] = chance(7, 8) ? fl_now & rnd() : rnd();
		/* mostly keep what lets it destroy the capability again */
		if (chance(7, 8))
			c->a[3] |= fl_now & CAP_F_DESTROY;
		c->a[4] = chance(1, 2) ? 0 : fz_below(&rng, 6);
		c->a[5] = chance(1, 3) ? fz_below(&rng, 4) : gen_tid();
		break;
	}
	default:
		break;
	}
	if (forged)
		expect(x, -E_NOENT, "an id it cannot use");
}

static void gen_irq(struct ctx *x)
{
	static const uint32_t ops[] = {IRQ_BIND,   IRQ_BIND,   IRQ_UNBIND,
				       IRQ_UNBIND, IRQ_WAIT,   IRQ_ACK,
				       IRQ_ACK,	   0,	       5,
				       0xffffffffu};
	struct call *c = x->c;
	uint32_t r = fz_below(&rng, 100), irq;
	enum tid_kind k = T_SELF0;

	if (r < 50)
		irq = W.dev_irq;
	else if (r < 85) {
		static const uint32_t others[] = {
			RTC_IRQ,       DEV0_IRQ,  DEV1_IRQ, TIMER_IRQ,
			UART_IRQ,      IRQ_COUNT - 1, IRQ_COUNT, 1023,
			0,	       0xffffffffu,
			16,	 31,   32,   100,
		};
		irq = PICK(others);
	} else
		irq = fz_below(&rng, 1100);
	c->a[0] = PICK(ops);
	c->a[1] = irq;
	c->a[2] = c->a[0] == IRQ_BIND && chance(2, 3) ? tid_k(x->self, &k) : 0;
	if (c->a[0] < IRQ_BIND || c->a[0] > IRQ_ACK || irq == TIMER_IRQ ||
	    irq == UART_IRQ || irq >= IRQ_COUNT) {
		expect(x, -E_INVAL, "no such operation, or a reserved IRQ");
		return;
	}
	if (c->a[0] != IRQ_BIND && !own_irq(irq))
		expect(x, -E_PERM, "an IRQ of no device it holds");
	if (c->a[0] == IRQ_BIND) {
		expect_target(x, k, c->a[2]);
		/* a live thread of its own: the IRQ decides */
		if (!own_irq(irq) &&
		    (k == T_SELF0 || k == T_OWN || k == T_CTL))
			expect(x, -E_PERM, "bind of an IRQ of no device it "
					   "holds");
	}
	if (c->a[0] == IRQ_WAIT && own_irq(irq))
		c->blocking = true;
}

/* Newlines only: whatever a console call prints is empty lines, which
 * cannot break another container's line in two. */
static const char newlines[8] = "\n\n\n\n\n\n\n\n";

static void gen_console(struct ctx *x)
{
	static const uint32_t lens[] = {0,   1,	  2,	 3,	255,
					256, 257, 1000, 0xffffffffu};
	struct call *c = x->c;
	uint32_t r = fz_below(&rng, 100);
	bool bad = true;

	c->a[1] = PICK(lens);
	if (r < 25 && c->a[1] <= 2) {
		c->a[0] = (uint32_t)(uintptr_t)newlines + fz_below(&rng, 4);
		bad = false;
	} else if (r < 50) {
		c->a[0] = PICK(kernel_addrs);
	} else if (r < 80) {
		c->a[0] = PICK(unmapped_addrs);
	} else {
		c->a[0] = 0;
	}
	if (c->a[1] > CONSOLE_WRITE_MAX)
		expect(x, -E_INVAL, "longer than a console write");
	else if (bad && c->a[1] > 0)
		expect(x, -E_FAULT, "nothing readable there");
	else if (!bad)
		expect(x, (int)c->a[1], "the bytes written");
}

/*
 * sched_control: no fuzzing container is scheduled by another (fuzz.toml
 * names no scheduler), so no call can succeed: bad arguments are -E_INVAL
 * whatever the target (an unknown op; a priority or quantum out of range
 * for ADMIT and SET only), the rest -E_PERM or -E_NOENT (calls.c):
 * FORWARD's container index and GET are looked at only after the
 * capability on the thread.
 */
static void gen_sched(struct ctx *x)
{
	static const uint32_t ops[] = {SCHED_ADMIT,   SCHED_REFUSE, SCHED_SET,
				       SCHED_FORWARD, SCHED_GET,    0,
				       SCHED_GET + 1, 0xffffffffu};
	static const uint32_t prios[] = {0, 1, 100, 255, 256, 0xffffffffu};
	static const uint32_t quanta[] = {0, 1, 2, SCHED_QUANTUM_MAX,
					  SCHED_QUANTUM_MAX + 1, 0xffffffffu};
	struct call *c = x->c;
	enum tid_kind k;

	c->a[0] = PICK(ops);
	c->a[1] = tid_k(x->self, &k);
	c->a[2] = chance(1, 4) ? gen_value() : PICK(prios);
	c->a[3] = chance(1, 4) ? gen_value() : PICK(quanta);
	if (c->a[0] < SCHED_ADMIT || c->a[0] > SCHED_GET ||
	    ((c->a[0] == SCHED_ADMIT || c->a[0] == SCHED_SET) &&
	     (c->a[2] < 1 || c->a[2] > 255 || c->a[3] < 1 ||
	      c->a[3] > SCHED_QUANTUM_MAX))) {
		expect(x, -E_INVAL, "no such operation, priority or quantum");
		return;
	}
	/* then the capability on the thread, which no attacker holds */
	expect_target(x, k, c->a[1]);
	if (k == T_SELF0 || k == T_OWN || k == T_CTL)
		expect(x, -E_PERM, "no scheduling capability at all");
}

/* time: its unit (ticks, microseconds, the counter), or none of them. */
static void gen_time(struct ctx *x)
{
	static const uint32_t units[] = {TIME_TICKS,   TIME_TICKS,
					 TIME_MICROSECONDS, TIME_COUNTER,
					 3,	       0x80000000u,
					 0xffffffffu};
	uint32_t unit = chance(1, 8) ? rnd() : PICK(units);

	x->c->a[0] = unit;
	expect(x, unit <= TIME_COUNTER ? 0 : -E_INVAL, "time's unit");
}

/*
 * getid: GETID_SELF (whatever r1/r2 hold), GETID_CHANNEL with a name (of
 * a container it has a channel to, its own, one it has none to, none at
 * all, one with a NUL in it) or any readable pointer, and its length;
 * other operations. What the kernel checks before it reads the name (the
 * operation, the length 1..GETID_NAME_MAX) is known here; the rest
 * (a tid, -E_NOENT, -E_BUSY or -E_DEAD for an attacker between or after
 * its lives, -E_FAULT) is result_allowed's.
 */
static void gen_getid(struct ctx *x)
{
	static const char *const names[] = {
		"victim", "attacker1", "attacker2", "nosuch", "victim\0x",
		"a-name-longer-than-16",
	};
	static const uint32_t lens[] = {0,  1,	5,  6,	7,
					9,  16, 17, 255, 0xffffffffu};
	static const uint32_t ops[] = {2, 3, 0x100, 0x80000000u, 0xffffffffu};
	struct call *c = x->c;
	uint32_t r = fz_below(&rng, 100), len;

	if (r < 40) { /* the original call, any junk in r1/r2 */
		c->a[0] = GETID_SELF;
		if (chance(1, 2)) {
			c->a[1] = rnd();
			c->a[2] = rnd();
		}
		return;
	}
	if (r < 55) {
		c->a[0] = chance(1, 4) ? rnd() : PICK(ops);
		c->a[1] = rnd();
		c->a[2] = rnd();
		if (c->a[0] > GETID_CHANNEL)
			expect(x, -E_INVAL, "no such getid operation");
		return;
	}
	c->a[0] = GETID_CHANNEL;
	if (r < 85) {
		const char *name =
		    names[fz_below(&rng, sizeof(names) / sizeof(names[0]))];
		uint32_t n = 0;
		while (name[n])
			n++;
		len = chance(2, 3) ? n : PICK(lens);
		c->a[1] = (uint32_t)(uintptr_t)name;
	} else {
		len = PICK(lens);
		c->a[1] = rptr(len <= GETID_NAME_MAX ? len : 4, x->own);
	}
	c->a[2] = len;
	if (len < 1 || len > GETID_NAME_MAX)
		expect(x, -E_INVAL, "a name's length is 1..GETID_NAME_MAX");
}

static void gen_call_ctx(struct ctx *x, struct utcb *u)
{
	static const uint8_t weights[] = {
		/* ipc tc exregs map unmap mutex cap irq getid time console
		 * sched, then calls of the ABI added since (any number below
		 * SYS_COUNT without a generator of its own), none */
		17, 14, 10, 10, 6, 6, 16, 7, 3, 3, 3, 2, 0, 3,
	};
	uint32_t r = fz_below(&rng, 100), nr = 0;

	while (nr < sizeof(weights) - 1 && r >= weights[nr])
		r -= weights[nr++];
	x->c->nr = nr;
	x->c->expect = EXPECT_ANY;
	x->c->why = "";
	x->c->blocking = false;
	for (int i = 0; i < 7; i++)
		x->c->a[i] = 0;
	switch (nr) {
	case SYS_ipc:
		gen_ipc(x, u);
		break;
	case SYS_thread_control:
		gen_tc(x);
		break;
	case SYS_exchange_registers:
		gen_exregs(x, x->slot >= 0 ? (struct exregs *)slots[x->slot].area
			   : x->depth == 0 ? (struct exregs *)(uintptr_t)x->own.base
					   : NULL);
		break;
	case SYS_map:
		gen_map(x);
		break;
	case SYS_unmap:
		gen_unmap(x);
		break;
	case SYS_mutex_control:
		gen_mutex(x);
		break;
	case SYS_cap_control:
		gen_cap(x);
		break;
	case SYS_irq_control:
		gen_irq(x);
		break;
	case SYS_getid:
		gen_getid(x);
		break;
	case SYS_time:
		gen_time(x);
		break;
	case SYS_console_write:
		gen_console(x);
		break;
	case SYS_sched_control:
		gen_sched(x);
		break;
	default: {
		static const uint32_t bad[] = {SYS_COUNT, SYS_COUNT + 1, 64, 255,
					       0x7fffffffu, 0x80000000u,
					       0xffffffffu};
		if (nr == GEN_CALLS && SYS_COUNT > GEN_CALLS) {
			/* a call it has no generator for: operation-like
			 * words, thread ids and values; a stub makes it */
			enum tid_kind k;
			x->c->nr = GEN_CALLS + fz_below(&rng, SYS_COUNT - GEN_CALLS);
			x->c->a[0] = fz_below(&rng, 6);
			x->c->a[1] = tid_k(x->self, &k);
			for (int i = 2; i < 7; i++)
				x->c->a[i] = gen_value();
			x->c->blocking = true;
			break;
		}
		x->c->nr = PICK(bad);
		for (int i = 0; i < 7; i++)
			x->c->a[i] = gen_value();
		expect(x, -E_NOSYS, "no such call");
		break;
	}
	}
}

/* The controller's own area: where its calls may have the kernel write
 * (its templates and buffers: nothing it keeps). */
static uint8_t ctl_area[1024] __attribute__((aligned(8)));

void gen_call(struct call *c, bool for_stub, int slot)
{
	struct ctx x = {.c = c, .for_stub = for_stub, .slot = slot};

	if (for_stub && slot >= 0) {
		struct kid *k = NULL;
		for (int i = 0; i < MAX_KIDS; i++)
			if (kids[i].tid && kids[i].slot == slot)
				k = &kids[i];
		x.self = k ? k->tid : 0;
		/* the stub's area: its second half (the first is the
		 * template exchange_registers sets from) */
		x.own.base = (uint32_t)(uintptr_t)slots[slot].area + 512;
		x.own.size = 512;
		gen_call_ctx(&x, &slots[slot].utcb);
	} else {
		x.self = W.self;
		x.own.base = (uint32_t)(uintptr_t)ctl_area;
		x.own.size = sizeof(ctl_area);
		gen_call_ctx(&x, for_stub ? NULL
					  : (struct utcb *)(uintptr_t)W.utcb);
	}
}
