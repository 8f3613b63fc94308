/*
 * The fake kernel of fake_kernel.h: everything kernel/generic/cap.c,
 * sys_cap.c and container.c call, for host tests. Where capabilities and
 * budgets are concerned it does what kernel/generic/thread.c and space.c
 * do, in the same order (see the comments naming the real functions).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <kernel/cap.h>
#include <kernel/container.h>
#include <kernel/kmem.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/space.h>
#include <kernel/thread.h>
#include <loader/lz4frame.h>
#include <tessera/errno.h>
#include <tessera/syscall.h>

#include "fake_kernel.h"

/* ---- kernel memory ------------------------------------------------------- */

static struct fake_block *blocks;
static size_t nr_blocks, cap_blocks;
static unsigned fail_in;
unsigned long fake_kmem_allocs, fake_kmem_frees;

static void *block_alloc(size_t size, enum fake_block_kind kind)
{
	void *p;

	if (fail_in && --fail_in == 0)
		return NULL;
	if (!(p = calloc(1, size)))
		abort();
	if (nr_blocks == cap_blocks) {
		cap_blocks = cap_blocks ? 2 * cap_blocks : 256;
		blocks = realloc(blocks, cap_blocks * sizeof(*blocks));
		if (!blocks)
			abort();
	}
	blocks[nr_blocks++] = (struct fake_block){p, size, kind};
	fake_kmem_allocs++;
	return p;
}

static void block_free(void *p)
{
	for (size_t i = 0; i < nr_blocks; i++) {
		if (blocks[i].ptr != p)
			continue;
		memmove(&blocks[i], &blocks[i + 1],
			(nr_blocks - i - 1) * sizeof(*blocks));
		nr_blocks--;
		fake_kmem_frees++;
		free(p);
		return;
	}
	fail_msg("kmem_free of %p, which is not a live block", p);
}

void *kmem_alloc(size_t size)
{
	return block_alloc(size, FAKE_BLOCK_KMEM);
}

void kmem_free(void *obj)
{
	block_free(obj);
}

uint32_t kmem_free_page_count(void)
{
	return 1000;
}

size_t fake_kmem_live(void)
{
	return nr_blocks;
}

size_t fake_kmem_live_kind(enum fake_block_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < nr_blocks; i++)
		n += blocks[i].kind == kind;
	return n;
}

bool fake_kmem_is_live(const void *p, enum fake_block_kind *kind)
{
	for (size_t i = 0; i < nr_blocks; i++) {
		if (blocks[i].ptr == p) {
			if (kind)
				*kind = blocks[i].kind;
			return true;
		}
	}
	return false;
}

const struct fake_block *fake_kmem_block(size_t i)
{
	return i < nr_blocks ? &blocks[i] : NULL;
}

void fake_kmem_fail_in(unsigned n)
{
	fail_in = n;
}

/* ---- panic, console, time ------------------------------------------------ */

jmp_buf fake_panic_jmp;
bool fake_panic_armed;
char fake_panic_msg[512];
unsigned fake_panics;
const char *fake_where = "";
uint64_t fake_ticks;
static char console[1 << 16];
static size_t console_len;

static _Noreturn void stop(void)
{
	fake_panics++;
	if (fake_panic_armed) {
		fake_panic_armed = false;
		longjmp(fake_panic_jmp, 1);
	}
	fail_msg("%s: KERNEL PANIC: %s", fake_where, fake_panic_msg);
	abort(); /* not reached: fail_msg leaves the test */
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_panic_msg, sizeof(fake_panic_msg), fmt, ap);
	va_end(ap);
	stop();
}

void platform_exit(int status)
{
	snprintf(fake_panic_msg, sizeof(fake_panic_msg),
		 "platform_exit(%d): the system stopped", status);
	stop();
}

