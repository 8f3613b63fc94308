/*
 * Faults answered the way pagers answer them when they serve many: a
 * reply-and-wait (or a call back to the faulting thread), which the
 * kernel's fast path takes (kernel/generic/fastpath.c, fast_fault_reply;
 * the fault itself reaches a pager that waits for it through
 * fastpath_fault). What must hold whichever path a fault takes: the
 * faulting thread retries its instruction with every register and flag as
 * it was, a refusal ends it, a sender queued for the pager is received
 * right after the answer, and several faults in a row (each answer lends
 * the pager's run-queue place, each fault gives it back) leave the
 * scheduler as the general path would.
 *
 * core_fault.c has the faults themselves; its pagers answer with a send.
 */
#include <stddef.h>
#include <tessera/boot.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096u
#endif

/* Free user addresses, away from core_fault.c's (0x3800xxxx). */
#define REPLY_VA 0x38100000u
#define REPLY_PAGES 4

#define FAULT_EXIT(cause) (128 + (cause))
#define PATTERN(i) (0xa0010000u + 0x101u * (i))
#define FLAGS_NZCV 0xf0000000u

/*
 * uint32_t regs_across_fault_fn(addr): loads *addr with r1-r10, r12 and
 * lr holding PATTERN(i) (lr: PATTERN(14)), r11 the sp of the load and
 * N, Z, C and V set, then stores r0-r12 and lr (the word loaded in r0)
 * and passes them, with the flags after the load, to regs_check.
 */
__asm__(".pushsection .text.core_fault_reply, \"ax\", %progbits\n"
	".arm\n"
	".p2align 2\n"
	".global regs_across_fault_fn\n"
	".type regs_across_fault_fn, %function\n"
	"regs_across_fault_fn:\n"
	"	push {r4-r11, lr}\n"
	"	movw r1, #0x0101\n	movt r1, #0xa001\n"
	"	movw r2, #0x0202\n	movt r2, #0xa001\n"
	"	movw r3, #0x0303\n	movt r3, #0xa001\n"
	"	movw r4, #0x0404\n	movt r4, #0xa001\n"
	"	movw r5, #0x0505\n	movt r5, #0xa001\n"
	"	movw r6, #0x0606\n	movt r6, #0xa001\n"
	"	movw r7, #0x0707\n	movt r7, #0xa001\n"
	"	movw r8, #0x0808\n	movt r8, #0xa001\n"
	"	movw r9, #0x0909\n	movt r9, #0xa001\n"
	"	movw r10, #0x0a0a\n	movt r10, #0xa001\n"
	"	mov r11, sp\n"
	"	movw r12, #0x0c0c\n	movt r12, #0xa001\n"
	"	movw lr, #0x0e0e\n	movt lr, #0xa001\n"
	"	msr APSR_nzcvq, #0xf0000000\n"
	".global regs_across_fault_insn\n"
	"regs_across_fault_insn:\n"
	"	ldr r0, [r0]\n"
	"	stmdb sp!, {r0-r12, lr}\n"
	"	mrs r1, apsr\n"
	"	mov r0, sp\n"
	"	bl regs_check\n"
	"	add sp, sp, #56\n"
	"	pop {r4-r11, pc}\n"
	".popsection\n");

uint32_t regs_across_fault_fn(uint32_t addr);
extern const uint32_t regs_across_fault_insn[];
uint32_t regs_check(const uint32_t *regs, uint32_t apsr);

static uint32_t reply_pages[REPLY_PAGES][PAGE_SIZE / 4]
	__attribute__((aligned(PAGE_SIZE)));

