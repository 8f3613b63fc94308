/*
 * The two messages between the victim and the adversary of the isolation
 * test system (configs/isolation.toml). The adversary includes this file.
 *
 * 1. The victim's pager calls the adversary's pager once (its channel is
 *    the only ipc capability between the two containers) with a full
 *    message: label ISO_LABEL_HELLO, UTCB mr[0..ISO_HELLO_WORDS) as below.
 * 2. The adversary holds that call while it attacks and answers it when
 *    it is done: a short reply, label ISO_LABEL_DONE, MR0 = its cases
 *    passed, MR1 = failed, MR2 = ISO_DONE_MAGIC. Answering a thread that
 *    waits for the sender by name needs no capability, so the adversary
 *    holds no capability on the victim at all; it can answer once.
 *
 * The victim then checks itself and prints the summary line of the whole
 * run (both containers' cases), the last line the harness reads.
 */
#ifndef ISOLATION_PROTOCOL_H
#define ISOLATION_PROTOCOL_H

#define ISO_LABEL_HELLO 0x150
#define ISO_LABEL_DONE	0x151
#define ISO_LABEL_QUIT	0x152 /* the victim's pager to its receiver */
#define ISO_HELLO_MAGIC 0x1501a7edu
#define ISO_DONE_MAGIC	0xd0e1507eu

/* UTCB mr[] words of the hello message (the sender is the victim's pager). */
enum iso_hello_word {
	ISO_MAGIC,
	ISO_WORKER,	  /* tid: recomputes the checksum, counts rounds */
	ISO_SLEEPER,	  /* tid: waits on a contended mutex */
	ISO_RECEIVER,	  /* tid: waits to receive from anyone */
	ISO_PATTERN_PHYS, /* the checksummed memory, physical */
	ISO_PATTERN_VIRT, /* ... where the victim sees it */
	ISO_PATTERN_SIZE,
	ISO_PROGRAM_PHYS, /* the victim's program region, physical */
	ISO_MUTEX_WORD,	  /* virtual address of the sleeper's mutex word */
	ISO_CAP_MIN,	  /* lowest and highest id of the victim's */
	ISO_CAP_MAX,	  /* capabilities */
	ISO_RTC_IRQ,	  /* the IRQ the victim has bound */
	ISO_HELLO_WORDS
};

#endif
