/* Starting threads (tessera/thread.h). */
#include <stddef.h>
#include <tessera/sys.h>
#include <tessera/thread.h>

int thread_prepare(uint32_t flags, uint32_t tgid, uint32_t pc, uint32_t sp,
		   uint32_t a0, uint32_t a1, struct utcb *utcb)
{
	struct exregs r = {0};
	int tid = sys_thread_create(0, flags, tgid, pc, sp);

	if (tid < 0)
		return tid;
	r.r[0] = a0;
	r.r[1] = a1;
	r.utcb = (uint32_t)(uintptr_t)utcb;
	int err = sys_exchange_registers((uint32_t)tid,
					 EXREGS_SET_REGS | EXREGS_SET_UTCB, &r);
	if (err) { /* undo: it never ran */
		sys_thread_destroy((uint32_t)tid, 0);
		sys_thread_wait((uint32_t)tid, NULL);
		return err;
	}
	return tid;
}

void thread_call_entry(uint32_t fn, uint32_t arg)
{
	sys_exit(((int (*)(uint32_t))(uintptr_t)fn)(arg));
}