static uint32_t phys_of(const void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

static uint32_t va_of(unsigned page)
{
	return REPLY_VA + page * PAGE_SIZE;
}

/* One bit per register found changed (bit 14: lr, bit 15: sp, bit 16:
 * the flags); bit 0 when r0 is not the word the pager's page holds. */
uint32_t regs_check(const uint32_t *regs, uint32_t apsr)
{
	uint32_t bad = 0, loaded = regs[0];

	if (loaded < PATTERN(0x40) || loaded >= PATTERN(0x40 + REPLY_PAGES))
		bad |= 1u;
	for (unsigned i = 1; i <= 12; i++)
		if (i != 11 && regs[i] != PATTERN(i))
			bad |= 1u << i;
	if (regs[13] != PATTERN(14))
		bad |= 1u << 14;
	if (regs[11] != (uint32_t)(uintptr_t)(regs + 14))
		bad |= 1u << 15;
	if ((apsr & FLAGS_NZCV) != FLAGS_NZCV)
		bad |= 1u << 16;
	return bad;
}

/* Each page's first word says which page it is. */
static void fill_pages(void)
{
	for (unsigned i = 0; i < REPLY_PAGES; i++)
		reply_pages[i][0] = PATTERN(0x40 + i);
}

static void unmap_pages(void)
{
	sys_unmap(REPLY_VA, REPLY_PAGES, 0);
}

/* What the pagers here do for a fault: map the page asked for. */
static void map_page(int page)
{
	sys_map(phys_of(reply_pages[page]), va_of((unsigned)page), 1,
		MAP_ATTR_READ, 0);
}

/*
 * Load from every page (each a fault the first time), checking the
 * registers across each; between the third and the fourth it makes other
 * system calls (a lent run-queue place is settled there). The OR of the
 * checks, or 0x80000000 | page when a load returned the wrong word.
 */
static int load_each_page(uint32_t unused)
{
	uint32_t bad = 0;

	(void)unused;
	for (unsigned i = 0; i < REPLY_PAGES; i++) {
		if (i == 3) {
			struct sys_ids ids;
			sys_getid(&ids);
			sys_yield();
		}
		bad |= regs_across_fault_fn(va_of(i));
		if (*(volatile uint32_t *)va_of(i) != PATTERN(0x40 + i))
			return (int)(0x80000000u | i);
	}
	return (int)bad;
}

struct served {
	int faults;     /* fault messages, each as expected */
	int wrong;      /* fault messages not as expected */
	int end;        /* what ended the last wait */
};

/* A data abort of regs_across_fault_fn's load at one of our pages. */
static int page_of_fault(const struct ipc_msg *m, int tid)
{
	uint32_t va = m->mr[1] & ~(PAGE_SIZE - 1);

	if (m->from != (uint32_t)tid ||
	    IPC_TAG_LABEL(m->tag) != IPC_LABEL_FAULT ||
	    m->mr[0] != FAULT_DATA ||
	    m->mr[2] != (uint32_t)(uintptr_t)regs_across_fault_insn ||
	    va < REPLY_VA || va >= va_of(REPLY_PAGES))
		return -1;
	return (int)((va - REPLY_VA) / PAGE_SIZE);
}

/*
 * Serve tid's faults: map the page asked for, then answer with MR0 and
 * wait for the next message in one call (`from`: tid, or IPC_ANY for a
 * reply-and-wait from anyone), until the wait ends with an error.
 */
static void serve_with_reply_wait(int tid, uint32_t from, uint32_t mr0,
				  struct served *s)
{
	struct ipc_msg m = {0};
	int err = ipc_receive((uint32_t)tid, &m);

	*s = (struct served){0};
	while (!err) {
		int page = page_of_fault(&m, tid);
		if (page < 0) {
			s->wrong++;
			break;
		}
		s->faults++;
		map_page(page);
		m = (struct ipc_msg){
			.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT,
				       from == IPC_ANY ? IPC_REPLY_WAIT
						       : IPC_CALL),
			.mr = {mr0}};
		err = sys_ipc((uint32_t)tid, from, &m);
	}
	s->end = err;
}

/* A child loading from every page, served by call backs answering mr0:
 * its exit code (a negative spawn error when it could not start). */
static int run_called_back(uint32_t mr0, struct served *s)
{
	*s = (struct served){0};
	fill_pages();
	int tid = spawn(load_each_page, 0);
	if (tid < 0)
		return tid;
	serve_with_reply_wait(tid, (uint32_t)tid, mr0, s);
	int code = spawn_wait(tid);
	unmap_pages();
	return code;
}

