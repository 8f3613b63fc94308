/* ipc: short, full and extended messages, call/reply, errors. */
#include <stddef.h>
#include <string.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#define LABEL 0x42

static uint8_t ext_out[IPC_EXT_MAX], ext_in[IPC_EXT_MAX];

/* Serve `count` calls: answer each with MR0..3 + 1 and label + 1. */
static int echo_server(uint32_t count)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	while (!err && count--) {
		uint32_t client = m.from;
		for (int i = 0; i < 4; i++)
			m.mr[i]++;
		m.tag = IPC_TAG(IPC_TAG_LABEL(m.tag) + 1, 0, IPC_TYPE_SHORT, 0);
		if (!count) {
			err = ipc_send(client, &m);
			break;
		}
		err = ipc_reply_wait(client, &m);
	}
	return err;
}

/* Receive one full message and answer with every word doubled. */
static int full_server(uint32_t words)
{
	struct ipc_msg m = {0};
	struct utcb *u = utcb_self();
	int err = ipc_receive(IPC_ANY, &m);

	if (err)
		return err;
	if (IPC_TAG_LENGTH(m.tag) != words)
		return -1000;
	for (uint32_t i = 0; i < words; i++)
		u->mr[i] *= 2;
	m.tag = IPC_TAG(0, words, IPC_TYPE_FULL, 0);
	return ipc_send(m.from, &m);
}

/* Receive one extended message into ext_in; return its length. */
static int ext_server(uint32_t size)
{
	struct ipc_msg m = {0};
	struct utcb *u = utcb_self();

	u->ext_recv_buf = (uint32_t)(uintptr_t)ext_in;
	u->ext_recv_size = size;
	int err = ipc_receive(IPC_ANY, &m);
	return err ? err : (int)u->ext_recv_len;
}

TEST_CASE(ipc, short_call_reply_same_space)
{
	int server = spawn(echo_server, 1);
	struct ipc_msg m = {.tag = IPC_TAG(LABEL, 0, IPC_TYPE_SHORT, 0),
			    .mr = {1, 2, 3, 4}};

	EXPECT_EQ(ipc_call((uint32_t)server, &m), 0);
	EXPECT_EQ(m.from, server);
	EXPECT_EQ(IPC_TAG_LABEL(m.tag), LABEL + 1);
	EXPECT_EQ(m.mr[0], 2);
	EXPECT_EQ(m.mr[3], 5);
	EXPECT_EQ(spawn_wait(server), 0);
}

TEST_CASE(ipc, short_call_across_spaces)
{
	int server = spawn_create(echo_server, 1, TC_COPY_SPACE | TC_AS_PAGER);
	struct ipc_msg m = {.mr = {10, 20, 30, 40}};

	sys_thread_run((uint32_t)server);
	EXPECT_EQ(ipc_call((uint32_t)server, &m), 0);
	EXPECT_EQ(m.mr[1], 21);
	EXPECT_EQ(spawn_wait(server), 0);
}

TEST_CASE(ipc, server_loop_serves_many_calls)
{
	int server = spawn(echo_server, 20);
	struct ipc_msg m = {0};

	for (uint32_t i = 0; i < 20; i++) {
		m.tag = 0;
		m.mr[0] = i;
		EXPECT_EQ(ipc_call((uint32_t)server, &m), 0);
		EXPECT_EQ(m.mr[0], i + 1);
	}
	EXPECT_EQ(spawn_wait(server), 0);
}

TEST_CASE(ipc, full_message_copies_utcb_words)
{
	int server = spawn_create(full_server, UTCB_MRS,
				  TC_COPY_SPACE | TC_AS_PAGER);
	struct utcb *u = utcb_self();
	struct ipc_msg m = {.tag = IPC_TAG(0, UTCB_MRS, IPC_TYPE_FULL, 0)};

	for (uint32_t i = 0; i < UTCB_MRS; i++)
		u->mr[i] = i + 100;
	sys_thread_run((uint32_t)server);
	EXPECT_EQ(ipc_call((uint32_t)server, &m), 0);
	EXPECT_EQ(IPC_TAG_LENGTH(m.tag), UTCB_MRS);
	EXPECT_EQ(u->mr[0], 200);
	EXPECT_EQ(u->mr[UTCB_MRS - 1], 2 * (UTCB_MRS - 1 + 100));
	EXPECT_EQ(spawn_wait(server), 0);
}

