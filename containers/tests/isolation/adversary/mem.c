/*
 * Memory, devices and interrupts. kernel/generic/sys_map.c checks, in this
 * order: arguments and the virtual range (-E_INVAL: unaligned, too many
 * pages, no READ, unknown attribute, page 0, reaching 0x80000000 or the
 * KIP), a map capability on the target thread (-E_PERM), a virtual-memory
 * capability covering the addresses (-E_PERM), then a physical-memory
 * capability covering the pages with the access asked, or with DEVICE a
 * device-memory one (-E_PERM). Only then does it touch page tables.
 *
 * Mappings go into WINDOW, its own range whose page-table page the kernel
 * paid at boot, so the positive counterparts cost no budget.
 */
#include "adversary.h"

#define R   MAP_ATTR_READ
#define RW  (MAP_ATTR_READ | MAP_ATTR_WRITE)
#define DEV (MAP_ATTR_READ | MAP_ATTR_WRITE | MAP_ATTR_DEVICE)

/* Map one page of physical memory at WINDOW in its own space; 0 or -E_*.
 * A mapping that worked is taken away again. */
static int try_map(uint32_t phys, uint32_t pages, uint32_t attrs)
{
	int err = sys_map(phys, WINDOW, pages, attrs, 0);

	if (err == 0)
		sys_unmap(WINDOW, pages, 0);
	return err;
}

/* Its own memory maps (the counterpart of every refusal below). */
static int map_own(void)
{
	return try_map(prog_phys, 1, RW);
}

/* -E_PERM: no physical-memory capability covers the victim's pattern. */
TEST_CASE(map, victim_pattern_memory)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(try_map(victim.w[ISO_PATTERN_PHYS], 1, RW), -E_PERM);
	EXPECT_ERR(try_map(victim.w[ISO_PATTERN_PHYS], 1, R), -E_PERM);
	EXPECT_ERR(try_map(victim.w[ISO_PATTERN_PHYS] + PAGE, 4, R), -E_PERM);
	PASSED();
}

/* -E_PERM: the victim's program region (its code, stacks and UTCBs). */
TEST_CASE(map, victim_program_region)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(try_map(victim.w[ISO_PROGRAM_PHYS], 1, R), -E_PERM);
	/* the page that holds the victim pager's UTCB, its last */
	EXPECT_ERR(try_map(victim.w[ISO_PROGRAM_PHYS] + 0xff000u, 1, RW),
		   -E_PERM);
	PASSED();
}

/* -E_PERM: with DEVICE the kernel also looks for a device-memory
 * capability, and there is none for RAM. */
TEST_CASE(map, victim_memory_as_device)
{
	EXPECT_EQ(try_map(prog_phys, 1, DEV), 0); /* own RAM, uncached: fine */
	EXPECT_ERR(try_map(victim.w[ISO_PATTERN_PHYS], 1, DEV), -E_PERM);
	PASSED();
}

/* -E_PERM: its program region ends where the victim's pattern begins; a
 * range must lie inside one capability, so one page too many is refused
 * whole. */
TEST_CASE(map, range_running_into_victim_memory)
{
	uint32_t last = prog_phys + 0x100000u - PAGE;

	EXPECT_EQ(last + PAGE, victim.w[ISO_PATTERN_PHYS]);
	EXPECT_EQ(try_map(last, 1, R), 0);
	EXPECT_ERR(try_map(last, 2, R), -E_PERM);
	EXPECT_ERR(try_map(last - 2 * PAGE, 4, R), -E_PERM);
	PASSED();
}

/* -E_PERM: the kernel's image, heap and page tables. */
TEST_CASE(map, kernel_memory)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(try_map(KERNEL_PHYS, 1, R), -E_PERM);
	EXPECT_ERR(try_map(KERNEL_PHYS + 0x800000u, 16, RW), -E_PERM);
	EXPECT_ERR(try_map(DTB_PHYS, 1, R), -E_PERM);
	EXPECT_ERR(try_map(KERNEL_PHYS, 1, DEV), -E_PERM);
	PASSED();
}

/* -E_PERM: the packed image (loader first) at the top of RAM. */
TEST_CASE(map, boot_image_and_loader)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(try_map(IMAGE_PHYS, 1, R), -E_PERM);
	EXPECT_ERR(try_map(IMAGE_PHYS + 0x100000u, 1, RW), -E_PERM);
	PASSED();
}

/* -E_PERM: RAM no container was given. */
TEST_CASE(map, ram_of_nobody)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(try_map(NOBODYS_RAM, 1, RW), -E_PERM);
	EXPECT_ERR(try_map(LAST_RAM_PAGE, 1, R), -E_PERM); /* last page of RAM */
	PASSED();
}