TEST_CASE(fault_reply, call_back_resumes_with_every_register)
{
	struct served s;
	int code = run_called_back(0, &s);

	EXPECT_EQ(code, 0);
	EXPECT_EQ(s.faults, REPLY_PAGES);
	EXPECT_EQ(s.wrong, 0);
	EXPECT_EQ(s.end, -E_DEAD); /* it ended while we waited for it */
}

/*
 * A pager that serves anyone (a second child, the faulter's creator and
 * so its pager): its reply-and-wait waits for anyone, so only the next
 * fault wakes it; the last fault it answers with a send and reaps the
 * faulter. Its exit code is the faulter's, or negative when it went wrong.
 */
static volatile uint32_t any_faults_seen;

static int pager_serving_anyone(uint32_t unused)
{
	struct ipc_msg m = {0};
	int faulter = spawn(load_each_page, 0), page, err;

	(void)unused;
	if (faulter < 0)
		return -2000;
	err = ipc_receive(IPC_ANY, &m);
	while (!err && (page = page_of_fault(&m, faulter)) >= 0) {
		any_faults_seen++;
		map_page(page);
		if (any_faults_seen == REPLY_PAGES) { /* the last: answer */
			m = (struct ipc_msg){.tag = IPC_SEND, .mr = {0}};
			err = sys_ipc((uint32_t)faulter, 0, &m);
			break;
		}
		m = (struct ipc_msg){
			.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_REPLY_WAIT)};
		err = sys_ipc((uint32_t)faulter, IPC_ANY, &m);
	}
	int code = spawn_wait(faulter);
	if (err)
		return err;
	return any_faults_seen == REPLY_PAGES ? code : -3000;
}

TEST_CASE(fault_reply, reply_wait_from_anyone_resumes_with_every_register)
{
	fill_pages();
	any_faults_seen = 0;
	int pager = spawn(pager_serving_anyone, 0);
	EXPECT_GT(pager, 0);
	int code = spawn_wait(pager);
	unmap_pages();
	EXPECT_EQ(code, 0);
	EXPECT_EQ(any_faults_seen, REPLY_PAGES);
}

TEST_CASE(fault_reply, refusal_in_a_call_back_ends_the_thread)
{
	struct served s;
	int code = run_called_back(1, &s);

	EXPECT_EQ(s.faults, 1);
	EXPECT_EQ(s.wrong, 0);
	EXPECT_EQ(s.end, -E_DEAD);
	EXPECT_EQ(code, FAULT_EXIT(FAULT_DATA));
}

/* Creates a thread it pages (never run), then faults (refused: it ends,
 * and the thread it paged with it). */
static volatile int paged_by_faulter;

static int create_then_fault(uint32_t unused)
{
	(void)unused;
	paged_by_faulter = spawn_create(load_each_page, 0,
					TC_SAME_SPACE | TC_AS_PAGER);
	if (paged_by_faulter < 0)
		return -1;
	return (int)regs_across_fault_fn(va_of(0));
}

/*
 * A send that refuses a fault ends the faulting thread and the threads it
 * pages: a receive in the same call from one of them (here one freed at
 * once, as nobody is left to reap it) ends at once with -E_DEAD, as a
 * partner's death ends a wait; it neither waits for ever nor touches the
 * freed thread.
 */
TEST_CASE(fault_reply, refusal_ending_the_awaited_thread_ends_the_wait)
{
	struct ipc_msg m = {0};

	fill_pages();
	paged_by_faulter = 0;
	int tid = spawn(create_then_fault, 0);
	EXPECT_GT(tid, 0);
	EXPECT_EQ(ipc_receive((uint32_t)tid, &m), 0);
	int grandchild = paged_by_faulter;
	EXPECT_EQ(page_of_fault(&m, tid), 0);
	m = (struct ipc_msg){.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT, IPC_CALL),
			     .mr = {1}};
	int err = sys_ipc((uint32_t)tid, (uint32_t)grandchild, &m);
	spawn_forget(grandchild);
	int code = spawn_wait(tid);
	EXPECT_GT(grandchild, 0);
	EXPECT_ERR(err, -E_DEAD);
	EXPECT_EQ(code, FAULT_EXIT(FAULT_DATA));
	EXPECT_ERR(sys_thread_wait((uint32_t)grandchild, NULL), -E_NOENT);
}

