/*
 * The Raspberry Pi 2's interrupts (BCM2836): no GIC. Each core has a local
 * interrupt controller (at 0x40000000) that takes its generic timer's lines
 * and the mailboxes, and forwards the BCM2835 ARM interrupt controller
 * (the peripherals' lines) to one core: core 0, the reset default.
 *
 * Each core's local lines: its virtual timer (the kernel's tick) and
 * mailbox 0 (the scheduler's IPI); only core 0 gets the peripherals'.
 *
 * Interrupt ids on this board, one flat space for irq_control:
 *   0..63    BCM2835 GPU peripheral lines (pending/enable registers 1, 2)
 *   64..71   BCM2835 ARM basic lines (ARM timer, mailbox, doorbells, ...)
 *   96..127  core 0's local sources: 96 + bit of its IRQ source register
 *            (99 = the virtual timer, the kernel's BOARD_TIMER_IRQ)
 * Lines are level-triggered; a device's line is disabled when it is raised
 * and enabled again when its thread acknowledges it, as with the GIC.
 *
 * This driver is the platform's interrupt interface (kernel/platform.h).
 */
#include <stdint.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <kernel/percpu.h>
#include <kernel/platform.h>
#include <platform/bcm2836_intc.h>
#include <generated/board.h>

/* BCM2835 ARM interrupt controller, from its page base */
#define IC_PENDING_BASIC 0x200
#define IC_PENDING_1 0x204
#define IC_PENDING_2 0x208
#define IC_ENABLE_1 0x210
#define IC_ENABLE_2 0x214
#define IC_ENABLE_BASIC 0x218
#define IC_DISABLE_1 0x21c
#define IC_DISABLE_2 0x220
#define IC_DISABLE_BASIC 0x224
#define IC_BASIC_ARM_LINES 0xffu /* pending basic bits 0-7 */

/* BCM2836 local controller */
#define LOCAL_GPU_ROUTING 0x0c
#define LOCAL_TIMER_CTL(core) (0x40 + 4 * (core))
#define LOCAL_MAILBOX_CTL(core) (0x50 + 4 * (core))
#define LOCAL_IRQ_SOURCE(core) (0x60 + 4 * (core))
#define LOCAL_MAILBOX_SET(core, mb) (0x80 + 16 * (core) + 4 * (mb))
#define LOCAL_MAILBOX_CLEAR(core, mb) (0xc0 + 16 * (core) + 4 * (mb))
#define LOCAL_SOURCE_GPU (1u << 8)
#define LOCAL_SOURCE_MAILBOX0 (1u << 4)
#define IPI_MAILBOX 0 /* the scheduler's IPI: mailbox 0 of the core */

#define GPU_LINES 64u
#define ARM_BASIC_FIRST 64u
#define ARM_BASIC_LINES 8u
#define LOCAL_FIRST 96u
#define LOCAL_TIMER_SOURCE (BOARD_TIMER_IRQ - LOCAL_FIRST)

static volatile uint32_t *ic;
static volatile uint32_t *local;

static inline void reg_write(volatile uint32_t *base, unsigned off,
			     uint32_t v)
{
	base[off / 4] = v;
}

static inline uint32_t reg_read(volatile uint32_t *base, unsigned off)
{
	return base[off / 4];
}

void bcm2836_intc_init(void)
{
	ic = arch_map_device(pa(BOARD_BCM2835_INTC), PAGE_SIZE);
	local = arch_map_device(pa(BOARD_BCM2836_LOCAL), PAGE_SIZE);
	/* nothing enabled until asked; peripherals' lines to core 0 */
	reg_write(ic, IC_DISABLE_1, ~0u);
	reg_write(ic, IC_DISABLE_2, ~0u);
	reg_write(ic, IC_DISABLE_BASIC, ~0u);
	reg_write(local, LOCAL_GPU_ROUTING, 0);
	platform_cpu_irq_init();
}

/* This core's lines of the local controller: its virtual timer and its
 * IPI mailbox to its IRQ. */
