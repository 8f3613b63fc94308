/*
 * victim: the container the isolation test attacks (configs/isolation.toml,
 * containers/tests/isolation/adversary). Its pager fills a memory region with a known
 * pattern and checksums it, binds its RTC's IRQ, and starts three threads:
 *
 *  - a worker that recomputes the checksum over and over, counting rounds
 *    and mismatches;
 *  - a sleeper blocked on a contended mutex for the whole run;
 *  - a receiver waiting to receive from anyone for the whole run.
 *
 * Then it calls the adversary's pager with their thread ids (its one
 * channel; see protocol.h) and waits for the answer, which the adversary
 * sends when it has made all its attempts. Then it checks that nothing of
 * it was touched and that it kept working all along, one TEST line per
 * check, and prints the summary of both containers' cases. One of the
 * checks receives the message the intruder queued on its pager meanwhile
 * (protocol.h, message 3).
 */
#include <stddef.h>
#include <generated/board.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <tessera/test.h>
#include "protocol.h"

#define PATTERN_VIRT 0x20000000u /* isolation.toml: victim memory[0].virt */
/* isolation.toml: the victim's device, the board's RTC or else its
 * BCM2835 system timer (both optional peripherals) */
#if defined(BOARD_HAS_PERIPHERAL_RTC)
#define HAVE_VICTIM_DEVICE 1
#define RTC_IRQ	     ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ) /* QEMU virt: 34 */
#elif defined(BOARD_HAS_PERIPHERAL_SYSTEM_TIMER)
#define HAVE_VICTIM_DEVICE 1
#define RTC_IRQ	     ((uint32_t)BOARD_PERIPHERAL_SYSTEM_TIMER_IRQ)
#else
#define RTC_IRQ	     0u /* none: published, but nothing is bound */
#endif
#define MAX_CAPS     32
#define STACK_SIZE   4096
#define PROBE_TIDS   64	  /* tids tried when looking for the adversary */
#define PROBE_PASSES 500  /* rounds of probing (with a yield each) */
#define WAIT_YIELDS  1000 /* bound on yields while waiting for a thread */

/* ---- state shared with the threads ------------------------------------ */

static volatile uint32_t *pattern;
static uint32_t pattern_words, pattern_sum;

static volatile uint32_t worker_rounds, worker_bad, worker_stop;
static volatile uint32_t sleeper_word, sleeper_ready, sleeper_spurious;
static volatile uint32_t receiver_ready, receiver_got;
static volatile uint32_t receiver_from, receiver_label;

enum { WORKER, SLEEPER, RECEIVER, NR_THREADS };
static uint8_t stacks[NR_THREADS][STACK_SIZE] __attribute__((aligned(8)));
static struct utcb utcbs[NR_THREADS] __attribute__((aligned(UTCB_SIZE)));
static int tids[NR_THREADS];

/* ---- what the pager saw before and after ------------------------------- */

static struct sys_ids me;
static struct cap_info caps_start[MAX_CAPS], caps_now[MAX_CAPS];
static int ncaps_start;
static uint32_t pattern_phys;
static int setup_err; /* first setup step that failed, or 0 */
static const char *setup_what = "";
static uint32_t adversary;	/* its pager's tid, 0: not found */
static int call_err = -E_NOENT; /* result of the call to the adversary */
/* channel_lookup before the call: of our channel, and of a container we
 * have no channel to */
static int lookup_adversary = -E_INVAL, lookup_intruder = -E_INVAL;
static struct ipc_msg answer;
static uint32_t rounds_at_call, rounds_at_answer;
static unsigned cases_passed, cases_skipped; /* see PASSED() */

/*
 * test_run only tells whether something failed, but the last summary line
 * counts both containers' cases. Every case ends with PASSED(): an
 * expectation that fails returns from the case before reaching it. (A
 * case that forgot it shows up as a summary not matching the TEST lines.)
 */