/* Sends one message to its creator (arg: the creator's tid), then ends
 * with the reply's MR0. */
static volatile uint32_t queued_sender_about_to_send;

static int send_once(uint32_t to)
{
	struct ipc_msg m = {.tag = IPC_TAG(0x51, 0, IPC_TYPE_SHORT, IPC_CALL),
			    .mr = {0x5e4d}};

	queued_sender_about_to_send = 1;
	int err = ipc_call(to, &m);
	return err ? err : (int)m.mr[0];
}

/*
 * A reply-and-wait that answers a fault while another thread is queued to
 * send to the pager: the fault is served and the queued message is what
 * the wait receives, at once.
 */
TEST_CASE(fault_reply, reply_wait_with_a_sender_queued_receives_it)
{
	struct sys_ids me;
	struct ipc_msg m = {0};

	sys_getid(&me);
	fill_pages();
	queued_sender_about_to_send = 0;
	int sender = spawn(send_once, me.tid);
	EXPECT_GT(sender, 0);
	for (int i = 0; i < 1000 && !queued_sender_about_to_send; i++)
		sys_yield();
	for (int i = 0; i < 10; i++)
		sys_yield(); /* let its call reach our send queue */
	int faulter = spawn(load_each_page, 0);
	EXPECT_GT(faulter, 0);
	/* its first fault, by name: the queued sender waits on */
	EXPECT_EQ(ipc_receive((uint32_t)faulter, &m), 0);
	EXPECT_EQ(page_of_fault(&m, faulter), 0);
	map_page(0);
	m = (struct ipc_msg){.tag = IPC_TAG(0, 0, IPC_TYPE_SHORT,
					    IPC_REPLY_WAIT)};
	EXPECT_EQ(sys_ipc((uint32_t)faulter, IPC_ANY, &m), 0);
	EXPECT_EQ(m.from, (uint32_t)sender);
	EXPECT_EQ(IPC_TAG_LABEL(m.tag), 0x51u);
	EXPECT_EQ(m.mr[0], 0x5e4du);
	m = (struct ipc_msg){.tag = IPC_SEND, .mr = {77}};
	EXPECT_EQ(sys_ipc((uint32_t)sender, 0, &m), 0);
	EXPECT_EQ(spawn_wait(sender), 77);
	/* the faulter went on: serve the rest the usual way */
	struct served s;
	m = (struct ipc_msg){0};
	EXPECT_EQ(ipc_receive((uint32_t)faulter, &m), 0);
	EXPECT_EQ(page_of_fault(&m, faulter), 1);
	map_page(1);
	m = (struct ipc_msg){.tag = IPC_SEND, .mr = {0}};
	EXPECT_EQ(sys_ipc((uint32_t)faulter, 0, &m), 0);
	serve_with_reply_wait(faulter, (uint32_t)faulter, 0, &s);
	int code = spawn_wait(faulter);
	unmap_pages();
	EXPECT_EQ(code, 0);
	EXPECT_EQ(s.faults, REPLY_PAGES - 2);
	EXPECT_EQ(s.end, -E_DEAD);
}

const struct test_case core_fault_reply_tests[] = {
	TEST_ENTRY(fault_reply, call_back_resumes_with_every_register),
	TEST_ENTRY(fault_reply,
		   reply_wait_from_anyone_resumes_with_every_register),
	TEST_ENTRY(fault_reply, refusal_in_a_call_back_ends_the_thread),
	TEST_ENTRY(fault_reply, refusal_ending_the_awaited_thread_ends_the_wait),
	TEST_ENTRY(fault_reply, reply_wait_with_a_sender_queued_receives_it),
	TEST_TABLE_END,
};