void platform_cpu_irq_init(void)
{
	unsigned core = this_cpu_id();

	reg_write(local, LOCAL_TIMER_CTL(core), 1u << LOCAL_TIMER_SOURCE);
	reg_write(local, LOCAL_MAILBOX_CTL(core), 1u << IPI_MAILBOX);
	dsb();
}

void platform_send_ipi(unsigned cpu)
{
	dsb(); /* what the IPI is about is visible first */
	reg_write(local, LOCAL_MAILBOX_SET(cpu, IPI_MAILBOX), 1);
}

/* Enable or disable one line of the BCM2835 controller. */
static void line_set(unsigned irq, bool on)
{
	if (irq < 32)
		reg_write(ic, on ? IC_ENABLE_1 : IC_DISABLE_1, 1u << irq);
	else if (irq < GPU_LINES)
		reg_write(ic, on ? IC_ENABLE_2 : IC_DISABLE_2,
			  1u << (irq - 32));
	else
		reg_write(ic, on ? IC_ENABLE_BASIC : IC_DISABLE_BASIC,
			  1u << (irq - ARM_BASIC_FIRST));
	dsb();
}

/* The lowest pending (enabled) peripheral line, or -1. The pending
 * registers 1 and 2 are read whole: the basic register's shortcut bits
 * would only save a read. */
static int pending_peripheral(void)
{
	uint32_t p;

	p = reg_read(ic, IC_PENDING_1);
	if (p)
		return __builtin_ctz(p);
	p = reg_read(ic, IC_PENDING_2);
	if (p)
		return 32 + __builtin_ctz(p);
	p = reg_read(ic, IC_PENDING_BASIC) & IC_BASIC_ARM_LINES;
	if (p)
		return (int)ARM_BASIC_FIRST + __builtin_ctz(p);
	return -1;
}

int platform_handle_irq(void)
{
	unsigned core = this_cpu_id();
	uint32_t source = reg_read(local, LOCAL_IRQ_SOURCE(core));
	int irq;

	if (source & LOCAL_SOURCE_MAILBOX0) {
		/* the scheduler's IPI: need_resched is set already, and
		 * the way out of the kernel picks again */
		reg_write(local, LOCAL_MAILBOX_CLEAR(core, IPI_MAILBOX), ~0u);
		dsb();
		return 1;
	}
	if (source & (1u << LOCAL_TIMER_SOURCE)) {
		timer_interrupt(); /* reprograms or stops: the line drops */
		return 1;
	}
	if (!(source & LOCAL_SOURCE_GPU))
		return 0;
	irq = pending_peripheral();
	if (irq < 0)
		return 0;
	if (irq == BOARD_UART_IRQ) {
		console_interrupt(); /* enabled only with the state key */
		return 1;
	}
	/* a device's: masked until its thread acknowledges it */
	line_set((unsigned)irq, false);
	irq_raised((unsigned)irq);
	return 1;
}

void platform_irq_unmask(unsigned irq)
{
	if (irq != BOARD_TIMER_IRQ)
		line_set(irq, true);
}

void platform_irq_mask(unsigned irq)
{
	if (irq != BOARD_TIMER_IRQ)
		line_set(irq, false);
}

/* Only the peripherals' lines can be given to threads (ids below
 * BOARD_IRQ_COUNT), but not the console UART's (the kernel's): the local
 * sources (timers, mailboxes) belong to the kernel or to nothing yet. */
_Static_assert(BOARD_IRQ_COUNT <= ARM_BASIC_FIRST + ARM_BASIC_LINES,
	       "board.toml irq_count: ids from 72 are the local sources");
_Static_assert(BOARD_TIMER_IRQ >= BOARD_IRQ_COUNT,
	       "board.toml timer_irq: a local source, never bound");

bool platform_irq_reserved(unsigned irq)
{
	return irq == BOARD_UART_IRQ || irq >= BOARD_IRQ_COUNT;
}
