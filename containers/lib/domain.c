/* Growing resource domains (tessera/domain.h) over cap_control. */
#include <stdbool.h>
#include <tessera/domain.h>
#include <tessera/sys.h>

#define READ_MAX 64

static bool is_quantity(uint32_t res)
{
	return (res & CAP_KIND_MASK) == CAP_KIND_QUANTITY &&
	       res - CAP_RES_THREADS < DOMAIN_QUANTITIES;
}

/* Split `units` off one of the caller's budgets for `res`; new id or -E_*. */
static int split_budget(uint32_t res, uint32_t units)
{
	struct cap_info caps[READ_MAX];
	int n = cap_read(caps, READ_MAX), err = -E_BUDGET;

	for (int i = 0; i < n; i++) {
		if (caps[i].resource != res ||
		    caps[i].size - caps[i].used < units ||
		    !(caps[i].flags & CAP_F_SPLIT))
			continue;
		int id = cap_split(caps[i].id, units);
		if (id >= 0)
			return id;
		err = id; /* e.g. one it uses but does not manage: try others */
	}
	return n < 0 ? n : err;
}

/* A replica of an operation capability narrowed to ops and target. */
static int replicate_op(const struct domain_grant *g, uint32_t self)
{
	struct cap_info caps[READ_MAX];
	int n = cap_read(caps, READ_MAX), err = -E_PERM;
	/* 0 is the pager itself only for thread targets: container 0 is a
	 * container like the others */
	uint32_t target = g->target || (g->target_kind != CAP_TGT_THREAD &&
					g->target_kind != CAP_TGT_PAGED)
			      ? g->target
			      : self;

	for (int i = 0; i < n; i++) {
		if (caps[i].resource != g->resource ||
		    (caps[i].ops & g->amount) != g->amount ||
		    !(caps[i].flags & CAP_F_REPLICATE))
			continue;
		int id = cap_replicate(caps[i].id);
		if (id < 0) {
			err = id;
			continue;
		}
		err = cap_deduce((uint32_t)id, g->amount, caps[i].flags,
				 g->target_kind, g->target_kind ? target : 0);
		if (err == 0)
			return id;
		cap_destroy((uint32_t)id);
	}
	return n < 0 ? n : err;
}

static struct domain_child *slot(struct domain *d, uint32_t tid)
{
	for (unsigned i = 0; i < DOMAIN_MAX_CHILDREN; i++)
		if (d->child[i].tid == tid)
			return &d->child[i];
	return 0;
}

static void account(struct domain *d, uint32_t res, uint32_t amount, int sign)
{
	if (is_quantity(res))
		d->units_out[res - CAP_RES_THREADS] += (uint32_t)sign * amount;
	d->caps_out += (uint32_t)sign;
}

/* Destroy what c was given; returns how many could not be taken back. */
static int take_back(struct domain *d, struct domain_child *c)
{
	struct cap_info caps[READ_MAX];
	int n = c->nr_caps ? cap_read(caps, READ_MAX) : 0, lost = 0;

	while (c->nr_caps) {
		uint32_t id = c->caps[--c->nr_caps];
		uint32_t res = 0, size = 0;
		for (int i = 0; i < n; i++)
			if (caps[i].id == id) {
				res = caps[i].resource;
				size = caps[i].size;
			}
		if (cap_destroy(id) == 0 && res)
			account(d, res, is_quantity(res) ? size : 0, -1);
		else
			lost++;
	}
	c->tid = 0;
	return lost;
}

int domain_create(struct domain *d, const struct domain_spec *spec,
		  uint32_t source, uint32_t tgid)
{
	struct domain_child *c = slot(d, 0);
	struct sys_ids ids;
	int tid, err = 0;

	if (!c || spec->nr_grants > DOMAIN_MAX_GRANTS)
		return -E_BUDGET;
	sys_getid(&ids);
	tid = sys_thread_create(source, spec->space | TC_AS_PAGER, tgid,
				spec->pc, spec->sp);
	if (tid < 0)
		return tid;
	c->tid = (uint32_t)tid;
	c->nr_caps = 0;
	for (uint32_t i = 0; i < spec->nr_grants && !err; i++) {
		const struct domain_grant *g = &spec->grants[i];
		int id = is_quantity(g->resource) ? split_budget(g->resource,
								 g->amount)
						  : replicate_op(g, ids.tid);
		if (id < 0 || (err = cap_grant((uint32_t)id, (uint32_t)tid))) {
			if (id >= 0)
				cap_destroy((uint32_t)id);
			err = id < 0 ? id : err;
			break;
		}
		c->caps[c->nr_caps++] = (uint32_t)id;
		account(d, g->resource, g->amount, 1);
	}
	if (err) { /* undo: end it (its caps come back to us), take them */
		sys_thread_destroy((uint32_t)tid, err);
		sys_thread_wait((uint32_t)tid, 0);
		take_back(d, c);
		return err;
	}
	return tid;
}

int domain_start(struct domain *d, uint32_t tid)
{
	if (!tid || !slot(d, tid))
		return -E_NOENT;
	return sys_thread_run(tid);
}

int domain_spawn(struct domain *d, const struct domain_spec *spec)
{
	int tid = domain_create(d, spec, 0, 0);

	if (tid < 0)
		return tid;
	int err = domain_start(d, (uint32_t)tid);
	if (err) {
		domain_kill(d, (uint32_t)tid);
		return err;
	}
	return tid;
}

int domain_reap(struct domain *d, uint32_t tid, int *lost)
{
	struct domain_child *c = tid ? slot(d, tid) : 0;
	int code;

	if (!c)
		return -E_NOENT;
	code = sys_thread_wait(tid, 0);
	int n = take_back(d, c);
	if (lost)
		*lost = n;
	return code;
}

int domain_kill(struct domain *d, uint32_t tid)
{
	if (!tid || !slot(d, tid))
		return -E_NOENT;
	sys_thread_destroy(tid, -E_DEAD);
	return domain_reap(d, tid, 0);
}

uint32_t domain_units_out(const struct domain *d, uint32_t resource)
{
	return is_quantity(resource) ? d->units_out[resource - CAP_RES_THREADS]
				     : 0;
}

uint32_t domain_children(const struct domain *d)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < DOMAIN_MAX_CHILDREN; i++)
		n += d->child[i].tid != 0;
	return n;
}
