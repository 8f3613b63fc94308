/*
 * flaky: the demo's crash and restart. Its first life ends in a data
 * abort (a store to an address nothing maps); the kernel reports the crash,
 * tears the container down and, by its restart policy (on-failure, see
 * configs/demo.toml), brings it back from its pristine image. The second
 * life sees a restart count of 1 (tessera/boot.h) and finishes its work.
 */
#include <stdint.h>
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/sys.h>

#define NOWHERE 0x00200000u /* below its region: nothing maps it */

/* A small job whose answer is known: the sum 1 + 2 + ... + 1000. */
static uint32_t work(void)
{
	uint32_t sum = 0;

	for (uint32_t i = 1; i <= 1000; i++)
		sum += i;
	return sum;
}

int main(void)
{
	if (container_region.restarts == 0) {
		printf("flaky: first start: storing to 0x%08x, which nothing "
		       "maps\n", (unsigned)NOWHERE);
		*(volatile uint32_t *)NOWHERE = 1;
		printf("flaky: still alive?\n"); /* never printed */
		return 1;
	}
	uint32_t sum = work();
	printf("flaky: restarted %u time(s); work done: sum 1..1000 = %u (%s)\n",
	       (unsigned)container_region.restarts, (unsigned)sum,
	       sum == 500500 ? "correct" : "WRONG");
	return sum == 500500 ? 0 : 1;
}