#define PASSED() (cases_passed++)
/* A case that needs what the board lacks: its SKIP line, counted apart. */
#define SKIPPED(...)                                                           \
	do {                                                                   \
		cases_skipped++;                                               \
		TEST_SKIP(__VA_ARGS__);                                        \
	} while (0)

static uint32_t pattern_word(uint32_t i)
{
	return (i + 1) * 0x9e3779b9u ^ 0x5a5aa5a5u;
}

/* Fletcher-style over 32-bit words: any change of one word shows. */
static uint32_t checksum(void)
{
	uint32_t a = 0x12345678u, b = 0;

	for (uint32_t i = 0; i < pattern_words; i++) {
		a += pattern[i];
		b += a;
	}
	return a ^ (b * 31u);
}

static void __attribute__((noreturn)) thread_entry(uint32_t fn)
{
	sys_exit(((int (*)(void))(uintptr_t)fn)());
}

static int worker(void)
{
	while (!worker_stop) {
		if (checksum() != pattern_sum)
			worker_bad++;
		worker_rounds++;
		sys_yield();
	}
	return (int)worker_bad;
}

/* Waits while the word is contended; a return with the word still 2 is a
 * wake nobody of ours sent. */
static int sleeper(void)
{
	sleeper_ready = 1;
	while (sleeper_word == 2) {
		sys_mutex_control(&sleeper_word, MUTEX_WAIT);
		if (sleeper_word == 2)
			sleeper_spurious++;
	}
	return (int)sleeper_spurious;
}

static int receiver(void)
{
	struct ipc_msg m = {0};

	receiver_ready = 1;
	int err = ipc_receive(IPC_ANY, &m);
	receiver_got = 1;
	receiver_from = m.from;
	receiver_label = IPC_TAG_LABEL(m.tag);
	if (err)
		return err;
	return m.from == me.tid && receiver_label == ISO_LABEL_QUIT ? 0 : 1;
}

static int start_thread(int (*fn)(void), int slot)
{
	struct exregs r = {0};
	int tid = sys_thread_create(0, TC_SAME_SPACE | TC_AS_PAGER, 0,
				    (uint32_t)(uintptr_t)thread_entry,
				    (uint32_t)(uintptr_t)&stacks[slot + 1][0]);

	if (tid < 0)
		return tid;
	r.r[0] = (uint32_t)(uintptr_t)fn;
	r.utcb = (uint32_t)(uintptr_t)&utcbs[slot];
	int err = sys_exchange_registers((uint32_t)tid,
					 EXREGS_SET_REGS | EXREGS_SET_UTCB, &r);
	if (!err)
		err = sys_thread_run((uint32_t)tid);
	tids[slot] = tid;
	return err ? err : tid;
}

static const struct cap_info *find_cap(const struct cap_info *c, int n,
				       uint32_t res)
{
	for (int i = 0; i < n; i++)
		if (c[i].resource == res)
			return &c[i];
	return NULL;
}

static uint32_t used_of(uint32_t res)
{
	int n = cap_read(caps_now, MAX_CAPS);
	const struct cap_info *c = find_cap(caps_now, n, res);

	return c ? c->used : 0xffffffffu;
}

static void setup_step(int err, const char *what)
{
	if (err < 0 && !setup_err) {
		setup_err = err;
		setup_what = what;
	}
}

/* The pattern region is the physical memory that is not the program's. */
static int find_pattern(void)
{
	for (int i = 0; i < ncaps_start; i++) {
		const struct cap_info *c = &caps_start[i];
		if (c->resource == CAP_RES_PHYSMEM &&
		    c->base != container_region.phys) {
			pattern_phys = c->base;
			pattern = (volatile uint32_t *)PATTERN_VIRT;
			pattern_words = c->size / 4;
			return 0;
		}
	}
	return -E_NOENT;
}

