/* Prints its arguments and one variable of its environment; its exit
 * code is argc (the exec tests of containers/posix/server/init.c). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv, char **envp)
{
	printf("args: argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("args: argv[%d]=\"%s\"\n", i, argv[i]);
	int n = 0;
	while (envp[n])
		n++;
	const char *g = getenv("GREETING");
	printf("args: envc=%d GREETING=%s\n", n, g ? g : "(none)");
	return argc;
}
