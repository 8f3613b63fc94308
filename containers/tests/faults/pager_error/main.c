/*
 * pager_error: a pager that does not handle its child's fault. Its child
 * stores to an unmapped address; the fault reaches this (first) pager as
 * an ipc call, which it refuses; the kernel ends the child with 128 + 4,
 * and the pager, having nothing left to do, exits with the child's code.
 * The kernel prints no fault line (the child had a pager); the container's
 * crash line carries the child's code and cause. restart = "on-failure",
 * limit 1: both lives do the same.
 */
#include <stddef.h>
#include "../common/fi.h"

FI_DEFINE_STORE();
extern const uint32_t fi_store_insn[];

static uint8_t stack[1024] __attribute__((aligned(8)));
static struct utcb utcb __attribute__((aligned(UTCB_SIZE)));

static int child(uint32_t addr)
{
	fi_store(addr);
	return 0;
}

int main(void)
{
	struct ipc_msg m = {0};

	if (fi_checkin(FI_PAGER_ERROR, 0, NULL) < 0)
		return 1;
	int tid = fi_spawn(TC_SAME_SPACE, child, FI_PE_ADDR,
			   stack + sizeof(stack), &utcb);
	if (tid < 0 || sys_thread_run((uint32_t)tid) != 0)
		return 1;
	int err = ipc_receive((uint32_t)tid, &m);
	bool right = err == 0 && IPC_TAG_LABEL(m.tag) == IPC_LABEL_FAULT &&
		     m.mr[0] == FAULT_DATA && m.mr[1] == FI_PE_ADDR &&
		     m.mr[2] == (uint32_t)(uintptr_t)fi_store_insn;
	uint32_t addr = m.mr[1];
	m = (struct ipc_msg){.mr = {1}}; /* refused */
	fi_answer((uint32_t)tid, &m);
	int code = sys_thread_wait((uint32_t)tid, NULL);
	fi_report((uint32_t)code, addr, right, 0);
	return code;
}
