/*
 * System call dispatch and the calls of the walking skeleton. Each handler
 * checks its arguments first and acts second; user pointers are read
 * through copy_from_user only.
 */
#include <kernel/container.h>
#include <kernel/invariants.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/timer.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/sched_handoff.h>
#include <kernel/space.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>

typedef int (*syscall_fn)(struct user_context *ctx);

#define X_SYSCALL_ENTRY(name) [SYS_##name] = sys_##name,
static const syscall_fn syscall_table[SYS_COUNT] = {
	SYSCALL_LIST(X_SYSCALL_ENTRY)};
#undef X_SYSCALL_ENTRY

/*
 * getid and time only report (the caller's ids, the time): they do not
 * block, end, wake or move a thread, or change what the scheduler would
 * pick. The caller entered from user mode with no pick pending and no
 * suspend waiting at its safe point (every way back to user mode makes
 * sure of both; another core's requests come with an IPI, taken as soon
 * as the caller runs), so after one of these it runs on at once, unless
 * something had to be looked at first: a run-queue place lent
 * (sched_handoff.h), or with several cores, the caller stopped on the
 * way in. Then NULL, nothing done: syscall_entry takes the call.
 * vectors.S sends the two here by number: adjacent, one range test.
 */
_Static_assert(SYS_time == SYS_getid + 1, "vec_svc tests one range");

static inline int getid_self(struct user_context *ctx);
static int getid_other(struct user_context *ctx);

/* The reporting call's result in r0, then (debug builds) the invariant
 * checks syscall_entry would make after it. */
static inline struct user_context *reported(struct user_context *ctx,
					    int result)
{
	ctx_set_result(ctx, 0, (uint32_t)result);
#if CONFIG_DEBUG_INVARIANTS_EVERY > 0
	invariants_after_syscall(ctx_syscall_number(ctx));
#endif
	return ctx;
}

/* The calls that are not the caller's own ids, apart: the common one
 * then saves no register and makes no call. */
static __attribute__((noinline)) struct user_context *
report_time(struct user_context *ctx)
{
	return reported(ctx, sys_time(ctx));
}

static __attribute__((noinline)) struct user_context *
report_getid_other(struct user_context *ctx)
{
	return reported(ctx, getid_other(ctx));
}

struct user_context *syscall_report(struct user_context *ctx)
{
	struct percpu *cpu = this_cpu();

	if (cpu->lent_by || (CONFIG_NR_CPUS > 1 && !cpu->current))
		return NULL;
	if (ctx_syscall_number(ctx) != SYS_getid)
		return report_time(ctx);
	if (ctx_arg(ctx, 0) != GETID_SELF)
		return report_getid_other(ctx);
	return reported(ctx, getid_self(ctx));
}

/*
 * Returns the frame to go straight back to when nothing else has to
 * happen (the caller still runs, nothing asked for a new pick, no suspend
 * waits at this safe point), else NULL: vectors.S then goes through
 * kernel_exit and the scheduler. (An ipc tries the fast path, fastpath.c,
 * before it comes here.)
 */
struct user_context *syscall_entry(struct user_context *ctx)
{
	struct thread *t = current_thread();
	uint32_t nr = ctx_syscall_number(ctx);

	sched_settle();
#if CONFIG_NR_CPUS > 1
	if (!t)
		return NULL; /* stopped on the way in: the call runs later */
#endif
	int ret = nr < SYS_COUNT ? syscall_table[nr](ctx) : -E_NOSYS;

#if CONFIG_DEBUG_INVARIANTS_EVERY > 0
	invariants_after_syscall(nr);
#endif
	if (current_thread() != t)
		return NULL; /* it ended */
	/* a thread that blocked gets its result when it wakes */
	if (t->state == THREAD_RUNNABLE) {
		ctx_set_result(ctx, 0, (uint32_t)ret);
		if (!t->suspend_pending && !this_cpu()->need_resched)
			return ctx;
	}
	thread_safe_point(t);
	return NULL;
}

int sys_console_write(struct user_context *ctx)
{
	uint32_t buf = ctx_arg(ctx, 0), len = ctx_arg(ctx, 1);
	char tmp[CONSOLE_WRITE_MAX];

	if (len > CONSOLE_WRITE_MAX)
		return -E_INVAL;
	if (copy_from_user(current_thread()->space, tmp, buf, len) != 0)
		return -E_FAULT;
	console_write(tmp, len);
	return (int)len;
}

