/*
 * testsuite: the in-target test suite (docs/testing.md). Runs every case of
 * every system call family, one TEST line each, and exits with 0 only when all
 * passed; the kernel makes that the system's exit status.
 */
#include <stddef.h>
#include "testsuite.h"

static const struct test_case *const tables[] = {
	selftest_tests,
	sys_basic_tests,
	sys_console_tests,
	core_thread_tests,
	core_ipc_tests,
	core_ipc_copy_tests,
	core_mem_tests,
	core_stress_tests,
	core_fault_tests,
	core_fault_reply_tests,
	core_cap_tests,
	core_irq_tests,
	core_smp_tests,
	NULL,
};

int main(void)
{
	return test_run(tables);
}
