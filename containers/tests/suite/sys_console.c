/*
 * console_write: lengths up to CONSOLE_WRITE_MAX are written, longer ones
 * refused, and every buffer the caller cannot read is -E_FAULT (the kernel
 * walks the caller's page tables instead of trusting the pointer).
 */
#include <string.h>
#include <tessera/boot.h>
#include <tessera/errno.h>
#include <tessera/sys.h>
#include "testsuite.h"

/* tools/tests/test_target_suite.py looks for this line on the console. */
static const char hello_line[] =
	"testsuite: console_write reaches the console\n";

/* The lowest kernel address: mapped, but not for user mode. */
#define KERNEL_ADDRESS 0xc0000000u

TEST_CASE(console_write, returns_length)
{
	size_t len = sizeof(hello_line) - 1;

	EXPECT_EQ(sys_console_write(hello_line, len), len);
}

TEST_CASE(console_write, max_length)
{
	static const char prefix[] = "testsuite: 256 bytes ";
	char buf[CONSOLE_WRITE_MAX];

	memset(buf, '.', sizeof(buf));
	memcpy(buf, prefix, sizeof(prefix) - 1);
	buf[sizeof(buf) - 1] = '\n';
	EXPECT_EQ(sys_console_write(buf, sizeof(buf)), CONSOLE_WRITE_MAX);
}

TEST_CASE(console_write, zero_length)
{
	EXPECT_EQ(sys_console_write(hello_line, 0), 0);
}

/* The buffer is valid: only the length is wrong. */
TEST_CASE(console_write, too_long)
{
	static char buf[CONSOLE_WRITE_MAX + 1];

	EXPECT_ERR(sys_console_write(buf, sizeof(buf)), -E_INVAL);
}

TEST_CASE(console_write, null_pointer)
{
	EXPECT_ERR(sys_console_write(NULL, 4), -E_FAULT);
}

TEST_CASE(console_write, kernel_pointer)
{
	EXPECT_ERR(sys_console_write((const char *)KERNEL_ADDRESS, 4),
		   -E_FAULT);
}

/* crt0 is linked first, at the start of the region. */
extern char _start[];

/*
 * The end of the container's only region, from the boot arguments the
 * kernel gives the pager (tessera/boot.h). The region must be the one the
 * program runs in: were the arguments missing (zero), the pointers below
 * would be NULL or wrap around and the cases would pass by accident.
 */
#define EXPECT_REGION_KNOWN()                                                  \
	do {                                                                   \
		EXPECT_EQ(container_region.virt, (uintptr_t)_start);           \
		EXPECT_GT(container_region.size, 0);                           \
	} while (0)
#define REGION_END (container_region.virt + container_region.size)

/* The first byte past the region. */
TEST_CASE(console_write, unmapped_pointer)
{
	EXPECT_REGION_KNOWN();
	EXPECT_ERR(sys_console_write((const char *)REGION_END, 4), -E_FAULT);
}

/* Starts in the region's last page, ends in the unmapped one after it. */
TEST_CASE(console_write, crosses_into_unmapped)
{
	EXPECT_REGION_KNOWN();
	EXPECT_ERR(sys_console_write((const char *)(REGION_END - 8), 16),
		   -E_FAULT);
}

/* Pointer + length wraps past 4 GiB back to low addresses. */
TEST_CASE(console_write, wraps_around)
{
	EXPECT_ERR(sys_console_write((const char *)0xfffffff8u, 16), -E_FAULT);
}

const struct test_case sys_console_tests[] = {
	TEST_ENTRY(console_write, returns_length),
	TEST_ENTRY(console_write, max_length),
	TEST_ENTRY(console_write, zero_length),
	TEST_ENTRY(console_write, too_long),
	TEST_ENTRY(console_write, null_pointer),
	TEST_ENTRY(console_write, kernel_pointer),
	TEST_ENTRY(console_write, unmapped_pointer),
	TEST_ENTRY(console_write, crosses_into_unmapped),
	TEST_ENTRY(console_write, wraps_around),
	TEST_TABLE_END,
};
