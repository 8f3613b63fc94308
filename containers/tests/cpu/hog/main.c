/*
 * hog: a container that wants the whole CPU. Its pager starts HOG_THREADS
 * more threads and all of them spin at the container's (highest) priority
 * until HOG_END_US after boot. Its manifest gives it a CPU budget; the
 * kernel must hold it to that budget whatever its priority and however
 * many threads it runs (docs/scheduling.md). It prints how many threads
 * spun; what it got is in the kernel's summary ("cpu used").
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>
#include <tessera/thread.h>

#define HOG_THREADS 7
#define HOG_END_US 1050000u /* a little after the periodic container */

static uint8_t stacks[HOG_THREADS][1024] __attribute__((aligned(8)));
static struct utcb utcbs[HOG_THREADS] __attribute__((aligned(UTCB_SIZE)));
static volatile uint32_t spins[HOG_THREADS + 1];

static int spin(uint32_t i)
{
	while (sys_time_us() < HOG_END_US)
		for (int k = 0; k < 256; k++)
			spins[i]++;
	return 0;
}

int main(void)
{
	int started = 0;

	for (uint32_t i = 0; i < HOG_THREADS; i++) {
		int tid = thread_prepare(
		    TC_SAME_SPACE | TC_AS_PAGER, 0,
		    (uint32_t)(uintptr_t)thread_call_entry,
		    (uint32_t)(uintptr_t)&stacks[i][sizeof(stacks[i])],
		    (uint32_t)(uintptr_t)spin, i + 1, &utcbs[i]);
		if (tid > 0 && sys_thread_run((uint32_t)tid) == 0)
			started++;
	}
	spin(0);
	for (int i = 0; i < started; i++)
		sys_thread_wait(0, NULL);
	printf("hog: %d threads spun until %u us\n", started + 1,
	       (unsigned)HOG_END_US);
	return started == HOG_THREADS ? 0 : 1;
}