/* Out of line, though report_time is its only direct caller: so a
 * debugger's `break sys_time` names one place in the kernel (docs/
 * debugging.md; tools/tests/test_debug.py stops there). */
__attribute__((noinline)) int sys_time(struct user_context *ctx)
{
	uint32_t unit = ctx_arg(ctx, 0);
	uint64_t t;
	uint32_t rate;

	if (unit == TIME_TICKS) {
		t = sched_ticks();
		rate = platform_timer_hz();
	} else if (unit == TIME_MICROSECONDS) {
		t = cpu_counter_to_us(sched_uptime());
		rate = 1000000u;
	} else if (unit == TIME_COUNTER) {
		t = sched_uptime();
		rate = timer_freq();
	} else {
		return -E_INVAL;
	}
	ctx_set_result(ctx, 1, (uint32_t)t);
	ctx_set_result(ctx, 2, (uint32_t)(t >> 32));
	ctx_set_result(ctx, 3, rate);
	return 0;
}

_Static_assert(GETID_NAME_MAX == BOOTINFO_NAME_LEN, "getid name length");

/* A container-wide ipc send capability into q->to: a channel. */
struct channel_query {
	const struct container *to;
	bool *found;
};

static bool match_channel(const struct cap *c, const void *arg)
{
	const struct channel_query *q = arg;

	if (c->resource == CAP_RES_IPC &&
	    (c->ops & CAP_OP_IPC_SEND) == CAP_OP_IPC_SEND &&
	    c->target_kind == CAP_TGT_CONTAINER &&
	    c->target_container == q->to->id)
		*q->found = true;
	return *q->found;
}

static bool has_channel(const struct thread *t, const struct container *to)
{
	bool found = false;
	struct channel_query q = {to, &found};

	cap_for_each(t, match_channel, &q);
	return found;
}

/*
 * getid's GETID_CHANNEL: the first pager of the container named
 * name[0..len), for a caller that may send to it. Check, then act: the
 * name is copied and every check made before anything is answered, and
 * nothing changes. The kernel lock is held for the whole call, so the
 * pager found is the container's current one when the caller gets its
 * tid (it may end afterwards: then ipc to the old tid fails, -E_NOENT or
 * -E_PERM, and a new lookup finds the next life). Out of line, so that
 * getid's common form (GETID_SELF) stays a leaf.
 */
static __attribute__((noinline)) int
getid_channel(struct thread *t, uint32_t uname, uint32_t len)
{
	char name[GETID_NAME_MAX];
	struct container *c;

	if (len < 1 || len > GETID_NAME_MAX)
		return -E_INVAL;
	if (copy_from_user(t->space, name, uname, len) != 0)
		return -E_FAULT;
	if (!(c = container_by_name(name, len)))
		return -E_NOENT;
	if (c->pager) {
		/* the check ipc makes of a send (ipc.c, may_send): so
		 * the tid returned is one the caller can send to now */
		if (!cap_allows(t, CAP_RES_IPC, CAP_OP_IPC_SEND, c->pager))
			return -E_NOENT;
		return (int)c->pager->tid;
	}
	/* No pager: no thread to ask cap_allows about, so a channel is a
	 * container-wide send capability into it (what the manifest's
	 * channels give). Without one the caller learns nothing. */
	if (!has_channel(t, c))
		return -E_NOENT;
	return c->state == CONTAINER_STOPPED ? -E_DEAD : -E_BUSY;
}

/* getid of the caller's own ids (GETID_SELF, the common call): inline in
 * sys_getid and in syscall_report, which then makes no call at all. */
static inline __attribute__((always_inline)) int
getid_self(struct user_context *ctx)
{
	const struct thread *t = current_thread();

	ctx_set_result(ctx, 1, t->tgid);
	ctx_set_result(ctx, 2, t->container->id);
	ctx_set_result(ctx, 3, t->pager ? t->pager->tid : 0);
	return (int)t->tid;
}

/* Any other getid: a channel's end, or an unknown operation. */
static int getid_other(struct user_context *ctx)
{
	if (ctx_arg(ctx, 0) != GETID_CHANNEL)
		return -E_INVAL;
	return getid_channel(current_thread(), ctx_arg(ctx, 1),
			     ctx_arg(ctx, 2));
}

int sys_getid(struct user_context *ctx)
{
	return ctx_arg(ctx, 0) == GETID_SELF ? getid_self(ctx)
					     : getid_other(ctx);
}