/* -E_INVAL: virtual addresses from 0x80000000 are the kernel's; the
 * range check comes before any capability. */
TEST_CASE(map, into_kernel_virtual_range)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(sys_map(prog_phys, 0x80000000u, 1, R, 0), -E_INVAL);
	EXPECT_ERR(sys_map(prog_phys, KERNEL_VIRT, 1, RW, 0), -E_INVAL);
	EXPECT_ERR(sys_map(prog_phys, 0x7fffd000u, 4, R, 0), -E_INVAL);
	EXPECT_ERR(sys_map(prog_phys, 0xfffff000u, 2, R, 0),
		   -E_INVAL); /* wraps */
	PASSED();
}

/* -E_INVAL: the kernel interface page is never replaced. */
TEST_CASE(map, over_the_kip)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(sys_map(prog_phys, KIP_ADDRESS, 1, RW, 0), -E_INVAL);
	EXPECT_ERR(sys_map(prog_phys, KIP_ADDRESS - PAGE, 2, R, 0), -E_INVAL);
	EXPECT_ERR(sys_unmap(KIP_ADDRESS, 1, 0), -E_INVAL);
	EXPECT_EQ(kip_get()->magic, KIP_MAGIC);
	PASSED();
}

/* -E_PERM: its virtual-memory capabilities cover WINDOW and FAR_VA only;
 * the victim's pattern address is outside them. */
TEST_CASE(map, outside_own_virtual_ranges)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(sys_map(prog_phys, victim.w[ISO_PATTERN_VIRT], 1, R, 0),
		   -E_PERM);
	EXPECT_ERR(sys_map(prog_phys, WINDOW + 0x100000u - PAGE, 2, R, 0),
		   -E_PERM); /* runs out of its window */
	PASSED();
}

/* -E_PERM: its extra page is read-only; asking for more access than the
 * capability allows is refused, as a device mapping too. */
TEST_CASE(map, read_only_memory_writable)
{
	EXPECT_EQ(try_map(RO_PHYS, 1, R), 0);
	EXPECT_ERR(try_map(RO_PHYS, 1, RW), -E_PERM);
	EXPECT_ERR(try_map(RO_PHYS, 1, R | MAP_ATTR_EXEC), -E_PERM);
	EXPECT_ERR(try_map(RO_PHYS, 1, DEV), -E_PERM);
	PASSED();
}

/* -E_PERM: a map capability on the target thread is checked first; it
 * has one on its own container only. */
TEST_CASE(map, into_victim_space)
{
	EXPECT_EQ(map_own(), 0);
	EXPECT_ERR(sys_map(prog_phys, WINDOW, 1, R, victim.w[ISO_WORKER]),
		   -E_PERM);
	EXPECT_ERR(
	    sys_map(prog_phys, victim.w[ISO_PATTERN_VIRT], 1, RW, victim.pager),
	    -E_PERM);
	PASSED();
}

/* -E_PERM: unmapping in the victim's space needs the same capability. */
TEST_CASE(unmap, victim_space)
{
	EXPECT_EQ(sys_map(prog_phys, WINDOW, 1, R, 0), 0);
	EXPECT_EQ(sys_unmap(WINDOW, 1, 0), 1);
	EXPECT_ERR(
	    sys_unmap(victim.w[ISO_PATTERN_VIRT], 1, victim.w[ISO_WORKER]),
	    -E_PERM);
	EXPECT_ERR(sys_unmap(0x10000000u, 16, victim.pager), -E_PERM);
	PASSED();
}

/* -E_PERM: the same address in its own space is outside its virtual
 * ranges (and would name its own space anyway). */
TEST_CASE(unmap, victim_address_in_own_space)
{
	EXPECT_ERR(sys_unmap(victim.w[ISO_PATTERN_VIRT], 1, 0), -E_PERM);
	PASSED();
}

/* -E_PERM: it was given no device: the kernel's console... */
TEST_CASE(device, uart)
{
	EXPECT_EQ(try_map(prog_phys, 1, DEV), 0);
	EXPECT_ERR(try_map(UART_PHYS, 1, DEV), -E_PERM);
	EXPECT_ERR(try_map(UART_PHYS, 1, R), -E_PERM);
	PASSED();
}