static void setup(void)
{
	sys_getid(&me);
	ncaps_start = cap_read(caps_start, MAX_CAPS);
	setup_step(ncaps_start, "cap_read");
	setup_step(find_pattern(), "pattern memory capability");
	for (uint32_t i = 0; i < pattern_words; i++)
		pattern[i] = pattern_word(i);
	pattern_sum = checksum();
#ifdef HAVE_VICTIM_DEVICE
	setup_step(irq_bind(RTC_IRQ, 0), "irq_bind");
#endif
	sleeper_word = 2; /* locked, with a waiter */
	setup_step(start_thread(worker, WORKER), "worker");
	setup_step(start_thread(sleeper, SLEEPER), "sleeper");
	setup_step(start_thread(receiver, RECEIVER), "receiver");
	/* the sleeper holds a MUTEXES unit while it waits in the kernel */
	for (int i = 0; i < WAIT_YIELDS && used_of(CAP_RES_MUTEXES) != 1; i++)
		sys_yield();
	setup_step(used_of(CAP_RES_MUTEXES) == 1 ? 0 : -E_BUSY,
		   "sleeper waiting");
	for (int i = 0; i < WAIT_YIELDS && !receiver_ready; i++)
		sys_yield();
	sys_yield(); /* into its receive */
	setup_step(receiver_ready ? 0 : -E_BUSY, "receiver waiting");
}

static bool is_mine(uint32_t tid)
{
	for (int i = 0; i < NR_THREADS; i++)
		if ((uint32_t)tids[i] == tid)
			return true;
	return tid == me.tid;
}

static void fill_hello(void)
{
	uint32_t *w = utcb_self()->mr;
	uint32_t lo = 0xffffffffu, hi = 0;

	for (int i = 0; i < ncaps_start; i++) {
		if (caps_start[i].id < lo)
			lo = caps_start[i].id;
		if (caps_start[i].id > hi)
			hi = caps_start[i].id;
	}
	w[ISO_MAGIC] = ISO_HELLO_MAGIC;
	w[ISO_WORKER] = (uint32_t)tids[WORKER];
	w[ISO_SLEEPER] = (uint32_t)tids[SLEEPER];
	w[ISO_RECEIVER] = (uint32_t)tids[RECEIVER];
	w[ISO_PATTERN_PHYS] = pattern_phys;
	w[ISO_PATTERN_VIRT] = PATTERN_VIRT;
	w[ISO_PATTERN_SIZE] = pattern_words * 4;
	w[ISO_PROGRAM_PHYS] = container_region.phys;
	w[ISO_MUTEX_WORD] = (uint32_t)(uintptr_t)&sleeper_word;
	w[ISO_CAP_MIN] = lo;
	w[ISO_CAP_MAX] = hi;
	w[ISO_RTC_IRQ] = RTC_IRQ;
}

/*
 * Call the adversary's pager: the only thread our channel reaches that
 * waits to receive. A non-blocking call is refused (-E_BUSY) by a thread
 * that is not waiting, (-E_PERM) by one we may not send to, (-E_NOENT) by
 * a free tid; once delivered, it waits for the answer.
 */
static void call_adversary(void)
{
	for (int pass = 0; pass < PROBE_PASSES; pass++) {
		for (uint32_t tid = 1; tid < PROBE_TIDS; tid++) {
			if (is_mine(tid))
				continue;
			fill_hello();
			answer = (struct ipc_msg){0};
			answer.tag =
			    IPC_TAG(ISO_LABEL_HELLO, ISO_HELLO_WORDS,
				    IPC_TYPE_FULL, IPC_CALL | IPC_NONBLOCK);
			rounds_at_call = worker_rounds;
			int err = sys_ipc(tid, tid, &answer);
			rounds_at_answer = worker_rounds;
			if (err == -E_BUSY || err == -E_PERM || err == -E_NOENT)
				continue;
			adversary = tid;
			call_err = err;
			return;
		}
		sys_yield();
	}
}

/* ---- the checks, after the adversary's answer --------------------------- */

TEST_CASE(victim, set_up_and_published_its_threads)
{
	if (setup_err)
		TEST_FAIL("%s: %d", setup_what, setup_err);
	EXPECT_NE(adversary, 0);
	PASSED();
}

