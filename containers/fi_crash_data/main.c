/*
 * crash_data: a first pager that stores to an unmapped address. It has no
 * pager, so the kernel reports the data abort on the console and ends it
 * (exit code 128 + 4). restart = "always", limit 1: both lives crash.
 */
#include <stddef.h>
#include "../fi_common/fi.h"

/* void fi_store(addr): *addr = addr, at fi_store_insn */
__asm__(".pushsection .text\n"
	".arm\n"
	".p2align 2\n"
	".global fi_store\n"
	".type fi_store, %function\n"
	"fi_store:\n"
	".global fi_store_insn\n"
	"fi_store_insn:\n"
	"	str r0, [r0]\n"
	"	bx lr\n"
	".popsection\n");
void fi_store(uint32_t addr);

int main(void)
{
	if (fi_checkin(FI_CRASH_DATA, 0, NULL) < 0)
		return 1;
	fi_store(FI_DATA_ADDR);
	return 2; /* not reached */
}
