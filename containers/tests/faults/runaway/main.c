/*
 * runaway: two threads that spin forever without a system call, at a high
 * priority (the manifest's 200). They keep a count in r4 that the killer
 * reads with exchange_registers; the killer checks the victim kept working
 * meanwhile, then destroys the pager, which ends the child too.
 * restart = "on-failure", limit 1: the second life exits with 0 at once.
 */
#include <stddef.h>
#include "../common/fi.h"

/* void fi_spin(void): r4 = 0, then r4++ forever */
__asm__(".pushsection .text\n"
	".arm\n"
	".p2align 2\n"
	".global fi_spin\n"
	".type fi_spin, %function\n"
	"fi_spin:\n"
	"	mov r4, #0\n"
	"1:	add r4, r4, #1\n"
	"	b 1b\n"
	".popsection\n");
void fi_spin(void) __attribute__((noreturn));

static uint8_t stack[512] __attribute__((aligned(8)));
static struct utcb utcb __attribute__((aligned(UTCB_SIZE)));

static int spinner(uint32_t arg)
{
	(void)arg;
	fi_spin();
}

int main(void)
{
	int child = fi_spawn(TC_SAME_SPACE, spinner, 0, stack + sizeof(stack),
			     &utcb);

	int life = child < 0 ? child
			     : fi_checkin(FI_RUNAWAY, (uint32_t)child, NULL);

	if (life < 0)
		return 1;
	if (life > 0)
		return 0; /* its child, never run, ends with it */
	sys_thread_run((uint32_t)child);
	fi_spin();
}
