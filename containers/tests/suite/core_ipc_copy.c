/*
 * ipc: how full and extended messages are copied (the kernel copies
 * straight from the sender's pages to the receiver's, usercopy.c): every
 * word of full messages of 0, 1 and UTCB_MRS words; extended buffers that
 * cross pages at different offsets, aligned and not; faults on either side
 * (the same error to both, and nothing written on the receiver's side);
 * the length limits; buffers that overlap in one space or through an alias
 * mapping (the receiver gets what the sender's buffer held, as memmove).
 */
#include <stddef.h>
#include <string.h>
#include <tessera/boot.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096u
#endif

#define LABEL 0x1c0
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Address windows this file maps (and unmaps before each case ends), in
 * one 4 MiB group of the space, so one page-table page serves them:
 *  RW_RO_VA: win[0] writable, then win[1] read-only;
 *  RW_NONE_VA: win[0] writable, then nothing;
 *  ALIAS_VA: pages[0..3) again (overlap through an alias).
 */
#define RW_RO_VA 0x39000000u
#define RW_NONE_VA 0x39100000u
#define ALIAS_VA 0x39200000u
#define ALIAS_PAGES 3

#define LEN_GUARD 0xfeedf00du /* ext_recv_len before a message */

static uint8_t pages[ALIAS_PAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t in[3 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t win[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t want[ALIAS_PAGES * PAGE_SIZE];
static struct utcb spare_utcb[2] __attribute__((aligned(PAGE_SIZE)));

static uint32_t phys_of(const void *p)
{
	return container_region.phys +
	       ((uint32_t)(uintptr_t)p - container_region.virt);
}

static uint32_t va(const void *p)
{
	return (uint32_t)(uintptr_t)p;
}

/* What a receiving buffer holds before a message: never a sent byte. */
static uint8_t before(uint32_t i)
{
	return (uint8_t)(0xa5u ^ (i * 13u));
}

/* What a sending buffer holds. */
static uint8_t sent(uint32_t i)
{
	return (uint8_t)(i * 7u + 1u);
}

static void fill(uint8_t *p, uint32_t n, uint8_t (*f)(uint32_t))
{
	for (uint32_t i = 0; i < n; i++)
		p[i] = f(i);
}

/* Bytes of p[0..n) not as f makes them (f's index counted from `from`). */
static uint32_t differ(const uint8_t *p, uint32_t n, uint8_t (*f)(uint32_t),
		       uint32_t from)
{
	uint32_t bad = 0;

	for (uint32_t i = 0; i < n; i++)
		bad += p[i] != f(from + i);
	return bad;
}

/* ---- full messages ------------------------------------------------------ */

static uint32_t full_word(uint32_t i)
{
	return 0x3c000000u + i * 0x01010101u;
}

static uint32_t untouched_word(uint32_t i)
{
	return 0xdead0000u + i;
}

/*
 * Receive one full message of `words` words; count the words that are
 * wrong (past the length: still untouched_word), then answer with the
 * same length, every word inverted. Exits with the count, or an error.
 */
static int full_checker(uint32_t words)
{
	struct utcb *u = utcb_self();
	struct ipc_msg m = {0};
	int bad = 0, err;

	for (uint32_t i = 0; i < UTCB_MRS; i++)
		u->mr[i] = untouched_word(i);
	err = ipc_receive(IPC_ANY, &m);
	if (err)
		return err;
	if (IPC_TAG_LENGTH(m.tag) != words ||
	    (m.tag & IPC_TYPE_MASK) != IPC_TYPE_FULL)
		return -1000;
	for (uint32_t i = 0; i < UTCB_MRS; i++)
		bad += u->mr[i] != (i < words ? full_word(i) : untouched_word(i));
	for (uint32_t i = 0; i < words; i++)
		u->mr[i] = ~u->mr[i];
	m.tag = IPC_TAG(LABEL, words, IPC_TYPE_FULL, 0);
	err = ipc_send(m.from, &m);
	return err ? err : bad;
}

/* A call of `words` words to a full_checker; the words of our own UTCB
 * that are wrong afterwards, or an error. */
static int full_round_trip(int server, uint32_t words)
{
	struct utcb *u = utcb_self();
	struct ipc_msg m = {.tag = IPC_TAG(LABEL, words, IPC_TYPE_FULL, 0)};
	int bad = 0, err;

	for (uint32_t i = 0; i < UTCB_MRS; i++)
		u->mr[i] = full_word(i);
	err = ipc_call((uint32_t)server, &m);
	if (err)
		return err;
	if (IPC_TAG_LENGTH(m.tag) != words)
		return -1000;
	for (uint32_t i = 0; i < UTCB_MRS; i++)
		bad += u->mr[i] != (i < words ? ~full_word(i) : full_word(i));
	return bad;
}

TEST_CASE(ipc, full_messages_of_0_1_and_all_words_arrive_intact)
{
	static const uint32_t lengths[] = {0, 1, UTCB_MRS};
	static const uint32_t flags[] = {TC_SAME_SPACE, TC_COPY_SPACE};

	for (unsigned f = 0; f < 2; f++)
		for (unsigned l = 0; l < 3; l++) {
			int server = spawn_create(full_checker, lengths[l],
						  flags[f] | TC_AS_PAGER);
			EXPECT_GT(server, 0);
			EXPECT_EQ(sys_thread_run((uint32_t)server), 0);
			int here = full_round_trip(server, lengths[l]);
			int there = spawn_wait(server);
			EXPECT_EQ(here, 0);
			EXPECT_EQ(there, 0);
		}
}

/* ---- extended messages -------------------------------------------------- */

static volatile uint32_t rx_buf, rx_size, rx_len;

/* Receive one extended message into rx_buf of rx_size bytes; exits with
 * the error of the receive; rx_len: what ext_recv_len says then. */
static int ext_receiver(uint32_t unused)
{
	struct utcb *u = utcb_self();
	struct ipc_msg m = {0};

	(void)unused;
	u->ext_recv_buf = rx_buf;
	u->ext_recv_size = rx_size;
	u->ext_recv_len = LEN_GUARD;
	int err = ipc_receive(IPC_ANY, &m);
	rx_len = u->ext_recv_len;
	return err;
}

/*
 * Send `len` bytes at `src` to a new ext_receiver (flags: its space)
 * receiving into `dst` of `size` bytes. The sender's error; *rx_err: the
 * receiver's.
 */
static int ext_send(uint32_t src, uint32_t len, uint32_t dst, uint32_t size,
		    uint32_t flags, int *rx_err)
{
	struct utcb *u = utcb_self();
	struct ipc_msg m = {.tag = IPC_TAG(LABEL, 0, IPC_TYPE_EXT, 0)};

	rx_buf = dst;
	rx_size = size;
	rx_len = 0;
	int rx = spawn_create(ext_receiver, 0, flags | TC_AS_PAGER);
	if (rx < 0)
		return *rx_err = rx;
	sys_thread_run((uint32_t)rx);
	sys_yield(); /* mostly it waits first; the send queues otherwise */
	u->ext_send_buf = src;
	u->ext_send_len = len;
	int err = ipc_send((uint32_t)rx, &m);
	*rx_err = spawn_wait(rx);
	return err;
}

/*
 * Send src_off..+len of `pages` into in[dst_off..+len): the received bytes
 * exactly, the length reported, nothing around them touched. Returns the
 * wrong bytes, or an error.
 */
static int ext_copy_checked(uint32_t src_off, uint32_t dst_off, uint32_t len,
			    uint32_t flags)
{
	int rx_err, err;

	fill(pages, sizeof(pages), sent);
	fill(in, sizeof(in), before);
	err = ext_send(va(pages) + src_off, len, va(in) + dst_off, len, flags,
		       &rx_err);
	if (err || rx_err)
		return err ? err : rx_err;
	if (rx_len != len)
		return -2000;
	return (int)(differ(in, dst_off, before, 0) +
		     differ(in + dst_off, len, sent, src_off) +
		     differ(in + dst_off + len, sizeof(in) - dst_off - len,
			    before, dst_off + len));
}

struct layout {
	uint32_t src_off, dst_off, len;
};

/* Both sides cross a page boundary, at different places (and one side
 * twice is impossible: IPC_EXT_MAX is a page). */
static const struct layout crossing[] = {
	{PAGE_SIZE - 100, PAGE_SIZE - 2500, 3000}, /* 100 in, then 2500 */
	{PAGE_SIZE - 2500, PAGE_SIZE - 100, 3000},
	{PAGE_SIZE - 4, PAGE_SIZE - 4092, IPC_EXT_MAX},
	{PAGE_SIZE - 2048, PAGE_SIZE - 1024, IPC_EXT_MAX},
	{PAGE_SIZE - 32, PAGE_SIZE - 64, 96},
	{0, PAGE_SIZE - 36, 72},		  /* only the receiver's */
	{PAGE_SIZE - 36, 0, 72},		  /* only the sender's */
	{PAGE_SIZE, 2 * PAGE_SIZE, IPC_EXT_MAX}, /* neither: whole pages */
};

/* Word-aligned on neither side, or on one only, or misaligned alike. */
static const struct layout unaligned[] = {
	{PAGE_SIZE - 101, PAGE_SIZE - 2503, 3001},
	{PAGE_SIZE - 3, PAGE_SIZE - 1, IPC_EXT_MAX},
	{PAGE_SIZE - 1, PAGE_SIZE - 4094, IPC_EXT_MAX},
	{PAGE_SIZE - 2, PAGE_SIZE - 2, 4093},	/* alike: words after 2 bytes */
	{PAGE_SIZE - 200, PAGE_SIZE - 99, 333},
	{PAGE_SIZE - 99, PAGE_SIZE - 200, 333},
	{1, 2, 1},
	{3, PAGE_SIZE - 1, 2},
	{PAGE_SIZE - 1, 7, 3},
	{5, 9, 31},
	{PAGE_SIZE + 1, 2 * PAGE_SIZE + 1, 4095},
};

TEST_CASE(ipc, extended_buffers_crossing_pages_at_different_offsets)
{
	for (unsigned f = 0; f < 2; f++)
		for (unsigned i = 0; i < ARRAY_LEN(crossing); i++) {
			const struct layout *l = &crossing[i];
			EXPECT_EQ(ext_copy_checked(l->src_off, l->dst_off,
						   l->len, f ? TC_COPY_SPACE
							     : TC_SAME_SPACE),
				  0);
		}
}

TEST_CASE(ipc, extended_unaligned_buffers)
{
	for (unsigned f = 0; f < 2; f++)
		for (unsigned i = 0; i < ARRAY_LEN(unaligned); i++) {
			const struct layout *l = &unaligned[i];
			EXPECT_EQ(ext_copy_checked(l->src_off, l->dst_off,
						   l->len, f ? TC_COPY_SPACE
							     : TC_SAME_SPACE),
				  0);
		}
}

/* ---- faults: the same error to both, nothing written -------------------- */

static int map_windows(void)
{
	const uint32_t rw = MAP_ATTR_READ | MAP_ATTR_WRITE;
	int err = sys_map(phys_of(win), RW_RO_VA, 1, rw, 0);

	if (!err)
		err = sys_map(phys_of(win + PAGE_SIZE), RW_RO_VA + PAGE_SIZE, 1,
			      MAP_ATTR_READ, 0);
	if (!err)
		err = sys_map(phys_of(win), RW_NONE_VA, 1, rw, 0);
	return err;
}

static void unmap_windows(void)
{
	sys_unmap(RW_RO_VA, 2, 0);
	sys_unmap(RW_NONE_VA, 1, 0);
}

/*
 * What a faulted extended send must leave: -E_FAULT to both sides (else
 * 1000 + the sender's error, 2000 + the receiver's), ext_recv_len not
 * written (3000), the receiver's `buf` as it was (the bytes that differ).
 */
static int faulted_unchanged(int err, int rx_err, const uint8_t *buf,
			     uint32_t size)
{
	if (err != -E_FAULT)
		return 1000 + (err < 0 ? -err : err);
	if (rx_err != -E_FAULT)
		return 2000 + (rx_err < 0 ? -rx_err : rx_err);
	if (rx_len != LEN_GUARD)
		return 3000;
	return (int)differ(buf, size, before, 0);
}

/*
 * Send from `src` (len bytes) into in[] + 100 of IPC_EXT_MAX bytes: 0 if
 * both sides got -E_FAULT, in[] and ext_recv_len were not touched.
 */
static int source_fault(uint32_t src, uint32_t len)
{
	int rx_err, err;

	fill(in, sizeof(in), before);
	err = ext_send(src, len, va(in) + 100, IPC_EXT_MAX, TC_SAME_SPACE,
		       &rx_err);
	return faulted_unchanged(err, rx_err, in, sizeof(in));
}

TEST_CASE(ipc, extended_source_fault_changes_nothing)
{
	EXPECT_EQ(map_windows(), 0);
	fill(win, sizeof(win), sent);
	/* the sender's last 100 bytes run into an unmapped page */
	int partly = source_fault(RW_NONE_VA + PAGE_SIZE - 100, 200);
	/* only its first byte mapped */
	int one = source_fault(RW_NONE_VA + PAGE_SIZE - 1, IPC_EXT_MAX);
	int unmapped = source_fault(RW_NONE_VA + PAGE_SIZE, 8);
	int past_user = source_fault(0x7ffffff0u, 64);
	int kernel = source_fault(0xc0000000u, 64);
	int wraps = source_fault(0xfffffff0u, 64);
	int empty_past = source_fault(0x80000004u, 0);
	/* a read-only page is a good source */
	int rx_err;
	fill(in, sizeof(in), before);
	int ro = ext_send(RW_RO_VA + PAGE_SIZE - 50, 100, va(in), 100,
			  TC_SAME_SPACE, &rx_err);
	unmap_windows();
	EXPECT_EQ(partly, 0);
	EXPECT_EQ(one, 0);
	EXPECT_EQ(unmapped, 0);
	EXPECT_EQ(past_user, 0);
	EXPECT_EQ(kernel, 0);
	EXPECT_EQ(wraps, 0);
	EXPECT_EQ(empty_past, 0);
	EXPECT_EQ(ro, 0);
	EXPECT_EQ(rx_err, 0);
	EXPECT_EQ(differ(in, 100, sent, PAGE_SIZE - 50), 0);
}

/*
 * Send 200 good bytes into `dst` (size bytes): 0 if both sides got
 * -E_FAULT and win[] holds what it held.
 */
static int destination_fault(uint32_t dst, uint32_t len)
{
	int rx_err, err;

	fill(pages, sizeof(pages), sent);
	fill(win, sizeof(win), before);
	err = ext_send(va(pages) + 10, len, dst, len, TC_SAME_SPACE, &rx_err);
	return faulted_unchanged(err, rx_err, win, sizeof(win));
}

TEST_CASE(ipc, extended_destination_fault_writes_nothing)
{
	EXPECT_EQ(map_windows(), 0);
	int read_only = destination_fault(RW_RO_VA + PAGE_SIZE, 64);
	/* writable for 100 bytes, then read-only */
	int into_ro = destination_fault(RW_RO_VA + PAGE_SIZE - 100, 200);
	/* writable for one byte, then read-only */
	int last_byte = destination_fault(RW_RO_VA + PAGE_SIZE - 1,
					  IPC_EXT_MAX);
	/* writable for 100 bytes, then nothing */
	int into_none = destination_fault(RW_NONE_VA + PAGE_SIZE - 100, 200);
	int past_user = destination_fault(0x7fffff00u, 0x200);
	int wraps = destination_fault(0xffffff00u, 0x200);
	unmap_windows();
	EXPECT_EQ(read_only, 0);
	EXPECT_EQ(into_ro, 0);
	EXPECT_EQ(last_byte, 0);
	EXPECT_EQ(into_none, 0);
	EXPECT_EQ(past_user, 0);
	EXPECT_EQ(wraps, 0);
}

/* Receive one message with our UTCB wherever the test put it: touches no
 * UTCB field itself. Exits with the error. */
static int bare_receiver(uint32_t unused)
{
	struct ipc_msg m = {0};

	(void)unused;
	return ipc_receive(IPC_ANY, &m);
}

/* Send one full message of UTCB_MRS words from our own UTCB: touches no
 * UTCB field itself. */
static int bare_full_sender(uint32_t to)
{
	struct ipc_msg m = {.tag = IPC_TAG(LABEL, UTCB_MRS, IPC_TYPE_FULL, 0)};

	return ipc_send(to, &m);
}

static int set_utcb(int tid, uint32_t utcb)
{
	struct exregs r = {.utcb = utcb};

	return sys_exchange_registers((uint32_t)tid, EXREGS_SET_UTCB, &r);
}

/*
 * The receiver's UTCB is mapped read-only (win[1] through RW_RO_VA): a full
 * message into it fails on both sides and writes nothing; an extended one
 * into a writable buffer fails too, since its length cannot be written,
 * and writes nothing into the buffer either.
 */
TEST_CASE(ipc, read_only_receiver_utcb_writes_nothing)
{
	struct utcb *u = utcb_self(), *ro = (struct utcb *)(win + PAGE_SIZE);
	struct ipc_msg m = {.tag = IPC_TAG(LABEL, UTCB_MRS, IPC_TYPE_FULL, 0)};

	EXPECT_EQ(map_windows(), 0);
	fill(win, sizeof(win), before);
	for (uint32_t i = 0; i < UTCB_MRS; i++)
		u->mr[i] = full_word(i);
	int rx = spawn_create(bare_receiver, 0, TC_SAME_SPACE | TC_AS_PAGER);
	int set = set_utcb(rx, RW_RO_VA + PAGE_SIZE);
	sys_thread_run((uint32_t)rx);
	sys_yield();
	int full = ipc_send((uint32_t)rx, &m);
	int full_rx = spawn_wait(rx);
	uint32_t full_changed = differ(win, sizeof(win), before, 0);

	/* the buffer fields as the receiver would have set them, written
	 * through our own view of the page */
	fill(win, sizeof(win), before);
	fill(in, sizeof(in), before);
	ro->ext_recv_buf = va(in);
	ro->ext_recv_size = IPC_EXT_MAX;
	ro->ext_recv_len = LEN_GUARD;
	memcpy(want, win, sizeof(win));
	fill(pages, sizeof(pages), sent);
	u->ext_send_buf = va(pages);
	u->ext_send_len = 256;
	m.tag = IPC_TAG(LABEL, 0, IPC_TYPE_EXT, 0);
	rx = spawn_create(bare_receiver, 0, TC_SAME_SPACE | TC_AS_PAGER);
	int set2 = set_utcb(rx, RW_RO_VA + PAGE_SIZE);
	sys_thread_run((uint32_t)rx);
	sys_yield();
	int ext = ipc_send((uint32_t)rx, &m);
	int ext_rx = spawn_wait(rx);
	unmap_windows();
	EXPECT_EQ(set, 0);
	EXPECT_EQ(full, -E_FAULT);
	EXPECT_EQ(full_rx, -E_FAULT);
	EXPECT_EQ(full_changed, 0);
	EXPECT_EQ(set2, 0);
	EXPECT_EQ(ext, -E_FAULT);
	EXPECT_EQ(ext_rx, -E_FAULT);
	EXPECT_EQ(memcmp(win, want, sizeof(win)), 0);
	EXPECT_EQ(differ(in, sizeof(in), before, 0), 0);
}

/*
 * A full message from a thread whose UTCB is not mapped: -E_FAULT to both,
 * the receiver's message registers as they were.
 */
TEST_CASE(ipc, full_message_source_fault_changes_nothing)
{
	int sender, rx, set, sent_err, rx_err;
	uint32_t changed = 0;

	for (uint32_t i = 0; i < UTCB_MRS; i++)
		spare_utcb[0].mr[i] = untouched_word(i);
	rx = spawn_create(bare_receiver, 0, TC_SAME_SPACE | TC_AS_PAGER);
	EXPECT_GT(rx, 0);
	EXPECT_EQ(set_utcb(rx, va(&spare_utcb[0])), 0);
	sender = spawn_create(bare_full_sender, (uint32_t)rx,
			      TC_SAME_SPACE | TC_AS_PAGER);
	set = set_utcb(sender, RW_NONE_VA + PAGE_SIZE); /* never mapped */
	sys_thread_run((uint32_t)rx);
	sys_thread_run((uint32_t)sender);
	sent_err = spawn_wait(sender);
	rx_err = spawn_wait(rx);
	for (uint32_t i = 0; i < UTCB_MRS; i++)
		changed += spare_utcb[0].mr[i] != untouched_word(i);
	EXPECT_EQ(set, 0);
	EXPECT_EQ(sent_err, -E_FAULT);
	EXPECT_EQ(rx_err, -E_FAULT);
	EXPECT_EQ(changed, 0);
}

/* ---- lengths ------------------------------------------------------------ */

/* Send len bytes into in[] + 1 declared `size` bytes: the sender's error,
 * and -100000 if the receiver's differs; when both fail, in[] and
 * ext_recv_len must hold what they held (else -200000). */
static int length_case(uint32_t len, uint32_t size)
{
	int rx_err, err;

	fill(pages, sizeof(pages), sent);
	fill(in, sizeof(in), before);
	err = ext_send(va(pages), len, va(in) + 1, size, TC_COPY_SPACE,
		       &rx_err);
	if (err != rx_err)
		return -100000;
	if (err && (rx_len != LEN_GUARD ||
		    differ(in, sizeof(in), before, 0) != 0))
		return -200000;
	if (!err && (rx_len != len || differ(in + 1, len, sent, 0) != 0 ||
		     in[0] != before(0) || in[len + 1] != before(len + 1)))
		return -300000;
	return err;
}

TEST_CASE(ipc, extended_lengths_at_and_over_the_limits)
{
	EXPECT_EQ(length_case(IPC_EXT_MAX, IPC_EXT_MAX), 0);
	EXPECT_EQ(length_case(IPC_EXT_MAX + 1, 0xffffffffu), -E_INVAL);
	EXPECT_EQ(length_case(IPC_EXT_MAX + 1, IPC_EXT_MAX + 1), -E_INVAL);
	EXPECT_EQ(length_case(0xffffffffu, 0xffffffffu), -E_INVAL);
	EXPECT_EQ(length_case(100, 100), 0);
	EXPECT_EQ(length_case(101, 100), -E_INVAL);
	EXPECT_EQ(length_case(IPC_EXT_MAX, IPC_EXT_MAX - 1), -E_INVAL);
	EXPECT_EQ(length_case(1, 0), -E_INVAL);
	EXPECT_EQ(length_case(0, 0), 0);
	EXPECT_EQ(length_case(0, 100), 0);
}

/* ---- overlapping buffers ------------------------------------------------ */

/*
 * Send pages[src_off..+len) to a thread of this space receiving into
 * `dst_va` (pages[dst_off] or its alias): afterwards pages[] must be what
 * memmove would have made of it. Returns the wrong bytes, or an error.
 */
static int overlap_case(uint32_t src_off, uint32_t dst_off, uint32_t len,
			uint32_t dst_va)
{
	int rx_err, err;

	fill(pages, sizeof(pages), sent);
	memcpy(want, pages, sizeof(pages));
	memmove(want + dst_off, want + src_off, len);
	err = ext_send(va(pages) + src_off, len, dst_va, len, TC_SAME_SPACE,
		       &rx_err);
	if (err || rx_err)
		return err ? err : rx_err;
	if (rx_len != len)
		return -2000;
	uint32_t bad = 0;
	for (uint32_t i = 0; i < sizeof(pages); i++)
		bad += pages[i] != want[i];
	return (int)bad;
}

static const struct layout overlapping[] = {
	{PAGE_SIZE - 100, PAGE_SIZE - 95, 3000},  /* receiver 5 bytes on */
	{PAGE_SIZE - 95, PAGE_SIZE - 100, 3000},  /* 5 bytes back */
	{PAGE_SIZE - 100, PAGE_SIZE + 100, 3000}, /* 200 on: both cross */
	{PAGE_SIZE + 100, PAGE_SIZE - 100, 3000},
	{100, 104, IPC_EXT_MAX},		  /* aligned, one word on */
	{104, 100, IPC_EXT_MAX},
	{10, 10, IPC_EXT_MAX},			  /* onto itself */
	{PAGE_SIZE - 2, PAGE_SIZE - 1, IPC_EXT_MAX},
	{PAGE_SIZE - 1, PAGE_SIZE - 2, IPC_EXT_MAX},
	{0, PAGE_SIZE - 1, IPC_EXT_MAX},	  /* one byte shared */
};

TEST_CASE(ipc, extended_overlapping_buffers_in_one_space)
{
	for (unsigned i = 0; i < ARRAY_LEN(overlapping); i++) {
		const struct layout *l = &overlapping[i];
		EXPECT_EQ(overlap_case(l->src_off, l->dst_off, l->len,
				       va(pages) + l->dst_off),
			  0);
	}
}

/*
 * The same through an alias mapping of pages[]: the two ranges share no
 * virtual address but the same memory, so the copy must order itself by
 * where the bytes really are.
 */
TEST_CASE(ipc, extended_overlap_through_an_alias)
{
	int results[ARRAY_LEN(overlapping)];
	int mapped = sys_map(phys_of(pages), ALIAS_VA, ALIAS_PAGES,
			     MAP_ATTR_READ | MAP_ATTR_WRITE, 0);

	for (unsigned i = 0; i < ARRAY_LEN(overlapping); i++) {
		const struct layout *l = &overlapping[i];
		results[i] = mapped ? mapped
				    : overlap_case(l->src_off, l->dst_off,
						   l->len,
						   ALIAS_VA + l->dst_off);
	}
	sys_unmap(ALIAS_VA, ALIAS_PAGES, 0);
	EXPECT_EQ(mapped, 0);
	for (unsigned i = 0; i < ARRAY_LEN(overlapping); i++)
		EXPECT_EQ(results[i], 0);
}

const struct test_case core_ipc_copy_tests[] = {
	TEST_ENTRY(ipc, full_messages_of_0_1_and_all_words_arrive_intact),
	TEST_ENTRY(ipc, extended_buffers_crossing_pages_at_different_offsets),
	TEST_ENTRY(ipc, extended_unaligned_buffers),
	TEST_ENTRY(ipc, extended_source_fault_changes_nothing),
	TEST_ENTRY(ipc, extended_destination_fault_writes_nothing),
	TEST_ENTRY(ipc, read_only_receiver_utcb_writes_nothing),
	TEST_ENTRY(ipc, full_message_source_fault_changes_nothing),
	TEST_ENTRY(ipc, extended_lengths_at_and_over_the_limits),
	TEST_ENTRY(ipc, extended_overlapping_buffers_in_one_space),
	TEST_ENTRY(ipc, extended_overlap_through_an_alias),
	TEST_TABLE_END,
};
