/*
 * greedy: a container that wants more than it was given. With small
 * budgets (configs/demo.toml) it
 *
 *  1. tries to reach the other containers: ipc without a channel,
 *     exchange_registers and thread_control on their threads, a copy of
 *     their address space, a map of the service's memory and of every other
 *     MiB of RAM, devices it was not given (the RTC, the kernel's UART), the
 *     kernel's virtual range, the RTC's interrupt, capability ids that are
 *     not its own;
 *  2. exhausts each budget, with raw calls (threads, spaces, page-table
 *     pages, capabilities) and through the resource-domain library
 *     (tessera/domain.h: mutex waits of children given one unit each, a
 *     worker given the remaining threads);
 *  3. releases everything and shows its budgets are back where they
 *     started.
 *
 * Every refusal is one line, "greedy: <key>: <what>: refused: <E_NAME>"
 * (tools/tests/test_demo.py checks each key's error); an attempt that is
 * not refused as expected prints "NOT refused as expected" and makes the
 * container exit with 1.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <generated/board.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/domain.h>
#include <tessera/sys.h>

/* Where configs/demo.toml puts the service (container[0] ram_offset
 * 0x01000000). No capability says so: greedy guesses as an attacker would
 * (test_demo.py checks the guess is right). */
#define SERVICE_PHYS (BOARD_RAM_BASE + 0x01000000u)
/* A device nobody is given here: the board's PL031 real-time clock and its
 * interrupt (QEMU virt: 0x09010000, 34), else another peripheral. */
#if defined(BOARD_HAS_PERIPHERAL_RTC)
#define RTC_NAME "RTC"
#define RTC_PHYS BOARD_PERIPHERAL_RTC_PHYS
#define RTC_IRQ ((unsigned)BOARD_PERIPHERAL_RTC_IRQ)
#elif defined(BOARD_HAS_PERIPHERAL_SYSTEM_TIMER)
#define RTC_NAME "system timer"
#define RTC_PHYS BOARD_PERIPHERAL_SYSTEM_TIMER_PHYS
#define RTC_IRQ ((unsigned)BOARD_PERIPHERAL_SYSTEM_TIMER_IRQ)
#endif
#define PAGE 4096u
#define MIB 0x100000u
#define SCRATCH_VA 0x20000000u /* a free address of its own to map at */
#define PT_GROUP 0x400000u     /* one second-level table maps 4 MiB here */
#define MAX_FOREIGN 16
#define NR_QUANTITIES 5 /* threads, spaces, mutexes, pt pages, caps */
#define LOOP_MAX 64    /* no budget here is that big: a bound, not a goal */

static const char *const quantity_names[NR_QUANTITIES] = {
	"threads", "spaces", "mutexes", "pt", "caps"};

struct budgets {
	uint32_t used[NR_QUANTITIES], size[NR_QUANTITIES];
};

static struct cap_info caps[64];
static unsigned failures;
static uint32_t me;

static const char *errname(int err)
{
	switch (-err) {
	case E_PERM: return "E_PERM";
	case E_NOENT: return "E_NOENT";
	case E_INTR: return "E_INTR";
	case E_BUDGET: return "E_BUDGET";
	case E_FAULT: return "E_FAULT";
	case E_BUSY: return "E_BUSY";
	case E_INVAL: return "E_INVAL";
	case E_NOSYS: return "E_NOSYS";
	case E_DEAD: return "E_DEAD";
	default: return err >= 0 ? "success" : "unknown error";
	}
}

/* One line per refusal; `ok` adds what else had to hold (counts). */
static void refused(const char *key, const char *what, int got, int want,
		    bool ok)
{
	if (got == want && ok) {
		printf("greedy: %s: %s: refused: %s\n", key, what,
		       errname(want));
		return;
	}
	printf("greedy: %s: %s: NOT refused as expected: got %s (%d), "
	       "expected %s\n", key, what, errname(got), got, errname(want));
	failures++;
}

/* The budgets the pager can see, summed per resource (a part split off
 * for a child it holds itself still counts). */
static void read_budgets(struct budgets *b)
{
	int n = cap_read(caps, 64);

	*b = (struct budgets){{0}, {0}};
	for (int i = 0; i < n; i++) {
		uint32_t r = caps[i].resource - CAP_RES_THREADS;
		if ((caps[i].resource & CAP_KIND_MASK) == CAP_KIND_QUANTITY &&
		    r < NR_QUANTITIES) {
			b->used[r] += caps[i].used;
			b->size[r] += caps[i].size;
		}
	}
}

