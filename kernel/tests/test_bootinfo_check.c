/*
 * Host tests for kernel/generic/bootinfo_check.c: a valid boot info passes,
 * and each descriptor's cpu_mask (the CPUs its threads may run on) must be
 * non-zero with no bit at or above CONFIG_NR_CPUS, and its priority
 * 1..255; the panic names the container. The file is compiled into this test with CONFIG_NR_CPUS set
 * here when the host build does not define it (the host kernel tests are
 * built without the configuration's autoconf.h); panic() is
 * kernel/tests/fake_kernel.c's, which jumps back when armed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#ifndef CONFIG_NR_CPUS
#define CONFIG_NR_CPUS 4
#endif
#include "../generic/bootinfo_check.c"

#include "fake_kernel.h"

#define NR 2 /* containers */

static struct {
	struct bootinfo_header h;
	struct bootinfo_container c[NR];
} boot;

static struct {
	struct image_header h;
	struct image_part parts[2 + NR];
} image;

/* Two containers with one region and no capabilities, each on CPU 0. */
static void build(void)
{
	memset(&boot, 0, sizeof(boot));
	for (uint32_t k = 0; k < NR; k++) {
		struct bootinfo_container *d = &boot.c[k];

		snprintf(d->name, sizeof(d->name), "c%u", (unsigned)k);
		d->program_part = 2 + k;
		d->entry = 0x10000000u;
		d->stack_top = d->utcb = 0x100ff000u;
		d->priority = 10;
		d->nr_regions = 1;
		d->regions[0] = (struct bootinfo_region){
		    BI_REGION_PROGRAM, 0x41000000u + k * 0x100000u,
		    0x10000000u, 0x100000u, BI_REGION_READ | BI_REGION_WRITE};
		d->cpu_mask = 0x1;
	}
	boot.h.magic = BOOTINFO_MAGIC;
	boot.h.version = BOOTINFO_VERSION;
	boot.h.size = sizeof(boot);
	boot.h.nr_containers = NR;
	boot.h.container_size = sizeof(struct bootinfo_container);
	boot.h.cap_size = sizeof(struct bootinfo_cap);
	boot.h.caps_offset = sizeof(boot);
	boot.h.nr_caps = 0;

	memset(&image, 0, sizeof(image));
	image.h.magic = IMAGE_MAGIC;
	image.h.header_size = sizeof(image.h);
	image.h.part_size = sizeof(struct image_part);
	image.h.nr_parts = 2 + NR;
	image.h.kernel_part = 0;
	image.h.bootinfo_part = 1;
	image.parts[0].kind = IMAGE_PART_KERNEL;
	image.parts[1].kind = IMAGE_PART_BOOTINFO;
	image.parts[1].raw_size = sizeof(boot);
	for (uint32_t k = 0; k < NR; k++)
		image.parts[2 + k].kind = IMAGE_PART_CONTAINER;
}

/* bootinfo_check on the current boot info: true when it panicked (the
 * message is then in fake_panic_msg). */
static bool refused(void)
{
	fake_panic_msg[0] = '\0';
	fake_panic_armed = true;
	if (setjmp(fake_panic_jmp))
		return true;
	bootinfo_check(&image.h, &boot.h);
	fake_panic_armed = false;
	return false;
}

static void assert_refused(const char *expected)
{
	assert_true(refused());
	if (!strstr(fake_panic_msg, expected))
		fail_msg("panic \"%s\" lacks \"%s\"", fake_panic_msg, expected);
}

static void test_valid_boot_info_passes(void **state)
{
	(void)state;
	build();
	assert_false(refused());
}

static void test_every_started_cpu_passes(void **state)
{
	(void)state;
	build();
	boot.c[0].cpu_mask = (1u << CONFIG_NR_CPUS) - 1; /* 0..NR_CPUS-1 */
	boot.c[1].cpu_mask = 1u << (CONFIG_NR_CPUS - 1); /* the last one */
	assert_false(refused());
}

static void test_cpu_mask_zero_refused(void **state)
{
	(void)state;
	build();
	boot.c[1].cpu_mask = 0;
	assert_refused("boot info: container 1 \"c1\": CPU mask 0, no CPU to "
		       "run on");
}

static void test_cpu_mask_at_nr_cpus_refused(void **state)
{
	char want[128];

	(void)state;
	build();
	boot.c[0].cpu_mask = 0x1u | 1u << CONFIG_NR_CPUS;
	snprintf(want, sizeof(want),
		 "boot info: container 0 \"c0\": CPU mask 0x%x names a CPU at "
		 "or above CONFIG_NR_CPUS (%u)",
		 (unsigned)boot.c[0].cpu_mask, (unsigned)CONFIG_NR_CPUS);
	assert_refused(want);
}

static void test_cpu_mask_top_bit_refused(void **state)
{
	(void)state;
	build();
	boot.c[1].cpu_mask = 0x80000000u;
	assert_refused("container 1 \"c1\": CPU mask 0x80000000 names a CPU "
		       "at or above CONFIG_NR_CPUS");
	build();
	boot.c[1].cpu_mask = 0xffffffffu;
	assert_refused("container 1 \"c1\": CPU mask 0xffffffff");
}

/* Priorities 1..255, the scheduler's, and nothing else. */
static void test_priority_out_of_range_refused(void **state)
{
	(void)state;
	build();
	boot.c[0].priority = 1;
	boot.c[1].priority = 255;
	assert_false(refused());
	boot.c[1].priority = 0;
	assert_refused("boot info: container 1 \"c1\": priority 0, not "
		       "1..255");
	build();
	boot.c[0].priority = 256;
	assert_refused("boot info: container 0 \"c0\": priority 256, not "
		       "1..255");
	build();
	boot.c[0].priority = 0xffffffffu;
	assert_refused("container 0 \"c0\": priority 4294967295");
}

/* A name of all 16 bytes has no NUL: the message prints 16, no more. */
static void test_full_length_name_printed_whole(void **state)
{
	(void)state;
	build();
	memcpy(boot.c[0].name, "abcdefghijklmnop", BOOTINFO_NAME_LEN);
	boot.c[0].cpu_mask = 0;
	assert_refused("container 0 \"abcdefghijklmnop\": CPU mask 0");
}

/* The checks before it still come first. */
static void test_other_checks_still_apply(void **state)
{
	(void)state;
	build();
	boot.c[0].restart = 9;
	assert_refused("boot info: container 0: restart policy 9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_boot_info_passes),
	    cmocka_unit_test(test_every_started_cpu_passes),
	    cmocka_unit_test(test_cpu_mask_zero_refused),
	    cmocka_unit_test(test_cpu_mask_at_nr_cpus_refused),
	    cmocka_unit_test(test_cpu_mask_top_bit_refused),
	    cmocka_unit_test(test_priority_out_of_range_refused),
	    cmocka_unit_test(test_full_length_name_printed_whole),
	    cmocka_unit_test(test_other_checks_still_apply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