TEST_CASE(ipc, extended_message_of_a_page)
{
	int server = spawn_create(ext_server, IPC_EXT_MAX,
				  TC_COPY_SPACE | TC_AS_PAGER);
	struct utcb *u = utcb_self();
	struct ipc_msg m = {.tag = IPC_TAG(0, 0, IPC_TYPE_EXT, 0)};

	for (uint32_t i = 0; i < IPC_EXT_MAX; i++)
		ext_out[i] = (uint8_t)(i * 7 + 1);
	memset(ext_in, 0, sizeof(ext_in));
	u->ext_send_buf = (uint32_t)(uintptr_t)ext_out;
	u->ext_send_len = IPC_EXT_MAX;
	sys_thread_run((uint32_t)server);
	EXPECT_EQ(ipc_send((uint32_t)server, &m), 0);
	EXPECT_EQ(spawn_wait(server), IPC_EXT_MAX);
	/* copy space shares pages: the server's ext_in is ours */
	EXPECT_EQ(memcmp(ext_in, ext_out, IPC_EXT_MAX), 0);
}

TEST_CASE(ipc, extended_message_too_big_for_receiver)
{
	int server = spawn(ext_server, 16);
	struct utcb *u = utcb_self();
	struct ipc_msg m = {.tag = IPC_TAG(0, 0, IPC_TYPE_EXT, 0)};

	u->ext_send_buf = (uint32_t)(uintptr_t)ext_out;
	u->ext_send_len = 17;
	sys_yield();
	EXPECT_ERR(ipc_send((uint32_t)server, &m), -E_INVAL);
	EXPECT_EQ(spawn_wait(server), -E_INVAL);
}

TEST_CASE(ipc, extended_message_bad_buffer)
{
	int server = spawn(ext_server, IPC_EXT_MAX);
	struct utcb *u = utcb_self();
	struct ipc_msg m = {.tag = IPC_TAG(0, 0, IPC_TYPE_EXT, 0)};

	u->ext_send_buf = 0xc0000000;
	u->ext_send_len = 64;
	sys_yield();
	EXPECT_ERR(ipc_send((uint32_t)server, &m), -E_FAULT);
	EXPECT_EQ(spawn_wait(server), -E_FAULT);
}

TEST_CASE(ipc, errors)
{
	struct sys_ids me;
	struct ipc_msg m = {0};

	sys_getid(&me);
	EXPECT_ERR(sys_ipc(1, 1, &m), -E_INVAL); /* neither send nor receive */
	m.tag = IPC_SEND;
	EXPECT_ERR(sys_ipc(me.tid, 0, &m), -E_INVAL); /* to itself */
	m.tag = IPC_SEND;
	EXPECT_ERR(sys_ipc(4000, 0, &m), -E_NOENT);
	m.tag = IPC_RECV;
	EXPECT_ERR(sys_ipc(0, 4000, &m), -E_NOENT);
	m.tag = IPC_SEND | IPC_TYPE_MASK;
	EXPECT_ERR(sys_ipc(1, 0, &m), -E_INVAL); /* no such type */
	m.tag = IPC_TAG(0, UTCB_MRS + 1, IPC_TYPE_FULL, IPC_SEND);
	EXPECT_ERR(sys_ipc(1, 0, &m), -E_INVAL); /* too long */
}

TEST_CASE(ipc, nonblocking_send_to_busy_thread)
{
	int idle = spawn_create(echo_server, 1, TC_SAME_SPACE | TC_AS_PAGER);
	struct ipc_msg m = {.tag = IPC_NONBLOCK};

	EXPECT_ERR(ipc_send((uint32_t)idle, &m), -E_BUSY);
	sys_thread_destroy((uint32_t)idle, 0);
	spawn_wait(idle);
}

/* ---- a queued sender's registers rewritten while it waits --------------- */

