/* crash: writes through a null pointer. The memory server finds no
 * mapping at address 0 and ends the process with SIGSEGV (11), which its
 * parent's waitpid reports (docs/posix.md, "Serving a fault"). */
#include <stdio.h>

int main(void)
{
	volatile int *p = NULL;
	printf("crash: writing to address 0\n");
	fflush(stdout);
	*p = 42;
	printf("crash: still here?\n"); /* never printed */
	return 0;
}