/* -E_PERM: ...the victim's RTC (the system timer on raspi2b)... */
TEST_CASE(device, victim_rtc)
{
	NEED_RTC();
#ifdef RTC_PHYS
	EXPECT_EQ(try_map(prog_phys, 1, DEV), 0);
	EXPECT_ERR(try_map(RTC_PHYS, 1, DEV), -E_PERM);
	EXPECT_ERR(try_map(RTC_PHYS, 1, MAP_ATTR_READ | MAP_ATTR_DEVICE),
		   -E_PERM);
	PASSED();
#endif
}

/* -E_PERM: ...or the kernel's interrupt controller. */
TEST_CASE(device, interrupt_controller)
{
	EXPECT_EQ(try_map(prog_phys, 1, DEV), 0);
	EXPECT_ERR(try_map(INTC_PHYS, 1, DEV), -E_PERM);
	EXPECT_ERR(try_map(INTC2_PHYS, 1, DEV), -E_PERM);
	PASSED();
}

/* -E_PERM: irq_bind needs a device capability carrying the IRQ (checked
 * before whether it is bound already, so nothing leaks there). */
TEST_CASE(irq, bind_victim_device_irq)
{
	NEED_RTC();
	EXPECT_ERR(irq_bind(victim.w[ISO_RTC_IRQ], 0), -E_PERM);
	PASSED();
}

/* -E_PERM: IRQs no device of its has. */
TEST_CASE(irq, bind_irq_of_no_device)
{
	EXPECT_ERR(irq_bind(FREE_IRQ_A, 0), -E_PERM);
	EXPECT_ERR(irq_bind(HIGH_IRQ, 0), -E_PERM);
	PASSED();
}

/* -E_INVAL: the kernel's timer and console UART and ids past the GIC's
 * are refused before anything else. */
TEST_CASE(irq, bind_kernel_timer)
{
	EXPECT_ERR(irq_bind(TIMER_IRQ, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(UART_IRQ, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(IRQ_COUNT, 0), -E_INVAL);
	EXPECT_ERR(irq_bind(0xffffffffu, 0), -E_INVAL);
	PASSED();
}

/* -E_PERM: the victim's IRQ is bound to a victim thread; waiting for,
 * acknowledging (unmasking) or unbinding it is for that thread or one
 * with an irq_control capability on it. An IRQ nobody bound is -E_PERM
 * too for a container without its device, so bindings cannot be probed. */
TEST_CASE(irq, take_over_victim_binding)
{
	NEED_RTC();
	EXPECT_ERR(irq_ack(FREE_IRQ_B), -E_PERM);
	EXPECT_ERR(irq_ack(victim.w[ISO_RTC_IRQ]), -E_PERM);
	EXPECT_ERR(irq_wait(victim.w[ISO_RTC_IRQ]), -E_PERM);
	EXPECT_ERR(irq_unbind(victim.w[ISO_RTC_IRQ]), -E_PERM);
	PASSED();
}

/* -E_PERM: binding for a victim thread needs irq_control on it (checked
 * before the device). */
TEST_CASE(irq, bind_to_victim_thread)
{
	NEED_RTC();
	EXPECT_ERR(irq_bind(victim.w[ISO_RTC_IRQ], victim.w[ISO_WORKER]),
		   -E_PERM);
	EXPECT_ERR(irq_bind(FREE_IRQ_B, victim.pager), -E_PERM);
	PASSED();
}

const struct test_case mem_tests[] = {
	TEST_ENTRY(map, victim_pattern_memory),
	TEST_ENTRY(map, victim_program_region),
	TEST_ENTRY(map, victim_memory_as_device),
	TEST_ENTRY(map, range_running_into_victim_memory),
	TEST_ENTRY(map, kernel_memory),
	TEST_ENTRY(map, boot_image_and_loader),
	TEST_ENTRY(map, ram_of_nobody),
	TEST_ENTRY(map, into_kernel_virtual_range),
	TEST_ENTRY(map, over_the_kip),
	TEST_ENTRY(map, outside_own_virtual_ranges),
	TEST_ENTRY(map, read_only_memory_writable),
	TEST_ENTRY(map, into_victim_space),
	TEST_ENTRY(unmap, victim_space),
	TEST_ENTRY(unmap, victim_address_in_own_space),
	TEST_ENTRY(device, uart),
	TEST_ENTRY(device, victim_rtc),
	TEST_ENTRY(device, interrupt_controller),
	TEST_ENTRY(irq, bind_victim_device_irq),
	TEST_ENTRY(irq, bind_irq_of_no_device),
	TEST_ENTRY(irq, bind_kernel_timer),
	TEST_ENTRY(irq, take_over_victim_binding),
	TEST_ENTRY(irq, bind_to_victim_thread),
	TEST_TABLE_END,
};