#define QUEUED_WORDS 4
#define FORGED_WORDS 255		/* the most a tag's length field holds */
#define REWRITTEN_MR0 0x5e7ba600u	/* MR0 written while the sender waits */
#define GUARD_WORD 0xa5a5f00du

/* The receiver's UTCB and the one after it: a full message longer than its
 * UTCB_MRS message registers would run on from mr[] into both. */
static struct utcb guarded_utcb[2] __attribute__((aligned(UTCB_SIZE)));
/* The sender's: 255 words readable from its mr[], so a forged length could
 * not be stopped by a fault on the sender's side. */
static struct utcb sender_utcb[2] __attribute__((aligned(UTCB_SIZE)));
static volatile uint32_t sender_sending, received_mr0;

/* A full message of QUEUED_WORDS words to `to`, which is not receiving yet,
 * so the send waits in its queue. */
static int queued_full_sender(uint32_t to)
{
	struct ipc_msg m = {.tag = IPC_TAG(LABEL, QUEUED_WORDS, IPC_TYPE_FULL, 0),
			    .mr = {1, 2, 3, 4}};

	sender_sending = 1;
	return ipc_send(to, &m);
}

/* Receive one message; exit with its length. */
static int length_receiver(uint32_t unused)
{
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	(void)unused;
	received_mr0 = m.mr[0];
	return err ? err : (int)IPC_TAG_LENGTH(m.tag);
}

static int set_utcb(int tid, struct utcb *u)
{
	struct exregs r = {.utcb = (uint32_t)(uintptr_t)u};

	return sys_exchange_registers((uint32_t)tid, EXREGS_SET_UTCB, &r);
}

/* Words of the receiver's UTCBs that no longer hold what was put there:
 * sender_utcb's first QUEUED_WORDS words in mr[], GUARD_WORD elsewhere. */
static uint32_t guard_words_changed(void)
{
	const uint32_t *w = guarded_utcb[0].mr;
	uint32_t changed = 0;

	for (uint32_t i = 0; i < sizeof(guarded_utcb) / 4; i++)
		if (w[i] != (i < QUEUED_WORDS ? sender_utcb[0].mr[i] : GUARD_WORD))
			changed++;
	return changed;
}

/*
 * A full message's length is checked when it is sent; a pager may rewrite
 * the registers of a thread waiting in its send (exchange_registers), r2
 * (the tag) included. The receiver must get the message as it was checked:
 * QUEUED_WORDS words, nothing past them, never 255 words into a UTCB of 64
 * message registers. The rewritten MR0 shows the rewrite came while the
 * send was queued (message registers are read when the message goes).
 */