TEST_CASE(victim, adversary_answered_when_done)
{
	EXPECT_EQ(call_err, 0);
	EXPECT_EQ(answer.from, adversary);
	EXPECT_EQ(IPC_TAG_LABEL(answer.tag), ISO_LABEL_DONE);
	EXPECT_EQ(answer.mr[2], ISO_DONE_MAGIC);
	if (answer.mr[3])
		printf("victim: the adversary (pager tid %u) reports %u "
		       "passed, %u failed, %u skipped\n",
		       (unsigned)adversary, (unsigned)answer.mr[0],
		       (unsigned)answer.mr[1], (unsigned)answer.mr[3]);
	else
		printf("victim: the adversary (pager tid %u) reports %u "
		       "passed, %u failed\n",
		       (unsigned)adversary, (unsigned)answer.mr[0],
		       (unsigned)answer.mr[1]);
	PASSED();
}

/* The worker ran while the adversary was attacking: it counted rounds
 * between our call and the answer. */
TEST_CASE(victim, kept_working_during_the_attacks)
{
	uint32_t during = rounds_at_answer - rounds_at_call;

	printf("victim: %u checksum rounds during the attacks\n",
	       (unsigned)during);
	EXPECT_GE(during, 5);
	PASSED();
}

/* After the adversary is done, every thread is there, paged by us, and
 * the worker still makes progress. */
TEST_CASE(victim, still_running_after_the_attacks)
{
	struct exregs r;
	uint32_t before = worker_rounds;
	int i;

	for (int t = 0; t < NR_THREADS; t++) {
		EXPECT_EQ(
		    sys_exchange_registers((uint32_t)tids[t], EXREGS_GET, &r),
		    0);
		EXPECT_EQ(r.pager, me.tid);
		EXPECT_EQ(r.utcb, (uint32_t)(uintptr_t)&utcbs[t]);
	}
	for (i = 0; i < WAIT_YIELDS && worker_rounds == before; i++)
		sys_yield();
	EXPECT_GT(worker_rounds, before);
	PASSED();
}

TEST_CASE(victim, pattern_unchanged)
{
	uint32_t wrong = 0;

	for (uint32_t i = 0; i < pattern_words; i++)
		if (pattern[i] != pattern_word(i))
			wrong++;
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(checksum(), pattern_sum);
	PASSED();
}

TEST_CASE(victim, worker_never_saw_a_bad_checksum)
{
	uint32_t who;

	worker_stop = 1;
	EXPECT_EQ(sys_thread_wait((uint32_t)tids[WORKER], &who), 0);
	EXPECT_EQ(who, (uint32_t)tids[WORKER]);
	EXPECT_EQ(worker_bad, 0);
	EXPECT_GT(worker_rounds, 0);
	PASSED();
}

/* The adversary woke "our" mutex address in its own space: the kernel
 * keys waiters by physical address, so the sleeper must not have moved. */
TEST_CASE(victim, sleeper_never_woken)
{
	EXPECT_EQ(used_of(CAP_RES_MUTEXES), 1);
	EXPECT_EQ(sleeper_spurious, 0);
	sleeper_word = 0;
	EXPECT_EQ(sys_mutex_control(&sleeper_word, MUTEX_WAKE), 1);
	EXPECT_EQ(sys_thread_wait((uint32_t)tids[SLEEPER], NULL), 0);
	EXPECT_EQ(used_of(CAP_RES_MUTEXES), 0);
	PASSED();
}

/* It waited to receive from anyone the whole time: the first message it
 * gets must be ours. */
TEST_CASE(victim, receiver_got_nothing_from_the_adversary)
{
	struct ipc_msg m = {
	    IPC_TAG(ISO_LABEL_QUIT, 0, IPC_TYPE_SHORT, 0), {0}, 0};

	EXPECT_EQ(receiver_got, 0);
	EXPECT_EQ(ipc_send((uint32_t)tids[RECEIVER], &m), 0);
	EXPECT_EQ(sys_thread_wait((uint32_t)tids[RECEIVER], NULL), 0);
	EXPECT_EQ(receiver_from, me.tid);
	PASSED();
}