static void print_budgets(const char *when, const struct budgets *b)
{
	char line[160];
	int len = 0;

	for (int r = 0; r < NR_QUANTITIES; r++)
		len += snprintf(line + len, sizeof(line) - len, " %s %u/%u",
				quantity_names[r], (unsigned)b->used[r],
				(unsigned)b->size[r]);
	printf("greedy: budgets %s (used/size):%s\n", when, line);
}

/* The first capability of `res` on its container's list. */
static bool find_cap(uint32_t res, struct cap_info *out)
{
	int n = cap_read(caps, 64);

	for (int i = 0; i < n; i++)
		if (caps[i].resource == res &&
		    caps[i].list == CAP_LIST_CONTAINER) {
			*out = caps[i];
			return true;
		}
	return false;
}

static bool visible_id(uint32_t id)
{
	int n = cap_read(caps, 64);

	for (int i = 0; i < n; i++)
		if (caps[i].id == id)
			return true;
	return false;
}

/* ---- 1. reaching the others ------------------------------------------- */

static uint32_t foreign[MAX_FOREIGN];
static unsigned nr_foreign;

/* A non-blocking send to every thread id but its own: a thread of another
 * container is refused (-E_PERM), and so is an id that no thread of its
 * own container ever had (the kernel does not tell which exist); ids its
 * own container used are -E_NOENT. Returns the first result that was
 * neither, or -E_PERM. */
static int ipc_everyone(void)
{
	int worst = -E_PERM;

	for (uint32_t tid = 1; tid < CONFIG_MAX_THREADS; tid++) {
		struct ipc_msg m = {IPC_TAG(1, 0, IPC_TYPE_SHORT, IPC_NONBLOCK),
				    {0}, 0};
		int err;

		if (tid == me)
			continue;
		err = ipc_send(tid, &m);
		if (err == -E_NOENT)
			continue;
		if (nr_foreign < MAX_FOREIGN)
			foreign[nr_foreign++] = tid;
		if (err != -E_PERM && worst == -E_PERM)
			worst = err;
	}
	return worst;
}

/* Apply `try` to every foreign thread; the first result that differs
 * from want, or want. */
static int on_foreign(int (*try)(uint32_t tid), int want)
{
	int got = want;

	for (unsigned i = 0; i < nr_foreign; i++) {
		int err = try(foreign[i]);
		if (err != want && got == want)
			got = err;
	}
	return got;
}

static int try_exregs_read(uint32_t tid)
{
	struct exregs r = {0};
	return sys_exchange_registers(tid, EXREGS_GET, &r);
}

static int try_exregs_write(uint32_t tid)
{
	struct exregs r = {0};
	r.pc = 0x1000;
	return sys_exchange_registers(tid, EXREGS_SET_PC, &r);
}

static int try_suspend(uint32_t tid)
{
	return sys_thread_suspend(tid);
}

static int try_destroy(uint32_t tid)
{
	return sys_thread_destroy(tid, 99);
}

static int try_copy_space(uint32_t tid)
{
	return sys_thread_create(tid, TC_COPY_SPACE | TC_AS_PAGER, 0, 0x1000,
				 0x2000);
}

static int try_grant(uint32_t tid)
{
	struct cap_info c;

	if (!find_cap(CAP_RES_MUTEX, &c))
		return -E_NOENT;
	return cap_grant(c.id, tid);
}

static bool mine(uint32_t phys)
{
	return phys - container_region.phys < container_region.size;
}

