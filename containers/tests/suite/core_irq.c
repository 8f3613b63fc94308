/*
 * irq_control with a real device: the board's PL031 real-time clock
 * (configs/testsuite.toml: device "rtc", peripheral = "rtc", optional).
 * Writing its match register with the current count raises its alarm
 * interrupt at once, so delivery can be tested without waiting for time to
 * pass. On a board without one (BOARD_HAS_PERIPHERAL_RTC undefined) the
 * build leaves the device out and the cases that need it report SKIP.
 */
#include <stddef.h>
#include <generated/board.h>
#include <tessera/cap.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#ifdef BOARD_HAS_PERIPHERAL_RTC
#define RTC_PHYS BOARD_PERIPHERAL_RTC_PHYS
#define RTC_IRQ ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ) /* QEMU virt: 34, SPI 2 */
#define NEED_RTC() ((void)0)
#else
#define RTC_IRQ 0u /* unused: every case that binds it skips */
#define NEED_RTC() TEST_SKIP("no RTC on this board (no peripheral \"rtc\")")
#endif
/* Two interrupt ids no device of this container carries, neither the
 * kernel's timer (35 and 36 on QEMU virt) */
#define FREE_IRQ_A (RTC_IRQ + 1 == BOARD_TIMER_IRQ ? RTC_IRQ + 3 : RTC_IRQ + 1)
#define FREE_IRQ_B (RTC_IRQ + 2 == BOARD_TIMER_IRQ ? RTC_IRQ + 4 : RTC_IRQ + 2)
#define RTC_VA 0x33000000u
#define RTC_DR 0  /* word offsets: count */
#define RTC_MR 1  /* match */
#define RTC_IMSC 4 /* interrupt mask set/clear */
#define RTC_RIS 5  /* raw interrupt status */
#define RTC_ICR 7  /* interrupt clear */

static volatile uint32_t *const rtc __attribute__((unused)) =
	(volatile uint32_t *)RTC_VA;

static __attribute__((unused)) uint32_t irqs_used(void)
{
	struct cap_info caps[64];
	int n = cap_read(caps, 64);

	for (int i = 0; i < n; i++)
		if (caps[i].resource == CAP_RES_IRQS)
			return caps[i].used;
	return 0xffffffffu;
}

/* Make the alarm fire now (retry if the count ticked in between). */
static __attribute__((unused)) bool rtc_alarm_now(void)
{
	for (int i = 0; i < 5; i++) {
		rtc[RTC_MR] = rtc[RTC_DR];
		if (rtc[RTC_RIS] & 1)
			return true;
	}
	return false;
}

TEST_CASE(irq, device_mapping_needs_the_device_capability)
{
	NEED_RTC();
#ifdef BOARD_HAS_PERIPHERAL_RTC
	uint32_t rw = MAP_ATTR_READ | MAP_ATTR_WRITE;

	EXPECT_ERR(sys_map(RTC_PHYS, RTC_VA, 1, rw, 0), -E_PERM);
	EXPECT_ERR(sys_map(RTC_PHYS, RTC_VA, 1, rw | MAP_ATTR_DEVICE |
			   MAP_ATTR_EXEC, 0), -E_PERM);
	EXPECT_ERR(sys_map(BOARD_UART_PL011, RTC_VA, 1, rw | MAP_ATTR_DEVICE,
			   0), -E_PERM); /* the kernel's console */
	EXPECT_EQ(sys_map(RTC_PHYS, RTC_VA, 1, rw | MAP_ATTR_DEVICE, 0), 0);
	EXPECT_NE(rtc[RTC_DR], 0); /* seconds since the epoch */
#endif
}

TEST_CASE(irq, alarm_delivered_masked_and_acknowledged)
{
	NEED_RTC();
	uint32_t before = irqs_used();

	EXPECT_EQ(irq_bind(RTC_IRQ, 0), 0);
	EXPECT_EQ(irqs_used(), before + 1);
	EXPECT_ERR(irq_bind(RTC_IRQ, 0), -E_BUSY);
	rtc[RTC_IMSC] = 1;
	EXPECT_TRUE(rtc_alarm_now());
	EXPECT_EQ(irq_wait(RTC_IRQ), 0);
	rtc[RTC_ICR] = 1;
	EXPECT_EQ(rtc[RTC_RIS] & 1, 0);
	EXPECT_EQ(irq_ack(RTC_IRQ), 0);
	/* fired while nobody waited: the next wait returns at once */
	EXPECT_TRUE(rtc_alarm_now());
	sys_yield();
	EXPECT_EQ(irq_wait(RTC_IRQ), 0);
	rtc[RTC_ICR] = 1;
	rtc[RTC_IMSC] = 0;
	EXPECT_EQ(irq_ack(RTC_IRQ), 0);
	EXPECT_EQ(irq_unbind(RTC_IRQ), 0);
	EXPECT_EQ(irqs_used(), before);
	EXPECT_ERR(irq_wait(RTC_IRQ), -E_NOENT);
}

TEST_CASE(irq, errors)
{
	NEED_RTC();
	EXPECT_ERR(sys_irq_control(0, RTC_IRQ, 0), -E_INVAL);
	EXPECT_ERR(sys_irq_control(9, RTC_IRQ, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(BOARD_TIMER_IRQ, 0), -E_INVAL); /* the kernel's timer */
	EXPECT_ERR(irq_bind(5000, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(FREE_IRQ_A, 0), -E_PERM); /* no device carries it */
	EXPECT_ERR(irq_bind(RTC_IRQ, 0xffff), -E_NOENT);
	/* not bound, and no device carries it: nothing to tell */
	EXPECT_ERR(irq_wait(FREE_IRQ_B), -E_PERM);
	EXPECT_ERR(irq_ack(FREE_IRQ_B), -E_PERM);
	EXPECT_ERR(irq_unbind(FREE_IRQ_B), -E_PERM);
}

static __attribute__((unused)) int wait_rtc(uint32_t arg)
{
	(void)arg;
	return irq_wait(RTC_IRQ);
}

TEST_CASE(irq, binding_ends_with_its_thread)
{
	NEED_RTC();
	uint32_t before = irqs_used();
	int child = spawn_create(wait_rtc, 0, TC_SAME_SPACE | TC_AS_PAGER);

	EXPECT_GT(child, 0);
	EXPECT_EQ(irq_bind(RTC_IRQ, (uint32_t)child), 0);
	EXPECT_ERR(irq_wait(RTC_IRQ), -E_PERM); /* bound to the child */
	int other = spawn(wait_rtc, 0); /* not the bound thread */
	EXPECT_EQ(spawn_wait(other), -E_PERM);
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	sys_yield(); /* it waits: no alarm is armed */
	EXPECT_EQ(sys_thread_suspend((uint32_t)child), 0);
	EXPECT_EQ(sys_thread_resume((uint32_t)child), 0);
	EXPECT_EQ(spawn_wait(child), -E_INTR);
	/* its binding went with it, and the budget unit came back */
	EXPECT_EQ(irqs_used(), before);
	EXPECT_EQ(irq_bind(RTC_IRQ, 0), 0);
	EXPECT_EQ(irq_unbind(RTC_IRQ), 0);
}

const struct test_case core_irq_tests[] = {
	TEST_ENTRY(irq, device_mapping_needs_the_device_capability),
	TEST_ENTRY(irq, alarm_delivered_masked_and_acknowledged),
	TEST_ENTRY(irq, errors),
	TEST_ENTRY(irq, binding_ends_with_its_thread),
	TEST_TABLE_END,
};
