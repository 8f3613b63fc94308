/*
 * example: a container program built with the SDK's Makefile (make
 * VIRT=...). It is an ordinary program: the same headers, user library
 * and link map as a program the build compiles from containers/.
 */
#include <tessera/boot.h>
#include <tessera/console.h>
#include <tessera/sys.h>

int main(void)
{
	struct sys_ids ids;

	sys_getid(&ids);
	printf("example: hello from container %u, thread %u, built with the "
	       "SDK and linked at 0x%08x\n", (unsigned)ids.container,
	       (unsigned)ids.tid, (unsigned)container_region.virt);
	return 0;
}
