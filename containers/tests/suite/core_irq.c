/*
 * irq_control with a real device: an alarm the board has, which the test
 * can make fire at once, so delivery is tested without waiting for time:
 *   - the PL031 real-time clock (qemu_virt, vexpress_a9): its match
 *     register set to the current count raises its alarm interrupt;
 *   - the BCM2835 system timer (raspi2b): compare channel 1 set just
 *     ahead of its microsecond counter (channels 0 and 2 are the GPU's).
 * configs/testsuite.toml gives the container whichever of the two
 * peripherals the board has (both are optional); on a board with neither
 * the cases report SKIP.
 */
#include <stddef.h>
#include <generated/board.h>
#include <tessera/cap.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "spawn.h"
#include "testsuite.h"

#define ALARM_VA 0x33000000u
static volatile uint32_t *const alarm __attribute__((unused)) =
	(volatile uint32_t *)ALARM_VA;

#if defined(BOARD_HAS_PERIPHERAL_RTC)
#define ALARM_PHYS BOARD_PERIPHERAL_RTC_PHYS
#define ALARM_IRQ ((uint32_t)BOARD_PERIPHERAL_RTC_IRQ) /* QEMU virt: 34 */
#define NEED_ALARM() ((void)0)
#define PL031_DR 0   /* word offsets: count (seconds since the epoch) */
#define PL031_MR 1   /* match */
#define PL031_IMSC 4 /* interrupt mask set/clear */
#define PL031_RIS 5  /* raw interrupt status */
#define PL031_ICR 7  /* interrupt clear */

static uint32_t alarm_count(void)
{
	return alarm[PL031_DR];
}

/* The PL031 raises its line only while its interrupt is unmasked. */
static void alarm_line(bool on)
{
	alarm[PL031_IMSC] = on;
}

static bool alarm_raised(void)
{
	return alarm[PL031_RIS] & 1;
}

static void alarm_clear(void)
{
	alarm[PL031_ICR] = 1;
}

/* Make the alarm fire now (retry if the count ticked in between). */
static bool alarm_fire_now(void)
{
	for (int i = 0; i < 5; i++) {
		alarm[PL031_MR] = alarm[PL031_DR];
		if (alarm_raised())
			return true;
	}
	return false;
}
#elif defined(BOARD_HAS_PERIPHERAL_SYSTEM_TIMER)
#define ALARM_PHYS BOARD_PERIPHERAL_SYSTEM_TIMER_PHYS
#define ALARM_IRQ ((uint32_t)BOARD_PERIPHERAL_SYSTEM_TIMER_IRQ) /* GPU 1 */
#define NEED_ALARM() ((void)0)
#define ST_CS 0  /* word offsets: control/status, match flags M0-M3 */
#define ST_CLO 1 /* counter, low word (microseconds) */
#define ST_C1 4  /* compare 1 */
#define ST_M1 (1u << 1)

static uint32_t alarm_count(void)
{
	return alarm[ST_CLO];
}

static void alarm_line(bool on)
{
	(void)on; /* the match flag is the line: nothing to unmask */
}

static bool alarm_raised(void)
{
	return alarm[ST_CS] & ST_M1;
}

/* Disarm (the compare value just behind the count matches only after
 * the counter wraps, in 71 minutes), then clear the flag: no match from
 * an earlier compare value can come late. */
static void alarm_clear(void)
{
	alarm[ST_C1] = alarm[ST_CLO] - 1;
	alarm[ST_CS] = ST_M1; /* write one to clear */
}

/* Compare a little ahead of the count, then wait for the match: the
 * counter moves once a microsecond and matches only on equality, so if
 * it ran past the compare value before it was written (the container was
 * preempted), try again further ahead. The match may show some time after
 * the count passed it (QEMU raises it from its main loop, late on a busy
 * host): only a count far past it means it was missed. */
#define ST_MISSED_US 20000

static bool alarm_fire_now(void)
{
	for (uint32_t ahead = 2; ahead < 2000; ahead *= 4) {
		uint32_t target = alarm[ST_CLO] + ahead;

		alarm[ST_C1] = target;
		while ((int32_t)(alarm[ST_CLO] - target) < ST_MISSED_US)
			if (alarm_raised())
				return true;
		alarm_clear();
	}
	return false;
}
#else
#define ALARM_IRQ 0u /* unused: every case that binds it skips */
#define NEED_ALARM()                                                           \
	TEST_SKIP("no alarm device on this board (no peripheral \"rtc\" or "    \
		  "\"system_timer\")")
#endif
/* Two interrupt ids no device of this container carries, neither the
 * kernel's timer nor its console UART (35 and 36 on QEMU virt) */
#define KERNEL_IRQ(i) ((i) == BOARD_TIMER_IRQ || (i) == BOARD_UART_IRQ)
#define FREE_IRQ_A (KERNEL_IRQ(ALARM_IRQ + 1) ? ALARM_IRQ + 3 : ALARM_IRQ + 1)
#define FREE_IRQ_B (KERNEL_IRQ(ALARM_IRQ + 2) ? ALARM_IRQ + 4 : ALARM_IRQ + 2)

static __attribute__((unused)) uint32_t irqs_used(void)
{
	struct cap_info caps[64];
	int n = cap_read(caps, 64);

	for (int i = 0; i < n; i++)
		if (caps[i].resource == CAP_RES_IRQS)
			return caps[i].used;
	return 0xffffffffu;
}

