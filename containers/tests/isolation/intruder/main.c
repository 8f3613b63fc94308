/*
 * intruder: the third container of the isolation test system
 * (configs/isolation.toml). It holds what any client of a service holds,
 * an ipc channel to the victim, and nothing else on it.
 *
 * Its one attempt (message 3 of ../victim/protocol.h): a child sends the
 * victim's pager a full message of ISO_QUEUED_WORDS words while that pager
 * is busy with the adversary and receives from nobody, so the send waits
 * in its queue. Then this pager rewrites the waiting child's registers:
 * the tag in r2 to a full message of ISO_FORGED_WORDS words, MR0 in r3.
 * The kernel checked the tag when the child sent it; if it read the tag
 * again from r2 when the victim receives, it would copy 255 words into a
 * UTCB of 64 message registers, 764 bytes past mr[63] of the victim's UTCB
 * page. The child's UTCB has 255 readable words, so nothing on this side
 * would stop such a copy.
 *
 * It prints no TEST line: the victim's case
 * (victim.queued_message_keeps_the_length_it_was_sent_with) is the
 * verdict. It exits with 0 when its own steps went as planned and the
 * child's send ended with 0 (the victim took the message), with the
 * failing step's error otherwise.
 */
#include <stddef.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <tessera/thread.h>
#include "../victim/protocol.h"

#define STACK_SIZE   2048
#define WAIT_YIELDS  1000

static uint8_t stack[STACK_SIZE] __attribute__((aligned(8)));
static struct utcb sender_utcb[2] __attribute__((aligned(UTCB_SIZE)));
static volatile uint32_t sending;

static int queued_sender(uint32_t to)
{
	struct ipc_msg m = {
	    IPC_TAG(ISO_LABEL_QUEUED, ISO_QUEUED_WORDS, IPC_TYPE_FULL, 0),
	    {0x11, 0x22, 0x33, 0x44},
	    0};

	sending = 1;
	return ipc_send(to, &m);
}

static int fail(const char *step, int err)
{
	printf("intruder: %s: %d\n", step, err);
	return err ? err : -1;
}

int main(void)
{
	uint32_t *w = sender_utcb[0].mr;
	struct exregs r;
	int err;

	for (uint32_t i = 0; i < sizeof(sender_utcb) / 4; i++)
		w[i] = ISO_QUEUED_WORD(i);
	int child = thread_prepare(TC_SAME_SPACE | TC_AS_PAGER, 0,
				   (uint32_t)(uintptr_t)thread_call_entry,
				   (uint32_t)(uintptr_t)(stack + STACK_SIZE),
				   (uint32_t)(uintptr_t)queued_sender,
				   ISO_VICTIM_PAGER_TID, sender_utcb);
	if (child < 0)
		return fail("create the sender", child);
	if ((err = sys_thread_run((uint32_t)child)))
		return fail("run the sender", err);
	for (int i = 0; i < WAIT_YIELDS && !sending; i++)
		sys_yield();
	sys_yield(); /* into its send, which waits: the victim is busy */
	if ((err = sys_exchange_registers((uint32_t)child, EXREGS_GET, &r)))
		return fail("read the sender's registers", err);
	if (r.r[0] != ISO_VICTIM_PAGER_TID ||
	    IPC_TAG_LENGTH(r.r[2]) != ISO_QUEUED_WORDS)
		return fail("the sender is not in its send", 0);
	r.r[2] = IPC_TAG(ISO_LABEL_QUEUED, ISO_FORGED_WORDS, IPC_TYPE_FULL,
			 IPC_SEND);
	r.r[3] = ISO_QUEUED_REWRITTEN_MR0;
	if ((err = sys_exchange_registers((uint32_t)child, EXREGS_SET_REGS,
					  &r)))
		return fail("rewrite the sender's tag", err);
	printf("intruder: a full message of %u words waits for the victim's "
	       "pager; its tag now says %u words\n",
	       (unsigned)ISO_QUEUED_WORDS, (unsigned)ISO_FORGED_WORDS);
	err = sys_thread_wait((uint32_t)child, NULL);
	printf("intruder: the victim took the message: %d\n", err);
	return err;
}
