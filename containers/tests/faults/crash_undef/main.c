/*
 * crash_undef: a first pager that executes an undefined instruction (exit
 * code 128 + 1). Lives take turns: an ARM udf, a Thumb udf, and a read of
 * SCTLR, which user mode may not do, with the stack pointer moved to
 * an address nothing maps (the fault report then has no stack words to
 * show: tools/tests/test_symbolize.py). restart = "on-failure" with a limit
 * long enough for the back-off to reach its 64-tick cap.
 */
#include <stddef.h>
#include "../common/fi.h"

__asm__(".pushsection .text\n"
	".arm\n"
	".p2align 2\n"
	".global fi_udf_arm\n"
	".type fi_udf_arm, %function\n"
	"fi_udf_arm:\n"
	".global fi_udf_arm_insn\n"
	"fi_udf_arm_insn:\n"
	"	.inst 0xe7f000f0\n" /* udf #0 */
	"	bx lr\n"
	".global fi_mrc_sctlr\n"
	".type fi_mrc_sctlr, %function\n"
	"fi_mrc_sctlr:\n"
	"	mov sp, #0x1000\n" /* unmapped: the report reads no stack */
	".global fi_mrc_sctlr_insn\n"
	"fi_mrc_sctlr_insn:\n"
	"	mrc p15, 0, r0, c1, c0, 0\n"
	"	bx lr\n"
	".syntax unified\n"
	".thumb\n"
	".global fi_udf_thumb\n"
	".type fi_udf_thumb, %function\n"
	".thumb_func\n"
	"fi_udf_thumb:\n"
	"	adds r0, r0, #1\n"
	".global fi_udf_thumb_insn\n"
	"fi_udf_thumb_insn:\n"
	"	.inst.n 0xde00\n" /* udf #0 */
	"	bx lr\n"
	".arm\n"
	".popsection\n");
void fi_udf_arm(void);
void fi_mrc_sctlr(void);
void fi_udf_thumb(void);

int main(void)
{
	int life = fi_checkin(FI_CRASH_UNDEF, 0, NULL);

	if (life < 0)
		return 1;
	switch (life % 3) {
	case 0:
		fi_udf_arm();
		break;
	case 1:
		fi_udf_thumb();
		break;
	default:
		fi_mrc_sctlr();
		break;
	}
	return 2; /* not reached */
}