int vprintk(const char *fmt, va_list ap)
{
	char line[512];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = strlen(line);
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("FAKE_VERBOSE") != NULL;
	if (verbose)
		fputs(line, stderr);
	if (console_len + len >= sizeof(console))
		console_len = 0; /* keep the latest */
	memcpy(console + console_len, line, len + 1);
	console_len += len;
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

const char *fake_console(void)
{
	return console;
}

void fake_console_clear(void)
{
	console_len = 0;
	console[0] = '\0';
}

/* One core, always online. */
unsigned sched_cpu_for(uint32_t mask, unsigned preferred)
{
	(void)mask;
	(void)preferred;
	return 0;
}

uint64_t sched_ticks(void)
{
	return fake_ticks;
}

/* CPU budgets (cpu_budget.c) are not part of what these tests cover: the
 * counter is the tick count, one tick a microsecond. */
uint64_t sched_uptime(void)
{
	return fake_ticks;
}

void cpu_budget_init(struct container *c, uint32_t budget_us,
		     uint32_t period_us)
{
	c->cpu.budget = budget_us;
	c->cpu.period = period_us;
}

uint64_t cpu_counter_to_us(uint64_t counter)
{
	return counter;
}

void cpu_budget_container_died(struct container *c)
{
	(void)c;
}

void cpu_budget_refill_cost(uint32_t *refills, uint64_t *ticks)
{
	*refills = 0;
	*ticks = 0;
}

uint64_t cpu_budget_lifetime(const struct container *c)
{
	(void)c;
	return fake_ticks;
}

/* A restart unpacks the program again: nothing to unpack here. */
int lz4f_decode(const void *src, size_t src_len, void *dst, size_t dst_cap,
		unsigned flags, size_t *out_len)
{
	(void)src, (void)src_len, (void)dst, (void)flags;
	*out_len = dst_cap;
	return 0;
}

const char *lz4f_strerror(int err)
{
	(void)err;
	return "fake";
}

/* ---- spaces (space.c: space_create, space_get, space_put) ---------------- */

struct space *space_create(const struct thread *payer)
{
	struct cap *budget = NULL;
	struct space *s;

	if (payer && !(budget = cap_charge(payer, CAP_RES_SPACES, 1)))
		return NULL;
	if (!(s = block_alloc(sizeof(*s), FAKE_BLOCK_SPACE))) {
		cap_refund(budget, 1);
		return NULL;
	}
	s->refcount = 1;
	s->budget = budget;
	return s;
}

struct space *fake_space_create(const struct thread *payer)
{
	return space_create(payer);
}

void space_get(struct space *s)
{
	s->refcount++;
}

void space_put(struct space *s)
{
	if (s && --s->refcount == 0) {
		cap_refund(s->budget, 1);
		block_free(s);
	}
}

int space_map_range(struct space *s, uint32_t va, paddr_t p, uint32_t size,
		    unsigned attrs)
{
	(void)s, (void)va, (void)p, (void)size, (void)attrs;
	return 0;
}

uint8_t fake_user_mem[FAKE_USER_SIZE];

bool user_writable(const struct space *s, uint32_t uaddr, size_t len)
{
	return s && uaddr >= FAKE_USER_BASE && len <= FAKE_USER_SIZE &&
	       uaddr - FAKE_USER_BASE <= FAKE_USER_SIZE - len;
}

int copy_to_user(const struct space *s, uint32_t uaddr, const void *src,
		 size_t len)
{
	if (!user_writable(s, uaddr, len))
		return -E_FAULT;
	memcpy(fake_user_mem + (uaddr - FAKE_USER_BASE), src, len);
	return 0;
}

/* ---- threads (thread.c) -------------------------------------------------- */

struct percpu cpu_state[CONFIG_NR_CPUS];
struct thread *threads[CONFIG_MAX_THREADS];
static uint8_t tid_owner[FAKE_MAX_THREADS];
static uint32_t tid_last_generation[FAKE_MAX_THREADS];
static uint32_t live_threads;

void fake_set_current(struct thread *t)
{
	cpu0.current = t;
}

uint32_t fake_live_threads(void)
{
	return live_threads;
}

static int tid_gone_error(uint32_t tid, const struct container *caller)
{
	uint32_t i = TID_INDEX(tid);

	if (tid >= 1u << 31 || i == 0 || i >= FAKE_MAX_THREADS)
		return -E_NOENT;
	return tid_owner[i] == caller->id + 1 &&
		       TID_GENERATION(tid) <= tid_last_generation[i]
		   ? -E_NOENT
		   : -E_PERM;
}

struct thread *thread_target(struct thread *caller, uint32_t tid, uint32_t res,
			     uint32_t ops, int *err)
{
	struct thread *x = tid ? thread_by_tid(tid) : caller;

	if (!x || x->state == THREAD_ZOMBIE) {
		*err = tid_gone_error(tid, caller->container);
		return NULL;
	}
	if (res && !cap_allows(caller, res, ops, x)) {
		*err = -E_PERM;
		return NULL;
	}
	return x;
}

static int tid_alloc(struct thread *t, const struct container *c)
{
	for (uint32_t i = 1; i < FAKE_MAX_THREADS; i++) {
		if (fake_threads[i])
			continue;
		uint32_t gen = tid_owner[i] ? tid_last_generation[i] + 1 : 0;
		if (gen >= TID_GENERATION_LIMIT)
			continue; /* retired */
		fake_threads[i] = t;
		tid_owner[i] = (uint8_t)(c->id + 1);
		tid_last_generation[i] = gen;
		return (int)(gen << TID_INDEX_BITS | i);
	}
	return -E_BUDGET;
}

/* thread_create: THREADS charged here, refunded in thread_free only. */
struct thread *thread_create(const struct thread *creator, struct container *c,
			     struct space *s, struct thread *pager,
			     uint32_t entry, uint32_t sp, uint32_t priority,
			     int *err)
{
	struct cap *budget = NULL;
	struct thread *t;
	int tid;

	*err = -E_BUDGET;
	if (creator && !(budget = cap_charge(creator, CAP_RES_THREADS, 1)))
		return NULL;
	if (!(t = block_alloc(sizeof(*t), FAKE_BLOCK_THREAD))) {
		cap_refund(budget, 1);
		return NULL;
	}
	if ((tid = tid_alloc(t, c)) < 0) {
		block_free(t);
		cap_refund(budget, 1);
		return NULL;
	}
	t->thread_budget = budget;
	t->tid = t->tgid = (uint32_t)tid;
	t->caps = (struct cap_list){NULL, CAP_LIST_PRIVATE, t->tid};
	t->group_caps = (struct cap_list){NULL, CAP_LIST_GROUP, t->tid};
	t->paged_caps = (struct cap_list){NULL, CAP_LIST_PAGED, t->tid};
	t->container = c;
	t->space = s;
	space_get(s);
	t->pager = pager;
	if (pager)
		pager->nr_paged++;
	t->sched.priority = priority;
	t->state = THREAD_INACTIVE;
	t->ctx.pc = entry;
	t->ctx.sp = sp;
	c->live_threads++;
	live_threads++;
	return t;
}

void thread_start(struct thread *t)
{
	t->state = THREAD_RUNNABLE;
}

/* thread_free */
static void thread_free(struct thread *t)
{
	if (t->pager)
		t->pager->nr_paged--;
	cap_refund(t->thread_budget, 1);
	fake_threads[TID_INDEX(t->tid)] = NULL;
	block_free(t);
}

/* end_paged: end (if alive) and free every thread pager pages */
static void end_paged(struct thread *pager, int code)
{
	for (uint32_t i = 1; i < FAKE_MAX_THREADS && pager->nr_paged; i++) {
		struct thread *c = fake_threads[i];
		if (!c || c->pager != pager)
			continue;
		if (c->state != THREAD_ZOMBIE)
			fake_thread_end(c, code);
		if (fake_threads[i] == c)
			thread_free(c);
	}
}

/* thread_end, without what concerns no capability (queues, ipc partners,
 * IRQ bindings: nothing here ever blocks or binds) */
void fake_thread_end(struct thread *t, int code)
{
	if (t->state == THREAD_ZOMBIE)
		return;
	t->state = THREAD_ZOMBIE;
	t->exit_code = code;
	live_threads--;
	if (cpu0.current == t)
		cpu0.current = NULL;
	end_paged(t, -E_DEAD);
	cap_thread_ended(t);
	space_put(t->space);
	t->space = NULL;
	struct container *c = t->container;
	bool first_pager = t == c->pager;
	if (!t->pager || t->pager->state == THREAD_ZOMBIE)
		thread_free(t); /* nobody will reap it */
	container_thread_ended(c, first_pager, code);
}

void thread_end_container(struct container *c, int code)
{
	for (uint32_t i = 1; i < FAKE_MAX_THREADS; i++) {
		struct thread *t = fake_threads[i];
		if (t && t->container == c && t->state != THREAD_ZOMBIE)
			fake_thread_end(t, code);
	}
}

int fake_thread_reap(struct thread *pager, struct thread *child)
{
	if (!child || child->pager != pager)
		return -E_NOENT;
	if (child->state != THREAD_ZOMBIE)
		return -E_BUSY;
	thread_free(child);
	return 0;
}
