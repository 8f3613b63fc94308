/*
 * Capabilities and budgets: what a life starts with, what it made, the
 * invariants checked after every capability call that changed something
 * (no budget charged beyond its size), and the end of a round: destroy
 * everything made, then every budget must be back at its start value.
 */
#include <stddef.h>
#include <stdio.h>
#include <tessera/boot.h>
#include <tessera/errno.h>
#include "attacker.h"

struct world W;
uint32_t made_caps[MAX_CAPS];
int nmade;

static struct cap_info snap[MAX_CAPS]; /* the last read, for the generator */
static int nsnap;

static const char *res_name(uint32_t res)
{
	switch (res) {
	case CAP_RES_THREADS: return "threads";
	case CAP_RES_SPACES: return "spaces";
	case CAP_RES_MUTEXES: return "mutexes";
	case CAP_RES_PTPAGES: return "pt";
	case CAP_RES_CAPS: return "caps";
	case CAP_RES_IRQS: return "irqs";
	case CAP_RES_PHYSMEM: return "physmem";
	case CAP_RES_VIRTMEM: return "virtmem";
	case CAP_RES_DEVMEM: return "devmem";
	default: return "operation";
	}
}

int caps_read(struct cap_info *buf)
{
	int n = fz_cap_read(buf, MAX_CAPS);

	if (n < 0) {
		finding("cap_control read of its own capabilities: %d", n);
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (buf[i].id > W.max_id)
			W.max_id = buf[i].id;
	return n;
}

bool is_boot_cap(uint32_t id)
{
	for (int i = 0; i < W.nboot; i++)
		if (W.boot[i].id == id)
			return true;
	return false;
}

void caps_refresh(void)
{
	nsnap = caps_read(snap);
	nmade = 0;
	for (int i = 0; i < nsnap && nmade < MAX_CAPS; i++)
		if (!is_boot_cap(snap[i].id))
			made_caps[nmade++] = snap[i].id;
}

bool cap_lookup(uint32_t id, struct cap_info *out)
{
	for (int i = 0; i < nsnap; i++) {
		if (snap[i].id == id) {
			*out = snap[i];
			return true;
		}
	}
	return false;
}

void made_add(uint32_t id)
{
	for (int i = 0; i < nmade; i++)
		if (made_caps[i] == id)
			return;
	if (nmade < MAX_CAPS)
		made_caps[nmade++] = id;
	else
		made_caps[fz_below(&rng, MAX_CAPS)] = id;
}

uint32_t made_pick(void)
{
	return nmade ? made_caps[fz_below(&rng, (uint32_t)nmade)] : 0;
}

static uint32_t sum(const struct cap_info *c, int n, uint32_t res,
		    bool used)
{
	uint32_t s = 0;

	for (int i = 0; i < n; i++)
		if (c[i].resource == res)
			s += used ? c[i].used : c[i].size;
	return s;
}

uint32_t budget_used(uint32_t res)
{
	static struct cap_info c[MAX_CAPS];
	int n = caps_read(c);

	return sum(c, n, res, true);
}

uint32_t budget_free(uint32_t res)
{
	static struct cap_info c[MAX_CAPS];
	int n = caps_read(c);
	uint32_t f = 0;

	for (int i = 0; i < n; i++)
		if (c[i].resource == res && c[i].size >= c[i].used)
			f += c[i].size - c[i].used;
	return f;
}

/* Is every boot memory capability as large as at the start? (A part
 * split off and destroyed when it no longer adjoined is lost for the
 * life: docs/capabilities.md.) */
bool memory_whole(void)
{
	static struct cap_info c[MAX_CAPS];
	int n = caps_read(c);

	for (int i = 0; i < W.nboot; i++) {
		const struct cap_info *b = &W.boot[i];
		if ((b->resource & CAP_KIND_MASK) != CAP_KIND_MEMORY)
			continue;
		bool same = false;
		for (int j = 0; j < n; j++)
			same |= c[j].id == b->id && c[j].size == b->size;
		if (!same)
			return false;
	}
	return true;
}

/* Free units of res on the lists its stubs can use (its container's
 * and the one it shares with the threads it pages). */
uint32_t stub_room(uint32_t res)
{
	static struct cap_info c[MAX_CAPS];
	int n = caps_read(c);
	uint32_t f = 0;

	for (int i = 0; i < n; i++)
		if (c[i].resource == res && c[i].size >= c[i].used &&
		    (c[i].list == CAP_LIST_CONTAINER ||
		     c[i].list == CAP_LIST_PAGED))
			f += c[i].size - c[i].used;
	return f;
}

/* No budget it can see is charged beyond its size (an unsigned size -
 * used that wraps round makes a budget unlimited). */
void caps_invariants(const char *when)
{
	nsnap = caps_read(snap);
	for (int i = 0; i < nsnap; i++) {
		const struct cap_info *c = &snap[i];
		if ((c->resource & CAP_KIND_MASK) == CAP_KIND_QUANTITY &&
		    c->used > c->size)
			finding("after %s: %s budget %u has %u units in use "
				"of %u", when, res_name(c->resource),
				(unsigned)c->id, (unsigned)c->used,
				(unsigned)c->size);
	}
	for (int i = 0; i < nsnap; i++)
		if (!is_boot_cap(snap[i].id))
			made_add(snap[i].id);
}

/* ---- the start of a life --------------------------------------------- */

/* Map its scratch window again (random calls unmap and remap it). A
 * split of its scratch or virtual range (and a part that could not go
 * back) may make it -E_PERM: the callers decide what that means. */
int window_map(void)
{
	return fz_call(SYS_map, W.scratch_phys, WINDOW, WINDOW_PAGES,
		       MAP_ATTR_READ | MAP_ATTR_WRITE, 0, 0);
}

void world_setup(void)
{
	struct sys_ids ids;
	struct regs7 io = {{0}};

	fz_svc(SYS_getid, &io);
	ids.tid = io.r[0];
	ids.container = io.r[2];
	W.self = ids.tid;
	W.index = ids.container;
	W.prog_phys = container_region.phys;
	W.prog_virt = container_region.virt;
	W.prog_size = container_region.size;
	W.utcb = W.prog_virt + W.prog_size - PAGE;
	io = (struct regs7){{TC_CPUS, 0, 0}};
	fz_svc(SYS_thread_control, &io);
	W.cpus = io.r[1];
	W.cpus_online = ((const volatile struct kip *)KIP_ADDRESS)->cpus_online;
	W.nboot = caps_read(W.boot);
	W.has_dev = W.has_irq = false;
	for (int i = 0; i < W.nboot; i++) {
		const struct cap_info *c = &W.boot[i];
		bool own = c->target_kind == CAP_TGT_CONTAINER &&
			   c->target == W.index;
		switch (c->resource) {
		case CAP_RES_TCTRL: if (own) W.cap_tctrl = c->id; break;
		case CAP_RES_EXREGS: if (own) W.cap_exregs = c->id; break;
		case CAP_RES_CAPCTRL: if (own) W.cap_capctrl = c->id; break;
		case CAP_RES_MAP: if (own) W.cap_map = c->id; break;
		case CAP_RES_IRQCTRL: if (own) W.cap_irqctrl = c->id; break;
		case CAP_RES_MUTEX: if (own) W.cap_mutex = c->id; break;
		case CAP_RES_IPC: if (own) W.cap_ipc_self = c->id; break;
		case CAP_RES_PHYSMEM:
			if (c->base == W.prog_phys) {
				W.cap_prog = c->id;
			} else {
				W.cap_scratch = c->id;
				W.scratch_phys = c->base;
				W.scratch_size = c->size;
			}
			break;
		case CAP_RES_DEVMEM:
			W.cap_dev = c->id;
			W.dev_phys = c->base;
			W.dev_size = c->size;
			W.dev_irq = c->irq;
			W.has_dev = true;
			W.has_irq = c->irq != CAP_NO_IRQ;
			break;
		case CAP_RES_VIRTMEM:
			if (c->base == VA0)
				W.cap_va0 = c->id;
			else
				W.cap_va1 = c->id;
			break;
		default:
			if (c->resource >= CAP_RES_THREADS &&
			    c->resource <= CAP_RES_IRQS)
				W.cap_budget[c->resource - CAP_RES_THREADS] =
					c->id;
			break;
		}
	}
	/* no device (fuzz.toml: optional, left out on some boards), or one
	 * without an IRQ: the device and IRQ calls aim at a peripheral
	 * nobody holds, and expect to be refused */
	if (!W.has_dev) {
		W.dev_phys = NOBODY_PHYS;
		W.dev_size = PAGE;
	}
	if (!W.has_irq)
		W.dev_irq = NOBODY_IRQ;
	int err = window_map();
	if (err)
		finding("map of its scratch window at 0x%08x: %d",
			(unsigned)WINDOW, err);
	/* the baseline: as it is now, with its window mapped */
	W.nboot = caps_read(W.boot);
	caps_refresh();
}

/* ---- the end of a round ----------------------------------------------- */

static struct cap_info now[MAX_CAPS];
static bool whole_memory; /* every memory range as it was at the start */

/* Destroy what it made, newest first (a split-off part goes back to its
 * origin only while it adjoins it), until nothing more goes. Returns how
 * many are left: capabilities deduced without CAP_F_DESTROY, and those
 * others were split from or pay for. */
int destroy_made(void)
{
	int left = 0;

	for (int pass = 0; pass < 8; pass++) {
		int n = caps_read(now), gone = 0;
		uint32_t ids[MAX_CAPS];
		int k = 0;

		for (int i = 0; i < n; i++)
			if (!is_boot_cap(now[i].id))
				ids[k++] = now[i].id;
		/* newest (highest id) first */
		for (int i = 1; i < k; i++)
			for (int j = i; j > 0 && ids[j] > ids[j - 1]; j--) {
				uint32_t t = ids[j];
				ids[j] = ids[j - 1];
				ids[j - 1] = t;
			}
		for (int i = 0; i < k; i++)
			gone += fz_capc(CAP_CTRL_DESTROY, ids[i], 0, 0, 0, 0) == 0;
		left = k - gone;
		if (!gone || !left)
			break;
	}
	return left;
}

static const struct cap_info *boot_of(uint32_t id)
{
	for (int i = 0; i < W.nboot; i++)
		if (W.boot[i].id == id)
			return &W.boot[i];
	return NULL;
}

static void check_budgets(int stuck)
{
	int n = caps_read(now);
	static const uint32_t quantities[] = {
		CAP_RES_THREADS, CAP_RES_SPACES, CAP_RES_MUTEXES,
		CAP_RES_PTPAGES, CAP_RES_CAPS,	 CAP_RES_IRQS,
	};
	static const uint32_t memories[] = {CAP_RES_PHYSMEM, CAP_RES_VIRTMEM,
					    CAP_RES_DEVMEM};

	for (unsigned q = 0; q < 6; q++) {
		uint32_t res = quantities[q];
		uint32_t size0 = sum(W.boot, W.nboot, res, false);
		uint32_t used0 = sum(W.boot, W.nboot, res, true);
		uint32_t size = sum(now, n, res, false);
		uint32_t used = sum(now, n, res, true);
		/* every capability made holds one CAPS unit; only those it
		 * could not destroy are left */
		uint32_t want = res == CAP_RES_CAPS ? used0 + (uint32_t)stuck
						    : used0;
		if (size != size0 || used != want)
			finding("round end: %s budget used %u size %u (start: "
				"used %u size %u, %d capabilities left that "
				"it cannot destroy)",
				res_name(res), (unsigned)used, (unsigned)size,
				(unsigned)want, (unsigned)size0, stuck);
	}
	/* memory split off goes back only while it adjoins its origin
	 * (docs/capabilities.md), so a range may shrink; it never grows */
	for (unsigned m = 0; m < 3; m++) {
		uint32_t size0 = sum(W.boot, W.nboot, memories[m], false);
		uint32_t size = sum(now, n, memories[m], false);
		if (size > size0)
			finding("round end: %s capabilities cover 0x%x bytes, "
				"more than the 0x%x at start",
				res_name(memories[m]), (unsigned)size,
				(unsigned)size0);
	}
	for (int i = 0; i < n; i++) {
		const struct cap_info *c = &now[i];
		if ((c->resource & CAP_KIND_MASK) == CAP_KIND_QUANTITY &&
		    c->used > c->size)
			finding("round end: %s budget %u has %u in use of %u",
				res_name(c->resource), (unsigned)c->id,
				(unsigned)c->used, (unsigned)c->size);
	}
	for (int i = 0; i < W.nboot; i++) {
		const struct cap_info *b = &W.boot[i], *c = NULL;
		for (int j = 0; j < n; j++)
			if (now[j].id == b->id)
				c = &now[j];
		if (!c) {
			finding("round end: boot capability %u (%s) is gone",
				(unsigned)b->id, res_name(b->resource));
			continue;
		}
		/* its boot capabilities are never moved or narrowed; a
		 * budget or range may be smaller by parts it cannot destroy */
		bool sized = (b->resource & CAP_KIND_MASK) != CAP_KIND_OPERATION;
		if (c->resource != b->resource || c->ops != b->ops ||
		    c->flags != b->flags || c->target_kind != b->target_kind ||
		    c->target != b->target || c->list != b->list ||
		    c->holder != b->holder || c->irq != b->irq ||
		    (!sized && c->size != b->size) ||
		    (b->resource & CAP_KIND_MASK) == CAP_KIND_MEMORY
			    ? c->base != b->base
			    : false)
			finding("round end: boot capability %u (%s) changed: "
				"ops 0x%x flags 0x%x target %u/%u list %u "
				"(start 0x%x 0x%x %u/%u %u)",
				(unsigned)b->id, res_name(b->resource),
				(unsigned)c->ops, (unsigned)c->flags,
				(unsigned)c->target_kind, (unsigned)c->target,
				(unsigned)c->list, (unsigned)b->ops,
				(unsigned)b->flags, (unsigned)b->target_kind,
				(unsigned)b->target, (unsigned)b->list);
	}
	(void)boot_of;
}

extern volatile uint32_t mutex_words[4];

void round_end(void)
{
	if (!kids_quiesce())
		finding("round end: %u of its threads would not end",
			(unsigned)live_kids());
	/* its IRQ, if something left it bound (to a thread that lives) */
	fz_call(SYS_irq_control, IRQ_UNBIND, W.dev_irq, 0, 0, 0, 0);
	int stuck = destroy_made();
	check_budgets(stuck);
	/* its window as at the start: unmap the whole range, map again */
	whole_memory = memory_whole();
	int r = fz_call(SYS_unmap, VA1, VA1_SIZE / PAGE, 0, 0, 0, 0);
	if (r < 0 && whole_memory)
		finding("round end: unmap of its own virtual range: %d", r);
	r = window_map();
	if (r && whole_memory)
		finding("round end: map of its scratch window at 0x%08x: %d",
			(unsigned)WINDOW, r);
	for (int i = 0; i < 4; i++)
		mutex_words[i] = 0;
	caps_refresh();
}