TEST_CASE(ipc, queued_sender_keeps_the_tag_it_was_sent_with)
{
	uint32_t *u = guarded_utcb[0].mr, *s = sender_utcb[0].mr;
	struct exregs r;

	for (uint32_t i = 0; i < sizeof(guarded_utcb) / 4; i++)
		u[i] = GUARD_WORD;
	for (uint32_t i = 0; i < sizeof(sender_utcb) / 4; i++)
		s[i] = 0x51000000u + i;
	sender_sending = 0;
	received_mr0 = 0;
	int receiver = spawn_create(length_receiver, 0,
				    TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(receiver, 0);
	EXPECT_EQ(set_utcb(receiver, guarded_utcb), 0);
	int sender = spawn_create(queued_full_sender, (uint32_t)receiver,
				  TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(sender, 0);
	EXPECT_EQ(set_utcb(sender, sender_utcb), 0);
	EXPECT_EQ(sys_thread_run((uint32_t)sender), 0);
	for (int i = 0; i < 100 && !sender_sending; i++)
		sys_yield();
	sys_yield(); /* into its send: the receiver is not running, it queues */
	int got = sys_exchange_registers((uint32_t)sender, EXREGS_GET, &r);
	uint32_t sent_tag = r.r[2];
	r.r[2] = IPC_TAG(LABEL, FORGED_WORDS, IPC_TYPE_FULL, IPC_SEND);
	r.r[3] = REWRITTEN_MR0;
	int set = sys_exchange_registers((uint32_t)sender, EXREGS_SET_REGS, &r);
	sys_thread_run((uint32_t)receiver);
	/* both reaped before anything is checked: later cases need the slots */
	int received = spawn_wait(receiver);
	int sent = spawn_wait(sender);
	EXPECT_EQ(got, 0);
	EXPECT_EQ(set, 0);
	EXPECT_EQ(IPC_TAG_LENGTH(sent_tag), QUEUED_WORDS);
	EXPECT_EQ(sent, 0);
	EXPECT_EQ(received_mr0, REWRITTEN_MR0);
	EXPECT_EQ(guard_words_changed(), 0);
	EXPECT_EQ(received, QUEUED_WORDS);
}

/* ---- the ipc fast path (kernel/generic/fastpath.c) and its fallbacks ---- */

#define MIX_YIELD 0x10000u /* mixing_server: yield before each answer */
#define MIX_LABEL 0x5a5u

/* The answer to m: every word moved and changed, the label too, so a word
 * lost, swapped or left over from an earlier message shows. */
static struct ipc_msg mixed(const struct ipc_msg *m)
{
	struct ipc_msg r = {
		.tag = IPC_TAG(IPC_TAG_LABEL(m->tag) ^ MIX_LABEL, 0,
			       IPC_TYPE_SHORT, 0),
		.mr = {m->mr[3] + 1, m->mr[2] + 2, m->mr[1] + 3, m->mr[0] + 4}};
	return r;
}

static bool is_mixed(const struct ipc_msg *got, const struct ipc_msg *sent,
		     uint32_t from)
{
	struct ipc_msg want = mixed(sent);

	return got->from == from && got->tag == want.tag &&
	       memcmp(got->mr, want.mr, sizeof(want.mr)) == 0;
}

/* Serve arg & 0xffff calls with reply-and-wait (the last with a send),
 * each answered with mixed(); with MIX_YIELD, yield before each answer
 * (another caller may queue meanwhile). */
static int mixing_server(uint32_t arg)
{
	uint32_t count = arg & 0xffffu;
	struct ipc_msg m = {0};
	int err = ipc_receive(IPC_ANY, &m);

	while (!err && count--) {
		uint32_t client = m.from;
		m = mixed(&m);
		if (arg & MIX_YIELD)
			sys_yield();
		if (!count)
			return ipc_send(client, &m);
		err = ipc_reply_wait(client, &m);
	}
	return err;
}

/* Calls of `n` rounds to server; how many answers were not exactly
 * mixed() of what was sent. */
static uint32_t bad_round_trips(int server, uint32_t n)
{
	uint32_t bad = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct ipc_msg sent = {
			.tag = IPC_TAG(i & 0xfff, 0, IPC_TYPE_SHORT, 0),
			.mr = {0x10000000u + i, 0x20000000u ^ i,
			       0xf0000000u - i, i * 2654435761u}};
		struct ipc_msg m = sent;
		if (ipc_call((uint32_t)server, &m) != 0 ||
		    !is_mixed(&m, &sent, (uint32_t)server))
			bad++;
	}
	return bad;
}

/*
 * Call and reply-and-wait between threads that wait for each other: the
 * fast path's case, in one space and across two. Every message register,
 * the label and the sender arrive as sent, every time, and the flags of
 * the tag are never passed on.
 */
TEST_CASE(ipc, fast_round_trips_keep_every_message_register)
{
	int same = spawn(mixing_server, 200);
	EXPECT_GT(same, 0);
	EXPECT_EQ(bad_round_trips(same, 200), 0);
	EXPECT_EQ(spawn_wait(same), 0);

	int other = spawn_create(mixing_server, 200,
				 TC_COPY_SPACE | TC_AS_PAGER);
	EXPECT_GT(other, 0);
	EXPECT_EQ(sys_thread_run((uint32_t)other), 0);
	EXPECT_EQ(bad_round_trips(other, 200), 0);
	EXPECT_EQ(spawn_wait(other), 0);
}

#define RELAY_ROUNDS 60

/* The third thread of relay_server, serving only the relay `from`, by
 * name (which needs no capability): receive, then answer each message
 * with mixed() by a call that waits for the next, the last by a send. */
static int named_server(uint32_t from)
{
	struct ipc_msg m = {0};
	uint32_t rounds = RELAY_ROUNDS;
	int err = ipc_receive(from, &m);

	while (!err && --rounds) {
		m = mixed(&m);
		err = ipc_call(from, &m);
	}
	if (!err) {
		m = mixed(&m);
		err = ipc_send(from, &m);
	}
	return err;
}

static volatile uint32_t relay_to; /* relay_server's third thread */

/*
 * Serve `count` calls; between a call and its answer make the kernel
 * entries that find the caller's run-queue place lent to this thread
 * (sched_handoff.h): getid and time (which go the general way while the
 * loan is open), a call of its own to relay_to (named_server: the place
 * lent on to a third thread, which answers by a call of its own), and a
 * yield every fourth round. Each answer is mixed() of the call, as the client checks; a
 * wrong id or time ends the server with an error.
 */
static int relay_server(uint32_t count)
{
	struct ipc_msg m = {0};
	struct sys_ids ids;
	uint64_t ticks = 0, before = 0;
	uint32_t hz = 0, self = 0;
	int err = ipc_receive(IPC_ANY, &m);

	while (!err && count--) {
		uint32_t client = m.from;
		struct ipc_msg answer = mixed(&m), fwd = m;

		int tid = sys_getid(&ids);

		if (tid <= 0 || ids.tid != (uint32_t)tid ||
		    (self && ids.tid != self) ||
		    sys_time(&ticks, &hz) != 0 || ticks < before || hz == 0)
			return -E_INVAL;
		self = ids.tid;
		before = ticks;
		while (!relay_to)
			sys_yield(); /* the test names the third thread */
		if (ipc_call(relay_to, &fwd) != 0 ||
		    !is_mixed(&fwd, &m, relay_to))
			return -E_FAULT;
		if (count % 4 == 0)
			sys_yield();
		if (!count)
			return ipc_send(client, &answer);
		m = answer;
		err = ipc_reply_wait(client, &m);
	}
	return err;
}

/*
 * A fast call lends the caller's run-queue place to the server; every
 * other kernel entry of the server settles the loan first (getid, time,
 * yield, a call of its own that lends the place on to a third thread and
 * gets it back with the answer), and the round trips stay exact. In one
 * space and across two.
 */
TEST_CASE(ipc, lent_place_settled_by_every_other_kernel_entry)
{
	for (int copy = 0; copy < 2; copy++) {
		int relay = copy ? spawn_create(relay_server, RELAY_ROUNDS,
						TC_COPY_SPACE | TC_AS_PAGER)
				 : spawn(relay_server, RELAY_ROUNDS);
		EXPECT_GT(relay, 0);
		if (copy)
			EXPECT_EQ(sys_thread_run((uint32_t)relay), 0);
		int third = spawn(named_server, (uint32_t)relay);
		EXPECT_GT(third, 0);
		relay_to = (uint32_t)third;
		uint32_t bad = bad_round_trips(relay, RELAY_ROUNDS);
		/* the servers' own findings first: they say why */
		EXPECT_EQ(spawn_wait(relay), 0);
		EXPECT_EQ(spawn_wait(third), 0);
		EXPECT_EQ(bad, 0);
		relay_to = 0;
	}
}

/* Yield a few times first, so that a call made at once finds it not
 * receiving yet. */
static int late_server(uint32_t count)
{
	for (int i = 0; i < 3; i++)
		sys_yield();
	return mixing_server(count);
}

/* A call to a thread that does not wait yet queues (the general path) and
 * is answered when it receives; the rounds after that meet it waiting. */
TEST_CASE(ipc, call_to_a_receiver_not_waiting_queues)
{
	int server = spawn(late_server, 5);

	EXPECT_GT(server, 0);
	EXPECT_EQ(bad_round_trips(server, 5), 0);
	EXPECT_EQ(spawn_wait(server), 0);
}

/* Call `to` once with MR0 = 0xc0ffee; exit 0 if the answer is exact. */
static int one_call(uint32_t to)
{
	struct ipc_msg sent = {.tag = IPC_TAG(7, 0, IPC_TYPE_SHORT, 0),
			       .mr = {0xc0ffee, 1, 2, 3}};
	struct ipc_msg m = sent;
	int err = ipc_call(to, &m);

	return err ? err : is_mixed(&m, &sent, to) ? 0 : -1000;
}

/*
 * A reply-and-wait while another caller is queued on the server: the
 * reply goes out and the receive takes the queued call (the general
 * path, since the server has someone to receive). Both callers get
 * their own answers.
 */
TEST_CASE(ipc, reply_wait_with_a_queued_caller_takes_it)
{
	int server = spawn(mixing_server, 2 | MIX_YIELD);
	EXPECT_GT(server, 0);
	int other = spawn(one_call, (uint32_t)server);
	EXPECT_GT(other, 0);
	EXPECT_EQ(bad_round_trips(server, 1), 0);
	EXPECT_EQ(spawn_wait(other), 0);
	EXPECT_EQ(spawn_wait(server), 0);
}

static volatile uint32_t picky_server_tid;

/* Send MR0 = 0xb0b to the picky server, once. */
static int picky_sender(uint32_t unused)
{
	struct ipc_msg m = {.mr = {0xb0b}};

	(void)unused;
	while (!picky_server_tid)
		sys_yield();
	return ipc_send(picky_server_tid, &m);
}

/* Receive from `first` only, then from anyone; answer that call with the
 * first message's MR0 and the call's MR0. */
static int picky_server(uint32_t first)
{
	struct ipc_msg a = {0}, b = {0};
	int err = ipc_receive(first, &a);

	if (!err)
		err = ipc_receive(IPC_ANY, &b);
	if (err)
		return err;
	b.mr[1] = b.mr[0];
	b.mr[0] = a.mr[0];
	b.tag = 0;
	return ipc_send(b.from, &b);
}

/* A call to a thread that waits to receive from another one is not sent
 * to it: it queues until that thread's message has come. */
TEST_CASE(ipc, call_to_a_receiver_waiting_for_another_queues)
{
	picky_server_tid = 0;
	int sender = spawn_create(picky_sender, 0, TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(sender, 0);
	int server = spawn(picky_server, (uint32_t)sender);
	EXPECT_GT(server, 0);
	for (int i = 0; i < 5; i++)
		sys_yield(); /* the server waits for the sender */
	picky_server_tid = (uint32_t)server;
	EXPECT_EQ(sys_thread_run((uint32_t)sender), 0);
	struct ipc_msg m = {.mr = {0xca11}};
	EXPECT_EQ(ipc_call((uint32_t)server, &m), 0);
	EXPECT_EQ(m.mr[0], 0xb0b);
	EXPECT_EQ(m.mr[1], 0xca11);
	EXPECT_EQ(spawn_wait(sender), 0);
	EXPECT_EQ(spawn_wait(server), 0);
}

const struct test_case core_ipc_tests[] = {
	TEST_ENTRY(ipc, short_call_reply_same_space),
	TEST_ENTRY(ipc, short_call_across_spaces),
	TEST_ENTRY(ipc, server_loop_serves_many_calls),
	TEST_ENTRY(ipc, full_message_copies_utcb_words),
	TEST_ENTRY(ipc, extended_message_of_a_page),
	TEST_ENTRY(ipc, extended_message_too_big_for_receiver),
	TEST_ENTRY(ipc, extended_message_bad_buffer),
	TEST_ENTRY(ipc, errors),
	TEST_ENTRY(ipc, nonblocking_send_to_busy_thread),
	TEST_ENTRY(ipc, queued_sender_keeps_the_tag_it_was_sent_with),
	TEST_ENTRY(ipc, fast_round_trips_keep_every_message_register),
	TEST_ENTRY(ipc, call_to_a_receiver_not_waiting_queues),
	TEST_ENTRY(ipc, reply_wait_with_a_queued_caller_takes_it),
	TEST_ENTRY(ipc, call_to_a_receiver_waiting_for_another_queues),
	TEST_ENTRY(ipc, lent_place_settled_by_every_other_kernel_entry),
	TEST_TABLE_END,
};
