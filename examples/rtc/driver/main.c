/*
 * driver: owns the board's PL031 real-time clock and answers time
 * requests over ipc (the protocol is in ../rtc.h).
 *
 * What the manifest (system.toml) gives it:
 *   - a device capability on the RTC's page with its interrupt
 *     ([[container.device]] peripheral = "rtc"): the only way to map the
 *     device and to bind the interrupt;
 *   - its own container's operation capabilities (own_caps, the default):
 *     map and irq_control among them;
 *   - an IRQs budget of one (the default: one per device with an irq).
 * It needs no channel: answering a caller that waits for the reply takes
 * no capability. The tenants reach it through their channels to it.
 */
#include <stdint.h>
#include <generated/board.h> /* BOARD_PERIPHERAL_RTC_PHYS, _IRQ */
#include <tessera/console.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "../rtc.h"

/* Where the driver maps the RTC's page: any free page of its own
 * address space outside its program region (0x10000000 + 1 MiB). */
#define RTC_VA 0x20000000u
#define RTC_IRQ ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ)

/* PL031 registers, as word offsets (ARM PrimeCell RTC PL031 TRM) */
#define PL031_DR 0   /* data: the clock, seconds */
#define PL031_MR 1   /* match: the alarm fires when DR reaches it */
#define PL031_IMSC 4 /* interrupt mask: 1 lets the alarm raise the irq */
#define PL031_ICR 7  /* interrupt clear: write 1 */

static volatile uint32_t *const rtc = (volatile uint32_t *)RTC_VA;

/* Arm the alarm for the next second and sleep until its interrupt. */
static int wait_next_second(void)
{
	int err;

	rtc[PL031_MR] = rtc[PL031_DR] + 1;
	rtc[PL031_IMSC] = 1;
	err = irq_wait(RTC_IRQ); /* the kernel masks the irq when it fires */
	rtc[PL031_ICR] = 1;      /* quiet the device first, */
	rtc[PL031_IMSC] = 0;
	if (err == 0)
		err = irq_ack(RTC_IRQ); /* then unmask the irq again */
	return err;
}

int main(void)
{
	struct ipc_msg m;
	unsigned byes = 0, served = 0;
	int err;

	/* Map the device's page (uncached, never executable) and take its
	 * interrupt for this thread (0: the caller). */
	err = sys_map(BOARD_PERIPHERAL_RTC_PHYS, RTC_VA, 1,
		      MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_DEVICE, 0);
	if (err == 0)
		err = irq_bind(RTC_IRQ, 0);
	if (err < 0) {
		printf("driver: cannot set up the RTC: %d\n", err);
		return 1;
	}
	printf("driver: PL031 at 0x%08x (irq %u) mapped at 0x%08x; serving\n",
	       (unsigned)BOARD_PERIPHERAL_RTC_PHYS, (unsigned)RTC_IRQ,
	       (unsigned)RTC_VA);

	err = ipc_receive(IPC_ANY, &m);
	while (byes < RTC_TENANTS) {
		uint32_t client = m.from, label = IPC_TAG_LABEL(m.tag);
		struct ipc_msg r = {IPC_TAG(RTC_OK, 0, IPC_TYPE_SHORT, 0),
				    {0}, 0};

		if (err < 0) { /* a failed receive or reply: wait again */
			printf("driver: ipc: %d\n", err);
			err = ipc_receive(IPC_ANY, &m);
			continue;
		}
		if (label == RTC_NEXT_SECOND)
			err = wait_next_second();
		else if (label == RTC_BYE)
			byes++;
		else if (label != RTC_NOW)
			err = -E_INVAL;
		if (err < 0)
			r.tag = IPC_TAG(RTC_ERROR, 0, IPC_TYPE_SHORT, 0);
		r.mr[0] = err < 0 ? (uint32_t)err : rtc[PL031_DR];
		served++;
		if (byes == RTC_TENANTS) { /* the last one: answer, then end */
			ipc_send(client, &r);
			break;
		}
		/* answer and wait for the next request in one call */
		err = ipc_reply_wait(client, &r);
		m = r;
	}
	irq_unbind(RTC_IRQ);
	printf("driver: %u requests served; every tenant is done\n", served);
	return 0;
}