static void reach_the_others(void)
{
	char what[120], tids[48];
	int len = 0, err;

	err = ipc_everyone();
	for (unsigned i = 0; i < nr_foreign; i++)
		len += snprintf(tids + len, sizeof(tids) - len, "%s%u",
				i ? " " : "", (unsigned)foreign[i]);
	snprintf(what, sizeof(what),
		 "send to each of the first %u thread ids not its own "
		 "(tids %s), no channel", nr_foreign, tids);
	refused("ipc", what, err, -E_PERM, nr_foreign >= 2);

	refused("exregs_read", "read the registers of each of them",
		on_foreign(try_exregs_read, -E_PERM), -E_PERM, true);
	refused("exregs_write", "set the pc of each of them",
		on_foreign(try_exregs_write, -E_PERM), -E_PERM, true);
	refused("suspend", "suspend each of them",
		on_foreign(try_suspend, -E_PERM), -E_PERM, true);
	refused("destroy", "destroy each of them",
		on_foreign(try_destroy, -E_PERM), -E_PERM, true);
	refused("copy_space", "create a thread in a copy of each one's space",
		on_foreign(try_copy_space, -E_PERM), -E_PERM, true);
	refused("grant", "grant one of its capabilities to each of them",
		on_foreign(try_grant, -E_PERM), -E_PERM, true);
	sys_pause_ticks(1);

	snprintf(what, sizeof(what), "map the service's memory (0x%08x)",
		 SERVICE_PHYS);
	refused("map_service", what,
		sys_map(SERVICE_PHYS, SCRATCH_VA, 1, MAP_ATTR_READ, 0),
		-E_PERM, true);

	/* a page of every other MiB of RAM: kernel, loader, everyone */
	unsigned tried = 0, perm = 0;
	int other = -E_PERM;
	for (uint32_t p = BOARD_RAM_BASE; p - BOARD_RAM_BASE < BOARD_RAM_SIZE;
	     p += MIB) {
		if (mine(p))
			continue;
		err = sys_map(p, SCRATCH_VA, 1, MAP_ATTR_READ, 0);
		tried++;
		if (err == -E_PERM)
			perm++;
		else if (other == -E_PERM)
			other = err;
	}
	snprintf(what, sizeof(what),
		 "map a page of each of the %u other MiB of RAM", tried);
	refused("map_ram", what, other, -E_PERM, perm == tried);

	snprintf(what, sizeof(what), "map the kernel's image (0x%08x)",
		 BOARD_KERNEL_PHYS);
	refused("map_kernel", what,
		sys_map(BOARD_KERNEL_PHYS, SCRATCH_VA, 1,
			MAP_ATTR_READ | MAP_ATTR_WRITE, 0),
		-E_PERM, true);
	snprintf(what, sizeof(what),
		 "map its own memory into the kernel's half (0x%08x)",
		 BOARD_KERNEL_VIRT);
	refused("map_kernel_range", what,
		sys_map(container_region.phys, BOARD_KERNEL_VIRT, 1,
			MAP_ATTR_READ, 0),
		-E_INVAL, true);
#ifdef RTC_PHYS
	snprintf(what, sizeof(what), "map the " RTC_NAME
		 " it was not given (0x%08x)", RTC_PHYS);
	refused("map_device", what,
		sys_map(RTC_PHYS, SCRATCH_VA, 1,
			MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_DEVICE, 0),
		-E_PERM, true);
#endif
	snprintf(what, sizeof(what), "map the kernel's UART (0x%08x)",
		 BOARD_UART_PL011);
	refused("map_uart", what,
		sys_map(BOARD_UART_PL011, SCRATCH_VA, 1,
			MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_DEVICE, 0),
		-E_PERM, true);
#ifdef RTC_PHYS
	snprintf(what, sizeof(what), "bind the " RTC_NAME "'s interrupt (%u)",
		 RTC_IRQ);
	refused("irq", what, irq_bind(RTC_IRQ, 0), -E_PERM, true);
#else
	printf("greedy: map_device, irq: skipped: no peripheral on this "
	       "board to try\n");
#endif

	/* capability ids are global numbers: destroy the ones not its own */
	unsigned forged = 0, noent = 0;
	other = -E_NOENT;
	for (uint32_t id = 1; id <= 256; id++) {
		if (visible_id(id))
			continue;
		forged++;
		err = cap_destroy(id);
		if (err == -E_NOENT)
			noent++;
		else if (other == -E_NOENT)
			other = err;
	}
	snprintf(what, sizeof(what),
		 "destroy the %u capability ids 1..256 that are not its own",
		 forged);
	refused("cap_forge", what, other, -E_NOENT, noent == forged);
	sys_pause_ticks(1);
}

/* ---- 2. exhausting its budgets ----------------------------------------- */

static void __attribute__((noreturn)) never_runs(void)
{
	sys_exit(0);
}

/* Create threads until refused; returns the refusal, *n = created. */
static int create_until_refused(uint32_t flags, unsigned *n)
{
	int err;

	*n = 0;
	while ((err = sys_thread_create(0, flags | TC_AS_PAGER, 0,
					(uint32_t)(uintptr_t)never_runs, 0)) >
		       0 &&
	       *n < LOOP_MAX)
		(*n)++;
	return err;
}