TEST_CASE(irq, device_mapping_needs_the_device_capability)
{
	NEED_ALARM();
#ifdef ALARM_PHYS
	uint32_t rw = MAP_ATTR_READ | MAP_ATTR_WRITE;

	EXPECT_ERR(sys_map(ALARM_PHYS, ALARM_VA, 1, rw, 0), -E_PERM);
	EXPECT_ERR(sys_map(ALARM_PHYS, ALARM_VA, 1, rw | MAP_ATTR_DEVICE |
			   MAP_ATTR_EXEC, 0), -E_PERM);
	EXPECT_ERR(sys_map(BOARD_UART_PL011, ALARM_VA, 1, rw | MAP_ATTR_DEVICE,
			   0), -E_PERM); /* the kernel's console */
	EXPECT_EQ(sys_map(ALARM_PHYS, ALARM_VA, 1, rw | MAP_ATTR_DEVICE, 0), 0);
	EXPECT_NE(alarm_count(), 0); /* it counts */
#endif
}

TEST_CASE(irq, alarm_delivered_masked_and_acknowledged)
{
	NEED_ALARM();
	uint32_t before = irqs_used();

	EXPECT_EQ(irq_bind(ALARM_IRQ, 0), 0);
	EXPECT_EQ(irqs_used(), before + 1);
	EXPECT_ERR(irq_bind(ALARM_IRQ, 0), -E_BUSY);
	alarm_line(true);
	EXPECT_TRUE(alarm_fire_now());
	EXPECT_EQ(irq_wait(ALARM_IRQ), 0);
	alarm_clear();
	EXPECT_FALSE(alarm_raised());
	EXPECT_EQ(irq_ack(ALARM_IRQ), 0);
	/* fired while nobody waited: the next wait returns at once */
	EXPECT_TRUE(alarm_fire_now());
	sys_yield();
	EXPECT_EQ(irq_wait(ALARM_IRQ), 0);
	alarm_clear();
	alarm_line(false);
	EXPECT_EQ(irq_ack(ALARM_IRQ), 0);
	EXPECT_EQ(irq_unbind(ALARM_IRQ), 0);
	EXPECT_EQ(irqs_used(), before);
	EXPECT_ERR(irq_wait(ALARM_IRQ), -E_NOENT);
}

TEST_CASE(irq, errors)
{
	NEED_ALARM();
	EXPECT_ERR(sys_irq_control(0, ALARM_IRQ, 0), -E_INVAL);
	EXPECT_ERR(sys_irq_control(9, ALARM_IRQ, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(BOARD_TIMER_IRQ, 0), -E_INVAL); /* the kernel's timer */
	EXPECT_ERR(irq_bind(BOARD_UART_IRQ, 0), -E_INVAL); /* its console */
	EXPECT_ERR(irq_bind(5000, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(FREE_IRQ_A, 0), -E_PERM); /* no device carries it */
	EXPECT_ERR(irq_bind(ALARM_IRQ, 0xffff), -E_NOENT);
	/* not bound, and no device carries it: nothing to tell */
	EXPECT_ERR(irq_wait(FREE_IRQ_B), -E_PERM);
	EXPECT_ERR(irq_ack(FREE_IRQ_B), -E_PERM);
	EXPECT_ERR(irq_unbind(FREE_IRQ_B), -E_PERM);
}

static volatile uint32_t alarm_waiter_started;

static __attribute__((unused)) int wait_alarm(uint32_t arg)
{
	(void)arg;
	alarm_waiter_started = 1;
	return irq_wait(ALARM_IRQ);
}

TEST_CASE(irq, binding_ends_with_its_thread)
{
	NEED_ALARM();
	uint32_t before = irqs_used();
	int child = spawn_create(wait_alarm, 0, TC_SAME_SPACE | TC_AS_PAGER);

	EXPECT_GT(child, 0);
	EXPECT_EQ(irq_bind(ALARM_IRQ, (uint32_t)child), 0);
	EXPECT_ERR(irq_wait(ALARM_IRQ), -E_PERM); /* bound to the child */
	int other = spawn(wait_alarm, 0); /* not the bound thread */
	EXPECT_EQ(spawn_wait(other), -E_PERM);
	alarm_waiter_started = 0;
	EXPECT_EQ(sys_thread_run((uint32_t)child), 0);
	/* one yield is not always enough: a tick that falls due while the
	 * kernel switches to the child is charged to it, and a child with a
	 * single tick left then goes to the back before its first
	 * instruction. Yield until it has started, then once more: it is a
	 * few instructions from its wait, and no second tick comes so soon */
	while (!alarm_waiter_started)
		sys_yield();
	sys_yield(); /* it waits: no alarm is armed */
	EXPECT_EQ(sys_thread_suspend((uint32_t)child), 0);
	EXPECT_EQ(sys_thread_resume((uint32_t)child), 0);
	EXPECT_EQ(spawn_wait(child), -E_INTR);
	/* its binding went with it, and the budget unit came back */
	EXPECT_EQ(irqs_used(), before);
	EXPECT_EQ(irq_bind(ALARM_IRQ, 0), 0);
	EXPECT_EQ(irq_unbind(ALARM_IRQ), 0);
}

const struct test_case core_irq_tests[] = {
	TEST_ENTRY(irq, device_mapping_needs_the_device_capability),
	TEST_ENTRY(irq, alarm_delivered_masked_and_acknowledged),
	TEST_ENTRY(irq, errors),
	TEST_ENTRY(irq, binding_ends_with_its_thread),
	TEST_TABLE_END,
};
