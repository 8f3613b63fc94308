/*
 * init of the POSIX bench system (configs/posix_bench.toml,
 * docs/benchmarks.md "POSIX"): instead of the test cases of
 * containers/posix/server/init.c, init replaces itself with
 * /bin/posixbench (built from ../bin/posixbench/), passing it
 * CONFIG_BENCH_ITERATIONS; the container ends with its exit code.
 *
 * tools/bench.py builds the server with this file in place of init.c:
 * it fills containers/posix/bin/posixbench/server/ (git-ignored) with
 * links to every containers/posix/server/ source but init.c, and one to
 * this file, and names that folder as the program.
 */
#include <tessera/console.h>
#include <posix/client.h>
#include "server.h"

#define STR_(x) #x
#define STR(x) STR_(x)

void posix_init_main(void)
{
	char *const argv[] = {"posixbench", STR(CONFIG_BENCH_ITERATIONS), 0};
	char *const envp[] = {0};

	execve("/bin/posixbench", argv, envp);
	printf("BENCH na posix exec of /bin/posixbench failed: %d\n",
	       posix_errno);
	_exit(2);
}