/* Threads that run: mutex waiters and a worker, in greedy's space. */
static volatile uint32_t contended = 2; /* a mutex word: locked, waiters */
static volatile int worker_created, worker_err;
static uint8_t stacks[3][1024] __attribute__((aligned(8)));

static void __attribute__((noreturn)) waiter(void)
{
	sys_exit(sys_mutex_control(&contended, MUTEX_WAIT));
}

static void __attribute__((noreturn)) worker(void)
{
	unsigned n;

	worker_err = create_until_refused(TC_SAME_SPACE, &n);
	worker_created = (int)n;
	sys_thread_destroy_children(0);
	sys_exit(0);
}

static uint32_t stack_top(int i)
{
	return (uint32_t)(uintptr_t)&stacks[i + 1][0];
}

/* Unlock the contended mutex: wake both waiters, wait for them, lock it
 * again for the next round. Returns how many were woken from the kernel. */
static unsigned release_waiters(const int w[2])
{
	unsigned woken = 0;

	contended = 0;
	for (int tries = 0; woken < 2 && tries < 4; tries++)
		woken += (unsigned)sys_mutex_control(&contended, MUTEX_WAKE);
	for (int i = 0; i < 2; i++)
		if (w[i] > 0 && sys_thread_wait((uint32_t)w[i], NULL) != 0)
			failures++;
	contended = 2;
	return woken;
}

static void raw_budgets(const struct budgets *start)
{
	char what[120];
	unsigned n;
	int err;

	err = create_until_refused(TC_SAME_SPACE, &n);
	snprintf(what, sizeof(what),
		 "created %u threads (its budget), then one more", n);
	refused("threads", what, err, -E_BUDGET, n == start->size[0]);
	sys_thread_destroy_children(0);
	sys_pause_ticks(1);

	err = create_until_refused(TC_NEW_SPACE, &n);
	snprintf(what, sizeof(what),
		 "created %u threads in new spaces (its budget), then one more",
		 n);
	refused("spaces", what, err, -E_BUDGET, n == start->size[1]);
	sys_thread_destroy_children(0);
	sys_pause_ticks(1);

	/* page tables: one page in each 4 MiB of a new space */
	int t = sys_thread_create(0, TC_NEW_SPACE | TC_AS_PAGER, 0, 0x1000, 0);
	uint32_t va = 0x01000000u;
	n = 0;
	while (t > 0 && (err = sys_map(container_region.phys, va, 1,
				       MAP_ATTR_READ, (uint32_t)t)) == 0 &&
	       n < LOOP_MAX) {
		n++;
		va += PT_GROUP;
	}
	snprintf(what, sizeof(what),
		 "mapped into %u 4 MiB ranges of a new space (a page-table "
		 "page each), then one more", n);
	refused("pt_pages", what, t > 0 ? err : t, -E_BUDGET,
		n == start->size[3]);
	sys_thread_destroy_children(0);
	sys_pause_ticks(1);

	/* capabilities: replicas of an operation capability */
	static int ids[LOOP_MAX];
	struct cap_info mutex_cap;
	n = 0;
	err = -E_NOENT;
	if (find_cap(CAP_RES_MUTEX, &mutex_cap))
		while ((err = cap_replicate(mutex_cap.id)) > 0 && n < LOOP_MAX)
			ids[n++] = err;
	snprintf(what, sizeof(what),
		 "replicated a capability %u times (its budget), then once "
		 "more", n);
	refused("caps", what, err, -E_BUDGET, n == start->size[4]);
	while (n)
		cap_destroy((uint32_t)ids[--n]);
	sys_pause_ticks(1);

	/* mutex waits: two threads block in the kernel, then greedy tries */
	int w[2];
	struct cap_info m = {0};
	for (int i = 0; i < 2; i++) {
		w[i] = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
					 (uint32_t)(uintptr_t)waiter,
					 stack_top(i));
		if (w[i] > 0)
			sys_thread_run((uint32_t)w[i]);
	}
	for (int tries = 0; tries < 100 && m.used < 2; tries++) {
		sys_pause_ticks(1); /* until both wait: their units are in use */
		find_cap(CAP_RES_MUTEXES, &m);
	}
	err = sys_mutex_control(&contended, MUTEX_WAIT);
	snprintf(what, sizeof(what),
		 "%u threads wait in the kernel on a mutex (its budget), then "
		 "it waits too", (unsigned)m.used);
	refused("mutexes", what, err, -E_BUDGET, m.used == start->size[2]);
	release_waiters(w);
	sys_pause_ticks(1);
}

