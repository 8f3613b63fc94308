/*
 * crash_prefetch: a first pager that executes where it may not, a prefetch
 * abort (exit code 128 + 3). Its even lives jump to an address nothing
 * maps, its odd lives into a page of its own that is mapped read-write but
 * not executable (its memory entry, access "rw"), after writing a valid
 * instruction there. restart = "on-failure": every life crashes, so it is
 * restarted until its limit, with the back-off.
 */
#include <stddef.h>
#include "../common/fi.h"

#define INSN_BX_LR 0xe12fff1eu

int main(void)
{
	int life = fi_checkin(FI_CRASH_PREFETCH, 0, NULL);

	if (life < 0)
		return 1;
	uint32_t target = FI_PREFETCH_ADDR;
	if (life % 2) {
		volatile uint32_t *code =
			(volatile uint32_t *)(FI_NX_VIRT + FI_NX_OFFSET);
		code[0] = INSN_BX_LR;
		target = FI_NX_VIRT + FI_NX_OFFSET;
	}
	((void (*)(void))(uintptr_t)target)();
	return 2; /* not reached */
}
