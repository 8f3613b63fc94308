/*
 * hello: the smallest container. Its pager prints through the kernel,
 * watches the timer tick advance (proving interrupts reach a user-mode
 * thread's kernel) and exits with status 0, which ends the system.
 */
#include <stdint.h>
#include <tessera/console.h>
#include <tessera/sys.h>

#define TICKS_TO_WATCH 3

int main(void)
{
	struct sys_ids ids;
	uint64_t start, now;
	uint32_t hz;

	sys_getid(&ids);
	printf("hello: hello from container %u, thread %u\n",
	       (unsigned)ids.container, (unsigned)ids.tid);
	sys_time(&start, &hz);
	do {
		sys_time(&now, &hz);
	} while (now - start < TICKS_TO_WATCH);
	printf("hello: timer ticking: %u ticks at %u Hz\n",
	       (unsigned)(now - start), (unsigned)hz);
	printf("hello: goodbye\n");
	return 0;
}