/* Its UTCB and the rest of the UTCB page after it (the pager's stack is
 * below): all a 255-word copy into mr[] would reach. */
#define GUARDED_WORDS (2 * UTCB_SIZE / 4)
#define GUARD_WORD    0xa5a5f00du

/* Words of the guarded area that differ from what the intruder's message
 * should leave: its words in mr[0..ISO_QUEUED_WORDS), the guard after. */
static uint32_t guarded_words_changed(const uint32_t *w)
{
	uint32_t changed = 0;

	for (uint32_t i = 0; i < GUARDED_WORDS; i++)
		if (w[i] != (i < ISO_QUEUED_WORDS ? ISO_QUEUED_WORD(i)
						  : GUARD_WORD))
			changed++;
	return changed;
}

/*
 * The intruder queued a full message of ISO_QUEUED_WORDS words on us while
 * we were busy with the adversary, then rewrote its waiting sender's tag
 * to 255 words (protocol.h, message 3). We get the message as the kernel
 * checked it when it was sent: ISO_QUEUED_WORDS words in mr[], nothing of
 * our UTCB past them touched. MR0 as rewritten shows that the rewrite came
 * while the message waited.
 */
TEST_CASE(victim, queued_message_keeps_the_length_it_was_sent_with)
{
	uint32_t *w = utcb_self()->mr;
	struct ipc_msg m = {0};

	for (uint32_t i = 0; i < GUARDED_WORDS; i++)
		w[i] = GUARD_WORD;
	EXPECT_EQ(ipc_receive(IPC_ANY, &m), 0);
	EXPECT_FALSE(is_mine(m.from));
	EXPECT_NE(m.from, adversary);
	EXPECT_EQ(IPC_TAG_LABEL(m.tag), ISO_LABEL_QUEUED);
	EXPECT_EQ(m.mr[0], ISO_QUEUED_REWRITTEN_MR0);
	EXPECT_EQ(guarded_words_changed(w), 0);
	EXPECT_EQ(IPC_TAG_LENGTH(m.tag), ISO_QUEUED_WORDS);
	PASSED();
}

TEST_CASE(victim, irq_still_bound_to_it)
{
#ifndef HAVE_VICTIM_DEVICE
	SKIPPED("no RTC or system timer on this board");
#endif
	EXPECT_EQ(used_of(CAP_RES_IRQS), 1);
	EXPECT_EQ(irq_unbind(RTC_IRQ), 0);
	EXPECT_EQ(used_of(CAP_RES_IRQS), 0);
	PASSED();
}

/* Same capabilities, same rights, same budgets as before it started
 * anything (its threads are reaped and the IRQ unbound by now). */
TEST_CASE(victim, capabilities_unchanged)
{
	int n = cap_read(caps_now, MAX_CAPS);

	EXPECT_EQ(n, ncaps_start);
	for (int i = 0; i < ncaps_start; i++) {
		const struct cap_info *a = &caps_start[i], *b = NULL;
		for (int j = 0; j < n; j++)
			if (caps_now[j].id == a->id)
				b = &caps_now[j];
		if (!b)
			TEST_FAIL("capability %u is gone", (unsigned)a->id);
		EXPECT_EQ(b->resource, a->resource);
		EXPECT_EQ(b->ops, a->ops);
		EXPECT_EQ(b->flags, a->flags);
		EXPECT_EQ(b->target_kind, a->target_kind);
		EXPECT_EQ(b->target, a->target);
		EXPECT_EQ(b->base, a->base);
		EXPECT_EQ(b->size, a->size);
		EXPECT_EQ(b->used, a->used);
		EXPECT_EQ(b->list, a->list);
		EXPECT_EQ(b->holder, a->holder);
	}
	PASSED();
}

/* Our channel by name: the kernel's answer before the call is the thread
 * the probe found answering it (the one our channel reaches that waits),
 * and the sender of the adversary's answer. */
