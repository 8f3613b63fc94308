/*
 * hello: the smallest container. Its pager prints through the kernel,
 * reads the kernel's version from the kernel interface page (KIP), watches the timer tick advance (proving interrupts reach a user-mode
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
	const struct kip *kip = kip_get();
	printf("hello: kernel %u.%u.%u (%s)\n",
	       (unsigned)(kip->kernel_version >> 16 & 0xff),
	       (unsigned)(kip->kernel_version >> 8 & 0xff),
	       (unsigned)(kip->kernel_version & 0xff), kip->build);
	sys_time(&start, &hz);
	do {
		sys_time(&now, &hz);
	} while (now - start < TICKS_TO_WATCH);
	printf("hello: timer ticking: %u ticks at %u Hz\n",
	       (unsigned)(now - start), (unsigned)hz);
	printf("hello: goodbye\n");
	return 0;
}
