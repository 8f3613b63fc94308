/*
 * flaky: restart = "on-failure" with room for more restarts than it needs:
 * its first lives load from an unmapped address (a data abort, exit code
 * 128 + 4), the life FI_FLAKY_SUCCEEDS_AT exits with 0, and the kernel
 * then leaves it stopped: on-failure restarts only after a failure.
 */
#include <stddef.h>
#include "../common/fi.h"

/* uint32_t fi_load(addr): return *addr, at fi_load_insn */
__asm__(".pushsection .text\n"
	".arm\n"
	".p2align 2\n"
	".global fi_load\n"
	".type fi_load, %function\n"
	"fi_load:\n"
	".global fi_load_insn\n"
	"fi_load_insn:\n"
	"	ldr r0, [r0]\n"
	"	bx lr\n"
	".popsection\n");
uint32_t fi_load(uint32_t addr);

int main(void)
{
	int life = fi_checkin(FI_FLAKY, 0, NULL);

	if (life < 0)
		return 1;
	if (life < FI_FLAKY_SUCCEEDS_AT)
		return (int)fi_load(FI_FLAKY_ADDR);
	return 0;
}