static void domain_budgets(const struct budgets *start)
{
	static struct domain d;
	static const struct domain_grant one_wait[] = {{CAP_RES_MUTEXES, 1, 0, 0}};
	char what[140];
	int w[2], err;
	unsigned woken = 0;

	/* every unit of the mutex budget goes to a waiter of its own */
	for (int i = 0; i < 2; i++)
		w[i] = domain_spawn(&d, &(struct domain_spec){
			TC_SAME_SPACE, (uint32_t)(uintptr_t)waiter,
			stack_top(i), one_wait, 1});
	err = domain_spawn(&d, &(struct domain_spec){
		TC_SAME_SPACE, (uint32_t)(uintptr_t)waiter, stack_top(2),
		one_wait, 1});
	refused("domain_grant",
		"the domain library gave two waiters a mutex unit each; a "
		"third waiter", err, -E_BUDGET,
		w[0] > 0 && w[1] > 0 &&
			domain_units_out(&d, CAP_RES_MUTEXES) == 2);
	sys_pause_ticks(1);
	contended = 0;
	for (int tries = 0; woken < 2 && tries < 4; tries++)
		woken += (unsigned)sys_mutex_control(&contended, MUTEX_WAKE);
	for (int i = 0; i < 2; i++)
		if (w[i] > 0 && domain_reap(&d, (uint32_t)w[i], NULL) != 0)
			failures++;
	contended = 2;
	printf("greedy: domain: %u waiters woken and reaped, their units "
	       "taken back (%u out)\n", woken,
	       (unsigned)domain_units_out(&d, CAP_RES_MUTEXES));
	sys_pause_ticks(1);

	/* a worker given every thread left creates as many, and no more */
	const uint32_t left = start->size[0] - 1; /* the worker is one */
	const struct domain_grant threads_left[] = {{CAP_RES_THREADS, left, 0, 0}};
	int tid = domain_spawn(&d, &(struct domain_spec){
		TC_SAME_SPACE, (uint32_t)(uintptr_t)worker, stack_top(0),
		threads_left, 1});
	int code = tid > 0 ? domain_reap(&d, (uint32_t)tid, NULL) : tid;
	snprintf(what, sizeof(what),
		 "a worker given the %u threads left by the domain library "
		 "created %d, then one more", (unsigned)left, worker_created);
	refused("domain_threads", what, worker_err, -E_BUDGET,
		code == 0 && (uint32_t)worker_created == left);
	sys_pause_ticks(1);
}

/*
 * Take all the CPU it can for HOG_US of wall time. Its manifest gives it a
 * CPU budget, so the kernel lets it run only that share: the clock jumps
 * while it waits for its refill. It counts the time it saw itself run
 * (clock steps under GAP_US) against the time that passed.
 */
#define HOG_US 300000u
#define GAP_US 100u

static void hog_the_cpu(void)
{
	uint64_t start = sys_time_us(), last = start, now, ran = 0;
	uint32_t waits = 0;

	while ((now = sys_time_us()) < start + HOG_US) {
		if (now - last < GAP_US)
			ran += now - last;
		else
			waits++;
		last = now;
	}
	printf("greedy: spun for %u us and ran %u us of them (%u %%), "
	       "held back %u times\n",
	       (unsigned)(now - start), (unsigned)ran,
	       (unsigned)(ran * 100 / (now - start)), (unsigned)waits);
}

int main(void)
{
	struct sys_ids ids;
	struct budgets start, end;

	sys_getid(&ids);
	me = ids.tid;
	read_budgets(&start);
	printf("greedy: container %u, thread %u, memory 0x%08x..0x%08x\n",
	       (unsigned)ids.container, (unsigned)me,
	       (unsigned)container_region.phys,
	       (unsigned)(container_region.phys + container_region.size));
	print_budgets("at start", &start);

	reach_the_others();
	raw_budgets(&start);
	domain_budgets(&start);
	hog_the_cpu();

	read_budgets(&end);
	print_budgets("at end", &end);
	bool same = true;
	for (int r = 0; r < NR_QUANTITIES; r++)
		same = same && end.used[r] == start.used[r] &&
		       end.size[r] == start.size[r];
	printf("greedy: budgets %s; %u attempts not refused as expected\n",
	       same ? "back where they started" : "NOT back where they started",
	       failures);
	return same && failures == 0 ? 0 : 1;
}
