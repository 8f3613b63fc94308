/* The testsuite container's case tables, one per system call family. */
#ifndef TESTSUITE_H
#define TESTSUITE_H

#include <tessera/test.h>

extern const struct test_case selftest_tests[];
extern const struct test_case sys_basic_tests[];
extern const struct test_case sys_console_tests[];
extern const struct test_case core_thread_tests[];
extern const struct test_case core_ipc_tests[];
extern const struct test_case core_ipc_copy_tests[];
extern const struct test_case core_mem_tests[];
extern const struct test_case core_stress_tests[];
extern const struct test_case core_fault_tests[];
extern const struct test_case core_fault_reply_tests[];
extern const struct test_case core_cap_tests[];
extern const struct test_case core_irq_tests[];
extern const struct test_case core_smp_tests[];

#endif
