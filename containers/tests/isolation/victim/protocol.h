/*
 * The messages of the isolation test system (configs/isolation.toml): two
 * between the victim and the adversary, one from the intruder to the
 * victim. The adversary and the intruder include this file.
 *
 * 1. The victim's pager calls the adversary's pager once (its channel is
 *    the only ipc capability between the two containers) with a full
 *    message: label ISO_LABEL_HELLO, UTCB mr[0..ISO_HELLO_WORDS) as below.
 * 2. The adversary holds that call while it attacks and answers it when
 *    it is done: a short reply, label ISO_LABEL_DONE, MR0 = its cases
 *    passed, MR1 = failed, MR2 = ISO_DONE_MAGIC, MR3 = skipped. Answering a thread that
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
#define ISO_LABEL_QUEUED 0x153 /* the intruder's queued message */
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

/*
 * 3. The intruder, which holds an ipc channel to the victim and nothing
 *    else on it, sends the victim's pager a full message of
 *    ISO_QUEUED_WORDS words (UTCB mr[i] = ISO_QUEUED_WORD(i)) while the
 *    pager is busy with the adversary, so the send waits in its queue.
 *    Meanwhile the intruder's pager rewrites the waiting thread's
 *    registers: r2 (the tag) to a full message of ISO_FORGED_WORDS words,
 *    r3 (MR0) to ISO_QUEUED_REWRITTEN_MR0. When the adversary is done the
 *    victim's pager receives it: the length it was sent with, MR0 as
 *    rewritten, and nothing of its UTCB past ISO_QUEUED_WORDS touched.
 *    The victim is container 0, so its pager is the first thread the
 *    kernel makes: ISO_VICTIM_PAGER_TID.
 */
#define ISO_VICTIM_PAGER_TID	 1
#define ISO_QUEUED_WORDS	 4
#define ISO_FORGED_WORDS	 255 /* the most a tag's length field holds */
#define ISO_QUEUED_WORD(i)	 (0x1a7e0000u + (i))
#define ISO_QUEUED_REWRITTEN_MR0 0x5e7ba600u

#endif
