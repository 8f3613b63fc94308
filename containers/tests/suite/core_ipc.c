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
	TEST_TABLE_END,
};