TEST_CASE(victim, channel_lookup_names_the_adversary)
{
	EXPECT_NE(adversary, 0);
	EXPECT_EQ(lookup_adversary, (int)adversary);
	EXPECT_EQ(lookup_adversary, (int)answer.from);
	PASSED();
}

/* The intruder exists but we have no channel to it: -E_NOENT, as for a
 * name no container has. */
TEST_CASE(victim, channel_lookup_without_a_channel_is_noent)
{
	EXPECT_ERR(lookup_intruder, -E_NOENT);
	EXPECT_ERR(channel_lookup("nosuchcontainer"), -E_NOENT);
	PASSED();
}

/* The adversary finished (restart = "never"): its name now answers
 * -E_DEAD to us, who hold a channel to it (-E_BUSY while its last threads
 * were still ending). */
TEST_CASE(victim, channel_lookup_after_the_adversary_ended_is_dead)
{
	int r = channel_lookup("adversary");

	for (int i = 0; i < 1000 && r == -E_BUSY; i++) {
		sys_yield();
		r = channel_lookup("adversary");
	}
	EXPECT_ERR(r, -E_DEAD);
	PASSED();
}

static const struct test_case victim_tests[] = {
	TEST_ENTRY(victim, set_up_and_published_its_threads),
	TEST_ENTRY(victim, adversary_answered_when_done),
	TEST_ENTRY(victim, kept_working_during_the_attacks),
	TEST_ENTRY(victim, still_running_after_the_attacks),
	TEST_ENTRY(victim, pattern_unchanged),
	TEST_ENTRY(victim, worker_never_saw_a_bad_checksum),
	TEST_ENTRY(victim, sleeper_never_woken),
	TEST_ENTRY(victim, receiver_got_nothing_from_the_adversary),
	TEST_ENTRY(victim, queued_message_keeps_the_length_it_was_sent_with),
	TEST_ENTRY(victim, irq_still_bound_to_it),
	TEST_ENTRY(victim, capabilities_unchanged),
	TEST_ENTRY(victim, channel_lookup_names_the_adversary),
	TEST_ENTRY(victim, channel_lookup_without_a_channel_is_noent),
	TEST_ENTRY(victim, channel_lookup_after_the_adversary_ended_is_dead),
	TEST_TABLE_END,
};

/*
 * The adversary's answer is its last act; it exits right after. Our checks
 * come once it is gone (whether a timer tick lands between its answer and
 * its exit or not): a send to it finds it busy until then, and a thread of
 * another container that is gone answers -E_PERM.
 */
static void wait_until_adversary_gone(void)
{
	for (int i = 0; i < 100000 && adversary && !call_err; i++) {
		struct ipc_msg m = {
		    IPC_TAG(ISO_LABEL_HELLO, 0, IPC_TYPE_SHORT, IPC_NONBLOCK),
		    {0},
		    0};
		if (sys_ipc(adversary, 0, &m) != -E_BUSY)
			return;
		sys_yield();
	}
}

int main(void)
{
	static const struct test_case *const tables[] = {victim_tests, NULL};
	unsigned total = sizeof(victim_tests) / sizeof(victim_tests[0]) - 1;

	setup();
	lookup_adversary = channel_lookup("adversary");
	lookup_intruder = channel_lookup("intruder");
	call_adversary(); /* even after a failed setup: the adversary waits */
	wait_until_adversary_gone();
	test_run(tables);
	/* the whole run's summary: the adversary's cases and ours */
	unsigned failed = total - cases_passed - cases_skipped;
	unsigned adv_passed = call_err ? 0 : answer.mr[0];
	unsigned adv_failed = call_err ? 0 : answer.mr[1];
	unsigned adv_skipped = call_err ? 0 : answer.mr[3];
	printf("victim: summary of both containers:\n");
	test_summary(cases_passed + adv_passed, failed + adv_failed,
		     cases_skipped + adv_skipped);
	return (int)failed;
}
